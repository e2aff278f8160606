//! Every transition of a live workitem and agent (SPEC §9.2-9.3) over real HTTP on loopback, each in its
//! own test, on a `--clock test` server: what the workitem shows, what its history says and which event
//! its agent's desktop gets. The happy path and the errors of every endpoint are in `serve_live.rs`; the
//! whole against a replay in `serve_equals_replay.rs`.

mod serve_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use serve_support::*;
use std::path::Path;
use std::sync::mpsc::Receiver;

/// A workitem of the sample that waits in the skill cascade (`route_skill`, 120 s), then the group and
/// the default group: unrouted after 360 s.
fn insurance(id: &str) -> Value {
    json!({ "id": id, "userdata": { "GTR_level1": "Insurance", "caseNumber": id } })
}

fn create(server: &Server, body: Value) -> Value {
    let reply = send(server, "POST", "/v1/workitems", CRM, Some(body));
    assert_eq!(reply.status(), StatusCode::CREATED);
    reply.json().expect("JSON")
}

fn workitem(server: &Server, id: &str) -> Value {
    ok(send(
        server,
        "GET",
        &format!("/v1/workitems/{id}"),
        CRM,
        None,
    ))
}

fn set_state(server: &Server, token: &str, agent: &str, state: &str) -> Value {
    let path = format!("/v1/agents/{agent}/state");
    ok(send(
        server,
        "PUT",
        &path,
        token,
        Some(json!({ "state": state })),
    ))
}

fn advance(server: &Server, by_s: f64) {
    let body = json!({ "by_s": by_s });
    ok(send(server, "POST", "/v1/clock/advance", ADMIN, Some(body)));
}

/// The next event of a desktop's stream, which must be `kind`.
fn expect(events: &Receiver<Sse>, kind: &str) -> Value {
    let event = next(events);
    assert_eq!(event.event, kind, "{}", event.data);
    event.data
}

fn answer(server: &Server, token: &str, offer: &Value, how: &str) -> Value {
    let offer = offer["offer"].as_str().expect("an offer id");
    ok(send(
        server,
        "POST",
        &format!("/v1/offers/{offer}/{how}"),
        token,
        None,
    ))
}

/// w1 and w2 created, alice ready accepts w1 (capacity 1): her desktop's stream and the `assigned` event.
fn alice_holds_w1_and_w2_waits(server: &Server) -> (Receiver<Sse>, Value) {
    let alice = follow(server, ALICE, "alice", None);
    create(server, insurance("w1"));
    create(server, insurance("w2"));
    set_state(server, ALICE, "alice", "ready");
    answer(server, ALICE, &expect(&alice, "offer"), "accept");
    let assigned = expect(&alice, "assigned");
    assert_eq!(assigned["workitem"], "w1");
    (alice, assigned)
}

#[test]
fn an_offer_left_to_expire_puts_the_agent_not_ready_and_the_workitem_back_in_its_place() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let (alice, bob) = (
        follow(&server, ALICE, "alice", None),
        follow(&server, BOB, "bob", None),
    );
    create(&server, insurance("w1"));
    advance(&server, 5.0);
    create(&server, insurance("w2"));
    set_state(&server, ALICE, "alice", "ready");
    let offer = expect(&alice, "offer");
    assert_eq!(
        (offer["workitem"].as_str(), offer["expires_s"].as_f64()),
        (Some("w1"), Some(35.0)),
        "the oldest first, for offer_timeout_s (30 s by default)"
    );
    assert_eq!(workitem(&server, "w1")["state"], "offered");

    advance(&server, 30.0);
    let rescinded = expect(&alice, "offer_rescinded");
    assert_eq!(rescinded["offer"], offer["offer"]);
    assert_eq!(rescinded["reason"], "expired");
    let agent = ok(send(&server, "GET", "/v1/agents/alice", ALICE, None));
    assert_eq!(
        (agent["state"].as_str(), agent["reason"].as_str()),
        (Some("not_ready"), Some("not_responding"))
    );
    // Back in its block with its deadline: the offer's 30 s counted against its 120.
    let w1 = workitem(&server, "w1");
    assert_eq!(
        (w1["state"].as_str(), w1["block"].as_str()),
        (Some("waiting"), Some("route_skill"))
    );
    assert_eq!(w1["deadline_s"], 120.0);
    assert_eq!(w1["offer"], Value::Null);
    // The expired offer cannot be answered any more.
    let path = format!("/v1/offers/{}/accept", offer["offer"].as_str().expect("id"));
    problem(
        send(&server, "POST", &path, ALICE, None),
        StatusCode::NOT_FOUND,
    );

    // Bob is offered w1 before the younger w2: it kept its place, and its age.
    set_state(&server, BOB, "bob", "ready");
    let offer = expect(&bob, "offer");
    assert_eq!(offer["workitem"], "w1");
    let assigned = answer(&server, BOB, &offer, "accept");
    assert_eq!(assigned["outcome"]["wait_s"], 35.0);
    assert_eq!(
        history(&server, "w1"),
        [
            "created",
            "waiting",
            "offered",
            "offer_rescinded",
            "offered",
            "offer_accepted",
            "assigned",
            "ended"
        ]
    );
}

#[test]
fn stopping_an_offered_workitem_rescinds_its_offer() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let alice = follow(&server, ALICE, "alice", None);
    set_state(&server, ALICE, "alice", "ready");
    create(&server, insurance("w1"));
    let offer = expect(&alice, "offer");
    let stopped = ok(send(&server, "POST", "/v1/workitems/w1/stop", CRM, None));
    assert_eq!(stopped["state"], "stopped");
    assert_eq!(stopped["outcome"]["outcome"], "stopped");
    let rescinded = expect(&alice, "offer_rescinded");
    assert_eq!(
        (&rescinded["offer"], rescinded["reason"].as_str()),
        (&offer["offer"], Some("stopped"))
    );
    // The offer is gone, and alice is still ready (she did nothing wrong).
    let path = format!("/v1/offers/{}/accept", offer["offer"].as_str().expect("id"));
    problem(
        send(&server, "POST", &path, ALICE, None),
        StatusCode::NOT_FOUND,
    );
    let agent = ok(send(&server, "GET", "/v1/agents/alice", ALICE, None));
    assert_eq!(agent["state"], "ready");
    assert_eq!(agent["workitems"], json!([]));
    assert_eq!(
        history(&server, "w1"),
        [
            "created",
            "waiting",
            "offered",
            "offer_rescinded",
            "stopped",
            "ended"
        ]
    );
    // Stopping again returns the same state.
    let again = ok(send(&server, "POST", "/v1/workitems/w1/stop", CRM, None));
    assert_eq!(again["state"], "stopped");
}

#[test]
fn logging_out_withdraws_an_agents_offers() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let (alice, bob) = (
        follow(&server, ALICE, "alice", None),
        follow(&server, BOB, "bob", None),
    );
    set_state(&server, ALICE, "alice", "ready");
    create(&server, insurance("w1"));
    let offer = expect(&alice, "offer");
    let agent = set_state(&server, ALICE, "alice", "logged_out");
    assert_eq!(agent["state"], "logged_out");
    let rescinded = expect(&alice, "offer_rescinded");
    assert_eq!(
        (&rescinded["offer"], rescinded["reason"].as_str()),
        (&offer["offer"], Some("logged_out"))
    );
    assert_eq!(workitem(&server, "w1")["state"], "waiting");
    set_state(&server, BOB, "bob", "ready");
    assert_eq!(expect(&bob, "offer")["workitem"], "w1");
}

#[test]
fn stopping_an_assigned_workitem_tells_its_agent_and_frees_it() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let (alice, assigned) = alice_holds_w1_and_w2_waits(&server);
    assert_eq!(
        assigned["popup"]["url"], "https://crm.example.com/cases/w1",
        "the screen pop-up: the sample's integration, filled from the user data"
    );

    let stopped = ok(send(&server, "POST", "/v1/workitems/w1/stop", CRM, None));
    assert_eq!(stopped["state"], "stopped");
    assert_eq!(
        stopped["outcome"]["outcome"], "routed",
        "the flow had routed it"
    );
    assert_eq!(expect(&alice, "stopped")["workitem"], "w1");
    // Alice's capacity is free again: she is offered w2.
    assert_eq!(expect(&alice, "offer")["workitem"], "w2");
    // A stopped workitem cannot be marked done, by its agent or anyone.
    let done = send(&server, "POST", "/v1/workitems/w1/done", ALICE, None);
    assert_eq!(problem(done, StatusCode::CONFLICT)["state"], "stopped");
    assert_eq!(
        history(&server, "w1").last().map(String::as_str),
        Some("stopped")
    );
}

#[test]
fn marking_done_frees_the_agent_for_the_next_workitem() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let (alice, _) = alice_holds_w1_and_w2_waits(&server);
    let agent = ok(send(&server, "GET", "/v1/agents/alice", ALICE, None));
    assert_eq!(agent["workitems"], json!(["w1"]));
    // Capacity 1: w2 waits until alice marks w1 done.
    assert_eq!(workitem(&server, "w2")["state"], "waiting");
    let body = json!({ "disposition": "solved" });
    let done = ok(send(
        &server,
        "POST",
        "/v1/workitems/w1/done",
        ALICE,
        Some(body),
    ));
    assert_eq!(
        (done["state"].as_str(), done["disposition"].as_str()),
        (Some("done"), Some("solved"))
    );
    assert_eq!(expect(&alice, "offer")["workitem"], "w2");
}

#[test]
fn a_workitem_no_agent_takes_ends_unrouted_after_its_cascade() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    create(&server, insurance("w1"));
    let mut blocks = Vec::new();
    for _ in 0..3 {
        blocks.push(workitem(&server, "w1")["block"].clone());
        advance(&server, 120.0);
    }
    assert_eq!(
        blocks,
        [
            json!("route_skill"),
            json!("route_group"),
            json!("route_default_group")
        ]
    );
    let w1 = workitem(&server, "w1");
    assert_eq!(w1["state"], "unrouted");
    assert_eq!(w1["outcome"]["outcome"], "unrouted");
    assert_eq!(w1["ended_s"], 360.0);
    let waiting = ok(send(
        &server,
        "GET",
        "/v1/workitems?state=unrouted",
        CRM,
        None,
    ));
    assert_eq!(waiting[0]["id"], "w1");
    // Nothing can happen to it any more.
    let done = send(&server, "POST", "/v1/workitems/w1/done", CRM, None);
    assert_eq!(problem(done, StatusCode::CONFLICT)["state"], "unrouted");
    let patch = send(
        &server,
        "PATCH",
        "/v1/workitems/w1/userdata",
        CRM,
        Some(json!({ "note": "late" })),
    );
    problem(patch, StatusCode::CONFLICT);
}

#[test]
fn a_block_that_fails_ends_the_workitem_in_error_and_the_server_goes_on() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let flow = root.join("tests/flows/flows/vip_options.yaml");
    let dir = tempfile::tempdir().expect("a directory");
    let center = dir.path().join("center.yaml");
    let agents = "agents:\n  - { id: alice, groups: [pool], capacity: 10, auto_accept: true }\n";
    std::fs::write(&center, agents).expect("written");
    let server = test_clock_server(&flow, &center, dir.path(), &[]);
    let failed = create(
        &server,
        json!({ "id": "w1", "userdata": { "variant": "fraction", "CRM_Tier": "gold" } }),
    );
    assert_eq!(failed["state"], "error");
    let error = failed["outcome"]["error"].as_str().expect("an error");
    assert!(
        error.contains("gold_boost is 2.5, not a whole number"),
        "{error}"
    );
    let fine = create(&server, json!({ "id": "w2", "userdata": {} }));
    assert_eq!(fine["state"], "waiting");
    set_state(&server, ALICE, "alice", "ready");
    assert_eq!(workitem(&server, "w2")["state"], "assigned");
    assert_eq!(history(&server, "w1"), ["created", "ended"]);
}

#[test]
fn resuming_after_events_no_longer_kept_is_a_conflict_not_a_hole() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let (alice, _) = alice_holds_w1_and_w2_waits(&server);
    // Events 1 (offer) and 2 (assigned) so far; five updates of 900 KB each are more than the 4 MiB
    // of user data kept: the oldest events are let go.
    let big = "x".repeat(900_000);
    for round in 0..5 {
        let body = json!({ "note": format!("{round}{big}") });
        ok(send(
            &server,
            "PATCH",
            "/v1/workitems/w1/userdata",
            CRM,
            Some(body),
        ));
        assert_eq!(expect(&alice, "userdata_updated")["workitem"], "w1");
    }
    let resume = |last: u64| {
        client()
            .get(server.url("/v1/agents/alice/events"))
            .bearer_auth(ALICE)
            .header("Last-Event-ID", last.to_string())
            .send()
            .expect("a reply")
    };
    let body = problem(resume(1), StatusCode::CONFLICT);
    let detail = body["detail"].as_str().expect("a detail");
    assert!(detail.contains("after 1: events"), "{detail}");
    // After the last event: nothing is missing.
    assert_eq!(resume(7).status(), StatusCode::OK);
    // Past the last event: no id of this stream.
    problem(resume(8), StatusCode::CONFLICT);
}
