//! A flow bundle: a flow file and every file it names (data tables, rhai extensions and scripts), as
//! text, by names relative to the flow file's directory. `routeflow publish` makes one from local files;
//! a server checks it (exactly as `routeflow check` checks the files) and keeps it as an immutable
//! version of the flow.

use super::files::{FileSource, Recording, normalised, relative};
use super::{Loaded, load_source};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// A flow and the files it names, as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// The flow file's name among `files`.
    #[schema(example = "sample.yaml")]
    pub flow: String,
    /// Each file's text by its name: a relative path from the flow file's directory, with `/`
    /// between its parts (`tables/open_media.csv`, `../shared/vip.rhai`), as the flow names it.
    pub files: BTreeMap<String, String>,
}

impl Bundle {
    /// The content hash: `sha256:` and the hex SHA-256 of the bundle's JSON (its names sorted), the
    /// same for the same files whoever sends them.
    pub fn hash(&self) -> String {
        // Strings in sorted maps: serializing cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("sha256:{}", hex::encode(Sha256::digest(&json)))
    }

    /// The bundle's text bytes in all.
    pub fn bytes(&self) -> usize {
        self.files
            .iter()
            .map(|(name, text)| name.len() + text.len())
            .sum()
    }

    /// Load and check the flow file at `path` (as `routeflow check` does) and bundle it with every
    /// file the check read, as the check read them. `Err` (with the loaded flow's report) when a file
    /// read is not UTF-8 text: a bundle holds text (such a file does not check either).
    pub fn from_disk(path: &Path) -> (Loaded, Result<Bundle, String>) {
        let recording = Recording::default();
        let loaded = load_source(path, &Default::default(), &recording);
        let base = path.parent().unwrap_or(Path::new(""));
        let mut files = BTreeMap::new();
        for (read, bytes) in recording.read.into_inner() {
            let name = relative(&read, base);
            match String::from_utf8(bytes) {
                Ok(text) => {
                    files.insert(name, text);
                }
                Err(_) => {
                    let error = format!("`{}` is not UTF-8 text", read.display());
                    return (loaded, Err(error));
                }
            }
        }
        let flow = relative(path, base);
        if !files.contains_key(&flow) {
            // It could not be read: the report says why.
            return (loaded, Err(format!("cannot read `{}`", path.display())));
        }
        (loaded, Ok(Bundle { flow, files }))
    }

    /// Load and check the bundle's flow with the bundle's files, exactly as `routeflow check` checks
    /// files on disk; diagnostics name the files by their names in the bundle.
    pub fn load(&self) -> Loaded {
        let files = Files(
            self.files
                .iter()
                .map(|(name, text)| (normalised(Path::new(name)), text.as_str()))
                .collect(),
        );
        load_source(Path::new(&self.flow), &Default::default(), &files)
    }
}

/// A bundle's files by their names taken lexically (`tables/../t.csv` is `t.csv`), as a flow names
/// files relative to its own.
struct Files<'a>(HashMap<PathBuf, &'a str>);

impl FileSource for Files<'_> {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        match self.0.get(&normalised(path)) {
            Some(text) => Ok(text.as_bytes().to_vec()),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "it is not in the bundle",
            )),
        }
    }
}

/// Where a bundle's file `name` is on disk, for a bundle made from the flow at `flow_path`.
pub fn on_disk(flow_path: &Path, name: &str) -> PathBuf {
    normalised(&flow_path.parent().unwrap_or(Path::new("")).join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("flows/gtr_sample.yaml")
    }

    #[test]
    fn a_bundle_of_the_sample_holds_its_table_and_checks_as_the_files_do() {
        let (loaded, bundle) = Bundle::from_disk(&sample());
        assert!(loaded.flow.is_some(), "{}", loaded.report.render());
        let bundle = bundle.unwrap();
        assert_eq!(bundle.flow, "gtr_sample.yaml");
        assert!(bundle.files.len() >= 2, "{:?}", bundle.files.keys());
        let again = bundle.load();
        assert!(again.flow.is_some(), "{}", again.report.render());
        assert_eq!(
            again.flow.unwrap().graph.blocks().count(),
            loaded.flow.unwrap().graph.blocks().count()
        );
    }

    #[test]
    fn a_bundle_holds_the_rhai_files_a_flow_names() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows/gtr_vip.yaml");
        let (loaded, bundle) = Bundle::from_disk(&path);
        assert!(loaded.flow.is_some(), "{}", loaded.report.render());
        let bundle = bundle.unwrap();
        assert!(
            bundle.files.keys().any(|name| name.ends_with(".rhai")),
            "{:?}",
            bundle.files.keys()
        );
        assert!(bundle.load().flow.is_some());
        assert_eq!(on_disk(&path, &bundle.flow), normalised(&path));
    }

    #[test]
    fn the_hash_follows_the_content_only() {
        let (_, bundle) = Bundle::from_disk(&sample());
        let bundle = bundle.unwrap();
        let same = Bundle {
            flow: bundle.flow.clone(),
            files: bundle
                .files
                .iter()
                .rev()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        assert_eq!(bundle.hash(), same.hash());
        let mut other = bundle.clone();
        other.files.values_mut().next().unwrap().push(' ');
        assert_ne!(bundle.hash(), other.hash());
        assert!(bundle.hash().starts_with("sha256:") && bundle.hash().len() == 7 + 64);
    }

    #[test]
    fn a_file_missing_from_the_bundle_is_an_error_at_the_flow_s_line() {
        let (_, bundle) = Bundle::from_disk(&sample());
        let mut bundle = bundle.unwrap();
        let flow = bundle.flow.clone();
        bundle.files.retain(|name, _| *name == flow);
        let loaded = bundle.load();
        assert!(loaded.flow.is_none());
        let rendered = loaded.report.render();
        assert!(rendered.contains("not in the bundle"), "{rendered}");
        assert!(rendered.contains("gtr_sample.yaml:"), "{rendered}");
    }

    #[test]
    fn a_bundle_without_its_flow_file_says_so() {
        let bundle = Bundle {
            flow: "missing.yaml".to_owned(),
            files: BTreeMap::new(),
        };
        let rendered = bundle.load().report.render();
        assert!(rendered.contains("missing.yaml"), "{rendered}");
        assert!(rendered.contains("not in the bundle"), "{rendered}");
    }
}
