//! Scratch files that a crash cannot leave behind. Uploads are spooled under `DATA_DIR/tmp`,
//! and the runner's dataset cache and the host's compile cache write `.`-prefixed partial
//! files under `DATA_DIR/cache` before renaming them into place; a `kill -9` mid-write leaves
//! those behind. Every process using a data directory (`kiln serve`, `kiln worker`) holds a
//! shared lock on `DATA_DIR/tmp/.lock` for its life. At start, a process that can take the lock
//! exclusively knows no other is alive, so every scratch file is a dead process's and is
//! removed; then it holds the lock shared like the others.

use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// The scratch directory of a running process, and the lock that marks the process alive.
#[derive(Debug)]
pub struct Scratch {
    /// Where uploads are spooled (`DATA_DIR/tmp`).
    pub work_dir: PathBuf,
    /// Held shared for the process's life; dropping it releases it.
    _lock: File,
}

/// What [`Scratch::open`] cleaned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// Whether this process was alone on the data directory, and so cleaned at all.
    pub alone: bool,
    /// Entries removed.
    pub removed: usize,
}

impl Scratch {
    /// Opens `DATA_DIR/tmp`, removing dead processes' scratch files from it and from
    /// `cache_dir` (the compile cache and its `datasets/`) when no other process is alive.
    pub fn open(data_dir: &Path, cache_dir: &Path) -> io::Result<(Scratch, Cleaned)> {
        let work_dir = data_dir.join("tmp");
        std::fs::create_dir_all(&work_dir)?;
        let lock = File::options().read(true).write(true).create(true).truncate(false).open(work_dir.join(".lock"))?;
        let mut cleaned = Cleaned::default();
        match lock.try_lock() {
            Ok(()) => {
                cleaned.alone = true;
                cleaned.removed += clean(&work_dir, |name| name != ".lock")?;
                for dir in [cache_dir.to_path_buf(), cache_dir.join("datasets")] {
                    // Only partial files: finished cache entries never start with `.`.
                    cleaned.removed += clean(&dir, |name| name.starts_with('.'))?;
                }
                lock.unlock()?;
            }
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(e),
        }
        // Another process starting now may clean before this one holds the lock shared; this
        // one has written nothing yet, so there is nothing of it to lose.
        lock.lock_shared()?;
        Ok((Scratch { work_dir, _lock: lock }, cleaned))
    }
}

/// Removes the entries of `dir` whose names pass `doomed`; a missing `dir` has none.
fn clean(dir: &Path, doomed: impl Fn(&str) -> bool) -> io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        if !entry.file_name().to_str().is_some_and(&doomed) {
            continue;
        }
        let path = entry.path();
        let gone =
            if entry.file_type()?.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        match gone {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(data: &Path) -> Vec<PathBuf> {
        let cache = data.join("cache");
        std::fs::create_dir_all(cache.join("datasets")).unwrap();
        std::fs::create_dir_all(data.join("tmp/.tmpAbC")).unwrap();
        let files = [
            data.join("tmp/.tmpAbC/upload"),
            data.join("tmp/stray"),
            cache.join(".abc.123.0.tmp"),
            cache.join("datasets/.abc.0123456789abcdef"),
        ];
        for f in &files {
            std::fs::write(f, b"partial").unwrap();
        }
        files.to_vec()
    }

    #[test]
    fn a_lone_process_removes_dead_processes_scratch_files() {
        let data = tempfile::tempdir().unwrap();
        let files = leftovers(data.path());
        let kept = [data.path().join("cache/abc-fp.cwasm"), data.path().join("cache/datasets/abc")];
        for f in &kept {
            std::fs::write(f, b"done").unwrap();
        }
        let (scratch, cleaned) = Scratch::open(data.path(), &data.path().join("cache")).unwrap();
        assert!(cleaned.alone);
        assert_eq!(cleaned.removed, 4, "{cleaned:?}");
        for f in &files {
            assert!(!f.exists(), "{} survived", f.display());
        }
        for f in &kept {
            assert!(f.exists(), "finished cache entry {} was removed", f.display());
        }
        assert_eq!(scratch.work_dir, data.path().join("tmp"));
    }

    #[test]
    fn a_live_processs_scratch_files_are_left_alone() {
        let data = tempfile::tempdir().unwrap();
        let cache = data.path().join("cache");
        let (_live, _) = Scratch::open(data.path(), &cache).unwrap();
        let files = leftovers(data.path());
        let (_second, cleaned) = Scratch::open(data.path(), &cache).unwrap();
        assert_eq!(cleaned, Cleaned { alone: false, removed: 0 });
        for f in &files {
            assert!(f.exists(), "{} was removed under a live process", f.display());
        }
    }
}
