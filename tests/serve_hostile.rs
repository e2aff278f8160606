//! `routeflow serve` against hostile clients, over real HTTP on loopback: connections that never
//! finish a request head or sit idle, more connections than the server takes, a thousand requests at
//! once, oversized heads, lists too long for one reply, and many event streams for one agent.

mod serve_support;

use reqwest::StatusCode;
use reqwest::header::LINK;
use serde_json::{Value, json};
use serve_support::*;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

const ADMIN: &str = "admin token for the hostile tests";

/// The server on the sample with a test clock and an admin token, plus `extra` options.
fn server_with(dir: &Path, extra: &[&str]) -> Server {
    let line = format!("- {{ role: admin, sha256: {} }}\n", sha256_hex(ADMIN));
    let tokens = tokens_file(dir, &line);
    let mut args = vec![
        "--tokens",
        tokens.to_str().expect("UTF-8"),
        "--clock",
        "test",
    ];
    args.extend_from_slice(extra);
    Server::start(&args)
}

/// Create workitem `id` (it waits in the sample's skill cascade), as the admin.
fn create(server: &Server, id: &str) {
    create_with(
        server,
        &json!({ "id": id, "userdata": { "GTR_level1": "Insurance" } }),
    );
}

/// Create the workitem `body` describes, as the admin.
fn create_with(server: &Server, body: &Value) {
    let created = client()
        .post(server.url("/v1/workitems"))
        .bearer_auth(ADMIN)
        .json(body)
        .send()
        .expect("a reply");
    assert_eq!(created.status(), StatusCode::CREATED);
}

/// A raw connection to the server.
fn connect(server: &Server) -> TcpStream {
    let address = server.base.trim_start_matches("http://");
    let stream = TcpStream::connect(address).expect("the server takes connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    stream
}

/// Read until the server closes the connection: how long it took, or `None` if it did not close
/// it within the stream's read timeout.
fn closed_after(stream: &mut TcpStream) -> Option<Duration> {
    let start = Instant::now();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::ConnectionReset => {
                return Some(start.elapsed());
            }
            Err(_) => return None,
        }
    }
}

/// One whole HTTP/1.1 response read from a kept-alive connection: its status and body.
fn response(stream: &mut TcpStream) -> (u16, String) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let read = stream.read(&mut byte).expect("a response");
        assert_eq!(read, 1, "the connection closed mid-head: {head:?}");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("an ASCII head");
    let status = head[9..12].parse().expect("a status");
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .expect("a Content-Length");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("the body");
    (status, String::from_utf8(body).expect("a UTF-8 body"))
}

fn get_healthz(stream: &mut TcpStream) -> (u16, String) {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: routeflow\r\n\r\n")
        .expect("the request is sent");
    response(stream)
}

#[test]
fn a_request_head_that_never_ends_is_cut_at_the_header_timeout() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = server_with(dir.path(), &["--header-timeout-s", "1"]);
    // Half a head, then nothing (slowloris); and a connection that sends nothing at all.
    let mut partial = connect(&server);
    partial
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: routeflow\r\nX-Slow: 1")
        .expect("half a head is sent");
    let mut silent = connect(&server);
    for stream in [&mut partial, &mut silent] {
        let closed = closed_after(stream).expect("the server closes the connection");
        assert!(closed < Duration::from_secs(5), "closed after {closed:?}");
    }
    // The server still serves.
    assert_eq!(get_healthz(&mut connect(&server)).0, 200);
}

#[test]
fn an_idle_kept_alive_connection_is_closed() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = server_with(dir.path(), &["--header-timeout-s", "1"]);
    let mut stream = connect(&server);
    // Kept alive: two requests on one connection, then it is left idle.
    assert_eq!(get_healthz(&mut stream).0, 200);
    assert_eq!(get_healthz(&mut stream).0, 200);
    let closed = closed_after(&mut stream).expect("the server closes the idle connection");
    assert!(closed < Duration::from_secs(5), "closed after {closed:?}");
}

#[test]
fn an_event_stream_outlives_the_header_timeout() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = server_with(dir.path(), &["--header-timeout-s", "1"]);
    let mut stream = connect(&server);
    let request = format!(
        "GET /v1/agents/alice/events HTTP/1.1\r\nHost: routeflow\r\nAuthorization: Bearer {ADMIN}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("sent");
    stream
        .set_read_timeout(Some(Duration::from_millis(3500)))
        .expect("a read timeout");
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = stream.read(&mut buffer).expect("the stream's head");
    seen.extend_from_slice(&buffer[..read]);
    assert!(
        seen.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&seen)
    );
    // Three header timeouts later, the stream is still open ...
    match stream.read(&mut buffer) {
        Ok(0) => panic!("the event stream was closed"),
        Ok(read) => seen.extend_from_slice(&buffer[..read]),
        Err(error) => assert!(
            matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "{error}"
        ),
    }
    // ... and carries the next event: Alice is offered a new workitem.
    create(&server, "case-1");
    let ready = client()
        .put(server.url("/v1/agents/alice/state"))
        .bearer_auth(ADMIN)
        .json(&json!({ "state": "ready" }))
        .send()
        .expect("a reply");
    assert_eq!(ready.status(), StatusCode::OK);
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    while !String::from_utf8_lossy(&seen).contains("event: offer") {
        let read = stream.read(&mut buffer).expect("the offer");
        assert_ne!(
            read,
            0,
            "the stream ended: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buffer[..read]);
    }
}

#[test]
fn connections_past_the_limit_wait_until_one_closes() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = server_with(dir.path(), &["--max-connections", "2"]);
    let mut first = connect(&server);
    let mut second = connect(&server);
    assert_eq!(get_healthz(&mut first).0, 200);
    assert_eq!(get_healthz(&mut second).0, 200);
    // A third is not served while the two are open ...
    let mut third = connect(&server);
    third
        .set_read_timeout(Some(Duration::from_millis(1500)))
        .expect("a read timeout");
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: routeflow\r\n\r\n")
        .expect("the request is sent");
    let mut byte = [0u8; 1];
    let waited = third.read(&mut byte);
    assert!(
        waited
            .as_ref()
            .is_err_and(|e| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "the third connection was served: {waited:?}"
    );
    // ... and is, once one of them closes.
    drop(first);
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    assert_eq!(response(&mut third).0, 200);
    assert_eq!(get_healthz(&mut second).0, 200);
}

#[test]
fn a_thousand_requests_at_once_are_all_answered() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = server_with(dir.path(), &[]);
    let started = Instant::now();
    let mut streams: Vec<TcpStream> = (0..1000)
        .map(|n| {
            let mut stream = connect(&server);
            stream
                .set_read_timeout(Some(Duration::from_secs(60)))
                .expect("a read timeout");
            let body = format!(r#"{{"id":"burst-{n}","userdata":{{"GTR_level1":"Insurance"}}}}"#);
            let request = format!(
                "POST /v1/workitems HTTP/1.1\r\nHost: routeflow\r\nAuthorization: Bearer {ADMIN}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(request.as_bytes()).expect("sent");
            stream
        })
        .collect();
    let statuses: Vec<u16> = streams.iter_mut().map(|s| response(s).0).collect();
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|&s| s == 201), "{statuses:?}");
    eprintln!("1,000 concurrent creates answered in {elapsed:?}");
    let page = client()
        .get(server.url("/v1/workitems?limit=1000"))
        .bearer_auth(ADMIN)
        .send()
        .expect("a reply");
    let page: Value = page.json().expect("JSON");
    assert_eq!(page.as_array().map(Vec::len), Some(1000));
}

#[test]
fn an_oversized_request_head_is_431_and_the_server_goes_on() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = server_with(dir.path(), &[]);
    let mut stream = connect(&server);
    // 100 KB in 50 headers: past the 64 KiB a head may have (hyper's own default, ~400 KiB, would
    // take it).
    let mut request = String::from("GET /healthz HTTP/1.1\r\nHost: routeflow\r\n");
    for n in 0..50 {
        request.push_str(&format!("X-Padding-{n}: {}\r\n", "a".repeat(2000)));
    }
    request.push_str("\r\n");
    // The server may close before it has read everything: a failed write is fine.
    let _ = stream.write_all(request.as_bytes());
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    assert!(
        reply.starts_with(b"HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    assert_eq!(get_healthz(&mut connect(&server)).0, 200);
}

/// `GET path` as the admin: the JSON body and the `Link` header's next URL.
fn page(server: &Server, path: &str) -> (Value, Option<String>) {
    let reply = client()
        .get(server.url(path))
        .bearer_auth(ADMIN)
        .send()
        .expect("a reply");
    assert_eq!(reply.status(), StatusCode::OK);
    let next = reply.headers().get(LINK).map(|link| {
        let link = link.to_str().expect("ASCII");
        assert!(link.ends_with(">; rel=\"next\""), "{link}");
        link.trim_start_matches('<')
            .trim_end_matches(">; rel=\"next\"")
            .to_owned()
    });
    (reply.json().expect("JSON"), next)
}

fn ids(page: &Value) -> Vec<String> {
    page.as_array()
        .expect("a list")
        .iter()
        .map(|view| view["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[test]
fn workitems_are_listed_in_pages_linked_by_next() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = server_with(dir.path(), &[]);
    let client = client();
    let mut created = Vec::new();
    for n in 0..105 {
        let id = format!("case-{n}");
        create(&server, &id);
        created.push(id);
        if n % 3 == 0 {
            let stop = format!("/v1/workitems/case-{n}/stop");
            let reply = client
                .post(server.url(&stop))
                .bearer_auth(ADMIN)
                .send()
                .expect("a reply");
            assert_eq!(reply.status(), StatusCode::OK);
        }
    }
    // 100 by default, then the rest.
    let (first, next) = page(&server, "/v1/workitems");
    assert_eq!(ids(&first), created[..100]);
    let next = next.expect("a next page");
    assert_eq!(next, "/v1/workitems?limit=100&after=100");
    let (rest, last) = page(&server, &next);
    assert_eq!(ids(&rest), created[100..]);
    assert_eq!(last, None);
    // Walked 7 at a time in one state: every stopped workitem once, in order, the state kept.
    let stopped: Vec<String> = created.iter().step_by(3).cloned().collect();
    let mut walked = Vec::new();
    let mut path = Some("/v1/workitems?state=stopped&limit=7".to_owned());
    let mut pages = 0;
    while let Some(at) = path {
        let (items, next) = page(&server, &at);
        assert!(items.as_array().is_some_and(|items| items.len() <= 7));
        walked.extend(ids(&items));
        if let Some(next) = &next {
            assert!(
                next.starts_with("/v1/workitems?state=stopped&limit=7&after="),
                "{next}"
            );
        }
        path = next;
        pages += 1;
    }
    assert_eq!(walked, stopped);
    assert_eq!(pages, stopped.len().div_ceil(7));
    // Past the end: an empty page.
    assert_eq!(page(&server, "/v1/workitems?after=5000").0, json!([]));
}

#[test]
fn bad_paging_parameters_are_422_naming_the_parameter() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = server_with(dir.path(), &[]);
    for (query, field) in [
        ("limit=0", "/limit"),
        ("limit=1001", "/limit"),
        ("limit=-1", "/limit"),
        ("limit=%2B5", "/limit"),
        ("limit=ten", "/limit"),
        ("limit=", "/limit"),
        ("limit=99999999999999999999999", "/limit"),
        ("after=-1", "/after"),
        ("after=x", "/after"),
        ("after=9223372036854775808", "/after"),
        ("limit=5&limit=6", "/limit"),
        ("state=waiting&state=waiting", "/state"),
        ("page=2", "/page"),
    ] {
        let reply = client()
            .get(server.url(&format!("/v1/workitems?{query}")))
            .bearer_auth(ADMIN)
            .send()
            .expect("a reply");
        let body = problem(reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["field"], field, "{query}: {body}");
    }
}

#[test]
fn an_agent_has_at_most_eight_event_streams_the_oldest_ends() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = server_with(dir.path(), &[]);
    let open = || {
        let reply = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("a client")
            .get(server.url("/v1/agents/alice/events"))
            .bearer_auth(ADMIN)
            .send()
            .expect("the stream opens");
        assert_eq!(reply.status(), StatusCode::OK);
        reply
    };
    let oldest = open();
    let others: Vec<_> = (0..8).map(|_| open()).collect();
    // The ninth stream ended the first: its body ends (no event was sent on it).
    let text = oldest.text().expect("the oldest stream ends");
    assert!(!text.contains("event:"), "{text}");
    drop(others);
}

#[test]
fn sigterm_ends_event_streams_and_idle_connections_and_stops_at_once() {
    let dir = tempfile::tempdir().expect("a directory");
    let mut server = server_with(dir.path(), &[]);
    let mut idle = connect(&server);
    assert_eq!(get_healthz(&mut idle).0, 200);
    let mut events = connect(&server);
    let request = format!(
        "GET /v1/agents/alice/events HTTP/1.1\r\nHost: routeflow\r\nAuthorization: Bearer {ADMIN}\r\n\r\n"
    );
    events.write_all(request.as_bytes()).expect("sent");
    let mut head = [0u8; 12];
    events.read_exact(&mut head).expect("the stream's head");
    assert_eq!(&head, b"HTTP/1.1 200");
    let started = Instant::now();
    let pid = server.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = server.child.wait().expect("the server ends");
    let took = started.elapsed();
    assert!(status.success(), "{status:?}");
    // Well within the 10 s grace: nothing in flight was waited for.
    assert!(took < Duration::from_secs(5), "stopped after {took:?}");
    for stream in [&mut idle, &mut events] {
        assert!(closed_after(stream).is_some(), "a connection was left open");
    }
}

#[test]
fn a_body_that_trickles_in_is_408_at_the_body_timeout() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = server_with(dir.path(), &["--body-timeout-s", "2"]);
    for path in ["/v1/workitems", "/v1/workitems/case-1/done"] {
        let mut stream = connect(&server);
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: routeflow\r\nAuthorization: Bearer {ADMIN}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).expect("sent");
        let started = Instant::now();
        // A byte every half second: each well within any per-chunk timeout, the whole never done.
        let mut answered = Vec::new();
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .expect("a read timeout");
        let mut buffer = [0u8; 4096];
        while started.elapsed() < Duration::from_secs(8) {
            if stream.write_all(b" ").is_err() {
                break;
            }
            match stream.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => answered.extend_from_slice(&buffer[..read]),
                Err(_) => {}
            }
            if answered.windows(4).any(|w| w == b"\r\n\r\n") && answered.ends_with(b"}") {
                break;
            }
        }
        let took = started.elapsed();
        let text = String::from_utf8_lossy(&answered);
        assert!(
            text.starts_with("HTTP/1.1 408"),
            "{path} after {took:?}: {text}"
        );
        assert!(text.contains("application/problem+json"), "{text}");
        assert!(text.contains("did not arrive within 2 s"), "{text}");
        assert!(
            took < Duration::from_secs(5),
            "{path}: answered after {took:?}"
        );
    }
}

#[test]
fn a_page_of_workitems_with_large_user_data_ends_early_and_goes_on() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = server_with(dir.path(), &[]);
    // 12 workitems of 512 KiB of user data each: 6 MiB, more than a page holds (about 4 MiB).
    let large = "x".repeat(512 << 10);
    let mut created = Vec::new();
    for n in 0..12 {
        let id = format!("large-{n}");
        let userdata = json!({ "GTR_level1": "Insurance", "notes": large });
        create_with(&server, &json!({ "id": id, "userdata": userdata }));
        created.push(id);
    }
    let (first, next) = page(&server, "/v1/workitems?limit=1000");
    let count = first.as_array().map_or(0, Vec::len);
    assert!(
        (1..12).contains(&count),
        "{count} workitems in the first page"
    );
    let mut walked = ids(&first);
    let mut path = next;
    while let Some(at) = path {
        let (items, next) = page(&server, &at);
        walked.extend(ids(&items));
        path = next;
    }
    assert_eq!(walked, created);
}

#[test]
fn a_client_that_does_not_read_its_replies_is_cut_at_the_write_timeout() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = server_with(dir.path(), &["--write-timeout-s", "1"]);
    // A page of about 4 MiB: 8 workitems of 512 KiB of user data.
    let large = "x".repeat(512 << 10);
    for n in 0..8 {
        let userdata = json!({ "GTR_level1": "Insurance", "notes": large });
        create_with(
            &server,
            &json!({ "id": format!("large-{n}"), "userdata": userdata }),
        );
    }
    // Ten of them asked for at once (40 MiB, far more than the sockets' buffers), none read.
    let mut stream = connect(&server);
    let request = format!(
        "GET /v1/workitems?limit=1000 HTTP/1.1\r\nHost: routeflow\r\nAuthorization: Bearer {ADMIN}\r\n\r\n"
    );
    stream
        .write_all(request.repeat(10).as_bytes())
        .expect("sent");
    std::thread::sleep(Duration::from_secs(4));
    // What the server wrote before it gave up, then the end of the connection.
    let mut received = Vec::new();
    let ended = stream.read_to_end(&mut received);
    let replies = received
        .windows(12)
        .filter(|w| w == b"HTTP/1.1 200")
        .count();
    assert!(
        replies < 10,
        "all {replies} replies came ({} bytes, {ended:?})",
        received.len()
    );
    assert_eq!(get_healthz(&mut connect(&server)).0, 200);
}

#[test]
fn bad_limits_are_usage_errors() {
    for (option, value) in [
        ("--header-timeout-s", "0"),
        ("--header-timeout-s", "ten"),
        ("--body-timeout-s", "-1"),
        ("--write-timeout-s", "inf"),
        ("--max-connections", "0"),
        ("--max-connections", "4294967296"),
    ] {
        let dir = tempfile::tempdir().expect("a directory");
        let (code, _, stderr) = run(serve_sample(dir.path()).arg(format!("{option}={value}")));
        assert_eq!(code, Some(2), "{option} {value}: {stderr}");
        assert!(stderr.contains(option), "{stderr}");
    }
}
