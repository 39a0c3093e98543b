//! `kiln serve`: run the registry service, over HTTP or HTTPS, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use kiln_registry::ServeConfig;
use kiln_registry::schedules::SchedulerConfig;
use kiln_registry::tls::TlsFiles;
use serde_json::json;

/// Where a service process keeps its state: the arguments `kiln serve` and `kiln worker` share,
/// so every process of one deployment is pointed at it the same way.
#[derive(Args)]
pub struct StorageArgs {
    /// Data directory: the SQLite database and blobs by default, and this process's caches.
    #[arg(long, value_name = "DIR", default_value = "./kiln-data")]
    pub data_dir: PathBuf,
    /// Database URL (`sqlite://...` or `postgres://...`); default DATA_DIR/kiln.db.
    #[arg(long, env = "KILN_DB", value_name = "URL", hide_env_values = true)]
    pub db: Option<String>,
    /// Blob store: a directory or `s3://bucket/prefix`; default DATA_DIR/blobs.
    #[arg(long, value_name = "URL")]
    pub blobs: Option<String>,
}

/// Arguments of `kiln serve`.
#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// How often to look for due schedules, e.g. `5s`. Every server looks; each tick fires once.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = crate::units::parse_duration)]
    schedule_every: Duration,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key. The console's
    /// session cookie is then `Secure`.
    #[arg(long, env = "KILN_TLS_CERT", value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "KILN_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// TLS is terminated in front of this server (a load balancer or reverse proxy that
    /// clients reach over HTTPS): the console's session cookie is made `Secure` and responses
    /// carry HSTS, as with --tls-cert.
    #[arg(long, env = "KILN_BEHIND_HTTPS_PROXY", conflicts_with = "tls_cert")]
    behind_https_proxy: bool,
    /// Print one JSON document (where it listens) instead of text.
    #[arg(long)]
    json: bool,
}

/// Serves until a shutdown signal, then finishes in-flight requests.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        _ => None,
    };
    let url = format!("{}://{}", if tls.is_some() { "https" } else { "http" }, args.listen);
    if args.json {
        println!("{}", serde_json::to_string(&json!({"url": url, "data_dir": args.storage.data_dir}))?);
    } else {
        println!("kiln registry starting on {url} (data in {}); Ctrl-C stops it", args.storage.data_dir.display());
    }
    if tls.is_none() && !args.behind_https_proxy && !args.listen.ip().is_loopback() {
        eprintln!(
            "warning: serving plain HTTP on {}: tokens and session cookies cross the network unencrypted; \
             pass --tls-cert and --tls-key (or terminate TLS in front of it and pass --behind-https-proxy)",
            args.listen
        );
    }
    if args.listen.port() == 0 {
        eprintln!("note: port 0 lets the system pick; the log line `kiln registry listening` names it");
    }
    let config = ServeConfig {
        data_dir: args.storage.data_dir,
        db: args.storage.db,
        blobs: args.storage.blobs,
        listen: args.listen,
        scheduler: SchedulerConfig::every(args.schedule_every.max(Duration::from_millis(100))),
        tls,
        behind_https_proxy: args.behind_https_proxy,
    };
    crate::runtime()?.block_on(kiln_registry::serve(config, shutdown_signal()))?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM. A signal that cannot be watched is never reported, rather
/// than reported at once (which would stop the server as soon as it started).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}
