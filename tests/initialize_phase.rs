//! The sample's Initialize phase run on its own (`Runner::initialize`): the decision the peer benchmark
//! times, checked against SPEC §8 — overrides win, the data table fills what was not given, and the
//! default row serves whenever the classification did not find exactly one row.

use routeflow::expr::Value;
use routeflow::flow::{self, Flow};
use routeflow::runtime::Runner;
use routeflow::workitem::Userdata;
use std::path::Path;
use std::sync::Arc;

fn sample() -> Runner {
    let loaded = flow::load(Path::new("flows/gtr_sample.yaml"));
    let flow: Flow = loaded.flow.expect("the sample loads");
    Runner::new(Arc::new(flow))
}

/// (requestedAgent, skillExpression, requestedAgentGroup) after Initialize.
fn decide(runner: &Runner, pairs: &[(&str, &str)]) -> (String, String, String) {
    let mut userdata = Userdata::new();
    for (key, value) in pairs {
        userdata.insert(*key, Value::string(*value));
    }
    let frame = runner
        .initialize(&userdata, 0.0)
        .expect("Initialize ends normally");
    let scope = &runner.flow().scope;
    let get = |name: &str| {
        let slot = scope.slot(name).expect("declared");
        frame.slots[slot].as_str().expect("a string").to_owned()
    };
    assert_eq!(
        frame.userdata.get("overrideKey").and_then(Value::as_str),
        Some("GTR_3rdPartyIntegration"),
        "Initialize writes the override key"
    );
    (
        get("requestedAgent"),
        get("skillExpression"),
        get("requestedAgentGroup"),
    )
}

fn owned(a: &str, s: &str, g: &str) -> (String, String, String) {
    (a.to_owned(), s.to_owned(), g.to_owned())
}

#[test]
fn a_classified_workitem_takes_its_row() {
    let runner = sample();
    let gold = [
        ("GTR_level1", "Insurance"),
        ("GTR_level2", "Health"),
        ("CustomerSegment", "Gold"),
    ];
    assert_eq!(
        decide(&runner, &gold),
        owned("", "'english' > 7", "gold_group")
    );
}

#[test]
fn an_unknown_classification_takes_the_default_row() {
    let runner = sample();
    let unknown = [("GTR_level1", "Banking"), ("CustomerSegment", "Gold")];
    assert_eq!(
        decide(&runner, &unknown),
        owned("", "'english' > 1", "workitems")
    );
    assert_eq!(
        decide(&runner, &[]),
        owned("", "'english' > 1", "workitems")
    );
}

/// As in the published sample: an override skips the classification search, so `isSearchValid` keeps its
/// default `false` and the default row fills what was not overridden.
#[test]
fn an_override_skips_the_classification_and_the_default_row_fills_the_rest() {
    let runner = sample();
    let overridden = [
        ("GTR_level1", "Insurance"),
        ("GTR_level2", "Health"),
        ("CustomerSegment", "Gold"),
        ("GTR_requestedAgent", "alice"),
    ];
    assert_eq!(
        decide(&runner, &overridden),
        owned("alice", "'english' > 1", "workitems")
    );
}

/// `write_userdata` keeps the first key it adds to share with later workitems: a workitem whose key
/// differs still gets its own key, and one that already has the key has its value replaced in place.
#[test]
fn written_keys_are_each_workitems_own() {
    let text = r#"
application: keys
variables:
  name: { default: "'first'" }
phases:
  initialize:
    - type: read_userdata
      read: { name: keyName }
    - type: write_userdata
      key: name
      value: "'written'"
  assisted_service: []
"#;
    let flow = flow::load_str("keys.yaml", text, Path::new("."))
        .flow
        .expect("the flow loads");
    let runner = Runner::new(Arc::new(flow));
    let run = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        let userdata: Userdata = pairs.iter().map(|(k, v)| (*k, Value::string(*v))).collect();
        let frame = runner.initialize(&userdata, 0.0).expect("ends normally");
        frame
            .userdata
            .iter()
            .map(|(k, v)| (k.to_owned(), v.as_str().unwrap_or("?").to_owned()))
            .collect()
    };
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(run(&[]), pairs(&[("first", "written")]));
    assert_eq!(
        run(&[("keyName", "second")]),
        pairs(&[("keyName", "second"), ("second", "written")])
    );
    assert_eq!(
        run(&[("first", "old"), ("x", "y")]),
        pairs(&[("first", "written"), ("x", "y")])
    );
    assert_eq!(run(&[]), pairs(&[("first", "written")]));
}

/// A table key is read from variables and constants in place and computed otherwise, in the order the
/// flow gives it, past eight columns too; a part that is not a string fails the block.
#[test]
fn table_keys_of_every_shape_look_up_their_row() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let columns: Vec<String> = (1..=9).map(|i| format!("k{i}")).collect();
    let csv = format!(
        "{},Out\n{},nine\n{},other\n",
        columns.join(","),
        (1..=9)
            .map(|i| format!("v{i}"))
            .collect::<Vec<_>>()
            .join(","),
        (1..=9)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(","),
    );
    std::fs::write(dir.path().join("t.csv"), csv).expect("written");
    let text = format!(
        r#"
application: keys
variables:
  a: {{ default: "'v1'" }}
  n: {{ default: "2" }}
  out: {{}}
tables:
  T: {{ file: t.csv, key: [{}] }}
phases:
  initialize:
    - type: read_userdata
      read: {{ a: first }}
    - type: table_lookup
      table: T
      key: [a, "'v' + n", "'v3'", "'v4'", "'v5'", "'v6'", "'v7'", "'v8'", "'v' + (n + 7)"]
      columns: {{ Out: out }}
  assisted_service: []
"#,
        columns.join(", ")
    );
    let flow = flow::load_str("keys.yaml", &text, dir.path())
        .flow
        .expect("the flow loads");
    let runner = Runner::new(Arc::new(flow));
    let out = |pairs: &[(&str, Value)]| {
        let userdata: Userdata = pairs.iter().cloned().collect();
        runner.initialize(&userdata, 0.0).map(|frame| {
            let slot = runner.flow().scope.slot("out").expect("declared");
            frame.slots[slot].to_json()
        })
    };
    assert_eq!(out(&[]).ok().as_deref(), Some("\"nine\""));
    assert_eq!(
        out(&[("first", Value::string("w1"))]).ok().as_deref(),
        Some("\"\""),
        "no row: the column stays as it was"
    );
    match out(&[("first", Value::Number(1.0))]) {
        Err(routeflow::runtime::End::Error { message, .. }) => assert!(
            message.contains("a key of table `T` is a string; `a` is the number 1"),
            "{message}"
        ),
        other => panic!("a number key fails the block: {other:?}"),
    }
}

/// A flow over table `T` (key `k1`, `k2`; one row `x`, `Y` → `Out: found`), whose Initialize reads
/// user data into `variables` and looks `key` up into `out`.
fn keyed_lookup(variables: &str, reads: &str, key: &str) -> Runner {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("t.csv"), "k1,k2,Out\nx,Y,found\n").expect("written");
    let text = format!(
        "application: keyed\nvariables:\n{variables}  out: {{}}\ntables:\n  T: {{ file: t.csv, key: [k1, k2] }}\nphases:\n  initialize:\n    - type: read_userdata\n      read: {{ {reads} }}\n    - type: table_lookup\n      table: T\n      key: {key}\n      columns: {{ Out: out }}\n  assisted_service: []\n"
    );
    let flow = flow::load_str("keyed.yaml", &text, dir.path())
        .flow
        .expect("the flow loads");
    Runner::new(Arc::new(flow))
}

/// The first key part that fails is the one reported, in key order, whether it is read in place (a
/// variable holding a number) or computed (a method a number does not have).
#[test]
fn key_parts_fail_in_key_order() {
    let runner = keyed_lookup(
        "  a: { default: \"'x'\" }\n  b: { default: \"'y'\" }\n",
        "a: a, b: b",
        "[a, \"b.toUpperCase()\"]",
    );
    let error = |pairs: &[(&str, Value)]| {
        let userdata: Userdata = pairs.iter().cloned().collect();
        match runner.initialize(&userdata, 0.0) {
            Err(routeflow::runtime::End::Error { message, .. }) => message,
            Err(other) => panic!("the lookup fails the block: {other:?}"),
            Ok(frame) => panic!("the lookup fails the block: {:?}", frame.slots),
        }
    };
    let both_bad = error(&[("a", Value::Number(1.0)), ("b", Value::Number(2.0))]);
    assert!(
        both_bad.contains("a key of table `T` is a string; `a` is the number 1"),
        "{both_bad}"
    );
    let second_bad = error(&[("b", Value::Number(2.0))]);
    assert!(
        second_bad.contains("toUpperCase") && !second_bad.contains("`a`"),
        "{second_bad}"
    );
    let computed_not_text = error(&[("b", Value::Bool(true))]);
    assert!(
        computed_not_text.contains("toUpperCase"),
        "{computed_not_text}"
    );
}

/// A computed key part that evaluates, but not to a string, fails the block naming the part.
#[test]
fn a_computed_key_part_that_is_not_a_string_fails_the_block() {
    let runner = keyed_lookup(
        "  a: { default: \"'x'\" }\n  n: { default: \"2\" }\n",
        "n: n",
        "[a, \"n > 1 ? 'Y' : 0\"]",
    );
    let run = |n: f64| {
        let userdata: Userdata = [("n", Value::Number(n))].into_iter().collect();
        runner.initialize(&userdata, 0.0)
    };
    let frame = run(2.0).expect("a string part looks up");
    let slot = runner.flow().scope.slot("out").expect("declared");
    assert_eq!(frame.slots[slot].as_str(), Some("found"));
    match run(0.0) {
        Err(routeflow::runtime::End::Error { message, .. }) => assert!(
            message.contains("a key of table `T` is a string; `n > 1 ? 'Y' : 0` is the number 0"),
            "{message}"
        ),
        Err(other) => panic!("the lookup fails the block: {other:?}"),
        Ok(frame) => panic!("the lookup fails the block: {:?}", frame.slots),
    }
}
