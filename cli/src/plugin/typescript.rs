//! TypeScript (and JavaScript) plugins: the pinned jco and ComponentizeJS that build them,
//! installed into Kiln's cache the first time, and the Node test runs of `kiln plugin test`.
//!
//! A TypeScript plugin is a directory with a `package.json`; its `kiln` object names the entry
//! module (`entry`, default `src/app.ts`) and where the TypeScript SDK is (`sdk`, relative to
//! the project), as `kiln plugin new --lang typescript` writes them. A build type-checks the
//! project (when it has a `tsconfig.json`), bundles the entry with esbuild into one ES module
//! (`dist/NAME.js`) and turns that into a component with jco's ComponentizeJS. The component
//! carries the project's source for reviewers (`kiln_host::source`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

use super::files::walk;

/// The tools' `package.json`: jco 1.15.4 with ComponentizeJS 0.23.0 (an override: the jco of
/// that version asks for 0.19), esbuild and TypeScript, each at an exact version.
const TOOLS_PACKAGE: &str = include_str!("../../tools/typescript/package.json");
/// The tools' lock file, so every install resolves the same dependency tree (`npm ci`).
const TOOLS_LOCK: &str = include_str!("../../tools/typescript/package-lock.json");
/// Names the install in the cache; a new pin is a new directory.
pub const TOOLS: &str = "jco-1.15.4+componentize-js-0.23.0";

/// The oldest Node.js that runs the tools (and the plugins' native tests).
const MIN_NODE: u32 = 20;

/// WASI features of ComponentizeJS's engine that a plugin's component leaves out: `http` and
/// `fetch-event` import `wasi:http`, which the host refuses. `random` and `clocks` stay, so
/// `Math.random`, `crypto.getRandomValues` and `Date` read the run's seeded random source and
/// virtual clock; `stdio` stays so `console` output outside `run` still reaches the run's log.
const DISABLED_FEATURES: [&str; 2] = ["http", "fetch-event"];

/// A TypeScript plugin project.
pub struct Project {
    /// Its directory.
    pub dir: PathBuf,
    /// `name` in `package.json`: the plugin's name.
    pub name: String,
    /// The entry module, relative to the project (it exports `guest`).
    pub entry: PathBuf,
    /// The TypeScript SDK's directory (with `src/` and `wit/`).
    pub sdk: PathBuf,
}

impl Project {
    /// Reads `dir/package.json`.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join("package.json");
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let name = doc["name"].as_str().with_context(|| format!("{} has no name", path.display()))?.to_string();
        // The name becomes a file name under dist/.
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            bail!("the name `{name}` in {} is not a plugin name (letters, digits, `-`, `_`)", path.display());
        }
        let entry = PathBuf::from(doc["kiln"]["entry"].as_str().unwrap_or("src/app.ts"));
        if entry.is_absolute() || entry.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
            bail!("kiln.entry `{}` in {} must be a path inside the project", entry.display(), path.display());
        }
        let sdk = match doc["kiln"]["sdk"].as_str() {
            Some(sdk) => dir.join(sdk),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk/typescript"),
        };
        let sdk = std::fs::canonicalize(&sdk).with_context(|| {
            format!("the TypeScript SDK is not at {} (set kiln.sdk in {})", sdk.display(), path.display())
        })?;
        if !sdk.join("src/index.ts").exists() || !sdk.join("wit/plugin.wit").exists() {
            bail!("{} is not the TypeScript SDK (set kiln.sdk in {})", sdk.display(), path.display());
        }
        Ok(Project { dir: std::fs::canonicalize(dir)?, name, entry, sdk })
    }

    /// Where `kiln plugin build` writes the component.
    pub fn output(&self) -> PathBuf {
        self.dir.join("dist").join(format!("{}.wasm", self.name))
    }

    /// Type-checks, bundles and componentizes the project; returns the component's path.
    pub fn build(&self, tools: &Path) -> anyhow::Result<PathBuf> {
        let tools = Tools::install(tools)?;
        if self.dir.join("tsconfig.json").exists() {
            tools.run("tsc", &self.dir, |c| c.args(["--noEmit", "--pretty", "false", "-p", "."]), "type errors")?;
        }
        let out = self.output();
        let bundle = out.with_extension("js");
        std::fs::create_dir_all(out.parent().expect("a file in dist/"))?;
        tools.run(
            "esbuild",
            &self.dir,
            |c| {
                c.arg(&self.entry)
                    .args(["--bundle", "--format=esm", "--platform=neutral", "--target=es2022", "--log-level=warning"])
                    .args(self.bundle_args())
                    .arg(format!("--outfile={}", bundle.display()))
            },
            "bundling failed",
        )?;
        tools.run(
            "jco",
            &self.dir,
            |c| {
                c.arg("componentize").arg(&bundle).arg("--wit").arg(self.sdk.join("wit")).args(["-n", "plugin"]);
                for feature in DISABLED_FEATURES {
                    c.args(["--disable", feature]);
                }
                c.arg("-o").arg(&out)
            },
            "ComponentizeJS failed",
        )?;
        // The component holds the bundle only as the engine's snapshot of it; reviewers read the
        // TypeScript carried beside it, covered by the same signature (`kiln_host::source`).
        let component = std::fs::read(&out).with_context(|| format!("reading {}", out.display()))?;
        let with_source = kiln_host::source::embed(&component, self.source_files()?)
            .with_context(|| format!("embedding the source of {}", self.dir.display()))?;
        std::fs::write(&out, with_source).with_context(|| format!("writing {}", out.display()))?;
        Ok(out)
    }

    /// esbuild's arguments that resolve `@kiln/sdk` (and `@kiln/sdk/guest`, `/testing`) to the
    /// SDK's sources and leave the contract's imports to ComponentizeJS.
    fn bundle_args(&self) -> [String; 2] {
        [format!("--alias:@kiln/sdk={}", self.sdk.join("src").display()), "--external:kiln:plugin/*".to_string()]
    }

    /// The project's own source: its TypeScript and JavaScript files, `package.json` and
    /// `tsconfig.json`, sorted by path, leaving out what tools make (`dist/`, `node_modules/`,
    /// hidden directories).
    pub fn source_files(&self) -> anyhow::Result<Vec<kiln_host::source::SourceFile>> {
        let wanted = |name: &str| {
            [".ts", ".mts", ".js", ".mjs"].iter().any(|ext| name.ends_with(ext))
                || name == "package.json"
                || name == "tsconfig.json"
        };
        super::files::sources(&self.dir, &["dist", "build", "node_modules"], wanted)
    }

    /// Runs the project's tests (`tests/**/*.test.ts`) under Node's test runner: natively, or
    /// against `component` through `kiln plugin run` (the SDK's testing module reads
    /// `KILN_COMPONENT`). Returns whether every test passed.
    pub fn test(&self, tools: &Path, component: Option<&Path>) -> anyhow::Result<bool> {
        let tests = self.test_files()?;
        if tests.is_empty() {
            bail!("no tests in {}: a test is a tests/*.test.ts file", self.dir.join("tests").display());
        }
        let tools = Tools::install(tools)?;
        let out = tempfile::tempdir().context("creating a directory for the bundled tests")?;
        tools.run(
            "esbuild",
            &self.dir,
            |c| {
                c.args(&tests)
                    .args(["--bundle", "--format=esm", "--platform=node", "--target=node20", "--log-level=warning"])
                    .args(self.bundle_args())
                    .arg(format!("--outdir={}", out.path().display()))
                    .arg("--out-extension:.js=.mjs")
            },
            "bundling the tests failed",
        )?;
        let bundled: Vec<PathBuf> =
            walk(out.path(), &[])?.into_iter().filter(|p| p.extension().is_some_and(|e| e == "mjs")).collect();
        let mut command = Command::new(&tools.node);
        command.arg("--test").args(&bundled).current_dir(&self.dir);
        command.env("KILN_BIN", std::env::current_exe().context("finding the kiln binary")?);
        match component {
            Some(component) => command.env("KILN_COMPONENT", std::fs::canonicalize(component)?),
            None => command.env_remove("KILN_COMPONENT"),
        };
        Ok(command.status().context("running node --test")?.success())
    }

    /// `tests/**/*.test.ts` (and `.test.js`), relative to the project.
    fn test_files(&self) -> anyhow::Result<Vec<PathBuf>> {
        let dir = self.dir.join("tests");
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let files = walk(&dir, &["node_modules"])?
            .into_iter()
            .filter(|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                name.ends_with(".test.ts") || name.ends_with(".test.js")
            })
            .filter_map(|p| p.strip_prefix(&self.dir).ok().map(Path::to_path_buf))
            .collect();
        Ok(files)
    }
}

/// The pinned tools, installed, and the Node.js that runs them.
struct Tools {
    node: PathBuf,
    dir: PathBuf,
}

impl Tools {
    /// The tools under `tools/`[`TOOLS`], installed with `npm ci` on first use. The directory
    /// is marked complete only once npm succeeded, so an interrupted install is done again.
    fn install(tools: &Path) -> anyhow::Result<Self> {
        let node = node()?;
        let dir = tools.join(TOOLS);
        let done = dir.join(".installed");
        if done.exists() {
            return Ok(Tools { node, dir });
        }
        eprintln!("installing jco and ComponentizeJS ({TOOLS}) into {} (once)", dir.display());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(dir.join("package.json"), TOOLS_PACKAGE)?;
        std::fs::write(dir.join("package-lock.json"), TOOLS_LOCK)?;
        // No install scripts: every tool ships its native binary as a platform package, and a
        // script would run code from the registry with the maker's rights.
        let status = Command::new(npm(&node))
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .status()
            .context("running npm (it comes with Node.js)")?;
        if !status.success() {
            bail!("npm could not install {TOOLS} into {} (it comes from the npm registry)", dir.display());
        }
        std::fs::write(&done, TOOLS)?;
        Ok(Tools { node, dir })
    }

    /// Runs the tool `bin` (a script of `node_modules/.bin`) with the checked Node.js in `cwd`;
    /// on failure, `what` and the tool's own output.
    fn run(
        &self,
        bin: &str,
        cwd: &Path,
        args: impl FnOnce(&mut Command) -> &mut Command,
        what: &str,
    ) -> anyhow::Result<()> {
        let script = self.dir.join("node_modules/.bin").join(bin);
        let mut command = Command::new(&self.node);
        command.arg(&script).current_dir(cwd).stdin(Stdio::null());
        args(&mut command);
        let output = command.output().with_context(|| format!("running {}", script.display()))?;
        if !output.status.success() {
            let text = [output.stdout, output.stderr].concat();
            bail!("{bin}: {what} in {}:\n{}", cwd.display(), String::from_utf8_lossy(&text).trim_end());
        }
        Ok(())
    }
}

/// The Node.js that runs the tools and the tests: `$KILN_NODE`, else `node` on `PATH`; checked
/// to be new enough, with one clear line when it is missing.
fn node() -> anyhow::Result<PathBuf> {
    let node = std::env::var_os("KILN_NODE").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("node"));
    let major: Option<u32> = Command::new(&node)
        .arg("--version")
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout).trim().trim_start_matches('v').split('.').next()?.parse().ok()
        });
    match major {
        Some(major) if major >= MIN_NODE => Ok(node),
        Some(major) => bail!(
            "TypeScript plugins need Node.js {MIN_NODE} or newer; {} is {major} (set KILN_NODE to a newer one)",
            node.display()
        ),
        None => bail!(
            "TypeScript plugins need Node.js {MIN_NODE} or newer with npm, and `{}` was not found: install it \
             (e.g. `apt-get install nodejs npm`) or set KILN_NODE",
            node.display()
        ),
    }
}

/// npm beside `node` when there is one (as Node's installers put it), else `npm` on `PATH`.
fn npm(node: &Path) -> PathBuf {
    node.parent().map(|dir| dir.join("npm")).filter(|npm| npm.exists()).unwrap_or_else(|| PathBuf::from("npm"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdk(dir: &Path) -> PathBuf {
        let sdk = dir.join("sdk");
        std::fs::create_dir_all(sdk.join("src")).unwrap();
        std::fs::create_dir_all(sdk.join("wit")).unwrap();
        std::fs::write(sdk.join("src/index.ts"), "").unwrap();
        std::fs::write(sdk.join("wit/plugin.wit"), "").unwrap();
        sdk
    }

    #[test]
    fn a_project_names_its_entry_and_sdk() {
        let dir = tempfile::tempdir().unwrap();
        let sdk = sdk(dir.path());
        let project = dir.path().join("p");
        std::fs::create_dir(&project).unwrap();
        std::fs::write(project.join("package.json"), r#"{"name":"p","kiln":{"entry":"src/main.ts","sdk":"../sdk"}}"#)
            .unwrap();
        let p = Project::open(&project).unwrap();
        assert_eq!((p.name.as_str(), p.entry.as_path()), ("p", Path::new("src/main.ts")));
        assert_eq!(p.sdk, std::fs::canonicalize(&sdk).unwrap());
        assert!(p.output().ends_with("dist/p.wasm"));
    }

    #[test]
    fn an_entry_outside_the_project_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        sdk(dir.path());
        std::fs::write(dir.path().join("package.json"), r#"{"name":"p","kiln":{"entry":"../x.ts","sdk":"sdk"}}"#)
            .unwrap();
        let err = Project::open(dir.path()).err().expect("refused").to_string();
        assert!(err.contains("inside the project"), "{err}");
    }

    #[test]
    fn a_name_that_is_no_file_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        sdk(dir.path());
        std::fs::write(dir.path().join("package.json"), r#"{"name":"@scope/../x","kiln":{"sdk":"sdk"}}"#).unwrap();
        let err = Project::open(dir.path()).err().expect("refused").to_string();
        assert!(err.contains("not a plugin name"), "{err}");
    }

    #[test]
    fn the_source_carried_is_the_projects_own() {
        let dir = tempfile::tempdir().unwrap();
        sdk(dir.path());
        for (path, text) in [
            ("package.json", r#"{"name":"p","kiln":{"sdk":"sdk"}}"#),
            ("tsconfig.json", "{}"),
            ("src/app.ts", "app"),
            ("tests/p.test.ts", "test"),
            ("dist/p.js", "built"),
            ("node_modules/x/index.js", "dependency"),
            (".cache/x.ts", "hidden"),
            ("notes.txt", "not source"),
        ] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let project = Project::open(dir.path()).unwrap();
        let files = project.source_files().unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["package.json", "sdk/src/index.ts", "src/app.ts", "tests/p.test.ts", "tsconfig.json"]);
        assert_eq!(project.test_files().unwrap(), [PathBuf::from("tests/p.test.ts")]);
    }
}
