//! `kiln admin bootstrap`: the first operator token, made on the registry's database directly.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};

/// Administration on the registry's own database.
#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an operator token (refused while one is live: for the first operator, or to get
    /// back in once every operator token was revoked or expired) and print it once.
    Bootstrap(BootstrapArgs),
}

/// Arguments of `kiln admin bootstrap`.
#[derive(Args)]
pub struct BootstrapArgs {
    /// Database URL; default the SQLite file in the data directory.
    #[arg(long, env = "KILN_DB", value_name = "URL", hide_env_values = true)]
    db: Option<String>,
    /// The operator's principal name.
    #[arg(long, default_value = "admin")]
    principal: String,
    /// The registry's data directory (as given to `kiln serve`).
    #[arg(long, value_name = "DIR", default_value = "./kiln-data")]
    data_dir: PathBuf,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs an admin subcommand.
pub fn run(cmd: AdminCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AdminCommand::Bootstrap(args) => bootstrap(args),
    }
}

fn bootstrap(args: BootstrapArgs) -> anyhow::Result<ExitCode> {
    let url = database_url(args.db, &args.data_dir, true)?;
    let created = crate::runtime()?
        .block_on(kiln_registry::bootstrap(&url, &args.principal))
        .with_context(|| format!("bootstrapping the registry in {}", redacted(&url)))?;
    crate::registry::emit(args.json, &created, crate::registry::tokens::print_created)
}

/// `--db`, or the SQLite file in `data_dir`: created when `create`, else it must exist.
pub fn database_url(db: Option<String>, data_dir: &Path, create: bool) -> anyhow::Result<String> {
    if let Some(db) = db {
        return Ok(db);
    }
    if create {
        std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    } else if !data_dir.join("kiln.db").is_file() {
        bail!("no registry database in {}; pass --data-dir or --db", data_dir.display());
    }
    Ok(kiln_registry::default_db_url(data_dir))
}

/// A database URL fit for messages: any password replaced.
pub fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(redacted("postgres://kiln:s3cret@db:5432/kiln"), "postgres://kiln:***@db:5432/kiln");
        assert_eq!(redacted("sqlite://./d/kiln.db?mode=rwc"), "sqlite://./d/kiln.db?mode=rwc");
    }

    #[test]
    fn verifying_needs_an_existing_database() {
        let dir = tempfile::tempdir().unwrap();
        assert!(database_url(None, dir.path(), false).is_err());
        assert!(database_url(None, &dir.path().join("new"), true).unwrap().starts_with("sqlite://"));
        assert_eq!(database_url(Some("postgres://x".into()), dir.path(), false).unwrap(), "postgres://x");
    }
}
