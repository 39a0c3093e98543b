//! Compiled artifacts: made once at publish and kept in the blob store, so a process that never
//! saw a plugin loads it without compiling; deserializing is running native code, so an
//! artifact whose bytes are not the recorded ones is refused and made again from the component.

use bytes::Bytes;
use kiln_registry::artifacts::{self, Origin};

use crate::common::TestApp;

crate::both! {
    a_published_plugin_loads_from_its_artifact_and_an_altered_artifact_is_made_again => altered;
}

async fn altered(app: TestApp) {
    let component = kiln_test_guests::bytes(kiln_test_guests::GOOD);
    let version = app.publish_approved(&app.maker, "acme", &component).await;
    let (artifact, size): (String, i64) =
        sqlx::query_as("SELECT artifact_sha256, size FROM artifacts WHERE component_sha256 = $1")
            .bind(&version.sha256)
            .fetch_one(&app.db)
            .await
            .expect("publishing recorded the artifact");
    let s = &app.state;
    let load = || artifacts::load(&s.store, &s.blobs, &s.host, &component, &version.sha256);
    let (plugin, origin) = load().await.expect("loads");
    assert_eq!((origin, plugin.info().name.as_str()), (Origin::Stored, "good"), "compiled although stored");

    // Someone with write access to the blob store swaps the native code under the same name.
    let mut tampered = s.blobs.get(&artifact, size as u64).await.unwrap().to_vec();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0xff;
    s.blobs.replace(&artifact, Bytes::from(tampered)).await.unwrap();
    let (plugin, origin) = load().await.expect("loads from the component");
    assert_eq!((origin, plugin.info().name.as_str()), (Origin::Compiled, "good"), "altered code was deserialized");

    // Made again: the stored bytes are the recorded ones, and the next load uses them.
    let (now, _): (String, i64) =
        sqlx::query_as("SELECT artifact_sha256, size FROM artifacts WHERE component_sha256 = $1")
            .bind(&version.sha256)
            .fetch_one(&app.db)
            .await
            .unwrap();
    s.blobs.get(&now, u64::MAX).await.expect("the artifact hashes to its record");
    assert_eq!(load().await.expect("loads").1, Origin::Stored);
}
