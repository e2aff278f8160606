//! The supervisors' event stream `GET /v1/events` (issue 18) over real HTTP: every history event and
//! agent state change in order, secure values masked as the history shows them, resumable with
//! `Last-Event-ID` (across a `kill -9` and restart too), and its refusals.

mod serve_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use serve_support::*;
use std::path::Path;
use std::sync::mpsc::Receiver;

fn create(server: &Server, id: &str) {
    let body = json!({ "id": id, "userdata": { "GTR_level1": "Insurance", "caseNumber": id } });
    let reply = send(server, "POST", "/v1/workitems", CRM, Some(body));
    assert_eq!(reply.status(), StatusCode::CREATED);
}

/// `GET /v1/events{query}` as the viewer, with `Last-Event-ID: last` when given.
fn open_events(server: &Server, query: &str, last: Option<&str>) -> reqwest::blocking::Response {
    let mut request = client()
        .get(server.url(&format!("/v1/events{query}")))
        .bearer_auth(VIEWER);
    if let Some(last) = last {
        request = request.header("Last-Event-ID", last);
    }
    request.send().expect("a reply")
}

/// The next `n` events: (id, event, whose).
fn take(events: &Receiver<Sse>, n: usize) -> Vec<(u64, String, String)> {
    (0..n)
        .map(|_| {
            let sse = next(events);
            assert_eq!(sse.data["id"], json!(sse.id), "{}", sse.data);
            assert_eq!(sse.data["event"], json!(sse.event), "{}", sse.data);
            let whose = sse.data["workitem"]
                .as_str()
                .or(sse.data["agent"].as_str())
                .expect("a workitem or an agent")
                .to_owned();
            (sse.id, sse.event, whose)
        })
        .collect()
}

fn names(events: &[(u64, String, String)]) -> Vec<(&str, &str)> {
    events
        .iter()
        .map(|(_, event, whose)| (event.as_str(), whose.as_str()))
        .collect()
}

#[test]
fn a_viewer_sees_every_event_in_order_and_resumes_after_a_restart() {
    let dir = tempfile::tempdir().expect("a directory");
    let data = dir.path().join("data");
    let server = ready_server(Path::new(FLOW), &data, dir.path(), &[]);
    let feed = follow_path(&server, VIEWER, "/v1/events", None);
    create(&server, "w1");
    let ready = json!({ "state": "ready" });
    ok(send(
        &server,
        "PUT",
        "/v1/agents/alice/state",
        ALICE,
        Some(ready),
    ));
    let first = take(&feed, 4);
    assert_eq!(
        names(&first),
        [
            ("created", "w1"),
            ("waiting", "w1"),
            ("agent_state", "alice"),
            ("offered", "w1"),
        ]
    );
    let ids: Vec<u64> = first.iter().map(|(id, _, _)| *id).collect();
    assert!(ids.windows(2).all(|pair| pair[1] == pair[0] + 1), "{ids:?}");
    // The history shows the same events with the same numbers.
    let history = ok(send(
        &server,
        "GET",
        "/v1/workitems/w1/history",
        ADMIN,
        None,
    ));
    let seqs: Vec<u64> = history
        .as_array()
        .expect("a list")
        .iter()
        .map(|event| event["seq"].as_u64().expect("a number"))
        .collect();
    assert_eq!(seqs[..2], [ids[0], ids[1]]);

    // A restart: the same events get the same ids, so a stream resumes after the last it saw.
    kill_9(server);
    let server = ready_server(Path::new(FLOW), &data, dir.path(), &[]);
    create(&server, "w2");
    let resumed = follow_path(&server, VIEWER, "/v1/events", Some(ids[1]));
    let mut after = Vec::new();
    while !names(&after).contains(&("created", "w2")) {
        assert!(after.len() < 10, "{after:?}");
        after.extend(take(&resumed, 1));
    }
    // What came before the kill, with the same ids; then the offer made again at the restart.
    assert_eq!(after[0], first[2]);
    assert_eq!(after[1], first[3]);
    assert_eq!(
        names(&after)[2..],
        [
            ("offer_rescinded", "w1"),
            ("offered", "w1"),
            ("created", "w2"),
        ]
    );
    let ids: Vec<u64> = after.iter().map(|(id, _, _)| *id).collect();
    assert!(ids.windows(2).all(|pair| pair[1] == pair[0] + 1), "{ids:?}");
}

#[test]
fn what_the_stream_refuses() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    for token in [CRM, ALICE] {
        problem(
            send(&server, "GET", "/v1/events", token, None),
            StatusCode::FORBIDDEN,
        );
    }
    let anonymous = client()
        .get(server.url("/v1/events"))
        .send()
        .expect("a reply");
    problem(anonymous, StatusCode::UNAUTHORIZED);
    let ahead = open_events(&server, "", Some("99"));
    let refused: Value = problem(ahead, StatusCode::CONFLICT);
    assert!(
        refused["detail"]
            .as_str()
            .expect("a detail")
            .contains("after 99")
    );
    problem(
        open_events(&server, "", Some("+1")),
        StatusCode::BAD_REQUEST,
    );
}

#[test]
fn a_first_connection_starts_after_the_event_its_query_names() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    create(&server, "w1");
    create(&server, "w2");
    // A browser's EventSource cannot send `Last-Event-ID` the first time: `?after=` says it.
    let feed = follow_path(&server, VIEWER, "/v1/events?after=2", None);
    let events = take(&feed, 2);
    assert_eq!(
        names(&events),
        [("created", "w2"), ("waiting", "w2")],
        "{events:?}"
    );
    assert_eq!(events[0].0, 3);
    // A reconnection's `Last-Event-ID` wins over the address it reconnects to.
    let resumed = follow_path(&server, VIEWER, "/v1/events?after=0", Some(3));
    assert_eq!(names(&take(&resumed, 1)), [("waiting", "w2")]);
    // Each is checked, even when the other would be used.
    let reply = open_events(&server, "?after=9223372036854775808", Some("0"));
    problem(reply, StatusCode::UNPROCESSABLE_ENTITY);
    for (query, status) in [
        ("?after=99", StatusCode::CONFLICT),
        ("?after=-1", StatusCode::UNPROCESSABLE_ENTITY),
        ("?after=", StatusCode::UNPROCESSABLE_ENTITY),
        ("?after=1&after=2", StatusCode::UNPROCESSABLE_ENTITY),
        ("?since=1", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        problem(open_events(&server, query, None), status);
    }
}

#[test]
fn a_head_request_opens_no_stream() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    // alice's desktop has the most streams an agent may have open: a ninth would end the oldest.
    let streams: Vec<_> = (0..8)
        .map(|_| follow(&server, ALICE, "alice", None))
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    for path in ["/v1/agents/alice/events", "/v1/events"] {
        let reply = client()
            .head(server.url(path))
            .bearer_auth(ADMIN)
            .send()
            .expect("a reply");
        assert_eq!(reply.status(), StatusCode::OK, "{path}");
        assert_eq!(
            reply.headers()["content-type"],
            "text/event-stream",
            "{path}"
        );
    }
    let reply = client()
        .head(server.url("/v1/agents/nobody/events"))
        .bearer_auth(ADMIN)
        .send()
        .expect("a reply");
    assert_eq!(reply.status(), StatusCode::NOT_FOUND);
    // Every stream is still open: the oldest hears alice's offer.
    create(&server, "w1");
    let ready = json!({ "state": "ready" });
    ok(send(
        &server,
        "PUT",
        "/v1/agents/alice/state",
        ALICE,
        Some(ready),
    ));
    assert_eq!(next(&streams[0]).event, "offer");
}
