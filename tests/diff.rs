//! `routeflow diff`, end to end through the binary (docs/diff.md): exit 0 when nothing changed, 1 when
//! something did, 2 when an input is invalid; the changed workitems listed; golden text and JSON
//! (`tests/snapshots/diff__*.snap`; regenerate with `INSTA_UPDATE=always cargo test --test diff`, then
//! read every changed snapshot).

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn routeflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("routeflow runs")
}

fn transcript(output: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output
            .status
            .code()
            .map_or("signal".into(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const SAMPLE: &str = "flows/gtr_sample.yaml";
const CENTER: &str = "flows/center.yaml";
const CASES: &str = "tests/diff_cases/workitems.jsonl";
const GOLD_WITHOUT_SKILL: &str =
    "OPEN_MEDIA_ROUTING_CONFIG=tests/diff_cases/gold_without_skill.csv";

/// `diff` of the sample flow against itself with `extra` arguments.
fn diff(workitems: &str, extra: &[&str]) -> Output {
    let mut args = vec!["diff", SAMPLE, "--center", CENTER, "--workitems", workitems];
    args.extend(extra);
    routeflow(&args)
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}\n{}", transcript(output)))
}

#[test]
fn the_same_flow_twice_changes_nothing_and_exits_0() {
    let output = diff("flows/workitems.jsonl", &[SAMPLE]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("300 workitems compared by input line: none changed"),
        "{text}"
    );
    assert!(!text.contains("blocks entered that changed"), "{text}");
    let output = diff("flows/workitems.jsonl", &[SAMPLE, "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let json = json(&output);
    assert_eq!(json["differs"], false);
    assert_eq!(json["changed"], 0);
    assert_eq!(json["summary"]["old"], json["summary"]["new"]);
    // The same table given on the new side only: still the same.
    let same_table = "OPEN_MEDIA_ROUTING_CONFIG=flows/tables/OPEN_MEDIA_ROUTING_CONFIG.csv";
    let output = diff("flows/workitems.jsonl", &["--table", same_table]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
}

/// The Gold row loses its skill expression: Gold workitems skip the skill cascade and go to their
/// group's Route block instead. Only they change; the bad line is compared, and the same.
#[test]
fn a_table_edit_moves_workitems_between_route_blocks_and_exits_1() {
    let output = diff(CASES, &["--table", GOLD_WITHOUT_SKILL]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    insta::assert_snapshot!("table_edit_text", transcript(&output));
    let output = diff(CASES, &["--table", GOLD_WITHOUT_SKILL, "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let json = json(&output);
    let changed: Vec<(u64, &str, &str, &str)> = json["workitems_changed"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| {
            (
                c["line"].as_u64().unwrap_or(0),
                c["id"].as_str().unwrap_or(""),
                c["old"]["block"].as_str().unwrap_or(""),
                c["new"]["block"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [
            (1, "gold1", "route_skill", "route_group"),
            (5, "gold2", "route_skill", "route_group")
        ]
    );
    assert_eq!(json["workitems"], 6);
    let entered = |block: &str| -> (i64, i64) {
        let row = json["blocks"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["block"] == block))
            .unwrap_or_else(|| panic!("no block {block}"));
        (
            row["old"].as_i64().unwrap_or(-1),
            row["new"].as_i64().unwrap_or(-1),
        )
    };
    assert_eq!(entered("route_skill"), (4, 2));
    assert_eq!(entered("route_group"), (0, 2));
    insta::assert_snapshot!("table_edit_json", String::from_utf8_lossy(&output.stdout));
}

/// The same edit on the shipped sample's 300 workitems: waits move too, and the list is capped.
#[test]
fn a_table_edit_on_the_shipped_sample() {
    let output = diff(
        "flows/workitems.jsonl",
        &["--table", GOLD_WITHOUT_SKILL, "--limit", "8"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    insta::assert_snapshot!("sample_table_edit_text", transcript(&output));
}

#[test]
fn two_flow_files_and_a_table_on_each_side() {
    // The edit on the old side and the original table on the new one: the same change, reversed.
    let original = "OPEN_MEDIA_ROUTING_CONFIG=flows/tables/OPEN_MEDIA_ROUTING_CONFIG.csv";
    let output = diff(
        CASES,
        &[
            SAMPLE,
            "--old-table",
            GOLD_WITHOUT_SKILL,
            "--table",
            original,
            "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let json = json(&output);
    let first = &json["workitems_changed"][0];
    assert_eq!(first["old"]["block"], "route_group");
    assert_eq!(first["new"]["block"], "route_skill");
    assert_eq!(
        json["old"]["tables"]["OPEN_MEDIA_ROUTING_CONFIG"],
        "tests/diff_cases/gold_without_skill.csv"
    );
}

#[test]
fn an_invalid_flow_exits_2_with_its_diagnostic() {
    let output = routeflow(&[
        "diff",
        SAMPLE,
        "tests/diff_cases/broken.yaml",
        "--center",
        CENTER,
        "--workitems",
        CASES,
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(output.stdout.is_empty());
    insta::assert_snapshot!("invalid_flow", transcript(&output));
}

#[test]
fn unreadable_inputs_and_nothing_to_compare_exit_2() {
    let output = diff("tests/diff_cases/no_such_file.jsonl", &[SAMPLE]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no_such_file.jsonl"), "{stderr}");
    let output = diff(
        CASES,
        &[
            "--table",
            "OPEN_MEDIA_ROUTING_CONFIG=tests/diff_cases/missing.csv",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let output = diff(CASES, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("nothing to compare"),
        "{}",
        transcript(&output)
    );
}

#[test]
fn workitems_from_standard_input_are_read_once_for_both_sides() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["diff", SAMPLE, "--center", CENTER, "--workitems", "-"])
        .args(["--table", GOLD_WITHOUT_SKILL, "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("routeflow runs");
    let input = std::fs::read(CASES).expect("the workitems");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("written");
    let output = child.wait_with_output().expect("routeflow ends");
    let from_file = diff(CASES, &["--table", GOLD_WITHOUT_SKILL, "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert_eq!(output.stdout, from_file.stdout);
}

/// The text lists at most `--limit` workitems and counts the rest; the JSON lists every one, and the
/// output is the same bytes run after run.
#[test]
fn the_text_caps_its_list_and_the_output_is_deterministic() {
    let args = ["--table", GOLD_WITHOUT_SKILL, "--limit", "3"];
    let output = diff("flows/workitems.jsonl", &args);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    let listed = text.lines().filter(|l| l.starts_with("  line ")).count();
    assert_eq!(listed, 3, "{text}");
    let json = json(&diff(
        "flows/workitems.jsonl",
        &["--table", GOLD_WITHOUT_SKILL, "--json"],
    ));
    let all = json["workitems_changed"].as_array().map_or(0, Vec::len);
    assert!(all > 3, "{json}");
    assert!(text.contains(&format!("… and {} more", all - 3)), "{text}");
    assert_eq!(json["changed"], all);
    assert_eq!(diff("flows/workitems.jsonl", &args).stdout, output.stdout);
}
