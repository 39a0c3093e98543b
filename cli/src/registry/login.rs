//! `kiln login` and `kiln logout`: keep a registry's URL and token in a profile of the
//! credentials file ([`super::credentials`]), checked against the registry before it is saved,
//! and revoke it on the registry when it is removed.

use std::io::{BufRead as _, IsTerminal as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;
use kiln_registry::routes::session::SessionInfo;
use reqwest::Url;
use serde_json::json;

use super::client::{Client, status_of};
use super::credentials::{CredentialsFile, DEFAULT_PROFILE, Profile, check_profile_name};
use super::{absolute, emit};

/// Arguments of `kiln login`.
#[derive(Args)]
pub struct LoginArgs {
    /// The registry's base URL [default: KILN_REGISTRY, else the profile's registry].
    #[arg(long, env = "KILN_REGISTRY", value_name = "URL")]
    registry: Option<String>,
    /// The profile to save it as.
    #[arg(long, env = "KILN_PROFILE", value_name = "NAME", default_value = DEFAULT_PROFILE)]
    profile: String,
    /// The token itself. Discouraged: it stays in your shell's history and shows in `ps`.
    /// Without it the token is read from standard input (pasted, or piped from a file).
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// A PEM file of CA certificates to trust for this registry (a private CA's); saved with
    /// the profile, so later commands trust it too.
    #[arg(long, env = "KILN_CA_CERT", value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Arguments of `kiln logout`.
#[derive(Args)]
pub struct LogoutArgs {
    /// The profile to log out of.
    #[arg(long, env = "KILN_PROFILE", value_name = "NAME", default_value = DEFAULT_PROFILE)]
    profile: String,
    /// Only remove the profile from the file; the token stays valid on the registry until it
    /// expires or is revoked (`kiln token revoke`). For a registry that is gone.
    #[arg(long)]
    no_revoke: bool,
    /// A PEM file of CA certificates to trust [default: the profile's].
    #[arg(long, env = "KILN_CA_CERT", value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Checks the token with the registry (`GET /v1/session` says whose it is), then saves it.
pub fn login(args: LoginArgs) -> anyhow::Result<ExitCode> {
    check_profile_name(&args.profile)?;
    let file = CredentialsFile::locate()?;
    let registry = match args.registry {
        Some(url) => url.trim().trim_end_matches('/').to_string(),
        None => match file.profile(&args.profile)? {
            Some(p) => p.registry,
            None => bail!("which registry? pass --registry URL (or set KILN_REGISTRY)"),
        },
    };
    warn_if_clear_text(&registry);
    let ca_cert = args.ca_cert.as_deref().map(absolute).transpose()?;
    let token = match args.token {
        Some(token) => token,
        None => read_token(&registry)?,
    };
    let client = Client::connect(&registry, Some(&token), ca_cert.as_deref())?;
    let who: SessionInfo = client
        .get(&["v1", "session"])
        .with_context(|| format!("{registry} did not accept the token; nothing was saved"))?;
    let profile = Profile { registry: registry.clone(), token: token.trim().to_string(), ca_cert };
    file.update(|c| Ok(c.profiles.insert(args.profile.clone(), profile)))?;
    let principal = &who.principal;
    let report = json!({"profile": args.profile, "registry": registry, "principal": principal,
                        "expires_at": who.expires_at, "file": file.path()});
    emit(args.json, &report, |_| {
        let tenant = principal.tenant.as_deref().map(|t| format!(", tenant {t}")).unwrap_or_default();
        println!(
            "logged in to {registry} as {} ({}{tenant}); saved as profile `{}` in {}",
            principal.name,
            principal.role.as_str(),
            args.profile,
            file.path().display()
        );
    })
}

/// Revokes the profile's token on the registry, then removes the profile. A token the
/// registry no longer accepts (revoked, expired) is removed all the same; a registry that
/// cannot be reached keeps the profile, since its token still works.
pub fn logout(args: LogoutArgs) -> anyhow::Result<ExitCode> {
    check_profile_name(&args.profile)?;
    let file = CredentialsFile::locate()?;
    let Some(profile) = file.profile(&args.profile)? else {
        bail!("no profile `{}` in {}", args.profile, file.path().display());
    };
    let revoked = if args.no_revoke { Revoked::Skipped } else { revoke(&profile, args.ca_cert)? };
    file.update(|c| Ok(c.profiles.remove(&args.profile)))?;
    let (token_id, state) = match &revoked {
        Revoked::Yes(id) => (Some(id.as_str()), "revoked"),
        Revoked::AlreadyDead => (None, "already-dead"),
        Revoked::Skipped => (None, "kept"),
    };
    let report = json!({"profile": args.profile, "registry": profile.registry, "token": state,
                        "token_id": token_id, "file": file.path()});
    emit(args.json, &report, |_| {
        let what = match &revoked {
            Revoked::Yes(id) => format!("revoked token {id} on {}", profile.registry),
            Revoked::AlreadyDead => format!("{} no longer accepted the token", profile.registry),
            Revoked::Skipped => "the token was not revoked and stays valid until it expires".to_string(),
        };
        println!("{what}; removed profile `{}` from {}", args.profile, file.path().display());
    })
}

/// What became of a profile's token at logout.
enum Revoked {
    /// Revoked now; its id.
    Yes(String),
    /// The registry already refused it (401): revoked, expired or unknown.
    AlreadyDead,
    /// `--no-revoke`.
    Skipped,
}

fn revoke(profile: &Profile, ca_cert: Option<PathBuf>) -> anyhow::Result<Revoked> {
    let ca_cert = ca_cert.or_else(|| profile.ca_cert.clone());
    let client = Client::connect(&profile.registry, Some(&profile.token), ca_cert.as_deref())?;
    let keep = "the profile is kept; `kiln logout --no-revoke` removes it without revoking the token";
    // The token names itself: no id needs to be stored, and a hand-edited file still works.
    let who: SessionInfo = match client.get(&["v1", "session"]) {
        Ok(who) => who,
        Err(e) if status_of(&e) == Some(401) => return Ok(Revoked::AlreadyDead),
        Err(e) => return Err(e.context(keep)),
    };
    match client.delete(&["v1", "tokens", &who.token_id]) {
        Ok(()) => Ok(Revoked::Yes(who.token_id)),
        // Revoked by someone else between the two calls.
        Err(e) if matches!(status_of(&e), Some(401 | 409)) => Ok(Revoked::AlreadyDead),
        Err(e) => Err(e.context(keep)),
    }
}

/// Reads the token from standard input: one line, prompted for when it is a terminal.
fn read_token(registry: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("paste the API token for {registry} (from `kiln token create`), then press Enter:");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("reading the token from standard input")?;
    let token = line.trim();
    if token.is_empty() {
        bail!("no token on standard input; pipe it in (`kiln login --registry URL < token.txt`) or paste it");
    }
    Ok(token.to_string())
}

/// Tokens sent over plain HTTP can be read on the way, except on this machine's loopback.
fn warn_if_clear_text(registry: &str) {
    let Ok(url) = Url::parse(registry) else { return };
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if url.scheme() == "http" && !loopback {
        eprintln!("warning: {registry} is plain HTTP: the token crosses the network unencrypted; use https://");
    }
}
