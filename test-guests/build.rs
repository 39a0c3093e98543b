//! Builds the test guests (`guests/`) and the example plugins (`../example-plugins/`) for
//! `wasm32-wasip2` with plain cargo, then writes their paths as constants for tests and benches.
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

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.parent().expect("crate lives in the workspace").to_path_buf();
    let target_dir = root.join("target").join("guests");
    let target_dir_v0_1_0 = root.join("target").join("guests-v0.1.0");
    // Watch sources, not the workspaces' own target dirs (which every build touches).
    let mut watched = vec!["../sdk".to_string(), "../wit".to_string()];
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
    let out_file = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("guests.rs");
    std::fs::write(out_file, out).expect("write guests.rs");
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
