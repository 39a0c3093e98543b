//! `kiln login` keeps profiles in an owner-only credentials file that later commands use;
//! `KILN_REGISTRY`/`KILN_TOKEN` still win; `kiln logout` revokes the token and removes it.

use serde_json::Value;

use crate::support::{Env, Pki, Server, fails, json_ok};

/// The principal `kiln admin bootstrap` names the first operator.
const OPERATOR: &str = "admin";

/// `kiln login` with the token piped on standard input, as the help recommends.
fn login(env: &Env, server: &Server, pki: &Pki, profile: &str, token: &str) -> assert_cmd::Command {
    let mut cmd = env.kiln();
    cmd.args(["login", "--json", "--profile", profile, "--registry", &server.url, "--ca-cert"])
        .arg(&pki.ca)
        .write_stdin(format!("{token}\n"));
    cmd
}

fn principals(listed: &Value) -> Vec<&str> {
    listed.as_array().unwrap().iter().map(|t| t["principal"].as_str().unwrap()).collect()
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn login_keeps_owner_only_profiles_that_commands_use_env_overrides_and_logout_revokes() {
    let work = tempfile::tempdir().unwrap();
    let pki = Pki::make(work.path());
    let server = Server::start(work.path(), Some(&pki));
    let env = Env::new(work.path());
    let op = server.bootstrap(&env);
    let maker = json_ok(
        env.kiln()
            .args(["token", "create", "--principal", "acme-maker", "--role", "maker", "--json"])
            .args(["--registry", &server.url, "--token", &op, "--ca-cert"])
            .arg(&pki.ca),
    )["token"]
        .as_str()
        .unwrap()
        .to_string();

    // A bad token is refused by the registry, and nothing is written.
    let e = fails(&mut login(&env, &server, &pki, "default", "kiln_0000"));
    assert!(e.contains("did not accept the token; nothing was saved") && e.contains("unauthenticated (401)"), "{e}");
    assert!(!env.credentials().exists(), "a refused login wrote {}", env.credentials().display());

    // The operator logs in over HTTPS (the token from stdin): an owner-only file.
    let logged = json_ok(&mut login(&env, &server, &pki, "default", &op));
    assert_eq!(logged["principal"]["role"], "operator");
    assert_eq!(logged["profile"], "default");
    let text = std::fs::read_to_string(env.credentials()).unwrap();
    assert!(text.contains("[profiles.default]") && text.contains(&op) && text.contains(&server.url), "{text}");
    #[cfg(unix)]
    assert_eq!(mode(&env.credentials()), 0o600);

    // Commands now need no registry, token or CA flags.
    let listed = json_ok(env.kiln().args(["token", "list", "--json"]));
    let mut everyone = principals(&listed);
    everyone.sort_unstable();
    assert_eq!(everyone, ["acme-maker", OPERATOR]);

    // A second profile, the maker's, sits beside it (given with --token this time).
    let mut second = env.kiln();
    second.args(["login", "--json", "--profile", "maker", "--registry", &server.url, "--token", &maker, "--ca-cert"]);
    second.arg(&pki.ca);
    assert_eq!(json_ok(&mut second)["principal"]["name"], "acme-maker");
    let text = std::fs::read_to_string(env.credentials()).unwrap();
    assert!(text.contains("[profiles.default]") && text.contains("[profiles.maker]"), "{text}");
    #[cfg(unix)]
    assert_eq!(mode(&env.credentials()), 0o600);
    // Non-operators list only their own tokens: which token was used shows in the answer.
    let as_maker = json_ok(env.kiln().args(["token", "list", "--json", "--profile", "maker"]));
    assert_eq!(principals(&as_maker), ["acme-maker"]);
    let as_maker = json_ok(env.kiln().args(["token", "list", "--json"]).env("KILN_PROFILE", "maker"));
    assert_eq!(principals(&as_maker), ["acme-maker"]);
    let e = fails(env.kiln().args(["token", "list", "--profile", "nobody"]));
    assert!(e.contains("no profile `nobody`") && e.contains("kiln login --profile nobody"), "{e}");

    // KILN_TOKEN wins over the stored token (the registry still comes from the profile)...
    let overridden = json_ok(env.kiln().args(["token", "list", "--json"]).env("KILN_TOKEN", &maker));
    assert_eq!(principals(&overridden), ["acme-maker"]);
    // ...and KILN_REGISTRY over the stored registry, which then gets no stored token.
    let e = fails(env.kiln().args(["token", "list"]).env("KILN_REGISTRY", "http://127.0.0.1:9"));
    assert!(e.contains("no API token for http://127.0.0.1:9/"), "{e}");

    // Logging out of the maker's profile revokes its token on the registry and removes it.
    let out = json_ok(env.kiln().args(["logout", "--json", "--profile", "maker"]));
    assert_eq!(out["token"], "revoked");
    let e = fails(
        env.kiln().args(["token", "list", "--registry", &server.url, "--token", &maker, "--ca-cert"]).arg(&pki.ca),
    );
    assert!(e.contains("unauthenticated (401)"), "{e}");
    let text = std::fs::read_to_string(env.credentials()).unwrap();
    assert!(!text.contains("[profiles.maker]") && !text.contains(&maker), "{text}");
    assert!(text.contains("[profiles.default]"), "{text}");
    let e = fails(env.kiln().args(["logout", "--profile", "maker"]));
    assert!(e.contains("no profile `maker`"), "{e}");
    // The default profile is untouched.
    assert_eq!(json_ok(env.kiln().args(["token", "list", "--json"])).as_array().unwrap().len(), 2);

    // A file others can read is refused, not used.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(env.credentials(), std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = fails(env.kiln().args(["token", "list"]));
        assert!(e.contains("open to others (mode 644)") && e.contains("chmod 600"), "{e}");
        std::fs::set_permissions(env.credentials(), std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    // A refused login leaves the existing file exactly as it was.
    let before = std::fs::read(env.credentials()).unwrap();
    fails(&mut login(&env, &server, &pki, "other", "kiln_0000"));
    assert_eq!(std::fs::read(env.credentials()).unwrap(), before);
}

#[test]
fn a_token_scoped_to_reading_can_still_log_itself_out() {
    let work = tempfile::tempdir().unwrap();
    let pki = Pki::make(work.path());
    let server = Server::start(work.path(), Some(&pki));
    let env = Env::new(work.path());
    let op = server.bootstrap(&env);
    let reader = json_ok(
        env.kiln()
            .args(["token", "create", "--principal", "reader", "--role", "maker", "--scope", "read", "--json"])
            .args(["--registry", &server.url, "--token", &op, "--ca-cert"])
            .arg(&pki.ca),
    );
    let (token, id) = (reader["token"].as_str().unwrap(), reader["record"]["id"].as_str().unwrap());
    json_ok(&mut login(&env, &server, &pki, "default", token));
    let out = json_ok(env.kiln().args(["logout", "--json"]));
    assert_eq!((out["token"].as_str(), out["token_id"].as_str()), (Some("revoked"), Some(id)));
    let text = std::fs::read_to_string(env.credentials()).unwrap();
    assert!(!text.contains(token), "{text}");

    // A token that died meanwhile is still removed at logout, and says so.
    let again = json_ok(&mut login(&env, &server, &pki, "default", &op));
    assert_eq!(again["principal"]["role"], "operator");
    let mut revoke = env.kiln();
    let listed = json_ok(revoke.args(["token", "list", "--json"]));
    let own = listed.as_array().unwrap().iter().find(|t| t["principal"] == OPERATOR).unwrap()["id"].as_str().unwrap();
    json_ok(env.kiln().args(["token", "revoke", own, "--json"]));
    let out = json_ok(env.kiln().args(["logout", "--json"]));
    assert_eq!(out["token"], "already-dead");
    assert!(!std::fs::read_to_string(env.credentials()).unwrap().contains(&op));
}
