//! `routeflow test`, end to end through the binary: the sample's suites in `tests/flows` pass, and golden
//! snapshots of what a failing suite prints, of the JUnit XML, and of an invalid suite's diagnostics. The
//! failing and invalid suites live in `tests/test_cases/`, away from `tests/flows`, whose suites must
//! all pass. Regenerate with `INSTA_UPDATE=always cargo test --test test_command`, then read every
//! changed snapshot.

use std::path::PathBuf;
use std::process::{Command, Output};

fn routeflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("routeflow runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn transcript(output: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output
            .status
            .code()
            .map_or("signal".into(), |c| c.to_string()),
        text(&output.stdout),
        text(&output.stderr)
    )
}

#[test]
fn the_sample_suites_pass() {
    let output = routeflow(&["test", "tests/flows"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", transcript(&output));
    assert!(!stdout.contains("FAIL"), "{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("test result: ok. "), "{last}");
    // The flow and table files kept with the suites are not taken for suites.
    assert!(!stdout.contains("tests/flows/flows/"), "{stdout}");
}

#[test]
fn without_a_path_the_suites_of_tests_flows_run() {
    let named = routeflow(&["test", "tests/flows"]);
    let default = routeflow(&["test"]);
    assert_eq!(text(&default.stdout), text(&named.stdout));
}

#[test]
fn the_same_suites_give_the_same_output_every_time() {
    let first = routeflow(&["test", "tests/flows", "tests/test_cases"]);
    let second = routeflow(&["test", "tests/flows", "tests/test_cases"]);
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(first.stderr, second.stderr);
}

#[test]
fn a_failing_suite_shows_each_difference() {
    let output = routeflow(&["test", "tests/test_cases/failing.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(transcript(&output));
}

#[test]
fn an_invalid_suite_gets_located_diagnostics() {
    let output = routeflow(&["test", "tests/test_cases/invalid.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(transcript(&output));
}

#[test]
fn junit_xml() {
    let path: PathBuf =
        std::env::temp_dir().join(format!("routeflow-junit-{}.xml", std::process::id()));
    let shown = path.to_string_lossy().into_owned();
    let output = routeflow(&["test", "tests/test_cases", "--junit", &shown]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let xml = std::fs::read_to_string(&path).expect("the JUnit file is written");
    let _ = std::fs::remove_file(&path);
    insta::assert_snapshot!(xml);
}

#[test]
fn a_path_that_does_not_exist_is_a_usage_error() {
    let output = routeflow(&["test", "tests/no_such_suites"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).starts_with("error: tests/no_such_suites: "));
}

#[test]
fn a_directory_without_suites_is_an_error() {
    // tests/flows/flows holds a flow file only: it is skipped, and no suite is left to run.
    let output = routeflow(&["test", "tests/flows/flows"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("no suite files in tests/flows/flows"));
}
