//! The example plugins: which ones the demo publishes, building them (with a patch release and
//! the TypeScript port), and publishing them as a maker, signed, for the operator to approve.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use kiln_registry::auth::Role;
use kiln_registry::manifest::{Manifest, sign};
use kiln_registry::routes::keys::AddKey;
use kiln_registry::routes::namespaces::CreateNamespace;
use kiln_registry::routes::plugins::PublishRequest;
use kiln_registry::store::keys::SigningKey as RegisteredKey;
use kiln_registry::store::namespaces::Namespace;
use kiln_registry::store::plugins::VersionRecord;

use super::{create_token, spinner};
use crate::registry::client::Client;

/// The namespace the example plugins are published in.
const NAMESPACE: &str = "xian-demo";
/// The example plugins and their headline table.
const EXAMPLES: &[(&str, &str)] =
    &[("energy-intensity", "worst"), ("oee", "by_enterprise"), ("anomaly", "anomalies"), ("output-growth", "growth")];
/// The TypeScript example (under `example-plugins/typescript`) and its headline table: a port of
/// the Rust one of the same name, published in [`TYPESCRIPT_NAMESPACE`] because it shares the
/// name.
const TYPESCRIPT_EXAMPLE: (&str, &str) = ("output-growth", "growth");
/// The namespace the TypeScript example is published in.
const TYPESCRIPT_NAMESPACE: &str = "xian-demo-ts";

/// The maker who publishes the examples.
pub(super) const MAKER: &str = "demo-maker";

/// The example published a second time, as a patch release left for the operator to review.
const PATCH_EXAMPLE: &str = "output-growth";
/// Its patch release's version.
const PATCH_VERSION: &str = "0.1.1";

/// An example plugin as published.
pub(super) struct Example {
    pub(super) namespace: &'static str,
    pub(super) name: &'static str,
    pub(super) headline: &'static str,
    pub(super) version: String,
}

/// Builds [`PATCH_EXAMPLE`] reporting [`PATCH_VERSION`] (its `KILN_EXAMPLE_VERSION`) and returns
/// the component's bytes. Only that crate is rebuilt, twice per demo: here and in the plain build.
pub(super) fn build_patch_release(examples: &Path) -> anyhow::Result<Vec<u8>> {
    let built = crate::plugin::build::cargo_build_with(
        examples,
        Some(PATCH_EXAMPLE),
        &[("KILN_EXAMPLE_VERSION", PATCH_VERSION)],
    )?;
    let file = PATCH_EXAMPLE.replace('-', "_") + ".wasm";
    let (_, wasm) = built
        .iter()
        .find(|(_, path)| path.file_name().is_some_and(|f| f == file.as_str()))
        .with_context(|| format!("the {PATCH_EXAMPLE} patch release was not built"))?;
    std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))
}

/// Builds the TypeScript example with the pinned jco and returns the component, or says why it
/// is left out: it needs Node.js 20 or newer (and npm, the first time) at run time, which the
/// rest of the demo does not (the console was built into `kiln` already).
pub(super) fn build_typescript_example(examples: &Path) -> Option<Vec<u8>> {
    let dir = examples.with_file_name("typescript").join(TYPESCRIPT_EXAMPLE.0);
    let bar = spinner("building the TypeScript example with jco");
    let built = crate::plugin::typescript::Project::open(&dir).and_then(|project| {
        let wasm = project.build(&crate::plugin::tools_dir()?)?;
        std::fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))
    });
    bar.finish_and_clear();
    built.map_err(|e| eprintln!("note: the TypeScript example is left out: {e:#}")).ok()
}

/// Publishes each built example plugin as a maker, signed, and approves it as the operator (the
/// TypeScript one too, when it was built); then publishes `patch` (a newer version of one of
/// them) and leaves it pending, so the operator's review desk has work. Returns the examples and
/// the pending `ns/name@version`.
pub(super) fn publish_examples(
    runtime: &tokio::runtime::Runtime,
    host: &kiln_host::Host,
    operator: &Client,
    built: &[(PathBuf, PathBuf)],
    patch: &[u8],
    typescript: Option<&[u8]>,
) -> anyhow::Result<(Vec<Example>, String)> {
    let bar = spinner("publishing and approving the example plugins");
    let maker = operator.with_token(&create_token(operator, MAKER, Role::Maker, None)?);
    for namespace in [NAMESPACE].into_iter().chain(typescript.map(|_| TYPESCRIPT_NAMESPACE)) {
        let _: Namespace = maker
            .post(&["v1", "namespaces"], &CreateNamespace { name: namespace.into(), owner: None })
            .with_context(|| format!("creating the namespace {namespace}"))?;
    }
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let public_key = hex::encode(key.verifying_key().to_bytes());
    let registered: RegisteredKey = maker
        .post(&["v1", "keys"], &AddKey { public_key, name: "demo".into() })
        .context("registering the maker's signing key")?;
    // Publishes one component as the maker; returns its version.
    let publish = |namespace: &str, name: &str, bytes: &[u8], what: &str| -> anyhow::Result<String> {
        // The service's own host: what it compiles here is cached for the publish and the runs.
        let plugin = runtime.block_on(host.load(bytes)).with_context(|| format!("loading {what}"))?;
        let manifest = Manifest::from_describe(namespace, plugin.info(), "Apache-2.0", None, vec![]);
        let sha256 = kiln_host::sha256_hex(bytes);
        let version = manifest.version.clone();
        let body = PublishRequest {
            signature: sign(&key, &sha256, &manifest),
            manifest,
            key_id: registered.id.clone(),
            component: base64::engine::general_purpose::STANDARD.encode(bytes),
        };
        let _: VersionRecord = maker
            .post(&["v1", "plugins", namespace, name, "versions"], &body)
            .with_context(|| format!("publishing {namespace}/{name}@{version}"))?;
        Ok(version)
    };
    // Publishes and approves one component; returns it as an example.
    let release = |namespace: &'static str, name: &'static str, headline, bytes: &[u8], what: &str| {
        let version = publish(namespace, name, bytes, what)?;
        let _: VersionRecord = operator
            .post_empty(&["v1", "plugins", namespace, name, "versions", &version, "approve"])
            .with_context(|| format!("approving {namespace}/{name}@{version}"))?;
        anyhow::Ok(Example { namespace, name, headline, version })
    };
    let mut plugins = Vec::new();
    for (name, headline) in EXAMPLES {
        let file = name.replace('-', "_") + ".wasm";
        let (_, wasm) = built
            .iter()
            .find(|(_, path)| path.file_name().is_some_and(|f| f == file.as_str()))
            .with_context(|| format!("{name} was not built"))?;
        let bytes = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
        plugins.push(release(NAMESPACE, name, headline, &bytes, &wasm.display().to_string())?);
    }
    if let Some(bytes) = typescript {
        let (name, headline) = TYPESCRIPT_EXAMPLE;
        plugins.push(release(TYPESCRIPT_NAMESPACE, name, headline, bytes, "the TypeScript example")?);
    }
    let version = publish(NAMESPACE, PATCH_EXAMPLE, patch, &format!("the {PATCH_EXAMPLE} patch release"))?;
    let pending = format!("{NAMESPACE}/{PATCH_EXAMPLE}@{version}");
    bar.finish_and_clear();
    Ok((plugins, pending))
}
