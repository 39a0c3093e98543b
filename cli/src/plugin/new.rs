//! `kiln plugin new NAME [--lang rust|python|typescript]`: a plugin (a crate, a Python or a
//! TypeScript project) that builds and passes its own tests as created.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;

/// Arguments of `kiln plugin new`.
#[derive(Args)]
pub struct NewArgs {
    /// The plugin's name: lowercase letters, digits and single dashes, starting with a letter.
    name: String,
    /// Where to create it (default: ./NAME). Must not exist or be empty.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The SDK directory of a Kiln checkout (`sdk/`; default: the one this kiln was built
    /// from): a Rust plugin depends on the crate there, a Python one on `sdk/python`, a
    /// TypeScript one on `sdk/typescript`.
    #[arg(long, env = "KILN_SDK_PATH")]
    sdk: Option<PathBuf>,
    /// The plugin's language.
    #[arg(long, value_enum, default_value_t = Lang::Rust)]
    lang: Lang,
}

/// A language `kiln plugin new` scaffolds.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Lang {
    /// A Rust crate built with cargo for wasm32-wasip2.
    Rust,
    /// A Python project built with componentize-py.
    Python,
    /// A TypeScript project built with esbuild and jco's ComponentizeJS.
    #[value(name = "typescript", alias = "ts")]
    TypeScript,
}

/// Writes the scaffold.
pub fn run(args: NewArgs) -> anyhow::Result<ExitCode> {
    check_name(&args.name)?;
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from(&args.name));
    if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        bail!("{} exists and is not empty", dir.display());
    }
    let sdk = args.sdk.clone().unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk"));
    let sdk = std::fs::canonicalize(&sdk).with_context(|| {
        format!("kiln-sdk not found at {} (pass --sdk PATH to a Kiln checkout's sdk/)", sdk.display())
    })?;
    match args.lang {
        Lang::Rust => {
            write_scaffold(&dir, &args.name, &sdk)?;
            println!("created plugin `{}` in {}", args.name, dir.display());
            println!("  test:  cargo test --manifest-path {}/Cargo.toml", dir.display());
        }
        Lang::Python => {
            let sdk = sdk.join("python");
            if !sdk.join("kiln_sdk").is_dir() {
                bail!("no Python SDK (kiln_sdk) in {}", sdk.display());
            }
            write_python_scaffold(&dir, &args.name, &sdk)?;
            println!("created Python plugin `{}` in {}", args.name, dir.display());
            println!("  test:  (cd {} && pytest)   natively", dir.display());
            println!("         kiln plugin test --path {}   natively, then against the component", dir.display());
        }
        Lang::TypeScript => {
            let sdk = sdk.join("typescript");
            if !sdk.join("src/index.ts").is_file() {
                bail!("no TypeScript SDK (src/index.ts) in {}", sdk.display());
            }
            write_typescript_scaffold(&dir, &args.name, &sdk)?;
            println!("created TypeScript plugin `{}` in {}", args.name, dir.display());
            println!(
                "  test:  kiln plugin test --path {}   natively under Node.js, then against the component",
                dir.display()
            );
        }
    }
    println!("  build: kiln plugin build --path {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

fn check_name(name: &str) -> anyhow::Result<()> {
    // The registry's own rule, so every name `kiln plugin new` accepts can be published.
    if !kiln_registry::manifest::valid_name(name) {
        bail!(
            "`{name}` is not a valid plugin name: use at most 64 lowercase letters, digits and single dashes, \
             starting with a letter and not ending with a dash"
        );
    }
    Ok(())
}

/// `energy-report` → `EnergyReport`.
fn type_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Writes the crate's files into `dir`.
pub fn write_scaffold(dir: &Path, name: &str, sdk: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("src")).with_context(|| format!("creating {}", dir.display()))?;
    let files = [
        ("Cargo.toml", CARGO_TOML.replace("{name}", name).replace("{sdk}", &sdk.display().to_string())),
        ("rust-toolchain.toml", TOOLCHAIN.to_string()),
        (".gitignore", "/target\n".to_string()),
        ("src/lib.rs", LIB_RS.replace("{name}", name).replace("{Type}", &type_name(name))),
    ];
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Writes the Python project's files into `dir`, with the SDK at `sdk` (its `python/`).
pub fn write_python_scaffold(dir: &Path, name: &str, sdk: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("tests")).with_context(|| format!("creating {}", dir.display()))?;
    let module = name.replace('-', "_");
    // TOML basic strings: a path's backslashes and quotes escaped.
    let sdk = sdk.display().to_string().replace('\\', "\\\\").replace('"', "\\\"");
    let fill = |text: &str| {
        text.replace("{name}", name)
            .replace("{module}", &module)
            .replace("{Type}", &type_name(name))
            .replace("{sdk}", &sdk)
    };
    let files = [
        ("pyproject.toml".to_string(), fill(PYPROJECT_TOML)),
        (".gitignore".to_string(), "/dist\n__pycache__/\n.pytest_cache/\n".to_string()),
        ("app.py".to_string(), fill(APP_PY)),
        (format!("{module}.py"), fill(PLUGIN_PY)),
        (format!("tests/test_{module}.py"), fill(TEST_PY)),
    ];
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Writes the TypeScript project's files into `dir`, with the SDK at `sdk` (its `typescript/`).
pub fn write_typescript_scaffold(dir: &Path, name: &str, sdk: &Path) -> anyhow::Result<()> {
    for sub in ["src", "tests"] {
        std::fs::create_dir_all(dir.join(sub)).with_context(|| format!("creating {}", dir.display()))?;
    }
    // JSON strings: the path's backslashes and quotes escaped.
    let sdk = serde_json::to_string(&sdk.display().to_string())?;
    let sdk = &sdk[1..sdk.len() - 1];
    let fill = |text: &str| text.replace("{name}", name).replace("{Type}", &type_name(name)).replace("{sdk}", sdk);
    let files = [
        ("package.json".to_string(), fill(PACKAGE_JSON)),
        ("tsconfig.json".to_string(), fill(TSCONFIG_JSON)),
        (".gitignore".to_string(), "/dist\nnode_modules/\n".to_string()),
        ("src/app.ts".to_string(), fill(APP_TS)),
        (format!("src/{name}.ts"), fill(PLUGIN_TS)),
        (format!("tests/{name}.test.ts"), fill(TEST_TS)),
    ];
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

const PACKAGE_JSON: &str = r#"{
  "name": "{name}",
  "version": "0.1.0",
  "description": "Total electricity use per enterprise.",
  "private": true,
  "type": "module",
  "kiln": {
    "entry": "src/app.ts",
    "sdk": "{sdk}"
  },
  "scripts": {
    "build": "kiln plugin build",
    "test": "kiln plugin test"
  }
}
"#;

// `kiln plugin build` type-checks `src/` with this file (tests are bundled for Node without
// it). `dom` is only for `console`, `TextEncoder` and friends: the component has no DOM, no
// fetch and no file system, whatever the types say.
const TSCONFIG_JSON: &str = r#"{
  "compilerOptions": {
    "target": "es2022",
    "module": "esnext",
    "moduleResolution": "bundler",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "lib": ["es2022", "esnext.disposable", "dom"],
    "types": [],
    "isolatedModules": true,
    "paths": {
      "@kiln/sdk": ["{sdk}/src/index.ts"],
      "@kiln/sdk/*": ["{sdk}/src/*"]
    }
  },
  "include": ["src", "{sdk}/types"]
}
"#;

const APP_TS: &str = r#"// The component's entry module. ComponentizeJS evaluates it once, at build time, and
// snapshots the engine: top-level code never runs again, so nothing random, clock-based or
// I/O belongs at the top level of any module (drawing a random number there fails the build).
import { exportPlugin } from "@kiln/sdk/guest";
import { {Type} } from "./{name}";

export const guest = exportPlugin({Type});
"#;

const PLUGIN_TS: &str = r#"// {name}: total electricity per enterprise, from the monthly indicators.
import { Batch, Context, Output, Params, Plugin, PluginInfo, ValueType, col } from "@kiln/sdk";

export class {Type} extends Plugin {
  static info = new PluginInfo("{name}", "0.1.0")
    .description("Total electricity use per enterprise.")
    .param("min_kwh", 0.0, "Leave out enterprises below this total.")
    .dataset("monthly_indicators", ["enterprise_id", "electricity_kwh"], "Monthly reports.")
    .table("by_enterprise", "Total kWh per enterprise, largest first.", [
      col("enterprise_id", ValueType.STRING),
      col("kwh", ValueType.F64, { doc: "kWh" }),
    ])
    .metric("total_kwh", "Sum over the enterprises kept.");

  run(ctx: Context, params: Params): Output {
    // Totals by the enterprise_id column's dictionary code: a code means the same id in every
    // batch of the scan, so no id is hashed or copied per row.
    const totals: number[] = [];
    const scan = ctx.scan("monthly_indicators", ["enterprise_id", "electricity_kwh"]);
    for (const batch of scan) {
      const ids = batch.dict("enterprise_id");
      const kwh = batch.f64("electricity_kwh");
      while (totals.length < ids.values.length) totals.push(0);
      for (let row = 0; row < batch.rows; row++) {
        if (batch.isValid("electricity_kwh", row)) totals[ids.codes[row]] += kwh[row];
      }
    }
    const names = scan.dictionary("enterprise_id");
    const minKwh = params.f64("min_kwh");
    const kept = totals.flatMap((total, code) => (total >= minKwh ? [code] : []));
    kept.sort((a, b) => totals[b] - totals[a] || (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
    console.log(`${kept.length} enterprises kept`);
    const kwh = Float64Array.from(kept, (code) => totals[code]);
    let total = 0;
    for (const value of kwh) total += value; // left to right, as Rust's `iter().sum()` adds
    return new Output()
      .table("by_enterprise", new Batch().withDict("enterprise_id", names, kept).withF64("kwh", kwh))
      .metric("total_kwh", total, "kWh");
  }
}
"#;

const TEST_TS: &str = r#"// The plugin on hand-built data. `kiln plugin test` runs these under Node's test runner,
// natively and then against the built component.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Batch } from "@kiln/sdk";
import { TestRun } from "@kiln/sdk/testing";
import { {Type} } from "../src/{name}";

test("totals per enterprise, largest first", () => {
  const data = new Batch()
    .withStr("enterprise_id", ["E1", "E2", "E1"])
    .withF64("electricity_kwh", [10, 30, 5]);
  const result = new TestRun().dataset("monthly_indicators", data).param("min_kwh", 12).run({Type});
  const table = result.table("by_enterprise");
  assert.deepEqual(table.column("enterprise_id"), ["E2", "E1"]);
  assert.deepEqual(table.column("kwh"), [30, 15]);
  assert.equal(result.metric("total_kwh"), 45);
});

test("null readings are skipped", () => {
  const data = new Batch().withStr("enterprise_id", ["E1", "E1"]).withF64("electricity_kwh", [null, 7]);
  const result = new TestRun().dataset("monthly_indicators", data).run({Type});
  assert.deepEqual(result.table("by_enterprise").column("kwh"), [7]);
});
"#;

const PYPROJECT_TOML: &str = r#"# A Kiln plugin in Python. `kiln plugin build` builds it into a component with componentize-py;
# `pytest` runs its tests natively, `kiln plugin test` natively and then against the component.
[project]
name = "{name}"
version = "0.1.0"
description = "Total electricity use per enterprise."
requires-python = ">=3.10"
dependencies = ["kiln-sdk"]

[tool.kiln]
# The module componentize-py builds (it binds `Guest`), and the Python SDK's directory.
module = "app"
sdk = "{sdk}"

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = [".", "{sdk}"]
"#;

const APP_PY: &str = r#""""The component's entry module. componentize-py imports it once, at build time, and
snapshots the interpreter: module-level code never runs again, so nothing random, clock-based or
I/O belongs at module level, and every module `run` needs is imported here, at the top."""

from kiln_sdk import export

from {module} import {Type}

Guest = export({Type})
"#;

const PLUGIN_PY: &str = r#""""{name}: total electricity per enterprise, from the monthly indicators."""

from kiln_sdk import Batch, Output, Plugin, PluginInfo, ValueType, col


class {Type}(Plugin):
    info = (
        PluginInfo("{name}", "0.1.0")
        .description("Total electricity use per enterprise.")
        .param("min_kwh", 0.0, "Leave out enterprises below this total.")
        .dataset("monthly_indicators", ["enterprise_id", "electricity_kwh"], "Monthly reports.")
        .table("by_enterprise", "Total kWh per enterprise, largest first.",
               [col("enterprise_id", ValueType.STRING), col("kwh", ValueType.F64, doc="kWh")])
        .metric("total_kwh", "Sum over the enterprises kept.")
    )

    def run(self, ctx, params):
        # Totals by the enterprise_id column's dictionary code: a code means the same id in
        # every batch of the scan, so no id is hashed or copied per row.
        totals = []
        scan = ctx.scan("monthly_indicators", ["enterprise_id", "electricity_kwh"])
        for batch in scan:
            ids = batch.dict("enterprise_id")
            kwh = batch.f64("electricity_kwh")
            valid = batch.validity("electricity_kwh")
            totals.extend([0.0] * (len(ids.values) - len(totals)))
            for row, code in enumerate(ids.codes):
                if valid is None or valid[row]:
                    totals[code] += kwh[row]
        names = scan.dictionary("enterprise_id")
        kept = [code for code, total in enumerate(totals) if total >= params.min_kwh]
        kept.sort(key=lambda code: (-totals[code], names[code]))
        ctx.info(f"{len(kept)} enterprises kept")
        kwh = [totals[code] for code in kept]
        total = 0.0
        for value in kwh:  # left to right, as Rust's `iter().sum()` adds
            total += value
        return (Output()
                .table("by_enterprise", Batch()
                       .with_dict("enterprise_id", names, kept)
                       .with_f64("kwh", kwh))
                .metric("total_kwh", total, unit="kWh"))
"#;

const TEST_PY: &str = r#""""The plugin on hand-built data. `pytest` runs these natively; `kiln plugin test` runs them
again against the built component."""

from kiln_sdk import Batch
from kiln_sdk.testing import TestRun

from {module} import {Type}


def test_totals_per_enterprise_largest_first():
    data = (Batch()
            .with_str("enterprise_id", ["E1", "E2", "E1"])
            .with_f64("electricity_kwh", [10.0, 30.0, 5.0]))
    result = (TestRun()
              .dataset("monthly_indicators", data)
              .param("min_kwh", 12.0)
              .run({Type}))
    table = result.table("by_enterprise")
    assert table["enterprise_id"] == ["E2", "E1"]
    assert table["kwh"] == [30.0, 15.0]
    assert result.metric("total_kwh") == 45.0


def test_null_readings_are_skipped():
    data = (Batch()
            .with_str("enterprise_id", ["E1", "E1"])
            .with_f64("electricity_kwh", [None, 7.0]))
    result = TestRun().dataset("monthly_indicators", data).run({Type})
    assert result.table("by_enterprise")["kwh"] == [7.0]
"#;

const TOOLCHAIN: &str = r#"[toolchain]
channel = "1.95.0"
targets = ["wasm32-wasip2"]
"#;

const CARGO_TOML: &str = r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
rust-version = "1.95"

[lib]
crate-type = ["cdylib"]

[dependencies]
kiln-sdk = { path = "{sdk}" }
serde = { version = "1", features = ["derive"] }

[profile.release]
opt-level = 3
codegen-units = 1
lto = true
strip = "debuginfo"

# A plugin is its own workspace, wherever it is created.
[workspace]
"#;

const LIB_RS: &str = r#"//! {name}: total electricity per enterprise, from the monthly indicators.

use kiln_sdk::{Batch, Context, Error, Output, Plugin, PluginInfo, ValueType, col};
use serde::Deserialize;

/// The plugin.
pub struct {Type};

/// Its parameters; defaults come from `info()`.
#[derive(Deserialize)]
pub struct Params {
    /// Leave out enterprises that used less than this many kWh.
    min_kwh: f64,
}

impl Plugin for {Type} {
    type Params = Params;

    fn info() -> PluginInfo {
        PluginInfo::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .description("Total electricity use per enterprise.")
            .param("min_kwh", 0.0, "Leave out enterprises below this total.")
            .dataset("monthly_indicators", &["enterprise_id", "electricity_kwh"], "Monthly reports.")
            .table(
                "by_enterprise",
                "Total kWh per enterprise, largest first.",
                &[col("enterprise_id", ValueType::String), col("kwh", ValueType::F64).doc("kWh")],
            )
            .metric("total_kwh", "Sum over the enterprises kept.")
    }

    fn run(ctx: &mut Context, params: Params) -> Result<Output, Error> {
        // Totals by the enterprise_id column's dictionary code: a code means the same id in
        // every batch of the scan, so no id is hashed or copied per row.
        let mut totals: Vec<f64> = Vec::new();
        let mut scan = ctx.scan("monthly_indicators", &["enterprise_id", "electricity_kwh"])?;
        for batch in &mut scan {
            let batch = batch?;
            let ids = batch.dict("enterprise_id")?;
            let kwh = batch.f64("electricity_kwh")?;
            totals.resize(ids.values().len(), 0.0);
            for (row, &id) in ids.codes().iter().enumerate() {
                if batch.is_valid("electricity_kwh", row)? {
                    totals[id as usize] += kwh[row];
                }
            }
        }
        let ids = scan.dictionary("enterprise_id").unwrap_or_default();
        drop(scan);
        let mut kept: Vec<u32> = (0..totals.len() as u32).filter(|&e| totals[e as usize] >= params.min_kwh).collect();
        let (total_of, id_of) = (|e: u32| totals[e as usize], |e: u32| &ids[e as usize]);
        kept.sort_by(|&a, &b| total_of(b).total_cmp(&total_of(a)).then_with(|| id_of(a).cmp(id_of(b))));
        ctx.info(format!("{} enterprises kept", kept.len()));
        let kwh: Vec<f64> = kept.iter().map(|&e| total_of(e)).collect();
        let total: f64 = kwh.iter().sum();
        Ok(Output::new()
            .table(
                "by_enterprise",
                Batch::new().with_str("enterprise_id", kept.iter().map(|&e| id_of(e))).with_f64("kwh", kwh),
            )
            .metric("total_kwh", total, "kWh"))
    }
}

kiln_sdk::export!({Type});

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_sdk::testing::TestRun;

    #[test]
    fn totals_per_enterprise_largest_first() {
        let data = Batch::new()
            .with_str("enterprise_id", vec!["E1", "E2", "E1"])
            .with_f64("electricity_kwh", vec![10.0, 30.0, 5.0]);
        let output = TestRun::new()
            .dataset("monthly_indicators", data)
            .param("min_kwh", 12.0)
            .run::<{Type}>()
            .expect("run succeeds");
        let table = output.get_table("by_enterprise").expect("table");
        assert_eq!(table.str("enterprise_id").expect("ids"), &["E2", "E1"]);
        assert_eq!(table.f64("kwh").expect("kwh"), &[30.0, 15.0]);
        assert_eq!(output.get_metric("total_kwh").expect("metric"), 45.0);
    }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_crate_friendly() {
        assert!(check_name("energy-report").is_ok());
        assert!(check_name("Energy").is_err());
        assert!(check_name("../evil").is_err());
        assert!(check_name("x-").is_err());
        // `a--b` was accepted here but refused by the registry at publish.
        assert!(check_name("a--b").is_err());
        assert!(check_name(&"a".repeat(65)).is_err());
        assert_eq!(type_name("energy-report2"), "EnergyReport2");
    }
}
