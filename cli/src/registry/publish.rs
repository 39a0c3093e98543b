//! `kiln plugin publish FILE --namespace NS --key KEY`: sign a component and upload it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use clap::Args;
use kiln_registry::manifest::{Manifest, sign};
use kiln_registry::routes::plugins::PublishRequest;
use kiln_registry::store::keys::SigningKey;
use kiln_registry::store::plugins::VersionRecord;

use super::client::Client;
use super::lines::version_state;
use super::{Remote, emit};
use crate::keygen::{public_path, read_secret_key};

/// Arguments of `kiln plugin publish`.
#[derive(Args)]
pub struct PublishArgs {
    /// The component (.wasm) to publish. Its describe() gives the name and version.
    file: PathBuf,
    /// The namespace to publish into; you must be a member.
    #[arg(long)]
    namespace: String,
    /// The secret key file from `kiln keygen` to sign with.
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// SPDX license expression.
    #[arg(long, default_value = "Apache-2.0")]
    license: String,
    /// Source repository URL.
    #[arg(long, value_name = "URL")]
    repository: Option<String>,
    /// A catalog category. Repeatable.
    #[arg(long = "category", value_name = "CATEGORY")]
    categories: Vec<String>,
    /// The registered key's id; by default found by matching the key's public half.
    #[arg(long, value_name = "ID")]
    key_id: Option<String>,
    /// Registry, token and output.
    #[command(flatten)]
    remote: Remote,
}

/// Validates the component locally, signs its manifest and publishes it for review.
pub fn run(args: PublishArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    // The same load the registry (and every run) does, so a bad component fails here first.
    let host = crate::plugin::local_host()?;
    let plugin =
        crate::runtime()?.block_on(host.load(&bytes)).with_context(|| format!("loading {}", args.file.display()))?;
    let manifest =
        Manifest::from_describe(&args.namespace, plugin.info(), &args.license, args.repository, args.categories);
    let key = read_secret_key(&args.key)?;
    let client = args.remote.client()?;
    let key_id = match args.key_id {
        Some(id) => id,
        None => find_key_id(&client, &hex::encode(key.verifying_key().to_bytes()), &args.key)?,
    };
    let sha256 = kiln_host::sha256_hex(&bytes);
    let path = ["v1", "plugins", manifest.namespace.as_str(), manifest.name.as_str(), "versions"];
    let body = PublishRequest {
        signature: sign(&key, &sha256, &manifest),
        manifest: manifest.clone(),
        key_id,
        component: base64::engine::general_purpose::STANDARD.encode(&bytes),
    };
    let record: VersionRecord = client.post(&path, &body)?;
    emit(args.remote.json, &record, |v| {
        println!("published {} (contract {}, {} bytes, sha256 {})", v.subject(), v.contract, v.size, v.sha256);
        println!("signed with key {}; status {}: an operator reviews it next", v.key_id, version_state(v));
    })
}

/// The id of the caller's active registered key whose public half is `public`.
fn find_key_id(client: &Client, public: &str, secret: &std::path::Path) -> anyhow::Result<String> {
    let keys: Vec<SigningKey> =
        client.get(&["v1", "keys"]).context("looking up your signing keys (or pass --key-id)")?;
    let mut matching = keys.iter().filter(|k| k.public_key.eq_ignore_ascii_case(public));
    match (matching.clone().find(|k| k.revoked_at.is_none()), matching.next()) {
        (Some(active), _) => Ok(active.id.clone()),
        (None, Some(revoked)) => {
            bail!("the key {} ({}) was revoked; make a new one with `kiln keygen`", revoked.id, secret.display())
        }
        (None, None) => bail!(
            "the key {} is not registered to you; run `kiln key add --public {}` first",
            secret.display(),
            public_path(secret).display()
        ),
    }
}
