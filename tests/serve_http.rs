//! `routeflow serve` over real HTTP on loopback (SPEC §9): the binary started on the shipped sample
//! with `--listen 127.0.0.1:0`, its port read from standard error; and `routeflow token`.

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::header::{ALLOW, CONTENT_TYPE, WWW_AUTHENTICATE};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const FLOW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/flows/gtr_sample.yaml");
const CENTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/flows/center.yaml");
const VIEWER: &str = "viewer token for the tests";

fn routeflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_routeflow"))
}

/// `routeflow serve` on the shipped sample, on a free loopback port, with data directory `data`.
fn serve_sample(data: &Path) -> Command {
    let mut command = routeflow();
    command
        .args(["serve", "--flow", FLOW, "--center", CENTER])
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(data);
    command
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A running `routeflow serve`, killed when dropped.
struct Server {
    child: Child,
    base: String,
    stderr: Arc<Mutex<String>>,
    data: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Start the server on the sample with `args` added, and wait for its `listening on` line.
    fn start(args: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("data");
        let mut child = serve_sample(&data)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("routeflow starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (listening, address) = mpsc::channel();
        let lines = BufReader::new(child.stderr.take().expect("piped stderr"));
        let kept = stderr.clone();
        // Keep reading standard error until the process ends, so that it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                if let Some(address) = line.strip_prefix("routeflow: listening on ") {
                    let _ = listening.send(address.to_owned());
                }
                kept.lock().expect("stderr").push_str(&(line + "\n"));
            }
        });
        let mut server = Server {
            child,
            base: String::new(),
            stderr,
            data,
            _dir: dir,
        };
        match address.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => server.base = base,
            Err(_) => panic!("the server did not start:\n{}", server.stderr()),
        }
        server
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// A tokens file in `dir` giving `VIEWER` the viewer role, plus `lines`.
fn tokens_file(dir: &Path, lines: &str) -> PathBuf {
    let path = dir.join("tokens.yaml");
    let text = format!(
        "- {{ role: viewer, sha256: {} }}\n{lines}",
        sha256_hex(VIEWER)
    );
    std::fs::write(&path, text).expect("the tokens file is written");
    path
}

/// A reply that must be a problem of `status`: its JSON body.
fn problem(reply: Response, status: StatusCode) -> Value {
    assert_eq!(reply.status(), status);
    let content_type = reply.headers().get(CONTENT_TYPE).cloned();
    assert_eq!(
        content_type.as_ref().map(|v| v.as_bytes()),
        Some(&b"application/problem+json"[..])
    );
    let body: Value = reply.json().expect("a JSON problem");
    assert_eq!(body["status"], status.as_u16());
    assert!(
        body["type"].is_string() && body["title"].is_string(),
        "{body}"
    );
    body
}

fn run(command: &mut Command) -> (Option<i32>, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("routeflow runs");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8 output");
    (status.code(), text(stdout), text(stderr))
}

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
    let reply = client()
        .get(server.url("/readyz"))
        .bearer_auth(token)
        .send()
        .expect("a reply");
    assert_eq!(reply.status(), StatusCode::OK);
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
    let reply = client()
        .get(server.url("/readyz"))
        .bearer_auth(token)
        .send()
        .expect("a reply");
    assert_eq!(reply.status(), StatusCode::OK);
}
