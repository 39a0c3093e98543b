//! Crash safety: a blob without its row, and a row whose blob went missing or bad.

use bytes::Bytes;
use kiln_registry::store::plugins::VersionRecord;

use crate::common::{TestApp, version_path};

crate::both! {
    a_blob_written_before_a_crash_leaves_no_version_and_publishing_again_succeeds => blob_without_row;
    a_download_whose_blob_was_lost_or_corrupted_is_an_integrity_problem => lost_blob;
}

async fn blob_without_row(mut app: TestApp) {
    let bytes = kiln_test_guests::bytes(kiln_test_guests::GOOD);
    let sha = kiln_host::sha256_hex(&bytes);
    let audit_before = app.audit_rows().await;
    // The publish got as far as the blob write, then the process died.
    app.state.blobs.put(&sha, Bytes::from(bytes.clone())).await.unwrap();
    app.restart().await;

    let path = "/v1/plugins/acme/good/versions/0.1.0";
    app.get(path, &app.operator.token).await.problem(404, "not-found");
    app.get(&format!("{path}/download"), &app.operator.token).await.problem(404, "not-found");
    app.get("/v1/plugins/acme/good/versions", &app.maker.token).await.problem(404, "not-found");
    assert_eq!(app.version_rows().await, 0);
    assert_eq!(app.audit_rows().await, audit_before);

    let v = app.publish(&app.maker, "acme", &bytes).await;
    assert_eq!(v.sha256, sha);
    let listed = app.get("/v1/plugins/acme/good/versions", &app.maker.token).await.expect(200).json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let download = app.get(&format!("{}/download", version_path(&v)), &app.maker.token).await;
    assert_eq!(download.expect(200).body.as_ref(), bytes.as_slice());
}

async fn lost_blob(app: TestApp) {
    let good = kiln_test_guests::bytes(kiln_test_guests::GOOD);
    let noop = kiln_test_guests::bytes(kiln_test_guests::NOOP);
    let corrupted = app.publish_approved(&app.maker, "acme", &good).await;
    let deleted = app.publish_approved(&app.maker, "acme", &noop).await;
    let blob = |v: &VersionRecord| app.dir.path().join("blobs/sha256").join(&v.sha256[..2]).join(&v.sha256);
    let erin = &app.enterprise.token;
    app.get(&format!("{}/download", version_path(&corrupted)), erin).await.expect(200);

    // Same length, one byte different; and a file that is gone.
    let mut bad = good.clone();
    bad[100] ^= 0xff;
    std::fs::write(blob(&corrupted), &bad).unwrap();
    std::fs::remove_file(blob(&deleted)).unwrap();
    for v in [&corrupted, &deleted] {
        // A problem document, never the wrong bytes.
        app.get(&format!("{}/download", version_path(v)), erin).await.problem(500, "integrity");
    }
    // A truncated file is caught too.
    std::fs::write(blob(&corrupted), &good[..good.len() / 2]).unwrap();
    app.get(&format!("{}/download", version_path(&corrupted)), erin).await.problem(500, "integrity");
    // Restoring the bytes restores the download.
    std::fs::write(blob(&corrupted), &good).unwrap();
    let resp = app.get(&format!("{}/download", version_path(&corrupted)), erin).await;
    assert_eq!(resp.expect(200).body.as_ref(), good.as_slice());
}
