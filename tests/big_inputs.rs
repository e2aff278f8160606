//! No input crashes the process or costs more than time in proportion to its size: flows of many
//! blocks, YAML nested far too deep (in flow, center and suite files), aliases that would repeat a
//! file's nodes exponentially, a diagnostic on a line of megabytes.
//!
//! Each command runs under a guard that kills it after [`GUARD`]: not a timing test (the times are
//! measured in `benches/load_scaling.sh`), but a hang detector. Before the YAML reader was replaced,
//! `[[[[…` nested 200,000 deep took 81 s in a release build.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const GUARD: Duration = Duration::from_secs(60);

/// Run `routeflow ARGS` in `dir`, killing it if it outlives the guard.
fn routeflow(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("routeflow starts");
    let started = Instant::now();
    // Read the pipes on threads so that a large output cannot block the child.
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > GUARD {
            let _ = child.kill();
            panic!("routeflow {args:?} still running after {GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn nestings(depth: usize) -> [(&'static str, String); 4] {
    [
        (
            "sequences",
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        ),
        (
            "mappings",
            format!("{}x{}", "{a: ".repeat(depth), "}".repeat(depth)),
        ),
        ("block sequences", format!("\n    {}x", "- ".repeat(depth))),
        (
            "mixed",
            format!("{}{}", "[{a: ".repeat(depth / 2), "}]".repeat(depth / 2)),
        ),
    ]
}

#[test]
fn a_flow_nested_200_000_deep_is_one_located_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (shape, nesting) in nestings(200_000) {
        let text = format!("application: deep\nphases:\n  initialize: {nesting}\n");
        std::fs::write(dir.path().join("deep.yaml"), text).expect("write");
        let output = routeflow(dir.path(), &["check", "deep.yaml"]);
        let stderr = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{shape}: {stderr}");
        assert!(
            stderr.starts_with("deep.yaml:") && stderr.contains("nested deeper than 64 levels"),
            "{shape}: {stderr}"
        );
        assert!(
            stderr.ends_with("deep.yaml: invalid: 1 error\n"),
            "{shape}: {stderr}"
        );
        // The offending line is shown around the caret, not whole.
        assert!(
            stderr.lines().all(|line| line.chars().count() < 200),
            "{shape}: {stderr}"
        );
    }
}

#[test]
fn center_and_suite_files_nested_200_000_deep_are_refused_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (shape, nesting) in nestings(200_000) {
        std::fs::write(
            dir.path().join("center.yaml"),
            format!("agents:\n  - id: a\n    groups: {nesting}\n"),
        )
        .expect("write");
        let output = routeflow(dir.path(), &["check", "--center", "center.yaml"]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{shape}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("nested deeper than 64 levels"),
            "{shape}: {}",
            stderr(&output)
        );
        std::fs::write(
            dir.path().join("suite.yaml"),
            format!("flow: flow.yaml\ncases: {nesting}\n"),
        )
        .expect("write");
        let output = routeflow(dir.path(), &["test", "suite.yaml"]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{shape}: {}",
            stderr(&output)
        );
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("nested deeper than 64 levels")
                || stderr(&output).contains("nested deeper than 64 levels"),
            "{shape}: {} {}",
            String::from_utf8_lossy(&output.stdout),
            stderr(&output)
        );
    }
}

#[test]
fn aliases_that_would_repeat_the_file_exponentially_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::from(
        "application: laughs\nlaughs:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..16 {
        let p = i - 1;
        let items = vec![format!("*a{p}"); 10].join(", ");
        text.push_str(&format!("  a{i}: &a{i} [{items}]\n"));
    }
    std::fs::write(dir.path().join("laughs.yaml"), text).expect("write");
    let output = routeflow(dir.path(), &["check", "laughs.yaml"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("aliases repeat more than the file holds"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_flow_of_20_000_blocks_in_one_phase_checks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::from(
        "application: long\nvariables:\n  v: { default: \"'x'\" }\nphases:\n  initialize:\n",
    );
    for i in 0..20_000 {
        text.push_str(&format!(
            "    - {{ id: a{i}, type: assign, variable: v, value: \"v\" }}\n"
        ));
    }
    std::fs::write(dir.path().join("long.yaml"), text).expect("write");
    let output = routeflow(dir.path(), &["check", "long.yaml"]);
    assert_eq!(
        stderr(&output),
        "long.yaml: ok: 20000 blocks, 1 variable, 0 tables\n"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn a_center_check_of_thousands_of_unknown_names_reports_twenty_then_counts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut csv = String::from("K,Agent\n");
    let mut center = String::from("agents:\n");
    for i in 0..5_000 {
        csv.push_str(&format!("k{i},zagent{i:05}\n"));
        center.push_str(&format!("  - {{ id: agent{i:05}, groups: [g{i}] }}\n"));
    }
    std::fs::write(dir.path().join("t.csv"), csv).expect("write");
    std::fs::write(dir.path().join("center.yaml"), center).expect("write");
    std::fs::write(
        dir.path().join("flow.yaml"),
        "application: t\nvariables:\n  ag: {}\n  k: {}\ntables:\n  T: { file: t.csv, key: [K] }\n\
         phases:\n  initialize:\n    - { type: read_userdata, read: { k: K } }\n    \
         - { type: table_lookup, table: T, key: [k], columns: { Agent: ag } }\n  assisted_service:\n    \
         - { id: r, type: route, target: { agent: ag } }\n",
    )
    .expect("write");
    // The did-you-mean compared every unknown name with every agent: over 120 s for 10,000 of each.
    let output = routeflow(
        dir.path(),
        &["check", "flow.yaml", "--center", "center.yaml"],
    );
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr.matches(": warning: no agent `zagent").count(),
        20,
        "{stderr}"
    );
    assert!(
        stderr.contains("t.csv:22:5: warning: 4980 more agent ids that center `center.yaml` does not have, from here on: `zagent00020`"),
        "{stderr}"
    );
}
