//! `routeflow serve` over real HTTP on loopback (SPEC §9): the binary started on the shipped sample
//! with `--listen 127.0.0.1:0`, its port read from standard error; and `routeflow token`.

mod serve_support;

use reqwest::StatusCode;
use reqwest::header::{ALLOW, WWW_AUTHENTICATE};
use serde_json::{Value, json};
use serve_support::*;
use std::process::Command;
use std::time::Duration;

#[test]
fn healthz_needs_no_token() {
    let server = Server::start(&[]);
    let reply = client()
        .get(server.url("/healthz"))
        .send()
        .expect("a reply");
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(
        reply.json::<Value>().expect("JSON"),
        json!({"status": "ok"})
    );
    let listening = server
        .stderr()
        .lines()
        .filter(|line| line.starts_with("routeflow: listening on http://127.0.0.1:"))
        .count();
    assert_eq!(listening, 1, "{}", server.stderr());
}

#[test]
fn readyz_needs_a_known_token() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let tokens = tokens_file(dir.path(), "");
    let server = Server::start(&["--tokens", tokens.to_str().expect("a UTF-8 path")]);
    let client = client();
    let url = server.url("/readyz");

    let anonymous = client.get(&url).send().expect("a reply");
    assert_eq!(anonymous.headers()[WWW_AUTHENTICATE], "Bearer");
    problem(anonymous, StatusCode::UNAUTHORIZED);

    let wrong = client
        .get(&url)
        .bearer_auth("not a token")
        .send()
        .expect("a reply");
    let body = problem(wrong, StatusCode::UNAUTHORIZED);
    assert!(!body.to_string().contains("not a token"), "{body}");

    // Once recovered (503 until then), ready with its body.
    assert_eq!(readyz(&server, VIEWER), StatusCode::OK);
    let viewer = client
        .get(&url)
        .bearer_auth(VIEWER)
        .send()
        .expect("a reply");
    assert_eq!(viewer.status(), StatusCode::OK);
    assert_eq!(
        viewer.json::<Value>().expect("JSON"),
        json!({"status": "ready"})
    );
    assert!(!server.stderr().contains(VIEWER), "{}", server.stderr());
}

#[test]
fn without_a_tokens_file_the_admin_token_is_in_the_data_directory() {
    let server = Server::start(&[]);
    let path = server.data.join("admin.token");
    let token = std::fs::read_to_string(&path).expect("the admin token file");
    let token = token.trim();
    assert!(!server.stderr().contains(token), "{}", server.stderr());
    assert!(
        server.stderr().contains("admin.token"),
        "{}",
        server.stderr()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(readyz(&server, token), StatusCode::OK);
}

#[test]
fn the_openapi_document_is_openapi_3_1() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let tokens = tokens_file(dir.path(), "");
    let server = Server::start(&["--tokens", tokens.to_str().expect("a UTF-8 path")]);
    let url = server.url("/openapi.json");
    problem(
        client().get(&url).send().expect("a reply"),
        StatusCode::UNAUTHORIZED,
    );
    let reply = client()
        .get(&url)
        .bearer_auth(VIEWER)
        .send()
        .expect("a reply");
    assert_eq!(reply.status(), StatusCode::OK);
    let doc: Value = reply.json().expect("JSON");
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1."), "{version}");
    assert!(doc["paths"]["/readyz"]["get"].is_object(), "{doc}");
    // Every refusal the shared extractors give is declared (schemathesis checks replies against
    // them): 401 wherever a token is needed, 400/413/415/422 wherever a JSON body is read.
    let paths = doc["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            let responses = &operation["responses"];
            let secured = operation["security"] != json!([{}]);
            assert_eq!(
                responses["401"].is_object(),
                secured,
                "{method} {path}: {responses}"
            );
            if operation["requestBody"].is_object() {
                for status in ["400", "413", "415", "422"] {
                    let content = &responses[status]["content"]["application/problem+json"];
                    assert!(content.is_object(), "{method} {path} {status}");
                }
            }
        }
    }
    // What the server accepts in this run: the flow a new workitem may name is its own.
    let flow = &doc["components"]["schemas"]["CreateWorkitem"]["properties"]["flow"];
    assert_eq!(flow["enum"], json!(["gtr_sample", null]));
    // An event stream is described event by event: id, type, and data holding an AgentEvent.
    let events = &doc["paths"]["/v1/agents/{id}/events"]["get"]["responses"]["200"]["content"];
    assert_eq!(
        events["text/event-stream"]["schema"]["$ref"],
        "#/components/schemas/AgentEventMessage"
    );
    let data = &doc["components"]["schemas"]["AgentEventMessage"]["properties"]["data"];
    assert_eq!(data["contentMediaType"], "application/json");
    assert_eq!(
        data["contentSchema"]["$ref"],
        "#/components/schemas/AgentEvent"
    );
}

#[test]
fn unknown_paths_and_wrong_methods_are_problems() {
    let server = Server::start(&[]);
    let client = client();
    let missing = client
        .get(server.url("/v1/nowhere"))
        .send()
        .expect("a reply");
    let body = problem(missing, StatusCode::NOT_FOUND);
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("/v1/nowhere"),
        "{body}"
    );
    let wrong = client.post(server.url("/healthz")).send().expect("a reply");
    assert_eq!(wrong.headers()[ALLOW], "GET,HEAD");
    problem(wrong, StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let mut server = Server::start(&[]);
    let pid = server.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = server.child.wait().expect("the server ends");
    assert!(status.success(), "{status:?}");
    // The reader thread may still be appending the last line.
    for _ in 0..100 {
        if server.stderr().contains("routeflow: stopped") {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no `stopped` line:\n{}", server.stderr());
}

#[test]
fn a_bad_tokens_file_is_a_located_diagnostic_and_exit_1() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let good = sha256_hex("another token");
    let tokens = tokens_file(
        dir.path(),
        &format!("- {{ role: supervisor, sha256: {good} }}\n- {{ role: admin, sha256: 12ab }}\n"),
    );
    let (code, _, stderr) = run(serve_sample(&dir.path().join("data"))
        .arg("--tokens")
        .arg(&tokens));
    assert_eq!(code, Some(1), "{stderr}");
    let shown = tokens.display();
    for expected in [
        format!("{shown}:2:11: error: unknown role `supervisor`"),
        format!("{shown}:3:26: error: `sha256` must be 64 hex digits, found 4 characters"),
        format!("{shown}: invalid tokens file: 2 errors"),
    ] {
        assert!(stderr.contains(&expected), "{expected} not in\n{stderr}");
    }
    assert!(!stderr.contains("listening"), "{stderr}");
}

#[test]
fn an_invalid_flow_is_its_diagnostic_and_exit_1() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (code, _, stderr) = run(routeflow()
        .args(["serve", "--flow", "no/such/flow.yaml", "--center", CENTER])
        .args(["--listen", "127.0.0.1:0"])
        .arg("--data")
        .arg(dir.path().join("data")));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("no/such/flow.yaml: error: cannot read the flow file"),
        "{stderr}"
    );
    assert!(!stderr.contains("listening"), "{stderr}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["serve", "--flow", FLOW][..],
        &[
            "serve", "--flow", FLOW, "--center", CENTER, "--clock", "fast",
        ],
        &[
            "serve",
            "--flow",
            FLOW,
            "--center",
            CENTER,
            "--max-body",
            "0",
        ],
        &["token", "--role", "supervisor"],
        &["token"],
    ] {
        let (code, _, stderr) = run(routeflow().args(args));
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
    }
}

#[test]
fn a_new_token_hashes_to_its_line_and_the_server_takes_it() {
    let (code, stdout, stderr) = run(routeflow().args(["token", "--role", "agent:alice"]));
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let [token, line] = lines[..] else {
        panic!("two lines expected:\n{stdout}");
    };
    assert!(
        token.starts_with("rft_") && token.len() == 4 + 64,
        "{token}"
    );
    assert_eq!(
        line,
        format!("- {{ role: agent:alice, sha256: {} }}", sha256_hex(token))
    );
    assert!(!stderr.contains(token), "{stderr}");
    let (_, again, _) = run(routeflow().args(["token", "--role", "viewer"]));
    assert_ne!(again.lines().next(), Some(token));

    let dir = tempfile::tempdir().expect("a temporary directory");
    let tokens = tokens_file(dir.path(), &format!("{line}\n"));
    let server = Server::start(&["--tokens", tokens.to_str().expect("a UTF-8 path")]);
    assert_eq!(readyz(&server, token), StatusCode::OK);
}
