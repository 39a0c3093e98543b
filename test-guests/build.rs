//! Builds the test guests (`guests/`) and the example plugins (`../example-plugins/`) for
//! `wasm32-wasip2` with plain cargo, then writes their paths as constants for tests and benches.
//!
//! The Python guests (`python/`) are built with componentize-py at a pinned version, installed
//! the first time into a virtual environment under `target/` (Python 3.10 or newer with `venv`
//! is needed); a guest is rebuilt only when its source, the contract or the pin changes. The
//! Python ports of two example plugins (`../example-plugins/python/`) are built the same way,
//! with the Python SDK, as a maker builds them.
//!
//! A few of them are built a second time with the SDK's `contract-v0_1_0` feature, into a
//! target dir of their own: components on the frozen 0.1.0 contract, standing for plugins
//! published before 0.2.0, so the tests prove those keep running.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (constant name, cargo workspace relative to this crate, crate directory in it)
const GUESTS: &[(&str, &str, &str)] = &[
    ("GOOD", "guests", "good"),
    ("HOSTILE", "guests", "hostile"),
    ("HOSTILE_NET", "guests", "hostile-net"),
    ("NOOP", "guests", "noop"),
    ("BIG", "guests", "big"),
    ("KERNELS", "guests", "kernels"),
    ("RAW", "guests", "raw"),
    ("DESCRIBE_SLEEP", "guests", "describe-sleep"),
    ("DESCRIBE_BOMB", "guests", "describe-bomb"),
    ("DESCRIBE_MEMORY", "guests", "describe-memory"),
    ("ENTROPY", "guests", "entropy"),
    ("ENERGY_INTENSITY", "../example-plugins", "energy-intensity"),
    ("OEE", "../example-plugins", "oee"),
    ("ANOMALY", "../example-plugins", "anomaly"),
    ("OUTPUT_GROWTH", "../example-plugins", "output-growth"),
];

/// Built against contract 0.1.0 as well: what proves the core hostile cases (time, memory,
/// ungranted data), a well-behaved run, the data path, and an example plugin through an
/// enablement on a 0.1.0 plugin. (constant name, workspace, crate directory)
const GUESTS_V0_1_0: &[(&str, &str, &str)] = &[
    ("GOOD_V0_1_0", "guests", "good"),
    ("HOSTILE_V0_1_0", "guests", "hostile"),
    ("KERNELS_V0_1_0", "guests", "kernels"),
    ("OUTPUT_GROWTH_V0_1_0", "../example-plugins", "output-growth"),
];

/// Python guests on the raw bindings: (constant name, directory under `python/`).
const PYTHON_GUESTS: &[(&str, &str)] = &[("NOOP_PY", "noop"), ("HOSTILE_PY", "hostile"), ("ENTROPY_PY", "entropy")];

/// Python example plugins, built with the Python SDK: (constant name, directory under
/// `../example-plugins/python/`).
const PYTHON_EXAMPLES: &[(&str, &str)] = &[("ENERGY_INTENSITY_PY", "energy-intensity"), ("ANOMALY_PY", "anomaly")];

/// The componentize-py that builds the Python guests (and that `kiln plugin build` pins).
const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.parent().expect("crate lives in the workspace").to_path_buf();
    let target_dir = root.join("target").join("guests");
    let target_dir_v0_1_0 = root.join("target").join("guests-v0.1.0");
    // Watch sources, not the workspaces' own target dirs (which every build touches).
    let mut watched =
        vec!["../sdk".to_string(), "../wit".to_string(), "python".to_string(), "../example-plugins/python".to_string()];
    for (_, ws, dir) in GUESTS {
        watched.extend([format!("{ws}/{dir}"), format!("{ws}/Cargo.toml"), format!("{ws}/Cargo.lock")]);
    }
    for path in watched {
        println!("cargo:rerun-if-changed={}", manifest_dir.join(path).display());
    }
    check_target_installed();

    let mut workspaces: Vec<&str> = GUESTS.iter().map(|(_, ws, _)| *ws).collect();
    workspaces.dedup();
    for ws in &workspaces {
        build_workspace(&manifest_dir.join(ws).join("Cargo.toml"), &target_dir, &[], &[]);
    }
    for ws in workspaces {
        let crates: Vec<&str> = GUESTS_V0_1_0.iter().filter(|(_, w, _)| *w == ws).map(|(_, _, dir)| *dir).collect();
        if !crates.is_empty() {
            let manifest = manifest_dir.join(ws).join("Cargo.toml");
            build_workspace(&manifest, &target_dir_v0_1_0, &crates, &["kiln-sdk/contract-v0_1_0"]);
        }
    }

    let mut out = String::new();
    for (constant, _, dir) in GUESTS {
        write_constant(&mut out, constant, dir, &target_dir, "");
    }
    for (constant, _, dir) in GUESTS_V0_1_0 {
        write_constant(&mut out, constant, dir, &target_dir_v0_1_0, ", built against contract 0.1.0");
    }
    let python_dir = root.join("target").join("guests-py");
    let componentize = componentize_py(&root.join("target"));
    let python = componentize.with_file_name("python");
    path_constant(
        &mut out,
        "The Python of the venv holding componentize-py and pytest (`KILN_PYTHON` for CLI tests).",
        "PYTHON",
        &python,
    );
    let wit = root.join("wit/since_v0.2.0");
    for (constant, dir) in PYTHON_GUESTS {
        let source = manifest_dir.join("python").join(dir);
        let wasm = build_python(&componentize, Bindings::Raw(&wit), &source, &python_dir.join(dir));
        path_constant(&mut out, &format!("Path of the `{dir}` Python guest component."), constant, &wasm);
    }
    let sdk = root.join("sdk/python");
    for (constant, dir) in PYTHON_EXAMPLES {
        let source = root.join("example-plugins/python").join(dir);
        let wasm = build_python(&componentize, Bindings::Sdk(&sdk), &source, &python_dir.join(dir));
        path_constant(&mut out, &format!("Path of the `{dir}` Python example plugin's component."), constant, &wasm);
    }
    let out_file = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("guests.rs");
    std::fs::write(out_file, out).expect("write guests.rs");
}

/// Writes `pub const {name}: &str = "{path}";` documented by `doc`.
fn path_constant(out: &mut String, doc: &str, name: &str, path: &Path) {
    writeln!(out, "/// {doc}\npub const {name}: &str = {:?};", path.display().to_string())
        .expect("writing to a String");
}

/// Writes the path constant of crate `dir`'s component in `target_dir`.
fn write_constant(out: &mut String, constant: &str, dir: &str, target_dir: &Path, built: &str) {
    let name = dir.replace('-', "_");
    let path = target_dir.join("wasm32-wasip2/release").join(format!("{name}.wasm"));
    assert!(path.exists(), "guest `{name}` was not built at {}", path.display());
    writeln!(
        out,
        "/// Path of the `{name}` guest component{built}.\npub const {constant}: &str = {:?};",
        path.display().to_string()
    )
    .expect("writing to a String");
}

/// Builds `crates` of the workspace (all of them when empty) with `features`.
fn build_workspace(manifest: &Path, target_dir: &Path, crates: &[&str], features: &[&str]) {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--release", "--target", "wasm32-wasip2", "--manifest-path"])
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir);
    for name in crates {
        cmd.args(["-p", name]);
    }
    if !features.is_empty() {
        cmd.arg("--features").arg(features.join(","));
    }
    // The outer build's flags and wrappers (clippy, coverage) are for the host, not the guests.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("run cargo for the guests");
    assert!(status.success(), "building guests in {} failed", manifest.display());
}

/// componentize-py at [`COMPONENTIZE_PY`], installed on first use where `kiln plugin build`
/// installs it for `KILN_CACHE_DIR=target/kiln-cache` (the CLI's tests), marked complete the
/// same way; pytest goes in beside it, for the tests of `kiln plugin test`.
fn componentize_py(target: &Path) -> PathBuf {
    let venv = target.join("kiln-cache/tools").join(COMPONENTIZE_PY.replace("==", "-"));
    let (bin, done) = (venv.join("bin/componentize-py"), venv.join(".installed"));
    if done.exists() && bin.exists() && venv.join("bin/pytest").exists() {
        return bin;
    }
    let python = env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let _ = std::fs::remove_dir_all(&venv);
    let created = Command::new(&python).args(["-m", "venv"]).arg(&venv).status();
    assert!(
        matches!(created, Ok(s) if s.success()),
        "building the Python test guests needs `{python}` (3.10 or newer, with venv) to install {COMPONENTIZE_PY}"
    );
    let pip = Command::new(venv.join("bin/python"))
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", COMPONENTIZE_PY, "pytest"])
        .status();
    assert!(matches!(pip, Ok(s) if s.success()), "pip install {COMPONENTIZE_PY} failed");
    std::fs::write(&done, COMPONENTIZE_PY).expect("mark the venv complete");
    bin
}

/// Where a Python guest's bindings come from.
enum Bindings<'a> {
    /// Generated from this WIT directory into `wit_world`, used directly by the guest.
    Raw(&'a Path),
    /// The Python SDK at this path, which carries its WIT and `componentize-py.toml`.
    Sdk(&'a Path),
}

/// Builds the Python guest in `source` into `out/plugin.wasm`, unless the one there was built
/// from the same sources, contract, SDK and componentize-py (each build takes half a minute).
fn build_python(componentize: &Path, bindings: Bindings<'_>, source: &Path, out: &Path) -> PathBuf {
    let wasm = out.join("plugin.wasm");
    let stamp = out.join("inputs");
    let mut inputs = format!("{COMPONENTIZE_PY}\n");
    let mut dirs = vec![source.to_path_buf()];
    match bindings {
        Bindings::Raw(wit) => dirs.push(wit.to_path_buf()),
        Bindings::Sdk(sdk) => dirs.extend([sdk.join("kiln_sdk"), sdk.join("kiln_sdk/wit")]),
    }
    for dir in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("read guest sources")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "py" || x == "wit" || x == "toml"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read a guest source");
            writeln!(inputs, "{}\n{text}", file.display()).expect("writing to a String");
        }
    }
    if wasm.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == inputs) {
        return wasm;
    }
    std::fs::create_dir_all(out).expect("create the Python guests' directory");
    let mut command = Command::new(componentize);
    match bindings {
        Bindings::Raw(wit) => {
            command.arg("-d").arg(wit).args(["-w", "plugin", "componentize", "app", "-p"]).arg(source)
        }
        // As a maker builds: the SDK names the world and where its bindings go.
        Bindings::Sdk(sdk) => {
            command.args(["-w", "plugin", "componentize", "app", "-p"]).arg(source).arg("-p").arg(sdk)
        }
    };
    let status =
        command.arg("-o").arg(&wasm).stdout(std::process::Stdio::null()).status().expect("run componentize-py");
    assert!(status.success(), "building the Python guest {} failed", source.display());
    std::fs::write(&stamp, inputs).expect("write the guest's stamp");
    wasm
}

fn check_target_installed() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc).args(["--print", "sysroot"]).output().expect("run rustc");
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if !sysroot.join("lib/rustlib/wasm32-wasip2").exists() {
        panic!(
            "the wasm32-wasip2 target is not installed for this toolchain; run `rustup toolchain install` \
             in the repository (it reads rust-toolchain.toml) or `rustup target add wasm32-wasip2`"
        );
    }
}
