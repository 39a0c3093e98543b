//! The one harness of the CLI's end-to-end tests: the real `kiln` binary as long-lived
//! processes (`kiln serve`, `kiln worker`) and as one-shot commands, every one of them isolated
//! from the caller's registry settings, credentials profile and home.
#![allow(dead_code, unused_imports, reason = "each test file uses its own part of the support")]
#![allow(clippy::unwrap_used, reason = "test helpers fail the test on any unexpected error")]

pub mod cluster;
#[path = "../../../registry/tests/support/moto.rs"]
pub mod moto;
pub mod pki;
pub mod server;

pub use pki::Pki;
pub use server::Server;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

/// A free port on 127.0.0.1 (port 0 would not tell the test which one the process took).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// A `kiln` process running in the background with its stderr in a log file; killed however the
/// test ends.
pub struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `kiln ARGS` with `env` set and `KILN_DB` cleared.
    pub fn start(args: &[&str], env: &[(&str, String)], log: PathBuf) -> Process {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kiln"));
        cmd.args(args).env_remove("KILN_DB").stdout(Stdio::null());
        cmd.stderr(std::fs::File::create(&log).expect("process log file"));
        for (key, value) in env {
            cmd.env(key, value);
        }
        Process { child: cmd.spawn().expect("kiln starts"), log }
    }

    /// What the process wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `url` answers 2xx, failing with the log if the process exits first.
    pub fn wait_healthy(&mut self, url: &str, timeout: Duration) {
        self.wait_healthy_with(&reqwest::blocking::Client::new(), url, timeout);
    }

    /// [`Process::wait_healthy`] through `http` (a client that trusts a test CA, say).
    pub fn wait_healthy_with(&mut self, http: &reqwest::blocking::Client, url: &str, timeout: Duration) {
        let started = Instant::now();
        loop {
            if let Ok(response) = http.get(url).send()
                && response.status().is_success()
            {
                return;
            }
            if let Some(status) = self.child.try_wait().expect("process status") {
                panic!("kiln exited with {status}:\n{}", self.log());
            }
            assert!(started.elapsed() < timeout, "{url} not healthy after {timeout:?}:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends `signal` (`TERM`, `KILL`, ...).
    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal} failed");
    }

    /// Waits for the process to exit, at most `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("process status") {
                return status;
            }
            assert!(started.elapsed() < timeout, "kiln still running after {timeout:?}:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment a `kiln` command of a test runs in: none of the caller's registry settings,
/// a config directory of its own (where `kiln login` keeps its profiles), and the shared
/// compile and tool cache under `target/kiln-cache`.
pub struct Env {
    /// Where `kiln login` keeps `credentials.toml`.
    pub config: PathBuf,
    /// A home of its own, for the login tests; others keep the caller's, where cargo and rustup
    /// find their toolchains.
    home: Option<PathBuf>,
}

impl Env {
    /// An environment whose config directory is `work/config` and home `work/home`.
    pub fn new(work: &Path) -> Env {
        let home = work.join("home");
        std::fs::create_dir_all(&home).expect("the test's home");
        Env { config: work.join("config"), home: Some(home) }
    }

    /// The environment of tests that keep no profile: shared, and never written to.
    pub fn empty() -> &'static Env {
        static EMPTY: OnceLock<Env> = OnceLock::new();
        EMPTY.get_or_init(|| Env { config: target_dir().join("kiln-test-no-config"), home: None })
    }

    /// The credentials file.
    pub fn credentials(&self) -> PathBuf {
        self.config.join("credentials.toml")
    }

    /// A `kiln` command in this environment.
    pub fn kiln(&self) -> Command {
        let mut cmd = Command::cargo_bin("kiln").expect("kiln binary built");
        cmd.env("KILN_CACHE_DIR", target_dir().join("kiln-cache"))
            .env("KILN_CONFIG_DIR", &self.config)
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("KILN_REGISTRY")
            .env_remove("KILN_TOKEN")
            .env_remove("KILN_PROFILE")
            .env_remove("KILN_CA_CERT")
            .env_remove("KILN_DB");
        if let Some(home) = &self.home {
            cmd.env("HOME", home);
        }
        cmd
    }
}

/// The workspace's `target/`.
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
}

/// A one-shot `kiln` command with no registry, in the [`Env::empty`] environment.
pub fn kiln_local() -> Command {
    Env::empty().kiln()
}

/// A one-shot `kiln` command against the registry at `url`, as `token`, in the
/// [`Env::empty`] environment.
pub fn kiln(url: &str, token: Option<&str>) -> Command {
    let mut cmd = kiln_local();
    cmd.env("KILN_REGISTRY", url);
    if let Some(token) = token {
        cmd.env("KILN_TOKEN", token);
    }
    cmd
}

/// Runs a command that must succeed and print one JSON document.
pub fn json_ok(cmd: &mut Command) -> Value {
    let out = cmd.output().expect("kiln runs");
    assert!(out.status.success(), "kiln failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

/// Runs a command that must succeed; returns its stdout.
pub fn text_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("kiln runs");
    assert!(out.status.success(), "kiln failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 stdout")
}

/// Runs a command that must fail; returns its stderr, which must be one `error: ...` line.
pub fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().expect("kiln runs");
    assert!(!out.status.success(), "kiln succeeded: {}", String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8(out.stderr).expect("UTF-8 stderr");
    assert!(stderr.starts_with("error: ") && stderr.trim_end().lines().count() == 1, "{stderr}");
    stderr
}
