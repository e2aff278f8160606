//! Which files `routeflow test PATH...` runs: files as named, and every `*.yaml` file under a directory.

use std::collections::HashSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// A file to load as a suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteFile {
    /// Its path: as given, or the directory given joined with the path below it.
    pub path: PathBuf,
    /// Whether it was found in a directory (where flow and center files are skipped) rather than named.
    pub in_directory: bool,
}

/// The suite files of `paths`, in the order given; a directory's files sorted by path, hidden entries
/// (names starting with `.`) left out, symbolic links to directories not followed (no loops). A file is
/// listed once even when two paths lead to it. The error names a path that cannot be read.
pub fn find(paths: &[PathBuf]) -> Result<Vec<SuiteFile>, String> {
    let mut found: Vec<SuiteFile> = Vec::new();
    for path in paths {
        let metadata = fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if metadata.is_dir() {
            let mut below = Vec::new();
            walk(path, &mut below).map_err(|e| format!("{}: {e}", path.display()))?;
            below.sort();
            found.extend(below.into_iter().map(|path| SuiteFile {
                path: without_dots(&path),
                in_directory: true,
            }));
        } else {
            found.push(SuiteFile {
                path: path.clone(),
                in_directory: false,
            });
        }
    }
    let mut seen = HashSet::with_capacity(found.len());
    found.retain(|file| {
        seen.insert(fs::canonicalize(&file.path).unwrap_or_else(|_| file.path.clone()))
    });
    Ok(found)
}

/// `path` without its `.` steps (`./a.yaml` is shown `a.yaml`).
fn without_dots(path: &Path) -> PathBuf {
    let kept: PathBuf = path
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    if kept.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        kept
    }
}

fn walk(directory: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(directory)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "yaml") && path.is_file() {
            found.push(path);
        }
    }
    Ok(())
}
