//! `kiln demo`: the platform's main job on the embedded default. It starts the service
//! in-process, generates the Xi'an data set, and then drives the service over HTTP the way its
//! users would: an operator and a maker, signed publishing and review of the example plugins,
//! one tenant per enterprise with its monthly report, plugin runs through the worker, and the
//! operator's district rollup. Then it keeps serving, unless `--no-serve`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use anyhow::{Context as _, anyhow, bail};
use base64::Engine as _;
use clap::Args;
use ed25519_dalek::SigningKey;
use indicatif::{ProgressBar, ProgressStyle};
use kiln_host::{ColumnData, DataSource, DirSource};
use kiln_registry::ServeConfig;
use kiln_registry::auth::Role;
use kiln_registry::manifest::{Manifest, sign};
use kiln_registry::results::csv_field;
use kiln_registry::routes::enablements::NewEnablement;
use kiln_registry::routes::keys::AddKey;
use kiln_registry::routes::monitoring::{Rollup, RollupQuery};
use kiln_registry::routes::namespaces::CreateNamespace;
use kiln_registry::routes::plugins::PublishRequest;
use kiln_registry::routes::runs::{Mode, NewRun, OutputMetric, OutputTable, RunOutput};
use kiln_registry::routes::session::SignInLink;
use kiln_registry::routes::tenants::ImportReport;
use kiln_registry::routes::tokens::{CreateToken, CreatedToken};
use kiln_registry::store::datasets::DatasetVersion;
use kiln_registry::store::enablements::EnablementRecord;
use kiln_registry::store::keys::SigningKey as RegisteredKey;
use kiln_registry::store::namespaces::Namespace;
use kiln_registry::store::plugins::VersionRecord;
use kiln_registry::store::runs::{RunRecord, RunState};
use kiln_registry::worker::WorkerConfig;
use serde::Serialize;
use serde_json::json;
use tokio::sync::watch;

use crate::registry::client::Client;
use crate::registry::monitor::{Lang, rollup_text};
use crate::registry::tenants::read_enterprises;
use crate::render;

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

/// The namespace the example plugins are published in.
const NAMESPACE: &str = "xian-demo";
/// The example plugins and their headline table.
const EXAMPLES: &[(&str, &str)] =
    &[("energy-intensity", "worst"), ("oee", "by_enterprise"), ("anomaly", "anomalies"), ("output-growth", "growth")];
/// The TypeScript example (under `example-plugins/typescript`) and its headline table: a port of
/// the Rust one of the same name, published in [`TYPESCRIPT_NAMESPACE`] because it shares the
/// name.
const TYPESCRIPT_EXAMPLE: (&str, &str) = ("output-growth", "growth");
/// The namespace the TypeScript example is published in.
const TYPESCRIPT_NAMESPACE: &str = "xian-demo-ts";
/// Concurrent uploads: enough to keep the service busy, few enough for a small machine.
const UPLOAD_THREADS: usize = 4;
/// Rows of each headline table shown in the text summary.
const HEADLINE_ROWS: usize = 5;
/// How long the demo waits for its runs before giving up.
const RUNS_DEADLINE: Duration = Duration::from_secs(30 * 60);

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

/// The console's address and one-time sign-in links (the `console` of the `--json` document).
#[derive(Debug, Serialize)]
struct Console {
    url: String,
    operator_link: String,
    /// The first tenant that ran the plugins (so its pages have runs to show).
    admin_tenant: String,
    admin_link: String,
    admin_token: Option<String>,
    /// The maker who published the examples.
    maker_link: String,
    maker_token: String,
}

/// The console's address and one-time sign-in links for the operator and for the admin of the
/// first tenant that ran the plugins.
fn console_links(url: &str, operator: &Client, clients: &[(String, Client)]) -> anyhow::Result<Console> {
    let link = |client: &Client| -> anyhow::Result<String> {
        let made: SignInLink = client.post_empty(&["v1", "session", "links"]).context("making a sign-in link")?;
        Ok(format!("{url}{}", made.path))
    };
    let (tenant, admin) = clients.first().context("no tenant ran the plugins")?;
    let maker_token = create_token(operator, MAKER, Role::Maker, None)?;
    Ok(Console {
        maker_link: link(&operator.with_token(&maker_token))?,
        maker_token,
        url: format!("{url}/"),
        operator_link: link(operator)?,
        admin_tenant: tenant.clone(),
        admin_link: link(admin)?,
        admin_token: admin.token().map(String::from),
    })
}

fn print_console(console: &Console) {
    println!("\n== the console: {}", console.url);
    println!("   operator, one-time sign-in:       {}", console.operator_link);
    println!("   admin of tenant {}, one-time sign-in: {}", console.admin_tenant, console.admin_link);
    println!("   maker {MAKER}, one-time sign-in:  {}", console.maker_link);
}

/// The maker who publishes the examples.
const MAKER: &str = "demo-maker";

/// The example published a second time, as a patch release left for the operator to review.
const PATCH_EXAMPLE: &str = "output-growth";
/// Its patch release's version.
const PATCH_VERSION: &str = "0.1.1";

/// Builds [`PATCH_EXAMPLE`] reporting [`PATCH_VERSION`] (its `KILN_EXAMPLE_VERSION`) and returns
/// the component's bytes. Only that crate is rebuilt, twice per demo: here and in the plain build.
fn build_patch_release(examples: &Path) -> anyhow::Result<Vec<u8>> {
    let built = crate::plugin::build::cargo_build_with(
        examples,
        Some(PATCH_EXAMPLE),
        &[("KILN_EXAMPLE_VERSION", PATCH_VERSION)],
    )?;
    let file = PATCH_EXAMPLE.replace('-', "_") + ".wasm";
    let (_, wasm) = built
        .iter()
        .find(|(_, path)| path.file_name().is_some_and(|f| f == file.as_str()))
        .with_context(|| format!("the {PATCH_EXAMPLE} patch release was not built"))?;
    std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))
}

/// Builds the TypeScript example with the pinned jco and returns the component, or says why it
/// is left out: it needs Node.js 20 or newer (and npm, the first time), which nothing else in
/// the demo does.
fn build_typescript_example(examples: &Path) -> Option<Vec<u8>> {
    let dir = examples.with_file_name("typescript").join(TYPESCRIPT_EXAMPLE.0);
    let bar = spinner("building the TypeScript example with jco");
    let built = crate::plugin::typescript::Project::open(&dir).and_then(|project| {
        let wasm = project.build(&crate::plugin::tools_dir()?)?;
        std::fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))
    });
    bar.finish_and_clear();
    built.map_err(|e| eprintln!("note: the TypeScript example is left out: {e:#}")).ok()
}

/// Publishes each built example plugin as a maker, signed, and approves it as the operator (the
/// TypeScript one too, when it was built); then publishes `patch` (a newer version of one of
/// them) and leaves it pending, so the operator's review desk has work. Returns the examples and
/// the pending `ns/name@version`.
fn publish_examples(
    runtime: &tokio::runtime::Runtime,
    host: &kiln_host::Host,
    operator: &Client,
    built: &[(PathBuf, PathBuf)],
    patch: &[u8],
    typescript: Option<&[u8]>,
) -> anyhow::Result<(Vec<Example>, String)> {
    let bar = spinner("publishing and approving the example plugins");
    let maker = operator.with_token(&create_token(operator, MAKER, Role::Maker, None)?);
    for namespace in [NAMESPACE].into_iter().chain(typescript.map(|_| TYPESCRIPT_NAMESPACE)) {
        let _: Namespace = maker
            .post(&["v1", "namespaces"], &CreateNamespace { name: namespace.into(), owner: None })
            .with_context(|| format!("creating the namespace {namespace}"))?;
    }
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let public_key = hex::encode(key.verifying_key().to_bytes());
    let registered: RegisteredKey = maker
        .post(&["v1", "keys"], &AddKey { public_key, name: "demo".into() })
        .context("registering the maker's signing key")?;
    // Publishes one component as the maker; returns its version.
    let publish = |namespace: &str, name: &str, bytes: &[u8], what: &str| -> anyhow::Result<String> {
        // The service's own host: what it compiles here is cached for the publish and the runs.
        let plugin = runtime.block_on(host.load(bytes)).with_context(|| format!("loading {what}"))?;
        let manifest = Manifest::from_describe(namespace, plugin.info(), "Apache-2.0", None, vec![]);
        let sha256 = kiln_host::sha256_hex(bytes);
        let version = manifest.version.clone();
        let body = PublishRequest {
            signature: sign(&key, &sha256, &manifest),
            manifest,
            key_id: registered.id.clone(),
            component: base64::engine::general_purpose::STANDARD.encode(bytes),
        };
        let _: VersionRecord = maker
            .post(&["v1", "plugins", namespace, name, "versions"], &body)
            .with_context(|| format!("publishing {namespace}/{name}@{version}"))?;
        Ok(version)
    };
    // Publishes and approves one component; returns it as an example.
    let release = |namespace: &'static str, name: &'static str, headline, bytes: &[u8], what: &str| {
        let version = publish(namespace, name, bytes, what)?;
        let _: VersionRecord = operator
            .post_empty(&["v1", "plugins", namespace, name, "versions", &version, "approve"])
            .with_context(|| format!("approving {namespace}/{name}@{version}"))?;
        anyhow::Ok(Example { namespace, name, headline, version })
    };
    let mut plugins = Vec::new();
    for (name, headline) in EXAMPLES {
        let file = name.replace('-', "_") + ".wasm";
        let (_, wasm) = built
            .iter()
            .find(|(_, path)| path.file_name().is_some_and(|f| f == file.as_str()))
            .with_context(|| format!("{name} was not built"))?;
        let bytes = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
        plugins.push(release(NAMESPACE, name, headline, &bytes, &wasm.display().to_string())?);
    }
    if let Some(bytes) = typescript {
        let (name, headline) = TYPESCRIPT_EXAMPLE;
        plugins.push(release(TYPESCRIPT_NAMESPACE, name, headline, bytes, "the TypeScript example")?);
    }
    let version = publish(NAMESPACE, PATCH_EXAMPLE, patch, &format!("the {PATCH_EXAMPLE} patch release"))?;
    let pending = format!("{NAMESPACE}/{PATCH_EXAMPLE}@{version}");
    bar.finish_and_clear();
    Ok((plugins, pending))
}

/// Enables every example for each tenant (with the grants its describe() asks for) and queues
/// one run of each.
fn submit_runs(clients: &[(String, Client)], plugins: &[Example]) -> anyhow::Result<Vec<Run>> {
    let bar = progress((clients.len() * plugins.len()) as u64, "enabling the plugins and queueing runs");
    let mut runs = Vec::new();
    for (admin, (tenant, client)) in clients.iter().enumerate() {
        for (index, plugin) in plugins.iter().enumerate() {
            let request = NewEnablement {
                namespace: plugin.namespace.into(),
                plugin: plugin.name.into(),
                requirement: Some(plugin.version.clone()),
                grants: None,
                params: None,
                limits: None,
            };
            let enablement: EnablementRecord = client
                .post(&["v1", "tenants", tenant, "enablements"], &request)
                .with_context(|| format!("enabling {} for tenant {tenant}", plugin.name))?;
            let run: RunRecord = client
                .post(&["v1", "tenants", tenant, "enablements", &enablement.id, "runs"], &NewRun { mode: Mode::Queued })
                .with_context(|| format!("queueing a run of {} for tenant {tenant}", plugin.name))?;
            runs.push(Run { plugin: index, admin, id: run.id, record: None });
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    Ok(runs)
}

/// Polls every run until it is final, while the worker executes them.
fn follow_runs<T>(
    runs: &mut [Run],
    clients: &[(String, Client)],
    worker: &tokio::task::JoinHandle<T>,
) -> anyhow::Result<()> {
    let bar = progress(runs.len() as u64, "running the plugins through the worker");
    let started = Instant::now();
    loop {
        for run in runs.iter_mut().filter(|r| !r.is_final()) {
            let (tenant, client) = &clients[run.admin];
            run.record = Some(
                client
                    .get(&["v1", "tenants", tenant, "runs", &run.id])
                    .with_context(|| format!("following run {} of tenant {tenant}", run.id))?,
            );
        }
        let done = runs.iter().filter(|r| r.is_final()).count();
        bar.set_position(done as u64);
        if done == runs.len() {
            break;
        }
        if worker.is_finished() {
            bail!("the worker stopped with {} runs unfinished", runs.len() - done);
        }
        if started.elapsed() > RUNS_DEADLINE {
            bail!("{} runs are still unfinished after {:?}", runs.len() - done, RUNS_DEADLINE);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    bar.finish_and_clear();
    Ok(())
}

/// One plugin's runs, as the demo reports them (the `plugins` of its `--json` document).
#[derive(Debug, Serialize)]
struct Summary {
    /// `NAMESPACE/NAME`.
    plugin: String,
    version: String,
    runs: usize,
    succeeded: usize,
    rows_read: u64,
    mean_wall_ms: f64,
    /// The tenant whose output is shown.
    headline_tenant: String,
    /// The table of the output the plugin is known for.
    headline_name: &'static str,
    /// That table of the tenant's output; null when the output has none.
    headline: Option<OutputTable>,
    /// The metrics of the tenant's output.
    metrics: Vec<OutputMetric>,
    failures: Vec<Failure>,
}

/// A run that did not succeed.
#[derive(Debug, Serialize)]
struct Failure {
    tenant: String,
    run: String,
    state: Option<RunState>,
    error_kind: Option<String>,
    error: Option<String>,
}

/// One plugin's runs in a summary: counts, usage, failures, and the headline table and
/// metrics of the first run whose headline table has rows (else of the first that succeeded).
fn summarize<'a>(
    plugin: &Example,
    runs: impl Iterator<Item = &'a Run>,
    clients: &[(String, Client)],
) -> anyhow::Result<Summary> {
    let runs: Vec<&Run> = runs.collect();
    let succeeded: Vec<&Run> = runs.iter().copied().filter(|r| r.state() == Some(RunState::Succeeded)).collect();
    let usages: Vec<kiln_host::Usage> = succeeded
        .iter()
        .filter_map(|r| r.record.as_ref()?.usage.clone())
        .map(serde_json::from_value)
        .collect::<Result<_, _>>()
        .context("a run's usage is not what this version of kiln expects")?;
    let mut headline = (String::new(), None, Vec::new());
    for run in &succeeded {
        let (tenant, client) = &clients[run.admin];
        let output: RunOutput = client
            .get(&["v1", "tenants", tenant, "runs", &run.id, "result"])
            .with_context(|| format!("fetching the result of run {} of tenant {tenant}", run.id))?;
        let table = output.tables.into_iter().find(|t| t.name == plugin.headline);
        let has_rows = table.as_ref().is_some_and(|t| !t.rows.is_empty());
        // An empty table still says something (nothing flagged), so the first run stands in.
        if has_rows || headline.1.is_none() {
            headline = (tenant.clone(), table, output.metrics);
        }
        if has_rows {
            break;
        }
    }
    let failures = runs
        .iter()
        .filter(|r| r.state() != Some(RunState::Succeeded))
        .map(|r| Failure {
            tenant: clients[r.admin].0.clone(),
            run: r.id.clone(),
            state: r.state(),
            error_kind: r.record.as_ref().and_then(|r| r.error_kind.clone()),
            error: r.record.as_ref().and_then(|r| r.error.clone()),
        })
        .collect();
    let (tenant, table, metrics) = headline;
    let wall_us: u64 = usages.iter().map(|u| u.wall_us).sum();
    Ok(Summary {
        plugin: format!("{}/{}", plugin.namespace, plugin.name),
        version: plugin.version.clone(),
        runs: runs.len(),
        succeeded: succeeded.len(),
        rows_read: usages.iter().map(|u| u.rows_read).sum(),
        mean_wall_ms: if succeeded.is_empty() { 0.0 } else { wall_us as f64 / 1000.0 / succeeded.len() as f64 },
        headline_tenant: tenant,
        headline_name: plugin.headline,
        headline: table,
        metrics,
        failures,
    })
}

/// An example plugin as published.
struct Example {
    namespace: &'static str,
    name: &'static str,
    headline: &'static str,
    version: String,
}

/// A queued run and its latest record.
struct Run {
    /// Index into the examples.
    plugin: usize,
    /// Index into the tenants and their admin clients.
    admin: usize,
    id: String,
    /// The latest record read, none before the first poll.
    record: Option<RunRecord>,
}

impl Run {
    fn state(&self) -> Option<RunState> {
        self.record.as_ref().map(|r| r.state)
    }

    fn is_final(&self) -> bool {
        self.state().is_some_and(RunState::is_final)
    }
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

/// Gives every tenant an admin token and uploads its monthly report, a few at a time; returns
/// the tokens by tenant.
fn upload_reports(operator: &Client, ids: &[String], monthly: &Split) -> anyhow::Result<HashMap<String, String>> {
    let bar = progress(ids.len() as u64, "filing each tenant's monthly report");
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let tokens = Mutex::new(HashMap::with_capacity(ids.len()));
    let upload = |id: &str| -> anyhow::Result<()> {
        let token = create_token(operator, &format!("{id}-admin"), Role::EnterpriseAdmin, Some(id))?;
        let _: DatasetVersion = operator
            .with_token(&token)
            .post_bytes(
                &["v1", "tenants", id, "datasets", "monthly_indicators"],
                "text/csv",
                monthly.csv(id).into_bytes(),
            )
            .with_context(|| format!("uploading the monthly report of tenant {id}"))?;
        tokens.lock().map_err(|_| anyhow!("a report upload panicked"))?.insert(id.to_string(), token);
        Ok(())
    };
    let outcome = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..UPLOAD_THREADS)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    while !failed.load(Ordering::Relaxed) {
                        let Some(id) = ids.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                        if let Err(e) = upload(id) {
                            // Stop the others too: one refused report means the demo is broken.
                            failed.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                        bar.inc(1);
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| w.join().map_err(|_| anyhow!("a report upload panicked"))?)
    });
    bar.finish_and_clear();
    outcome?;
    tokens.into_inner().map_err(|_| anyhow!("a report upload panicked"))
}

/// One table of the data set as CSV, split by enterprise: each tenant's rows with the header.
struct Split {
    header: String,
    /// CSV lines by tenant id (the lowercased `enterprise_id`).
    lines: HashMap<String, Vec<String>>,
}

impl Split {
    fn rows(&self, tenant: &str) -> usize {
        self.lines.get(tenant).map_or(0, Vec::len)
    }

    /// The tenant's rows as a CSV file (just the header when it has none).
    fn csv(&self, tenant: &str) -> String {
        let mut out = self.header.clone();
        for line in self.lines.get(tenant).into_iter().flatten() {
            out.push_str(line);
        }
        out
    }
}

/// Reads every column of `dataset` and splits its rows by `enterprise_id`. CSV is what the
/// upload route ingests without new dependencies here; values are written so that the
/// service infers the generated types back (floats keep a decimal point, timestamps are
/// RFC 3339, nulls are empty).
fn split_by_enterprise(source: &DirSource, dataset: &str) -> anyhow::Result<Split> {
    let schema = source.schema(dataset).with_context(|| format!("reading the schema of {dataset}"))?;
    let columns: Vec<String> = schema.iter().map(|f| f.name.clone()).collect();
    if !columns.iter().any(|c| c == "enterprise_id") {
        bail!("{dataset} has no enterprise_id column");
    }
    let mut split = Split {
        header: columns.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",") + "\n",
        lines: HashMap::new(),
    };
    let mut scan = source.scan(dataset, &columns, 65_536).with_context(|| format!("reading {dataset}"))?;
    while let Some(batch) = scan.next_batch().with_context(|| format!("reading {dataset}"))? {
        let Some(ColumnData::String(ids)) = batch.columns.iter().find(|c| c.name == "enterprise_id").map(|c| &c.data)
        else {
            bail!("enterprise_id of {dataset} is not text");
        };
        for (row, id) in kiln_host::strings::iter(ids).enumerate() {
            let mut line = String::new();
            for (n, column) in batch.columns.iter().enumerate() {
                if n > 0 {
                    line.push(',');
                }
                if column.validity.as_ref().is_none_or(|v| v[row]) {
                    line.push_str(&csv_value(&column.data, row));
                }
            }
            line.push('\n');
            split.lines.entry(id.to_lowercase()).or_default().push(line);
        }
    }
    Ok(split)
}

/// One cell as CSV text.
fn csv_value(data: &ColumnData, row: usize) -> String {
    match data {
        // Debug keeps `.0` on whole numbers, so the column is inferred as floats again.
        ColumnData::F64(v) if v[row].is_finite() => format!("{:?}", v[row]),
        ColumnData::F64(_) => String::new(),
        ColumnData::S64(v) => v[row].to_string(),
        ColumnData::String(v) => csv_field(v.get(row)),
        ColumnData::Dict(_) => csv_field(data.str_at(row).unwrap_or_default()),
        ColumnData::Bool(v) => v[row].to_string(),
        ColumnData::Timestamp(v) => {
            let nanos = v[row];
            let at = if nanos >= 0 {
                UNIX_EPOCH + Duration::from_nanos(nanos.unsigned_abs())
            } else {
                UNIX_EPOCH - Duration::from_nanos(nanos.unsigned_abs())
            };
            if nanos % 1_000_000_000 == 0 {
                humantime::format_rfc3339_seconds(at).to_string()
            } else {
                humantime::format_rfc3339_nanos(at).to_string()
            }
        }
    }
}

fn print_summary(
    args: &DemoArgs,
    url: &str,
    tenants: usize,
    runners: usize,
    summaries: &[Summary],
    rollup: &Rollup,
    pending: &str,
) {
    println!("Kiln demo on {url}: {} enterprises of Xi'an, data in {}", args.enterprises, args.data_dir.display());
    println!(
        "{tenants} tenants filed their monthly reports; {runners} of them ran the {} example plugins through the worker\n",
        summaries.len()
    );
    for s in summaries {
        println!(
            "== {}@{}  {}/{} runs succeeded, {} rows read, {:.1} ms mean wall",
            s.plugin, s.version, s.succeeded, s.runs, s.rows_read, s.mean_wall_ms
        );
        for f in &s.failures {
            println!(
                "   FAILED for tenant {} ({}, {}): {}",
                f.tenant,
                f.state.map_or("unknown", RunState::as_str),
                f.error_kind.as_deref().unwrap_or("-"),
                f.error.as_deref().unwrap_or("no error recorded")
            );
        }
        if s.succeeded == 0 {
            println!("   no run succeeded\n");
            continue;
        }
        println!("   tenant {}:", s.headline_tenant);
        for m in &s.metrics {
            let line = format!("{:<16} {:.4} {}", m.name, m.value.unwrap_or_default(), m.unit);
            println!("   {}", line.trim_end());
        }
        let Some(headline) = &s.headline else {
            println!("   (its output has no `{}` table)\n", s.headline_name);
            continue;
        };
        println!("   {} ({} rows), first {HEADLINE_ROWS}:", headline.name, headline.rows.len());
        for line in render::output_table_text(headline, HEADLINE_ROWS).lines() {
            println!("   {line}");
        }
        println!();
    }
    println!("== the operator's view: monthly reports of every opted-in tenant");
    print!("{}", rollup_text(rollup, Lang::Zh));
    println!("\n== waiting for the operator's review: {pending} (kiln review list; approve or reject it)");
}
