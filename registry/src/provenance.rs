//! A run's provenance: one sha256 over everything its output is a function of — the component,
//! the dataset versions it read (by content hash) and the columns granted, its parameters,
//! limits, seed and clock start — and the output it produced. Written to the run's record and
//! to its `run.finish` audit entry, so a verified audit chain also proves which plugin produced
//! which result from which data; a run bundle carries the same inputs, so anyone holding one
//! can recompute it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::store::runs::{RunDataset, RunRecord};

/// Names the hashed encoding below, so a future change of it cannot be mistaken for this one.
pub const FORMAT: &str = "kiln-provenance/1";

/// What a run pinned: the inputs its output depends on. Hashed, and carried by run bundles, so
/// it is its own type, apart from the run's row and wire types: changing those can never alter
/// a stored provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pinned {
    /// sha256 of the component (which fixes its contract version too).
    pub component: String,
    /// The dataset versions read, by content hash, with the columns granted.
    pub datasets: Vec<PinnedDataset>,
    /// The parameters.
    pub params: Map<String, Value>,
    /// The limits (`kiln_host::Limits`).
    pub limits: Value,
    /// The seed of the guest's random sources.
    pub seed: i64,
    /// Where its virtual clocks start, unix ms.
    pub clock_start: i64,
}

/// A dataset version a run read, as its provenance hashes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedDataset {
    /// The dataset's name.
    pub name: String,
    /// Its version.
    pub version: i64,
    /// sha256 of its Parquet blob.
    pub sha256: String,
    /// The columns granted.
    pub columns: Vec<String>,
}

impl From<&RunDataset> for PinnedDataset {
    fn from(d: &RunDataset) -> Self {
        PinnedDataset { name: d.name.clone(), version: d.version, sha256: d.sha256.clone(), columns: d.columns.clone() }
    }
}

impl Pinned {
    /// What `run` pinned.
    pub fn of(run: &RunRecord) -> Self {
        Pinned {
            component: run.sha256.clone(),
            datasets: run.datasets.iter().map(PinnedDataset::from).collect(),
            params: run.params.clone(),
            limits: run.limits.clone(),
            seed: run.seed,
            clock_start: run.clock_start,
        }
    }

    /// The provenance hash of these inputs with `output` (the output document's sha256, none
    /// for a run that produced no output): sha256 of a JSON document whose object keys are
    /// sorted, so the same inputs always hash the same whatever order they were stored in.
    pub fn hash(&self, output: Option<&str>) -> String {
        let document = serde_json::json!({
            "format": FORMAT,
            "pinned": self,
            "output_sha256": output,
        });
        hex::encode(Sha256::digest(canonical(&document).to_string()))
    }
}

/// The provenance hash of `run` with `output`.
pub fn hash(run: &RunRecord, output: Option<&str>) -> String {
    Pinned::of(run).hash(output)
}

/// The provenance hash of a run's record with the output it records: what `kiln audit verify`
/// holds each `run.finish` entry to.
pub fn recorded(run: &RunRecord) -> String {
    hash(run, run.output_sha256.as_deref())
}

/// `value` with every object's keys in sorted order.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), canonical(&map[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pinned() -> Pinned {
        Pinned {
            component: "ab".repeat(32),
            datasets: vec![PinnedDataset {
                name: "readings".into(),
                version: 2,
                sha256: "cd".repeat(32),
                columns: vec!["value".into()],
            }],
            params: serde_json::from_str(r#"{"scale": 2, "column": "value"}"#).unwrap(),
            limits: serde_json::json!({"timeout": 1000, "fuel": 5}),
            seed: 7,
            clock_start: 1_764_547_200_000,
        }
    }

    #[test]
    fn the_hash_does_not_depend_on_key_order() {
        let mut reordered = pinned();
        reordered.params = serde_json::from_str(r#"{"column": "value", "scale": 2}"#).unwrap();
        assert_eq!(pinned().hash(Some("ef")), reordered.hash(Some("ef")));
    }

    #[test]
    fn every_pinned_input_and_the_output_change_the_hash() {
        let base = pinned().hash(Some("ef"));
        assert_ne!(base, pinned().hash(Some("00")));
        assert_ne!(base, pinned().hash(None));
        let mut other = pinned();
        other.seed = 8;
        assert_ne!(base, other.hash(Some("ef")));
        let mut other = pinned();
        other.datasets[0].sha256 = "00".repeat(32);
        assert_ne!(base, other.hash(Some("ef")));
        let mut other = pinned();
        other.clock_start += 1;
        assert_ne!(base, other.hash(Some("ef")));
    }

    /// `kiln audit verify` recomputes every stored run's provenance: the encoding is pinned to
    /// values computed once (and reproduced apart from Kiln, as sha256 of Python's
    /// `json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False)`), so a
    /// renamed field or a changed order fails here, not in an operator's audit.
    #[test]
    fn the_provenance_hash_is_pinned() {
        assert_eq!(
            pinned().hash(Some(&"ef".repeat(32))),
            "30b6bf86c9c18d917396a63efe7ab95ec5ecab4bec3b99d4a45ee3f75224adc1"
        );
        assert_eq!(pinned().hash(None), "233210623743515023984d846e41f62fa93ff0db773e26c647498f52200b3e3e");
    }
}
