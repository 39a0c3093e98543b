//! Datasets as the service handles them: ingest and preview.

pub mod ingest;
