//! A real S3 endpoint for tests: moto's server mode (`moto[server]` from PyPI) on 127.0.0.1,
//! one per test, killed when the test ends. The first test to need it installs moto into
//! `target/moto-venv` (a pinned version, under a file lock, so parallel tests install once).
//!
//! Shared by the registry's API tests and the CLI's multi-process tests (`#[path]`-included).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The moto release the tests speak to.
const MOTO: &str = "moto[server]==5.2.5";

/// A running moto S3 server.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    log: PathBuf,
}

/// Where the venv lives: beside the build, so a fresh clone installs it once.
fn venv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/moto-venv")
}

fn install() -> PathBuf {
    let venv = venv();
    let server = venv.join("bin/moto_server");
    std::fs::create_dir_all(venv.parent().expect("target dir")).expect("target dir");
    let lock = std::fs::File::create(venv.with_extension("lock")).expect("moto lock file");
    lock.lock().expect("moto install lock");
    let marker = venv.join(MOTO.replace(['[', ']', '='], "_"));
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(&venv);
        let made = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().expect("python3 runs");
        assert!(made.success(), "python3 -m venv {} failed", venv.display());
        let pip = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", MOTO])
            .status()
            .expect("pip runs");
        assert!(pip.success(), "pip install {MOTO} failed (the S3 tests need PyPI once)");
        std::fs::write(&marker, "").expect("moto marker");
    }
    server
}

impl Moto {
    /// Starts a fresh server (installing moto first if needed) and waits until it answers.
    pub fn start() -> Moto {
        let server = install();
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let log = std::env::temp_dir().join(format!("kiln-moto-{port}.log"));
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("moto log"))
            .spawn()
            .expect("moto_server starts");
        let mut moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}"), log };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited with {status}: {}", std::fs::read_to_string(&moto.log).unwrap_or_default());
            }
            assert!(started.elapsed() < Duration::from_secs(60), "moto_server did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }

    /// Creates bucket `name`. moto takes unsigned requests; plain HTTP over a socket works
    /// inside an async test and outside one alike.
    pub fn bucket(&self, name: &str) {
        use std::io::{Read as _, Write as _};
        let host = self.endpoint.trim_start_matches("http://");
        let mut socket = std::net::TcpStream::connect(host).expect("connect to moto");
        write!(socket, "PUT /{name} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .expect("send to moto");
        let mut answer = String::new();
        socket.read_to_string(&mut answer).expect("read from moto");
        assert!(answer.starts_with("HTTP/1.1 200"), "creating bucket {name}: {answer}");
    }

    /// The standard AWS environment variables that point a process at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "kiln-test".into()),
            ("AWS_SECRET_ACCESS_KEY", "kiln-test-secret".into()),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
