//! `routeflow demo` (issue 18 item 5): one command starts the sample live with a simulated CRM and
//! agents, prints the web view's address and a viewer token that opens it, routes and finishes
//! workitems, and leaves nothing behind when it stops.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn routeflow() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_routeflow"));
    command.current_dir(ROOT);
    command
}

/// The value after `label` on a line of `lines`.
fn after(lines: &[String], label: &str) -> String {
    lines
        .iter()
        .find_map(|line| line.trim().strip_prefix(label))
        .unwrap_or_else(|| panic!("no `{label}` in {lines:#?}"))
        .trim()
        .to_owned()
}

#[test]
fn the_demo_prints_the_web_view_and_routes_workitems_until_it_stops() {
    let tmp = tempfile::tempdir().expect("a directory");
    let mut demo = routeflow()
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--speed",
            "60",
            "--for-s",
            "12",
        ])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo starts");
    let stdout = BufReader::new(demo.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    for line in stdout.lines() {
        let line = line.expect("a line");
        let done = line.contains("Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    let url = after(&lines, "web view:");
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/ui"),
        "{url}"
    );
    let token_line = lines
        .iter()
        .position(|line| line.contains("viewer token"))
        .expect("the viewer token's line");
    let viewer = lines[token_line + 1].trim().to_owned();
    let signed = after(&lines, "or open:");
    assert_eq!(
        signed,
        url.replacen("http://", &format!("http://viewer:{viewer}@"), 1)
    );
    // The token opens the page, and the page's numbers move: workitems enter the flow.
    let client = reqwest::blocking::Client::new();
    let page = client
        .get(&url)
        .basic_auth("someone", Some(&viewer))
        .send()
        .expect("a reply");
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let base = url.trim_end_matches("/ui");
    let counts = format!("{base}/v1/flows/gtr_sample/versions/1/blocks");
    let started = Instant::now();
    loop {
        let reply: serde_json::Value = client
            .get(&counts)
            .basic_auth("someone", Some(&viewer))
            .send()
            .and_then(|reply| reply.json())
            .expect("the counts");
        if reply["blocks"][0]["entered"].as_u64() > Some(0) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{reply}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let status = demo.wait().expect("the demo ends");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut demo.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");
    assert!(status.success(), "{status}: {stderr}");
    // Its last word: how far it got (600 s of the sample: some workitems done).
    let last = stderr.lines().last().expect("a progress line");
    let done: u64 = last
        .split(", ")
        .find_map(|part| part.strip_suffix(" done"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(done > 0, "{stderr}");
    let minutes: u64 = last
        .strip_prefix("routeflow demo: clock at ")
        .and_then(|rest| rest.split(" min").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!((10..=12).contains(&minutes), "{stderr}");
    // The journal was in a directory of its own, removed at the end.
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("the directory")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn the_demo_refuses_what_it_cannot_run() {
    let output = routeflow()
        .args(["demo", "--speed", "0"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a speed"));
    let output = routeflow()
        .args([
            "demo",
            "--workitems",
            "no/such/file.jsonl",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot read no/such/file.jsonl"),
        "{stderr}"
    );
    // Elsewhere than the repository, the sample is not there: the message says which file.
    let elsewhere = tempfile::tempdir().expect("a directory");
    let output = routeflow()
        .current_dir(elsewhere.path())
        .args(["demo", "--listen", "127.0.0.1:0"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("center.yaml"), "{stderr}");
}
