//! A plugin project's files: what `kiln plugin build` embeds as the component's source, and
//! what `kiln plugin test` finds as tests.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use kiln_host::source::SourceFile;

/// Every file under `dir`, leaving out hidden directories and those named in `skipped` (what
/// tools make: `dist`, virtual environments, `node_modules`, caches).
pub fn walk(dir: &Path, skipped: &[&str]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if !name.starts_with('.') && !skipped.contains(&name.as_str()) {
                    dirs.push(entry.path());
                }
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The files under `project` whose name is `wanted`, as source files with `/`-separated paths
/// relative to it, sorted by path.
pub fn sources(project: &Path, skipped: &[&str], wanted: impl Fn(&str) -> bool) -> anyhow::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    for path in walk(project, skipped)? {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !wanted(&name) {
            continue;
        }
        let relative = path.strip_prefix(project).expect("under the project");
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let path = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        files.push(SourceFile { path, text });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
