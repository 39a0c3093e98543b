//! `kiln plugin inspect FILE`: what a component is and says about itself.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use kiln_host::{Plugin, Value, ValueType};
use kiln_registry::changes::{Shape, declared_shape};
use serde_json::json;

/// Arguments of `kiln plugin inspect`.
#[derive(Args)]
pub struct InspectArgs {
    /// The component (.wasm) to inspect.
    file: PathBuf,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Loads the component (validating it as the host does) and describes it.
pub fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let host = super::local_host()?;
    let plugin = crate::runtime()?.block_on(super::load_file(&host, &args.file))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&inspect_json(&plugin))?);
    } else {
        print_text(&plugin);
    }
    Ok(ExitCode::SUCCESS)
}

/// The JSON document `inspect --json` prints.
pub fn inspect_json(plugin: &Plugin) -> serde_json::Value {
    json!({
        "wit_version": plugin.wit_version(),
        "language": plugin.language(),
        "shape": plugin.shape(),
        "slots": plugin.slots(),
        "sha256": plugin.sha256(),
        "size": plugin.size(),
        "imports": plugin.interfaces().imports,
        "exports": plugin.interfaces().exports,
        "describe": plugin.info(),
    })
}

fn type_name(ty: ValueType) -> &'static str {
    match ty {
        ValueType::F64 => "f64",
        ValueType::S64 => "s64",
        ValueType::String => "string",
        ValueType::Bool => "bool",
        ValueType::Timestamp => "timestamp",
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::F64(v) => v.to_string(),
        Value::S64(v) | Value::Timestamp(v) => v.to_string(),
        Value::String(v) => format!("{v:?}"),
        Value::Bool(v) => v.to_string(),
    }
}

fn print_text(plugin: &Plugin) {
    let info = plugin.info();
    println!("{} {}", info.name, info.version);
    if !info.description.is_empty() {
        println!("  {}", info.description);
    }
    println!("contract   kiln:plugin@{}", plugin.wit_version());
    println!("language   {}", plugin.language().as_str());
    let shape = plugin.shape();
    println!(
        "instance   {} core instances, {} memories, {} tables: {} slot{} of the pool",
        shape.core_instances,
        shape.memories,
        shape.tables,
        plugin.slots(),
        if plugin.slots() == 1 { "" } else { "s" }
    );
    println!("sha256     {}", plugin.sha256());
    println!("size       {} bytes", plugin.size());
    println!("imports");
    for name in &plugin.interfaces().imports {
        println!("  {name}");
    }
    println!("exports");
    for name in &plugin.interfaces().exports {
        println!("  {name}");
    }
    println!("params");
    for p in &info.params {
        let default = p.default.as_ref().map_or("required".to_string(), |v| format!("default {}", value_text(v)));
        println!("  {} ({}, {default}): {}", p.name, type_name(p.type_), p.doc);
    }
    println!("datasets");
    for d in &info.datasets {
        println!("  {} [{}]: {}", d.name, d.columns.join(", "), d.doc);
    }
    print!("{}", outputs_text(&serde_json::to_value(info).unwrap_or_default()));
}

/// The `outputs` section of a describe() document as text: each table with its columns' types
/// and nullability, each metric marked as one, and a 0.1.0 plugin's outputs (which declare no
/// schema) by name. Read from the describe()'s JSON, the form the registry stores, so it reads
/// a version of either contract alike.
fn outputs_text(describe: &serde_json::Value) -> String {
    let mut out = String::from("outputs\n");
    for o in describe["outputs"].as_array().into_iter().flatten() {
        let (name, doc) = (o["name"].as_str().unwrap_or_default(), o["doc"].as_str().unwrap_or_default());
        let (shape, columns) = declared_shape(o);
        let kind = match shape {
            Shape::Table => " (table)",
            Shape::Metric => " (metric)",
            Shape::Undeclared => "",
        };
        out.push_str(&format!("  {name}{kind}: {doc}\n"));
        for (column, ty) in columns {
            let nulls = if ty.nullable { ", nullable" } else { "" };
            out.push_str(&format!("    {column} ({}{nulls})\n", ty.type_));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_show_table_columns_metrics_and_undeclared_0_1_0_outputs() {
        let describe = json!({"outputs": [
            {"name": "by_id", "doc": "rows", "kind": {"Table": [
                {"name": "id", "type_": "String", "nullable": false, "doc": ""},
                {"name": "kwh", "type_": "F64", "nullable": true, "doc": ""}
            ]}},
            {"name": "total", "doc": "kWh", "kind": "Metric"},
            {"name": "legacy", "doc": "stored before schemas"},
            {"name": "nulled", "doc": "", "kind": null}
        ]});
        assert_eq!(
            outputs_text(&describe),
            "outputs\n  by_id (table): rows\n    id (string)\n    kwh (f64, nullable)\n  total (metric): kWh\n  \
             legacy: stored before schemas\n  nulled: \n"
        );
    }
}
