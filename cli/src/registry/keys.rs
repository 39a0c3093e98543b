//! `kiln key ...`: the ed25519 public keys a registry checks your publish signatures against.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use kiln_registry::manifest::public_key;
use kiln_registry::routes::keys::AddKey;
use kiln_registry::store::keys::SigningKey;
use serde_json::json;

use super::lines::key_line;
use super::{Remote, emit};

/// Signing key commands.
#[derive(Subcommand)]
pub enum KeyCommand {
    /// Register a public key (from `kiln keygen`) for your publish signatures.
    Add {
        /// The public key: a KEY.pub file, or its 64 hex characters.
        #[arg(long = "public", value_name = "FILE_OR_HEX")]
        public: String,
        /// A label for the key.
        #[arg(long)]
        name: Option<String>,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// List your registered keys.
    List {
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Revoke a key by id. Versions it already signed stay valid.
    Revoke {
        /// The key's id (from `kiln key list`).
        id: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
}

/// Runs a key subcommand.
pub fn run(cmd: KeyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        KeyCommand::Add { public, name, remote } => {
            let body = AddKey { public_key: public_key_hex(&public)?, name: name.unwrap_or_default() };
            let key: SigningKey = remote.client()?.post(&["v1", "keys"], &body)?;
            emit(remote.json, &key, |k| println!("added {}", key_line(k)))
        }
        KeyCommand::List { remote } => {
            let keys: Vec<SigningKey> = remote.client()?.get(&["v1", "keys"])?;
            emit(remote.json, &keys, |keys| {
                if keys.is_empty() {
                    println!("no keys; add one with `kiln key add --public KEY.pub`");
                }
                for k in keys {
                    println!("{}", key_line(k));
                }
            })
        }
        KeyCommand::Revoke { id, remote } => {
            remote.client()?.delete(&["v1", "keys", &id])?;
            emit(remote.json, &json!({"revoked": id}), |_| println!("revoked key {id}"))
        }
    }
}

/// The hex public key given directly or in a file, checked to be an ed25519 point. Refuses a
/// file that has a `.pub` beside it: that is a secret key, which must never leave the machine.
fn public_key_hex(given: &str) -> anyhow::Result<String> {
    let path = Path::new(given);
    let text = if path.exists() {
        let mut sibling = path.as_os_str().to_owned();
        sibling.push(".pub");
        if Path::new(&sibling).exists() {
            bail!("{given} is a secret key (it has a .pub beside it); pass {}", Path::new(&sibling).display());
        }
        std::fs::read_to_string(path).with_context(|| format!("reading {given}"))?
    } else {
        given.to_string()
    };
    let hex = text.trim().to_lowercase();
    public_key(&hex).with_context(|| format!("{given} is not an ed25519 public key (64 hex characters)"))?;
    Ok(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_keys_come_from_hex_or_pub_files_never_secret_files() {
        let public = hex::encode(ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key().to_bytes());
        assert_eq!(public_key_hex(&public.to_uppercase()).unwrap(), public);
        assert!(public_key_hex("abcd").is_err());

        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("key");
        std::fs::write(&secret, "00".repeat(32)).unwrap();
        std::fs::write(dir.path().join("key.pub"), format!("{public}\n")).unwrap();
        let pub_file = dir.path().join("key.pub");
        assert_eq!(public_key_hex(pub_file.to_str().unwrap()).unwrap(), public);
        let e = public_key_hex(secret.to_str().unwrap()).unwrap_err();
        assert!(e.to_string().contains("is a secret key"), "{e}");
    }
}
