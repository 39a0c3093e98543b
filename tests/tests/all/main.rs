//! Kiln's end-to-end tests: one binary, one link.
#![allow(clippy::unwrap_used, reason = "test helpers fail the test on any error")]

mod amplify;
mod common;
mod contracts;
mod deadlines;
mod determinism;
mod examples;
mod good;
mod hostile;
mod invalid;
mod javascript;
mod python;
