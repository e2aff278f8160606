//! Values between the flow (JavaScript-like [`Value`]s) and rhai ([`Dynamic`]s).
//!
//! Whole numbers cross as rhai integers (so that `count == 1`, indexing and ranges work as a rhai
//! developer expects), other numbers as floats; rhai integers and floats both come back as numbers.

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

/// `value` back as the flow sees it; `Err` names a rhai type flows cannot hold (a function pointer,
/// a range…).
pub fn from_dynamic(value: Dynamic) -> Result<Value, String> {
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
        let s = value.into_immutable_string().map_err(|t| t.to_owned())?;
        return Ok(Value::string(s.as_str()));
    }
    if value.is_array() {
        let items: Array = value.into_array().map_err(|t| t.to_owned())?;
        let items = items
            .into_iter()
            .map(from_dynamic)
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Value::List(items.into()));
    }
    if value.is_map() {
        let entries = value.cast::<Map>();
        let mut map = BTreeMap::new();
        for (k, v) in entries {
            map.insert(Arc::from(k.as_str()), from_dynamic(v)?);
        }
        return Ok(Value::Map(Arc::new(map)));
    }
    if value.is_blob() {
        let bytes = value.cast::<rhai::Blob>();
        return Ok(Value::List(Arc::new(
            bytes.into_iter().map(|b| Value::Number(b.into())).collect(),
        )));
    }
    Err(value.type_name().to_owned())
}

/// `value` in a message: its kind in the flow's words, and the value when it is short.
pub fn describe(value: &Dynamic) -> String {
    if value.is_int() || value.is_float() {
        format!("the number {value}")
    } else if value.is_bool() {
        format!("`{value}`")
    } else if value.is_string() {
        format!("the string \"{value}\"")
    } else if value.is_array() {
        "an array".to_owned()
    } else if value.is_map() {
        "a map".to_owned()
    } else if value.is_unit() {
        "nothing (`()`)".to_owned()
    } else {
        format!("a {}", value.type_name())
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
    fn a_function_pointer_is_refused_by_name() {
        let pointer = Dynamic::from(rhai::FnPtr::new("f").expect("a valid name"));
        assert_eq!(from_dynamic(pointer).unwrap_err(), "Fn");
    }
}
