//! `routeflow replay` and `routeflow run`, end to end through the binary, against golden snapshots
//! (`tests/snapshots/replay_command__*.snap`; regenerate with `INSTA_UPDATE=always cargo test --test
//! replay_command`, then read every changed snapshot).

use std::path::PathBuf;
use std::process::{Command, Output};

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

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("routeflow-replay-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

const SAMPLE: [&str; 6] = [
    "replay",
    "flows/gtr_sample.yaml",
    "--center",
    "flows/center.yaml",
    "--workitems",
    "flows/workitems.jsonl",
];

/// `routeflow replay` of the sample flow and center with `workitems`.
fn replay_sample(workitems: &str) -> Output {
    routeflow(&[
        "replay",
        "flows/gtr_sample.yaml",
        "--center",
        "flows/center.yaml",
        "--workitems",
        workitems,
    ])
}

#[test]
fn the_readme_main_command_replays_the_shipped_sample() {
    let output = routeflow(&SAMPLE);
    assert!(output.status.success(), "{}", transcript(&output));
    let lines = String::from_utf8_lossy(&output.stdout).lines().count();
    let inputs = std::fs::read_to_string("flows/workitems.jsonl")
        .expect("the shipped workitems")
        .lines()
        .count();
    assert_eq!(lines, inputs, "one outcome line per input line");
    insta::assert_snapshot!("sample_outcomes", String::from_utf8_lossy(&output.stdout));
    insta::assert_snapshot!("sample_summary", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn out_and_summary_files_hold_what_stdout_would() {
    let dir = scratch("files");
    let out = dir.join("outcomes.jsonl");
    let summary = dir.join("summary.json");
    let mut args = SAMPLE.to_vec();
    let (out_arg, summary_arg) = (out.to_string_lossy(), summary.to_string_lossy());
    args.extend(["--out", &out_arg, "--summary", &summary_arg]);
    let output = routeflow(&args);
    assert!(output.status.success(), "{}", transcript(&output));
    assert!(output.stdout.is_empty());
    assert_eq!(std::fs::read(&out).ok(), Some(routeflow(&SAMPLE).stdout));
    let summary = std::fs::read_to_string(&summary).expect("the summary file");
    insta::assert_snapshot!("sample_summary_json", summary);
}

#[test]
fn blocks_run_as_specified_and_a_failing_block_fails_only_its_workitem() {
    let output = routeflow(&[
        "replay",
        "tests/replay_cases/blocks.yaml",
        "--center",
        "tests/replay_cases/center.yaml",
        "--workitems",
        "tests/replay_cases/workitems.jsonl",
        "--trace",
    ]);
    insta::assert_snapshot!("blocks", transcript(&output));
}

#[test]
fn table_swaps_a_data_table_without_editing_the_flow() {
    let gold = r#"{"id":"g","userdata":{"GTR_level1":"Insurance","GTR_level2":"Health","CustomerSegment":"Gold"}}"#;
    let dir = scratch("table");
    let workitems = dir.join("gold.jsonl");
    std::fs::write(&workitems, format!("{gold}\n")).expect("a workitems file");
    let workitems = workitems.to_string_lossy();
    let mut args = vec![
        "replay",
        "flows/gtr_sample.yaml",
        "--center",
        "flows/center.yaml",
        "--workitems",
        &workitems,
    ];
    let shipped = String::from_utf8_lossy(&routeflow(&args).stdout).into_owned();
    assert!(shipped.contains(r#""value":"'english' > 7""#), "{shipped}");
    args.extend([
        "--table",
        "OPEN_MEDIA_ROUTING_CONFIG=tests/replay_cases/table.csv",
    ]);
    let swapped = routeflow(&args);
    assert!(swapped.status.success(), "{}", transcript(&swapped));
    let swapped = String::from_utf8_lossy(&swapped.stdout);
    assert!(swapped.contains(r#""value":"'english' > 9""#), "{swapped}");
}

#[test]
fn every_line_gets_an_outcome_a_blank_one_an_error_naming_it() {
    // Line 2 is empty, line 4 holds spaces and a tab; the line break that ends the file adds no line.
    let dir = scratch("blank");
    let workitems = dir.join("blank.jsonl");
    let lines = [
        r#"{"id":"w1","userdata":{"GTR_level1":"Insurance","GTR_level2":"Health","CustomerSegment":"Gold"}}"#,
        "",
        r#"{"id":"w3","userdata":{}}"#,
        " \t ",
        r#"{"id":"w5","userdata":{}}"#,
    ];
    std::fs::write(&workitems, lines.join("\n") + "\n").expect("a workitems file");
    let output = replay_sample(&workitems.to_string_lossy());
    assert!(output.status.success(), "{}", transcript(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 5);
    insta::assert_snapshot!("blank_lines", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn a_table_the_flow_does_not_declare_is_an_error() {
    let mut args = SAMPLE.to_vec();
    args.extend(["--table", "NO_SUCH_TABLE=tests/replay_cases/table.csv"]);
    insta::assert_snapshot!("unknown_table", transcript(&routeflow(&args)));
}

#[test]
fn a_bad_center_file_is_a_located_diagnostic() {
    let output = routeflow(&[
        "replay",
        "flows/gtr_sample.yaml",
        "--center",
        "tests/replay_cases/bad_center.yaml",
        "--workitems",
        "flows/workitems.jsonl",
    ]);
    insta::assert_snapshot!("bad_center", transcript(&output));
}

#[test]
fn a_missing_workitems_file_is_an_error_not_a_panic() {
    let output = replay_sample("tests/replay_cases/no_such_file.jsonl");
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no_such_file.jsonl"));
}

#[test]
fn run_prints_one_outcome_line_with_its_trace() {
    let output = routeflow(&[
        "run",
        "flows/gtr_sample.yaml",
        "--userdata",
        "GTR_level1=Insurance",
        "--userdata",
        "GTR_level2=Health",
        "--userdata",
        "CustomerSegment=Gold",
        "--center",
        "flows/center.yaml",
        "--trace",
    ]);
    insta::assert_snapshot!("run_gold", transcript(&output));
}

#[test]
fn run_without_a_center_waits_out_every_cascade() {
    let output = routeflow(&[
        "run",
        "flows/gtr_sample.yaml",
        "--userdata",
        "GTR_requestedAgent=nobody",
    ]);
    assert!(output.status.success(), "{}", transcript(&output));
    let line = String::from_utf8_lossy(&output.stdout);
    assert!(line.contains(r#""outcome":"unrouted""#), "{line}");
    assert!(line.contains(r#""wait_s":480.0"#), "{line}");
}

#[test]
fn run_exits_1_when_the_outcome_is_an_error() {
    let output = routeflow(&[
        "run",
        "tests/replay_cases/blocks.yaml",
        "--userdata",
        "amount=x",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("blocks.yaml:33:15: block `fail_when_unrouted`: `-` needs two numbers, got string and number: `amount` is the string")
    );
}

/// SPEC §5.4: a replay where some workitems hit broken scripts (an endless loop, a runaway recursion,
/// a string that never stops growing, a thrown error, a type error) completes: each of those gets an
/// `error` outcome naming the script's line and the limit, and every other outcome is what it would
/// have been — a VIP chosen by the script still overtakes a waiting workitem.
#[test]
fn a_replay_with_failing_scripts_keeps_every_other_outcome() {
    let output = routeflow(&[
        "replay",
        "tests/replay_cases/scripts.yaml",
        "--center",
        "tests/replay_cases/center.yaml",
        "--workitems",
        "tests/replay_cases/scripts.jsonl",
        "--trace",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let outcomes: Vec<&str> = stdout
        .lines()
        .map(|line| {
            let at = line.find("\"outcome\":\"").expect("an outcome") + 11;
            &line[at..at + line[at..].find('"').expect("closed")]
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            "routed", "error", "unrouted", "error", "error", "error", "error", "routed", "unrouted"
        ]
    );
    insta::assert_snapshot!("scripts", transcript(&output));
}

/// Run-time errors point at the failing part of the expression itself (not the block) and say what the
/// variables it was given held and where their values come from; the trace names the branch taken and
/// what a Route block asked for, then how it ended.
#[test]
fn run_time_errors_name_their_expression_and_the_values_origin_and_traces_name_branches() {
    let run = |level1: &str| -> serde_json::Value {
        let output = routeflow(&[
            "run",
            "tests/replay_cases/origins.yaml",
            "--center",
            "tests/replay_cases/center.yaml",
            "--trace",
            "--userdata",
            &format!("GTR_level1={level1}"),
        ]);
        serde_json::from_slice(&output.stdout).expect("one outcome line")
    };
    let notes = |outcome: &serde_json::Value| -> Vec<String> {
        outcome["trace"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|step| step["note"].as_str().map(str::to_owned))
            .collect()
    };
    let routed = run("Banking");
    assert_eq!(
        notes(&routed),
        [
            "branch 0 (Banking customers)",
            "agent_group \"pool\", timeout 120 s, priority 0: routed to ann at 0.0"
        ]
    );
    // The condition is a folded block scalar: the error is on its second line.
    assert_eq!(
        run("7")["error"],
        "tests/replay_cases/origins.yaml:25:13: block `classify`: `-` needs two numbers, got string \
         and number: `level1` is the string \"7\" (read from user data `GTR_level1`)"
    );
    assert_eq!(
        run("slow")["error"],
        "tests/replay_cases/origins.yaml:31:36: block `route_pool`: `*` needs two numbers, got string \
         and number: `minutes` is the string \"two\" (read from column `Value` of table `TIERS`)"
    );
}

/// `--summary` carries the facts the text summary shows (the first error too), `--service-level` sets
/// the thresholds of both, and a replay in which every workitem ended in an error exits 1.
#[test]
fn summary_json_service_levels_and_a_replay_of_only_errors() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.json");
    let summary_arg = summary.to_str().unwrap();
    let sample = |workitems: &str, more: &[&str]| {
        let mut args = vec![
            "replay",
            "flows/gtr_sample.yaml",
            "--center",
            "flows/center.yaml",
            "--workitems",
            workitems,
        ];
        args.extend(more);
        routeflow(&args)
    };
    let read_summary = || -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap()
    };
    let output = sample(
        "tests/replay_cases/workitems.jsonl",
        &["--service-level", "5, 300", "--summary", summary_arg],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("service level (routed within): 5 s ") && stderr.contains(", 300 s "),
        "{stderr}"
    );
    let json = read_summary();
    let levels: Vec<&String> = json["service_level"].as_object().unwrap().keys().collect();
    assert_eq!(levels, ["300", "5"], "{json}");
    // The same first error as the text, or none in both.
    let first = stderr.lines().find_map(|l| l.strip_prefix("first error: "));
    assert_eq!(json["first_error"].as_str(), first, "{json}");

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "not json\n{\"userdata\":{}}\n").unwrap();
    let bad = bad.to_str().unwrap();
    let output = sample(bad, &["--summary", summary_arg]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.ends_with(
            "error: every workitem ended with an `error` outcome: nothing ran through the flow\n"
        ),
        "{stderr}"
    );
    let first = stderr.lines().find_map(|l| l.strip_prefix("first error: "));
    assert!(first.is_some_and(|e| e.starts_with("line 1: ")), "{stderr}");
    assert_eq!(read_summary()["first_error"].as_str(), first);
    // Both lines still have their outcome.
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 2);

    let output = sample(bad, &["--service-level", "20,soon"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`soon` is not a number of seconds"));
}

/// A `--table` file that cannot be read is named as the replacement it is, with where its path is
/// relative to (the working directory, not the flow).
#[test]
fn an_unreadable_table_replacement_is_named_as_one() {
    let output = routeflow(&[
        "replay",
        "flows/gtr_sample.yaml",
        "--center",
        "flows/center.yaml",
        "--workitems",
        "flows/workitems.jsonl",
        "--table",
        "OPEN_MEDIA_ROUTING_CONFIG=tables/OPEN_MEDIA_ROUTING_CONFIG.csv",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "flows/gtr_sample.yaml:30:11: error: cannot read `tables/OPEN_MEDIA_ROUTING_CONFIG.csv`, \
             the file given to replace table `OPEN_MEDIA_ROUTING_CONFIG`: "
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("the working directory for `--table`"),
        "{stderr}"
    );
}

#[test]
fn times_finer_than_a_microsecond_are_read_rounded_with_a_warning_and_times_past_the_limit_refused()
{
    let dir = scratch("finer");
    let workitems = dir.join("workitems.jsonl");
    std::fs::write(
        &workitems,
        concat!(
            r#"{"id":"w1","arrive_s":0,"handle_s":100.0000004,"userdata":{}}"#,
            "\n",
            r#"{"id":"w2","arrive_s":50.0000003,"userdata":{}}"#,
            "\n",
            r#"{"id":"w3","arrive_s":4000000000.000001,"userdata":{}}"#,
            "\n",
        ),
    )
    .expect("writes");
    let output = replay_sample(workitems.to_str().expect("UTF-8"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].contains(r#""done_s":100.0"#), "{}", lines[0]);
    assert!(lines[1].contains(r#""arrive_s":50.0"#), "{}", lines[1]);
    assert!(
        lines[2].contains("`arrive_s` must be at most 4000000000 seconds"),
        "{}",
        lines[2]
    );
    assert!(
        stderr.contains(
            "workitems.jsonl: warning: line 1: `handle_s` 100.0000004 is finer than the \
             microsecond, the resolution of virtual time: it is read as 100; 2 lines have times \
             finer than the microsecond"
        ),
        "{stderr}"
    );
}
