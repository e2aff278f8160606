//! Where the files a flow names (its data tables, its rhai extensions and scripts) are read from: the
//! disk ([`Disk`]), or a bundle sent to a server ([`Bundle`](super::Bundle)). Loading checks a flow the
//! same way whichever it is, so a server's verdict on a published bundle is `routeflow check`'s.

use std::cell::RefCell;
use std::path::{Component, Path, PathBuf};

/// Reads the files a flow names, by their path (the flow's directory joined with the name it wrote).
pub trait FileSource {
    /// The bytes of the file at `path`.
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
}

/// The files on disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct Disk;

impl FileSource for Disk {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

/// The files on disk, keeping what was read of each (to bundle exactly what a check saw).
#[derive(Debug, Default)]
pub(super) struct Recording {
    pub read: RefCell<Vec<(PathBuf, Vec<u8>)>>,
}

impl FileSource for Recording {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        let bytes = std::fs::read(path)?;
        let mut read = self.read.borrow_mut();
        if !read.iter().any(|(seen, _)| seen == path) {
            read.push((path.to_path_buf(), bytes.clone()));
        }
        Ok(bytes)
    }
}

/// `path` with its `dir/..` pairs and `.` parts taken out, lexically (messages show a file as a
/// person would write it, `flows/extensions/vip.rhai`, not `tests/flows/../../flows/extensions/vip.rhai`).
pub fn normalised(path: &Path) -> PathBuf {
    let mut parts: Vec<Component> = Vec::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

/// `path` relative to the directory `base`, lexically (`..` where it leaves `base`), with `/`
/// between its parts whatever the platform: the name a bundle gives a file.
pub fn relative(path: &Path, base: &Path) -> String {
    let path = normalised(path);
    let base = normalised(base);
    let path: Vec<Component> = path.components().collect();
    let base: Vec<Component> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_owned(), base.len() - common);
    let downs = path[common..]
        .iter()
        .map(|part| part.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_names_go_up_where_they_leave_the_base() {
        let cases = [
            ("flows/tables/t.csv", "flows", "tables/t.csv"),
            ("flows/../shared/t.csv", "flows", "../shared/t.csv"),
            ("flows/./x/../t.csv", "flows", "t.csv"),
            ("shared/t.csv", "flows/sample", "../../shared/t.csv"),
            ("t.csv", "", "t.csv"),
            ("../t.csv", "", "../t.csv"),
            ("/abs/flows/t.csv", "/abs/flows", "t.csv"),
        ];
        for (path, base, want) in cases {
            assert_eq!(
                relative(Path::new(path), Path::new(base)),
                want,
                "{path} from {base}"
            );
        }
    }

    #[test]
    fn normalised_keeps_leading_parents() {
        assert_eq!(normalised(Path::new("../a/./b/../c")), Path::new("../a/c"));
        assert_eq!(normalised(Path::new("a/../../b")), Path::new("../b"));
    }
}
