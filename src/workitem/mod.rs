//! Workitems as recorded or generated for a replay (SPEC §3.4): JSON Lines, one object per line.
//!
//! ```json
//! {"id":"w1","arrive_s":0,"priority":0,"handle_s":300,"stop_s":null,"userdata":{"GTR_level1":"Insurance"}}
//! ```
//!
//! [`WorkitemReader`] streams a file line by line and yields one [`Line`] per input line: the workitem,
//! or a [`LineError`] naming the line and everything wrong with it (a blank line is one). A bad line never
//! stops the stream, so a replay gives every input line its outcome line (SPEC §6). What the reader accepts, and
//! every choice made where the spec is silent, is in `docs/workitem-format.md`.

mod parse;
mod reader;

pub use reader::{MAX_LINE_BYTES, WorkitemReader};

use crate::expr::{Text, Value};
use std::fmt;

/// A user-data key: a thin shared string (8 bytes), as the reader shares each key between the lines that
/// have it.
pub type Key = arcstr::ArcStr;

/// The fields a workitem line may have; any other is ignored (and reported once, see [`Warning`]).
pub const FIELDS: [&str; 6] = [
    "id", "arrive_s", "priority", "handle_s", "stop_s", "userdata",
];

/// One workitem, as the third-party system created it.
#[derive(Clone, Debug, PartialEq)]
pub struct Workitem {
    /// The workitem's id (not empty; not necessarily unique, see [`Warning::DuplicateId`]).
    pub id: Text,
    /// When it arrives, in seconds of virtual time (at least 0; default 0). Like every time of a
    /// workitem, at most [`crate::time::LIMIT_S`] and rounded to the microsecond when read.
    pub arrive_s: f64,
    /// Its priority: higher is served first (default 0).
    pub priority: i64,
    /// How long the agent works it, in seconds; `None`: the center's default.
    pub handle_s: Option<f64>,
    /// When the third-party system stops it if it is not routed by then (not before `arrive_s`).
    pub stop_s: Option<f64>,
    /// Its user data, in the order of the line.
    pub userdata: Userdata,
}

impl Workitem {
    /// How long the agent works it: its own `handle_s`, or `default` (the center's).
    pub fn handle_s_or(&self, default: f64) -> f64 {
        self.handle_s.unwrap_or(default)
    }
}

/// User data: keys in the order they were written (outcome files print them back in that order), each
/// once, with values as JSON gave them (strings mostly; numbers, booleans, null, lists and objects kept).
///
/// Lookups scan the keys: a workitem carries a handful of them, where a scan beats hashing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Userdata {
    entries: Vec<(Key, Value)>,
}

impl Userdata {
    /// No user data.
    pub fn new() -> Userdata {
        Userdata::default()
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| **k == *key)
            .map(|(_, value)| value)
    }

    /// The value of `key`, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find(|(k, _)| **k == *key)
            .map(|(_, value)| value)
    }

    /// Set `key` to `value`, in place if the key exists (keeping its position), else at the end; returns
    /// the value it replaced.
    pub fn insert(&mut self, key: impl Into<Key> + AsRef<str>, value: Value) -> Option<Value> {
        match self.entries.iter_mut().find(|(k, _)| **k == *key.as_ref()) {
            Some((_, old)) => Some(std::mem::replace(old, value)),
            None => {
                self.entries.push((key.into(), value));
                None
            }
        }
    }

    /// Every `(key, value)`, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (&**k, v))
    }

    /// A copy, with room for `additional` more keys.
    pub fn clone_with_room(&self, additional: usize) -> Userdata {
        let mut entries = Vec::with_capacity(self.entries.len() + additional);
        entries.extend(self.entries.iter().cloned());
        Userdata { entries }
    }

    /// Make room for `additional` more keys.
    pub fn reserve(&mut self, additional: usize) {
        self.entries.reserve_exact(additional);
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl IntoIterator for Userdata {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;

    /// Every `(key, value)`, in order, moved out.
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Into<Key> + AsRef<str>, V: Into<Value>> FromIterator<(K, V)> for Userdata {
    /// Later values of a repeated key replace earlier ones, in the earlier one's position.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Userdata {
        let mut userdata = Userdata::new();
        for (key, value) in iter {
            userdata.insert(key, value.into());
        }
        userdata
    }
}

/// One input line: its number and what it holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// 1-based line number in the input.
    pub number: usize,
    /// The workitem, or what is wrong with the line.
    pub item: Result<Workitem, LineError>,
}

/// A line that is not a valid workitem, and every reason why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// The line's `id`, when it has a valid one, so its outcome can carry it.
    pub id: Option<Text>,
    /// What is wrong: one line, problems separated by `; `.
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for LineError {}

/// Something worth knowing about the input as a whole, that does not make any line invalid.
#[derive(Clone, Debug, PartialEq)]
pub enum Warning {
    /// A field routeflow does not know, ignored wherever it appears; reported once per name.
    UnknownField {
        /// The field's name.
        name: String,
        /// The first line that has it.
        first_line: usize,
        /// How many lines have it.
        lines: usize,
        /// A known field with a close name.
        suggestion: Option<&'static str>,
    },
    /// Workitems with an id an earlier workitem already has; reported once, with the first example.
    DuplicateId {
        /// The first line that repeats an earlier line's id.
        line: usize,
        /// The line where the id first appears.
        first_line: usize,
        /// How many lines in all repeat an earlier id.
        lines: usize,
    },
    /// Times finer than the microsecond, the resolution of virtual time: each is read rounded to the
    /// microsecond. Reported once, with the first example.
    FinerTimes {
        /// The first line with such a time.
        line: usize,
        /// Its first such field.
        field: &'static str,
        /// The time as written.
        seconds: f64,
        /// How many lines have such a time.
        lines: usize,
    },
}

impl Warning {
    /// The line the warning points at.
    pub fn line(&self) -> usize {
        match self {
            Warning::UnknownField { first_line, .. } => *first_line,
            Warning::DuplicateId { line, .. } | Warning::FinerTimes { line, .. } => *line,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::UnknownField {
                name,
                first_line,
                lines,
                suggestion,
            } => {
                write!(f, "line {first_line}: unknown field `{name}` is ignored")?;
                if let Some(suggestion) = suggestion {
                    write!(f, " (did you mean `{suggestion}`?)")?;
                }
                if *lines > 1 {
                    write!(f, "; {lines} lines have it")?;
                }
                Ok(())
            }
            Warning::DuplicateId {
                line,
                first_line,
                lines,
            } => {
                write!(
                    f,
                    "line {line}: this workitem's id was already used on line {first_line}"
                )?;
                if *lines > 1 {
                    write!(f, "; {lines} lines repeat an earlier id")?;
                }
                Ok(())
            }
            Warning::FinerTimes {
                line,
                field,
                seconds,
                lines,
            } => {
                let number = crate::expr::js::number::to_string;
                write!(
                    f,
                    "line {line}: `{field}` {} is finer than the microsecond, the resolution of \
                     virtual time: it is read as {}",
                    number(*seconds),
                    number(crate::time::to_resolution(*seconds))
                )?;
                if *lines > 1 {
                    write!(f, "; {lines} lines have times finer than the microsecond")?;
                }
                Ok(())
            }
        }
    }
}
