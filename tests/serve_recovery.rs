//! Durability (SPEC §9.5, issue 16) over real HTTP on loopback: a `routeflow serve` killed with
//! `kill -9` and started again on the same data directory shows every acknowledged change, in the state
//! it was acknowledged in; a second server on the same directory, a journal of the other clock and an
//! entry that cannot be read are refused with a message.

mod serve_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use serve_support::*;
use std::path::Path;

/// A test-clock server on the sample with the data directory `data`, once ready.
fn start(data: &Path, dir: &Path) -> Server {
    ready_server(Path::new(FLOW), data, dir, &[])
}

fn get(server: &Server, path: &str) -> Value {
    ok(send(server, "GET", path, ADMIN, None))
}

fn insurance(id: &str) -> Value {
    json!({ "id": id, "userdata": { "GTR_level1": "Insurance", "caseNumber": id } })
}

#[test]
fn a_server_killed_and_started_again_shows_every_acknowledged_change() {
    let dir = tempfile::tempdir().expect("a directory");
    let data = dir.path().join("data");
    let server = start(&data, dir.path());
    let alice = follow(&server, ALICE, "alice", None);
    for id in ["w1", "w2", "w3"] {
        let reply = send(&server, "POST", "/v1/workitems", CRM, Some(insurance(id)));
        assert_eq!(reply.status(), StatusCode::CREATED);
        send(
            &server,
            "POST",
            "/v1/clock/advance",
            ADMIN,
            Some(json!({ "by_s": 10 })),
        );
    }
    // w1 assigned to alice, w2 and w3 offered to bob (capacity 2), w3 updated; a stopped one.
    let ready = json!({ "state": "ready" });
    ok(send(
        &server,
        "PUT",
        "/v1/agents/alice/state",
        ALICE,
        Some(ready.clone()),
    ));
    let offer = next(&alice);
    let accept = format!(
        "/v1/offers/{}/accept",
        offer.data["offer"].as_str().expect("id")
    );
    ok(send(&server, "POST", &accept, ALICE, None));
    ok(send(
        &server,
        "PUT",
        "/v1/agents/bob/state",
        BOB,
        Some(ready),
    ));
    let patch = json!({ "note": "called back" });
    ok(send(
        &server,
        "PATCH",
        "/v1/workitems/w3/userdata",
        CRM,
        Some(patch),
    ));
    ok(send(
        &server,
        "POST",
        "/v1/workitems",
        CRM,
        Some(insurance("w4")),
    ));
    ok(send(&server, "POST", "/v1/workitems/w4/stop", CRM, None));
    let before: Vec<Value> = ["w1", "w2", "w3", "w4"]
        .iter()
        .map(|id| get(&server, &format!("/v1/workitems/{id}")))
        .collect();
    let w2_offer = before[1]["offer"].clone();
    assert_eq!(
        (before[1]["state"].as_str(), before[1]["agent"].as_str()),
        (Some("offered"), Some("bob"))
    );
    let clock = get(&server, "/v1/clock");
    let agents = get(&server, "/v1/agents");
    kill_9(server);

    let server = start(&data, dir.path());
    assert!(
        server
            .stderr()
            .contains("recovered 4 workitems (2 waiting)"),
        "{}",
        server.stderr()
    );
    assert_eq!(
        get(&server, "/v1/clock"),
        clock,
        "the test clock resumes where it was"
    );
    for (id, was) in ["w1", "w2", "w3", "w4"].iter().zip(&before) {
        let mut now = get(&server, &format!("/v1/workitems/{id}"));
        let mut was = was.clone();
        if was["state"] == "offered" {
            // The pending offer is rescinded and made again, to the same agent (still the best
            // candidate: bob, with room for two).
            assert_ne!(now["offer"], was["offer"], "{id}: a new offer");
            now["offer"] = Value::Null;
            was["offer"] = Value::Null;
        }
        assert_eq!(
            now, was,
            "{id}: same state, block, deadline, user data, revision"
        );
    }
    assert_eq!(
        history(&server, "w2"),
        [
            "created",
            "waiting",
            "offered",
            "offer_rescinded",
            "offered"
        ]
    );
    let events = get(&server, "/v1/workitems/w2/history");
    assert_eq!(events[3]["data"]["reason"], "restarted");
    assert_eq!(get(&server, "/v1/agents"), agents, "agents as they were");
    // Bob's desktop, reconnecting after what it saw (two offers, w3's update), is told of the new
    // offers.
    let bob = follow(&server, BOB, "bob", Some(3));
    let told: Vec<(u64, String, Value)> = (0..4)
        .map(|_| next(&bob))
        .map(|event| (event.id, event.event, event.data["workitem"].clone()))
        .collect();
    assert_eq!(
        told,
        [
            (4, "offer_rescinded".to_owned(), json!("w2")),
            (5, "offer".to_owned(), json!("w2")),
            (6, "offer_rescinded".to_owned(), json!("w3")),
            (7, "offer".to_owned(), json!("w3")),
        ]
    );
    // It goes on from there: the new offer is accepted, and the old one is gone.
    let w2 = get(&server, "/v1/workitems/w2");
    let old = format!("/v1/offers/{}/accept", w2_offer.as_str().expect("id"));
    problem(
        send(&server, "POST", &old, BOB, None),
        StatusCode::NOT_FOUND,
    );
    let new = format!("/v1/offers/{}/accept", w2["offer"].as_str().expect("id"));
    assert_eq!(
        ok(send(&server, "POST", &new, BOB, None))["state"],
        "assigned"
    );
    // A create acknowledged after the restart is there after the next one.
    ok(send(
        &server,
        "POST",
        "/v1/workitems",
        CRM,
        Some(insurance("w5")),
    ));
    kill_9(server);
    let server = start(&data, dir.path());
    assert_eq!(get(&server, "/v1/workitems/w2")["state"], "assigned");
    assert_eq!(get(&server, "/v1/workitems/w5")["state"], "waiting");
}

/// A data directory whose journal holds a start and an acknowledged create, its server killed.
fn journal_of_one_create(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    let server = start(&data, dir);
    ok(send(
        &server,
        "POST",
        "/v1/workitems",
        CRM,
        Some(insurance("w1")),
    ));
    kill_9(server);
    data
}

#[test]
fn a_second_server_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().expect("a directory");
    let data = dir.path().join("data");
    let _first = start(&data, dir.path());
    let (code, _, stderr) = run(serve_sample(&data).args(["--clock", "test"]));
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("is in use by another routeflow serve"),
        "{stderr}"
    );
}

#[test]
fn a_journal_of_the_test_clock_is_not_run_on_the_real_clock() {
    let dir = tempfile::tempdir().expect("a directory");
    let data = journal_of_one_create(dir.path());
    let (code, _, stderr) = run(serve_sample(&data).args(["--clock", "real"]));
    assert_eq!(code, Some(1));
    assert!(
        stderr
            .contains("written by a server on the test clock; start this one with `--clock test`"),
        "{stderr}"
    );
}

#[test]
fn a_journal_entry_that_cannot_be_read_stops_the_start_with_its_number() {
    let dir = tempfile::tempdir().expect("a directory");
    let data = journal_of_one_create(dir.path());
    let journal = rusqlite::Connection::open(data.join("journal.sqlite")).expect("opens");
    // The entries: the flow published, the server started, the workitem created.
    let seq: i64 = journal
        .query_row("SELECT seq FROM entries WHERE kind = 'create'", [], |row| {
            row.get(0)
        })
        .expect("the create is journaled");
    journal
        .execute(
            "UPDATE entries SET data = '{\"change\":\"teleport\"}' WHERE seq = ?1",
            [seq],
        )
        .expect("updated");
    drop(journal);
    let (code, _, stderr) = run(serve_sample(&data).args(["--clock", "test"]));
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(&format!(
            "cannot recover from the journal: entry {seq} (`create`) of the journal cannot be read"
        )),
        "{stderr}"
    );
}

#[test]
fn a_graceful_stop_keeps_everything_and_the_next_start_goes_on() {
    let dir = tempfile::tempdir().expect("a directory");
    let data = dir.path().join("data");
    let mut server = start(&data, dir.path());
    let alice = follow(&server, ALICE, "alice", None);
    ok(send(
        &server,
        "POST",
        "/v1/workitems",
        CRM,
        Some(insurance("w1")),
    ));
    ok(send(
        &server,
        "POST",
        "/v1/workitems",
        CRM,
        Some(insurance("w2")),
    ));
    let ready = json!({ "state": "ready" });
    ok(send(
        &server,
        "PUT",
        "/v1/agents/alice/state",
        ALICE,
        Some(ready),
    ));
    assert_eq!(next(&alice).event, "offer");
    let before = get(&server, "/v1/workitems/w2");
    let pid = server.child.id().to_string();
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(stopped.success());
    let status = server.child.wait().expect("the server ends");
    assert!(status.success(), "SIGTERM: exit 0, not {status:?}");

    let server = start(&data, dir.path());
    assert_eq!(
        get(&server, "/v1/workitems/w2"),
        before,
        "w2 waits as it did"
    );
    let w1 = get(&server, "/v1/workitems/w1");
    assert_eq!(
        (w1["state"].as_str(), w1["agent"].as_str()),
        (Some("offered"), Some("alice")),
        "w1's offer is made again"
    );
    assert_eq!(
        history(&server, "w1").last().map(String::as_str),
        Some("offered")
    );
}

#[test]
fn a_journal_that_fails_makes_the_server_refuse_changes_and_not_ready() {
    let dir = tempfile::tempdir().expect("a directory");
    let data = dir.path().join("data");
    let server = start(&data, dir.path());
    ok(send(
        &server,
        "POST",
        "/v1/workitems",
        CRM,
        Some(insurance("w1")),
    ));
    // The database is wrecked under the server (as a failing disk would make its commits fail).
    let journal = rusqlite::Connection::open(data.join("journal.sqlite")).expect("opens");
    journal.execute("DROP TABLE entries", []).expect("dropped");
    let failed = send(&server, "POST", "/v1/workitems", CRM, Some(insurance("w2")));
    let body = problem(failed, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body["detail"]
            .as_str()
            .expect("a detail")
            .contains("cannot journal changes"),
        "{body}"
    );
    let readyz = problem(
        send(&server, "GET", "/readyz", ADMIN, None),
        StatusCode::SERVICE_UNAVAILABLE,
    );
    assert!(
        readyz["detail"]
            .as_str()
            .expect("a detail")
            .contains("the journal failed")
    );
    // Nothing more is taken: not even applied.
    problem(
        send(&server, "POST", "/v1/workitems", CRM, Some(insurance("w3"))),
        StatusCode::SERVICE_UNAVAILABLE,
    );
    problem(
        send(&server, "GET", "/v1/workitems/w3", CRM, None),
        StatusCode::NOT_FOUND,
    );
}
