//! `kiln plugin inspect FILE`: what a component is and says about itself.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use kiln_host::{Plugin, Value, ValueType};
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
    println!("outputs");
    for o in &info.outputs {
        println!("  {}: {}", o.name, o.doc);
    }
}
