//! The `kiln` binary end to end: what a maker types.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

mod support;

use support::{kiln_local as kiln, target_dir};

fn json_stdout(cmd: &mut Command) -> Value {
    let out = cmd.output().expect("kiln runs");
    assert!(out.status.success(), "kiln failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

/// A `data/` directory under `dir` with four monthly reports (one reading null) of two
/// enterprises: 105 kWh for E1, 30 for E2, what the scaffolds' plugins total.
fn monthly_csv(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir(&data).expect("create the data directory");
    std::fs::write(
        data.join("monthly_indicators.csv"),
        "enterprise_id,month,electricity_kwh\nE1,2023-01,100\nE2,2023-01,30\nE1,2023-02,\nE1,2023-03,5\n",
    )
    .expect("write the reports");
    data
}

#[test]
fn new_plugin_builds_tests_and_runs_on_csv_data() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("demo");
    kiln().args(["plugin", "new", "demo", "--dir"]).arg(&dir).assert().success();
    // Share one target dir across test runs so the scaffold's dependencies build once.
    let scaffold_target = target_dir().join("scaffold");

    let status = std::process::Command::new(env!("CARGO"))
        .args(["test", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &scaffold_target)
        .status()
        .unwrap();
    assert!(status.success(), "the scaffold's own test fails");

    let built = json_stdout(
        kiln().args(["plugin", "build", "--json", "--path"]).arg(&dir).env("CARGO_TARGET_DIR", &scaffold_target),
    );
    assert_eq!(built["name"], "demo");
    assert_eq!(built["sha256"].as_str().unwrap().len(), 64);
    let wasm = built["path"].as_str().unwrap().to_string();

    let data = monthly_csv(work.path());
    let run = json_stdout(kiln().args(["plugin", "run", &wasm, "--json", "--data"]).arg(&data));
    assert_eq!(run["ok"], true);
    assert_eq!(run["output"]["metrics"][0]["value"], 135.0);
    assert_eq!(run["output"]["tables"][0]["rows"], serde_json::json!([["E1", 105.0], ["E2", 30.0]]));
    assert_eq!(run["usage"]["rows_read"], 4);

    let inspect = json_stdout(kiln().args(["plugin", "inspect", "--json", &wasm]));
    assert_eq!(inspect["wit_version"], "0.2.0", "the scaffold targets the SDK's contract");
    assert_eq!(inspect["describe"]["name"], "demo");
}

#[test]
fn a_limit_stops_the_run_with_a_one_line_reason_and_nonzero_exit() {
    let out = kiln()
        .args(["plugin", "run", kiln_test_guests::HOSTILE, "--param", "attack=loop", "--timeout", "200ms"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("run failed (timeout)"), "{stderr}");
}

#[test]
fn memory_limit_flag_is_enforced() {
    let out = kiln()
        .args(["plugin", "run", kiln_test_guests::HOSTILE, "--param", "attack=memory", "--memory", "32MiB", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "memory");
}

#[test]
fn unknown_param_is_a_clear_error() {
    let out = kiln().args(["plugin", "run", kiln_test_guests::GOOD, "--param", "bogus=1"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown parameter `bogus`"));
}

#[test]
fn a_core_module_is_refused_by_inspect() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("core.wasm");
    std::fs::write(&file, b"\0asm\x01\0\0\0").unwrap();
    let out = kiln().args(["plugin", "inspect"]).arg(&file).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("core WebAssembly module"));
}

#[test]
fn python_ports_of_example_plugins_give_the_rust_output_byte_for_byte() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("xian");
    kiln().args(["data", "generate", "--enterprises", "300", "--months", "24", "--out"]).arg(&data).assert().success();
    for (rust, python) in [
        (kiln_test_guests::ENERGY_INTENSITY, kiln_test_guests::ENERGY_INTENSITY_PY),
        (kiln_test_guests::ANOMALY, kiln_test_guests::ANOMALY_PY),
    ] {
        let run = |wasm: &str| {
            let doc =
                json_stdout(kiln().args(["plugin", "run", wasm, "--json", "--timeout", "120s", "--data"]).arg(&data));
            assert_eq!(doc["ok"], true, "{wasm}: {}", doc["error"]);
            doc
        };
        let (rust, python) = (run(rust), run(python));
        assert_eq!(rust["plugin"]["name"], python["plugin"]["name"]);
        assert!(rust["output"]["tables"][0]["rows"].as_array().is_some_and(|rows| !rows.is_empty()));
        assert_eq!(rust["output_sha256"].as_str().map(str::len), Some(64));
        assert_eq!(rust["output_sha256"], python["output_sha256"], "{}", rust["plugin"]["name"]);
    }
    // The ports' own pytest suites (the Rust crates' tests, ported), natively; `KILN_PYTHON` given
    // relative to where kiln is started, as a user would type it.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let python = Path::new("..").join(Path::new(kiln_test_guests::PYTHON).strip_prefix(root).unwrap());
    for port in ["energy-intensity", "anomaly"] {
        let out = kiln()
            .args(["plugin", "test", "--native", "--path"])
            .arg(root.join("example-plugins/python").join(port))
            .env("KILN_PYTHON", &python)
            .env_remove("VIRTUAL_ENV")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains(" passed"),
            "{port}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_new_python_plugin_tests_natively_and_as_a_component_builds_and_runs() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("kwh-py");
    let python = |cmd: &mut Command| {
        // The venv the test guests were built with: componentize-py and pytest, installed once.
        cmd.env("KILN_PYTHON", kiln_test_guests::PYTHON).env_remove("VIRTUAL_ENV");
    };
    kiln().args(["plugin", "new", "kwh-py", "--lang", "python", "--dir"]).arg(&dir).assert().success();
    assert!(dir.join("kwh_py.py").exists() && dir.join("tests/test_kwh_py.py").exists());

    // Natively, then against the component it builds.
    let mut test = kiln();
    python(test.args(["plugin", "test", "--path"]).arg(&dir));
    let out = test.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}\n{}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr.contains("== against the component"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).matches("2 passed").count(), 2, "both runs pass both tests");

    let mut build = kiln();
    python(build.args(["plugin", "build", "--json", "--path"]).arg(&dir));
    let built = json_stdout(&mut build);
    assert_eq!((built["name"].as_str(), built["language"].as_str()), (Some("kwh-py"), Some("python")));
    let wasm = built["path"].as_str().unwrap().to_string();
    // The component carries the project's source for reviewers.
    let source = kiln_host::source::extract(&std::fs::read(&wasm).unwrap()).unwrap().expect("source embedded");
    let paths: Vec<&str> = source.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["app.py", "kwh_py.py", "pyproject.toml", "tests/test_kwh_py.py"]);
    let data = monthly_csv(work.path());
    let run = json_stdout(kiln().args(["plugin", "run", &wasm, "--json", "--data"]).arg(&data));
    assert_eq!(run["output"]["metrics"][0]["value"], 135.0);
    assert_eq!(run["output"]["tables"][0]["rows"], serde_json::json!([["E1", 105.0], ["E2", 30.0]]));

    // A failing test fails `kiln plugin test`.
    let test_file = dir.join("tests/test_kwh_py.py");
    let broken = std::fs::read_to_string(&test_file).unwrap().replace("[30.0, 15.0]", "[30.0, 16.0]");
    std::fs::write(&test_file, broken).unwrap();
    let mut test = kiln();
    python(test.args(["plugin", "test", "--native", "--path"]).arg(&dir));
    assert!(!test.output().unwrap().status.success(), "a failing test must fail the command");
}

#[test]
fn building_a_python_plugin_without_python_says_so_in_one_line() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("p");
    kiln().args(["plugin", "new", "p", "--lang", "python", "--dir"]).arg(&dir).assert().success();
    let out = kiln()
        .args(["plugin", "build", "--path"])
        .arg(&dir)
        .env("KILN_CACHE_DIR", work.path().join("cache"))
        .env("KILN_PYTHON", work.path().join("no-python-here"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("need Python 3.10 or newer"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn the_typescript_port_of_output_growth_gives_the_rust_output_byte_for_byte() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("xian");
    kiln().args(["data", "generate", "--enterprises", "300", "--months", "24", "--out"]).arg(&data).assert().success();
    let run = |wasm: &str| {
        let doc = json_stdout(kiln().args(["plugin", "run", wasm, "--json", "--timeout", "120s", "--data"]).arg(&data));
        assert_eq!(doc["ok"], true, "{wasm}: {}", doc["error"]);
        doc
    };
    let (rust, port) = (run(kiln_test_guests::OUTPUT_GROWTH), run(kiln_test_guests::OUTPUT_GROWTH_TS));
    assert_eq!(port["plugin"]["language"], "javascript");
    assert!(rust["output"]["tables"][0]["rows"].as_array().is_some_and(|rows| rows.len() > 100));
    assert_eq!(rust["output_sha256"], port["output_sha256"]);
    // The port's own tests (the Rust crate's, ported), natively under Node.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out = kiln()
        .args(["plugin", "test", "--native", "--path"])
        .arg(root.join("example-plugins/typescript/output-growth"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("# fail 0"), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_new_typescript_plugin_tests_natively_and_as_a_component_builds_and_runs() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("kwh-ts");
    kiln().args(["plugin", "new", "kwh-ts", "--lang", "typescript", "--dir"]).arg(&dir).assert().success();
    assert!(dir.join("src/kwh-ts.ts").exists() && dir.join("tests/kwh-ts.test.ts").exists());

    // Natively, then against the component it builds.
    let out = kiln().args(["plugin", "test", "--path"]).arg(&dir).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}\n{stdout}");
    assert!(stderr.contains("== against the component"), "{stderr}");
    assert_eq!(stdout.matches("# pass 2").count(), 2, "both runs pass both tests: {stdout}");

    let built = json_stdout(kiln().args(["plugin", "build", "--json", "--path"]).arg(&dir));
    assert_eq!((built["name"].as_str(), built["language"].as_str()), (Some("kwh-ts"), Some("javascript")));
    let wasm = built["path"].as_str().unwrap().to_string();
    // The component carries the project's source for reviewers.
    let source = kiln_host::source::extract(&std::fs::read(&wasm).unwrap()).unwrap().expect("source embedded");
    let paths: Vec<&str> = source.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["package.json", "src/app.ts", "src/kwh-ts.ts", "tests/kwh-ts.test.ts", "tsconfig.json"]);
    let data = monthly_csv(work.path());
    let run = json_stdout(kiln().args(["plugin", "run", &wasm, "--json", "--data"]).arg(&data));
    assert_eq!(run["output"]["metrics"][0]["value"], 135.0);
    assert_eq!(run["output"]["tables"][0]["rows"], serde_json::json!([["E1", 105.0], ["E2", 30.0]]));
    assert!(run["log"].to_string().contains("2 enterprises kept"), "console.log reaches the run's log: {}", run["log"]);

    // A type error fails the build with tsc's message; a failing test fails `kiln plugin test`.
    let plugin = dir.join("src/kwh-ts.ts");
    let source = std::fs::read_to_string(&plugin).unwrap();
    std::fs::write(&plugin, source.replace("params.f64(\"min_kwh\")", "params.string(\"min_kwh\")")).unwrap();
    let out = kiln().args(["plugin", "build", "--path"]).arg(&dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("error TS"), "{stderr}");
    std::fs::write(&plugin, source).unwrap();
    let test_file = dir.join("tests/kwh-ts.test.ts");
    let broken = std::fs::read_to_string(&test_file).unwrap().replace("[30, 15]", "[30, 16]");
    std::fs::write(&test_file, broken).unwrap();
    let out = kiln().args(["plugin", "test", "--native", "--path"]).arg(&dir).output().unwrap();
    assert!(!out.status.success(), "a failing test must fail the command");
}

#[test]
fn building_a_typescript_plugin_without_node_says_so_in_one_line() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("p");
    kiln().args(["plugin", "new", "p", "--lang", "typescript", "--dir"]).arg(&dir).assert().success();
    let out = kiln()
        .args(["plugin", "build", "--path"])
        .arg(&dir)
        .env("KILN_CACHE_DIR", work.path().join("cache"))
        .env("KILN_NODE", work.path().join("no-node-here"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("need Node.js 20 or newer"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn the_typescript_sdk_passes_its_own_tests_and_carries_what_jco_generates_from_the_contract() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let sdk = root.join("sdk/typescript");
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(read(&sdk.join("wit/plugin.wit")), read(&root.join("wit/since_v0.2.0/plugin.wit")));
    // Node run in the SDK's directory; its output.
    let node = |args: &[String]| {
        let out = std::process::Command::new("node").args(args).current_dir(&sdk).output().expect("node");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{text}");
        text
    };
    let tool = |name: &str| {
        Path::new(kiln_test_guests::TS_TOOLS_DIR).join("node_modules/.bin").join(name).display().to_string()
    };
    let work = tempfile::tempdir().unwrap();

    // `types/` is jco's output for that WIT, never edited by hand (`npm run gen-types`).
    let generated = work.path().join("types");
    let (jco, out) = (tool("jco"), generated.display().to_string());
    node(&[jco.as_str(), "guest-types", "wit", "-n", "plugin", "-q", "-o", out.as_str()].map(String::from));
    for file in ["plugin.d.ts", "interfaces/kiln-plugin-data.d.ts", "interfaces/kiln-plugin-guest.d.ts"]
        .into_iter()
        .chain(["interfaces/kiln-plugin-log.d.ts", "interfaces/kiln-plugin-types.d.ts"])
    {
        assert_eq!(read(&sdk.join("types").join(file)), read(&generated.join(file)), "{file}: run `npm run gen-types`");
    }

    // The SDK's own tests, bundled as `kiln plugin test` bundles a plugin's.
    let bundled = work.path().join("tests");
    node(&[
        tool("esbuild"),
        "tests/sdk.test.ts".to_string(),
        "--bundle".to_string(),
        "--format=esm".to_string(),
        "--platform=node".to_string(),
        "--target=node20".to_string(),
        format!("--alias:@kiln/sdk={}", sdk.join("src").display()),
        format!("--outdir={}", bundled.display()),
        "--out-extension:.js=.mjs".to_string(),
    ]);
    let report = node(&["--test".to_string(), bundled.join("sdk.test.mjs").display().to_string()]);
    assert!(report.contains("# fail 0"), "{report}");
}
