//! `routeflow check`, end to end through the binary: one golden snapshot per broken (or warned-about)
//! flow in `tests/check_cases/` (`NAME.yaml`, with the CSV files it needs under `tests/check_cases/tables/`),
//! holding the exit code and standard error.
//!
//! The binary runs in the crate's root and is given `tests/check_cases/NAME.yaml`, so every diagnostic
//! shows that path. Regenerate with `INSTA_UPDATE=always cargo test --test check_command`, then read
//! every changed snapshot: each diagnostic must point at the right line and column.

use std::path::Path;
use std::process::{Command, Output};

fn check(relative: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("check")
        .arg(relative)
        .output()
        .expect("routeflow runs")
}

fn exit_code(output: &Output) -> String {
    output
        .status
        .code()
        .map_or("signal".into(), |c| c.to_string())
}

fn transcript(output: &Output) -> String {
    format!(
        "exit: {}\n--- stderr\n{}",
        exit_code(output),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `tests/check_cases/NAME.yaml`, with `/` separators whatever the platform.
fn shown_path(path: &Path) -> std::path::PathBuf {
    let name = path.file_name().expect("a case file");
    Path::new("tests").join("check_cases").join(name)
}

/// Whether `line` is a diagnostic header `file:line:col: error|warning: message`.
fn is_located_header(line: &str) -> bool {
    let mut parts = line.splitn(4, ':');
    let (Some(file), Some(l), Some(c), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    !file.is_empty()
        && l.parse::<usize>().is_ok_and(|l| l > 0)
        && c.parse::<usize>().is_ok_and(|c| c > 0)
        && (rest.starts_with(" error: ") || rest.starts_with(" warning: "))
}

#[test]
fn golden_cases() {
    insta::glob!("check_cases/*.yaml", |path| {
        let output = check(&shown_path(path));
        assert!(
            output.stdout.is_empty(),
            "check writes nothing to standard output"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Every case is there to be diagnosed: it gets at least one located error or warning.
        assert!(
            stderr.lines().any(is_located_header),
            "no located diagnostic for {}:\n{stderr}",
            path.display()
        );
        insta::assert_snapshot!(transcript(&output));
    });
}

/// Cases whose flow is valid, with warnings only: `check` exits 0 for them and 1 for every other case.
const VALID_WITH_WARNINGS: &[&str] = &[
    "next_after_finish.yaml",
    "route_target_empty_literal.yaml",
    "route_timeout_below_120.yaml",
    "table_duplicate_keys.yaml",
    "unreachable_after_finish.yaml",
    "valid_with_warnings.yaml",
];

#[test]
fn exit_code_is_zero_exactly_for_flows_with_warnings_only() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check_cases");
    let mut seen = 0;
    for entry in std::fs::read_dir(&cases).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        seen += 1;
        let name = path.file_name().unwrap().to_str().unwrap();
        let output = check(&shown_path(&path));
        let stderr = String::from_utf8_lossy(&output.stderr);
        let valid = VALID_WITH_WARNINGS.contains(&name);
        assert_eq!(
            output.status.code(),
            Some(if valid { 0 } else { 1 }),
            "{name}:\n{stderr}"
        );
        assert_eq!(stderr.contains(": error: "), !valid, "{name}:\n{stderr}");
        assert_eq!(
            stderr.lines().last().unwrap_or_default(),
            stderr
                .lines()
                .find(|l| l.contains(if valid { ": ok: " } else { ": invalid: " }))
                .unwrap_or("no summary line"),
            "{name}: the summary comes last\n{stderr}"
        );
    }
    assert!(seen >= 30, "only {seen} cases");
}

#[test]
fn the_sample_checks_clean() {
    let output = check(Path::new("flows/gtr_sample.yaml"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr,
        "flows/gtr_sample.yaml: ok: 19 blocks, 13 variables, 1 table\n"
    );
}

#[test]
fn several_flows_are_checked_in_turn_and_one_invalid_fails_the_run() {
    let output = Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            "flows/gtr_sample.yaml",
            "tests/check_cases/dangling_next.yaml",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let summaries: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(": ok: ") || l.contains(": invalid: "))
        .collect();
    assert_eq!(
        summaries,
        [
            "flows/gtr_sample.yaml: ok: 19 blocks, 13 variables, 1 table",
            "tests/check_cases/dangling_next.yaml: invalid: 1 error"
        ]
    );
}

#[test]
fn usage_errors_exit_two() {
    let output = Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_missing_flow_file_is_invalid_and_named() {
    let output = check(Path::new("tests/check_cases/no_such_flow.yaml"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("tests/check_cases/no_such_flow.yaml: error: cannot read the flow file"),
        "{stderr}"
    );
}

/// `--center` checks contact-center files the same way: every problem located, a summary line each,
/// exit 1 when one is invalid (warnings allowed), flows and centers in one run.
#[test]
fn center_files_are_checked_with_center() {
    let output = Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            "flows/gtr_sample.yaml",
            "--center",
            "flows/center.yaml",
            "--center",
            "tests/center_cases/group_listed_twice.yaml",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // The sample against the second center, which has no skills and no `bronze_group`.
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(": warning: no agent"))
        .collect();
    assert_eq!(
        warnings,
        [
            "flows/tables/OPEN_MEDIA_ROUTING_CONFIG.csv:2:26: warning: no agent of center \
             `tests/center_cases/group_listed_twice.yaml` has skill `english` (block `route_skill`)",
            "flows/tables/OPEN_MEDIA_ROUTING_CONFIG.csv:2:40: warning: no agent of center \
             `tests/center_cases/group_listed_twice.yaml` is in group `bronze_group` (block `route_group`)",
        ],
        "{stderr}"
    );
    let summaries: Vec<&str> = stderr.lines().filter(|l| l.contains(": ok: ")).collect();
    assert_eq!(
        summaries,
        [
            "flows/gtr_sample.yaml: ok: 19 blocks, 13 variables, 1 table, 2 warnings",
            "flows/center.yaml: ok: 9 agents, 3 groups, 4 skills",
            "tests/center_cases/group_listed_twice.yaml: ok: 1 agent, 2 groups, 0 skills, 1 warning",
        ]
    );

    let output = Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            "--center",
            "tests/center_cases/every_problem_at_once.yaml",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let errors = stderr
        .lines()
        .filter(|l| is_located_header(l) && l.contains(": error: "))
        .count();
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("tests/center_cases/every_problem_at_once.yaml: invalid: ")
            && last.contains(&format!("{errors} errors")),
        "{stderr}"
    );
}
