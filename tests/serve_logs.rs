//! The server's log (issue 18): one line per request with a request id, as text or JSON lines
//! (`--log-format json`), filtered by `RUST_LOG`; and, grepped from the log of a scripted run, no token
//! (nor its hash) and no user-data value ever written.

mod serve_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use serve_support::*;
use std::time::Duration;

/// User data values that must never reach the log.
const SECRETS: [&str; 3] = [
    "PIN-4242-never-logged",
    "card-5555-never-logged",
    "note-never-logged",
];

/// A scripted run: creates, a patch, an agent taking and finishing work, a publication, refusals.
fn scripted_run(server: &Server) {
    let body = json!({
        "id": "w1",
        "userdata": { "GTR_level1": "Insurance", "caseNumber": SECRETS[0], "card": SECRETS[1] }
    });
    let reply = send(server, "POST", "/v1/workitems", CRM, Some(body));
    assert_eq!(reply.status(), StatusCode::CREATED);
    let patch = json!({ "note": SECRETS[2] });
    ok(send(
        server,
        "PATCH",
        "/v1/workitems/w1/userdata",
        CRM,
        Some(patch),
    ));
    let ready = json!({ "state": "ready" });
    ok(send(
        server,
        "PUT",
        "/v1/agents/alice/state",
        ALICE,
        Some(ready),
    ));
    let agent = ok(send(server, "GET", "/v1/agents/alice", ALICE, None));
    assert!(agent["workitems"].as_array().is_some());
    let anonymous = client()
        .get(server.url("/v1/workitems/w1"))
        .send()
        .expect("a reply");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let wrong = client()
        .get(server.url("/v1/workitems/w1"))
        .bearer_auth("a token nobody has, never-logged")
        .send()
        .expect("a reply");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let missing = send(server, "GET", "/v1/workitems/nobody?state=x", ADMIN, None);
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// The log once the server has written the lines of `requests` requests (they are written as each
/// reply leaves: wait for them).
fn log_with(server: &Server, requests: usize) -> String {
    for _ in 0..200 {
        let log = server.stderr();
        if log.matches("routeflow::request").count() >= requests {
            return log;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    server.stderr()
}

fn assert_nothing_secret(log: &str) {
    for token in [
        ADMIN,
        CRM,
        ALICE,
        BOB,
        VIEWER,
        "a token nobody has, never-logged",
    ] {
        assert!(!log.contains(token), "token {token:?} in the log:\n{log}");
        assert!(
            !log.contains(&sha256_hex(token)),
            "the hash of {token:?} in the log:\n{log}"
        );
    }
    for secret in SECRETS {
        assert!(!log.contains(secret), "{secret:?} in the log:\n{log}");
    }
    assert!(!log.to_lowercase().contains("bearer"), "{log}");
    assert!(!log.contains("state=x"), "a query in the log:\n{log}");
}

#[test]
fn every_request_is_one_text_line_with_its_id_and_nothing_secret() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    scripted_run(&server);
    let sent = client()
        .get(server.url("/healthz"))
        .header("x-request-id", "ticket-77")
        .send()
        .expect("a reply");
    assert_eq!(sent.headers()["x-request-id"], "ticket-77");
    let made = client()
        .get(server.url("/healthz"))
        .send()
        .expect("a reply");
    let made = made.headers()["x-request-id"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(!made.is_empty() && made != "ticket-77");
    let log = log_with(&server, 9);
    let requests: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("routeflow::request"))
        .collect();
    assert_eq!(requests.len(), 9, "{log}");
    let create = requests
        .iter()
        .find(|line| line.contains("method=\"POST\"") || line.contains("method=POST"))
        .expect("the create's line");
    for part in [
        "route=\"/v1/workitems\"",
        "status=201",
        "request_id=",
        "ms=",
    ] {
        assert!(create.contains(part), "{part} not in {create}");
    }
    assert!(requests.iter().any(|line| line.contains("ticket-77")));
    assert!(requests.iter().any(|line| line.contains(&made)));
    assert!(
        requests
            .iter()
            .any(|line| line.contains("status=404") && line.contains("/v1/workitems/nobody"))
    );
    assert!(log.contains("routeflow: listening on http://"));
    assert_nothing_secret(&log);
}

#[test]
fn json_lines_carry_the_same_and_rust_log_filters() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &["--log-format", "json"]);
    scripted_run(&server);
    let log = log_with(&server, 7);
    let mut requests = 0;
    for line in log.lines() {
        let entry: Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("not a JSON line ({error}): {line}"));
        assert!(
            entry["timestamp"].is_string() && entry["level"].is_string(),
            "{line}"
        );
        if entry["target"] == "routeflow::request" {
            requests += 1;
            let fields = &entry["fields"];
            assert!(fields["request_id"].is_string(), "{line}");
            assert!(fields["status"].is_u64() && fields["ms"].is_f64(), "{line}");
        }
    }
    assert_eq!(requests, 7, "{log}");
    assert!(log.contains("routeflow: listening on http://"));
    assert_nothing_secret(&log);

    // RUST_LOG=warn: no request lines (the server's own still say where it listens).
    let quiet_dir = tempfile::tempdir().expect("a directory");
    let args = test_clock_args(quiet_dir.path(), &[]);
    let mut command = serve_sample(&quiet_dir.path().join("data"));
    command.args(&args).env("RUST_LOG", "warn");
    let server = Server::start_command(command);
    ok(send(&server, "GET", "/v1/agents", ADMIN, None));
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !server.stderr().contains("routeflow::request"),
        "{}",
        server.stderr()
    );
}
