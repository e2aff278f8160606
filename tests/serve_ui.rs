//! The web view (`GET /ui`, SPEC §10, issue 18) and what it reads, over real HTTP on loopback: the page
//! asks a browser to sign in (HTTP Basic, the token as password, on reading requests only); a flow
//! version's drawing has a note line on every block; its block counts, the queues (routed in the last
//! 15 minutes) and the agents (since when) follow a scripted run. The page itself in a browser:
//! `tests/browser.sh`.

mod serve_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use serve_support::*;

fn basic(server: &Server, path: &str, token: &str) -> reqwest::blocking::Response {
    client()
        .get(server.url(path))
        .basic_auth("anyone", Some(token))
        .send()
        .expect("a reply")
}

fn create(server: &Server, id: &str) {
    let body = json!({ "id": id, "userdata": { "GTR_level1": "Insurance", "caseNumber": id } });
    let reply = send(server, "POST", "/v1/workitems", CRM, Some(body));
    assert_eq!(reply.status(), StatusCode::CREATED);
}

fn advance(server: &Server, by_s: f64) {
    let body = json!({ "by_s": by_s });
    ok(send(server, "POST", "/v1/clock/advance", ADMIN, Some(body)));
}

fn set_state(server: &Server, state: &str) {
    let body = json!({ "state": state });
    ok(send(
        server,
        "PUT",
        "/v1/agents/alice/state",
        ALICE,
        Some(body),
    ));
}

/// Block `block`'s counts: (entered, waiting, oldest wait).
fn counts(server: &Server, block: &str) -> (u64, Option<u64>, Option<f64>) {
    let path = "/v1/flows/gtr_sample/versions/1/blocks";
    let all = ok(basic(server, path, VIEWER));
    let found = all["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .find(|count| count["block"] == block)
        .unwrap_or_else(|| panic!("no block {block} in {all}"))
        .clone();
    (
        found["entered"].as_u64().expect("a count"),
        found["waiting"].as_u64(),
        found["oldest_wait_s"].as_f64(),
    )
}

fn queues(server: &Server) -> Vec<Value> {
    let all = ok(send(server, "GET", "/v1/queues", VIEWER, None));
    all.as_array().expect("a list").clone()
}

#[test]
fn the_page_asks_a_browser_to_sign_in_and_takes_the_token_as_password() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let reply = client().get(server.url("/ui")).send().expect("a reply");
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    let challenges: Vec<&str> = reply
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|value| value.to_str().expect("text"))
        .collect();
    assert!(
        challenges.iter().any(|c| c.starts_with("Basic realm=")),
        "{challenges:?}"
    );
    for (path, kind) in [
        ("/ui", "text/html"),
        ("/ui/page.js", "text/javascript"),
        ("/ui/page.css", "text/css"),
    ] {
        let reply = basic(&server, path, VIEWER);
        assert_eq!(reply.status(), StatusCode::OK, "{path}");
        let headers = reply.headers();
        assert!(headers["content-type"].to_str().unwrap().starts_with(kind));
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("default-src 'none'"), "{policy}");
        assert!(policy.contains("connect-src 'self'"), "{policy}");
        // An admin's bearer token does as well.
        let reply = send(&server, "GET", path, ADMIN, None);
        assert_eq!(reply.status(), StatusCode::OK, "{path}");
    }
    let page = basic(&server, "/ui", VIEWER).text().expect("text");
    for hook in [
        "id=\"drawing\"",
        "id=\"queues\"",
        "id=\"agents\"",
        "id=\"versions\"",
    ] {
        assert!(page.contains(hook), "{hook}");
    }
    // An unknown token, as the password or as a bearer token: 401, asking again.
    let reply = basic(&server, "/ui", "not a token of this server");
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert!(
        reply
            .headers()
            .get_all("www-authenticate")
            .iter()
            .any(|c| { c.to_str().unwrap().starts_with("Basic") })
    );
    // The page is for supervisors: not the third party's, not an agent's.
    for token in [CRM, ALICE] {
        let reply = basic(&server, "/ui", token);
        problem(reply, StatusCode::FORBIDDEN);
    }
    // Any reading request takes Basic credentials (what the page's own requests carry)...
    let reply = basic(&server, "/v1/queues", VIEWER);
    assert_eq!(reply.status(), StatusCode::OK);
    // ...and no writing one: a page of another site could make a signed-in browser send them.
    let body = json!({ "id": "w1", "userdata": {} });
    let reply = client()
        .post(server.url("/v1/workitems"))
        .basic_auth("crm", Some(CRM))
        .json(&body)
        .send()
        .expect("a reply");
    let refused = problem(reply, StatusCode::UNAUTHORIZED);
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("HTTP Basic is taken on GET and HEAD requests only"),
        "{refused}"
    );
    let reply = send(&server, "GET", "/v1/workitems/w1", CRM, None);
    assert_eq!(reply.status(), StatusCode::NOT_FOUND);
    // Two Authorization headers: which one is meant is not guessed.
    let reply = client()
        .get(server.url("/v1/queues"))
        .header("Authorization", format!("Bearer {VIEWER}"))
        .basic_auth("anyone", Some(ADMIN))
        .send()
        .expect("a reply");
    problem(reply, StatusCode::UNAUTHORIZED);
    assert!(!server.stderr().contains(VIEWER));
}

#[test]
fn the_drawing_has_a_line_for_the_counts_on_every_block() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let path = "/v1/flows/gtr_sample/versions/1/drawing";
    let reply = basic(&server, path, VIEWER);
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.headers()["content-type"], "image/svg+xml");
    let svg = reply.text().expect("text");
    let blocks = svg.matches("<g class=\"block\" data-block=").count();
    assert!(blocks >= 19, "{blocks} blocks");
    assert_eq!(svg.matches("<text class=\"note\"").count(), blocks);
    let route = svg
        .split("<g class=\"block\" data-block=\"route_skill\">")
        .nth(1)
        .expect("the Route block route_skill");
    let route = route.split("</g>").next().expect("its group");
    assert!(route.contains("waiting"), "{route}");
    for path in [path, "/v1/flows/gtr_sample/versions/1/blocks"] {
        let anonymous = client().get(server.url(path)).send().expect("a reply");
        problem(anonymous, StatusCode::UNAUTHORIZED);
    }
    for (token, status) in [(CRM, StatusCode::FORBIDDEN), (ALICE, StatusCode::FORBIDDEN)] {
        problem(send(&server, "GET", path, token, None), status);
    }
    for missing in [
        "/v1/flows/gtr_sample/versions/2/drawing",
        "/v1/flows/gtr_sample/versions/0/drawing",
        "/v1/flows/gtr_sample/versions/one/drawing",
        "/v1/flows/no_such_flow/versions/1/drawing",
        "/v1/flows/gtr_sample/versions/2/blocks",
        "/v1/flows/no_such_flow/versions/1/blocks",
    ] {
        problem(
            send(&server, "GET", missing, VIEWER, None),
            StatusCode::NOT_FOUND,
        );
    }
}

#[test]
fn block_counts_queues_and_agents_follow_a_scripted_run() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let agents = ok(send(&server, "GET", "/v1/agents/alice", VIEWER, None));
    assert_eq!(agents["since_s"], Value::Null);
    for id in ["w1", "w2", "w3"] {
        create(&server, id);
    }
    assert_eq!(counts(&server, "read_userdata"), (3, None, None));
    assert_eq!(counts(&server, "route_skill"), (3, Some(3), Some(0.0)));
    assert_eq!(counts(&server, "route_group"), (0, Some(0), None));
    advance(&server, 20.0);
    assert_eq!(counts(&server, "route_skill"), (3, Some(3), Some(20.0)));
    // alice takes w1 at 20 s: two wait; the queue says one was routed.
    set_state(&server, "ready");
    let offered = ok(send(&server, "GET", "/v1/workitems/w1", CRM, None));
    let offer = offered["offer"].as_str().expect("w1 is offered");
    ok(send(
        &server,
        "POST",
        &format!("/v1/offers/{offer}/accept"),
        ALICE,
        None,
    ));
    let alice = ok(send(&server, "GET", "/v1/agents/alice", VIEWER, None));
    assert_eq!(alice["since_s"], json!(20.0));
    assert_eq!(counts(&server, "route_skill"), (3, Some(2), Some(20.0)));
    let skill = json!({ "kind": "skill", "value": "'english' > 1" });
    let queue = queues(&server);
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["target"], skill);
    assert_eq!(
        (&queue[0]["waiting"], &queue[0]["routed_last_15m"]),
        (&json!(2), &json!(1))
    );
    // Stopped, the others wait no more; the routed one stays on the list for 15 minutes.
    for id in ["w2", "w3"] {
        ok(send(
            &server,
            "POST",
            &format!("/v1/workitems/{id}/stop"),
            CRM,
            None,
        ));
    }
    assert_eq!(counts(&server, "route_skill"), (3, Some(0), None));
    let queue = queues(&server);
    assert_eq!(
        (&queue[0]["waiting"], &queue[0]["routed_last_15m"]),
        (&json!(0), &json!(1))
    );
    advance(&server, 900.0);
    assert_eq!(queues(&server).len(), 1);
    advance(&server, 1.0);
    assert_eq!(queues(&server), Vec::<Value>::new());
    // The counts carry the id of the last event they include.
    let all = ok(send(
        &server,
        "GET",
        "/v1/flows/gtr_sample/versions/1/blocks",
        ADMIN,
        None,
    ));
    let history = ok(send(&server, "GET", "/v1/workitems/w3/history", CRM, None));
    let last = history.as_array().unwrap().last().unwrap()["seq"].clone();
    assert!(all["seq"].as_u64() >= last.as_u64(), "{all} {last}");
    problem(
        send(
            &server,
            "GET",
            "/v1/flows/gtr_sample/versions/1/blocks",
            ALICE,
            None,
        ),
        StatusCode::FORBIDDEN,
    );
}

#[test]
fn the_counts_and_queues_are_the_same_after_a_kill_and_restart() {
    let dir = tempfile::tempdir().expect("a directory");
    let data = dir.path().join("data");
    let flow = std::path::Path::new(FLOW);
    let server = ready_server(flow, &data, dir.path(), &[]);
    for id in ["w1", "w2"] {
        create(&server, id);
    }
    advance(&server, 5.0);
    set_state(&server, "ready");
    let offered = ok(send(&server, "GET", "/v1/workitems/w1", CRM, None));
    let offer = offered["offer"].as_str().expect("w1 is offered");
    ok(send(
        &server,
        "POST",
        &format!("/v1/offers/{offer}/accept"),
        ALICE,
        None,
    ));
    let before = (counts(&server, "route_skill"), queues(&server));
    assert_eq!(before.0, (2, Some(1), Some(5.0)));
    assert_eq!(before.1[0]["routed_last_15m"], 1);
    kill_9(server);
    let server = ready_server(flow, &data, dir.path(), &[]);
    assert_eq!((counts(&server, "route_skill"), queues(&server)), before);
}
