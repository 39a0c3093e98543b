//! `kiln review ...`: the operator's queue, approve, reject and take down.

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use kiln_registry::routes::review::Reason;
use kiln_registry::store::plugins::{PluginRecord, Status, VersionRecord};

use super::lines::{short_sha, version_state};
use super::{PluginRef, Remote, any_ref, emit, version_ref, when};

/// Review commands (operators).
#[derive(Subcommand)]
pub enum ReviewCommand {
    /// List versions in a review status, oldest first.
    List {
        /// Which status to list.
        #[arg(long, value_enum, default_value = "pending")]
        status: StatusArg,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Approve a pending version: enterprises can then resolve and download it.
    Approve {
        /// The version, NAMESPACE/NAME@VERSION.
        #[arg(value_parser = version_ref, value_name = "NS/NAME@VERSION")]
        version: PluginRef,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Reject a pending version, with a reason for the maker.
    Reject {
        /// The version, NAMESPACE/NAME@VERSION.
        #[arg(value_parser = version_ref, value_name = "NS/NAME@VERSION")]
        version: PluginRef,
        /// Why, for the maker and the audit log.
        #[arg(long)]
        reason: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Take down one version, or with no version a whole plugin: it stops resolving and downloading.
    Takedown {
        /// NAMESPACE/NAME for the whole plugin, NAMESPACE/NAME@VERSION for one version.
        #[arg(value_parser = any_ref, value_name = "NS/NAME[@VERSION]")]
        target: PluginRef,
        /// Why, for the audit log.
        #[arg(long)]
        reason: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
}

/// A review status.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    /// Waiting for an operator.
    Pending,
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
}

impl StatusArg {
    fn status(self) -> Status {
        match self {
            StatusArg::Pending => Status::Pending,
            StatusArg::Approved => Status::Approved,
            StatusArg::Rejected => Status::Rejected,
        }
    }
}

/// Runs a review subcommand.
pub fn run(cmd: ReviewCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ReviewCommand::List { status, remote } => {
            let status = status.status();
            let versions: Vec<VersionRecord> =
                remote.client()?.get_all_pages(&["v1", "review"], &[("status", status.as_str().into())])?;
            emit(remote.json, &versions, |versions| {
                if versions.is_empty() {
                    println!("no {} versions", status.as_str());
                }
                for v in versions {
                    println!(
                        "{:<32} {:<10}  contract {}  sha256 {}  by {} {}",
                        v.subject(),
                        version_state(v),
                        v.contract,
                        short_sha(&v.sha256),
                        v.published_by,
                        when(v.published_at)
                    );
                }
            })
        }
        ReviewCommand::Approve { version, remote } => {
            let v: VersionRecord = remote.client()?.post_empty(&version.version_path(&["approve"]))?;
            emit(remote.json, &v, |v| println!("approved {}", v.subject()))
        }
        ReviewCommand::Reject { version, reason, remote } => {
            let body = Reason { reason: reason.clone() };
            let v: VersionRecord = remote.client()?.post(&version.version_path(&["reject"]), &body)?;
            emit(remote.json, &v, |v| println!("rejected {}: {reason}", v.subject()))
        }
        ReviewCommand::Takedown { target, reason, remote } => {
            let body = Reason { reason: reason.clone() };
            let client = remote.client()?;
            if target.version.is_some() {
                let v: VersionRecord = client.post(&target.version_path(&["takedown"]), &body)?;
                emit(remote.json, &v, |v| println!("took down {}: {reason}", v.subject()))
            } else {
                let mut path = target.plugin_path();
                path.push("takedown");
                let p: PluginRecord = client.post(&path, &body)?;
                emit(remote.json, &p, |p| {
                    let at = p.taken_down_at.map(when).unwrap_or_default();
                    let why = p.takedown_reason.as_deref().unwrap_or(&reason);
                    println!("took down {}/{} and all its versions at {at}: {why}", p.namespace, p.name);
                })
            }
        }
    }
}
