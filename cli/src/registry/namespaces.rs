//! `kiln namespace ...`: the namespaces makers publish under, and their members.

use std::process::ExitCode;

use clap::Subcommand;
use kiln_registry::routes::namespaces::{AddMember, CreateNamespace};
use kiln_registry::store::namespaces::Namespace;

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
    };
    emit(remote.json, &answer, |ns| {
        println!("{} (created by {})", ns.name, ns.created_by);
        println!("members: {}", ns.members.join(", "));
    })
}
