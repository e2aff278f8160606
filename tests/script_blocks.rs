//! `script` blocks (SPEC §5.4): what a script sees and may change — the flow's variables, the
//! workitem's user data, `lookup`, `log` — and how it branches. Each test loads a small flow and runs
//! its Initialize phase (`Runner::initialize`: scripts run in zero time, no routing needed).

mod scripts_support;

use routeflow::flow;
use routeflow::runtime::Runner;
use scripts_support::{error, flow, run, variable};
use std::sync::Arc;

#[test]
fn a_script_reads_and_writes_the_flows_variables() {
    let runner = flow(
        "  greeting: { default: \"'hello'\" }\n  count: { default: \"2\" }\n  ratio: {}",
        "    - type: script\n      script: |\n        greeting = greeting + \" world\";\n        count = count * 21;\n        ratio = 1.0 / 4;",
    );
    let frame = run(&runner, &[]);
    assert_eq!(variable(&runner, &frame, "greeting"), "\"hello world\"");
    assert_eq!(variable(&runner, &frame, "count"), "42");
    assert_eq!(variable(&runner, &frame, "ratio"), "0.25");
}

#[test]
fn a_later_block_sees_what_a_script_set() {
    let runner = flow(
        "  tier: {}\n  shown: {}",
        "    - type: script\n      script: tier = \"gold\";\n    - type: assign\n      variable: shown\n      value: \"'tier is ' + tier\"",
    );
    let frame = run(&runner, &[]);
    assert_eq!(variable(&runner, &frame, "shown"), "\"tier is gold\"");
}

#[test]
fn a_script_reads_changes_adds_and_removes_user_data() {
    let runner = flow(
        "  level1: {}",
        "    - type: script\n      script: |\n        level1 = userdata.GTR_level1;\n        userdata.GTR_level2 = \"Dental\";\n        userdata.added = 3;\n        userdata.remove(\"dropped\");",
    );
    let frame = run(
        &runner,
        &[
            ("GTR_level1", "Insurance"),
            ("dropped", "x"),
            ("GTR_level2", "Health"),
        ],
    );
    assert_eq!(variable(&runner, &frame, "level1"), "\"Insurance\"");
    let keys: Vec<(&str, String)> = frame
        .userdata
        .iter()
        .map(|(k, v)| (k, v.to_json()))
        .collect();
    // Keys keep their order; a removed key goes; a new one comes last.
    assert_eq!(
        keys,
        [
            ("GTR_level1", "\"Insurance\"".to_owned()),
            ("GTR_level2", "\"Dental\"".to_owned()),
            ("added", "3".to_owned()),
        ]
    );
}

#[test]
fn a_missing_user_data_key_reads_as_nothing() {
    let runner = flow(
        "  tier: { default: \"'unset'\" }",
        "    - type: script\n      script: |\n        let t = userdata.CRM_tier;\n        if t != () { tier = t; }",
    );
    assert_eq!(variable(&runner, &run(&runner, &[]), "tier"), "\"unset\"");
    let frame = run(&runner, &[("CRM_tier", "gold")]);
    assert_eq!(variable(&runner, &frame, "tier"), "\"gold\"");
}

#[test]
fn lookup_returns_every_row_of_the_key_as_maps_of_columns() {
    let runner = flow(
        "  group: {}\n  rows: {}",
        "    - type: script\n      script: |\n        let found = lookup(\"ROUTING\", [\"Insurance\", \"Health\", \"Gold\"]);\n        rows = found.len();\n        group = found[0][\"Agent Group\"];",
    );
    let frame = run(&runner, &[]);
    assert_eq!(variable(&runner, &frame, "rows"), "1");
    assert_eq!(variable(&runner, &frame, "group"), "\"bronze_group\"");
}

#[test]
fn lookup_of_an_absent_key_returns_no_rows() {
    let runner = flow(
        "  rows: {}",
        "    - type: script\n      script: rows = lookup(\"ROUTING\", [\"Banking\", \"\", \"Gold\"]).len();",
    );
    assert_eq!(variable(&runner, &run(&runner, &[]), "rows"), "0");
}

#[test]
fn lookup_refuses_an_unknown_table_and_a_wrong_key_with_the_scripts_line() {
    let runner = flow(
        "  rows: {}",
        "    - id: looks\n      type: script\n      script: |\n        let ok = 1;\n        rows = lookup(userdata.table, [\"a\"]);",
    );
    assert_eq!(
        error(&runner, &[("table", "NOPE")]),
        "scripts.yaml:12:16: block `looks`: lookup: no table `NOPE`; the flow declares: ROUTING"
    );
    assert_eq!(
        error(&runner, &[("table", "ROUTING")]),
        "scripts.yaml:12:16: block `looks`: lookup: table `ROUTING` is keyed by 3 columns (Level1, Level2, Customer Segment), this gives 1 keys"
    );
}

#[test]
fn ending_with_an_output_name_runs_that_outputs_blocks_then_goes_on() {
    let runner = flow(
        "  path: { default: \"''\" }",
        "    - id: choose\n      type: script\n      script: userdata.tier\n      outputs:\n        gold:\n          - type: assign\n            variable: path\n            value: \"path + 'gold '\"\n        silver: []\n    - type: assign\n      variable: path\n      value: \"path + 'after'\"",
    );
    let path = |tier: &str| variable(&runner, &run(&runner, &[("tier", tier)]), "path");
    assert_eq!(path("gold"), "\"gold after\"");
    // An output given no blocks, like ending with nothing, goes on to the next block.
    assert_eq!(path("silver"), "\"after\"");
}

#[test]
fn ending_with_nothing_goes_on_to_the_next_block() {
    let runner = flow(
        "  path: { default: \"''\" }",
        "    - type: script\n      script: |\n        if false { \"gold\" }\n      outputs:\n        gold:\n          - type: assign\n            variable: path\n            value: \"'gold'\"",
    );
    assert_eq!(variable(&runner, &run(&runner, &[]), "path"), "\"\"");
}

#[test]
fn an_output_the_block_does_not_have_is_an_error_naming_its_outputs() {
    let runner = flow(
        "  path: {}",
        "    - id: choose\n      type: script\n      script: \"\\\"bronze\\\"\"\n      outputs:\n        gold: []\n        silver: []",
    );
    assert_eq!(
        error(&runner, &[]),
        "scripts.yaml:8:7: block `choose`: the script chose output `bronze`, which is not one of the block's outputs: gold, silver"
    );
}

#[test]
fn a_block_without_outputs_ignores_the_scripts_value() {
    let runner = flow(
        "  n: { default: \"1\" }",
        "    - type: script\n      script: |\n        n += 1;\n        userdata.remove(\"x\");",
    );
    assert_eq!(variable(&runner, &run(&runner, &[("x", "gone")]), "n"), "2");
}

#[test]
fn with_outputs_a_value_that_is_not_a_name_is_an_error() {
    let runner = flow(
        "  n: {}",
        "    - id: counts\n      type: script\n      script: 42\n      outputs:\n        gold: []",
    );
    assert!(
        error(&runner, &[]).ends_with("block `counts`: the script's value is the number 42: a script ends with the name of an output (a string), or with nothing to go on to the next block"),
    );
}

#[test]
fn whole_numbers_are_integers_and_others_floats_in_a_script() {
    let runner = flow(
        "  count: { default: \"3\" }\n  half: { default: \"1.5\" }\n  kinds: {}",
        "    - type: script\n      script: kinds = `${type_of(count)} ${type_of(half)} ${count / 2} ${count.to_float() / 2}`;",
    );
    assert_eq!(
        variable(&runner, &run(&runner, &[]), "kinds"),
        "\"i64 f64 1 1.5\""
    );
}

#[test]
fn a_script_file_runs_like_an_inline_script() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("classify.rhai"),
        "// Classify by the first level.\ntier = if userdata.GTR_level1 == \"Insurance\" { \"gold\" } else { \"bronze\" };\n",
    )
    .expect("the script is written");
    let text = "application: files\nvariables:\n  tier: {}\nphases:\n  initialize:\n    - type: script\n      file: classify.rhai\n";
    let loaded = flow::load_str("files.yaml", text, dir.path());
    let runner = Runner::new(Arc::new(loaded.flow.expect("the flow loads")));
    let frame = run(&runner, &[("GTR_level1", "Insurance")]);
    assert_eq!(variable(&runner, &frame, "tier"), "\"gold\"");
}

#[test]
fn a_scripts_error_in_a_file_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = dir.path().join("broken.rhai");
    std::fs::write(&script, "let a = 1;\nlet b = a + \"x\" * 2;\n").expect("written");
    let text = "application: files\nphases:\n  initialize:\n    - id: broken\n      type: script\n      file: broken.rhai\n";
    let loaded = flow::load_str("files.yaml", text, dir.path());
    let runner = Runner::new(Arc::new(loaded.flow.expect("the flow loads")));
    let message = error(&runner, &[]);
    let expected = format!(
        "{}:2:17: block `broken`: Function not found: *",
        script.display()
    );
    assert!(message.starts_with(&expected), "{message}");
}

#[test]
fn secure_variables_are_masked_in_a_scripts_error() {
    let runner = flow(
        "  token: { default: \"'s3cret'\", secure: true }",
        "    - id: leaks\n      type: script\n      script: throw `bad token ${token}`;",
    );
    let message = error(&runner, &[]);
    assert!(!message.contains("s3cret"), "{message}");
    // Its own words were shown once (`bad token ****`) until encoding the secret in them was seen
    // to spell it out: a script that reads a secure value shows no message of its own.
    assert!(
        message.ends_with(
            "block `leaks`: the script failed (its message is hidden: the block reads a secure value)"
        ),
        "{message}"
    );
}

#[test]
fn a_secure_variable_transformed_by_a_script_stays_masked() {
    let runner = flow(
        "  token: { default: \"'s3cret'\", secure: true }",
        "    - id: leaks\n      type: script\n      script: throw `bad token ${token.to_upper()}`;",
    );
    let message = error(&runner, &[]);
    assert!(!message.to_lowercase().contains("s3cret"), "{message}");
    assert!(
        message.ends_with(
            "block `leaks`: the script failed (its message is hidden: the block reads a secure value)"
        ),
        "{message}"
    );
}
