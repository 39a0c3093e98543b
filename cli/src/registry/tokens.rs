//! `kiln token ...`: API tokens, created (the secret shown once), listed and revoked.

use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{Args, Subcommand, ValueEnum};
use kiln_registry::auth::{Role, SCOPES};
use kiln_registry::routes::tokens::{CreateToken, CreatedToken};
use kiln_registry::store::tokens::TokenRecord;
use serde_json::json;

use super::lines::token_line;
use super::{Remote, emit};

/// Token commands.
#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token. Its secret is printed this once; only its hash is stored.
    Create(CreateArgs),
    /// List tokens: every token for operators, your own otherwise.
    List {
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
    /// Revoke a token by id.
    Revoke {
        /// The token's id (from `kiln token list`).
        id: String,
        /// Registry, token and output.
        #[command(flatten)]
        remote: Remote,
    },
}

/// A principal's role.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Reviews, approves, takes down, audits.
    Operator,
    /// Publishes plugins in namespaces it belongs to.
    Maker,
    /// Runs plugins for one tenant.
    EnterpriseAdmin,
}

impl RoleArg {
    fn role(self) -> Role {
        match self {
            RoleArg::Operator => Role::Operator,
            RoleArg::Maker => Role::Maker,
            RoleArg::EnterpriseAdmin => Role::EnterpriseAdmin,
        }
    }
}

/// Arguments of `kiln token create`.
#[derive(Args)]
pub struct CreateArgs {
    /// The principal the token acts as. Only operators create tokens for others.
    #[arg(long)]
    principal: String,
    /// The principal's role.
    #[arg(long, value_enum)]
    role: RoleArg,
    /// The tenant: required for, and only for, enterprise-admin tokens.
    #[arg(long)]
    tenant: Option<String>,
    /// Limit the token to a scope. Repeatable; without any, it has all its role allows.
    #[arg(long = "scope", value_name = "SCOPE", value_parser = PossibleValuesParser::new(SCOPES.iter().copied()))]
    scopes: Vec<String>,
    /// Days until it expires; 0 for never. The registry's default is 90.
    #[arg(long, value_name = "DAYS")]
    expires_in_days: Option<u32>,
    /// Registry, token and output.
    #[command(flatten)]
    remote: Remote,
}

/// Runs a token subcommand.
pub fn run(cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TokenCommand::Create(args) => create(args),
        TokenCommand::List { remote } => {
            let tokens: Vec<TokenRecord> = remote.client()?.get_all_pages(&["v1", "tokens"], &[])?;
            emit(remote.json, &tokens, |tokens| {
                if tokens.is_empty() {
                    println!("no tokens");
                }
                for t in tokens {
                    println!("{}", token_line(t));
                }
            })
        }
        TokenCommand::Revoke { id, remote } => {
            remote.client()?.delete(&["v1", "tokens", &id])?;
            emit(remote.json, &json!({"revoked": id}), |_| println!("revoked token {id}"))
        }
    }
}

fn create(args: CreateArgs) -> anyhow::Result<ExitCode> {
    let body = CreateToken {
        principal: args.principal,
        role: args.role.role(),
        tenant: args.tenant,
        scopes: args.scopes,
        expires_in_days: args.expires_in_days,
    };
    let created: CreatedToken = args.remote.client()?.post(&["v1", "tokens"], &body)?;
    emit(args.remote.json, &created, print_created)
}

/// Prints a new token: its record, then the secret on a line of its own.
pub fn print_created(created: &CreatedToken) {
    println!("created {}", token_line(&created.record));
    println!("secret (shown only now; send it as `--token` or KILN_TOKEN):");
    println!("{}", created.token);
}
