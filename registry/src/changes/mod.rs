//! What changed between two versions of a plugin, for the review desk: parameters, datasets
//! and their columns, outputs and their declared schemas, imports, contract and size, read from
//! what each version's `describe()` returned at publish and what was recorded of its component.
//!
//! Pure: no IO. [`base`] picks the version to compare with; [`changes`] compares.

mod outputs;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::plugins::{Status, VersionRecord};

pub use outputs::{ColumnChange, ColumnType, OutputSchemaDelta, Shape, declared_shape};

/// Names added, removed and changed between two lists of named items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delta {
    /// In the new version only.
    pub added: Vec<String>,
    /// In the base version only.
    pub removed: Vec<String>,
    /// In both, with different declarations.
    pub changed: Vec<Changed>,
}

/// An item in both versions whose declaration differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Changed {
    /// The parameter, dataset or output.
    pub name: String,
    /// Which of its fields differ: `type`, `default`, `doc`, `columns`, `kind` (an output's
    /// declared shape; [`Changes::output_schemas`] tells how).
    pub fields: Vec<String>,
}

/// Columns added to or removed from a dataset both versions read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ColumnDelta {
    /// The dataset.
    pub dataset: String,
    /// Columns the new version reads and the base did not.
    pub added: Vec<String>,
    /// Columns the base read and the new version does not.
    pub removed: Vec<String>,
}

/// Names added and removed between two sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SetDelta {
    /// In the new version only.
    pub added: Vec<String>,
    /// In the base version only.
    pub removed: Vec<String>,
}

/// The component's size, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SizeDelta {
    /// The base version's size in bytes; null without a base.
    pub before: Option<i64>,
    /// This version's size in bytes.
    pub after: i64,
    /// `after - before`; null without a base.
    pub delta: Option<i64>,
}

/// The contract version, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContractDelta {
    /// The base version's contract; null without a base.
    pub before: Option<String>,
    /// This version's contract.
    pub after: String,
}

/// What changed in a version since its base. Without a base (a plugin's first version),
/// everything it declares is `added`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Changes {
    /// The version compared with: the highest approved version below this one, else the
    /// highest below it in any status; null for a plugin's first version.
    pub base: Option<String>,
    /// The base's review status.
    pub base_status: Option<Status>,
    /// Whether the description differs.
    pub description_changed: bool,
    /// Parameters (changed fields: `type`, `default`, `doc`).
    pub params: Delta,
    /// Datasets read (changed fields: `columns`, `doc`).
    pub datasets: Delta,
    /// Column changes of the datasets in both versions.
    pub columns: Vec<ColumnDelta>,
    /// Outputs (changed fields: `doc`, `kind`).
    pub outputs: Delta,
    /// How the declared schema of each output in both versions changed (columns added,
    /// removed or retyped; a table that became a metric; a schema declared where a 0.1.0 base
    /// declared none). Outputs whose schema is the same are left out.
    pub output_schemas: Vec<OutputSchemaDelta>,
    /// Imports of the component; null when either version's imports were not recorded
    /// (versions published before imports were).
    pub imports: Option<SetDelta>,
    /// The plugin contract the component was built against.
    pub contract: ContractDelta,
    /// Size of the component.
    pub size: SizeDelta,
    /// Whether the signing key differs from the base's.
    pub key_changed: bool,
}

/// The version `v` is compared with, among `versions` (the plugin's, as the caller may see
/// them): the highest approved version below it, else the highest below it in any status.
pub fn base<'a>(v: &VersionRecord, versions: &'a [VersionRecord]) -> Option<&'a VersionRecord> {
    let own = semver::Version::parse(&v.version).ok()?;
    let below: Vec<(semver::Version, &VersionRecord)> = versions
        .iter()
        .filter(|o| o.namespace == v.namespace && o.name == v.name)
        .filter_map(|o| semver::Version::parse(&o.version).ok().map(|s| (s, o)))
        .filter(|(s, _)| *s < own)
        .collect();
    let highest = |approved_only: bool| {
        below
            .iter()
            .filter(|(_, o)| !approved_only || o.status == Status::Approved)
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, o)| *o)
    };
    highest(true).or_else(|| highest(false))
}

/// The items of a describe() list (`params`, `datasets`, `outputs`) by name.
fn items<'a>(describe: &'a Value, list: &str) -> BTreeMap<String, &'a Value> {
    let mut out = BTreeMap::new();
    for item in describe[list].as_array().into_iter().flatten() {
        if let Some(name) = item["name"].as_str() {
            out.insert(name.to_string(), item);
        }
    }
    out
}

/// A field's name as people read it: generated bindings spell `type` as `type_`.
fn field_name(key: &str) -> String {
    key.trim_end_matches('_').to_string()
}

/// A field of a describe() item, a null one read as absent: fields added to the contract
/// later are missing from versions stored before them and null in those stored after.
fn field<'a>(item: &'a Value, key: &str) -> Option<&'a Value> {
    item.get(key).filter(|v| !v.is_null())
}

fn delta(new: &Value, old: Option<&Value>, list: &str) -> Delta {
    let after = items(new, list);
    let before = old.map(|o| items(o, list)).unwrap_or_default();
    let mut d = Delta::default();
    for (name, item) in &after {
        let Some(was) = before.get(name) else {
            d.added.push(name.clone());
            continue;
        };
        let keys: std::collections::BTreeSet<&String> = item
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys())
            .chain(was.as_object().into_iter().flat_map(|o| o.keys()))
            .collect();
        let fields: Vec<String> = keys
            .into_iter()
            .filter(|k| *k != "name" && field(item, k) != field(was, k))
            .map(|k| field_name(k))
            .collect();
        if !fields.is_empty() {
            d.changed.push(Changed { name: name.clone(), fields });
        }
    }
    d.removed = before.keys().filter(|name| !after.contains_key(*name)).cloned().collect();
    d
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from).collect()
}

fn set_delta(new: &[String], old: &[String]) -> SetDelta {
    SetDelta {
        added: new.iter().filter(|n| !old.contains(n)).cloned().collect(),
        removed: old.iter().filter(|o| !new.contains(o)).cloned().collect(),
    }
}

/// What changed in `v` since `base` (None: `v` is the first version).
pub fn changes(v: &VersionRecord, base: Option<&VersionRecord>) -> Changes {
    let old = base.map(|b| &b.describe);
    let datasets = delta(&v.describe, old, "datasets");
    let mut columns = Vec::new();
    if let Some(old) = old {
        let before = items(old, "datasets");
        for (name, item) in items(&v.describe, "datasets") {
            if let Some(was) = before.get(&name) {
                let d = set_delta(&strings(&item["columns"]), &strings(&was["columns"]));
                if !d.added.is_empty() || !d.removed.is_empty() {
                    columns.push(ColumnDelta { dataset: name, added: d.added, removed: d.removed });
                }
            }
        }
    }
    let imports = match (&v.imports, base.map(|b| &b.imports)) {
        (Some(new), Some(Some(old))) => Some(set_delta(new, old)),
        (Some(new), None) => Some(set_delta(new, &[])),
        _ => None,
    };
    Changes {
        base: base.map(|b| b.version.clone()),
        base_status: base.map(|b| b.status),
        description_changed: old.is_some_and(|o| o["description"] != v.describe["description"]),
        params: delta(&v.describe, old, "params"),
        datasets,
        columns,
        outputs: delta(&v.describe, old, "outputs"),
        output_schemas: old
            .map(|o| outputs::schema_changes(&items(&v.describe, "outputs"), &items(o, "outputs")))
            .unwrap_or_default(),
        imports,
        contract: ContractDelta { before: base.map(|b| b.contract.clone()), after: v.contract.clone() },
        size: SizeDelta { before: base.map(|b| b.size), after: v.size, delta: base.map(|b| v.size - b.size) },
        key_changed: base.is_some_and(|b| b.key_id != v.key_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn version(version: &str, status: Status, describe: Value, imports: Option<&[&str]>, size: i64) -> VersionRecord {
        VersionRecord {
            namespace: "acme".into(),
            name: "oee".into(),
            version: version.into(),
            sha256: "00".into(),
            size,
            manifest: json!({}),
            describe,
            imports: imports.map(|i| i.iter().map(|s| s.to_string()).collect()),
            contract: "0.1.0".into(),
            language: "rust".into(),
            signature: String::new(),
            key_id: "k1".into(),
            status,
            status_reason: None,
            yanked: false,
            taken_down: false,
            takedown_reason: None,
            published_by: "maria".into(),
            published_at: 0,
            reviewed_by: None,
            reviewed_at: None,
        }
    }

    fn describe(params: Value, datasets: Value, outputs: Value) -> Value {
        json!({"name": "oee", "version": "x", "description": "d", "params": params, "datasets": datasets, "outputs": outputs})
    }

    #[test]
    fn params_datasets_columns_outputs_imports_and_size_are_compared() {
        let old = version(
            "0.1.0",
            Status::Approved,
            describe(
                json!([{"name": "k", "type_": "f64", "default": null, "doc": "a"}, {"name": "gone", "type_": "s64", "default": null, "doc": ""}]),
                json!([{"name": "readings", "columns": ["a", "b"], "doc": ""}, {"name": "old", "columns": [], "doc": ""}]),
                json!([{"name": "t", "doc": "x"}]),
            ),
            Some(&["kiln:plugin/data@0.1.0", "wasi:io/streams@0.2.0"]),
            100,
        );
        let new = version(
            "0.1.1",
            Status::Pending,
            describe(
                json!([{"name": "k", "type_": "s64", "default": {"s64": 3}, "doc": "a"}, {"name": "fresh", "type_": "bool", "default": null, "doc": ""}]),
                json!([{"name": "readings", "columns": ["a", "c"], "doc": ""}, {"name": "new", "columns": ["z"], "doc": ""}]),
                json!([{"name": "t", "doc": "y"}, {"name": "m", "doc": ""}]),
            ),
            Some(&["kiln:plugin/data@0.1.0", "wasi:clocks/wall-clock@0.2.0"]),
            160,
        );
        let c = changes(&new, Some(&old));
        assert_eq!((c.base.as_deref(), c.base_status), (Some("0.1.0"), Some(Status::Approved)));
        assert_eq!(c.params.added, ["fresh"]);
        assert_eq!(c.params.removed, ["gone"]);
        assert_eq!(c.params.changed, [Changed { name: "k".into(), fields: vec!["default".into(), "type".into()] }]);
        assert_eq!(
            (c.datasets.added.as_slice(), c.datasets.removed.as_slice()),
            (&["new".to_string()][..], &["old".to_string()][..])
        );
        assert_eq!(c.datasets.changed[0].fields, ["columns"]);
        assert_eq!(
            c.columns,
            [ColumnDelta { dataset: "readings".into(), added: vec!["c".into()], removed: vec!["b".into()] }]
        );
        assert_eq!(
            (c.outputs.added.as_slice(), c.outputs.changed[0].fields.as_slice()),
            (&["m".to_string()][..], &["doc".to_string()][..])
        );
        let imports = c.imports.unwrap();
        assert_eq!(
            (imports.added, imports.removed),
            (vec!["wasi:clocks/wall-clock@0.2.0".to_string()], vec!["wasi:io/streams@0.2.0".to_string()])
        );
        assert_eq!(c.size, SizeDelta { before: Some(100), after: 160, delta: Some(60) });
        assert!(!c.description_changed && !c.key_changed);
    }

    #[test]
    fn a_first_version_adds_everything_and_unrecorded_imports_are_unknown() {
        let d = describe(json!([{"name": "k"}]), json!([{"name": "r", "columns": ["a"]}]), json!([]));
        let first = version("0.1.0", Status::Pending, d.clone(), Some(&["kiln:plugin/data@0.1.0"]), 10);
        let c = changes(&first, None);
        assert_eq!((c.base, c.params.added, c.datasets.added), (None, vec!["k".to_string()], vec!["r".to_string()]));
        assert_eq!(c.imports.unwrap().added, ["kiln:plugin/data@0.1.0"]);
        assert_eq!(c.size.delta, None);
        let legacy = version("0.0.9", Status::Approved, d, None, 10);
        assert_eq!(changes(&first, Some(&legacy)).imports, None, "the base's imports were never recorded");
    }

    #[test]
    fn a_move_to_contract_0_2_0_reports_the_contract_and_each_newly_declared_schema() {
        // As stored before contracts had schemas: no `kind` at all.
        let old = describe(json!([]), json!([]), json!([{"name": "t", "doc": "x"}, {"name": "m", "doc": ""}]));
        let old = version("0.1.0", Status::Approved, old, None, 10);
        let columns = json!([{"name": "id", "type_": "String", "nullable": false, "doc": ""}]);
        let outputs =
            json!([{"name": "t", "doc": "x", "kind": {"Table": columns}}, {"name": "m", "doc": "", "kind": "Metric"}]);
        let mut new = version("0.2.0", Status::Pending, describe(json!([]), json!([]), outputs), None, 10);
        new.contract = "0.2.0".into();
        let c = changes(&new, Some(&old));
        assert_eq!(c.contract, ContractDelta { before: Some("0.1.0".into()), after: "0.2.0".into() });
        assert_eq!(
            c.outputs.changed.iter().map(|x| (x.name.as_str(), x.fields.clone())).collect::<Vec<_>>(),
            [("m", vec!["kind".to_string()]), ("t", vec!["kind".to_string()])]
        );
        let shapes: Vec<_> = c.output_schemas.iter().map(|d| (d.output.as_str(), d.before, d.after)).collect();
        assert_eq!(shapes, [("m", Shape::Undeclared, Shape::Metric), ("t", Shape::Undeclared, Shape::Table)]);
        assert_eq!(c.output_schemas[1].added, ["id"]);
    }

    #[test]
    fn an_output_stored_with_a_null_kind_equals_one_stored_without() {
        let without = describe(json!([]), json!([]), json!([{"name": "t", "doc": ""}]));
        let with_null = describe(json!([]), json!([]), json!([{"name": "t", "doc": "", "kind": null}]));
        let c = changes(
            &version("0.1.1", Status::Pending, with_null, None, 1),
            Some(&version("0.1.0", Status::Approved, without, None, 1)),
        );
        assert_eq!((c.outputs, c.output_schemas), (Delta::default(), vec![]));
        assert_eq!(c.contract.before.as_deref(), Some("0.1.0"));
    }

    #[test]
    fn the_base_is_the_highest_approved_version_below_else_the_highest_below() {
        let v = |s: &str, st| version(s, st, describe(json!([]), json!([]), json!([])), None, 1);
        let all = [
            v("0.1.0", Status::Approved),
            v("0.1.1", Status::Rejected),
            v("0.2.0", Status::Pending),
            v("0.10.0", Status::Approved),
        ];
        assert_eq!(base(&all[2], &all).map(|b| b.version.as_str()), Some("0.1.0"));
        assert_eq!(base(&all[3], &all).map(|b| b.version.as_str()), Some("0.1.0"), "semver order, not text order");
        assert_eq!(base(&all[0], &all), None);
        let unreviewed = [v("0.1.0", Status::Rejected), v("0.1.1", Status::Pending)];
        assert_eq!(base(&unreviewed[1], &unreviewed).map(|b| b.version.as_str()), Some("0.1.0"));
    }
}
