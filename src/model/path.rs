//! Paths to nodes of a YAML document (`phases.initialize[2].when`), the link between the model and the
//! positions of its values in the file.

use std::fmt;

/// One step into a YAML document: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// The path from the document root to one node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YamlPath(pub Vec<Segment>);

impl YamlPath {
    /// The document root.
    pub fn root() -> YamlPath {
        YamlPath(Vec::new())
    }

    /// This path followed by mapping key `key`.
    pub fn key(&self, key: &str) -> YamlPath {
        let mut path = self.clone();
        path.0.push(Segment::Key(key.to_owned()));
        path
    }

    /// The last step's key, when the last step is a mapping key.
    pub fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Segment::Key(key)) => Some(key),
            _ => None,
        }
    }

    /// This path followed by sequence index `index`.
    pub fn index(&self, index: usize) -> YamlPath {
        let mut path = self.clone();
        path.0.push(Segment::Index(index));
        path
    }

    /// The path of a `serde_path_to_error` path below this one.
    pub fn join_serde(&self, below: &serde_path_to_error::Path) -> YamlPath {
        let mut path = self.clone();
        for segment in below.iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => path.0.push(Segment::Index(*index)),
                serde_path_to_error::Segment::Map { key } => path.0.push(Segment::Key(key.clone())),
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        path
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => write!(f, "{key}")?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}
