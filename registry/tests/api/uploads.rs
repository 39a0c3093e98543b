//! Hostile and foreign-written uploads over HTTP: caps checked before decoding are refused with a
//! problem naming the cap, and Parquet as pandas and Polars write it (zstd) is accepted.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch};
use axum::body::Body;
use axum::http::{Method, Request, header};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::common::TestApp;

crate::both! {
    uploads_beyond_the_ingest_caps_are_refused_naming_the_cap => caps;
    zstd_parquet_is_accepted => zstd_parquet;
}

async fn caps(mut app: TestApp) {
    let erin = &app.enterprise.clone();
    let header: Vec<String> = (0..5_000).map(|i| format!("c{i}")).collect();
    let wide = format!("{}\n{}\n", header.join(","), vec!["1"; 5_000].join(","));
    let refused = app.upload_csv(erin, "wide", &wide).await.problem(422, "invalid-data").json();
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("at most 1024 are allowed"), "{detail}");

    // A cap on decoded bytes is a size refusal, like the cap on upload bytes.
    app.state.limits.ingest.max_decoded_bytes = 10_000;
    app.router = kiln_registry::routes::router(app.state.clone());
    let rows: String = std::iter::once("v\n".to_string()).chain((0..5_000).map(|i| format!("{i}\n"))).collect();
    let refused = app.upload_csv(erin, "numbers", &rows).await.problem(413, "too-large").json();
    assert!(refused["detail"].as_str().unwrap().contains("more than 10000 bytes"), "{refused}");
    assert_eq!(app.count("SELECT COUNT(*) FROM datasets").await, 0);
}

async fn zstd_parquet(app: TestApp) {
    let batch =
        RecordBatch::try_from_iter([("kwh", Arc::new(Float64Array::from(vec![1.5, 2.5])) as ArrayRef)]).unwrap();
    let props = WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::default())).build();
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let erin = &app.enterprise;
    let req = Request::builder()
        .method(Method::POST)
        .uri("/v1/tenants/t1/datasets/readings")
        .header(header::AUTHORIZATION, format!("Bearer {}", erin.token))
        .header(header::CONTENT_TYPE, "application/vnd.apache.parquet")
        .body(Body::from(bytes))
        .unwrap();
    let version = app.send(req).await.expect(201).json();
    assert_eq!(version["rows"], 2);
    let preview = app.get("/v1/tenants/t1/datasets/readings/preview", &erin.token).await.expect(200).json();
    assert_eq!(preview["rows"], serde_json::json!([{"kwh": 1.5}, {"kwh": 2.5}]));
}
