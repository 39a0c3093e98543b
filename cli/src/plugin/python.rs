//! Python plugins: the pinned componentize-py that builds them, installed into Kiln's cache the
//! first time, and the pytest runs of `kiln plugin test`.
//!
//! A Python plugin is a directory with a `pyproject.toml`; its `[tool.kiln]` table names the
//! entry module (`module`, default `app`) and where the Python SDK is (`sdk`, relative to the
//! project), as `kiln plugin new --lang python` writes them. The built component carries the
//! project's source for reviewers (`kiln_host::source`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

/// The componentize-py every Python plugin is built with. Pinned: the component embeds the
/// CPython it ships, so a new version changes what makers' plugins run on.
pub const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";

/// The oldest Python that installs [`COMPONENTIZE_PY`] (and runs the SDK's native tests).
const MIN_PYTHON: (u32, u32) = (3, 10);

/// A Python plugin project.
pub struct Project {
    /// Its directory.
    pub dir: PathBuf,
    /// `[project] name`: the plugin's name.
    pub name: String,
    /// The module componentize-py builds (`Guest = export(...)` in it).
    pub module: String,
    /// The directory holding the `kiln_sdk` package.
    pub sdk: PathBuf,
}

impl Project {
    /// Reads `dir/pyproject.toml`.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join("pyproject.toml");
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let doc: toml::Table = toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let name = doc
            .get("project")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .with_context(|| format!("{} has no [project] name", path.display()))?
            .to_string();
        let kiln = doc.get("tool").and_then(|t| t.get("kiln"));
        let setting = |key: &str| kiln.and_then(|k| k.get(key)).and_then(|v| v.as_str());
        let module = setting("module").unwrap_or("app").to_string();
        if module.is_empty()
            || !module.split('.').all(|part| part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            bail!("[tool.kiln] module `{module}` in {} is not a Python module name", path.display());
        }
        let sdk = match setting("sdk") {
            Some(sdk) => dir.join(sdk),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk/python"),
        };
        let sdk = std::fs::canonicalize(&sdk).with_context(|| {
            format!("the Python SDK is not at {} (set [tool.kiln] sdk in {})", sdk.display(), path.display())
        })?;
        if !sdk.join("kiln_sdk/__init__.py").exists() {
            bail!("{} holds no kiln_sdk package (set [tool.kiln] sdk in {})", sdk.display(), path.display());
        }
        Ok(Project { dir: std::fs::canonicalize(dir)?, name, module, sdk })
    }

    /// Where `kiln plugin build` writes the component.
    pub fn output(&self) -> PathBuf {
        self.dir.join("dist").join(format!("{}.wasm", self.name))
    }

    /// Builds the component with the pinned componentize-py and returns its path.
    pub fn build(&self, tools: &Path) -> anyhow::Result<PathBuf> {
        let componentize = componentize_py(tools)?;
        let out = self.output();
        std::fs::create_dir_all(out.parent().expect("a file in dist/"))?;
        // `-p` lists where modules are found: the project, then the SDK; componentize-py finds
        // the world and where to put the bindings through the SDK's `componentize-py.toml`.
        let output = Command::new(&componentize)
            .args(["-w", "plugin", "componentize", &self.module, "-p"])
            .arg(&self.dir)
            .arg("-p")
            .arg(&self.sdk)
            .arg("-o")
            .arg(&out)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {}", componentize.display()))?;
        if !output.status.success() {
            // componentize-py prints the Python traceback of a failing import: the maker's error.
            let stderr = String::from_utf8_lossy(&output.stderr);
            bail!("componentize-py failed to build {}:\n{}", self.dir.display(), stderr.trim_end());
        }
        // The component holds the plugin as bytecode; reviewers read the source carried beside
        // it, covered by the same signature (`kiln_host::source`).
        let component = std::fs::read(&out).with_context(|| format!("reading {}", out.display()))?;
        let with_source = kiln_host::source::embed(&component, self.source_files()?)
            .with_context(|| format!("embedding the source of {}", self.dir.display()))?;
        std::fs::write(&out, with_source).with_context(|| format!("writing {}", out.display()))?;
        Ok(out)
    }

    /// The project's own source: its Python files and `pyproject.toml`, sorted by path, leaving
    /// out what tools make (`dist/`, virtual environments, caches, hidden directories).
    pub fn source_files(&self) -> anyhow::Result<Vec<kiln_host::source::SourceFile>> {
        let skipped = ["dist", "build", "venv", "__pycache__", "node_modules"];
        super::files::sources(&self.dir, &skipped, |name| name.ends_with(".py") || name == "pyproject.toml")
    }
}

/// The Python that installs componentize-py and runs the tests: `$KILN_PYTHON`, else the
/// active virtual environment's, else `python3`; checked to be new enough, with one clear line
/// when it is missing.
pub fn python() -> anyhow::Result<PathBuf> {
    let python = std::env::var_os("KILN_PYTHON")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("VIRTUAL_ENV").map(|v| PathBuf::from(v).join("bin/python")))
        .unwrap_or_else(|| PathBuf::from("python3"));
    // A relative path (not a bare name looked up on PATH) must survive running in the project.
    let python = if python.is_relative() && python.components().count() > 1 {
        std::env::current_dir().context("finding the current directory")?.join(python)
    } else {
        python
    };
    let version = Command::new(&python)
        .args(["-c", "import sys; print(*sys.version_info[:2])"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            let mut parts = text.split_whitespace().map(|p| p.parse::<u32>().ok());
            Some((parts.next()??, parts.next()??))
        });
    match version {
        Some(v) if v >= MIN_PYTHON => Ok(python),
        Some((major, minor)) => bail!(
            "Python plugins need Python {}.{} or newer; {} is {major}.{minor} (set KILN_PYTHON to a newer one)",
            MIN_PYTHON.0,
            MIN_PYTHON.1,
            python.display()
        ),
        None => bail!(
            "Python plugins need Python {}.{} or newer with venv, and `{}` was not found: install it \
             (e.g. `apt-get install python3 python3-venv`) or set KILN_PYTHON",
            MIN_PYTHON.0,
            MIN_PYTHON.1,
            python.display()
        ),
    }
}

/// The virtual environment holding [`COMPONENTIZE_PY`], under Kiln's `tools` cache.
pub fn venv(tools: &Path) -> PathBuf {
    tools.join(COMPONENTIZE_PY.replace("==", "-"))
}

/// componentize-py at [`COMPONENTIZE_PY`], installed into [`venv`] on first use. The venv is
/// marked complete only once pip succeeded, so an interrupted install is done again.
fn componentize_py(tools: &Path) -> anyhow::Result<PathBuf> {
    let venv = venv(tools);
    let (bin, done) = (venv.join("bin/componentize-py"), venv.join(".installed"));
    if done.exists() && bin.exists() {
        return Ok(bin);
    }
    let python = python()?;
    eprintln!("installing {COMPONENTIZE_PY} into {} (once)", venv.display());
    let _ = std::fs::remove_dir_all(&venv);
    std::fs::create_dir_all(tools).with_context(|| format!("creating {}", tools.display()))?;
    let created = Command::new(&python).args(["-m", "venv"]).arg(&venv).status().context("running python -m venv")?;
    if !created.success() {
        bail!(
            "`{} -m venv` failed: install Python's venv module (e.g. `apt-get install python3-venv`)",
            python.display()
        );
    }
    let pip = Command::new(venv.join("bin/python"))
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", COMPONENTIZE_PY])
        .status()
        .context("running pip")?;
    if !pip.success() {
        bail!("pip could not install {COMPONENTIZE_PY} (it comes from PyPI)");
    }
    std::fs::write(&done, COMPONENTIZE_PY)?;
    Ok(bin)
}

/// Runs the project's pytest suite with `python`: natively, or against `component` through
/// `kiln plugin run` (the SDK's `--kiln-component`), with `kiln` being this binary. Returns
/// whether every test passed.
pub fn pytest(python: &Path, project: &Project, component: Option<&Path>) -> anyhow::Result<bool> {
    let has_pytest =
        Command::new(python).args(["-c", "import pytest"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if !has_pytest {
        bail!("pytest is not installed for {}: `{} -m pip install pytest`", python.display(), python.display());
    }
    let mut command = Command::new(python);
    // The SDK's pytest plugin by module, whether or not the SDK is installed (where its entry
    // point would load it a second time: `no:` blocks that one).
    command.args(["-m", "pytest", "-q", "-p", "no:kiln_sdk", "-p", "kiln_sdk.pytest_plugin"]);
    if let Some(component) = component {
        command.arg("--kiln-component").arg(component);
    }
    let path = std::env::join_paths([project.dir.as_path(), project.sdk.as_path()])?;
    let status = command
        .current_dir(&project.dir)
        .env("PYTHONPATH", path)
        .env("KILN_BIN", std::env::current_exe().context("finding the kiln binary")?)
        .status()
        .context("running pytest")?;
    Ok(status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_names_its_module_and_sdk() {
        let dir = tempfile::tempdir().unwrap();
        let sdk = dir.path().join("sdk");
        std::fs::create_dir_all(sdk.join("kiln_sdk")).unwrap();
        std::fs::write(sdk.join("kiln_sdk/__init__.py"), "").unwrap();
        let project = dir.path().join("p");
        std::fs::create_dir(&project).unwrap();
        std::fs::write(
            project.join("pyproject.toml"),
            "[project]\nname = \"p\"\n[tool.kiln]\nmodule = \"entry\"\nsdk = \"../sdk\"\n",
        )
        .unwrap();
        let p = Project::open(&project).unwrap();
        assert_eq!((p.name.as_str(), p.module.as_str()), ("p", "entry"));
        assert_eq!(p.sdk, std::fs::canonicalize(&sdk).unwrap());
        assert!(p.output().ends_with("dist/p.wasm"));
    }

    #[test]
    fn the_source_carried_is_the_projects_own() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("kiln_sdk")).unwrap();
        std::fs::write(dir.path().join("kiln_sdk/__init__.py"), "").unwrap();
        for (path, text) in [
            ("pyproject.toml", "[project]\nname = \"p\"\n[tool.kiln]\nsdk = \".\"\n"),
            ("app.py", "app"),
            ("tests/test_p.py", "test"),
            ("dist/p.py", "built"),
            (".venv/lib/x.py", "venv"),
            ("__pycache__/app.py", "cache"),
            ("notes.txt", "not source"),
        ] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let files = Project::open(dir.path()).unwrap().source_files().unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["app.py", "kiln_sdk/__init__.py", "pyproject.toml", "tests/test_p.py"]);
    }

    #[test]
    fn a_module_name_that_is_not_python_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"p\"\n[tool.kiln]\nmodule = \"-x; rm\"\n",
        )
        .unwrap();
        let err = Project::open(dir.path()).err().expect("refused").to_string();
        assert!(err.contains("not a Python module name"), "{err}");
    }
}
