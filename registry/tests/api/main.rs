//! HTTP-level tests of the registry: each case runs in-process through the router on a fresh
//! SQLite database and on a fresh PostgreSQL database (which must be running at 127.0.0.1:5432).
#![allow(clippy::unwrap_used, reason = "test helpers fail the test on any unexpected error")]

mod common;
#[path = "../support/moto.rs"]
mod moto;

mod artifacts;
mod audit;
mod authz;
mod concurrent;
mod console;
mod contracts;
mod corrupt;
mod crash;
mod edge;
mod health;
mod hostile;
mod lifecycle;
mod namespaces;
mod openapi;
mod operator;
mod platform;
mod principals;
mod publish;
mod quotas;
mod recovery;
mod replay;
mod s3;
mod schedules;
mod session;
mod stopping;
mod types;
mod uploads;
