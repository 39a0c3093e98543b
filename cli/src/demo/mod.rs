//! `kiln demo`: the platform's main job on the embedded default. It starts the service
//! in-process, generates the Xi'an data set, and then drives the service over HTTP the way its
//! users would: an operator and a maker, signed publishing and review of the example plugins,
//! one tenant per enterprise with its monthly report, plugin runs through the worker, and the
//! operator's district rollup. Then it keeps serving, unless `--no-serve`.

mod examples;
mod reports;
mod runs;
mod summary;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use kiln_host::DirSource;
use kiln_registry::ServeConfig;
use kiln_registry::auth::Role;
use kiln_registry::routes::monitoring::{Rollup, RollupQuery};
use kiln_registry::routes::tenants::ImportReport;
use kiln_registry::routes::tokens::{CreateToken, CreatedToken};
use kiln_registry::store::datasets::DatasetVersion;
use kiln_registry::worker::WorkerConfig;
use serde_json::json;
use tokio::sync::watch;

use crate::registry::client::Client;
use crate::registry::tenants::read_enterprises;

use examples::{build_patch_release, build_typescript_example, publish_examples};
use reports::{split_by_enterprise, upload_reports};
use runs::{follow_runs, submit_runs, summarize};
use summary::{console_links, print_console, print_summary};

/// Arguments of `kiln demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// Where the demo keeps the data set (DATA_DIR/xian) and the service's state
    /// (DATA_DIR/platform: started afresh on every run, except its compile cache).
    #[arg(long, default_value = "kiln-data")]
    data_dir: PathBuf,
    /// Number of enterprises to generate; each becomes a tenant.
    #[arg(long, default_value_t = 2000)]
    enterprises: usize,
    /// Address the service listens on; port 0 lets the system pick one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Exit after the summary instead of serving.
    #[arg(long)]
    no_serve: bool,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// How many tenants (those with the most equipment telemetry) enable and run every example
    /// plugin.
    #[arg(long, value_name = "N", default_value_t = 8)]
    tenants_with_plugins: usize,
}

/// Runs the demo.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../example-plugins/Cargo.toml");
    if !examples.exists() {
        bail!("kiln demo builds the example plugins from a Kiln checkout; {} is missing", examples.display());
    }
    let runtime = crate::runtime()?;
    // Bound first, so a taken port fails before any work is done.
    let listener = runtime.block_on(tokio::net::TcpListener::bind(args.listen)).map_err(|e| {
        anyhow!("cannot listen on {}: {e}; pass --listen 127.0.0.1:0 to let the system pick a free port", args.listen)
    })?;
    let addr = listener.local_addr().context("reading the listening address")?;
    let url = format!("http://{addr}");
    let data = args.data_dir.join("xian");
    let platform = args.data_dir.join("platform");

    let bar = spinner(&format!("generating {} enterprises into {}", args.enterprises, data.display()));
    let options = kiln_datagen::Options { enterprises: args.enterprises, ..kiln_datagen::Options::default() };
    kiln_datagen::write_parquet(&data, &options, &mut |_, _, _| {}).context("generating the Xi'an data set")?;
    bar.finish_and_clear();

    let bar = spinner("building the example plugins for wasm32-wasip2");
    // A patch release of one example first, so the plain build below leaves the usual artifacts.
    let patch = build_patch_release(&examples);
    let built = patch.and_then(|patch| Ok((patch, crate::plugin::build::cargo_build_all(&examples)?)));
    bar.finish_and_clear();
    let (patch, built) = built?;
    let typescript = build_typescript_example(&examples);

    // The service, in-process: the same router `kiln serve` runs, on our listener.
    reset_platform(&platform)?;
    // Plain HTTP on loopback: the demo is one machine, and its sign-in links open as typed.
    let config = ServeConfig {
        data_dir: platform.clone(),
        db: None,
        blobs: None,
        listen: addr,
        scheduler: Default::default(),
        tls: None,
        behind_https_proxy: false,
    };
    let state = runtime.block_on(kiln_registry::state(&config)).context("starting the service")?;
    let (stop_server, server_stopping) = watch::channel(false);
    let router = kiln_registry::routes::router(state.clone());
    let server = runtime
        .spawn(async move { axum::serve(listener, router).with_graceful_shutdown(stopped(server_stopping)).await });
    // Schedules fire and runs of a stopped holder are recovered as on `kiln serve`.
    let background = {
        let _entered = runtime.enter();
        kiln_registry::Background::start(&state, &config.scheduler)
    };

    let db = kiln_registry::default_db_url(&platform);
    let operator_token = runtime
        .block_on(kiln_registry::bootstrap(&db, "demo-operator"))
        .context("creating the operator's token")?
        .token;
    let operator = Client::new(&url, Some(&operator_token))?;
    let (plugins, pending) = publish_examples(&runtime, &state.host, &operator, &built, &patch, typescript.as_deref())?;

    // Every enterprise becomes a tenant and files its own monthly report.
    let read = read_enterprises(&data.join("enterprises.parquet"))?;
    for request in read.requests(1000) {
        let _: ImportReport = operator.post(&["v1", "tenants", "import"], &request).context("importing tenants")?;
    }
    let ids: Vec<String> = read.tenants.into_iter().map(|t| t.id).collect();
    let source = DirSource::open(&data).with_context(|| format!("opening {}", data.display()))?;
    let monthly = split_by_enterprise(&source, "monthly_indicators")?;
    let admins = upload_reports(&operator, &ids, &monthly)?;

    // Some tenants also share their register entry and telemetry, and run every plugin: those
    // with the most telemetry, so OEE has the most to chew on (ties in id order).
    let telemetry = split_by_enterprise(&source, "equipment_telemetry")?;
    let enterprises = split_by_enterprise(&source, "enterprises")?;
    let mut runners: Vec<&str> = ids.iter().map(String::as_str).filter(|id| telemetry.rows(id) > 0).collect();
    runners.sort_by_key(|id| std::cmp::Reverse(telemetry.rows(id)));
    runners.truncate(args.tenants_with_plugins);
    if runners.len() < args.tenants_with_plugins {
        eprintln!("note: only {} enterprises have equipment telemetry, so only they run the plugins", runners.len());
    }
    let mut clients = Vec::new();
    for id in &runners {
        let admin = operator.with_token(admins.get(*id).with_context(|| format!("no admin token for {id}"))?);
        for (dataset, table) in [("enterprises", &enterprises), ("equipment_telemetry", &telemetry)] {
            let _: DatasetVersion = admin
                .post_bytes(&["v1", "tenants", id, "datasets", dataset], "text/csv", table.csv(id).into_bytes())
                .with_context(|| format!("uploading {dataset} of tenant {id}"))?;
        }
        clients.push((id.to_string(), admin));
    }

    // The worker starts first, so runs execute while later ones are still being submitted.
    let (stop_worker, worker_stopping) = watch::channel(false);
    let worker_config = WorkerConfig { concurrency: 2, ..WorkerConfig::default() };
    let worker = runtime.spawn(kiln_registry::worker::work(
        state.store.clone(),
        state.runner.clone(),
        worker_config,
        stopped(worker_stopping),
    ));
    let mut runs = submit_runs(&clients, &plugins)?;
    follow_runs(&mut runs, &clients, &worker)?;
    // Serving keeps the worker, so runs queued on the live service execute too.
    let worker = if args.no_serve {
        stop_worker.send_replace(true);
        runtime.block_on(worker).context("the worker task failed")?.context("the worker failed")?;
        None
    } else {
        Some(worker)
    };

    let summaries = plugins
        .iter()
        .enumerate()
        .map(|(index, plugin)| summarize(plugin, runs.iter().filter(|r| r.plugin == index), &clients))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let district =
        RollupQuery { level: Some("district".into()), month: None, district: None, park: None, industry: None };
    let rollup: Rollup =
        operator.get_query(&["v1", "monitoring", "rollup"], &district).context("reading the district rollup")?;
    let console = console_links(&url, &operator, &clients)?;
    if args.json {
        let document = json!({
            "url": url,
            "operator_token": operator_token,
            "data": data,
            "platform": platform,
            "tenants": ids.len(),
            "tenants_with_plugins": runners.len(),
            "plugins": summaries,
            "district_rollup": rollup,
            "console": console,
            "pending_review": pending,
        });
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else {
        print_summary(&args, &url, ids.len(), runners.len(), &summaries, &rollup, &pending);
        print_console(&console);
    }

    let failed: usize = summaries.iter().map(|s| s.failures.len()).sum();
    if failed == 0 && !args.no_serve {
        eprintln!(
            "\nKiln is serving at {url} — operator token: {operator_token} (data in {}); a worker runs queued \
             jobs; Ctrl-C stops it",
            platform.display()
        );
        runtime.block_on(crate::serve::shutdown_signal());
    }
    stop_server.send_replace(true);
    stop_worker.send_replace(true);
    drop(background);
    runtime.block_on(server).context("the server task failed")?.context("the server failed")?;
    if let Some(worker) = worker {
        runtime.block_on(worker).context("the worker task failed")?.context("the worker failed")?;
    }
    if failed > 0 {
        // After the summary, which shows each failure's error.
        bail!("{failed} of {} plugin runs failed (see above)", runs.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// Resolves once `true` is sent, or the sender is gone.
async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn progress(total: u64, message: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Empties the service's data directory so each demo starts on a fresh platform (the first
/// operator can only be bootstrapped once), keeping its compile cache, which stays valid.
fn reset_platform(platform: &Path) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(platform) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", platform.display())),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", platform.display()))?;
        if entry.file_name() == "cache" {
            continue;
        }
        let path = entry.path();
        let removed =
            if entry.file_type()?.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        removed.with_context(|| format!("removing {} (the previous demo's platform)", path.display()))?;
    }
    Ok(())
}

/// Creates a token as the operator and returns its secret.
fn create_token(operator: &Client, principal: &str, role: Role, tenant: Option<&str>) -> anyhow::Result<String> {
    let request = CreateToken {
        principal: principal.to_string(),
        role,
        tenant: tenant.map(String::from),
        scopes: Vec::new(),
        expires_in_days: None,
    };
    let created: CreatedToken = operator.post(&["v1", "tokens"], &request).context("creating a token")?;
    Ok(created.token)
}
