//! Workitems as JSON Lines (SPEC §3.4, §6): defaults, every kind of bad line with its line number, the
//! warnings about the input as a whole, and the rule that every line yields exactly one item.

use proptest::prelude::*;
use routeflow::expr::Value;
use routeflow::time::to_resolution;
use routeflow::workitem::{Line, LineError, Userdata, Warning, Workitem, WorkitemReader};
use std::io::{self, BufRead, BufReader, Read};

fn read_all(input: &[u8]) -> (Vec<Line>, WorkitemReader<&[u8]>) {
    let mut reader = WorkitemReader::new(input);
    let lines = reader
        .by_ref()
        .collect::<io::Result<Vec<Line>>>()
        .expect("reading from memory cannot fail");
    (lines, reader)
}

fn only(line: &str) -> Result<Workitem, LineError> {
    let (mut lines, _) = read_all(line.as_bytes());
    assert_eq!(lines.len(), 1, "{line}");
    let line = lines.remove(0);
    assert_eq!(line.number, 1);
    line.item
}

fn workitem(line: &str) -> Workitem {
    only(line).unwrap_or_else(|error| panic!("{line} should read: {error}"))
}

fn error(line: &str) -> String {
    match only(line) {
        Ok(workitem) => panic!("{line} should not read, got {workitem:?}"),
        Err(error) => {
            assert_eq!(error.line, 1);
            error.message
        }
    }
}

fn userdata(pairs: &[(&str, &str)]) -> Userdata {
    pairs.iter().map(|&(k, v)| (k, v)).collect()
}

// ---------------------------------------------------------------------------------------------------------
// Valid lines

#[test]
fn the_spec_example_reads_field_by_field() {
    let w = workitem(
        r#"{"id":"w1","arrive_s":0,"priority":0,"handle_s":300,"stop_s":null,"userdata":{"GTR_level1":"Insurance"}}"#,
    );
    assert_eq!(
        w,
        Workitem {
            id: "w1".into(),
            arrive_s: 0.0,
            priority: 0,
            handle_s: Some(300.0),
            stop_s: None,
            userdata: userdata(&[("GTR_level1", "Insurance")]),
        }
    );
}

#[test]
fn only_id_and_userdata_are_required() {
    let w = workitem(r#"{"id":"w2","userdata":{}}"#);
    assert_eq!(w.arrive_s, 0.0);
    assert_eq!(w.priority, 0);
    assert_eq!(w.handle_s, None);
    assert_eq!(w.handle_s_or(300.0), 300.0);
    assert_eq!(w.stop_s, None);
    assert!(w.userdata.is_empty());
}

#[test]
fn null_means_not_given_for_optional_fields() {
    let w = workitem(
        r#"{"id":"w3","arrive_s":null,"priority":null,"handle_s":null,"stop_s":null,"userdata":{}}"#,
    );
    assert_eq!(
        (w.arrive_s, w.priority, w.handle_s, w.stop_s),
        (0.0, 0, None, None)
    );
}

#[test]
fn given_fields_are_kept() {
    let w = workitem(
        r#"{"userdata":{},"stop_s":90.5,"handle_s":0,"priority":-3,"arrive_s":12.25,"id":"w4"}"#,
    );
    assert_eq!(w.id.as_ref(), "w4");
    assert_eq!(w.arrive_s, 12.25);
    assert_eq!(w.priority, -3);
    assert_eq!(w.handle_s_or(300.0), 0.0);
    assert_eq!(w.stop_s, Some(90.5));
}

#[test]
fn a_whole_number_written_as_a_float_is_a_whole_number() {
    assert_eq!(
        workitem(r#"{"id":"w","priority":2.0,"userdata":{}}"#).priority,
        2
    );
    assert_eq!(
        workitem(r#"{"id":"w","priority":1e3,"userdata":{}}"#).priority,
        1000
    );
}

#[test]
fn negative_zero_is_zero() {
    let w = workitem(r#"{"id":"w","arrive_s":-0.0,"userdata":{}}"#);
    assert!(w.arrive_s == 0.0 && w.arrive_s.is_sign_positive());
}

#[test]
fn stop_s_may_equal_arrive_s() {
    let w = workitem(r#"{"id":"w","arrive_s":5,"stop_s":5,"userdata":{}}"#);
    assert_eq!(w.stop_s, Some(5.0));
}

#[test]
fn times_are_read_to_the_microsecond_with_one_warning() {
    let input = concat!(
        r#"{"id":"a","arrive_s":44.57,"handle_s":0.000001,"userdata":{}}"#,
        "\n",
        r#"{"id":"b","arrive_s":50.0000003,"handle_s":100.0000004,"userdata":{}}"#,
        "\n",
        // Both times round to 5: the stop is not before the arrival as read.
        r#"{"id":"c","arrive_s":5.0000004,"stop_s":5.0000001,"userdata":{}}"#,
        "\n",
        r#"{"id":"d","arrive_s":0.0000006,"userdata":{}}"#,
        "\n",
    );
    let (lines, reader) = read_all(input.as_bytes());
    let items: Vec<Workitem> = lines.into_iter().map(|l| l.item.unwrap()).collect();
    assert_eq!(
        (items[0].arrive_s, items[0].handle_s),
        (44.57, Some(0.000001))
    );
    assert_eq!((items[1].arrive_s, items[1].handle_s), (50.0, Some(100.0)));
    assert_eq!((items[2].arrive_s, items[2].stop_s), (5.0, Some(5.0)));
    assert_eq!(items[3].arrive_s, 0.000001);
    let warnings = reader.warnings();
    assert_eq!(
        warnings,
        [Warning::FinerTimes {
            line: 2,
            field: "arrive_s",
            seconds: 50.0000003,
            lines: 3
        }]
    );
    assert_eq!(
        warnings[0].to_string(),
        "line 2: `arrive_s` 50.0000003 is finer than the microsecond, the resolution of virtual \
         time: it is read as 50; 3 lines have times finer than the microsecond"
    );
}

#[test]
fn times_past_the_limit_are_errors() {
    assert_eq!(
        error(r#"{"id":"w","arrive_s":4000000000.5,"userdata":{}}"#),
        "`arrive_s` must be at most 4000000000 seconds (about 126 years), found 4000000000.5"
    );
    assert!(
        error(r#"{"id":"w","handle_s":1e300,"userdata":{}}"#)
            .contains("`handle_s` must be at most")
    );
    assert_eq!(
        workitem(r#"{"id":"w","stop_s":4e9,"userdata":{}}"#).stop_s,
        Some(4e9)
    );
}

#[test]
fn userdata_keeps_the_order_of_the_line() {
    let w = workitem(r#"{"id":"w","userdata":{"z":"1","a":"2","m":"3","GTR_level1":"Insurance"}}"#);
    let keys: Vec<&str> = w.userdata.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["z", "a", "m", "GTR_level1"]);
    assert_eq!(w.userdata.get("a"), Some(&Value::from("2")));
    assert_eq!(w.userdata.get("b"), None);
}

#[test]
fn userdata_values_keep_their_json_type() {
    let w = workitem(
        r#"{"id":"w","userdata":{"s":"x","n":42,"f":1.5,"t":true,"z":null,"l":["a",1],"o":{"b":1,"a":"2"}}}"#,
    );
    let get = |key: &str| w.userdata.get(key).cloned().expect(key);
    assert_eq!(get("s"), Value::from("x"));
    assert_eq!(get("n"), Value::Number(42.0));
    assert_eq!(get("f"), Value::Number(1.5));
    assert_eq!(get("t"), Value::Bool(true));
    assert_eq!(get("z"), Value::Null);
    assert_eq!(get("l").to_json(), r#"["a",1]"#);
    // Nested objects are expression maps, whose keys are sorted.
    assert_eq!(get("o").to_json(), r#"{"a":"2","b":1}"#);
}

#[test]
fn escapes_in_keys_and_strings_are_decoded() {
    let w = workitem(r#"{"i\u0064":"w\"1\"","userdata":{"k\u00e9y":"caf\u00e9 \ud83d\ude00"}}"#);
    assert_eq!(w.id.as_ref(), "w\"1\"");
    assert_eq!(w.userdata.get("kéy"), Some(&Value::from("café 😀")));
}

#[test]
fn userdata_insert_replaces_in_place_or_appends() {
    let mut data = userdata(&[("a", "1"), ("b", "2")]);
    assert_eq!(data.insert("a", Value::from("3")), Some(Value::from("1")));
    assert_eq!(data.insert("c", Value::from("4")), None);
    let pairs: Vec<(&str, String)> = data.iter().map(|(k, v)| (k, v.to_json())).collect();
    assert_eq!(
        pairs,
        [
            ("a", "\"3\"".into()),
            ("b", "\"2\"".into()),
            ("c", "\"4\"".into())
        ]
    );
}

// ---------------------------------------------------------------------------------------------------------
// Bad lines

#[test]
fn every_kind_of_bad_line_says_what_is_wrong() {
    let cases = [
        (
            r#"{"id":"w1","userdata":{}"#,
            "bad JSON at column 24: EOF while parsing an object",
        ),
        ("not json", "bad JSON at column 2: expected ident"),
        (
            r#"{"id":"w1","arrive_s":NaN,"userdata":{}}"#,
            "bad JSON at column 23: expected value",
        ),
        (
            r#"{"id":"w1","arrive_s":1e400,"userdata":{}}"#,
            "bad JSON at column 27: number out of range",
        ),
        (
            r#"{"id":"w1","userdata":{}} {}"#,
            "bad JSON at column 27: trailing characters",
        ),
        (
            r#"{"id":"w1","userdata":{},}"#,
            "bad JSON at column 26: trailing comma",
        ),
        ("[1,2]", "a workitem line is a JSON object, found a list"),
        (
            r#""w1""#,
            r#"a workitem line is a JSON object, found the string "w1""#,
        ),
        ("null", "a workitem line is a JSON object, found null"),
        (
            "{}",
            "missing `id`; missing `userdata` (write `\"userdata\":{}` for none)",
        ),
        (r#"{"userdata":{}}"#, "missing `id`"),
        (
            r#"{"id":"w1"}"#,
            "missing `userdata` (write `\"userdata\":{}` for none)",
        ),
        (
            r#"{"id":5,"userdata":{}}"#,
            "`id` must be a string, found the number 5",
        ),
        (
            r#"{"id":null,"userdata":{}}"#,
            "`id` must be a string, found null",
        ),
        (r#"{"id":" ","userdata":{}}"#, "`id` is empty"),
        (
            r#"{"id":"w1","userdata":[]}"#,
            "`userdata` must be an object, found a list",
        ),
        (
            r#"{"id":"w1","userdata":"GTR_level1=Insurance"}"#,
            r#"`userdata` must be an object, found the string "GTR_level1=Insurance""#,
        ),
        (
            r#"{"id":"w1","userdata":null}"#,
            "`userdata` must be an object, found null",
        ),
        (
            r#"{"id":"w1","arrive_s":-1,"userdata":{}}"#,
            "`arrive_s` must be a number of seconds, at least 0, found the number -1",
        ),
        (
            r#"{"id":"w1","arrive_s":"10","userdata":{}}"#,
            r#"`arrive_s` must be a number of seconds, at least 0, found the string "10""#,
        ),
        (
            r#"{"id":"w1","handle_s":-5,"userdata":{}}"#,
            "`handle_s` must be a number of seconds, at least 0, found the number -5",
        ),
        (
            r#"{"id":"w1","stop_s":true,"userdata":{}}"#,
            "`stop_s` must be a number of seconds, at least 0, found true",
        ),
        (
            r#"{"id":"w1","arrive_s":10,"stop_s":5,"userdata":{}}"#,
            "`stop_s` (5) is before `arrive_s` (10)",
        ),
        (
            r#"{"id":"w1","priority":1.5,"userdata":{}}"#,
            "`priority` must be a whole number, found the number 1.5",
        ),
        (
            r#"{"id":"w1","priority":1e30,"userdata":{}}"#,
            "`priority` must be a whole number, found the number 1e+30",
        ),
        (
            // Past i64, read as the double -2^63: not taken for a number the line does not hold.
            r#"{"id":"w1","priority":-9223372036854775809,"userdata":{}}"#,
            "`priority` must be a whole number, found the number -9223372036854776000",
        ),
        (
            r#"{"id":"w1","priority":9007199254740993.0,"userdata":{}}"#,
            "`priority` must be a whole number, found the number 9007199254740992",
        ),
        (
            r#"{"id":"w1","priority":{"level":1},"userdata":{}}"#,
            "`priority` must be a whole number, found an object",
        ),
        (
            r#"{"id":"w1","id":"w2","userdata":{}}"#,
            "`id` is given twice",
        ),
        (
            r#"{"id":"w1","userdata":{"a":"1","b":"2","a":"3"}}"#,
            r#"`userdata` has the key "a" more than once"#,
        ),
    ];
    let mut failures = Vec::new();
    for (line, expected) in cases {
        let message = error(line);
        if message != expected {
            failures.push(format!(
                "{line}\n  expected: {expected}\n  got:      {message}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_bad_line_reports_all_its_problems_and_its_id() {
    let Err(error) = only(r#"{"id":"w7","arrive_s":-1,"priority":"high","userdata":[]}"#) else {
        panic!("the line is bad");
    };
    assert_eq!(error.id.as_deref(), Some("w7"));
    assert_eq!(
        error.to_string(),
        "line 1: `arrive_s` must be a number of seconds, at least 0, found the number -1; \
         `priority` must be a whole number, found the string \"high\"; \
         `userdata` must be an object, found a list"
    );
    // The id is known even when the JSON breaks later in the line.
    let Err(error) = only(r#"{"id":"w8","userdata":{"a":}"#) else {
        panic!("the line is bad");
    };
    assert_eq!(error.id.as_deref(), Some("w8"));
}

#[test]
fn invalid_utf8_is_an_error_for_its_line_only() {
    let input =
        b"{\"id\":\"w1\",\"userdata\":{\"k\":\"caf\xe9\"}}\n{\"id\":\"w2\",\"userdata\":{}}\n";
    let (lines, _) = read_all(input);
    assert_eq!(lines.len(), 2);
    let error = lines[0].item.as_ref().expect_err("not UTF-8");
    assert_eq!(
        error.message,
        "the line is not UTF-8 text: invalid byte at column 32"
    );
    assert_eq!(error.id.as_deref(), Some("w1"));
    assert!(lines[1].item.is_ok());
}

#[test]
fn bad_lines_never_stop_the_stream_and_name_their_line() {
    let input = "\
{\"id\":\"w1\",\"userdata\":{}}
{oops

{\"id\":\"w3\",\"arrive_s\":-2,\"userdata\":{}}
{\"id\":\"w4\",\"userdata\":{}}
";
    let (lines, reader) = read_all(input.as_bytes());
    let numbers: Vec<usize> = lines.iter().map(|l| l.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    let errors: Vec<String> = lines
        .iter()
        .filter_map(|l| l.item.as_ref().err().map(ToString::to_string))
        .collect();
    assert_eq!(
        errors,
        [
            "line 2: bad JSON at column 2: key must be a string",
            "line 3: the line is blank; every line of the file holds one workitem (remove it)",
            "line 4: `arrive_s` must be a number of seconds, at least 0, found the number -2",
        ]
    );
    assert_eq!(reader.blank_lines(), 1);
    assert_eq!(reader.lines_read(), 5);
}

// ---------------------------------------------------------------------------------------------------------
// Lines

#[test]
fn blank_lines_are_errors_crlf_and_a_last_line_without_break_are_fine() {
    let input =
        "\u{feff}{\"id\":\"w1\",\"userdata\":{}}\r\n\r\n  \t\n{\"id\":\"w2\",\"userdata\":{}}";
    let (lines, reader) = read_all(input.as_bytes());
    let read: Vec<(usize, String)> = lines
        .iter()
        .map(|l| match &l.item {
            Ok(workitem) => (l.number, workitem.id.to_string()),
            Err(error) => (l.number, error.to_string()),
        })
        .collect();
    let blank = |n| {
        format!(
            "line {n}: the line is blank; every line of the file holds one workitem (remove it)"
        )
    };
    assert_eq!(
        read,
        [
            (1, "w1".to_owned()),
            (2, blank(2)),
            (3, blank(3)),
            (4, "w2".to_owned())
        ]
    );
    assert_eq!(reader.blank_lines(), 2);
}

#[test]
fn the_line_break_that_ends_the_input_makes_no_line_and_one_more_is_a_blank_line() {
    let (lines, _) = read_all(b"{\"id\":\"w1\",\"userdata\":{}}\n");
    assert_eq!(lines.len(), 1);
    let (lines, reader) = read_all(b"{\"id\":\"w1\",\"userdata\":{}}\n\n");
    let numbers: Vec<usize> = lines.iter().map(|l| l.number).collect();
    assert_eq!(numbers, [1, 2]);
    assert!(lines[1].item.as_ref().is_err_and(|e| e.id.is_none()));
    assert_eq!(reader.blank_lines(), 1);
}

#[test]
fn an_empty_input_has_no_lines() {
    let (lines, reader) = read_all(b"");
    assert!(lines.is_empty());
    assert_eq!(reader.lines_read(), 0);
}

#[test]
fn a_line_over_the_limit_is_an_error_and_the_next_line_reads() {
    let long = format!(
        "{{\"id\":\"w1\",\"userdata\":{{\"note\":\"{}\"}}}}",
        "x".repeat(200)
    );
    let input = format!("{long}\n{{\"id\":\"w2\",\"userdata\":{{}}}}\n");
    // A small buffer, so that the long line is skipped across several refills.
    let buffered = BufReader::with_capacity(16, input.as_bytes());
    let lines: Vec<Line> = WorkitemReader::new(buffered)
        .with_max_line_bytes(64)
        .collect::<io::Result<_>>()
        .expect("memory");
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0].item.as_ref().expect_err("too long").to_string(),
        "line 1: the line is longer than 64 bytes; it was skipped"
    );
    assert_eq!(lines[1].number, 2);
    assert!(lines[1].item.is_ok());
}

/// Input that fails after its first line.
struct Failing<'a>(&'a [u8]);

impl Read for Failing<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::Error::other("disk on fire"));
        }
        let n = self.0.len().min(out.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn a_read_error_is_yielded_once_and_ends_the_stream() {
    let input = BufReader::new(Failing(b"{\"id\":\"w1\",\"userdata\":{}}\n"));
    let mut reader = WorkitemReader::new(input);
    assert!(reader.next().expect("a line").expect("read").item.is_ok());
    let error = reader.next().expect("the error").expect_err("an I/O error");
    assert_eq!(error.to_string(), "disk on fire");
    assert!(reader.next().is_none());
}

// ---------------------------------------------------------------------------------------------------------
// Warnings

#[test]
fn unknown_fields_are_ignored_and_reported_once_per_name() {
    let input = r#"{"id":"w1","arive_s":5,"userdata":{},"channel":"email"}
{"id":"w2","userdata":{},"channel":"email","channel":"chat"}
{"id":"w3","userdata":{},"arive_s":7}
{"id":"w4","userdata":{},"arive_s":7
"#;
    let (lines, reader) = read_all(input.as_bytes());
    assert_eq!(lines[0].item.as_ref().expect("valid").arrive_s, 0.0);
    assert!(lines[3].item.is_err());
    let warnings = reader.warnings();
    assert_eq!(
        warnings,
        [
            Warning::UnknownField {
                name: "arive_s".into(),
                first_line: 1,
                lines: 3,
                suggestion: Some("arrive_s"),
            },
            Warning::UnknownField {
                name: "channel".into(),
                first_line: 1,
                lines: 2,
                suggestion: None,
            },
        ]
    );
    assert_eq!(
        warnings[0].to_string(),
        "line 1: unknown field `arive_s` is ignored (did you mean `arrive_s`?); 3 lines have it"
    );
}

#[test]
fn repeated_ids_are_allowed_and_reported_once() {
    let input = r#"{"id":"a","userdata":{}}
{"id":"b","userdata":{}}
{"id":"a","userdata":{}}
{"id":"b","userdata":{}}
{"id":"a","userdata":{}}
"#;
    let (lines, reader) = read_all(input.as_bytes());
    assert!(lines.iter().all(|l| l.item.is_ok()));
    let warnings = reader.warnings();
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        warnings[0].to_string(),
        "line 3: this workitem's id was already used on line 1; 3 lines repeat an earlier id"
    );
    let (_, clean) = read_all(b"{\"id\":\"a\",\"userdata\":{}}\n");
    assert!(clean.warnings().is_empty());
}

// ---------------------------------------------------------------------------------------------------------
// Properties

/// The lines the reader must yield for `input`, each with whether it is blank (after its line break, a
/// CR before it, and a byte order mark on line 1 are removed; a line over `limit` is too long, not blank):
/// every line, blank or not. The line break that ends the input starts no line.
fn expected_lines(input: &[u8], limit: usize) -> Vec<(usize, bool)> {
    let mut segments: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    let terminated = segments.len() - 1;
    if segments.last().is_some_and(|s| s.is_empty()) {
        segments.pop();
    }
    let mut lines = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let mut line = *segment;
        if i < terminated {
            line = line.strip_suffix(b"\r").unwrap_or(line);
        }
        let too_long = line.len() > limit;
        if i == 0 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        let blank = !too_long && line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'));
        lines.push((i + 1, blank));
    }
    lines
}

fn check_one_item_per_line(input: &[u8], limit: usize) -> Result<(), TestCaseError> {
    let reader =
        WorkitemReader::new(BufReader::with_capacity(32, input)).with_max_line_bytes(limit);
    let mut lines = Vec::new();
    for line in reader {
        let line = line.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut blank = false;
        if let Err(error) = &line.item {
            prop_assert_eq!(error.line, line.number);
            prop_assert!(!error.message.is_empty());
            prop_assert!(!error.message.contains('\n'));
            blank = error.message.starts_with("the line is blank");
        }
        lines.push((line.number, blank));
    }
    prop_assert_eq!(lines, expected_lines(input, limit));
    Ok(())
}

/// Pieces that make likely-looking workitem lines, so that generated input gets past the JSON syntax.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"{\"id\":\"w\",\"userdata\":{}}".to_vec()),
        Just(b"{\"id\":".to_vec()),
        Just(b"\"userdata\":{\"k\":".to_vec()),
        Just(b"\"arrive_s\":".to_vec()),
        Just(b"\"priority\":-1.5e3".to_vec()),
        Just(b",".to_vec()),
        Just(b"}".to_vec()),
        Just(b"null".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"  ".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        "[a-z0-9\"{}\\[\\]:,\\\\ ]{0,8}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..6),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_yield_one_item_per_line(input in prop::collection::vec(any::<u8>(), 0..400)) {
        check_one_item_per_line(&input, usize::MAX)?;
    }

    #[test]
    fn any_workitem_like_input_yields_one_item_per_line(
        pieces in prop::collection::vec(fragment(), 0..40),
        limit in 1usize..80,
    ) {
        let input = pieces.concat();
        check_one_item_per_line(&input, usize::MAX)?;
        check_one_item_per_line(&input, limit)?;
    }

    #[test]
    fn written_workitems_read_back_equal(
        id in "\\PC{1,12}",
        arrive_s in 0.0f64..1e9,
        priority in any::<i32>(),
        handle_s in prop::option::of(0.0f64..1e5),
        stop_after in prop::option::of(0.0f64..1e5),
        pairs in prop::collection::vec(("\\PC{0,10}", "\\PC{0,10}"), 0..8),
    ) {
        prop_assume!(!id.trim().is_empty());
        let mut data = serde_json::Map::new();
        for (k, v) in &pairs {
            data.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        let line = serde_json::json!({
            "id": id,
            "arrive_s": arrive_s,
            "priority": priority,
            "handle_s": handle_s,
            "stop_s": stop_after.map(|s| arrive_s + s),
            "userdata": data,
        })
        .to_string();
        let w = only(&line).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(w.id.as_ref(), id.as_str());
        // Times are kept to the microsecond, the resolution of virtual time.
        prop_assert_eq!(w.arrive_s, to_resolution(arrive_s));
        prop_assert_eq!(w.priority, i64::from(priority));
        prop_assert_eq!(w.handle_s, handle_s.map(to_resolution));
        prop_assert_eq!(w.stop_s, stop_after.map(|s| to_resolution(arrive_s + s)));
        let read: Vec<(String, Value)> = w.userdata.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        let written: Vec<(String, Value)> = data.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect();
        prop_assert_eq!(read, written);
    }
}

#[test]
fn the_reader_works_on_any_buf_read() {
    fn count(input: impl BufRead) -> usize {
        WorkitemReader::new(input).count()
    }
    let text = "{\"id\":\"w1\",\"userdata\":{}}\n{\"id\":\"w2\",\"userdata\":{}}\n";
    assert_eq!(count(text.as_bytes()), 2);
    assert_eq!(count(io::Cursor::new(text.to_owned())), 2);
    assert_eq!(count(BufReader::with_capacity(1, text.as_bytes())), 2);
}
