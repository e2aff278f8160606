//! Methods of strings, numbers, booleans and lists (`s.trim()`, `n.toFixed(2)`, `list.join(',')`),
//! resolved by name at compile time and dispatched on the receiver's type at run time.

use super::arguments::Arguments;
use super::error::{Fault, MAX_LIST_LEN, MAX_STRING_LEN, check_string_len};
use super::js::number::{self, to_integer_or_infinity};
use super::js::string::{self as jstr, SplitSurrogate};
use super::operators::strict_equals;
use super::value::{Kind, Value};
use std::sync::Arc;

/// A method, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Method {
    CharAt,
    CharCodeAt,
    IndexOf,
    LastIndexOf,
    Includes,
    StartsWith,
    EndsWith,
    Substring,
    Slice,
    ToUpperCase,
    ToLowerCase,
    Trim,
    TrimStart,
    TrimEnd,
    Split,
    Replace,
    ReplaceAll,
    PadStart,
    PadEnd,
    Repeat,
    ToString,
    ToFixed,
    Join,
}

/// Name, method, fewest and most arguments.
const METHODS: &[(&str, Method, usize, usize)] = &[
    ("charAt", Method::CharAt, 0, 1),
    ("charCodeAt", Method::CharCodeAt, 0, 1),
    ("indexOf", Method::IndexOf, 1, 2),
    ("lastIndexOf", Method::LastIndexOf, 1, 2),
    ("includes", Method::Includes, 1, 2),
    ("startsWith", Method::StartsWith, 1, 2),
    ("endsWith", Method::EndsWith, 1, 2),
    ("substring", Method::Substring, 1, 2),
    ("slice", Method::Slice, 0, 2),
    ("toUpperCase", Method::ToUpperCase, 0, 0),
    ("toLowerCase", Method::ToLowerCase, 0, 0),
    ("trim", Method::Trim, 0, 0),
    ("trimStart", Method::TrimStart, 0, 0),
    ("trimEnd", Method::TrimEnd, 0, 0),
    ("split", Method::Split, 0, 2),
    ("replace", Method::Replace, 2, 2),
    ("replaceAll", Method::ReplaceAll, 2, 2),
    ("padStart", Method::PadStart, 1, 2),
    ("padEnd", Method::PadEnd, 1, 2),
    ("repeat", Method::Repeat, 1, 1),
    ("toString", Method::ToString, 0, 1),
    ("toFixed", Method::ToFixed, 0, 1),
    ("join", Method::Join, 0, 1),
];

impl Method {
    /// The method called `name`.
    pub fn lookup(name: &str) -> Option<Method> {
        METHODS
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|(_, m, ..)| *m)
    }

    /// Every method name (for suggestions).
    pub fn names() -> impl Iterator<Item = &'static str> {
        METHODS.iter().map(|(n, ..)| *n)
    }

    /// The name as written.
    pub fn name(self) -> &'static str {
        METHODS
            .iter()
            .find(|(_, m, ..)| *m == self)
            .map_or("?", |(n, ..)| n)
    }

    /// Fewest and most arguments.
    pub fn arity(self) -> (usize, usize) {
        METHODS
            .iter()
            .find(|(_, m, ..)| *m == self)
            .map_or((0, 0), |(_, _, lo, hi)| (*lo, *hi))
    }

    /// Call the method on `receiver`.
    pub fn call(self, receiver: &Value, values: &[Value]) -> Result<Value, Fault> {
        let args = Arguments {
            callee: self.name(),
            values,
        };
        match receiver {
            Value::String(s) => self.call_on_string(s, &args),
            Value::Number(n) => match self {
                Method::ToString => number_to_string(*n, &args),
                Method::ToFixed => number::to_fixed(*n, args.optional_number(0)?.unwrap_or(0.0))
                    .map(Value::from)
                    .map_err(Fault::new),
                _ => Err(self.not_a_method_of(Kind::Number)),
            },
            // Boolean.prototype.toString takes no radix and, as in JavaScript, ignores arguments.
            Value::Bool(b) if self == Method::ToString => Ok(Value::from(b.to_string())),
            Value::List(items) => self.call_on_list(items, &args),
            other => Err(self.not_a_method_of(other.kind())),
        }
    }

    fn not_a_method_of(self, kind: Kind) -> Fault {
        let owners: Vec<&str> = [Kind::String, Kind::Number, Kind::List]
            .into_iter()
            .filter(|k| self.applies_to(*k))
            .map(Kind::name)
            .collect();
        Fault::new(format!("{}() is not a method of a {kind}", self.name())).help(format!(
            "{}() works on a {}",
            self.name(),
            owners.join(" or ")
        ))
    }

    fn applies_to(self, kind: Kind) -> bool {
        match kind {
            Kind::String => !matches!(self, Method::ToFixed | Method::Join),
            Kind::Number => matches!(self, Method::ToString | Method::ToFixed),
            Kind::List => matches!(
                self,
                Method::IndexOf | Method::Includes | Method::Join | Method::Slice
            ),
            _ => false,
        }
    }

    fn call_on_string(self, s: &str, args: &Arguments) -> Result<Value, Fault> {
        let len = jstr::utf16_len(s);
        let clamp = |x: f64| to_integer_or_infinity(x).clamp(0.0, len as f64) as usize;
        Ok(match self {
            Method::CharAt => {
                let pos = to_integer_or_infinity(args.optional_number(0)?.unwrap_or(0.0));
                if pos < 0.0 || pos >= len as f64 {
                    Value::empty_string()
                } else {
                    match jstr::code_unit_at(s, pos as usize) {
                        Some(unit) => Value::from(unit.map_err(split_surrogate)?),
                        None => Value::empty_string(),
                    }
                }
            }
            Method::CharCodeAt => {
                let pos = to_integer_or_infinity(args.optional_number(0)?.unwrap_or(0.0));
                let unit = (pos >= 0.0 && pos < len as f64)
                    .then(|| jstr::code_unit_value(s, pos as usize))
                    .flatten();
                Value::Number(unit.map_or(f64::NAN, f64::from))
            }
            Method::IndexOf => {
                let from = clamp(args.optional_number(1)?.unwrap_or(0.0));
                index_value(jstr::index_of(s, args.string(0)?, from))
            }
            Method::LastIndexOf => {
                let search = args.string(0)?;
                let from = match args.optional_number(1)? {
                    Some(x) if !x.is_nan() => clamp(x),
                    _ => len,
                };
                index_value(jstr::last_index_of(s, search, from))
            }
            Method::Includes => {
                let from = clamp(args.optional_number(1)?.unwrap_or(0.0));
                Value::Bool(jstr::index_of(s, args.string(0)?, from).is_some())
            }
            Method::StartsWith => {
                let search = args.string(0)?;
                let start = clamp(args.optional_number(1)?.unwrap_or(0.0));
                let units: Vec<u16> = s
                    .encode_utf16()
                    .skip(start)
                    .take(jstr::utf16_len(search))
                    .collect();
                Value::Bool(units.iter().copied().eq(search.encode_utf16()))
            }
            Method::EndsWith => {
                let search = args.string(0)?;
                let end = match args.optional_number(1)? {
                    Some(x) => clamp(x),
                    None => len,
                };
                let search_len = jstr::utf16_len(search);
                Value::Bool(
                    end >= search_len && {
                        let units = s.encode_utf16().skip(end - search_len).take(search_len);
                        units.eq(search.encode_utf16())
                    },
                )
            }
            Method::Substring => {
                let a = clamp(args.number(0)?);
                let b = args.optional_number(1)?.map_or(len, clamp);
                Value::from(jstr::slice(s, a.min(b), a.max(b)).map_err(split_surrogate)?)
            }
            Method::Slice => {
                let (from, to) = relative_range(args, len)?;
                Value::from(jstr::slice(s, from, to).map_err(split_surrogate)?)
            }
            Method::ToUpperCase => Value::from(s.to_uppercase()),
            Method::ToLowerCase => Value::from(s.to_lowercase()),
            Method::Trim => Value::from(jstr::trim(s)),
            Method::TrimStart => Value::from(jstr::trim_start(s)),
            Method::TrimEnd => Value::from(jstr::trim_end(s)),
            Method::Split => split(s, args)?,
            Method::Replace | Method::ReplaceAll => {
                let pattern = args.string(0)?;
                let replacement = args.string(1)?;
                replace(s, pattern, replacement, self == Method::ReplaceAll)?
            }
            Method::PadStart | Method::PadEnd => {
                let target = to_integer_or_infinity(args.number(0)?).max(0.0);
                let fill = args.optional_string(1)?.unwrap_or(" ");
                if target <= len as f64 || fill.is_empty() {
                    Value::from(s)
                } else {
                    let missing = target - len as f64;
                    // Each unit takes at least a byte: refuse before converting an absurd length.
                    if missing > MAX_STRING_LEN as f64 {
                        return Err(too_long(s.len() as f64 + missing));
                    }
                    let missing = missing as usize;
                    let fill_units = jstr::utf16_len(fill);
                    check_string_len(s.len() + missing / fill_units * fill.len() + fill.len())?;
                    let padding = fill_to(fill, missing)?;
                    Value::from(if self == Method::PadStart {
                        padding + s
                    } else {
                        s.to_owned() + padding.as_str()
                    })
                }
            }
            Method::Repeat => {
                let count = to_integer_or_infinity(args.number(0)?);
                if !(0.0..f64::INFINITY).contains(&count) {
                    return Err(Fault::new(format!(
                        "repeat() needs a count of 0 or more, got {}",
                        number::to_string(count)
                    )));
                }
                if !s.is_empty() {
                    check_string_len(
                        s.len()
                            .saturating_mul(count.min(usize::MAX as f64) as usize),
                    )?;
                }
                Value::from(s.repeat(count as usize))
            }
            Method::ToString => Value::from(s),
            _ => return Err(self.not_a_method_of(Kind::String)),
        })
    }

    fn call_on_list(self, items: &[Value], args: &Arguments) -> Result<Value, Fault> {
        let len = items.len();
        Ok(match self {
            Method::Includes | Method::IndexOf => {
                let needle = args.get(0).unwrap_or(&Value::Null);
                if matches!(needle, Value::List(_) | Value::Map(_)) {
                    return Err(Fault::new(format!(
                        "{}() cannot search for a {}",
                        self.name(),
                        needle.kind()
                    ))
                    .help("JavaScript compares lists and maps by identity, not by content"));
                }
                let from = to_integer_or_infinity(args.optional_number(1)?.unwrap_or(0.0));
                let from = if from < 0.0 {
                    (len as f64 + from).max(0.0)
                } else {
                    from.min(len as f64)
                } as usize;
                let includes = self == Method::Includes;
                let found = items[from..].iter().position(|item| {
                    // `includes` uses SameValueZero (finds NaN), `indexOf` strict equality (does not).
                    let both_nan = matches!((item, needle), (Value::Number(a), Value::Number(b)) if a.is_nan() && b.is_nan());
                    (includes && both_nan) || strict_equals(item, needle).unwrap_or(false)
                });
                if includes {
                    Value::Bool(found.is_some())
                } else {
                    index_value(found.map(|i| i + from))
                }
            }
            Method::Join | Method::ToString => {
                if self == Method::ToString && !args.values.is_empty() {
                    return Err(Fault::new("toString() of a list takes no arguments"));
                }
                let separator = if self == Method::Join {
                    args.optional_string(0)?.unwrap_or(",")
                } else {
                    ","
                };
                let mut out = String::new();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(separator);
                    }
                    if !matches!(item, Value::Null) {
                        let text = item.to_js_string().ok_or_else(|| {
                            Fault::new("join() cannot turn a map into a string")
                                .help("pick the map's fields first, e.g. `m.name`")
                        })?;
                        out.push_str(&text);
                    }
                    check_string_len(out.len())?;
                }
                Value::from(out)
            }
            Method::Slice => {
                let (from, to) = relative_range(args, len)?;
                Value::List(Arc::new(items[from..to.max(from)].to_vec()))
            }
            _ => return Err(self.not_a_method_of(Kind::List)),
        })
    }
}

fn number_to_string(n: f64, args: &Arguments) -> Result<Value, Fault> {
    let Some(radix) = args.optional_number(0)? else {
        return Ok(Value::from(number::to_string(n)));
    };
    let radix = to_integer_or_infinity(radix);
    if !(2.0..=36.0).contains(&radix) {
        return Err(Fault::new(format!(
            "toString() radix must be between 2 and 36, got {}",
            number::to_string(radix)
        )));
    }
    Ok(Value::from(number::to_string_radix(n, radix as u32)))
}

fn too_long(bytes: f64) -> Fault {
    Fault::new(format!(
        "the result would be a string of {} bytes, over the limit of {MAX_STRING_LEN}",
        number::to_string(bytes)
    ))
}

fn index_value(index: Option<usize>) -> Value {
    Value::Number(index.map_or(-1.0, |i| i as f64))
}

fn split_surrogate(_: SplitSurrogate) -> Fault {
    Fault::new("the result would split an emoji or other astral character in half")
        .help("JavaScript counts such characters as two units; adjust the indexes by one")
}

/// `slice(start, end)` arguments: negative values count from the end.
fn relative_range(args: &Arguments, len: usize) -> Result<(usize, usize), Fault> {
    let resolve = |x: f64| {
        let x = to_integer_or_infinity(x);
        if x < 0.0 {
            (len as f64 + x).max(0.0)
        } else {
            x.min(len as f64)
        }
    };
    let from = resolve(args.optional_number(0)?.unwrap_or(0.0)) as usize;
    let to = args
        .optional_number(1)?
        .map_or(len, |x| resolve(x) as usize);
    Ok((from, to.max(from)))
}

fn split(s: &str, args: &Arguments) -> Result<Value, Fault> {
    let limit = match args.optional_number(1)? {
        None => u32::MAX as usize,
        Some(x) => number::to_int32(x) as u32 as usize,
    };
    let Some(separator) = args.optional_string(0)? else {
        return Ok(Value::List(Arc::new(vec![Value::from(s)])));
    };
    let mut parts = Vec::new();
    let mut push = |part: &str| {
        if parts.len() == MAX_LIST_LEN {
            return Err(Fault::new(format!(
                "split() would make a list of more than {MAX_LIST_LEN} items, over the limit"
            )));
        }
        parts.push(Value::from(part));
        Ok(())
    };
    if limit == 0 {
    } else if s.is_empty() {
        if !separator.is_empty() {
            push(s)?;
        }
    } else if separator.is_empty() {
        for (at, c) in s.char_indices().take(limit) {
            if c.len_utf16() == 2 {
                return Err(split_surrogate(SplitSurrogate));
            }
            push(&s[at..at + c.len_utf8()])?;
        }
    } else {
        for part in s.split(separator).take(limit) {
            push(part)?;
        }
    }
    Ok(Value::List(parts.into()))
}

fn replace(s: &str, pattern: &str, replacement: &str, all: bool) -> Result<Value, Fault> {
    let matches: Vec<usize> = if pattern.is_empty() {
        if all {
            if s.chars().any(|c| c.len_utf16() == 2) {
                return Err(split_surrogate(SplitSurrogate));
            }
            s.char_indices().map(|(i, _)| i).chain([s.len()]).collect()
        } else {
            vec![0]
        }
    } else if all {
        s.match_indices(pattern).map(|(i, _)| i).collect()
    } else {
        s.find(pattern).into_iter().collect()
    };
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for at in matches {
        out.push_str(&s[last..at]);
        substitute(&mut out, replacement, s, at, pattern);
        last = at + pattern.len();
        check_string_len(out.len())?;
    }
    out.push_str(&s[last..]);
    Ok(Value::from(out))
}

/// `GetSubstitution` for a string pattern (no capture groups): `$$`, `$&`, `` $` `` and `$'`.
fn substitute(out: &mut String, replacement: &str, s: &str, at: usize, pattern: &str) {
    let mut rest = replacement;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        match after.chars().next() {
            Some('$') => out.push('$'),
            Some('&') => out.push_str(pattern),
            Some('`') => out.push_str(&s[..at]),
            Some('\'') => out.push_str(&s[at + pattern.len()..]),
            _ => {
                out.push('$');
                rest = after;
                continue;
            }
        }
        rest = &after[1..];
    }
    out.push_str(rest);
}

/// `fill` repeated and cut to `units` UTF-16 code units (for `padStart` / `padEnd`).
fn fill_to(fill: &str, units: usize) -> Result<String, Fault> {
    let fill_len = jstr::utf16_len(fill);
    let whole = units / fill_len;
    let mut out = fill.repeat(whole);
    out.push_str(jstr::slice(fill, 0, units - whole * fill_len).map_err(split_surrogate)?);
    Ok(out)
}
