//! A `routeflow serve` for the tests over real HTTP: the binary started on the shipped sample with
//! `--listen 127.0.0.1:0`, its port read from standard error, killed when dropped; tokens files, a
//! client, and problem checks. Each test binary uses a part of it.
#![allow(dead_code)]

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const FLOW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/flows/gtr_sample.yaml");
pub const CENTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/flows/center.yaml");
pub const VIEWER: &str = "viewer token for the tests";

pub fn routeflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_routeflow"))
}

/// `routeflow serve` on the shipped sample, on a free loopback port, with data directory `data`.
pub fn serve_sample(data: &Path) -> Command {
    serve_on(Path::new(CENTER), data)
}

/// `routeflow serve` on the shipped flow with the center file `center`, on a free loopback port, with
/// data directory `data`.
pub fn serve_on(center: &Path, data: &Path) -> Command {
    serve_flow(Path::new(FLOW), center, data)
}

/// `routeflow serve` on `flow` and `center`, on a free loopback port, with data directory `data`.
pub fn serve_flow(flow: &Path, center: &Path, data: &Path) -> Command {
    let mut command = routeflow();
    command
        .args(["serve", "--flow"])
        .arg(flow)
        .arg("--center")
        .arg(center)
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(data);
    command
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A running `routeflow serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    stderr: Arc<Mutex<String>>,
    pub data: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Start the server on the sample with `args` added, and wait for its `listening on` line.
    pub fn start(args: &[&str]) -> Server {
        Server::start_on(Path::new(CENTER), args)
    }

    /// Start the server on the shipped flow with the center file `center` and `args` added.
    pub fn start_on(center: &Path, args: &[&str]) -> Server {
        Server::start_flow(Path::new(FLOW), center, args)
    }

    /// Start the server on `flow` and `center` with `args` added.
    pub fn start_flow(flow: &Path, center: &Path, args: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("data");
        let mut server = Server::start_in(flow, center, &data, args);
        server._dir = Some(dir);
        server
    }

    /// Start the server on `flow` and `center` with the data directory `data` (which outlives it: a
    /// restart on it recovers) and `args` added.
    pub fn start_in(flow: &Path, center: &Path, data: &Path, args: &[&str]) -> Server {
        let mut command = serve_flow(flow, center, data);
        command.args(args);
        Server::start_command_in(command, data)
    }

    /// Start `command` (a `routeflow serve` whose data directory is a temporary one of the test's).
    pub fn start_command(command: Command) -> Server {
        Server::start_command_in(command, Path::new(""))
    }

    fn start_command_in(mut command: Command, data: &Path) -> Server {
        let data = data.to_owned();
        let mut child = command
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
                // A plain line, or a JSON log line (`--log-format json`) holding the same text.
                if let Some(at) = line.find("routeflow: listening on ") {
                    let address = line[at + "routeflow: listening on ".len()..]
                        .split(['"', ' '])
                        .next()
                        .unwrap_or_default();
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
            _dir: None,
        };
        match address.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => server.base = base,
            Err(_) => panic!("the server did not start:\n{}", server.stderr()),
        }
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// A tokens file in `dir` giving `VIEWER` the viewer role, plus `lines`.
pub fn tokens_file(dir: &Path, lines: &str) -> PathBuf {
    let path = dir.join("tokens.yaml");
    let text = format!(
        "- {{ role: viewer, sha256: {} }}\n{lines}",
        sha256_hex(VIEWER)
    );
    std::fs::write(&path, text).expect("the tokens file is written");
    path
}

/// A reply that must be a problem of `status`: its JSON body.
pub fn problem(reply: Response, status: StatusCode) -> Value {
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

pub fn run(command: &mut Command) -> (Option<i32>, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("routeflow runs");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8 output");
    (status.code(), text(stdout), text(stderr))
}

/// One Server-Sent Event: its id, type and JSON data.
#[derive(Debug)]
pub struct Sse {
    pub id: u64,
    pub event: String,
    pub data: Value,
}

/// Follow `agent`'s event stream (from after `last`), as its desktop would.
pub fn follow(server: &Server, token: &str, agent: &str, last: Option<u64>) -> Receiver<Sse> {
    follow_path(server, token, &format!("/v1/agents/{agent}/events"), last)
}

/// Follow the event stream at `path` (from after `last`).
pub fn follow_path(server: &Server, token: &str, path: &str, last: Option<u64>) -> Receiver<Sse> {
    let client = Client::builder().build().expect("a client");
    let mut request = client.get(server.url(path)).bearer_auth(token);
    if let Some(last) = last {
        request = request.header("Last-Event-ID", last.to_string());
    }
    let reply = request.send().expect("the stream opens");
    assert_eq!(reply.status(), StatusCode::OK);
    let (sender, receiver) = channel();
    std::thread::spawn(move || {
        let (mut id, mut event) = (0, String::new());
        for line in BufReader::new(reply).lines().map_while(Result::ok) {
            if let Some(value) = line.strip_prefix("id: ") {
                id = value.parse().unwrap_or(0);
            } else if let Some(value) = line.strip_prefix("event: ") {
                event = value.to_owned();
            } else if let Some(value) = line.strip_prefix("data: ") {
                let data = serde_json::from_str(value).unwrap_or(Value::Null);
                let sse = Sse {
                    id,
                    event: event.clone(),
                    data,
                };
                if sender.send(sse).is_err() {
                    break;
                }
            }
        }
    });
    receiver
}

pub fn next(events: &Receiver<Sse>) -> Sse {
    events
        .recv_timeout(Duration::from_secs(20))
        .expect("an event")
}

pub fn send(
    server: &Server,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::blocking::Response {
    let client = client();
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = client.request(method, server.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().expect("a reply")
}

pub fn ok(reply: reqwest::blocking::Response) -> Value {
    let status = reply.status();
    let body: Value = reply.json().expect("JSON");
    assert!(status.is_success(), "{status}: {body}");
    body
}

pub const ADMIN: &str = "admin token for the live tests";
pub const CRM: &str = "integration token for the live tests";
pub const ALICE: &str = "alice's desktop token";
pub const BOB: &str = "bob's desktop token";

/// A `--clock test` server on `flow` and `center` with tokens for `ADMIN`, `CRM` (integration), `ALICE`
/// and `BOB` (their agents), plus `extra` arguments; its tokens file is written in `dir`.
pub fn test_clock_server(flow: &Path, center: &Path, dir: &Path, extra: &[&str]) -> Server {
    let args = test_clock_args(dir, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Server::start_flow(flow, center, &args)
}

/// The arguments of [`test_clock_server`], with the tokens file written in `dir`.
pub fn test_clock_args(dir: &Path, extra: &[&str]) -> Vec<String> {
    let lines = [
        ("admin", ADMIN),
        ("integration", CRM),
        ("agent:alice", ALICE),
        ("agent:bob", BOB),
    ]
    .iter()
    .map(|(role, token)| format!("- {{ role: {role}, sha256: {} }}\n", sha256_hex(token)))
    .collect::<String>();
    let tokens = tokens_file(dir, &lines);
    let mut args = vec![
        "--tokens".to_owned(),
        tokens.to_str().expect("UTF-8").to_owned(),
        "--clock".to_owned(),
        "test".to_owned(),
    ];
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    args
}

/// A `--clock test` server on the shipped sample (see [`test_clock_server`]).
pub fn live_server(dir: &Path, extra: &[&str]) -> Server {
    test_clock_server(Path::new(FLOW), Path::new(CENTER), dir, extra)
}

/// The names of workitem `id`'s history events, in order.
pub fn history(server: &Server, id: &str) -> Vec<String> {
    let path = format!("/v1/workitems/{id}/history");
    let events = ok(send(server, "GET", &path, CRM, None));
    let events = events.as_array().expect("a list");
    events
        .iter()
        .map(|event| event["event"].as_str().expect("a name").to_owned())
        .collect()
}

/// A durable test-clock server on `flow` and the sample's center, with its journal in `data` (tokens
/// as [`test_clock_args`], written in `dir`, plus `extra`), once it is ready: it has recovered what
/// the journal holds.
pub fn ready_server(flow: &Path, data: &Path, dir: &Path, extra: &[&str]) -> Server {
    let args = test_clock_args(dir, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    wait_ready(Server::start_in(flow, Path::new(CENTER), data, &args))
}

/// `server` once `/readyz` says ready (with the ADMIN token); a panic with its log if it never does.
pub fn wait_ready(server: Server) -> Server {
    for _ in 0..600 {
        if send(&server, "GET", "/readyz", ADMIN, None).status() == StatusCode::OK {
            return server;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not get ready:\n{}", server.stderr());
}

/// Kill `server` with SIGKILL, as a crash would, and reap it.
pub fn kill_9(mut server: Server) {
    server.child.kill().expect("killed");
    server.child.wait().expect("reaped");
}

/// `/readyz`'s status with `token`, once the server has done recovering (it answers 503 until then:
/// it listens before it has recovered what its journal holds).
pub fn readyz(server: &Server, token: &str) -> StatusCode {
    for _ in 0..600 {
        let status = client()
            .get(server.url("/readyz"))
            .bearer_auth(token)
            .send()
            .expect("a reply")
            .status();
        if status != StatusCode::SERVICE_UNAVAILABLE {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    StatusCode::SERVICE_UNAVAILABLE
}
