//! Agent Setup over HTTP (SPEC §9.4, issue 16), on loopback with the real binary: `PUT|DELETE
//! /v1/agents/{id}` create, replace and remove agents while the server runs; what routing offers
//! follows the new setup; every refusal is a problem; and a `kill -9` and a restart keep the setup
//! as it was acknowledged.

mod serve_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use serve_support::*;
use std::path::{Path, PathBuf};

/// A desktop token for an agent that is not in the center file (yet).
const ZOE: &str = "zoe's desktop token";

/// A center whose agents match nothing the sample's Insurance workitems ask for (`'english' > 1`,
/// then group `workitems`): workitems wait until the setup changes.
const CENTER_YAML: &str = "agents:
  - { id: alice, groups: [other], skills: { english: 1 } }
  - { id: bob, groups: [other], skills: { english: 1 }, capacity: 2 }
";

fn center(dir: &Path) -> PathBuf {
    let path = dir.join("center.yaml");
    std::fs::write(&path, CENTER_YAML).expect("the center is written");
    path
}

/// The arguments of a test-clock server with tokens for ADMIN, CRM, ALICE, BOB, VIEWER and ZOE.
fn args(dir: &Path, extra: &[&str]) -> Vec<String> {
    let args = test_clock_args(dir, extra);
    let tokens = std::fs::read_to_string(dir.join("tokens.yaml")).expect("the tokens file");
    let zoe = format!("- {{ role: agent:zoe, sha256: {} }}\n", sha256_hex(ZOE));
    std::fs::write(dir.join("tokens.yaml"), tokens + &zoe).expect("written");
    args
}

/// A ready test-clock server on the sample flow and [`CENTER_YAML`], with data directory `data`.
fn start(dir: &Path, data: &Path, extra: &[&str]) -> Server {
    let args = args(dir, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    wait_ready(Server::start_in(Path::new(FLOW), &center(dir), data, &args))
}

fn get(server: &Server, path: &str) -> Value {
    ok(send(server, "GET", path, ADMIN, None))
}

fn put_agent(server: &Server, id: &str, setup: Value) -> reqwest::blocking::Response {
    send(
        server,
        "PUT",
        &format!("/v1/agents/{id}"),
        ADMIN,
        Some(setup),
    )
}

fn set_state(server: &Server, agent: &str, state: &str) -> Value {
    let path = format!("/v1/agents/{agent}/state");
    ok(send(
        server,
        "PUT",
        &path,
        ADMIN,
        Some(json!({ "state": state })),
    ))
}

fn insurance(server: &Server, id: &str) -> Value {
    let body = json!({ "id": id, "userdata": { "GTR_level1": "Insurance", "caseNumber": id } });
    let reply = send(server, "POST", "/v1/workitems", CRM, Some(body));
    assert_eq!(reply.status(), StatusCode::CREATED);
    reply.json().expect("JSON")
}

fn ids(agents: &Value) -> Vec<&str> {
    agents
        .as_array()
        .expect("a list")
        .iter()
        .map(|agent| agent["id"].as_str().expect("an id"))
        .collect()
}

#[test]
fn an_agent_is_created_replaced_and_removed_and_the_same_put_again_changes_nothing() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    let setup = json!({
        "groups": ["gold_group", "workitems", "gold_group"],
        "skills": { "english": 9, "spanish": 3.0 },
        "capacity": 2,
    });
    let reply = put_agent(&server, "zoe", setup.clone());
    assert_eq!(reply.status(), StatusCode::CREATED);
    assert_eq!(
        reply.headers().get("location").map(|v| v.as_bytes()),
        Some(&b"/v1/agents/zoe"[..])
    );
    let created: Value = reply.json().expect("JSON");
    let expected = json!({
        "id": "zoe", "state": "logged_out", "reason": null, "since_s": null, "capacity": 2,
        "workitems": [],
        "auto_accept": false, "groups": ["gold_group", "workitems"],
        "skills": { "english": 9, "spanish": 3 },
    });
    assert_eq!(created, expected);
    assert_eq!(get(&server, "/v1/agents/zoe"), expected);
    assert_eq!(
        ids(&get(&server, "/v1/agents")),
        ["alice", "bob", "zoe"],
        "a new agent comes last"
    );

    // Again: 200, the same agent, nothing new.
    let reply = put_agent(&server, "zoe", setup);
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.json::<Value>().expect("JSON"), expected);

    // Replaced: members left out take their defaults; its state is kept.
    set_state(&server, "zoe", "not_ready");
    let reply = put_agent(
        &server,
        "zoe",
        json!({ "skills": { "french": 4 }, "auto_accept": true }),
    );
    assert_eq!(reply.status(), StatusCode::OK);
    let replaced: Value = reply.json().expect("JSON");
    assert_eq!(
        (
            &replaced["state"],
            &replaced["capacity"],
            &replaced["groups"],
            &replaced["skills"],
            &replaced["auto_accept"]
        ),
        (
            &json!("not_ready"),
            &json!(1),
            &json!([]),
            &json!({ "french": 4 }),
            &json!(true)
        )
    );
    // A replaced agent of the center file keeps its place in the order.
    ok(put_agent(
        &server,
        "alice",
        json!({ "skills": { "english": 2 } }),
    ));
    assert_eq!(ids(&get(&server, "/v1/agents")), ["alice", "bob", "zoe"]);
    assert_eq!(get(&server, "/v1/agents/alice")["groups"], json!([]));

    let reply = send(&server, "DELETE", "/v1/agents/zoe", ADMIN, None);
    assert_eq!(reply.status(), StatusCode::NO_CONTENT);
    problem(
        send(&server, "GET", "/v1/agents/zoe", ADMIN, None),
        StatusCode::NOT_FOUND,
    );
    assert_eq!(ids(&get(&server, "/v1/agents")), ["alice", "bob"]);
    // Its desktop can no longer set its state or follow it.
    problem(
        send(
            &server,
            "PUT",
            "/v1/agents/zoe/state",
            ZOE,
            Some(json!({ "state": "ready" })),
        ),
        StatusCode::NOT_FOUND,
    );
    // The id is free again: a new agent, logged out, last.
    assert_eq!(
        put_agent(&server, "zoe", json!({})).status(),
        StatusCode::CREATED
    );
    assert_eq!(get(&server, "/v1/agents/zoe")["state"], "logged_out");
}

#[test]
fn every_refusal_is_a_problem_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = start(dir.path(), &dir.path().join("data"), &["--max-body", "256"]);
    let before = get(&server, "/v1/agents");
    let setup = json!({ "skills": { "english": 5 } });

    // 401 without a token, or with one that is not the server's.
    let client = client();
    for method in [reqwest::Method::PUT, reqwest::Method::DELETE] {
        let reply = client
            .request(method.clone(), server.url("/v1/agents/zoe"))
            .json(&setup)
            .send()
            .expect("a reply");
        problem(reply, StatusCode::UNAUTHORIZED);
        let reply = send(
            &server,
            method.as_str(),
            "/v1/agents/bob",
            "not a token",
            Some(setup.clone()),
        );
        problem(reply, StatusCode::UNAUTHORIZED);
    }
    // 403 for every role but admin, the agent's own desktop included.
    for token in [CRM, VIEWER, ALICE, BOB] {
        let reply = send(&server, "PUT", "/v1/agents/bob", token, Some(setup.clone()));
        let body = problem(reply, StatusCode::FORBIDDEN);
        assert!(
            body["detail"].as_str().expect("a detail").contains("admin"),
            "{body}"
        );
        let reply = send(&server, "DELETE", "/v1/agents/bob", token, None);
        problem(reply, StatusCode::FORBIDDEN);
    }
    // 404: no such agent.
    problem(
        send(&server, "DELETE", "/v1/agents/nobody", ADMIN, None),
        StatusCode::NOT_FOUND,
    );
    // 422, naming the member at fault.
    let cases = [
        (json!({ "capacity": 0 }), "/capacity"),
        (json!({ "capacity": -1 }), "/capacity"),
        (json!({ "capacity": 1.5 }), "/capacity"),
        (json!({ "capacity": "2" }), "/capacity"),
        (
            json!({ "skills": { "english": "high" } }),
            "/skills/english",
        ),
        (json!({ "skills": { "english": 2.5 } }), "/skills/english"),
        (json!({ "skills": { "": 2 } }), "/skills/"),
        (json!({ "skills": ["english"] }), "/skills"),
        (json!({ "groups": ["gold", ""] }), "/groups/1"),
        (json!({ "groups": "gold" }), "/groups"),
        (json!({ "groups": [7] }), "/groups/0"),
        (json!({ "auto_accept": "yes" }), "/auto_accept"),
        (json!({ "ready": [[0, 100]] }), "/ready"),
        (json!({ "id": "bob" }), "/id"),
        (json!([null, null]), ""),
        (json!(null), ""),
    ];
    for (body, field) in cases {
        let reply = put_agent(&server, "bob", body.clone());
        let problem = problem(reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["field"], field, "{body}: {problem}");
    }
    // An id that cannot be an agent's: blank, or with a control character.
    for id in ["%20", "a%0Ab"] {
        let reply = put_agent(&server, id, json!({}));
        let body = problem(reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["detail"]
                .as_str()
                .expect("a detail")
                .contains("agent id"),
            "{body}"
        );
    }
    // 400, 415 and 413 as for every JSON body.
    let reply = client
        .put(server.url("/v1/agents/bob"))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body("{\"capacity\": ")
        .send()
        .expect("a reply");
    problem(reply, StatusCode::BAD_REQUEST);
    let reply = client
        .put(server.url("/v1/agents/bob"))
        .bearer_auth(ADMIN)
        .body("{}")
        .send()
        .expect("a reply");
    problem(reply, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let many: Vec<String> = (0..100).map(|i| format!("group{i}")).collect();
    let reply = put_agent(&server, "bob", json!({ "groups": many }));
    problem(reply, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(get(&server, "/v1/agents"), before, "nothing changed");

    // 409: an agent holding assigned work is not removed; once it is done, it is.
    ok(put_agent(
        &server,
        "bob",
        json!({ "skills": { "english": 5 }, "auto_accept": true }),
    ));
    set_state(&server, "bob", "ready");
    assert_eq!(insurance(&server, "w1")["state"], "assigned");
    let body = problem(
        send(&server, "DELETE", "/v1/agents/bob", ADMIN, None),
        StatusCode::CONFLICT,
    );
    assert!(
        body["detail"].as_str().expect("a detail").contains("`w1`"),
        "{body}"
    );
    assert_eq!(get(&server, "/v1/agents/bob")["workitems"], json!(["w1"]));
    ok(send(
        &server,
        "POST",
        "/v1/workitems/w1/done",
        BOB,
        Some(json!({})),
    ));
    let reply = send(&server, "DELETE", "/v1/agents/bob", ADMIN, None);
    assert_eq!(reply.status(), StatusCode::NO_CONTENT);
    // Its done workitem still names it.
    assert_eq!(get(&server, "/v1/workitems/w1")["agent"], "bob");
}

#[test]
fn a_new_agent_with_a_matching_skill_is_offered_a_waiting_workitem_once_ready() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    set_state(&server, "alice", "ready");
    assert_eq!(
        insurance(&server, "w1")["state"],
        "waiting",
        "nobody matches"
    );

    assert_eq!(
        put_agent(&server, "zoe", json!({ "skills": { "english": 5 } })).status(),
        StatusCode::CREATED
    );
    // Logged out: nothing offered yet.
    assert_eq!(get(&server, "/v1/workitems/w1")["state"], "waiting");
    // Her desktop (its token was in the tokens file before she was) follows her and says ready.
    let zoe = follow(&server, ZOE, "zoe", None);
    let reply = send(
        &server,
        "PUT",
        "/v1/agents/zoe/state",
        ZOE,
        Some(json!({ "state": "ready" })),
    );
    assert_eq!(ok(reply)["workitems"], json!(["w1"]));
    let offer = next(&zoe);
    assert_eq!(
        (offer.event.as_str(), &offer.data["workitem"]),
        ("offer", &json!("w1"))
    );
    let accept = format!(
        "/v1/offers/{}/accept",
        offer.data["offer"].as_str().expect("id")
    );
    assert_eq!(
        ok(send(&server, "POST", &accept, ZOE, None))["agent"],
        "zoe"
    );
    assert_eq!(next(&zoe).event, "assigned");

    // Alice, ready all along, now matches: she is offered the next waiting workitem at once.
    let alice = follow(&server, ALICE, "alice", None);
    insurance(&server, "w2");
    ok(put_agent(
        &server,
        "alice",
        json!({ "skills": { "english": 3 } }),
    ));
    let offer = next(&alice);
    assert_eq!(
        (offer.event.as_str(), &offer.data["workitem"]),
        ("offer", &json!("w2"))
    );
    // Removing her logs her out first: the offer is rescinded and w2 waits again, in its place.
    assert_eq!(
        send(&server, "DELETE", "/v1/agents/alice", ADMIN, None).status(),
        StatusCode::NO_CONTENT
    );
    let rescinded = next(&alice);
    assert_eq!(
        (rescinded.event.as_str(), &rescinded.data["reason"]),
        ("offer_rescinded", &json!("logged_out"))
    );
    let w2 = get(&server, "/v1/workitems/w2");
    assert_eq!(
        (&w2["state"], &w2["agent"]),
        (&json!("waiting"), &Value::Null)
    );
    assert_eq!(w2["deadline_s"], 120.0, "the same Route deadline");
    // Her stream ends (it is not only quiet).
    assert!(matches!(
        alice.recv_timeout(std::time::Duration::from_secs(10)),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
    ));
}

#[test]
fn a_capacity_lowered_below_what_an_agent_holds_keeps_its_work_and_takes_nothing_until_under_it() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    let setup = |capacity: u32| json!({ "skills": { "english": 5 }, "capacity": capacity, "auto_accept": true });
    ok(put_agent(&server, "bob", setup(3)));
    set_state(&server, "bob", "ready");
    for id in ["w1", "w2", "w3"] {
        assert_eq!(insurance(&server, id)["state"], "assigned");
    }
    let bob = ok(put_agent(&server, "bob", setup(1)));
    assert_eq!(
        (&bob["capacity"], &bob["workitems"], &bob["state"]),
        (&json!(1), &json!(["w1", "w2", "w3"]), &json!("ready"))
    );
    assert_eq!(insurance(&server, "w4")["state"], "waiting");
    for id in ["w1", "w2"] {
        ok(send(
            &server,
            "POST",
            &format!("/v1/workitems/{id}/done"),
            BOB,
            Some(json!({})),
        ));
        assert_eq!(
            get(&server, "/v1/workitems/w4")["state"],
            "waiting",
            "bob still holds as many as his capacity"
        );
    }
    ok(send(
        &server,
        "POST",
        "/v1/workitems/w3/done",
        BOB,
        Some(json!({})),
    ));
    let w4 = get(&server, "/v1/workitems/w4");
    assert_eq!(
        (&w4["state"], &w4["agent"]),
        (&json!("assigned"), &json!("bob"))
    );
    // Raised again, he takes the next at once.
    insurance(&server, "w5");
    ok(put_agent(&server, "bob", setup(2)));
    assert_eq!(get(&server, "/v1/workitems/w5")["agent"], "bob");
}

#[test]
fn a_server_killed_and_started_again_keeps_the_setup_as_acknowledged() {
    let dir = tempfile::tempdir().expect("a directory");
    let data = dir.path().join("data");
    let server = start(dir.path(), &data, &[]);
    ok(put_agent(
        &server,
        "zoe",
        json!({ "groups": ["workitems"], "skills": { "english": 5 }, "capacity": 2 }),
    ));
    ok(put_agent(
        &server,
        "alice",
        json!({ "skills": { "english": 0 }, "capacity": 3 }),
    ));
    assert_eq!(
        send(&server, "DELETE", "/v1/agents/bob", ADMIN, None).status(),
        StatusCode::NO_CONTENT
    );
    // A deleted and created again agent: a new one, last.
    ok(put_agent(&server, "carl", json!({})));
    assert_eq!(
        send(&server, "DELETE", "/v1/agents/carl", ADMIN, None).status(),
        StatusCode::NO_CONTENT
    );
    ok(put_agent(&server, "carl", json!({ "groups": ["other"] })));
    set_state(&server, "zoe", "ready");
    let w1 = insurance(&server, "w1");
    assert_eq!(w1["agent"], "zoe");
    let accept = format!(
        "/v1/offers/{}/accept",
        w1["offer"].as_str().expect("an offer")
    );
    ok(send(&server, "POST", &accept, ZOE, None));
    let agents = get(&server, "/v1/agents");
    assert_eq!(ids(&agents), ["alice", "zoe", "carl"]);
    kill_9(server);

    let server = start(dir.path(), &data, &[]);
    assert_eq!(
        get(&server, "/v1/agents"),
        agents,
        "the setup as acknowledged"
    );
    problem(
        send(&server, "GET", "/v1/agents/bob", ADMIN, None),
        StatusCode::NOT_FOUND,
    );
    assert_eq!(get(&server, "/v1/workitems/w1")["agent"], "zoe");
    // Routing follows the recovered setup: zoe (capacity 2, holding w1) is offered the next.
    insurance(&server, "w2");
    assert_eq!(get(&server, "/v1/workitems/w2")["agent"], "zoe");
    // The same PUT after the restart is still nothing new; a deleted agent stays deleted after
    // another restart.
    assert_eq!(
        put_agent(&server, "carl", json!({ "groups": ["other"] })).status(),
        StatusCode::OK
    );
    kill_9(server);
    let server = start(dir.path(), &data, &[]);
    problem(
        send(&server, "GET", "/v1/agents/bob", ADMIN, None),
        StatusCode::NOT_FOUND,
    );
    assert_eq!(ids(&get(&server, "/v1/agents")), ["alice", "zoe", "carl"]);
    assert_eq!(get(&server, "/v1/agents/alice")["capacity"], 3);
    // The same PUT journals nothing: the next start recovers one entry more, its own start's.
    let entries = journaled(&server);
    assert_eq!(
        put_agent(
            &server,
            "alice",
            json!({ "skills": { "english": 0 }, "capacity": 3 })
        )
        .status(),
        StatusCode::OK
    );
    kill_9(server);
    let server = start(dir.path(), &data, &[]);
    assert_eq!(journaled(&server), entries + 1, "{}", server.stderr());
}

/// How many journaled changes the server recovered from, as it says.
fn journaled(server: &Server) -> usize {
    let stderr = server.stderr();
    let line = stderr
        .lines()
        .find(|line| line.contains("journaled change"))
        .expect("the recovery line");
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words
        .iter()
        .position(|word| word.starts_with("journaled"))
        .expect("the count's word");
    words[at - 1].parse().expect("a count")
}

/// A published flow is checked against the agent setup as it is now, not as the center file had it:
/// a group an agent was given over the API is no longer reported as unknown.
#[test]
fn a_published_flow_is_checked_against_the_setup_the_api_changed() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    let flow = std::fs::read_to_string(root.join("gtr_sample.yaml")).expect("the flow");
    let table = std::fs::read_to_string(root.join("tables/OPEN_MEDIA_ROUTING_CONFIG.csv"))
        .expect("the table");
    let publish = |comment: &str| {
        let bundle = json!({
            "flow": "gtr_sample.yaml",
            "files": {
                "gtr_sample.yaml": format!("{flow}\n# {comment}\n"),
                "tables/OPEN_MEDIA_ROUTING_CONFIG.csv": table,
            }
        });
        let reply = send(&server, "PUT", "/v1/flows/gtr_sample", ADMIN, Some(bundle));
        assert_eq!(reply.status(), StatusCode::CREATED);
        let published: Value = reply.json().expect("JSON");
        published["diagnostics"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|d| d["message"].as_str().expect("a message").to_owned())
            .collect::<Vec<String>>()
    };
    let unknown_workitems = |messages: &[String]| {
        messages
            .iter()
            .any(|m| m.contains("group") && m.contains("`workitems`"))
    };
    let before = publish("before");
    assert!(unknown_workitems(&before), "{before:?}");
    let reply = put_agent(
        &server,
        "zoe",
        json!({ "groups": ["workitems"], "skills": { "english": 2 } }),
    );
    assert_eq!(reply.status(), StatusCode::CREATED);
    let after = publish("after");
    assert!(!unknown_workitems(&after), "{after:?}");
}
