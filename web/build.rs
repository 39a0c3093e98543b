//! Builds the console into `OUT_DIR` and writes the table of its files for `embed.rs`.
//!
//! `npm ci` runs when `node_modules` is missing or older than `package-lock.json`; `npm run
//! build` (type check, then Vite) runs whenever a source changes. Text assets are gzipped here,
//! once, so the server sends the compressed bytes without compressing per request.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

/// Inputs whose change rebuilds the console.
const INPUTS: &[&str] = &["package.json", "package-lock.json", "index.html", "vite.config.ts", "tsconfig.json", "src"];

fn main() {
    let web = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for input in INPUTS {
        println!("cargo::rerun-if-changed={}", web.join(input).display());
    }
    println!("cargo::rerun-if-env-changed=KILN_NPM");
    let npm = env::var("KILN_NPM").unwrap_or_else(|_| "npm".to_string());

    if let Err(e) = Command::new(&npm).arg("--version").output() {
        fail(&format!(
            "the console (web/) is built with Node.js >= 20 and npm, and `{npm}` could not be run ({e}).\n\
             Install them (Debian: `apt-get install nodejs npm`), or point KILN_NPM at npm, and build again."
        ));
    }
    if needs_install(&web) {
        run(Command::new(&npm).args(["ci", "--no-audit", "--no-fund"]).current_dir(&web), "npm ci");
    }
    let dist = out.join("dist");
    run(
        Command::new(&npm).args(["run", "build", "--", "--outDir"]).arg(&dist).arg("--emptyOutDir").current_dir(&web),
        "npm run build",
    );

    let mut files = Vec::new();
    collect(&dist, &dist, &mut files);
    files.sort();
    let gz = out.join("gz");
    let mut table =
        String::from("/// Every file of the built console, sorted by path.\npub static ASSETS: &[Asset] = &[\n");
    for rel in &files {
        let path = dist.join(rel);
        let body = fs::read(&path).unwrap_or_else(|e| fail(&format!("reading {}: {e}", path.display())));
        let url = format!("/{}", rel.replace('\\', "/"));
        let gzip = compressible(&url).then(|| gzip(&body)).filter(|z| z.len() < body.len()).map(|z| {
            let at = gz.join(format!("{rel}.gz"));
            fs::create_dir_all(at.parent().expect("a file has a parent")).expect("creating the gzip directory");
            fs::write(&at, z).expect("writing a gzipped asset");
            at
        });
        let etag = hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(&body)[..12]);
        table.push_str(&format!(
            "    Asset {{ path: {url:?}, content_type: {ct:?}, body: include_bytes!({body:?}), gzip: {gzip}, etag: {etag:?}, immutable: {immutable} }},\n",
            ct = content_type(&url),
            body = path.display().to_string(),
            gzip = gzip.map_or("None".to_string(), |p| format!("Some(include_bytes!({:?}))", p.display().to_string())),
            immutable = url.starts_with("/assets/"),
        ));
    }
    table.push_str("];\n");
    fs::write(out.join("assets.rs"), table).expect("writing assets.rs");
}

/// Whether `node_modules` is missing or older than the lock file.
fn needs_install(web: &Path) -> bool {
    let modified = |p: PathBuf| fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(web.join("node_modules/.package-lock.json")), modified(web.join("package-lock.json"))) {
        (Some(installed), Some(lock)) => installed < lock,
        _ => true,
    }
}

fn run(command: &mut Command, what: &str) {
    match command.status() {
        Ok(status) if status.success() => {}
        Ok(status) => fail(&format!("`{what}` in web/ failed ({status}); its output is above")),
        Err(e) => fail(&format!("`{what}` in web/ could not start: {e}")),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| fail(&format!("reading {}: {e}", dir.display())));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            out.push(path.strip_prefix(root).expect("under the root").display().to_string());
        }
    }
}

fn content_type(url: &str) -> &'static str {
    match url.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn compressible(url: &str) -> bool {
    matches!(url.rsplit('.').next(), Some("html" | "js" | "mjs" | "css" | "json" | "svg" | "txt"))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}
