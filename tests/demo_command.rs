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
            "100",
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
    // Its last word: how far it got (1200 s of the sample: some workitems done).
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
    // 12 s at 100×: 20 minutes; less on a machine so busy that a tick takes over a second.
    assert!((10..=20).contains(&minutes), "{stderr}");
    // At the fastest speed too, agents answer their offers in time: most workitems are taken.
    let count = |suffix: &str| -> u64 {
        last.split(": ")
            .nth(2)
            .and_then(|parts| parts.split(", ").find_map(|part| part.strip_suffix(suffix)))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no `{suffix}` in {last}"))
    };
    let (created, taken) = (count(" workitems created"), count(" taken by agents"));
    // (Before the clock moved 5 s at a time, 1 in 528 was taken at high speed.)
    assert!(created > 10 && taken * 2 >= created, "{stderr}");
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
    // Faster than 100, the desktops could not answer offers in their 30 s.
    let output = routeflow()
        .args(["demo", "--speed", "1000"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
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
        stderr.contains("no/such/file.jsonl is not there"),
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
    assert!(
        stderr.contains(
            "flows/gtr_sample.yaml is not there: run the demo from the repository's root"
        ),
        "{stderr}"
    );
}

/// The processes whose command line names `text`.
fn processes_naming(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        if let Ok(line) = std::fs::read(entry.path().join("cmdline")) {
            let line = String::from_utf8_lossy(&line).replace('\0', " ");
            if line.contains(text) {
                found.push(line);
            }
        }
    }
    found
}

#[test]
fn a_signal_at_any_instant_stops_the_demo_its_server_and_removes_its_directory() {
    for (after_ms, signal) in [(30, "-INT"), (200, "-TERM"), (1500, "-INT")] {
        let tmp = tempfile::tempdir().expect("a directory");
        let demo = routeflow()
            .args(["demo", "--listen", "127.0.0.1:0"])
            .env("TMPDIR", tmp.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the demo starts");
        std::thread::sleep(Duration::from_millis(after_ms));
        let sent = Command::new("kill")
            .args([signal, &demo.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let started = Instant::now();
        let output = demo.wait_with_output().expect("the demo ends");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{after_ms} ms {signal}"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{after_ms} ms {signal}: {stderr}");
        let tmp_path = tmp.path().to_str().expect("UTF-8");
        let left = processes_naming(tmp_path);
        assert!(left.is_empty(), "{after_ms} ms {signal}: {left:?}");
        let files: Vec<_> = std::fs::read_dir(tmp.path())
            .expect("the directory")
            .collect();
        assert!(files.is_empty(), "{after_ms} ms {signal}: {files:?}");
    }
}

#[test]
fn bad_workload_lines_are_skipped_with_their_file_and_line() {
    let dir = tempfile::tempdir().expect("a directory");
    let workitems = dir.path().join("w.jsonl");
    std::fs::write(
        &workitems,
        "{\"id\":\"a\",\"userdata\":{}}\n\n{\"id\":\"a\",\"userdata\":{}}\n{\"id\":\"b\"}\n",
    )
    .expect("written");
    let path = workitems.to_str().expect("UTF-8");
    let output = routeflow()
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--for-s",
            "1",
            "--workitems",
            path,
        ])
        .env("TMPDIR", dir.path())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    for (line, what) in [
        (2, "blank"),
        (3, "the id `a` is taken by an earlier line (skipped)"),
        (4, "userdata"),
    ] {
        let prefix = format!("routeflow demo: warning: {path}:{line}: ");
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(what)),
            "{line}: {stderr}"
        );
    }
    assert!(stderr.contains("1 workitem created"), "{stderr}");
}
