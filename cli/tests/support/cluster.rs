//! A deployment of real processes for the multi-process test and the cluster bench: `kiln
//! serve` and `kiln worker` processes sharing one database and one blob store — PostgreSQL and
//! an S3 server (moto), or the embedded SQLite file and a local directory — plus what it holds
//! before any run: a maker's plugins, an enterprise with data and enablements, and five more
//! firms in one park reporting a month.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::Connection as _;

use super::moto::Moto;
use super::{Process, free_port, json_ok, kiln};

/// Where the deployment keeps its truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL at 127.0.0.1:5432 and an S3 bucket on a moto server.
    PostgresS3,
    /// One SQLite file and one blob directory, shared by every process on this machine.
    Sqlite,
}

const PG: &str = "postgres://root@127.0.0.1:5432";

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

/// A PostgreSQL database of its own, dropped when the deployment ends.
struct Database {
    name: String,
}

impl Database {
    fn create() -> Database {
        let name = format!("kiln_cluster_{}_{}", std::process::id(), free_port());
        block_on(async {
            let mut admin = sqlx::PgConnection::connect(&format!("{PG}/test")).await.expect("PostgreSQL at 127.0.0.1");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
        });
        Database { name }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        block_on(async {
            if let Ok(mut admin) = sqlx::PgConnection::connect(&format!("{PG}/test")).await {
                let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
                let _ = sqlx::query(&drop).execute(&mut admin).await;
            }
        });
    }
}

/// The registry's HTTP API as one principal.
#[derive(Clone)]
pub struct Api {
    /// The HTTP client.
    pub client: reqwest::blocking::Client,
    token: String,
}

impl Api {
    /// A client presenting `token`.
    pub fn new(token: &str) -> Api {
        let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(120)).build().unwrap();
        Api { client, token: token.to_string() }
    }

    /// Sends `request` with the token; the status and the body (JSON, or null).
    pub fn send(&self, request: reqwest::blocking::RequestBuilder) -> reqwest::Result<(u16, Value)> {
        let response = request.bearer_auth(&self.token).send()?;
        let status = response.status().as_u16();
        let body = response.bytes()?;
        Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
    }

    /// GET that must answer 200.
    pub fn get(&self, url: &str) -> Value {
        let (status, body) = self.send(self.client.get(url)).unwrap();
        assert_eq!(status, 200, "GET {url}: {body}");
        body
    }

    /// POST of a JSON body that must answer `want`.
    pub fn post(&self, url: &str, body: Value, want: u16) -> Value {
        let (status, answer) = self.send(self.client.post(url).json(&body)).unwrap();
        assert_eq!(status, want, "POST {url}: {answer}");
        answer
    }

    /// PATCH that must answer 200.
    pub fn patch(&self, url: &str, body: Value) -> Value {
        let (status, answer) = self.send(self.client.patch(url).json(&body)).unwrap();
        assert_eq!(status, 200, "PATCH {url}: {answer}");
        answer
    }

    /// Uploads a CSV dataset, which must answer 201.
    pub fn upload_csv(&self, url: &str, csv: String) {
        let (status, answer) = self.send(self.client.post(url).header("content-type", "text/csv").body(csv)).unwrap();
        assert_eq!(status, 201, "upload {url}: {answer}");
    }
}

/// The processes of one deployment, by name, and what they share.
pub struct Cluster {
    /// Data directories and logs.
    pub work: tempfile::TempDir,
    /// Which store.
    pub backend: Backend,
    /// The database URL every process is given.
    pub db: String,
    _database: Option<Database>,
    moto: Option<Moto>,
    servers: HashMap<&'static str, (Process, String, u16)>,
    /// The workers.
    pub workers: HashMap<&'static str, Process>,
}

impl Cluster {
    /// An empty deployment on `backend`.
    pub fn new(backend: Backend) -> Cluster {
        let work = tempfile::tempdir().unwrap();
        let (db, database, moto) = match backend {
            Backend::PostgresS3 => {
                let database = Database::create();
                let moto = Moto::start();
                moto.bucket("kiln");
                (format!("{PG}/{}", database.name), Some(database), Some(moto))
            }
            Backend::Sqlite => (kiln_registry::default_db_url(work.path()), None, None),
        };
        Cluster { work, backend, db, _database: database, moto, servers: HashMap::new(), workers: HashMap::new() }
    }

    fn shared_args(&self) -> Vec<String> {
        let blobs = match self.backend {
            Backend::PostgresS3 => "s3://kiln/cluster".to_string(),
            Backend::Sqlite => self.work.path().join("blobs").display().to_string(),
        };
        vec!["--db".into(), self.db.clone(), "--blobs".into(), blobs]
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        self.moto.as_ref().map(Moto::env).unwrap_or_default()
    }

    fn dir(&self, name: &str) -> String {
        self.work.path().join(name).display().to_string()
    }

    fn log(&self, name: &str) -> PathBuf {
        self.work.path().join(format!("{name}.log"))
    }

    /// Starts server `name` (again, on the same port, if it ran before) and waits until ready.
    pub fn serve(&mut self, name: &'static str) {
        let port = self.servers.remove(name).map_or_else(free_port, |(_, _, port)| port);
        let (listen, dir) = (format!("127.0.0.1:{port}"), self.dir(name));
        let mut args = vec!["serve".to_string(), "--listen".into(), listen, "--data-dir".into(), dir];
        args.extend(self.shared_args());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut server = Process::start(&args, &self.env(), self.log(name));
        let url = format!("http://127.0.0.1:{port}");
        server.wait_healthy(&format!("{url}/readyz"), Duration::from_secs(60));
        self.servers.insert(name, (server, url, port));
    }

    /// Starts worker `name`.
    pub fn work(&mut self, name: &'static str) {
        let dir = self.dir(name);
        let mut args = vec!["worker".to_string(), "--id".into(), name.into(), "--data-dir".into(), dir];
        args.extend(["--lease", "5s", "--concurrency", "2", "--grace", "20s"].map(String::from));
        args.extend(self.shared_args());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let worker = Process::start(&args, &self.env(), self.log(name));
        self.workers.insert(name, worker);
    }

    /// Server `name`'s base URL.
    pub fn url(&self, server: &str) -> String {
        self.servers[server].1.clone()
    }

    /// Server `name`'s process.
    pub fn server(&mut self, name: &str) -> &mut Process {
        &mut self.servers.get_mut(name).unwrap().0
    }

    /// Bootstraps the operator and sets up what the runs need (through both servers).
    pub fn setup(&self) -> Setup {
        let a = self.url("a");
        let boot = json_ok(kiln(&a, None).args(["admin", "bootstrap", "--json", "--db", &self.db]));
        Setup::run(self, boot["token"].as_str().unwrap())
    }
}

/// What the deployment holds before the runs.
pub struct Setup {
    /// The operator.
    pub operator: Api,
    /// The enterprise `xian-steel`'s admin.
    pub enterprise: Api,
    /// Its enablement of `acme/good` over `readings`.
    pub enablement: String,
    /// Its enablement of `acme/hostile` spinning until its 1.5 s deadline.
    pub spin: String,
}

impl Setup {
    fn run(cluster: &Cluster, op_token: &str) -> Setup {
        let (a, b) = (cluster.url("a"), cluster.url("b"));
        let op = Api::new(op_token);
        let work = cluster.work.path();
        let maker = json_ok(
            kiln(&a, Some(op_token))
                .args(["token", "create", "--principal", "maker", "--role"])
                .args(["maker", "--json"]),
        );
        let maker = maker["token"].as_str().unwrap().to_string();
        json_ok(kiln(&b, Some(&maker)).args(["namespace", "create", "acme", "--json"]));
        let key = work.join("maker.key");
        json_ok(kiln(&a, None).args(["keygen", "--json", "--out"]).arg(&key));
        let public = key.with_extension("key.pub");
        json_ok(kiln(&a, Some(&maker)).args(["key", "add", "--json", "--name", "ci", "--public"]).arg(&public));
        for (guest, name) in [(kiln_test_guests::GOOD, "good"), (kiln_test_guests::HOSTILE, "hostile")] {
            // Published through one server, approved through the other: one truth.
            let published = json_ok(
                kiln(&a, Some(&maker))
                    .args(["plugin", "publish", guest, "--namespace", "acme", "--json", "--key"])
                    .arg(&key),
            );
            let version = published["version"].as_str().unwrap();
            json_ok(kiln(&b, Some(op_token)).args(["review", "approve", &format!("acme/{name}@{version}"), "--json"]));
        }

        let tenant = |id: &str| {
            let body = json!({"id": id, "name": id, "district": "d1", "park": "p1", "industry": "C31",
                              "size_class": "small", "opted_in": true});
            op.post(&format!("{a}/v1/tenants"), body, 201);
            let token = op.post(
                &format!("{b}/v1/tokens"),
                json!({"principal": format!("{id}-admin"), "role": "enterprise-admin", "tenant": id}),
                201,
            );
            let admin = Api::new(token["token"].as_str().unwrap());
            let report = format!(
                "enterprise_id,month,output_value,energy_tce,electricity_kwh,employees\n{id},2026-10,{},2.0,100,10\n",
                100 + id.len()
            );
            admin.upload_csv(&format!("{a}/v1/tenants/{id}/datasets/monthly_indicators"), report);
            admin
        };
        let enterprise = tenant("xian-steel");
        for firm in ["firm-a", "firm-bb", "firm-ccc", "firm-dddd", "firm-eeeee"] {
            tenant(firm);
        }
        let quotas = json!({"quotas": {"max_active_runs": 100_000, "cpu_ms_per_day": 1_000_000_000_i64, "storage_bytes": 1 << 30}});
        op.patch(&format!("{b}/v1/tenants/xian-steel"), quotas);
        enterprise.upload_csv(&format!("{b}/v1/tenants/xian-steel/datasets/readings"), readings(50));

        let enable = |body: Value| {
            let created = enterprise.post(&format!("{a}/v1/tenants/xian-steel/enablements"), body, 201);
            created["id"].as_str().unwrap().to_string()
        };
        let enablement = enable(json!({"namespace": "acme", "plugin": "good"}));
        let spin = enable(json!({"namespace": "acme", "plugin": "hostile", "params": {"attack": "spin"},
                                  "grants": [], "limits": {"timeout_ms": 1500}}));
        Setup { operator: op, enterprise, enablement, spin }
    }
}

fn readings(rows: usize) -> String {
    let mut csv = String::from("value\n");
    for i in 0..rows {
        csv.push_str(&format!("{i}.5\n"));
    }
    csv
}

/// Every run of the tenant at `url` (its runs list), by id, paging through the list.
pub fn all_runs(api: &Api, url: &str) -> HashMap<String, Value> {
    let mut runs = HashMap::new();
    for page in 1.. {
        let listed = api.get(&format!("{url}?per_page=100&page={page}"));
        let items = listed["items"].as_array().unwrap();
        for run in items {
            let id = run["id"].as_str().unwrap().to_string();
            assert!(runs.insert(id, run.clone()).is_none(), "a run is listed twice");
        }
        if items.is_empty() || runs.len() as u64 >= listed["total"].as_u64().unwrap() {
            break;
        }
    }
    runs
}

/// Polls `done` every 200 ms until it holds, failing after `timeout`.
pub fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < timeout, "not done after {timeout:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}
