//! The credentials file `kiln login` writes: one profile per name, each a registry URL, a
//! token and optionally a private CA, kept as TOML in `credentials.toml` (as cargo keeps
//! `credentials.toml`). The file holds secrets, so it is written owner-only (0600) and
//! atomically (a 0600 temp file renamed over it), read-modify-write under a lock file, and a
//! file others can read is refused rather than used.
//!
//! Where it lives: `$KILN_CONFIG_DIR/credentials.toml`, else
//! `$XDG_CONFIG_HOME/kiln/credentials.toml`, else `~/.config/kiln/credentials.toml`
//! (`%APPDATA%\kiln\credentials.toml` on Windows).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// The file's name inside the config directory.
const FILE_NAME: &str = "credentials.toml";

/// The first lines of the file, so whoever opens it knows what it is.
const HEADER: &str = "# Kiln registry credentials, written by `kiln login`; `kiln logout` revokes and removes.\n\
                      # Holds API tokens: keep it private (mode 0600).\n\n";

/// One registry and the token to call it with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The registry's base URL.
    pub registry: String,
    /// The API token (`kiln_...`).
    pub token: String,
    /// A PEM file of CA certificates to trust for this registry (absolute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
}

/// Everything in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// Refuses a profile name that would not read back as typed: letters, digits, `-` and `_`.
pub fn check_profile_name(name: &str) -> anyhow::Result<()> {
    let ok =
        (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        bail!("`{name}` is not a profile name (1 to 64 letters, digits, `-` or `_`)");
    }
    Ok(())
}

/// The directory the file lives in, from the environment `var` reads.
pub fn config_dir(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set("KILN_CONFIG_DIR") {
        return Some(dir);
    }
    if let Some(dir) = set("XDG_CONFIG_HOME") {
        return Some(dir.join("kiln"));
    }
    if let Some(home) = set("HOME") {
        return Some(home.join(".config").join("kiln"));
    }
    set("APPDATA").map(|dir| dir.join("kiln"))
}

/// The credentials file at one path.
#[derive(Debug, Clone)]
pub struct CredentialsFile {
    path: PathBuf,
}

impl CredentialsFile {
    /// The file this process's environment points at.
    pub fn locate() -> anyhow::Result<Self> {
        let dir = config_dir(|name| std::env::var_os(name))
            .context("cannot tell where to keep credentials: set KILN_CONFIG_DIR (or HOME)")?;
        Ok(CredentialsFile { path: dir.join(FILE_NAME) })
    }

    /// The file at `path`.
    #[cfg(test)]
    pub fn at(path: PathBuf) -> Self {
        CredentialsFile { path }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the file holds (nothing, if it does not exist). Refuses a file that anyone but
    /// its owner can read or write: its tokens may have been read, and a token someone else
    /// could have written would send our requests where they chose.
    pub fn load(&self) -> anyhow::Result<Credentials> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Credentials::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", self.path.display())),
        };
        self.check_private()?;
        toml::from_str(&text).with_context(|| format!("{} is not a kiln credentials file", self.path.display()))
    }

    /// The profile `name`, if the file has it.
    pub fn profile(&self, name: &str) -> anyhow::Result<Option<Profile>> {
        Ok(self.load()?.profiles.remove(name))
    }

    /// Reads the file, lets `change` edit it and writes it back, under a lock so concurrent
    /// `kiln login`s do not lose each other's profiles. Nothing is written if `change` fails.
    pub fn update<T>(&self, change: impl FnOnce(&mut Credentials) -> anyhow::Result<T>) -> anyhow::Result<T> {
        let dir = self.path.parent().context("the credentials file has no directory")?;
        create_private_dir(dir)?;
        let lock = private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(".credentials.lock"))
            .with_context(|| format!("cannot open the lock file in {}", dir.display()))?;
        lock.lock().with_context(|| format!("cannot lock {}", self.path.display()))?;
        let mut credentials = self.load()?;
        let out = change(&mut credentials)?;
        let text = format!("{HEADER}{}", toml::to_string(&credentials).context("encoding the credentials")?);
        write_atomically(&self.path, text.as_bytes())?;
        Ok(out)
    }

    #[cfg(unix)]
    fn check_private(&self) -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(&self.path)
            .with_context(|| format!("cannot read {}", self.path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "{} is open to others (mode {:o}): its tokens may have been read; run `chmod 600 {}`, \
                 and consider `kiln logout` and a new `kiln login`",
                self.path.display(),
                mode & 0o777,
                self.path.display()
            );
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn check_private(&self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Options that create files readable and writable by their owner only.
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Creates `dir` (and its parents) if missing; what this creates is owner-only (0700).
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// Replaces `path` with `bytes` so that a reader sees the old file or the new one, never a
/// part: written to a new 0600 file beside it, flushed, then renamed over it.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("the credentials file has no directory")?;
    let tmp = dir.join(format!(".{FILE_NAME}.{:016x}.tmp", rand::random::<u64>()));
    let written = (|| {
        let mut file = private_options().write(true).create_new(true).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    // The rename is durable once the directory is; where directories cannot be opened (Windows)
    // there is nothing to flush.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(registry: &str, token: &str) -> Profile {
        Profile { registry: registry.into(), token: token.into(), ca_cert: None }
    }

    #[test]
    fn the_config_dir_comes_from_kiln_config_dir_then_xdg_then_home() {
        fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| OsString::from(v))
        }
        let all = [("KILN_CONFIG_DIR", "/k"), ("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")];
        assert_eq!(config_dir(env(&all)), Some(PathBuf::from("/k")));
        assert_eq!(config_dir(env(&all[1..])), Some(PathBuf::from("/x/kiln")));
        assert_eq!(config_dir(env(&all[2..])), Some(PathBuf::from("/h/.config/kiln")));
        assert_eq!(config_dir(env(&[("KILN_CONFIG_DIR", ""), ("HOME", "/h")])), Some(PathBuf::from("/h/.config/kiln")));
        assert_eq!(config_dir(env(&[])), None);
    }

    #[test]
    fn profiles_are_written_owner_only_and_coexist() {
        let dir = tempfile::tempdir().unwrap();
        let file = CredentialsFile::at(dir.path().join("new/credentials.toml"));
        assert_eq!(file.load().unwrap(), Credentials::default());
        file.update(|c| Ok(c.profiles.insert("default".into(), profile("https://a", "kiln_a")))).unwrap();
        file.update(|c| Ok(c.profiles.insert("prod".into(), profile("https://b", "kiln_b")))).unwrap();
        let read = file.load().unwrap();
        assert_eq!(read.profiles["default"], profile("https://a", "kiln_a"));
        assert_eq!(read.profiles["prod"], profile("https://b", "kiln_b"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(file.path()), 0o600);
            assert_eq!(mode(file.path().parent().unwrap()), 0o700);
        }
        // No temp file is left beside it.
        let names: Vec<_> =
            fs::read_dir(file.path().parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn a_failed_change_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = CredentialsFile::at(dir.path().join("credentials.toml"));
        let e = file.update(|c| -> anyhow::Result<()> {
            c.profiles.insert("default".into(), profile("https://a", "kiln_a"));
            bail!("the registry said no")
        });
        assert!(e.is_err());
        assert!(!file.path().exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let file = CredentialsFile::at(dir.path().join("credentials.toml"));
        file.update(|c| Ok(c.profiles.insert("default".into(), profile("https://a", "kiln_a")))).unwrap();
        fs::set_permissions(file.path(), fs::Permissions::from_mode(0o644)).unwrap();
        let e = file.load().unwrap_err().to_string();
        assert!(e.contains("open to others (mode 644)") && e.contains("chmod 600"), "{e}");
    }

    #[test]
    fn profile_names_are_plain_words() {
        for good in ["default", "prod-eu", "ci_2"] {
            assert!(check_profile_name(good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "x.y", "a/b", "\"q\"", &"n".repeat(65)] {
            assert!(check_profile_name(bad).is_err(), "{bad}");
        }
    }
}
