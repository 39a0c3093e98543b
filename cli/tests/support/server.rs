//! A running `kiln serve` on a free port, over HTTP or HTTPS, stopped as an operator would.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Env, Pki, Process, free_port, json_ok};

/// A running `kiln serve`, killed however the test ends.
pub struct Server {
    process: Process,
    /// Its base URL, `https://127.0.0.1:PORT` when it serves TLS.
    pub url: String,
    /// Its data directory (for `kiln admin bootstrap` and `kiln audit verify`).
    pub data: PathBuf,
}

impl Server {
    /// Starts `kiln serve` on a free port with its data in `work/data` and its log in
    /// `work/serve.log`; over HTTPS with `tls`'s certificate when given. Returns once healthy.
    pub fn start(work: &Path, tls: Option<&Pki>) -> Server {
        let port = free_port();
        let data = work.join("data");
        let listen = format!("127.0.0.1:{port}");
        let mut args = vec!["serve", "--listen", &listen, "--data-dir"];
        let data_arg = data.to_str().expect("a UTF-8 temp path");
        args.push(data_arg);
        let files = tls
            .map(|pki| (pki.cert.to_str().expect("a UTF-8 temp path"), pki.key.to_str().expect("a UTF-8 temp path")));
        if let Some((cert, key)) = files {
            args.extend(["--tls-cert", cert, "--tls-key", key]);
        }
        let mut process = Process::start(&args, &[], work.join("serve.log"));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://127.0.0.1:{port}");
        let http = tls.map_or_else(reqwest::blocking::Client::new, Pki::client);
        process.wait_healthy_with(&http, &format!("{url}/healthz"), Duration::from_secs(60));
        Server { process, url, data }
    }

    /// What the server has logged.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// The first operator's token, made on the server's database.
    pub fn bootstrap(&self, env: &Env) -> String {
        let boot = json_ok(env.kiln().args(["admin", "bootstrap", "--json", "--data-dir"]).arg(&self.data));
        boot["token"].as_str().expect("a token").to_string()
    }

    /// Sends SIGTERM, as an operator stopping the service would, and checks it exits cleanly.
    pub fn stop(&mut self) {
        self.process.signal("TERM");
        let status = self.process.wait(Duration::from_secs(30));
        assert!(status.success(), "kiln serve exited with {status}:\n{}", self.log());
    }
}
