//! Paths of the guest components built by this crate's build script, for tests and benches.
//!
//! The guests are real Rust sources in `guests/`; nothing binary is checked in.

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

/// Reads a built guest component.
pub fn bytes(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading guest {path}: {e}"))
}
