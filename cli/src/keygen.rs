//! `kiln keygen --out KEY`: an ed25519 key pair for signing publishes, and reading it back.
//!
//! KEY holds the 32-byte secret key as hex (mode 0600); KEY.pub the public key as hex.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;
use ed25519_dalek::SigningKey;
use serde_json::json;

/// Arguments of `kiln keygen`.
#[derive(Args)]
pub struct KeygenArgs {
    /// Where to write the secret key; the public key goes beside it as KEY.pub. Neither may exist.
    #[arg(long, value_name = "KEY")]
    out: PathBuf,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// KEY.pub for KEY.
pub fn public_path(secret: &Path) -> PathBuf {
    let mut name = secret.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Writes a new key pair and prints the public key.
pub fn run(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    let public_file = public_path(&args.out);
    for path in [&args.out, &public_file] {
        if path.exists() {
            bail!("{} already exists; refusing to overwrite a key", path.display());
        }
    }
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let public = hex::encode(key.verifying_key().to_bytes());
    write_new(&args.out, &format!("{}\n", hex::encode(key.to_bytes())), 0o600)?;
    write_new(&public_file, &format!("{public}\n"), 0o644)?;
    if args.json {
        let doc = json!({"public_key": public, "secret_key_file": args.out, "public_key_file": public_file});
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!("{public}");
        println!("secret key: {} (keep it private)", args.out.display());
        println!(
            "public key: {} (register it: kiln key add --public {})",
            public_file.display(),
            public_file.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Creates `path` (failing if it exists) with `mode` on Unix and writes `text`.
fn write_new(path: &Path, text: &str, mode: u32) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}

/// Reads a secret key written by `kiln keygen`, warning if others may read it.
pub fn read_secret_key(path: &Path) -> anyhow::Result<SigningKey> {
    if path.extension().is_some_and(|e| e == "pub") {
        bail!("{} is a public key; pass the secret key file beside it", path.display());
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the secret key {}", path.display()))?;
    let bytes: [u8; 32] = hex::decode(text.trim()).ok().and_then(|b| b.try_into().ok()).with_context(|| {
        format!("{} is not a kiln secret key (64 hex characters from `kiln keygen`)", path.display())
    })?;
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt as _;
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!("warning: {} is readable by others; `chmod 600` it", path.display());
        }
    }
    Ok(SigningKey::from_bytes(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_key_reads_back_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("maker.key");
        run(KeygenArgs { out: out.clone(), json: true }).unwrap();
        let key = read_secret_key(&out).unwrap();
        let public = std::fs::read_to_string(public_path(&out)).unwrap();
        assert_eq!(public.trim(), hex::encode(key.verifying_key().to_bytes()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let again = run(KeygenArgs { out: out.clone(), json: true }).unwrap_err();
        assert!(again.to_string().contains("refusing to overwrite"), "{again}");
        let swapped = read_secret_key(&public_path(&out)).unwrap_err();
        assert!(swapped.to_string().contains("is a public key"), "{swapped}");
    }
}
