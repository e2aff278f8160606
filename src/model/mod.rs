//! The flow file as written: YAML deserialised into serde types, with an index of where each value is.

pub mod path;
pub mod read;
pub mod spans;
pub mod types;
pub mod yaml;
