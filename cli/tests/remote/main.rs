//! The `kiln` binary against a registry somewhere else: HTTPS served by `kiln serve --tls-cert
//! --tls-key` with a certificate made here and a private CA passed with `--ca-cert`, and
//! `kiln login`/`logout` profiles kept in a credentials file under a temp dir (never the real
//! home).
#![allow(clippy::unwrap_used, reason = "test helpers fail the test on any unexpected error")]

mod https;
mod login;
#[path = "../support/mod.rs"]
mod support;
