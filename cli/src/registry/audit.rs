//! `kiln audit list` (over the API) and `kiln audit verify` (on the database itself).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use kiln_registry::routes::audit::AuditQuery;
use kiln_registry::store::audit::{AuditEntry, Verdict};

use super::{Remote, emit, when};
use crate::admin::{database_url, redacted};

/// Audit commands (operators).
#[derive(Subcommand)]
pub enum AuditCommand {
    /// List audit entries, oldest first.
    List {
        /// Only entries after this sequence number.
        #[arg(long, value_name = "SEQ")]
        after: Option<i64>,
        /// At most this many (the registry allows up to 1000; default 100).
        #[arg(long, value_name = "N")]
        limit: Option<i64>,
        /// Only this action; `version.*` for every action starting `version.`.
        #[arg(long)]
        action: Option<String>,
        /// Only this actor.
        #[arg(long)]
        actor: Option<String>,
        /// Only this subject; `acme/*` for every subject starting `acme/`.
        #[arg(long)]
        subject: Option<String>,
        /// Newest first (page on with --before SEQ).
        #[arg(long)]
        newest_first: bool,
        /// Only entries before this sequence number.
        #[arg(long, value_name = "SEQ")]
        before: Option<i64>,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Recompute the hash chain in the registry's database; exits non-zero naming the first
    /// altered, removed or reordered entry.
    Verify {
        /// Database URL; default the SQLite file in the data directory.
        #[arg(long, env = "KILN_DB", value_name = "URL", hide_env_values = true)]
        db: Option<String>,
        /// The registry's data directory.
        #[arg(long, value_name = "DIR", default_value = "./kiln-data")]
        data_dir: PathBuf,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an audit subcommand.
pub fn run(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::List { after, limit, action, actor, subject, newest_first, before, remote } => {
            let order = newest_first.then(|| "desc".to_string());
            let query = AuditQuery { after, before, limit, order, action, actor, subject, since: None, until: None };
            let entries: Vec<AuditEntry> = remote.client()?.get_query(&["v1", "audit"], &query)?;
            emit(remote.json, &entries, |entries| {
                for e in entries {
                    println!(
                        "{:>6} {} {:<16} {:<22} {} {}",
                        e.seq,
                        when(e.at),
                        e.actor,
                        e.action,
                        e.subject,
                        e.details
                    );
                }
            })
        }
        AuditCommand::Verify { db, data_dir, json } => verify(db, data_dir, json),
    }
}

fn verify(db: Option<String>, data_dir: PathBuf, json: bool) -> anyhow::Result<ExitCode> {
    let url = database_url(db, &data_dir, false)?;
    let verdict = crate::runtime()?
        .block_on(kiln_registry::verify_audit(&url))
        .with_context(|| format!("verifying the audit chain in {}", redacted(&url)))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&verdict)?);
    }
    match verdict {
        Verdict::Intact { entries } => {
            if !json {
                println!("audit chain intact: {entries} entries");
            }
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Broken { seq, problem, detail } => {
            eprintln!("error: audit chain broken at entry {seq} ({problem}): {detail}");
            Ok(ExitCode::FAILURE)
        }
    }
}
