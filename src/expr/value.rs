//! Runtime values of the expression language.

use super::js;
pub use super::text::Text;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// A value: what an expression evaluates to and what a variable holds.
///
/// Short strings are held inline, and longer strings, lists and maps are reference-counted, so that
/// copying a value (into a variable slot, out of a compiled constant) never copies its contents. Every
/// payload is at most one word, so a value is 16 bytes.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// JavaScript `null` (also what an empty default becomes in JSON).
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A double, as every JavaScript number.
    Number(f64),
    /// A string.
    String(Text),
    /// An array.
    List(Arc<Vec<Value>>),
    /// A plain object, keys sorted.
    Map(Arc<BTreeMap<Arc<str>, Value>>),
}

/// The kind of a value, as named in diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `null`
    Null,
    /// boolean
    Bool,
    /// number
    Number,
    /// string
    String,
    /// list (a JavaScript array)
    List,
    /// map (a JavaScript object)
    Map,
}

impl Kind {
    /// The word used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::List => "list",
            Kind::Map => "map",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<Text>) -> Value {
        Value::String(s.into())
    }

    /// The empty string, the default of a variable without one.
    pub fn empty_string() -> Value {
        Value::String(Text::empty())
    }

    /// What kind of value this is.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::List(_) => Kind::List,
            Value::Map(_) => Kind::Map,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// JavaScript `ToString` for primitives and lists (`Array.prototype.join(',')`, with `null` → `''`);
    /// `None` for maps (`[object Object]` is never what a flow wants).
    pub fn to_js_string(&self) -> Option<String> {
        let mut out = String::new();
        self.write_js_string(&mut out).then_some(out)
    }

    fn write_js_string(&self, out: &mut String) -> bool {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(&js::number::to_string(*n)),
            Value::String(s) => out.push_str(s),
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if !matches!(item, Value::Null) && !item.write_js_string(out) {
                        return false;
                    }
                }
            }
            Value::Map(_) => return false,
        }
        true
    }

    /// The value as JSON text. Numbers print as JavaScript prints them; NaN and ±Infinity, which JSON
    /// lacks, print as the bare words `NaN`, `Infinity`, `-Infinity` (as JSON5 and Python do), and
    /// negative zero as `-0`, so that no value is silently changed.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out, false);
        out
    }

    /// Append the value as strict JSON, as JavaScript's `JSON.stringify` writes it: NaN and ±Infinity
    /// become `null`, negative zero `0`. Outcome files use this, so that they are always valid JSON.
    pub fn write_json_stringify(&self, out: &mut String) {
        self.write_json(out, true);
    }

    fn write_json(&self, out: &mut String, stringify: bool) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) if stringify && !n.is_finite() => out.push_str("null"),
            Value::Number(n) if *n == 0.0 && n.is_sign_negative() => {
                out.push_str(if stringify { "0" } else { "-0" })
            }
            Value::Number(n) => out.push_str(&js::number::to_string(*n)),
            Value::String(s) => write_json_string(s, out),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out, stringify);
                }
                out.push(']');
            }
            Value::Map(map) => {
                out.push('{');
                for (i, (key, item)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(key, out);
                    out.push(':');
                    item.write_json(out, stringify);
                }
                out.push('}');
            }
        }
    }

    /// Convert parsed JSON (from `--vars`, user data or a workitem) to a value.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::string(s.as_str()),
            serde_json::Value::Array(items) => {
                Value::List(Arc::new(items.iter().map(Value::from_json).collect()))
            }
            serde_json::Value::Object(map) => Value::Map(Arc::new(
                map.iter()
                    .map(|(k, v)| (Arc::from(k.as_str()), Value::from_json(v)))
                    .collect(),
            )),
        }
    }
}

/// Append `s` as a JSON string, escaped as `JSON.stringify` does it.
pub fn write_json_string(s: &str, out: &mut String) {
    if !needs_escape(s.as_bytes()) {
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether `bytes` hold a control character, `"` or `\\`: what JSON must escape.
fn needs_escape(bytes: &[u8]) -> bool {
    json_special(bytes).is_some()
}

/// Where `bytes` first hold a control character, `"` or `\\`: what JSON must escape, and where a JSON
/// string without escapes ends.
///
/// Outcome files write every user-data key and value through here, and the workitem reader finds the
/// end of every string with it; testing eight bytes at a time (with the classic "has a byte less than
/// n" bit trick, exact for n <= 128 and for the lowest byte it flags) takes a fraction of the time of a
/// byte loop.
pub(crate) fn json_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH;
    // The bytes that are special, each flagged by its high bit; the lowest flag is exact.
    let special = |word: [u8; 8]| {
        let word = u64::from_le_bytes(word);
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        below(word, 0x20) | below(quote, 1) | below(backslash, 1)
    };
    let mut at = 0;
    while let Some(Ok(word)) = bytes.get(at..at + 8).map(<[u8; 8]>::try_from) {
        let flags = special(word);
        if flags != 0 {
            return Some(at + (flags.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .map(|i| at + i)
}

/// Structural equality, with numbers compared by value (NaN equals NaN here: this is for tests and
/// snapshots, not the language's `==`).
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => a == b,
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::string(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::string(s)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Number(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

#[cfg(test)]
mod tests {
    use super::{json_special, needs_escape};
    use proptest::prelude::*;

    proptest! {
        /// The first special byte found eight at a time is the first a byte loop finds.
        #[test]
        fn json_special_is_the_first_special_byte(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            let expected = bytes.iter().position(|&b| b < 0x20 || b == b'"' || b == b'\\');
            prop_assert_eq!(json_special(&bytes), expected);
        }

        /// Eight bytes at a time finds exactly what a byte loop finds, wherever the byte is.
        #[test]
        fn needs_escape_is_the_byte_loop(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            let expected = bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
            prop_assert_eq!(needs_escape(&bytes), expected);
        }

        #[test]
        fn one_special_byte_anywhere_is_found(
            len in 0usize..24,
            at in 0usize..24,
            special in prop::sample::select(vec![0u8, 0x1f, b'"', b'\\', b'\n']),
            plain in prop::sample::select(vec![b'a', b' ', b'!', b'#', b'[', b']', 0x7f, 0x80, 0xff, 0x21]),
        ) {
            let mut bytes = vec![plain; len + 1];
            bytes[at % (len + 1)] = special;
            prop_assert!(needs_escape(&bytes));
            prop_assert!(!needs_escape(&vec![plain; len]));
        }
    }
}
