//! What the tests share: a private CA and a server certificate signed by it, a running
//! `kiln serve` over HTTP or HTTPS, and `kiln` commands isolated from the caller's environment.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use serde_json::Value;

/// PEM files of a test CA and of a certificate for `127.0.0.1` and `localhost` it signed.
pub struct Pki {
    /// The CA's certificate: what `--ca-cert` is given.
    pub ca: PathBuf,
    /// The server's certificate.
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
}

impl Pki {
    /// Makes the CA and server certificate in `dir`.
    pub fn make(dir: &Path) -> Pki {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "Kiln test CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);

        let key = KeyPair::generate().unwrap();
        let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        leaf.distinguished_name.push(DnType::CommonName, "kiln registry");
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = leaf.signed_by(&key, &issuer).unwrap();

        let pki = Pki { ca: dir.join("ca.pem"), cert: dir.join("server.pem"), key: dir.join("server.key") };
        std::fs::write(&pki.ca, ca_cert.pem()).unwrap();
        std::fs::write(&pki.cert, cert.pem()).unwrap();
        std::fs::write(&pki.key, key.serialize_pem()).unwrap();
        pki
    }

    /// A client that trusts this CA.
    pub fn client(&self) -> reqwest::blocking::Client {
        let ca = reqwest::Certificate::from_pem(&std::fs::read(&self.ca).unwrap()).unwrap();
        reqwest::blocking::Client::builder().add_root_certificate(ca).build().unwrap()
    }
}

/// A running `kiln serve`, killed however the test ends.
pub struct Server {
    child: Child,
    /// Its base URL, `https://127.0.0.1:PORT` when it serves TLS.
    pub url: String,
    /// Its data directory (for `kiln admin bootstrap`).
    pub data: PathBuf,
    log: PathBuf,
}

impl Server {
    /// Starts `kiln serve` on a free port in `work`, over HTTPS with `pki`'s certificate.
    pub fn start(work: &Path, pki: &Pki) -> Server {
        // Port 0 would not tell us the port: take a free one and hand it over.
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap().port();
        let (data, log) = (work.join("data"), work.join("serve.log"));
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kiln"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(&data)
            .arg("--tls-cert")
            .arg(&pki.cert)
            .arg("--tls-key")
            .arg(&pki.key)
            .env_remove("KILN_DB")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("kiln serve starts");
        let mut server = Server { child, url: format!("https://127.0.0.1:{port}"), data, log };
        server.wait_healthy(&pki.client(), Duration::from_secs(60));
        server
    }

    fn wait_healthy(&mut self, http: &reqwest::blocking::Client, timeout: Duration) {
        let started = Instant::now();
        let health = format!("{}/healthz", self.url);
        loop {
            if let Ok(response) = http.get(&health).send()
                && response.status().is_success()
            {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("kiln serve exited with {status}:\n{}", self.log());
            }
            assert!(started.elapsed() < timeout, "kiln serve not healthy after {timeout:?}:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What the server has logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The first operator's token, made on the server's database.
    pub fn bootstrap(&self, env: &Env) -> String {
        let boot = json_ok(env.kiln().args(["admin", "bootstrap", "--json", "--data-dir"]).arg(&self.data));
        boot["token"].as_str().unwrap().to_string()
    }

    /// Sends SIGTERM, as an operator stopping the service would, and waits for a clean exit.
    #[cfg(unix)]
    pub fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "kiln serve ignored SIGTERM:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "kiln serve exited with {status}:\n{}", self.log());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment every `kiln` command of a test runs in: none of the caller's registry
/// settings, and a config directory (and home) of the test's own.
pub struct Env {
    /// Where `kiln login` keeps `credentials.toml`.
    pub config: PathBuf,
    home: PathBuf,
}

impl Env {
    /// An environment whose config directory is `work/config` and home `work/home`.
    pub fn new(work: &Path) -> Env {
        let env = Env { config: work.join("config"), home: work.join("home") };
        std::fs::create_dir_all(&env.home).unwrap();
        env
    }

    /// The credentials file.
    pub fn credentials(&self) -> PathBuf {
        self.config.join("credentials.toml")
    }

    /// A `kiln` command in this environment.
    pub fn kiln(&self) -> Command {
        let mut cmd = Command::cargo_bin("kiln").unwrap();
        cmd.env("KILN_CACHE_DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/kiln-cache"))
            .env("KILN_CONFIG_DIR", &self.config)
            .env("HOME", &self.home)
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("KILN_REGISTRY")
            .env_remove("KILN_TOKEN")
            .env_remove("KILN_PROFILE")
            .env_remove("KILN_CA_CERT")
            .env_remove("KILN_DB");
        cmd
    }
}

/// Runs a command that must succeed with `--json`; its stdout as JSON.
pub fn json_ok(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "kiln failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

/// Runs a command that must fail; returns its stderr, which must be one `error: ...` line.
pub fn fails(cmd: &mut Command) -> String {
    let out: Output = cmd.output().unwrap();
    assert!(!out.status.success(), "kiln succeeded: {}", String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("error: ") && stderr.trim_end().lines().count() == 1, "{stderr}");
    stderr
}
