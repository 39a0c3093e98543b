//! The registry on a real S3 protocol: moto's server on 127.0.0.1 holds components, datasets and
//! outputs, reached through the standard AWS settings and `s3://bucket/prefix`. Every read is
//! re-hashed, so an object altered in the bucket is refused, and a bucket that does not answer
//! stops the service at start and fails `/readyz`.

use std::net::SocketAddr;
use std::time::Duration;

use futures::TryStreamExt as _;
use kiln_registry::ServeConfig;
use kiln_registry::blobs::Blobs;
use kiln_registry::store::runs::RunState;
use object_store::ObjectStore as _;
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::common::{Backend, TestApp, run_on};
use crate::moto::Moto;

macro_rules! on_s3 {
    ($($name:ident => $case:path;)*) => {
        paste::paste! {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn [<$name _sqlite>]() {
                    on_s3(Backend::Sqlite, $case).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn [<$name _postgres>]() {
                    on_s3(Backend::Postgres, $case).await;
                }
            )*
        }
    };
}

on_s3! {
    published_components_datasets_and_outputs_live_in_the_bucket => round_trip;
    an_object_altered_in_the_bucket_is_refused_on_every_read => altered;
    a_bucket_that_stops_answering_fails_readiness => readiness;
}

/// A fresh moto server and bucket for each case, and an app whose blobs live under a prefix in it.
async fn on_s3<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(TestApp, S3) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let moto = tokio::task::spawn_blocking(|| {
        let moto = Moto::start();
        moto.bucket("kiln");
        moto
    })
    .await
    .unwrap();
    let blobs = Blobs::open_with("s3://kiln/region-a", settings(&moto)).unwrap();
    let app = TestApp::on_blobs(backend, Some(blobs)).await;
    run_on(app, |app| case(app, S3 { moto })).await;
}

/// The server a case runs against, and a raw client on its bucket.
struct S3 {
    moto: Moto,
}

impl S3 {
    fn bucket(&self) -> AmazonS3 {
        let mut builder = AmazonS3Builder::new().with_bucket_name("kiln");
        for (key, value) in settings(&self.moto) {
            builder = builder.with_config(key, value);
        }
        builder.build().unwrap()
    }

    /// Every object name in the bucket.
    async fn objects(&self) -> Vec<String> {
        let listed: Vec<_> = self.bucket().list(None).try_collect().await.unwrap();
        listed.into_iter().map(|meta| meta.location.to_string()).collect()
    }
}

/// moto's endpoint as the S3 settings the AWS environment variables would give.
fn settings(moto: &Moto) -> Vec<(AmazonS3ConfigKey, String)> {
    moto.env().into_iter().map(|(key, value)| (key.to_ascii_lowercase().parse().unwrap(), value)).collect()
}

fn object(sha256: &str) -> String {
    format!("region-a/sha256/{}/{sha256}", &sha256[..2])
}

async fn round_trip(app: TestApp, s3: S3) {
    let erin = &app.enterprise;
    let bytes = kiln_test_guests::bytes(kiln_test_guests::GOOD);
    let v = app.publish_approved(&app.maker, "acme", &bytes).await;
    assert!(s3.objects().await.contains(&object(&v.sha256)), "the component is in the bucket under its hash");
    let download = app.get(&format!("{}/download", crate::common::version_path(&v)), &erin.token).await;
    download.expect(200);
    assert_eq!(download.body.as_ref(), bytes.as_slice());

    let dataset = app.upload_csv(erin, "readings", &crate::quotas::readings(1000)).await.expect(201).json();
    let dataset_sha = dataset["sha256"].as_str().unwrap().to_string();
    assert!(s3.objects().await.contains(&object(&dataset_sha)), "the dataset is in the bucket");

    let enablement = app.enable(erin, "good", json!({})).await;
    let run = app.submit(erin, &enablement, "queued").await.expect(202).json()["id"].as_str().unwrap().to_string();
    let worker = app.worker("w", 30_000);
    let done = app.finished(erin, &run).await;
    worker.abort();
    assert_eq!(done.state, RunState::Succeeded, "{done:?}");
    let output = done.output_sha256.clone().unwrap();
    assert!(s3.objects().await.contains(&object(&output)), "the output is in the bucket");
    let result = app.get(&format!("/v1/tenants/t1/runs/{run}/result"), &erin.token).await.expect(200).json();
    assert!(result["metrics"].as_array().is_some_and(|m| !m.is_empty()), "{result}");

    // Large blobs go up in parts and come back whole.
    let blobs = app.state.blobs.clone();
    let big: Vec<u8> = (0..20u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let sha = hex::encode(Sha256::digest(&big));
    let file = app.dir.path().join("big");
    std::fs::write(&file, &big).unwrap();
    blobs.put_file(&sha, &file).await.unwrap();
    let back = app.dir.path().join("big.back");
    blobs.get_to_file(&sha, &back, u64::MAX).await.unwrap();
    assert!(std::fs::read(&back).unwrap() == big, "the multipart upload reads back byte for byte");
}

async fn altered(mut app: TestApp, s3: S3) {
    let erin = &app.enterprise;
    let v = app.publish_approved(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    app.upload_csv(erin, "readings", &crate::quotas::readings(10)).await.expect(201);
    let enablement = app.enable(erin, "good", json!({})).await;
    // Someone with write access to the bucket swaps the component's bytes.
    let noop = kiln_test_guests::bytes(kiln_test_guests::NOOP);
    s3.bucket().put(&object(&v.sha256).into(), noop.into()).await.unwrap();
    // A fresh process: nothing cached.
    app.restart().await;
    let erin = app.enterprise.clone();
    app.get(&format!("{}/download", crate::common::version_path(&v)), &erin.token).await.problem(500, "integrity");
    let run = app.submit(&erin, &enablement, "sync").await.expect(200).json();
    assert_eq!((run["state"].as_str(), run["error_kind"].as_str()), (Some("failed"), Some("integrity")), "{run}");
}

async fn readiness(app: TestApp, s3: S3) {
    app.get_anonymous("/readyz").await.expect(200);
    // A service pointed at a bucket that does not exist refuses to start, naming it.
    let config = ServeConfig {
        data_dir: app.dir.path().join("elsewhere"),
        db: Some(app.db_url.clone()),
        blobs: None,
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        scheduler: Default::default(),
        tls: None,
        behind_https_proxy: false,
    };
    let missing = Blobs::open_with("s3://no-such-bucket/kiln", settings(&s3.moto)).unwrap();
    let error = kiln_registry::state_on(&config, missing).await.err().expect("refused");
    assert!(format!("{error:#}").contains("s3://no-such-bucket/kiln is unreachable"), "{error:#}");
    // The bucket's server goes away under a running service.
    drop(s3);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let resp = app.get_anonymous("/readyz").await;
    resp.problem(503, "not-ready");
    assert!(resp.json()["detail"].as_str().unwrap().contains("s3://kiln/region-a"), "{}", resp.text());
}
