//! `TestApp`: a fresh registry per test on SQLite or PostgreSQL, driven in-process through the
//! router with `tower::ServiceExt::oneshot`, with the principals most tests need already set up.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use http_body_util::BodyExt as _;
use kiln_host::PluginInfo;
use kiln_registry::ServeConfig;
use kiln_registry::auth::Role;
use kiln_registry::manifest::{Manifest, sign};
use kiln_registry::routes::keys::AddKey;
use kiln_registry::routes::tokens::{CreateToken, issue};
use kiln_registry::state::AppState;
use kiln_registry::store::enablements::EnablementRecord;
use kiln_registry::store::keys::SigningKey as RegisteredKey;
use kiln_registry::store::plugins::VersionRecord;
use kiln_registry::store::runs::RunRecord;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sqlx::{AnyPool, Connection as _, Row as _};

/// The server every PostgreSQL test creates its database on.
pub const PG_ADMIN_URL: &str = "postgres://root@127.0.0.1:5432/test";
const PG_BASE: &str = "postgres://root@127.0.0.1:5432";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each `async fn case(app: TestApp)` on both backends:
/// `both! { name => case; }` defines the tests `name_sqlite` and `name_postgres`.
#[macro_export]
macro_rules! both {
    ($($name:ident => $case:path;)*) => {
        paste::paste! {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn [<$name _sqlite>]() {
                    $crate::common::run($crate::common::Backend::Sqlite, $case).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn [<$name _postgres>]() {
                    $crate::common::run($crate::common::Backend::Postgres, $case).await;
                }
            )*
        }
    };
}

/// Builds a [`TestApp`] on `backend`, runs `case` with it and drops the PostgreSQL database
/// afterwards (even when the case panics; the panic is then resumed).
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    run_on(TestApp::new(backend).await, case).await;
}

/// Runs `case` with `app`, dropping its PostgreSQL database afterwards (even when the case
/// panics; the panic is then resumed).
pub async fn run_on<F, Fut>(app: TestApp, case: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use futures::FutureExt as _;
    let pg_db = app.pg_db.clone();
    let outcome = std::panic::AssertUnwindSafe(case(app)).catch_unwind().await;
    if let Some(name) = pg_db {
        drop_pg_database(&name).await;
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// A principal and its bearer token.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    pub tenant: Option<String>,
    pub token: String,
    pub token_id: String,
}

/// A maker: a principal with a registered ed25519 key.
#[derive(Debug, Clone)]
pub struct Maker {
    pub actor: Actor,
    pub key: SigningKey,
    pub key_id: String,
}

impl std::ops::Deref for Maker {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.actor
    }
}

/// An HTTP response, body collected.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: bytes::Bytes,
}

impl Resp {
    /// The body as JSON (panics with the body text if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{} body is not JSON ({e}): {}", self.status, self.text()))
    }

    /// The body as the API type `T`, for tests that read fields (tests of the wire format
    /// itself read [`Resp::json`]).
    #[track_caller]
    pub fn read<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("{} body is not a {} ({e}): {}", self.status, std::any::type_name::<T>(), self.text())
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn content_type(&self) -> &str {
        self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// Asserts a 2xx with exactly `status`, showing the body otherwise.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text());
        self
    }

    /// Asserts a problem+json refusal with `status` and `type` `https://kiln.dev/problems/<slug>`.
    #[track_caller]
    pub fn problem(&self, status: u16, slug: &str) -> &Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text());
        assert_eq!(self.content_type(), "application/problem+json", "refusal is not problem+json: {}", self.text());
        let body = self.json();
        assert_eq!(body["type"], format!("https://kiln.dev/problems/{slug}"), "wrong problem type: {body}");
        assert_eq!(body["status"], status, "problem status field disagrees: {body}");
        assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()), "problem without a title: {body}");
        assert!(body["detail"].is_string(), "problem without a detail: {body}");
        self
    }
}

/// A publish request under construction: tweak any field, then take [`Publish::body`].
#[derive(Debug, Clone)]
pub struct Publish {
    /// The manifest that is sent (and signed, unless `signed_manifest` is set).
    pub manifest: Manifest,
    /// The component bytes sent.
    pub bytes: Vec<u8>,
    /// The bytes whose sha256 is signed (default: `bytes`).
    pub signed_bytes: Option<Vec<u8>>,
    /// The manifest that is signed (default: `manifest`).
    pub signed_manifest: Option<Manifest>,
    /// The key that signs.
    pub signer: SigningKey,
    /// The key id sent.
    pub key_id: String,
    /// A signature to send instead of the computed one.
    pub signature: Option<String>,
}

impl Publish {
    /// The JSON body of `POST /v1/plugins/{ns}/{name}/versions`.
    pub fn body(&self) -> Value {
        let signed = self.signed_bytes.as_deref().unwrap_or(&self.bytes);
        let signed_manifest = self.signed_manifest.as_ref().unwrap_or(&self.manifest);
        let signature = self
            .signature
            .clone()
            .unwrap_or_else(|| sign(&self.signer, &kiln_host::sha256_hex(signed), signed_manifest));
        json!({
            "manifest": self.manifest,
            "signature": signature,
            "key_id": self.key_id,
            "component": base64::engine::general_purpose::STANDARD.encode(&self.bytes),
        })
    }

    /// The URL path it is published to (from the manifest).
    pub fn path(&self) -> String {
        format!("/v1/plugins/{}/{}/versions", self.manifest.namespace, self.manifest.name)
    }
}

/// A fresh registry with an operator, two makers with keys (only the first a member of
/// namespace `acme`) and an enterprise admin of tenant `t1`.
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    /// A separate pool on the same database, for direct SQL.
    pub db: AnyPool,
    pub db_url: String,
    pub dir: tempfile::TempDir,
    /// Olga, an operator.
    pub operator: Actor,
    /// Maria, a maker and member of `acme`.
    pub maker: Maker,
    /// Otto, a maker who is not a member of `acme`.
    pub other: Maker,
    /// Erin, an enterprise admin of tenant `t1`.
    pub enterprise: Actor,
    pg_db: Option<String>,
    /// The blob store, when not the data directory's (S3).
    blobs: Option<kiln_registry::blobs::Blobs>,
    counter: AtomicU64,
}

impl TestApp {
    /// The audit entries written by [`TestApp::new`]'s setup.
    pub const SETUP_AUDIT_ENTRIES: i64 = 8;

    pub async fn new(backend: Backend) -> Self {
        Self::on_blobs(backend, None).await
    }

    /// [`TestApp::new`] storing its blobs in `blobs` rather than in its data directory.
    pub async fn on_blobs(backend: Backend, blobs: Option<kiln_registry::blobs::Blobs>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (db_url, pg_db) = match backend {
            Backend::Sqlite => (kiln_registry::default_db_url(dir.path()), None),
            Backend::Postgres => {
                let name = create_pg_database(Some(pg_template().await)).await;
                (format!("{PG_BASE}/{name}"), Some(name))
            }
        };
        let state = Self::state_for(dir.path(), &db_url, blobs.as_ref()).await;
        let db = AnyPool::connect(&db_url).await.unwrap();
        let router = kiln_registry::routes::router(state.clone());

        let operator = issue_token(&state, "system", "olga", Role::Operator, None, &[]).await;
        let maker = issue_token(&state, &operator.name, "maria", Role::Maker, None, &[]).await;
        let other = issue_token(&state, &operator.name, "otto", Role::Maker, None, &[]).await;
        create_tenant(&state, &operator.name, "t1").await;
        let enterprise = issue_token(&state, &operator.name, "erin", Role::EnterpriseAdmin, Some("t1"), &[]).await;
        let placeholder = Maker { actor: maker.clone(), key: SigningKey::from_bytes(&[0; 32]), key_id: String::new() };
        let mut app = TestApp {
            state,
            router,
            db,
            db_url,
            dir,
            operator,
            maker: placeholder.clone(),
            other: Maker { actor: other, ..placeholder },
            enterprise,
            pg_db,
            blobs,
            counter: AtomicU64::new(0),
        };
        app.post("/v1/namespaces", &app.maker.token, json!({"name": "acme"})).await.expect(201);
        app.maker = app.register_key(app.maker.actor.clone()).await;
        app.other = app.register_key(app.other.actor.clone()).await;
        app
    }

    /// Another server's state on the same database and blobs, told that TLS ends in front of it.
    pub async fn state_behind_https_proxy(&self) -> AppState {
        let mut config = Self::config_for(self.dir.path(), &self.db_url);
        config.behind_https_proxy = true;
        match &self.blobs {
            Some(blobs) => kiln_registry::state_on(&config, blobs.clone()).await.unwrap(),
            None => kiln_registry::state(&config).await.unwrap(),
        }
    }

    fn config_for(dir: &std::path::Path, db_url: &str) -> ServeConfig {
        ServeConfig {
            data_dir: dir.to_path_buf(),
            db: Some(db_url.to_string()),
            blobs: Some(dir.join("blobs").display().to_string()),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            scheduler: Default::default(),
            tls: None,
            behind_https_proxy: false,
        }
    }

    async fn state_for(dir: &std::path::Path, db_url: &str, blobs: Option<&kiln_registry::blobs::Blobs>) -> AppState {
        let config = Self::config_for(dir, db_url);
        match blobs {
            Some(blobs) => kiln_registry::state_on(&config, blobs.clone()).await.unwrap(),
            None => kiln_registry::state(&config).await.unwrap(),
        }
    }

    /// A second server's state on the same database and blobs, as another `kiln serve` process
    /// would have: its own pool, host and caches.
    pub async fn another_server(&self) -> AppState {
        Self::state_for(self.dir.path(), &self.db_url, self.blobs.as_ref()).await
    }

    /// A new state and router on the same database and directory, as after a restart.
    pub async fn restart(&mut self) {
        self.state = Self::state_for(self.dir.path(), &self.db_url, self.blobs.as_ref()).await;
        self.router = kiln_registry::routes::router(self.state.clone());
    }

    /// A name no other call of this app returns: `{prefix}{n}`.
    pub fn unique(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.counter.fetch_add(1, Ordering::Relaxed))
    }

    /// Issues a token directly through the store, audited as the operator.
    pub async fn token(&self, name: &str, role: Role, tenant: Option<&str>, scopes: &[&str]) -> Actor {
        issue_token(&self.state, &self.operator.name, name, role, tenant, scopes).await
    }

    /// Registers a fresh ed25519 key for `actor` over HTTP.
    pub async fn register_key(&self, actor: Actor) -> Maker {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let public = hex::encode(key.verifying_key().to_bytes());
        let body = json!(AddKey { public_key: public, name: "test".into() });
        let key_id = self.post("/v1/keys", &actor.token, body).await.expect(201).read::<RegisteredKey>().id;
        Maker { actor, key, key_id }
    }

    /// Creates namespace `name` owned by `owner` (as the operator).
    pub async fn namespace(&self, name: &str, owner: &str) {
        self.post("/v1/namespaces", &self.operator.token, json!({"name": name, "owner": owner})).await.expect(201);
    }

    // ---- requests ----

    /// Sends one request through the router.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let req = match body {
            Some(body) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(&body).unwrap()))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    /// Sends a prepared request through the router.
    pub async fn send(&self, req: Request<Body>) -> Resp {
        send(self.router.clone(), req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn get_anonymous(&self, path: &str) -> Resp {
        self.call(Method::GET, path, None, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// A POST without a body (approve, yank, unyank).
    pub async fn post_empty(&self, path: &str, token: &str) -> Resp {
        self.call(Method::POST, path, Some(token), None).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    // ---- publishing ----

    /// What `bytes`' describe() says. Asked of a host shared by the whole test binary, so that
    /// the app's own host (and its compile cache) sees each component first in a publish.
    pub async fn describe(&self, bytes: &[u8]) -> PluginInfo {
        describe(bytes).await
    }

    /// A correct publish of `bytes` into `ns`, signed by `maker`'s registered key.
    pub async fn publish_of(&self, maker: &Maker, ns: &str, bytes: &[u8]) -> Publish {
        let info = self.describe(bytes).await;
        let manifest = Manifest::from_describe(
            ns,
            &info,
            "Apache-2.0",
            Some("https://example.com/repo".into()),
            vec!["energy".into()],
        );
        Self::publish_with(maker, manifest, bytes)
    }

    /// A publish of `bytes` with a hand-written manifest (for components that do not load).
    pub fn publish_with(maker: &Maker, manifest: Manifest, bytes: &[u8]) -> Publish {
        Publish {
            manifest,
            bytes: bytes.to_vec(),
            signed_bytes: None,
            signed_manifest: None,
            signer: maker.key.clone(),
            key_id: maker.key_id.clone(),
            signature: None,
        }
    }

    /// Sends a publish as `maker`.
    pub async fn send_publish(&self, maker: &Actor, publish: &Publish) -> Resp {
        self.post(&publish.path(), &maker.token, publish.body()).await
    }

    /// Publishes `bytes` into `ns` as `maker`, asserting 201; returns the version record.
    pub async fn publish(&self, maker: &Maker, ns: &str, bytes: &[u8]) -> VersionRecord {
        let publish = self.publish_of(maker, ns, bytes).await;
        self.send_publish(maker, &publish).await.expect(201).read()
    }

    /// Publishes and approves; returns the approved record.
    pub async fn publish_approved(&self, maker: &Maker, ns: &str, bytes: &[u8]) -> VersionRecord {
        let v = self.publish(maker, ns, bytes).await;
        let path = version_path(&v);
        self.post_empty(&format!("{path}/approve"), &self.operator.token).await.expect(200).read()
    }

    // ---- tenants, data and runs ----

    /// Creates tenant `id` (district `d1`, park `p1`, industry `C39`) with an admin; returns the admin.
    pub async fn tenant(&self, id: &str) -> Actor {
        let body = json!({"id": id, "name": format!("{id} Ltd"), "district": "d1", "park": "p1", "industry": "C39",
                          "size_class": "small"});
        self.post("/v1/tenants", &self.operator.token, body).await.expect(201);
        self.token(&format!("{id}-admin"), Role::EnterpriseAdmin, Some(id), &[]).await
    }

    /// Uploads `csv` as a new version of dataset `name` of `admin`'s tenant.
    pub async fn upload_csv(&self, admin: &Actor, name: &str, csv: &str) -> Resp {
        let tenant = admin.tenant.as_deref().unwrap();
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("/v1/tenants/{tenant}/datasets/{name}"))
            .header(header::AUTHORIZATION, format!("Bearer {}", admin.token))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(csv.to_string()))
            .unwrap();
        self.send(req).await
    }

    /// Enables approved `acme/{plugin}` for `admin`'s tenant with `extra` fields; returns the id.
    pub async fn enable(&self, admin: &Actor, plugin: &str, extra: Value) -> String {
        let tenant = admin.tenant.as_deref().unwrap();
        let mut body = json!({"namespace": "acme", "plugin": plugin});
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        let resp = self.post(&format!("/v1/tenants/{tenant}/enablements"), &admin.token, body).await;
        resp.expect(201).read::<EnablementRecord>().id
    }

    /// Submits a run of enablement `id` in `mode`; returns the response.
    pub async fn submit(&self, admin: &Actor, id: &str, mode: &str) -> Resp {
        let tenant = admin.tenant.as_deref().unwrap();
        self.post(&format!("/v1/tenants/{tenant}/enablements/{id}/runs"), &admin.token, json!({"mode": mode})).await
    }

    /// Starts a worker on this app's database and blobs; abort the handle to kill it.
    pub fn worker(&self, id: &str, lease_ms: u64) -> tokio::task::JoinHandle<kiln_registry::worker::WorkerStats> {
        let config = kiln_registry::worker::WorkerConfig {
            id: id.to_string(),
            concurrency: 2,
            lease: std::time::Duration::from_millis(lease_ms),
            poll: std::time::Duration::from_millis(20),
            max_attempts: 5,
            grace: std::time::Duration::from_secs(30),
        };
        let (store, runner) = (self.state.store.clone(), self.state.runner.clone());
        tokio::spawn(async move {
            kiln_registry::worker::work(store, runner, config, std::future::pending()).await.unwrap()
        })
    }

    /// Starts a worker that stops, with `grace` for its runs in hand, when the sender is sent
    /// to (or dropped): as `kiln worker` does on SIGTERM.
    pub fn stoppable_worker(
        &self,
        id: &str,
        grace: std::time::Duration,
    ) -> (tokio::task::JoinHandle<kiln_registry::worker::WorkerStats>, tokio::sync::oneshot::Sender<()>) {
        let config = kiln_registry::worker::WorkerConfig {
            id: id.to_string(),
            concurrency: 2,
            lease: std::time::Duration::from_secs(30),
            poll: std::time::Duration::from_millis(20),
            max_attempts: 5,
            grace,
        };
        let (store, runner) = (self.state.store.clone(), self.state.runner.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            kiln_registry::worker::work(store, runner, config, shutdown).await.unwrap()
        });
        (handle, stop)
    }

    /// Waits until run `id` of `admin`'s tenant is in `state`; returns its record.
    pub async fn reaches(&self, admin: &Actor, id: &str, state: kiln_registry::store::runs::RunState) -> RunRecord {
        let tenant = admin.tenant.as_deref().unwrap();
        for _ in 0..3000 {
            let run: RunRecord =
                self.get(&format!("/v1/tenants/{tenant}/runs/{id}"), &admin.token).await.expect(200).read();
            if run.state == state {
                return run;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("run {id} never reached {state:?}");
    }

    /// Waits until run `id` of `admin`'s tenant is final; returns its record.
    pub async fn finished(&self, admin: &Actor, id: &str) -> RunRecord {
        let tenant = admin.tenant.as_deref().unwrap();
        for _ in 0..3000 {
            let run: RunRecord =
                self.get(&format!("/v1/tenants/{tenant}/runs/{id}"), &admin.token).await.expect(200).read();
            if run.state.is_final() {
                return run;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("run {id} did not finish");
    }

    // ---- direct SQL ----

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query(sql).fetch_one(&self.db).await.unwrap().try_get::<i64, _>(0).unwrap()
    }

    pub async fn version_rows(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM versions").await
    }

    pub async fn audit_rows(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM audit_log").await
    }

    pub async fn exec(&self, sql: &str) {
        sqlx::query(sql).execute(&self.db).await.unwrap();
    }

    /// Sends a publish that must be refused with `status`/`slug`, and checks that it left no
    /// version row and no audit entry behind.
    #[track_caller]
    pub fn refused_publish<'a>(
        &'a self,
        who: &'a Actor,
        path: &'a str,
        body: Value,
        status: u16,
        slug: &'a str,
    ) -> impl std::future::Future<Output = Resp> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let (versions, audit) = (self.version_rows().await, self.audit_rows().await);
            let resp = self.post(path, &who.token, body).await;
            if resp.status.as_u16() != status {
                panic!("{caller}: expected {status} {slug}, got {}: {}", resp.status, resp.text());
            }
            resp.problem(status, slug);
            assert_eq!(self.version_rows().await, versions, "{caller}: a refused publish added a version row");
            assert_eq!(self.audit_rows().await, audit, "{caller}: a refused publish added an audit entry");
            resp
        }
    }
}

/// A host beside the service's, as a process that has only a component (or a bundle) has: its
/// compile cache in the target directory, so a Python guest compiles once per build of the
/// guests, not once per test.
pub fn outside_host() -> &'static kiln_host::Host {
    static HOST: OnceLock<kiln_host::Host> = OnceLock::new();
    HOST.get_or_init(|| {
        let cache_dir = Some(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-cache"));
        kiln_host::Host::new(kiln_host::HostConfig { max_instances: 8, cache_dir, ..Default::default() }).unwrap()
    })
}

/// What a component's describe() says, loading it once per test binary.
pub async fn describe(bytes: &[u8]) -> PluginInfo {
    static DESCRIBED: OnceLock<Mutex<HashMap<String, PluginInfo>>> = OnceLock::new();
    let described = DESCRIBED.get_or_init(Default::default);
    let sha = kiln_host::sha256_hex(bytes);
    if let Some(info) = described.lock().unwrap().get(&sha) {
        return info.clone();
    }
    let plugin = outside_host().load(bytes).await.unwrap_or_else(|e| panic!("test component loads: {e}"));
    let info = plugin.info().clone();
    described.lock().unwrap().insert(sha, info.clone());
    info
}

/// `/v1/plugins/{ns}/{name}/versions/{version}` of a version record.
pub fn version_path(v: &VersionRecord) -> String {
    format!("/v1/plugins/{}/{}/versions/{}", v.namespace, v.name, v.version)
}

/// Sends a request through a router (clone it per request; the router is cheap to clone).
pub async fn send(router: Router, req: Request<Body>) -> Resp {
    use tower::ServiceExt as _;
    let resp = router.oneshot(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Resp { status: parts.status, headers: parts.headers, body }
}

async fn create_tenant(state: &AppState, actor: &str, id: &str) {
    let tenant = kiln_registry::store::tenants::TenantRecord {
        id: id.to_string(),
        name: format!("{id} Ltd"),
        district: "d1".into(),
        park: "p1".into(),
        industry: "C39".into(),
        size_class: "small".into(),
        opted_in: true,
        // Tests queue hundreds of runs, each reserving its whole timeout (30 s) of CPU until
        // it finishes; the default day's quota holds 120 of them.
        quotas: kiln_registry::store::tenants::Quotas { cpu_ms_per_day: 100 * 3_600_000, ..Default::default() },
        created_at: 0,
    };
    let mut tx = state.store.write().await.unwrap();
    kiln_registry::store::tenants::insert(&mut tx, &tenant).await.unwrap();
    tx.record(actor, "tenant.create", id, json!({})).await.unwrap();
    tx.commit().await.unwrap();
}

async fn issue_token(
    state: &AppState,
    actor: &str,
    name: &str,
    role: Role,
    tenant: Option<&str>,
    scopes: &[&str],
) -> Actor {
    let created = issue(
        &state.store,
        actor,
        CreateToken {
            principal: name.to_string(),
            role,
            tenant: tenant.map(String::from),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_in_days: None,
        },
        None,
    )
    .await
    .unwrap();
    Actor {
        name: name.to_string(),
        role,
        tenant: tenant.map(String::from),
        token: created.token,
        token_id: created.record.id,
    }
}

async fn pg_admin() -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    match sqlx::AnyConnection::connect(PG_ADMIN_URL).await {
        Ok(conn) => conn,
        Err(e) => panic!(
            "PostgreSQL is not reachable at {PG_ADMIN_URL} ({e}); the PostgreSQL tests need it. Start it with \
             `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
        ),
    }
}

/// A new database: a copy of `template`, or empty.
async fn create_pg_database(template: Option<&str>) -> String {
    let name = format!("kiln_t_{}", hex::encode(rand::random::<[u8; 8]>()));
    let mut conn = pg_admin().await;
    let from = template.map(|t| format!(" TEMPLATE {t}")).unwrap_or_default();
    sqlx::raw_sql(&format!("CREATE DATABASE {name}{from}")).execute(&mut conn).await.unwrap();
    let _ = conn.close().await;
    name
}

/// A database migrated through every migration, which tests copy instead of migrating their own:
/// made once per set of migrations (its name is their checksums' hash) and shared by every test
/// process. A half-made one is never seen: it is migrated under another name and renamed.
async fn pg_template() -> &'static str {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            static ALL: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
            let mut hash = <sha2::Sha256 as sha2::Digest>::new();
            for m in ALL.iter() {
                sha2::Digest::update(&mut hash, m.version.to_be_bytes());
                sha2::Digest::update(&mut hash, &*m.checksum);
            }
            let name = format!("kiln_template_{}", &hex::encode(sha2::Digest::finalize(hash))[..16]);
            let mut conn = pg_admin().await;
            // Test processes start together: one makes the template while the others wait.
            sqlx::raw_sql("SELECT pg_advisory_lock(7301)").execute(&mut conn).await.unwrap();
            let exists = sqlx::query("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_optional(&mut conn)
                .await
                .unwrap()
                .is_some();
            if !exists {
                let building = format!("{name}_building");
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                sqlx::raw_sql(&format!("CREATE DATABASE {building}")).execute(&mut conn).await.unwrap();
                let pool = AnyPool::connect(&format!("{PG_BASE}/{building}")).await.unwrap();
                ALL.run(&pool).await.unwrap();
                pool.close().await;
                sqlx::raw_sql(&format!("ALTER DATABASE {building} RENAME TO {name}")).execute(&mut conn).await.unwrap();
            }
            sqlx::raw_sql("SELECT pg_advisory_unlock(7301)").execute(&mut conn).await.unwrap();
            let _ = conn.close().await;
            name
        })
        .await
}

/// Best effort: a leftover database is harmless.
async fn drop_pg_database(name: &str) {
    let mut conn = pg_admin().await;
    let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
    let _ = conn.close().await;
}

/// Every `(METHOD, path)` the router serves: the OpenAPI document's operations, since the
/// router and the document are made from the same `routes!` registrations
/// (`kiln_registry::routes::api`). `every_route_of_the_router_is_documented` checks that
/// against the sources and by requests.
pub fn router_routes() -> Vec<(String, String)> {
    let doc = serde_json::to_value(kiln_registry::openapi::document()).unwrap();
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    routes.sort();
    routes
}

/// A fresh database of `app`'s backend (a second SQLite file in its directory, or a second
/// PostgreSQL database) migrated through every migration before `version`, for testing that
/// one (a database migrated further would no longer have the shape that migration starts from).
/// Returns the pool and the URL; call [`drop_legacy_database`] with the URL when done.
pub async fn legacy_database(app: &TestApp, version: i64) -> (AnyPool, String) {
    static ALL: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
    assert!(ALL.iter().any(|m| m.version == version), "no migration {version}");
    let before = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(ALL.iter().filter(|m| m.version < version).cloned().collect()),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    };
    let url = if app.db_url.starts_with("postgres") {
        format!("{PG_BASE}/{}", create_pg_database(None).await)
    } else {
        format!("sqlite://{}?mode=rwc", app.dir.path().join("legacy.db").display())
    };
    let pool = AnyPool::connect(&url).await.unwrap();
    before.run(&pool).await.unwrap();
    (pool, url)
}

/// Drops a PostgreSQL database made by [`legacy_database`] (SQLite files go with the app's
/// directory).
pub async fn drop_legacy_database(url: &str) {
    if let Some(name) = url.strip_prefix(PG_BASE).and_then(|rest| rest.strip_prefix('/')) {
        drop_pg_database(name).await;
    }
}
