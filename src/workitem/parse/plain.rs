//! The common workitem line, read without serde.
//!
//! Almost every line of a real or generated file has the same plain shape: the known fields once each,
//! numbers without sign or exponent, strings without escapes, user data of strings. Reading that shape
//! byte by byte costs a fraction of serde_json's visitor machinery, which was the largest part of a
//! replay's time. Anything else (an escape, a nested value, an unknown field, a repeated key, a bad
//! value, a missing field) gives up, and the line is read again by the full reader, which alone says
//! what is wrong with a line and notes unknown fields; so this path decides nothing that reader would
//! not. A property test checks that both read every line this one accepts the same way.

use super::{SCAN_KEYS, Scratch, Userdata, WRITE_ROOM, Workitem};
use crate::expr::Value;
use crate::expr::value::json_special;

/// The workitem on `text`, when the line has the plain shape and is valid; `None` otherwise.
pub(super) fn read(text: &str, scratch: &mut Scratch) -> Option<Workitem> {
    let mut line = Cursor {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut id = None;
    let mut arrive_s = None;
    let mut priority = None;
    let mut handle_s = None;
    let mut stop_s = None;
    let mut userdata = None;
    line.expect(b'{')?;
    if !line.eat(b'}') {
        loop {
            let name = line.string()?;
            line.expect(b':')?;
            line.space();
            match name {
                "id" if id.is_none() => {
                    let text = line.string()?;
                    if text.trim().is_empty() {
                        return None;
                    }
                    id = Some(text);
                }
                "arrive_s" if arrive_s.is_none() => arrive_s = Some(line.seconds()?),
                "handle_s" if handle_s.is_none() => handle_s = Some(line.seconds()?),
                "stop_s" if stop_s.is_none() => stop_s = Some(line.seconds()?),
                "priority" if priority.is_none() => priority = Some(line.priority()?),
                "userdata" if userdata.is_none() => userdata = Some(line.userdata(scratch)?),
                _ => return None,
            }
            if line.eat(b'}') {
                break;
            }
            line.expect(b',')?;
        }
    }
    if !line.at_end() {
        return None;
    }
    let arrive_s = arrive_s.flatten().unwrap_or(0.0);
    let stop_s = stop_s.flatten();
    if stop_s.is_some_and(|stop_s| stop_s < arrive_s) {
        return None;
    }
    Some(Workitem {
        id: id?.into(),
        arrive_s,
        priority: priority.flatten().unwrap_or(0),
        handle_s: handle_s.flatten(),
        stop_s,
        userdata: userdata?,
    })
}

struct Cursor<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
}

impl<'t> Cursor<'t> {
    /// Skip JSON white space (a line has no line break left in it).
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// Whether the next byte, after white space, is `byte` (taken if so).
    fn eat(&mut self, byte: u8) -> bool {
        self.space();
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    fn at_end(&mut self) -> bool {
        self.space();
        self.at == self.bytes.len()
    }

    /// A string without escapes or control characters, borrowed from the line.
    fn string(&mut self) -> Option<&'t str> {
        self.expect(b'"')?;
        let start = self.at;
        let length = json_special(self.bytes.get(start..)?)?;
        if self.bytes[start + length] != b'"' {
            return None;
        }
        self.at = start + length + 1;
        self.text.get(start..start + length)
    }

    /// `null`, `true` or `false`.
    fn literal(&mut self) -> Option<Value> {
        for (word, value) in [
            (&b"null"[..], Value::Null),
            (b"true", Value::Bool(true)),
            (b"false", Value::Bool(false)),
        ] {
            if self.bytes[self.at..].starts_with(word) {
                self.at += word.len();
                return Some(value);
            }
        }
        None
    }

    /// Digits, then optionally `.` and digits: no sign, no exponent, no leading zero before a digit,
    /// at most 17 digits (the same decimal serde_json reads, exactly rounded by both).
    fn unsigned(&mut self) -> Option<&'t str> {
        let start = self.at;
        let digits = |cursor: &mut Cursor<'_>| {
            let from = cursor.at;
            while cursor.bytes.get(cursor.at).is_some_and(u8::is_ascii_digit) {
                cursor.at += 1;
            }
            cursor.at - from
        };
        let whole = digits(self);
        if whole == 0 || (whole > 1 && self.bytes[start] == b'0') {
            return None;
        }
        let mut fraction = 0;
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            fraction = digits(self);
            if fraction == 0 {
                return None;
            }
        }
        if whole + fraction > 17 || matches!(self.bytes.get(self.at), Some(b'e' | b'E')) {
            return None;
        }
        self.text.get(start..self.at)
    }

    /// Whether the next word is `null` (taken if so).
    fn null(&mut self) -> bool {
        let null = self.bytes[self.at..].starts_with(b"null");
        if null {
            self.at += 4;
        }
        null
    }

    /// A number of seconds, or `null` (not given).
    fn seconds(&mut self) -> Option<Option<f64>> {
        if self.null() {
            return Some(None);
        }
        let seconds: f64 = self.unsigned()?.parse().ok()?;
        // A time past the limit, or finer than virtual time keeps, is for the full reader to say.
        (crate::time::in_range(seconds) && !crate::time::is_finer(seconds)).then_some(Some(seconds))
    }

    /// A priority: a whole number without fraction or exponent, or `null` (not given).
    fn priority(&mut self) -> Option<Option<i64>> {
        if self.null() {
            return Some(None);
        }
        let negative = self.bytes.get(self.at) == Some(&b'-');
        let start = self.at;
        self.at += usize::from(negative);
        let digits = self.unsigned()?;
        if digits.contains('.') || digits.len() > 15 || (negative && digits == "0") {
            return None;
        }
        self.text.get(start..self.at)?.parse().ok().map(Some)
    }

    /// User data of strings, `true`, `false` and `null`, each key once.
    fn userdata(&mut self, scratch: &mut Scratch) -> Option<Userdata> {
        self.expect(b'{')?;
        let mut entries = std::mem::take(&mut scratch.entries);
        entries.clear();
        let read = self.entries(scratch, &mut entries);
        // Moved out as the full reader does; the scratch keeps its capacity.
        let userdata = read.map(|()| {
            let mut exact = Vec::with_capacity(entries.len() + WRITE_ROOM);
            exact.append(&mut entries);
            Userdata { entries: exact }
        });
        entries.clear();
        scratch.entries = entries;
        userdata
    }

    fn entries(
        &mut self,
        scratch: &mut Scratch,
        entries: &mut Vec<(crate::workitem::Key, Value)>,
    ) -> Option<()> {
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            self.space();
            if entries.len() == SCAN_KEYS || entries.iter().any(|(k, _)| **k == *key) {
                return None;
            }
            let slot = scratch.key_slot(key);
            let value = match self.bytes.get(self.at) {
                Some(b'"') => {
                    let text = self.string()?;
                    match slot {
                        Some(i) => scratch.values[i].value(text),
                        None => Value::string(text),
                    }
                }
                _ => self.literal()?,
            };
            let key = match slot {
                Some(i) => scratch.keys[i].clone(),
                None => key.into(),
            };
            entries.push((key, value));
            if self.eat(b'}') {
                return Some(());
            }
            self.expect(b',')?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Scratch, read_with_serde};
    use super::read;
    use proptest::prelude::*;

    /// What the full reader makes of `text`.
    fn full(text: &str) -> Result<super::Workitem, String> {
        let mut scratch = Scratch::default();
        read_with_serde(text.as_bytes(), Ok(text), &mut scratch, &mut |_| ()).map_err(|e| e.1)
    }

    #[test]
    fn a_generated_line_takes_the_plain_path() {
        let line = r#"{"id":"w0000001","arrive_s":0.357,"handle_s":238.665,"userdata":{"GTR_level1":"Insurance","GTR_level2":"Health","CustomerSegment":"Bronze","subject":"Cancellation request","caseNumber":"CS9648373"}}"#;
        let plain = read(line, &mut Scratch::default());
        assert!(plain.is_some());
        assert_eq!(plain, full(line).ok());
    }

    #[test]
    fn anything_unusual_is_left_to_the_full_reader() {
        for line in [
            r#"{"id":"w1","userdata":{},"channel":"email"}"#,
            r#"{"id":"w1","id":"w2","userdata":{}}"#,
            r#"{"id":"w\"1","userdata":{}}"#,
            r#"{"id":" ","userdata":{}}"#,
            r#"{"id":"w1","arrive_s":-1,"userdata":{}}"#,
            r#"{"id":"w1","arrive_s":1e3,"userdata":{}}"#,
            r#"{"id":"w1","arrive_s":5,"stop_s":4,"userdata":{}}"#,
            r#"{"id":"w1","priority":2.0,"userdata":{}}"#,
            r#"{"id":"w1","userdata":{"a":1}}"#,
            r#"{"id":"w1","userdata":{"a":"x","a":"y"}}"#,
            r#"{"id":"w1","userdata":{"a":{"b":"c"}}}"#,
            r#"{"id":"w1"}"#,
            r#"{"id":"w1","userdata":{}} x"#,
            r#"["w1"]"#,
        ] {
            assert_eq!(read(line, &mut Scratch::default()), None, "{line}");
        }
    }

    /// One of `texts`, owned.
    fn one_of(texts: &[&'static str]) -> impl Strategy<Value = String> + use<> {
        prop::sample::select(texts.to_vec()).prop_map(str::to_owned)
    }

    /// Pieces of workitem lines, as JSON text: mostly what the plain path reads, sometimes not.
    fn id() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => "[a-z0-9é]{1,12}".prop_map(|s| format!("\"{s}\"")),
            2 => one_of(&[r#""""#, r#"" ""#, r#""a\"b""#, r#""é ü""#, "17", "null"]),
        ]
    }

    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => (0u64..10_000_000_000, "[0-9]{1,9}").prop_map(|(w, f)| format!("{w}.{f}")),
            3 => (0u64..1_000_000_000).prop_map(|n| n.to_string()),
            1 => any::<i32>().prop_map(|n| n.to_string()),
            2 => one_of(&[
                "0", "-0", "01", "1.", "1e3", "2.0", "null", "\"10\"", "true",
                "123456789012345678", "90482326.78953321",
            ]),
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => "[A-Za-z é]{0,10}".prop_map(|s| format!("\"{s}\"")),
            2 => one_of(&["true", "false", "null"]),
            1 => one_of(&[r#""a\nb""#, "1", "[1]", r#"{"x":1}"#]),
        ]
    }

    fn userdata() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec![
            "a",
            "b",
            "c",
            "GTR_level1",
            "GTR_level2",
            "CustomerSegment",
            "k k",
            "é",
            "x",
            "y",
        ]);
        prop_oneof![
            9 => prop::collection::vec((key, value()), 0..5).prop_map(|entries| {
                let entries: Vec<String> =
                    entries.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", entries.join(","))
            }),
            1 => Just("[]".to_owned()),
        ]
    }

    /// A line with an id and user data (one of them left out now and then), some other fields (a field
    /// twice or an unknown one now and then), in any order, with or without white space.
    fn line() -> impl Strategy<Value = String> {
        let other = prop_oneof![
            4 => number().prop_map(|v| format!("\"arrive_s\":{v}")),
            4 => number().prop_map(|v| format!("\"handle_s\":{v}")),
            4 => number().prop_map(|v| format!("\"stop_s\":{v}")),
            4 => number().prop_map(|v| format!("\"priority\":{v}")),
            1 => id().prop_map(|v| format!("\"id\":{v}")),
            1 => Just("\"channel\":\"x\"".to_owned()),
        ];
        let space = prop::sample::select(vec!["", "", "", " ", "\t"]);
        let tail = prop::sample::select(vec!["", "", "", "", " ", " x", ","]);
        (
            id(),
            userdata(),
            prop::collection::vec(other, 0..4),
            space,
            tail,
            0u8..12,
        )
            .prop_flat_map(|(id, userdata, mut fields, space, tail, left_out)| {
                if left_out != 0 {
                    fields.push(format!("\"id\":{id}"));
                }
                if left_out != 1 {
                    fields.push(format!("\"userdata\":{userdata}"));
                }
                (Just(fields).prop_shuffle(), Just(space), Just(tail))
            })
            .prop_map(|(fields, space, tail)| {
                let fields = fields.join(&format!("{space},{space}"));
                format!("{space}{{{space}{fields}{space}}}{space}{tail}")
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Every line the plain path reads, the full reader reads the same way, to the bit.
        #[test]
        fn the_plain_path_agrees_with_the_full_reader(text in line()) {
            if let Some(plain) = read(&text, &mut Scratch::default()) {
                let full = full(&text);
                prop_assert_eq!(Ok(&plain), full.as_ref());
                if let Ok(full) = full {
                    let bits = |w: &super::Workitem| {
                        (w.arrive_s.to_bits(), w.handle_s.map(f64::to_bits), w.stop_s.map(f64::to_bits))
                    };
                    prop_assert_eq!(bits(&plain), bits(&full));
                }
            }
        }
    }
}
