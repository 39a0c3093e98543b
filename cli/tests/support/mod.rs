//! Running the real `kiln` binary as long-lived processes (`kiln serve`, `kiln worker`) and as
//! one-shot commands, for the CLI's end-to-end tests.
#![allow(dead_code, reason = "each test file uses its own part of the support")]

pub mod cluster;
#[path = "../../../registry/tests/support/moto.rs"]
pub mod moto;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
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
        let started = Instant::now();
        loop {
            if let Ok(response) = reqwest::blocking::get(url)
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

/// A one-shot `kiln` command against the registry at `url`, as `token`.
pub fn kiln(url: &str, token: Option<&str>) -> Command {
    let mut cmd = Command::cargo_bin("kiln").expect("kiln binary built");
    cmd.env("KILN_CACHE_DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/kiln-cache"))
        .env("KILN_REGISTRY", url)
        .env_remove("KILN_TOKEN")
        .env_remove("KILN_DB");
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
