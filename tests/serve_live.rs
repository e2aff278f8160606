//! The live API over real HTTP on loopback (SPEC §9.2-9.3), against the binary on the shipped sample
//! with `--clock test`: a scripted CRM creates, updates, stops and marks workitems done; agent desktops
//! set their state, follow their Server-Sent Events and answer offers. Every endpoint's errors too.

mod serve_support;

use reqwest::StatusCode;
use reqwest::header::{ETAG, LOCATION};
use serde_json::{Value, json};
use serve_support::*;

#[test]
fn a_crm_and_agent_desktops_run_the_sample_live() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let alice = follow(&server, ALICE, "alice", None);

    // The CRM creates a workitem: it waits in the skill cascade.
    let body =
        json!({ "id": "case-1", "userdata": { "GTR_level1": "Insurance", "caseNumber": "CS1" } });
    let reply = send(&server, "POST", "/v1/workitems", CRM, Some(body.clone()));
    assert_eq!(reply.status(), StatusCode::CREATED);
    assert_eq!(reply.headers()[LOCATION], "/v1/workitems/case-1");
    let etag = reply.headers()[ETAG].to_str().expect("ASCII").to_owned();
    let created: Value = reply.json().expect("JSON");
    assert_eq!(created["state"], "waiting");
    assert_eq!(created["block"], "route_skill");
    assert_eq!(created["deadline_s"], 120.0);
    // Sent again (a retry): the same workitem; with another body: a conflict.
    let again = send(&server, "POST", "/v1/workitems", CRM, Some(body));
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.json::<Value>().expect("JSON")["id"], "case-1");
    let other = json!({ "id": "case-1", "userdata": {} });
    let conflict = send(&server, "POST", "/v1/workitems", CRM, Some(other));
    problem(conflict, StatusCode::CONFLICT);

    // Alice gets ready and is offered it; Bob's token cannot answer Alice's offer.
    let ready = json!({ "state": "ready" });
    let reply = send(
        &server,
        "PUT",
        "/v1/agents/alice/state",
        ALICE,
        Some(ready.clone()),
    );
    assert_eq!(ok(reply)["state"], "ready");
    let offer = next(&alice);
    assert_eq!((offer.event.as_str(), offer.id), ("offer", 1));
    assert_eq!(offer.data["workitem"], "case-1");
    assert_eq!(
        offer.data["userdata"]["overrideKey"],
        "GTR_3rdPartyIntegration"
    );
    let offer_id = offer.data["offer"]
        .as_str()
        .expect("an offer id")
        .to_owned();
    let accept = format!("/v1/offers/{offer_id}/accept");
    problem(
        send(&server, "POST", &accept, BOB, None),
        StatusCode::FORBIDDEN,
    );
    let assigned = ok(send(&server, "POST", &accept, ALICE, None));
    assert_eq!(assigned["state"], "assigned");
    assert_eq!(assigned["agent"], "alice");
    assert_eq!(assigned["outcome"]["outcome"], "routed");
    assert_eq!(next(&alice).event, "assigned");
    // The answered offer is gone.
    problem(
        send(&server, "POST", &accept, ALICE, None),
        StatusCode::NOT_FOUND,
    );

    // The CRM updates the case: a stale ETag is refused, the current one taken; Alice is told.
    let path = "/v1/workitems/case-1/userdata";
    let stale = client()
        .patch(server.url(path))
        .bearer_auth(CRM)
        .header("If-Match", "\"r0\"")
        .json(&json!({ "status": "escalated" }))
        .send()
        .expect("a reply");
    let body = problem(stale, StatusCode::PRECONDITION_FAILED);
    assert!(body["revision"].is_u64(), "{body}");
    let current = ok(send(&server, "GET", "/v1/workitems/case-1", CRM, None));
    let revision = current["revision"].as_u64().expect("a revision");
    assert_eq!(
        etag,
        format!("\"r{revision}\""),
        "unchanged since it was created"
    );
    let patched = client()
        .patch(server.url(path))
        .bearer_auth(CRM)
        .header("If-Match", format!("\"r{revision}\""))
        .json(&json!({ "status": "escalated" }))
        .send()
        .expect("a reply");
    assert_eq!(ok(patched)["userdata"]["status"], "escalated");
    let updated = next(&alice);
    assert_eq!(updated.event, "userdata_updated");
    assert_eq!(updated.data["userdata"]["status"], "escalated");

    // Alice marks it done (Bob may not); done again changes nothing.
    let done = "/v1/workitems/case-1/done";
    let disposition = json!({ "disposition": "resolved" });
    problem(
        send(&server, "POST", done, BOB, Some(disposition.clone())),
        StatusCode::FORBIDDEN,
    );
    let marked = ok(send(&server, "POST", done, ALICE, Some(disposition)));
    assert_eq!(
        (marked["state"].as_str(), marked["disposition"].as_str()),
        (Some("done"), Some("resolved"))
    );
    assert_eq!(ok(send(&server, "POST", done, CRM, None))["state"], "done");
    let events = history(&server, "case-1");
    assert_eq!(
        events,
        [
            "created",
            "waiting",
            "offered",
            "offer_accepted",
            "assigned",
            "ended",
            "userdata_updated",
            "done"
        ]
    );

    // A second case: Alice rejects its offer and is put not ready; it waits out its cascades on the
    // test clock, and the CRM stops it.
    let body = json!({ "id": "case-2", "userdata": {} });
    assert_eq!(
        send(&server, "POST", "/v1/workitems", CRM, Some(body)).status(),
        StatusCode::CREATED
    );
    let offer = next(&alice);
    assert_eq!(offer.data["workitem"], "case-2");
    let reject = format!(
        "/v1/offers/{}/reject",
        offer.data["offer"].as_str().expect("id")
    );
    assert_eq!(
        ok(send(&server, "POST", &reject, ALICE, None))["state"],
        "waiting"
    );
    let agent = ok(send(&server, "GET", "/v1/agents/alice", ALICE, None));
    assert_eq!(
        (agent["state"].as_str(), agent["reason"].as_str()),
        (Some("not_ready"), Some("not_responding"))
    );
    let advance = json!({ "by_s": 130 });
    problem(
        send(
            &server,
            "POST",
            "/v1/clock/advance",
            CRM,
            Some(advance.clone()),
        ),
        StatusCode::FORBIDDEN,
    );
    let clock = ok(send(
        &server,
        "POST",
        "/v1/clock/advance",
        ADMIN,
        Some(advance),
    ));
    assert_eq!(clock["now_s"], 130.0);
    let waiting = ok(send(
        &server,
        "GET",
        "/v1/workitems?state=waiting",
        CRM,
        None,
    ));
    assert_eq!(waiting[0]["block"], "route_group", "{waiting}");
    let queues = ok(send(&server, "GET", "/v1/queues", ADMIN, None));
    assert_eq!(queues[0]["waiting"], 1, "{queues}");
    let stopped = ok(send(
        &server,
        "POST",
        "/v1/workitems/case-2/stop",
        CRM,
        None,
    ));
    assert_eq!(stopped["state"], "stopped");
    assert_eq!(stopped["outcome"]["outcome"], "stopped");
    // Marking a stopped workitem done is a conflict that says its state.
    let conflict = problem(
        send(&server, "POST", "/v1/workitems/case-2/done", CRM, None),
        StatusCode::CONFLICT,
    );
    assert_eq!(conflict["state"], "stopped");

    // Reconnecting after event 1 replays the events after it.
    let resumed = follow(&server, ALICE, "alice", Some(1));
    let replayed: Vec<u64> = (0..3).map(|_| next(&resumed).id).collect();
    assert_eq!(replayed, [2, 3, 4]);
}

#[test]
fn every_endpoint_refuses_bad_requests_with_a_problem() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &["--max-body", "2048"]);
    let client = client();
    let create = |body: &str| {
        client
            .post(server.url("/v1/workitems"))
            .bearer_auth(CRM)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .expect("a reply")
    };
    let body = problem(
        create("{\"userdata\": {}, \"colour\": 1}"),
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_eq!(body["field"], "/colour");
    let body = problem(
        create("{\"userdata\": {}, \"priority\": \"high\"}"),
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_eq!(body["field"], "/priority");
    problem(create("{\"userdata\": "), StatusCode::BAD_REQUEST);
    let big = format!("{{\"userdata\": {{\"note\": \"{}\"}}}}", "x".repeat(4096));
    problem(create(&big), StatusCode::PAYLOAD_TOO_LARGE);
    let body = problem(
        create("{\"userdata\": {}, \"flow\": \"other\"}"),
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_eq!(body["field"], "/flow");
    // No token, a token of the wrong role.
    let anonymous = client
        .get(server.url("/v1/workitems"))
        .send()
        .expect("a reply");
    problem(anonymous, StatusCode::UNAUTHORIZED);
    problem(
        send(
            &server,
            "POST",
            "/v1/workitems",
            ALICE,
            Some(json!({ "userdata": {} })),
        ),
        StatusCode::FORBIDDEN,
    );
    problem(
        send(
            &server,
            "PUT",
            "/v1/agents/alice/state",
            BOB,
            Some(json!({ "state": "ready" })),
        ),
        StatusCode::FORBIDDEN,
    );
    // Unknown workitems, agents and offers.
    for (method, path, body) in [
        ("GET", "/v1/workitems/nope", None),
        ("GET", "/v1/workitems/nope/history", None),
        ("POST", "/v1/workitems/nope/stop", None),
        ("POST", "/v1/workitems/nope/done", None),
        (
            "PATCH",
            "/v1/workitems/nope/userdata",
            Some(json!({ "a": 1 })),
        ),
        (
            "PUT",
            "/v1/agents/nobody/state",
            Some(json!({ "state": "ready" })),
        ),
        ("GET", "/v1/agents/nobody", None),
        ("GET", "/v1/agents/nobody/events", None),
        ("POST", "/v1/offers/o9/accept", None),
        ("POST", "/v1/offers/o9/reject", None),
    ] {
        let reply = send(&server, method, path, ADMIN, body);
        assert_eq!(reply.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    // Bad values: an unknown agent state, an unknown list filter, a negative clock move.
    let body = problem(
        send(
            &server,
            "PUT",
            "/v1/agents/alice/state",
            ALICE,
            Some(json!({ "state": "away" })),
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_eq!(body["field"], "/state");
    problem(
        send(&server, "GET", "/v1/workitems?state=lost", CRM, None),
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    problem(
        send(
            &server,
            "POST",
            "/v1/clock/advance",
            ADMIN,
            Some(json!({ "by_s": -1 })),
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    // A stale revision; user data of an ended workitem.
    ok(send(
        &server,
        "POST",
        "/v1/workitems",
        CRM,
        Some(json!({ "id": "w", "userdata": {} })),
    ));
    let stale = client
        .patch(server.url("/v1/workitems/w/userdata"))
        .bearer_auth(CRM)
        .header("If-Match", "\"r99\"")
        .json(&json!({ "a": 1 }))
        .send()
        .expect("a reply");
    problem(stale, StatusCode::PRECONDITION_FAILED);
    ok(send(&server, "POST", "/v1/workitems/w/stop", CRM, None));
    problem(
        send(
            &server,
            "PATCH",
            "/v1/workitems/w/userdata",
            CRM,
            Some(json!({ "a": 1 })),
        ),
        StatusCode::CONFLICT,
    );
}

#[test]
fn the_real_clock_cannot_be_moved() {
    let dir = tempfile::tempdir().expect("a directory");
    let tokens = tokens_file(
        dir.path(),
        &format!("- {{ role: admin, sha256: {} }}\n", sha256_hex(ADMIN)),
    );
    let server = Server::start(&["--tokens", tokens.to_str().expect("UTF-8")]);
    let clock = ok(send(&server, "GET", "/v1/clock", ADMIN, None));
    assert_eq!(clock["clock"], "real");
    assert!(clock["now_s"].as_f64().expect("a time") > 1.7e9, "{clock}");
    problem(
        send(
            &server,
            "POST",
            "/v1/clock/advance",
            ADMIN,
            Some(json!({ "by_s": 1 })),
        ),
        StatusCode::CONFLICT,
    );
}

/// A workitem created by the CRM with `body`: the reply.
fn create(server: &Server, body: &Value) -> reqwest::blocking::Response {
    send(server, "POST", "/v1/workitems", CRM, Some(body.clone()))
}

#[test]
fn a_priority_is_a_whole_number_however_it_is_written() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    // JSON has one number type: `3.0` and `1e3` are whole numbers, as in a replay's workitem lines.
    for (id, priority, read) in [
        ("p1", json!(3.0), 3),
        ("p2", json!(1e3), 1000),
        ("p3", json!(-2.0), -2),
        ("p4", json!(i64::MAX), i64::MAX),
        ("p5", json!(i64::MIN), i64::MIN),
    ] {
        let body = json!({ "id": id, "priority": priority, "userdata": {} });
        let created = ok(create(&server, &body));
        assert_eq!(created["priority"], read, "{priority}");
    }
    // Not whole, past i64, or written as a double past 2^53 (where it may not be the number written).
    for priority in [
        "1.5",
        "9223372036854775808",
        "-9223372036854775809",
        "1e300",
        "9007199254740994.0",
    ] {
        let reply = client()
            .post(server.url("/v1/workitems"))
            .bearer_auth(CRM)
            .header("content-type", "application/json")
            .body(format!("{{\"priority\": {priority}, \"userdata\": {{}}}}"))
            .send()
            .expect("a reply");
        let body = problem(reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["field"], "/priority", "{priority}: {body}");
    }
}

#[test]
fn an_idempotency_key_is_visible_ascii() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let with_key = |key: &str| {
        client()
            .post(server.url("/v1/workitems"))
            .bearer_auth(CRM)
            .header("Idempotency-Key", key)
            .json(&json!({ "userdata": {} }))
            .send()
            .expect("a reply")
    };
    for key in ["two words", "tab\there", &"k".repeat(256)] {
        problem(with_key(key), StatusCode::BAD_REQUEST);
    }
    let first = ok(with_key("order-1/retry~ok"));
    let again = ok(with_key("order-1/retry~ok"));
    assert_eq!(first["id"], again["id"]);
}

#[test]
fn if_match_takes_a_star_or_one_strong_entity_tag() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    ok(create(&server, &json!({ "id": "w", "userdata": {} })));
    let patch = |id: &str, if_match: &str| {
        client()
            .patch(server.url(&format!("/v1/workitems/{id}/userdata")))
            .bearer_auth(CRM)
            .header("If-Match", if_match)
            .json(&json!({ "note": if_match }))
            .send()
            .expect("a reply")
    };
    // Not `*` nor one entity tag: malformed, 400.
    for malformed in ["", "r0", "0", "\"r0", "\"r0\", \"r1\"", "W/r0", "\"a\"b\""] {
        problem(patch("w", malformed), StatusCode::BAD_REQUEST);
    }
    // Entity tags that match no revision: the current one but weak (If-Match compares strongly),
    // one this server never gives, a revision past any; the workitem must exist all the same.
    let current = ok(send(&server, "GET", "/v1/workitems/w", CRM, None))["revision"]
        .as_u64()
        .expect("a revision");
    let weak = format!("W/\"r{current}\"");
    for never in [&weak, "\"abc\"", "\"r\"", "\"r99999999999999999999\""] {
        problem(patch("w", never), StatusCode::PRECONDITION_FAILED);
    }
    problem(patch("nope", "\"abc\""), StatusCode::NOT_FOUND);
    // The current revision, and `*`.
    let patched = ok(patch("w", &format!("\"r{current}\"")));
    assert_eq!(patched["revision"], current + 1);
    let patched = ok(patch("w", "*"));
    assert_eq!(patched["revision"], current + 2);
}

#[test]
fn last_event_id_is_an_event_id() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let events = |last: &str| {
        client()
            .get(server.url("/v1/agents/alice/events"))
            .bearer_auth(ALICE)
            .header("Last-Event-ID", last)
            .send()
            .expect("a reply")
    };
    // Digits only, up to 2^63-1 (the document's int64).
    for bad in ["+1", "-1", "1.0", "x", "9223372036854775808"] {
        problem(events(bad), StatusCode::BAD_REQUEST);
    }
    // A well-formed id this stream never gave: a conflict (the desktop knew another stream).
    let body = problem(events("9223372036854775807"), StatusCode::CONFLICT);
    assert!(
        body["detail"]
            .as_str()
            .expect("a detail")
            .contains("none are kept"),
        "{body}"
    );
    assert_eq!(events("0").status(), StatusCode::OK);
}

#[test]
fn mark_done_takes_null_for_no_body_and_wants_json() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let body = json!({ "id": "case", "userdata": { "GTR_level1": "Insurance" } });
    ok(create(&server, &body));
    let ready = json!({ "state": "ready" });
    ok(send(
        &server,
        "PUT",
        "/v1/agents/alice/state",
        ADMIN,
        Some(ready),
    ));
    let offered = ok(send(&server, "GET", "/v1/workitems/case", ADMIN, None));
    let offer = offered["offer"].as_str().expect("offered to alice");
    let accept = format!("/v1/offers/{offer}/accept");
    assert_eq!(
        ok(send(&server, "POST", &accept, ADMIN, None))["state"],
        "assigned"
    );
    let done = |content_type: &str, body: &str| {
        client()
            .post(server.url("/v1/workitems/case/done"))
            .bearer_auth(ALICE)
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .expect("a reply")
    };
    // A body that is not declared JSON is refused as every other endpoint refuses it.
    problem(
        done("text/plain", "{\"disposition\": \"x\"}"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    );
    let body = problem(
        done("application/json", "[]"),
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_eq!(body["field"], "", "{body}");
    // `null` is no disposition, as no body is.
    let marked = ok(done("application/json", "null"));
    assert_eq!(marked["state"], "done");
    assert_eq!(marked["disposition"], Value::Null);
}

#[test]
fn a_test_clock_at_its_end_is_a_conflict_not_a_bad_value() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    // Each move is in range (0 to 4e9 s); once the test clock would pass its end, the refusal is
    // about the clock's state: 409 with the clock unmoved, never 422 (the value is good) nor a 5xx.
    let mut refused = false;
    for _ in 0..4 {
        let before = ok(send(&server, "GET", "/v1/clock", ADMIN, None))["now_s"].clone();
        let reply = send(
            &server,
            "POST",
            "/v1/clock/advance",
            ADMIN,
            Some(json!({ "by_s": 4e9 })),
        );
        if reply.status() == StatusCode::OK {
            assert!(!refused, "the clock moved again after its end");
            continue;
        }
        problem(reply, StatusCode::CONFLICT);
        let after = ok(send(&server, "GET", "/v1/clock", ADMIN, None))["now_s"].clone();
        assert_eq!(before, after);
        refused = true;
    }
}

#[test]
fn the_location_of_a_workitem_is_its_id_percent_encoded() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let body = json!({ "id": "case?1/2#3é", "userdata": {} });
    let reply = send(&server, "POST", "/v1/workitems", CRM, Some(body));
    assert_eq!(reply.status(), StatusCode::CREATED);
    let location = reply.headers()[LOCATION]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert_eq!(location, "/v1/workitems/case%3F1%2F2%233%C3%A9");
    assert_eq!(
        ok(send(&server, "GET", &location, CRM, None))["id"],
        "case?1/2#3é"
    );
}
