//! `kiln plugin test`: a plugin's own tests, natively and against the built component.
//!
//! A Rust plugin's tests run with `cargo test` (the SDK's `TestRun` applies what the host
//! applies). A Python plugin's run twice with pytest: under the maker's CPython, then against
//! the component, whose CPython (3.14 in componentize-py 0.25) and missing file system can
//! fail what passed natively (a module first imported inside a function, for one). A
//! TypeScript plugin's run twice under Node's test runner: under Node, then against the
//! component, whose engine (SpiderMonkey in StarlingMonkey) ran its module's top level at
//! build time.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::Context as _;
use clap::Args;

use super::build::ProjectKind;

/// Arguments of `kiln plugin test`.
#[derive(Args)]
pub struct TestArgs {
    /// The plugin project's directory (with a `Cargo.toml`, `pyproject.toml` or `package.json`).
    #[arg(long, default_value = ".")]
    path: PathBuf,
    /// Test this component instead of building one (Python, TypeScript).
    #[arg(long, value_name = "WASM")]
    component: Option<PathBuf>,
    /// Only the native run (Python, TypeScript).
    #[arg(long, conflicts_with = "component")]
    native: bool,
}

/// Runs the tests; fails when any fails.
pub fn run(args: TestArgs) -> anyhow::Result<ExitCode> {
    let project = ProjectKind::open(&args.path)?;
    let passed = match &project {
        ProjectKind::Rust(manifest) => {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            Command::new(cargo)
                .arg("test")
                .arg("--manifest-path")
                .arg(manifest)
                .status()
                .context("running cargo")?
                .success()
        }
        ProjectKind::Python(python_project) => {
            let python = super::python::python()?;
            eprintln!("== natively, with {}", python.display());
            let mut passed = super::python::pytest(&python, python_project, None)?;
            if passed && !args.native {
                let component = match &args.component {
                    Some(component) => component.clone(),
                    None => project.build()?,
                };
                eprintln!("== against the component {}", component.display());
                passed = super::python::pytest(&python, python_project, Some(&component))?;
            }
            passed
        }
        ProjectKind::TypeScript(ts_project) => {
            let tools = super::tools_dir()?;
            eprintln!("== natively, under Node.js");
            let mut passed = ts_project.test(&tools, None)?;
            if passed && !args.native {
                let component = match &args.component {
                    Some(component) => component.clone(),
                    None => project.build()?,
                };
                eprintln!("== against the component {}", component.display());
                passed = ts_project.test(&tools, Some(&component))?;
            }
            passed
        }
    };
    Ok(if passed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
