//! `kiln`: the one binary for makers, enterprises and operators.

mod admin;
mod data;
mod demo;
mod keygen;
mod plugin;
mod registry;
mod render;
mod serve;
mod units;
mod worker;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Kiln: sandboxed WebAssembly plugins for industrial data.
#[derive(Parser)]
#[command(name = "kiln", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write, build, inspect and run plugins.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Generate and inspect datasets.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// The main job: start the service, generate the Xi'an data set, make every enterprise a tenant
    /// with its monthly report, publish, approve and enable the example plugins, run them through a
    /// worker, print their results and a district rollup, keep serving.
    Demo(demo::DemoArgs),
    /// Run the registry service: signed publishing, review, resolve, download, audit.
    Serve(serve::ServeArgs),
    /// Execute queued runs from the registry's database (as many workers as you like).
    Worker(worker::WorkerArgs),
    /// Enterprise tenants on a registry: create, import from an enterprises table, list, show.
    #[command(subcommand)]
    Tenant(registry::tenants::TenantCommand),
    /// Enable a registry plugin for a tenant, with grants and parameters.
    Enable(registry::runs::EnableArgs),
    /// Submit runs of enablements, follow them, fetch results, cancel.
    #[command(subcommand)]
    Job(registry::runs::JobCommand),
    /// Recurring runs of an enablement on a cron expression: create, list, pause, resume, delete.
    #[command(subcommand)]
    Schedule(registry::schedules::ScheduleCommand),
    /// Regional rollups of opted-in tenants' monthly reports (operators).
    #[command(subcommand)]
    Monitor(registry::monitor::MonitorCommand),
    /// Administer a registry through its database (the first operator token).
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Make an ed25519 key pair for signing what you publish.
    Keygen(keygen::KeygenArgs),
    /// Register, list and revoke your signing keys on a registry.
    #[command(subcommand)]
    Key(registry::keys::KeyCommand),
    /// Save a registry's URL and token as a profile (checked with the registry first), so other
    /// commands need neither --registry nor --token. The token is read from standard input.
    ///
    /// Profiles are kept in `credentials.toml` in $KILN_CONFIG_DIR, else $XDG_CONFIG_HOME/kiln,
    /// else ~/.config/kiln, readable by you alone (a file others can read is refused). Other
    /// commands use profile `default` unless given --profile or KILN_PROFILE; --registry,
    /// --token and KILN_REGISTRY, KILN_TOKEN override it, and a stored token is only sent to
    /// the registry it was saved for.
    Login(registry::login::LoginArgs),
    /// Revoke a profile's token on its registry and remove the profile.
    Logout(registry::login::LogoutArgs),
    /// Create, list and revoke registry API tokens.
    #[command(subcommand)]
    Token(registry::tokens::TokenCommand),
    /// Create registry namespaces and manage who may publish in them.
    #[command(subcommand)]
    Namespace(registry::namespaces::NamespaceCommand),
    /// Review published versions: list, approve, reject, take down (operators).
    #[command(subcommand)]
    Review(registry::review::ReviewCommand),
    /// Read the registry's audit log, or verify its hash chain (operators).
    #[command(subcommand)]
    Audit(registry::audit::AuditCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A server says where it listens and when it stops; other commands only warn.
    // sqlx warns of every statement over a second, which SQLite's single writer makes routine
    // under load; errors still show.
    let default_filter = if matches!(cli.command, Command::Serve(_) | Command::Worker(_)) {
        "warn,sqlx=error,kiln=info,kiln_registry=info"
    } else {
        "warn,sqlx=error"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KILN_LOG").unwrap_or_else(|_| default_filter.into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Plugin(cmd) => plugin::run(cmd),
        Command::Data(cmd) => data::run(cmd),
        Command::Demo(args) => demo::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Worker(args) => worker::run(args),
        Command::Admin(cmd) => admin::run(cmd),
        Command::Tenant(cmd) => registry::tenants::run(cmd),
        Command::Enable(args) => registry::runs::enable(args),
        Command::Job(cmd) => registry::runs::run(cmd),
        Command::Schedule(cmd) => registry::schedules::run(cmd),
        Command::Monitor(cmd) => registry::monitor::run(cmd),
        Command::Keygen(args) => keygen::run(args),
        Command::Key(cmd) => registry::keys::run(cmd),
        Command::Login(args) => registry::login::login(args),
        Command::Logout(args) => registry::login::logout(args),
        Command::Token(cmd) => registry::tokens::run(cmd),
        Command::Namespace(cmd) => registry::namespaces::run(cmd),
        Command::Review(cmd) => registry::review::run(cmd),
        Command::Audit(cmd) => registry::audit::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A tokio runtime for the commands that run plugins or the registry.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
