//! Values between the flow (JavaScript-like [`Value`]s) and rhai ([`Dynamic`]s).
//!
//! Whole numbers cross as rhai integers (so that `count == 1`, indexing and ranges work as a rhai
//! developer expects), other numbers as floats; rhai integers and floats both come back as numbers.

use super::limits::MAX_NESTING;
use crate::expr::Value;
use rhai::{Array, Dynamic, ImmutableString, Map};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// `value` as rhai sees it.
pub fn to_dynamic(value: &Value) -> Dynamic {
    match value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Number(n) => {
            let whole = n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER;
            // -0 stays a float: as an integer it would come back as 0.
            if whole && !(*n == 0.0 && n.is_sign_negative()) {
                Dynamic::from_int(*n as i64)
            } else {
                Dynamic::from_float(*n)
            }
        }
        Value::String(s) => Dynamic::from(ImmutableString::from(&**s)),
        Value::List(items) => Dynamic::from_array(items.iter().map(to_dynamic).collect()),
        Value::Map(entries) => Dynamic::from_map(
            entries
                .iter()
                .map(|(k, v)| ((&**k).into(), to_dynamic(v)))
                .collect::<Map>(),
        ),
    }
}

/// `value` back as the flow sees it; `Err` says, as a noun in the flow author's words, what flows
/// cannot hold in it (`a function pointer`, `a range`, `a value nested more than 128 deep`).
pub fn from_dynamic(value: Dynamic) -> Result<Value, String> {
    from_nested(value, 0)
}

fn from_nested(value: Dynamic, depth: usize) -> Result<Value, String> {
    // Nesting is bounded here, not only where the script ran: a flow value is converted, dropped and
    // written out recursively, so it must stay as shallow as a JSON input may be.
    if depth > MAX_NESTING {
        return Err(format!("a value nested more than {MAX_NESTING} deep"));
    }
    // A variable a closure captured is shared: what counts is what it holds.
    let value = value.flatten();
    if value.is_unit() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Ok(i) = value.as_int() {
        return Ok(Value::Number(i as f64));
    }
    if let Ok(f) = value.as_float() {
        return Ok(Value::Number(f));
    }
    if let Ok(c) = value.as_char() {
        return Ok(Value::string(c.to_string()));
    }
    if value.is_string() {
        let s = value.into_immutable_string().map_err(kind_named)?;
        return Ok(Value::string(s.as_str()));
    }
    if value.is_array() {
        let items: Array = value.into_array().map_err(kind_named)?;
        let items = items
            .into_iter()
            .map(|item| from_nested(item, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Value::List(items.into()));
    }
    if value.is_map() {
        let entries = value.cast::<Map>();
        let mut map = BTreeMap::new();
        for (k, v) in entries {
            map.insert(Arc::from(k.as_str()), from_nested(v, depth + 1)?);
        }
        return Ok(Value::Map(Arc::new(map)));
    }
    if value.is_blob() {
        let bytes = value.cast::<rhai::Blob>();
        return Ok(Value::List(Arc::new(
            bytes.into_iter().map(|b| Value::Number(b.into())).collect(),
        )));
    }
    Err(kind(&value))
}

/// What kind of value `value` is, as a noun in the flow author's words (`a string`, `a function
/// pointer`), never rhai's Rust type names.
pub fn kind(value: &Dynamic) -> String {
    kind_named(value.type_name())
}

/// [`kind`] of rhai's type name `name`.
fn kind_named(name: &str) -> String {
    let noun = match name {
        "()" => "nothing (`()`)",
        "bool" => "a bool",
        "i64" | "i32" | "u64" | "u32" | "u16" | "u8" | "i16" | "i8" | "u128" | "i128" => {
            "an integer"
        }
        "f64" | "f32" => "a float",
        "char" => "a character",
        "string" | "&str" | "ImmutableString" => "a string",
        "array" => "an array",
        "map" => "a map",
        "blob" => "a byte buffer (blob)",
        "Fn" => "a function pointer",
        "range" | "range=" => "a range",
        "timestamp" => "a timestamp",
        other if other.contains("Range") => "a range",
        other if other.contains("FnPtr") => "a function pointer",
        _ => "a value of a kind flows do not know",
    };
    noun.to_owned()
}

/// `value` in a message: its kind in the flow's words, and the value when it is short and plain.
///
/// A string is quoted as it is, or not at all: never cut or escaped, so that masking a secure
/// value by its text (done on the whole message later) always finds what is shown of it.
pub fn describe(value: &Dynamic) -> String {
    if value.is_int() || value.is_float() {
        format!("the number {value}")
    } else if value.is_bool() {
        format!("`{value}`")
    } else if value.is_string() {
        let text = value.to_string();
        let plain = !text
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '\\');
        if text.len() <= 64 && plain {
            format!("the string \"{text}\"")
        } else {
            format!("a string of {} bytes", text.len())
        }
    } else {
        kind(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: Value) -> Value {
        from_dynamic(to_dynamic(&value)).expect("a flow value converts back")
    }

    #[test]
    fn whole_numbers_are_rhai_integers_and_others_floats() {
        assert!(to_dynamic(&Value::Number(3.0)).is_int());
        assert!(to_dynamic(&Value::Number(3.5)).is_float());
        assert!(to_dynamic(&Value::Number(-0.0)).is_float());
        assert!(to_dynamic(&Value::Number(1e300)).is_float());
        assert!(to_dynamic(&Value::Number(f64::NAN)).is_float());
    }

    #[test]
    fn every_kind_of_value_comes_back_unchanged() {
        let map: BTreeMap<Arc<str>, Value> = [
            (Arc::from("tier"), Value::string("gold")),
            (Arc::from("n"), Value::Number(2.5)),
        ]
        .into_iter()
        .collect();
        let values = [
            Value::Null,
            Value::Bool(true),
            Value::Number(42.0),
            Value::Number(-0.0),
            Value::string("héllo"),
            Value::List(vec![Value::Number(1.0), Value::string("a")].into()),
            Value::Map(Arc::new(map)),
        ];
        for value in values {
            assert_eq!(
                round_trip(value.clone()).to_json(),
                value.to_json(),
                "{value:?}"
            );
        }
    }

    #[test]
    fn a_range_is_refused_in_the_flows_words() {
        let range = Dynamic::from(0_i64..3);
        assert_eq!(from_dynamic(range).unwrap_err(), "a range");
    }

    #[test]
    fn a_value_nested_deeper_than_json_is_refused() {
        let mut value = Dynamic::UNIT;
        for _ in 0..1_000 {
            value = Dynamic::from_array(vec![value]);
        }
        assert_eq!(
            from_dynamic(value).unwrap_err(),
            "a value nested more than 128 deep"
        );
    }

    #[test]
    fn a_string_is_described_whole_or_not_at_all() {
        // A secret cut to its first 60 characters, or escaped (`pa\"ss`), escaped masking by value.
        let long = "x".repeat(70) + "-tail";
        let shown = describe(&Dynamic::from(long.clone()));
        assert_eq!(shown, "a string of 75 bytes");
        assert_eq!(
            describe(&Dynamic::from("pa\"ss\\word".to_owned())),
            "a string of 10 bytes"
        );
        assert_eq!(
            describe(&Dynamic::from("gold".to_owned())),
            "the string \"gold\""
        );
    }

    #[test]
    fn a_function_pointer_is_refused_by_name() {
        let pointer = Dynamic::from(rhai::FnPtr::new("f").expect("a valid name"));
        assert_eq!(from_dynamic(pointer).unwrap_err(), "a function pointer");
    }
}
