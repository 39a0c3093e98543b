//! `kiln serve --tls-cert --tls-key` serves HTTPS; the CLI trusts a private CA only when told to.

use std::process::Command as Std;

use serde_json::json;

use crate::support::{Env, Pki, Server, fails, json_ok};

#[test]
fn the_cli_talks_https_to_kiln_serve_and_trusts_a_private_ca_only_when_told() {
    let work = tempfile::tempdir().unwrap();
    let pki = Pki::make(work.path());
    let mut server = Server::start(work.path(), Some(&pki));
    let env = Env::new(work.path());
    let op = server.bootstrap(&env);
    assert!(server.url.starts_with("https://"));

    // With --ca-cert, or KILN_CA_CERT, the CLI reaches the registry.
    let listed = json_ok(
        env.kiln()
            .args(["token", "list", "--json", "--registry", &server.url, "--token", &op, "--ca-cert"])
            .arg(&pki.ca),
    );
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let created = json_ok(
        env.kiln()
            .args(["token", "create", "--principal", "acme-maker", "--role", "maker", "--json"])
            .env("KILN_REGISTRY", &server.url)
            .env("KILN_TOKEN", &op)
            .env("KILN_CA_CERT", &pki.ca),
    );
    assert_eq!(created["record"]["principal"], "acme-maker");

    // Without it, the system's roots do not know the CA: refused, and the error says what to do.
    let refused = fails(env.kiln().args(["token", "list", "--registry", &server.url, "--token", &op]));
    assert!(refused.contains("not signed by a CA this machine trusts"), "{refused}");
    assert!(refused.contains("--ca-cert"), "{refused}");
    // A CA file that holds no certificate is named, not silently trusting nothing.
    let bogus = work.path().join("not-a-ca.pem");
    std::fs::write(&bogus, "hello\n").unwrap();
    let e =
        fails(env.kiln().args(["token", "list", "--registry", &server.url, "--token", &op, "--ca-cert"]).arg(&bogus));
    assert!(e.contains("not-a-ca.pem holds no PEM certificate"), "{e}");

    // The console's session cookie is `Secure` over HTTPS.
    let signed_in = pki.client().post(format!("{}/v1/session", server.url)).json(&json!({"token": op})).send().unwrap();
    assert_eq!(signed_in.status(), 201);
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().to_string();
    for attribute in ["kiln_session=", "Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }

    // SIGTERM still stops it cleanly over TLS.
    server.stop();
}

#[test]
fn a_bad_certificate_or_key_stops_serve_at_start_naming_the_file() {
    let work = tempfile::tempdir().unwrap();
    let pki = Pki::make(work.path());
    let other = tempfile::tempdir().unwrap();
    let other_pki = Pki::make(other.path());
    let garbage = work.path().join("garbage.pem");
    std::fs::write(&garbage, "not PEM at all\n").unwrap();
    let missing = work.path().join("missing.pem");
    let env = Env::new(work.path());
    let serve = |cert: &std::path::Path, key: &std::path::Path| {
        let mut cmd = env.kiln();
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(work.path().join("data"))
            .arg("--tls-cert")
            .arg(cert)
            .arg("--tls-key")
            .arg(key);
        cmd.timeout(std::time::Duration::from_secs(60));
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "kiln serve started with {} and {}", cert.display(), key.display());
        String::from_utf8(out.stderr).unwrap()
    };
    let e = serve(&missing, &pki.key);
    assert!(e.contains("error: cannot read") && e.contains("missing.pem"), "{e}");
    let e = serve(&garbage, &pki.key);
    assert!(e.contains("garbage.pem holds no valid PEM certificate"), "{e}");
    let e = serve(&pki.cert, &garbage);
    assert!(e.contains("garbage.pem holds no valid PEM private key"), "{e}");
    // The certificate given as the key: no key in it.
    let e = serve(&pki.cert, &pki.cert);
    assert!(e.contains("server.pem holds no valid PEM private key"), "{e}");
    // Another certificate's key.
    let e = serve(&pki.cert, &other_pki.key);
    assert!(e.contains("cannot serve the certificate in") && e.contains("server.key"), "{e}");
    // And only a pair makes sense.
    let out =
        Std::new(assert_cmd::cargo::cargo_bin("kiln")).args(["serve", "--tls-cert"]).arg(&pki.cert).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-key"));
    // Nothing was started: no database was made for a server that could not serve.
    assert!(!work.path().join("data").join("kiln.db").exists());
}
