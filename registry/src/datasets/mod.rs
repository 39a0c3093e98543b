//! Datasets as the service handles them: ingest and preview, within bounds checked before decoding.

pub mod bounds;
pub mod ingest;

#[cfg(test)]
mod bomb_tests;
