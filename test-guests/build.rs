//! Builds the test guests (`guests/`) and the example plugins (`../example-plugins/`) for
//! `wasm32-wasip2` with plain cargo, then writes their paths as constants for tests and benches.
//!
//! The Python guests (`python/`) are built with componentize-py at a pinned version, installed
//! the first time into a virtual environment under `target/` (Python 3.10 or newer with `venv`
//! is needed); a guest is rebuilt only when its source, the contract or the pin changes. The
//! Python ports of two example plugins (`../example-plugins/python/`) are built the same way,
//! with the Python SDK, as a maker builds them.
//!
//! The JavaScript guests (`js/`, on the raw bindings) and the TypeScript port of an example
//! plugin (`../example-plugins/typescript/`, with the TypeScript SDK) are built the same way
//! with jco and ComponentizeJS, installed the first time from the CLI's pinned lock file
//! (`../cli/tools/typescript/`) with the Node.js on `PATH`.
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

/// JavaScript guests on the raw bindings: (constant name, directory under `js/`).
const JS_GUESTS: &[(&str, &str)] = &[("NOOP_JS", "noop"), ("HOSTILE_JS", "hostile"), ("ENTROPY_JS", "entropy")];

/// TypeScript example plugins, built with the TypeScript SDK: (constant name, directory under
/// `../example-plugins/typescript/`).
const TS_EXAMPLES: &[(&str, &str)] = &[("OUTPUT_GROWTH_TS", "output-growth")];

/// The directory `kiln plugin build` installs the TypeScript tools into, under its cache's
/// `tools/` (`TOOLS` in `cli/src/plugin/typescript.rs`).
const TS_TOOLS: &str = "jco-1.15.4+componentize-js-0.23.0";

/// ComponentizeJS features a plugin leaves out: both import `wasi:http`.
const JS_DISABLED: [&str; 2] = ["http", "fetch-event"];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.parent().expect("crate lives in the workspace").to_path_buf();
    let target_dir = root.join("target").join("guests");
    let target_dir_v0_1_0 = root.join("target").join("guests-v0.1.0");
    // Watch sources, not the workspaces' own target dirs (which every build touches).
    let mut watched = vec![
        "../sdk".to_string(),
        "../wit".to_string(),
        "python".to_string(),
        "../example-plugins/python".to_string(),
        "js".to_string(),
        "../example-plugins/typescript".to_string(),
        "../cli/tools/typescript".to_string(),
    ];
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
    let tools = ts_tools(&root);
    path_constant(
        &mut out,
        "The directory holding the pinned jco, ComponentizeJS, esbuild and TypeScript.",
        "TS_TOOLS_DIR",
        &tools,
    );
    let js_dir = root.join("target").join("guests-js");
    // Each build is mostly one single-threaded Wizer snapshot of about 20 s: in parallel.
    std::thread::scope(|scope| {
        let mut jobs = Vec::new();
        for (constant, dir) in JS_GUESTS {
            let (source, out) = (manifest_dir.join("js").join(dir), js_dir.join(dir));
            let doc = format!("Path of the `{dir}` JavaScript guest component.");
            let (tools, wit) = (&tools, &wit);
            jobs.push((constant, doc, scope.spawn(move || build_js(tools, JsSource::Raw(wit), &source, &out))));
        }
        for (constant, dir) in TS_EXAMPLES {
            let (source, out) = (root.join("example-plugins/typescript").join(dir), js_dir.join(dir));
            let doc = format!("Path of the `{dir}` TypeScript example plugin's component.");
            let (tools, sdk) = (&tools, root.join("sdk/typescript"));
            jobs.push((constant, doc, scope.spawn(move || build_js(tools, JsSource::Sdk(&sdk), &source, &out))));
        }
        for (constant, doc, job) in jobs {
            let wasm = job.join().expect("a JavaScript guest's build panicked");
            path_constant(&mut out, &doc, constant, &wasm);
        }
    });
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
    let mut dirs = vec![source.to_path_buf()];
    match bindings {
        Bindings::Raw(wit) => dirs.push(wit.to_path_buf()),
        Bindings::Sdk(sdk) => dirs.extend([sdk.join("kiln_sdk"), sdk.join("kiln_sdk/wit")]),
    }
    let Some(stamp) = Stamp::unless_built(&wasm, COMPONENTIZE_PY, &dirs, &["py", "wit", "toml"]) else {
        return wasm;
    };
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
    stamp.write();
    wasm
}

/// What a guest was built from: the tools' pin and every source file's path and text. A build
/// whose stamp matches is skipped.
struct Stamp {
    path: PathBuf,
    inputs: String,
}

impl Stamp {
    /// The stamp of building `wasm` with `tools` from the files with one of `extensions` in
    /// `dirs` (those that exist), or none when `wasm` was already built from exactly those.
    fn unless_built(wasm: &Path, tools: &str, dirs: &[PathBuf], extensions: &[&str]) -> Option<Stamp> {
        let mut inputs = format!("{tools}\n");
        for dir in dirs.iter().filter(|d| d.is_dir()) {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .expect("read guest sources")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| extensions.iter().any(|e| x == *e)))
                .collect();
            files.sort();
            for file in files {
                let text = std::fs::read_to_string(&file).expect("read a guest source");
                writeln!(inputs, "{}\n{text}", file.display()).expect("writing to a String");
            }
        }
        let path = wasm.with_file_name("inputs");
        let built = wasm.exists() && std::fs::read_to_string(&path).is_ok_and(|s| s == inputs);
        (!built).then_some(Stamp { path, inputs })
    }

    /// Records a finished build.
    fn write(self) {
        std::fs::write(&self.path, self.inputs).expect("write the guest's stamp");
    }
}

/// The TypeScript tools at [`TS_TOOLS`], installed with `npm ci` from the CLI's lock file
/// where `kiln plugin build` installs them for `KILN_CACHE_DIR=target/kiln-cache`, marked
/// complete the same way.
fn ts_tools(root: &Path) -> PathBuf {
    let dir = root.join("target/kiln-cache/tools").join(TS_TOOLS);
    let done = dir.join(".installed");
    if done.exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the TypeScript tools' directory");
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(root.join("cli/tools/typescript").join(file), dir.join(file)).expect("copy the tools' manifest");
    }
    let npm = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"])
        .current_dir(&dir)
        .status();
    assert!(
        matches!(npm, Ok(s) if s.success()),
        "building the JavaScript test guests needs Node.js 20 or newer with npm, to install {TS_TOOLS}"
    );
    std::fs::write(&done, TS_TOOLS).expect("mark the tools complete");
    dir
}

/// What a JavaScript guest is built from.
enum JsSource<'a> {
    /// `app.js` on the bindings jco generates from this WIT directory.
    Raw(&'a Path),
    /// A TypeScript project (`src/app.ts`) on the TypeScript SDK at this path, bundled by
    /// esbuild first, as `kiln plugin build` does.
    Sdk(&'a Path),
}

/// Builds the JavaScript guest in `source` into `out/plugin.wasm`, unless the one there was
/// built from the same sources, contract, SDK and tools.
fn build_js(tools: &Path, from: JsSource<'_>, source: &Path, out: &Path) -> PathBuf {
    let wasm = out.join("plugin.wasm");
    let mut dirs = vec![source.to_path_buf(), source.join("src")];
    let wit = match from {
        JsSource::Raw(wit) => wit.to_path_buf(),
        JsSource::Sdk(sdk) => {
            dirs.push(sdk.join("src"));
            sdk.join("wit")
        }
    };
    dirs.push(wit.clone());
    let Some(stamp) = Stamp::unless_built(&wasm, TS_TOOLS, &dirs, &["js", "ts", "wit", "json"]) else {
        return wasm;
    };
    std::fs::create_dir_all(out).expect("create the JavaScript guests' directory");
    let bin = |name: &str| tools.join("node_modules/.bin").join(name);
    let entry = match from {
        JsSource::Raw(_) => source.join("app.js"),
        JsSource::Sdk(sdk) => {
            let bundle = out.join("plugin.js");
            let status = Command::new(bin("esbuild"))
                .arg(source.join("src/app.ts"))
                .args(["--bundle", "--format=esm", "--platform=neutral", "--target=es2022", "--log-level=warning"])
                .arg(format!("--alias:@kiln/sdk={}", sdk.join("src").display()))
                .arg("--external:kiln:plugin/*")
                .arg(format!("--outfile={}", bundle.display()))
                .status()
                .expect("run esbuild");
            assert!(status.success(), "bundling the TypeScript guest {} failed", source.display());
            bundle
        }
    };
    let mut command = Command::new(bin("jco"));
    command.arg("componentize").arg(&entry).arg("--wit").arg(&wit).args(["-n", "plugin"]);
    for feature in JS_DISABLED {
        command.args(["--disable", feature]);
    }
    let status = command.arg("-o").arg(&wasm).stdout(std::process::Stdio::null()).status().expect("run jco");
    assert!(status.success(), "building the JavaScript guest {} failed", source.display());
    stamp.write();
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
