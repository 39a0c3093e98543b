//! `kiln plugin build`: build a plugin project into a component and check it: a crate with
//! cargo for wasm32-wasip2, a Python project with the pinned componentize-py, a TypeScript one
//! with the pinned jco.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

/// Arguments of `kiln plugin build`.
#[derive(Args)]
pub struct BuildArgs {
    /// The plugin project's directory (with a `Cargo.toml`, `pyproject.toml` or `package.json`).
    #[arg(long, default_value = ".")]
    path: PathBuf,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// The language of the plugin project in `dir`, from the manifest it holds.
pub enum ProjectKind {
    /// A crate: `Cargo.toml`.
    Rust(PathBuf),
    /// A Python project: `pyproject.toml`.
    Python(super::python::Project),
    /// A TypeScript project: `package.json`.
    TypeScript(super::typescript::Project),
}

impl ProjectKind {
    /// Recognizes the project in `dir` (in this order when several manifests are there).
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        let manifest = dir.join("Cargo.toml");
        if manifest.exists() {
            Ok(ProjectKind::Rust(manifest))
        } else if dir.join("pyproject.toml").exists() {
            Ok(ProjectKind::Python(super::python::Project::open(dir)?))
        } else if dir.join("package.json").exists() {
            Ok(ProjectKind::TypeScript(super::typescript::Project::open(dir)?))
        } else {
            bail!("no Cargo.toml, pyproject.toml or package.json in {}: not a plugin project", dir.display())
        }
    }

    /// Builds the component, with a spinner, and returns its path.
    pub fn build(&self) -> anyhow::Result<PathBuf> {
        let spinner = ProgressBar::new_spinner().with_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}")?);
        spinner.enable_steady_tick(Duration::from_millis(120));
        let built = match self {
            ProjectKind::Rust(manifest) => {
                spinner.set_message(format!("building {} for wasm32-wasip2", manifest.display()));
                cargo_build(manifest)
            }
            ProjectKind::Python(project) => {
                spinner.set_message(format!(
                    "building {} with {}",
                    project.dir.display(),
                    super::python::COMPONENTIZE_PY
                ));
                super::tools_dir().and_then(|tools| project.build(&tools))
            }
            ProjectKind::TypeScript(project) => {
                spinner.set_message(format!("building {} with {}", project.dir.display(), super::typescript::TOOLS));
                super::tools_dir().and_then(|tools| project.build(&tools))
            }
        };
        spinner.finish_and_clear();
        built
    }
}

/// Builds, then loads the result into a host to prove it is a valid plugin.
pub fn run(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let wasm = ProjectKind::open(&args.path)?.build()?;

    let bytes = std::fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let host = super::local_host()?;
    let plugin = crate::runtime()?
        .block_on(host.load(&bytes))
        .with_context(|| format!("{} built but is not a valid plugin", wasm.display()))?;
    let info = plugin.info();
    if args.json {
        let doc = json!({
            "path": wasm,
            "size": plugin.size(),
            "sha256": plugin.sha256(),
            "name": info.name,
            "version": info.version,
            "wit_version": plugin.wit_version(),
            "language": plugin.language().as_str(),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!("{}", wasm.display());
        println!("{} {} · {} bytes · sha256 {}", info.name, info.version, plugin.size(), plugin.sha256());
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs cargo and returns the .wasm of the crate at `manifest`.
pub fn cargo_build(manifest: &Path) -> anyhow::Result<PathBuf> {
    let manifest = std::fs::canonicalize(manifest)?;
    let built = cargo_build_all(&manifest)?;
    let own: Vec<&(PathBuf, PathBuf)> = built.iter().filter(|(from, _)| *from == manifest).collect();
    match (own.as_slice(), built.as_slice()) {
        ([(_, one)], _) | ([], [(_, one)]) => Ok(one.clone()),
        _ => bail!("expected one cdylib from {}, found {}", manifest.display(), built.len()),
    }
}

/// Runs cargo on `manifest` (a crate or a workspace) and returns every .wasm built, each with
/// the manifest of the crate it came from.
pub fn cargo_build_all(manifest: &Path) -> anyhow::Result<Vec<(PathBuf, PathBuf)>> {
    cargo_build_with(manifest, None, &[])
}

/// [`cargo_build_all`], of one `package` of the workspace if given, with `env` set for the
/// compiler (cargo rebuilds what reads a variable whose value changed).
pub fn cargo_build_with(
    manifest: &Path,
    package: Option<&str>,
    env: &[(&str, &str)],
) -> anyhow::Result<Vec<(PathBuf, PathBuf)>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--release", "--target", "wasm32-wasip2", "--message-format", "json-render-diagnostics"])
        .arg("--manifest-path")
        .arg(manifest);
    if let Some(package) = package {
        command.args(["--package", package]);
    }
    let mut child = command.envs(env.iter().copied()).stdout(Stdio::piped()).spawn().context("running cargo")?;
    let mut wasm = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufReader::new(stdout).lines() {
            let message: serde_json::Value = match serde_json::from_str(&line?) {
                Ok(m) => m,
                Err(_) => continue,
            };
            if message["reason"] != "compiler-artifact" {
                continue;
            }
            let from = PathBuf::from(message["manifest_path"].as_str().unwrap_or_default());
            for file in message["filenames"].as_array().into_iter().flatten().filter_map(|f| f.as_str()) {
                if file.ends_with(".wasm") {
                    wasm.push((from.clone(), PathBuf::from(file)));
                }
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!(
            "cargo build failed (if it says the wasm32-wasip2 target is missing, run `rustup target add wasm32-wasip2`)"
        );
    }
    Ok(wasm)
}
