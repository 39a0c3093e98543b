//! `kiln namespace ...`: the namespaces makers publish under, their members, and every plugin
//! in them whatever its versions' review state.

use std::process::ExitCode;

use clap::Subcommand;
use kiln_registry::routes::namespaces::{AddMember, CreateNamespace};
use kiln_registry::store::namespaces::{Namespace, NamespaceSummary};
use kiln_registry::store::plugins::PluginVersions;

use super::lines::version_state;
use super::{Remote, emit};

/// Namespace commands.
#[derive(Subcommand)]
pub enum NamespaceCommand {
    /// Create a namespace. A maker becomes its owner; an operator names the owner.
    Create {
        /// The namespace (lowercase letters, digits and single dashes).
        name: String,
        /// Its first member (operators only; makers own what they create).
        #[arg(long)]
        owner: Option<String>,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Let another principal publish in a namespace you are a member of.
    AddMember {
        /// The namespace.
        name: String,
        /// The principal to add.
        principal: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// List the namespaces you are a member of (operators: every namespace).
    List {
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// List every plugin of a namespace you are a member of, with each version's review state
    /// (pending ones and rejected ones too, with the reviewer's reason).
    Plugins {
        /// The namespace.
        name: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Show a namespace and its members.
    Show {
        /// The namespace.
        name: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
}

/// Runs a namespace subcommand.
pub fn run(cmd: NamespaceCommand) -> anyhow::Result<ExitCode> {
    let (answer, remote): (Namespace, _) = match cmd {
        NamespaceCommand::Create { name, owner, remote } => {
            (remote.client()?.post(&["v1", "namespaces"], &CreateNamespace { name, owner })?, remote)
        }
        NamespaceCommand::AddMember { name, principal, remote } => {
            (remote.client()?.post(&["v1", "namespaces", &name, "members"], &AddMember { principal })?, remote)
        }
        NamespaceCommand::Show { name, remote } => (remote.client()?.get(&["v1", "namespaces", &name])?, remote),
        NamespaceCommand::List { remote } => return list(&remote),
        NamespaceCommand::Plugins { name, remote } => return plugins(&name, &remote),
    };
    emit(remote.json, &answer, |ns| {
        println!("{} (created by {})", ns.name, ns.created_by);
        println!("members: {}", ns.members.join(", "));
    })
}

fn list(remote: &Remote) -> anyhow::Result<ExitCode> {
    let all: Vec<NamespaceSummary> = remote.client()?.get_all_pages(&["v1", "namespaces"], &[])?;
    emit(remote.json, &all, |all| {
        if all.is_empty() {
            println!("no namespaces");
        }
        for ns in all {
            println!(
                "{}  created by {}  {} member(s)  {} plugin(s)",
                ns.name, ns.created_by, ns.member_count, ns.plugin_count
            );
        }
    })
}

fn plugins(name: &str, remote: &Remote) -> anyhow::Result<ExitCode> {
    let all: Vec<PluginVersions> = remote.client()?.get_all_pages(&["v1", "namespaces", name, "plugins"], &[])?;
    emit(remote.json, &all, |all| {
        if all.is_empty() {
            println!("no plugins in {name}");
        }
        for p in all {
            let down = p.plugin.takedown_reason.as_deref().map(|r| format!("  TAKEN DOWN ({r})")).unwrap_or_default();
            println!("{}/{}{down}", p.plugin.namespace, p.plugin.name);
            for v in &p.versions {
                let by = v.reviewed_by.as_deref().map(|who| format!("  reviewed by {who}")).unwrap_or_default();
                println!("  {}  {}{by}", v.version, version_state(v));
            }
        }
    })
}
