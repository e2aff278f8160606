//! `GET /metrics` (SPEC §9.4, issue 18) over real HTTP on loopback: a scripted run on a `--clock test`
//! server (creates, an offer rejected, one accepted and done, one left to expire, a stop, a cascade run
//! out), then a scrape whose numbers must be the script's; who may scrape; label values bounded.

mod serve_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use serve_support::*;
use std::path::Path;
use std::sync::mpsc::Receiver;

fn insurance(id: &str) -> Value {
    json!({ "id": id, "userdata": { "GTR_level1": "Insurance", "caseNumber": id } })
}

fn create(server: &Server, id: &str) {
    let reply = send(server, "POST", "/v1/workitems", CRM, Some(insurance(id)));
    assert_eq!(reply.status(), StatusCode::CREATED);
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

fn advance(server: &Server, by_s: f64) {
    let body = json!({ "by_s": by_s });
    ok(send(server, "POST", "/v1/clock/advance", ADMIN, Some(body)));
}

/// Wait for alice's next `offer` and answer it `how` (`accept`, `reject`); `None` leaves it.
fn offer(server: &Server, events: &Receiver<Sse>, how: Option<&str>) -> String {
    let event = loop {
        let event = next(events);
        if event.event == "offer" {
            break event;
        }
    };
    let workitem = event.data["workitem"]
        .as_str()
        .expect("a workitem")
        .to_owned();
    if let Some(how) = how {
        let offer = event.data["offer"].as_str().expect("an offer id");
        let path = format!("/v1/offers/{offer}/{how}");
        ok(send(server, "POST", &path, ALICE, None));
    }
    workitem
}

fn scrape(server: &Server, token: &str) -> String {
    let reply = client()
        .get(server.url("/metrics"))
        .bearer_auth(token)
        .send()
        .expect("a reply");
    assert_eq!(reply.status(), StatusCode::OK);
    let kind = reply.headers()["content-type"].to_str().expect("text");
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    reply.text().expect("text")
}

/// The value of the sample `name` whose labels include every one of `labels` (`key="value"`); 0 when
/// there is none (Prometheus shows no series for what never happened).
fn value(text: &str, name: &str, labels: &[&str]) -> f64 {
    let mut found = None;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        let (set, number) = match rest.strip_prefix('{') {
            Some(rest) => match rest.split_once("} ") {
                Some((set, number)) => (set, number),
                None => continue,
            },
            None => match rest.strip_prefix(' ') {
                Some(number) => ("", number),
                None => continue,
            },
        };
        let set: Vec<&str> = set.split(',').collect();
        if labels.iter().all(|label| set.contains(label)) {
            assert!(found.is_none(), "two samples of {name} {labels:?}:\n{text}");
            found = Some(
                number
                    .split(' ')
                    .next()
                    .expect("a number")
                    .parse()
                    .expect("a number"),
            );
        }
    }
    found.unwrap_or(0.0)
}

#[test]
fn a_scrape_counts_what_a_scripted_run_did() {
    let dir = tempfile::tempdir().expect("a directory");
    let server = live_server(dir.path(), &[]);
    let alice = follow(&server, ALICE, "alice", None);
    for id in ["w1", "w2", "w3"] {
        create(&server, id);
    }
    let before = scrape(&server, ADMIN);
    let waiting = &["kind=\"skill\"", "target=\"'english' > 1\""];
    assert_eq!(value(&before, "routeflow_waiting_workitems", waiting), 3.0);
    assert_eq!(
        value(&before, "routeflow_agents", &["state=\"logged_out\""]),
        9.0
    );
    // alice rejects her first offer (w1), takes it when ready again, and marks it done.
    set_state(&server, "ready");
    assert_eq!(offer(&server, &alice, Some("reject")), "w1");
    set_state(&server, "ready");
    assert_eq!(offer(&server, &alice, Some("accept")), "w1");
    advance(&server, 10.0);
    ok(send(&server, "POST", "/v1/workitems/w1/done", ALICE, None));
    // Free again, she is offered w2 and lets the offer expire (30 s); w3 is stopped.
    assert_eq!(offer(&server, &alice, None), "w2");
    advance(&server, 40.0);
    ok(send(&server, "POST", "/v1/workitems/w3/stop", CRM, None));
    // w2 runs out its cascade: unrouted at 360 s.
    advance(&server, 400.0);

    let text = scrape(&server, ADMIN);
    let flow = ["flow=\"gtr_sample\"", "version=\"1\""];
    let with =
        |more: &[&'static str]| -> Vec<&'static str> { flow.iter().chain(more).copied().collect() };
    assert_eq!(
        value(&text, "routeflow_workitems_created_total", &flow),
        3.0
    );
    let ended = "routeflow_workitems_ended_total";
    assert_eq!(value(&text, ended, &with(&["outcome=\"done\""])), 1.0);
    assert_eq!(value(&text, ended, &with(&["outcome=\"stopped\""])), 1.0);
    assert_eq!(value(&text, ended, &with(&["outcome=\"unrouted\""])), 1.0);
    assert_eq!(value(&text, ended, &with(&["outcome=\"error\""])), 0.0);
    assert_eq!(value(&text, "routeflow_offers_made_total", &[]), 3.0);
    let offers = "routeflow_offers_ended_total";
    assert_eq!(value(&text, offers, &["result=\"accepted\""]), 1.0);
    assert_eq!(value(&text, offers, &["result=\"rejected\""]), 1.0);
    assert_eq!(value(&text, offers, &["result=\"expired\""]), 1.0);
    // Route waits: w1 routed from route_skill at once; w3 stopped there after 50 s; w2 timed out of
    // each block of its cascade.
    let waits = "routeflow_route_wait_seconds_count";
    let skill = |result| with(&["block=\"route_skill\"", result]);
    assert_eq!(value(&text, waits, &skill("result=\"routed\"")), 1.0);
    assert_eq!(value(&text, waits, &skill("result=\"stopped\"")), 1.0);
    assert_eq!(value(&text, waits, &skill("result=\"timed_out\"")), 1.0);
    for block in ["block=\"route_group\"", "block=\"route_default_group\""] {
        let timed_out = with(&[block, "result=\"timed_out\""]);
        assert_eq!(value(&text, waits, &timed_out), 1.0);
    }
    let stopped = skill("result=\"stopped\"");
    assert_eq!(
        value(&text, "routeflow_route_wait_seconds_sum", &stopped),
        50.0
    );
    let within = |le| {
        let mut labels = skill("result=\"stopped\"");
        labels.push(le);
        value(&text, "routeflow_route_wait_seconds_bucket", &labels)
    };
    assert_eq!((within("le=\"30.0\""), within("le=\"60.0\"")), (0.0, 1.0));
    // Blocks entered and left, in the coverage page's words.
    let entries = "routeflow_block_entries_total";
    assert_eq!(
        value(&text, entries, &with(&["block=\"route_skill\""])),
        3.0
    );
    assert_eq!(
        value(&text, entries, &with(&["block=\"route_default_group\""])),
        1.0
    );
    let exits = "routeflow_block_exits_total";
    let left = |block, exit| value(&text, exits, &with(&[block, exit]));
    assert_eq!(left("block=\"route_skill\"", "exit=\"routed\""), 1.0);
    assert_eq!(left("block=\"route_skill\"", "exit=\"stopped\""), 1.0);
    assert_eq!(left("block=\"route_skill\"", "exit=\"timed out\""), 1.0);
    assert_eq!(left("block=\"agent_requested\"", "exit=\"otherwise\""), 3.0);
    // Nothing waits any more; alice did not respond to the last offer.
    assert_eq!(value(&text, "routeflow_waiting_workitems", waiting), 0.0);
    assert_eq!(
        value(&text, "routeflow_agents", &["state=\"not_ready\""]),
        1.0
    );
    assert_eq!(value(&text, "routeflow_agents_busy", &[]), 0.0);
    // HTTP: by the route's template, never the id.
    let creates = [
        "method=\"POST\"",
        "route=\"/v1/workitems\"",
        "status=\"201\"",
    ];
    assert_eq!(value(&text, "routeflow_http_requests_total", &creates), 3.0);
    let done = [
        "method=\"POST\"",
        "route=\"/v1/workitems/{id}/done\"",
        "status=\"200\"",
    ];
    assert_eq!(value(&text, "routeflow_http_requests_total", &done), 1.0);
    let timed = ["method=\"POST\"", "route=\"/v1/workitems\""];
    assert_eq!(
        value(
            &text,
            "routeflow_http_request_duration_seconds_count",
            &timed
        ),
        3.0
    );
    assert!(value(&text, "routeflow_journal_commit_seconds_count", &[]) >= 1.0);
    for id in ["w1", "w2", "w3", "alice"] {
        assert!(
            !text.contains(&format!("\"{id}\"")),
            "{id} is a label value:\n{text}"
        );
    }
    assert!(text.ends_with("# EOF\n"));
}

#[test]
fn counters_carry_on_across_a_restart_and_unknown_paths_are_one_series() {
    let dir = tempfile::tempdir().expect("a directory");
    let data = dir.path().join("data");
    let server = ready_server(Path::new(FLOW), &data, dir.path(), &[]);
    create(&server, "w1");
    create(&server, "w2");
    for n in 0..5 {
        let path = format!("/no/such/{n}");
        let reply = send(&server, "GET", &path, ADMIN, None);
        assert_eq!(reply.status(), StatusCode::NOT_FOUND);
    }
    let text = scrape(&server, ADMIN);
    let unmatched = ["route=\"(unmatched)\"", "status=\"404\""];
    assert_eq!(
        value(&text, "routeflow_http_requests_total", &unmatched),
        5.0
    );
    assert!(!text.contains("/no/such"), "{text}");
    kill_9(server);
    let server = ready_server(Path::new(FLOW), &data, dir.path(), &[]);
    create(&server, "w3");
    let text = scrape(&server, ADMIN);
    let flow = ["flow=\"gtr_sample\"", "version=\"1\""];
    assert_eq!(
        value(&text, "routeflow_workitems_created_total", &flow),
        3.0
    );
}

#[test]
fn only_admins_and_viewers_scrape() {
    let dir = tempfile::tempdir().expect("a directory");
    // The tests' tokens files list VIEWER too.
    let server = live_server(dir.path(), &[]);
    assert!(scrape(&server, VIEWER).contains("routeflow_agents"));
    let anonymous = client()
        .get(server.url("/metrics"))
        .send()
        .expect("a reply");
    problem(anonymous, StatusCode::UNAUTHORIZED);
    for token in [CRM, ALICE] {
        let reply = send(&server, "GET", "/metrics", token, None);
        problem(reply, StatusCode::FORBIDDEN);
    }
}
