//! One JSON line → [`Workitem`], in a single pass of serde_json over the line's bytes.
//!
//! The visitors read straight into the workitem's types (no `serde_json::Value` in between), borrow keys
//! and strings from the line, and never stop at a bad field: its value is skipped and the problem noted,
//! so the error names everything wrong with the line, and the line's `id` when it has one.

mod plain;

use super::{FIELDS, Key as UserdataKey, Userdata, Workitem};
use crate::expr::js::number;
use crate::expr::{Text as TextValue, Value};
use crate::routing::targets::ByWords;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;

/// A known field, as a bit (to find fields given twice).
#[derive(Clone, Copy)]
enum Field {
    Id = 1,
    ArriveS = 2,
    Priority = 4,
    HandleS = 8,
    StopS = 16,
    Userdata = 32,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Id => FIELDS[0],
            Field::ArriveS => FIELDS[1],
            Field::Priority => FIELDS[2],
            Field::HandleS => FIELDS[3],
            Field::StopS => FIELDS[4],
            Field::Userdata => FIELDS[5],
        }
    }
}

/// What one line held, read so far, and what is wrong with it.
#[derive(Default)]
pub(super) struct Parsed {
    id: Option<TextValue>,
    arrive_s: Option<f64>,
    priority: Option<i64>,
    handle_s: Option<f64>,
    stop_s: Option<f64>,
    userdata: Option<Userdata>,
    seen: u8,
    /// The line is JSON, but not an object: nothing more to say about it.
    not_an_object: bool,
    problems: Vec<String>,
    /// The line's first time finer than the microsecond, as written (it is kept rounded).
    finer: Option<(Field, f64)>,
}

/// What reading a line notices beyond the workitem, for the reader's warnings.
pub(super) enum Note<'a> {
    /// A field routeflow does not know (ignored).
    UnknownField(&'a str),
    /// The line's first time finer than the microsecond: the field and its value as written.
    FinerTime(&'static str, f64),
}

/// What the reader keeps from line to line so that reading a line allocates little.
#[derive(Default)]
pub(super) struct Scratch {
    /// User-data keys seen recently: lines repeat the same few keys, which then share one allocation.
    keys: Vec<UserdataKey>,
    /// The string values of each shared key, shared the same way (same order as `keys`).
    values: Vec<SharedValues>,
    /// The user data being read, copied out at its exact size.
    entries: Vec<(UserdataKey, Value)>,
}

/// Room made in every workitem's user data for one more key: flows commonly write one (the sample
/// application writes its override key), and making the room when the flow starts cost a reallocation
/// per workitem, more than the rest of starting it. A flow that writes none leaves 40 bytes unused.
const WRITE_ROOM: usize = 1;

/// Most distinct user-data keys shared; keys beyond these are allocated per line.
const SHARED_KEYS: usize = 64;

impl Scratch {
    /// The place of `key` among the shared keys (added when there is room).
    fn key_slot(&mut self, key: &str) -> Option<usize> {
        if let Some(slot) = self.keys.iter().position(|shared| **shared == *key) {
            return Some(slot);
        }
        if self.keys.len() == SHARED_KEYS {
            return None;
        }
        self.keys.push(key.into());
        self.values.push(SharedValues::default());
        Some(self.keys.len() - 1)
    }
}

/// The string values one user-data key took so far, while they are few: most keys take a handful of
/// values (`GTR_level1`, `CustomerSegment`, a subject), which workitems then share instead of allocating
/// each their own copy. A waiting workitem holds its user data, so sharing saves memory where a million
/// wait, and the allocations saved outweigh the lookups. A key that takes many values (a case number) is
/// given up on, so that its values are neither kept nor looked up.
#[derive(Default)]
struct SharedValues {
    values: HashSet<TextValue, ByWords>,
    given_up: bool,
}

/// Most distinct values shared per key, and the longest.
const SHARED_VALUES: usize = 256;
const SHARED_VALUE_BYTES: usize = 64;

impl SharedValues {
    fn value(&mut self, text: &str) -> Value {
        // Short ASCII text is held inline: nothing to share.
        if let Some(inline) = TextValue::inline(text) {
            return Value::String(inline);
        }
        if self.given_up || text.len() > SHARED_VALUE_BYTES {
            return Value::string(text);
        }
        if let Some(shared) = self.values.get(text) {
            return Value::String(shared.clone());
        }
        if self.values.len() == SHARED_VALUES {
            self.given_up = true;
            self.values = HashSet::default();
            return Value::string(text);
        }
        let shared = TextValue::new(text);
        self.values.insert(shared.clone());
        Value::String(shared)
    }
}

/// Parse one line (without its line break). `note` is told every unknown field's name, and the line's
/// first time finer than the microsecond.
pub(super) fn parse_line(
    bytes: &[u8],
    scratch: &mut Scratch,
    note: &mut dyn FnMut(Note<'_>),
) -> Result<Workitem, (Option<TextValue>, String)> {
    // Checking the line's UTF-8 once is cheaper than serde_json checking every string of it. A line that
    // is not UTF-8 is read from its bytes, so that its error still names its id.
    let text = std::str::from_utf8(bytes);
    if let Ok(text) = text
        && let Some(workitem) = plain::read(text, scratch)
    {
        return Ok(workitem);
    }
    read_with_serde(bytes, text, scratch, note)
}

/// Parse one line with serde_json: any line, with every problem named.
fn read_with_serde(
    bytes: &[u8],
    text: Result<&str, std::str::Utf8Error>,
    scratch: &mut Scratch,
    note: &mut dyn FnMut(Note<'_>),
) -> Result<Workitem, (Option<TextValue>, String)> {
    let mut parsed = Parsed::default();
    let seed = LineSeed {
        parsed: &mut parsed,
        scratch,
        note: &mut *note,
    };
    let result = match text {
        Ok(text) => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            seed.deserialize(&mut deserializer)
                .and_then(|()| deserializer.end())
        }
        Err(error) => {
            let mut deserializer = serde_json::Deserializer::from_slice(bytes);
            let _ = seed
                .deserialize(&mut deserializer)
                .and_then(|()| deserializer.end());
            let valid = &bytes[..error.valid_up_to()];
            let column = String::from_utf8_lossy(valid).chars().count() + 1;
            let message = format!("the line is not UTF-8 text: invalid byte at column {column}");
            return Err((parsed.id, message));
        }
    };
    if let Some((field, seconds)) = parsed.finer {
        note(Note::FinerTime(field.name(), seconds));
    }
    if let Err(error) = result {
        // A data error is one of ours, already noted; anything else is the JSON itself.
        if error.classify() != serde_json::error::Category::Data || parsed.problems.is_empty() {
            return Err((parsed.id, syntax_message(&error)));
        }
    }
    parsed.finish()
}

impl Parsed {
    fn finish(mut self) -> Result<Workitem, (Option<TextValue>, String)> {
        if self.not_an_object {
            return Err((None, self.problems.join("; ")));
        }
        if self.seen & Field::Id as u8 == 0 {
            self.problems.push("missing `id`".to_owned());
        }
        if self.seen & Field::Userdata as u8 == 0 {
            self.problems
                .push("missing `userdata` (write `\"userdata\":{}` for none)".to_owned());
        }
        let arrive_s = self.arrive_s.unwrap_or(0.0);
        if let Some(stop_s) = self.stop_s.filter(|&stop_s| stop_s < arrive_s) {
            self.problems.push(format!(
                "`stop_s` ({}) is before `arrive_s` ({})",
                number::to_string(stop_s),
                number::to_string(arrive_s)
            ));
        }
        match (self.id, self.userdata) {
            (Some(id), Some(userdata)) if self.problems.is_empty() => Ok(Workitem {
                id,
                arrive_s,
                priority: self.priority.unwrap_or(0),
                handle_s: self.handle_s,
                stop_s: self.stop_s,
                userdata,
            }),
            (id, _) => Err((id, self.problems.join("; "))),
        }
    }

    fn problem(&mut self, field: Field, expected: &str, found: &Scalar<'_>) {
        self.problems.push(format!(
            "`{}` must be {expected}, found {}",
            field.name(),
            found.describe()
        ));
    }

    /// A number of seconds from 0 to [`crate::time::LIMIT_S`], rounded to the microsecond (the first
    /// time finer is remembered for a warning); `null` means not given.
    fn seconds(&mut self, field: Field, value: Scalar<'_>) -> Option<f64> {
        match value {
            Scalar::Null => None,
            Scalar::Number(x, _) if crate::time::in_range(x) => {
                if crate::time::is_finer(x) && self.finer.is_none() {
                    self.finer = Some((field, x));
                }
                // Rounding also makes -0 be 0; keeping its sign would only show up later as `-0`.
                Some(crate::time::to_resolution(x))
            }
            Scalar::Number(x, _) if x > crate::time::LIMIT_S => {
                self.problems.push(format!(
                    "`{}` must be at most 4000000000 seconds (about 126 years), found {}",
                    field.name(),
                    number::to_string(x)
                ));
                None
            }
            other => {
                self.problem(field, "a number of seconds, at least 0", &other);
                None
            }
        }
    }
}

fn syntax_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let message = text.rsplit_once(" at line ").map_or(&*text, |(m, _)| m);
    match error.column() {
        0 => format!("bad JSON: {message}"),
        column => format!("bad JSON at column {column}: {message}"),
    }
}

/// Stops the deserializer after a problem that makes the rest of the line pointless to read.
fn stop<E: de::Error>() -> E {
    E::custom("not a workitem")
}

struct LineSeed<'p, 's, 'u> {
    parsed: &'p mut Parsed,
    scratch: &'s mut Scratch,
    note: &'u mut dyn FnMut(Note<'_>),
}

impl<'de> DeserializeSeed<'de> for LineSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl LineSeed<'_, '_, '_> {
    fn not_an_object<E: de::Error>(self, found: Scalar<'_>) -> Result<(), E> {
        self.parsed.not_an_object = true;
        self.parsed.problems.push(format!(
            "a workitem line is a JSON object, found {}",
            found.describe()
        ));
        Err(stop())
    }
}

impl<'de> Visitor<'de> for LineSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let parsed = self.parsed;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let field = match key {
                Key::Known(field) => field,
                Key::Unknown(name) => {
                    (self.note)(Note::UnknownField(&name));
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if parsed.seen & field as u8 != 0 {
                parsed
                    .problems
                    .push(format!("`{}` is given twice", field.name()));
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            parsed.seen |= field as u8;
            if let Field::Userdata = field {
                match map.next_value_seed(UserdataSeed(&mut *self.scratch))? {
                    Ok(userdata) => parsed.userdata = Some(userdata),
                    Err(problem) => parsed.problems.push(problem),
                }
                continue;
            }
            let value = map.next_value::<Scalar<'de>>()?;
            match field {
                Field::Id => match value {
                    Scalar::String(id) if !id.trim().is_empty() => parsed.id = Some(id.into()),
                    Scalar::String(_) => parsed.problems.push("`id` is empty".to_owned()),
                    other => parsed.problem(field, "a string", &other),
                },
                Field::ArriveS => parsed.arrive_s = parsed.seconds(field, value),
                Field::HandleS => parsed.handle_s = parsed.seconds(field, value),
                Field::StopS => parsed.stop_s = parsed.seconds(field, value),
                Field::Priority => match value {
                    Scalar::Null => {}
                    Scalar::Number(_, Some(priority)) => parsed.priority = Some(priority),
                    other => parsed.problem(field, "a whole number", &other),
                },
                Field::Userdata => {}
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        self.not_an_object(Scalar::List)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.not_an_object(Scalar::String(Cow::Borrowed(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.not_an_object(Scalar::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.not_an_object(Scalar::from_i64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.not_an_object(Scalar::from_u64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.not_an_object(Scalar::from_f64(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_an_object(Scalar::Null)
    }
}

/// A field name: one we know, or another (borrowed from the line unless it has escapes).
enum Key<'de> {
    Known(Field),
    Unknown(Cow<'de, str>),
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

fn known(name: &str) -> Option<Field> {
    Some(match name {
        "id" => Field::Id,
        "arrive_s" => Field::ArriveS,
        "priority" => Field::Priority,
        "handle_s" => Field::HandleS,
        "stop_s" => Field::StopS,
        "userdata" => Field::Userdata,
        _ => return None,
    })
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(known(v).map_or(Key::Unknown(Cow::Borrowed(v)), Key::Known))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(known(v).map_or_else(|| Key::Unknown(Cow::Owned(v.to_owned())), Key::Known))
    }
}

/// A string borrowed from the line when it has no escapes (serde's own `Cow` always copies).
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text<'de>, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }
}

/// A field's value, as much as the messages and the fields need; lists and objects are skipped.
enum Scalar<'de> {
    Null,
    Bool(bool),
    /// The number, and the same as an integer when it is a whole number in the range of `i64` (written
    /// with a fraction or an exponent: at most 2^53 - 1 in size).
    Number(f64, Option<i64>),
    String(Cow<'de, str>),
    List,
    Object,
}

impl Scalar<'_> {
    fn from_i64(v: i64) -> Scalar<'static> {
        Scalar::Number(v as f64, Some(v))
    }

    fn from_u64(v: u64) -> Scalar<'static> {
        Scalar::Number(v as f64, i64::try_from(v).ok())
    }

    fn from_f64(v: f64) -> Scalar<'static> {
        // JSON has one number type: `2.0` is the whole number 2, as in JavaScript. An integer past
        // the range of i64 comes here as a double too: whole only up to 2^53 - 1 in size, where the double
        // is the number written.
        Scalar::Number(v, number::exact_whole(v))
    }

    fn describe(&self) -> String {
        match self {
            Scalar::Null => "null".to_owned(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Number(x, _) => format!("the number {}", number::to_string(*x)),
            Scalar::String(s) if s.chars().count() <= 40 => {
                format!("the string {}", Value::string(&**s).to_json())
            }
            Scalar::String(_) => "a string".to_owned(),
            Scalar::List => "a list".to_owned(),
            Scalar::Object => "an object".to_owned(),
        }
    }
}

impl<'de> de::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Scalar<'de>, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::from_i64(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::from_u64(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::from_f64(v))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::String(Cow::Owned(v.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::List)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Object)
    }
}

/// Above this many keys, finding repeated keys uses a hash set instead of scanning.
const SCAN_KEYS: usize = 16;

/// `userdata`: an object, read into [`Userdata`], or the problem with it (the value is consumed either way).
struct UserdataSeed<'s>(&'s mut Scratch);

impl<'de> DeserializeSeed<'de> for UserdataSeed<'_> {
    type Value = Result<Userdata, String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl UserdataSeed<'_> {
    fn not_an_object<E>(found: Scalar<'_>) -> Result<Result<Userdata, String>, E> {
        Ok(Err(format!(
            "`userdata` must be an object, found {}",
            found.describe()
        )))
    }
}

impl<'de> Visitor<'de> for UserdataSeed<'_> {
    type Value = Result<Userdata, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let scratch = self.0;
        let mut entries = std::mem::take(&mut scratch.entries);
        entries.clear();
        let mut keys: Option<HashSet<UserdataKey>> = None;
        let mut repeated: Option<UserdataKey> = None;
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            let slot = scratch.key_slot(&key);
            let value = map.next_value_seed(ValueSeed(slot.map(|i| &mut scratch.values[i])))?;
            let is_repeat = match &mut keys {
                Some(keys) => keys.contains(&*key),
                None => entries.iter().any(|(k, _)| **k == *key),
            };
            if is_repeat {
                repeated.get_or_insert_with(|| key.into());
                continue;
            }
            let key = match slot {
                Some(i) => scratch.keys[i].clone(),
                None => key.into(),
            };
            if let Some(keys) = &mut keys {
                keys.insert(key.clone());
            } else if entries.len() == SCAN_KEYS {
                let mut set: HashSet<UserdataKey> =
                    entries.iter().map(|(k, _)| k.clone()).collect();
                set.insert(key.clone());
                keys = Some(set);
            }
            entries.push((key, value));
        }
        let userdata = match repeated {
            Some(key) => Err(format!(
                "`userdata` has the key {} more than once",
                Value::string(key).to_json()
            )),
            None => {
                // Moved out at their size (and room for a written key, see `WRITE_ROOM`); the scratch
                // vector keeps its capacity for the next line.
                let mut exact = Vec::with_capacity(entries.len() + WRITE_ROOM);
                exact.append(&mut entries);
                Ok(Userdata { entries: exact })
            }
        };
        scratch.entries = entries;
        Ok(userdata)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Self::not_an_object(Scalar::List)
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Self::not_an_object(Scalar::String(Cow::Borrowed(v)))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Self::not_an_object(Scalar::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Self::not_an_object(Scalar::from_i64(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Self::not_an_object(Scalar::from_u64(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Self::not_an_object(Scalar::from_f64(v))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Self::not_an_object(Scalar::Null)
    }
}

/// Any JSON value, as an expression [`Value`] (numbers are doubles, as in JavaScript); a string value of a
/// shared user-data key is shared (see [`SharedValues`]).
struct ValueSeed<'s>(Option<&'s mut SharedValues>);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(match self.0 {
            Some(shared) => shared.value(v),
            None => Value::string(v),
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ValueSeed(None))? {
            items.push(item);
        }
        Ok(Value::List(items.into()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        // Nested objects become expression maps, whose keys are sorted; a repeated key keeps its last value.
        let mut entries = BTreeMap::new();
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            let value = map.next_value_seed(ValueSeed(None))?;
            entries.insert(Arc::from(key), value);
        }
        Ok(Value::Map(Arc::new(entries)))
    }
}
