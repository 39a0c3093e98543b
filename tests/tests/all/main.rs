//! Kiln's end-to-end tests: one binary, one link.

mod common;
mod good;
mod hostile;
mod invalid;
