//! The crash test (SPEC §9.5, issue 16): `routeflow serve` on the sample under a mixed load — a third
//! party creating, updating and stopping workitems, agents' desktops getting ready, accepting and
//! rejecting offers and marking work done — is killed with `kill -9` at random instants, 20 times, and
//! started again on the same data directory each time. Against every 2xx reply received: no
//! acknowledged workitem is lost or moved back, none is assigned twice, no agent holds more than its
//! capacity, and at the end every workitem ends exactly once.
//!
//! `ROUTEFLOW_CRASHES=200 cargo nextest run --test serve_crash` runs a longer one (`benches/crash.sh`).

mod serve_support;

use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use serve_support::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// How many workitems the third party creates in a run.
const MAX_WORKITEMS: usize = 400;

/// How far a workitem got, as acknowledged: it may only be there or further after a restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reached {
    Created,
    Assigned,
    Ended,
}

/// What the clients were told, by workitem.
#[derive(Default)]
struct Acks {
    reached: BTreeMap<String, (Reached, &'static str)>,
    /// The flow version each workitem runs, as its creation was acknowledged: it keeps it.
    versions: BTreeMap<String, u64>,
}

impl Acks {
    fn note(&mut self, id: &str, state: &str, version: Option<u64>) {
        if let Some(version) = version {
            self.versions.entry(id.to_owned()).or_insert(version);
        }
        let reached = match state {
            "assigned" => Reached::Assigned,
            "done" | "stopped" | "unrouted" | "error" => Reached::Ended,
            _ => Reached::Created,
        };
        let state: &'static str = match state {
            "done" => "done",
            "stopped" => "stopped",
            "unrouted" => "unrouted",
            "error" => "error",
            "assigned" => "assigned",
            _ => "created",
        };
        let entry = self
            .reached
            .entry(id.to_owned())
            .or_insert((reached, state));
        if reached > entry.0 {
            *entry = (reached, state);
        }
    }
}

/// The load's view of the server: where it listens now (it moves at each restart).
struct Target {
    base: RwLock<String>,
    acks: Mutex<Acks>,
    stop: AtomicBool,
}

impl Target {
    fn call(
        &self,
        client: &Client,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Option<Value> {
        let url = format!("{}{path}", self.base.read().expect("base"));
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = client.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().ok()?;
        if !reply.status().is_success() {
            // A refusal (409 for an offer gone with the restart, 503 while recovering): not an
            // acknowledgement. Any other 5xx is a bug.
            let status = reply.status();
            assert!(
                !status.is_server_error() || status == StatusCode::SERVICE_UNAVAILABLE,
                "{path}: {status}"
            );
            return None;
        }
        reply.json().ok()
    }

    fn ack(&self, reply: &Option<Value>) {
        if let Some(view) = reply
            && let (Some(id), Some(state)) = (view["id"].as_str(), view["state"].as_str())
        {
            let version = view["flow"]["version"].as_u64();
            self.acks.lock().expect("acks").note(id, state, version);
        }
    }
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a client")
}

/// The third party: creates workitems, updates and stops some.
fn third_party(target: &Target, seed: u64) {
    let client = client();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut n = 0;
    while !target.stop.load(Ordering::Relaxed) {
        if n >= MAX_WORKITEMS {
            // Enough for a run whose checks stay short: the desktops go on.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        n += 1;
        let id = format!("c{n}");
        let body = json!({ "id": id, "userdata": { "GTR_level1": "Insurance", "caseNumber": id } });
        let reply = target.call(&client, "POST", "/v1/workitems", CRM, Some(body));
        target.ack(&reply);
        let other = format!("c{}", rng.usize(1..=n));
        match rng.u8(..10) {
            0 => {
                let reply = target.call(
                    &client,
                    "POST",
                    &format!("/v1/workitems/{other}/stop"),
                    CRM,
                    None,
                );
                target.ack(&reply);
            }
            1 | 2 => {
                let patch = json!({ "note": format!("update {n}") });
                let path = format!("/v1/workitems/{other}/userdata");
                target.call(&client, "PATCH", &path, CRM, Some(patch));
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(rng.u64(2..15)));
    }
}

/// An admin: publishes a second version of the sample (its skill Route block waits 60 s, not 120 s)
/// and activates one version or the other, so that workitems are created on both.
fn admin(target: &Target, seed: u64) {
    let client = client();
    let mut rng = fastrand::Rng::with_seed(seed);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    let flow = std::fs::read_to_string(root.join("gtr_sample.yaml")).expect("the flow");
    let at = flow.find("id: route_skill").expect("the skill Route block");
    let v2 = format!(
        "{}{}",
        &flow[..at],
        flow[at..].replacen("timeout: 120", "timeout: 60", 1)
    );
    let table = std::fs::read_to_string(root.join("tables/OPEN_MEDIA_ROUTING_CONFIG.csv"))
        .expect("the table");
    let bundle = json!({
        "flow": "gtr_sample.yaml",
        "files": { "gtr_sample.yaml": v2, "tables/OPEN_MEDIA_ROUTING_CONFIG.csv": table },
    });
    while !target.stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(rng.u64(50..250)));
        if rng.bool() {
            target.call(
                &client,
                "PUT",
                "/v1/flows/gtr_sample",
                ADMIN,
                Some(bundle.clone()),
            );
        } else {
            let path = format!("/v1/flows/gtr_sample/versions/{}/activate", rng.u8(1..=2));
            target.call(&client, "POST", &path, ADMIN, None);
        }
    }
}

/// An agent's desktop: ready, answers its offers (one in eight rejected), marks work done.
fn desktop(target: &Target, agent: &str, token: &str, seed: u64) {
    let client = client();
    let mut rng = fastrand::Rng::with_seed(seed);
    while !target.stop.load(Ordering::Relaxed) {
        let Some(me) = target.call(&client, "GET", &format!("/v1/agents/{agent}"), token, None)
        else {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        if me["state"] != "ready" {
            let ready = json!({ "state": "ready" });
            target.call(
                &client,
                "PUT",
                &format!("/v1/agents/{agent}/state"),
                token,
                Some(ready),
            );
        }
        for id in me["workitems"].as_array().into_iter().flatten() {
            let Some(id) = id.as_str() else { continue };
            let Some(view) = target.call(&client, "GET", &format!("/v1/workitems/{id}"), CRM, None)
            else {
                continue;
            };
            match view["state"].as_str() {
                Some("offered") => {
                    let Some(offer) = view["offer"].as_str() else {
                        continue;
                    };
                    let answer = if rng.u8(..8) == 0 { "reject" } else { "accept" };
                    let path = format!("/v1/offers/{offer}/{answer}");
                    let reply = target.call(&client, "POST", &path, token, None);
                    target.ack(&reply);
                }
                Some("assigned") if rng.bool() => {
                    let path = format!("/v1/workitems/{id}/done");
                    let reply = target.call(
                        &client,
                        "POST",
                        &path,
                        token,
                        Some(json!({ "disposition": "ok" })),
                    );
                    target.ack(&reply);
                }
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(rng.u64(5..30)));
    }
}

fn start(data: &Path, args: &[&str]) -> Server {
    let server = Server::start_in(Path::new(FLOW), Path::new(CENTER), data, args);
    for _ in 0..1200 {
        if send(&server, "GET", "/readyz", ADMIN, None).status() == StatusCode::OK {
            return server;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the server did not get ready:\n{}", server.stderr());
}

/// Every acknowledged workitem is there and no further back, on the flow version it was created on; no
/// agent over its capacity; every fifth round, none assigned or ended twice (its history).
fn check(server: &Server, acks: &Acks, round: usize) {
    let mut listed = BTreeMap::new();
    let mut after = 0;
    loop {
        let page = ok(send(
            server,
            "GET",
            &format!("/v1/workitems?limit=1000&after={after}"),
            ADMIN,
            None,
        ));
        let page = page.as_array().expect("a list").clone();
        if page.is_empty() {
            break;
        }
        after += page.len();
        for view in page {
            listed.insert(view["id"].as_str().expect("an id").to_owned(), view);
        }
    }
    for (id, (reached, said)) in &acks.reached {
        let view = listed.get(id).unwrap_or_else(|| {
            panic!("round {round}: acknowledged workitem {id} ({said}) is lost")
        });
        let state = view["state"].as_str().expect("a state");
        let now = match state {
            "assigned" => Reached::Assigned,
            "done" | "stopped" | "unrouted" | "error" => Reached::Ended,
            _ => Reached::Created,
        };
        assert!(
            now >= *reached,
            "round {round}: {id} was {said}, is {state}"
        );
        if *reached == Reached::Ended {
            assert_eq!(state, *said, "round {round}: {id} ended once, as {said}");
        }
        if let Some(version) = acks.versions.get(id) {
            assert_eq!(
                view["flow"]["version"].as_u64(),
                Some(*version),
                "round {round}: {id} moved from flow version {version}: {view}"
            );
        }
    }
    if round.is_multiple_of(5) {
        for id in listed.keys() {
            let events = history(server, id);
            let assigned = events.iter().filter(|e| *e == "assigned").count();
            assert!(
                assigned <= 1,
                "round {round}: {id} assigned {assigned} times: {events:?}"
            );
            let ended = events
                .iter()
                .filter(|e| ["done", "stopped"].contains(&e.as_str()))
                .count();
            assert!(
                ended <= 1,
                "round {round}: {id} ended {ended} times: {events:?}"
            );
        }
    }
    let agents = ok(send(server, "GET", "/v1/agents", ADMIN, None));
    for agent in agents.as_array().expect("a list") {
        let held = agent["workitems"].as_array().map_or(0, Vec::len);
        let capacity = agent["capacity"].as_u64().expect("a capacity") as usize;
        assert!(
            held <= capacity,
            "round {round}: {agent} holds more than its capacity"
        );
    }
}

#[test]
fn kill_9_at_random_instants_loses_nothing_acknowledged() {
    let crashes: usize = std::env::var("ROUTEFLOW_CRASHES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().expect("a directory");
    let data = dir.path().join("data");
    let args = test_clock_args(dir.path(), &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // The real clock: timeouts and offers run as they would.
    let args: Vec<&str> = args
        .into_iter()
        .filter(|a| *a != "--clock" && *a != "test")
        .collect();
    let mut server = start(&data, &args);
    let target = Arc::new(Target {
        base: RwLock::new(server.base.clone()),
        acks: Mutex::new(Acks::default()),
        stop: AtomicBool::new(false),
    });
    let mut load = Vec::new();
    {
        let target = target.clone();
        load.push(std::thread::spawn(move || third_party(&target, 1)));
    }
    {
        let target = target.clone();
        load.push(std::thread::spawn(move || admin(&target, 3)));
    }
    for (i, (agent, token)) in [("alice", ALICE), ("bob", BOB)].into_iter().enumerate() {
        let target = target.clone();
        load.push(std::thread::spawn(move || {
            desktop(&target, agent, token, 10 + i as u64)
        }));
    }
    let mut rng = fastrand::Rng::with_seed(7);
    for round in 1..=crashes {
        std::thread::sleep(Duration::from_millis(rng.u64(100..600)));
        // What was acknowledged before the kill is what must survive it.
        let (acked, versions) = {
            let mut shared = target.acks.lock().expect("acks");
            (std::mem::take(&mut shared.reached), shared.versions.clone())
        };
        server.child.kill().expect("kill -9");
        server.child.wait().expect("reaped");
        let mut acks = Acks {
            reached: acked,
            versions,
        };
        server = start(&data, &args);
        *target.base.write().expect("base") = server.base.clone();
        check(&server, &acks, round);
        // Acknowledgements that raced the kill are kept too (they were durable when sent).
        let mut shared = target.acks.lock().expect("acks");
        for (id, (reached, said)) in std::mem::take(&mut shared.reached) {
            let entry = acks.reached.entry(id).or_insert((reached, said));
            if reached > entry.0 {
                *entry = (reached, said);
            }
        }
        shared.reached = std::mem::take(&mut acks.reached);
    }
    target.stop.store(true, Ordering::Relaxed);
    for thread in load {
        thread.join().expect("the load ran");
    }
    // The end: every workitem still open is stopped or marked done; each ends exactly once.
    let (acks, versions) = {
        let mut shared = target.acks.lock().expect("acks");
        (
            std::mem::take(&mut shared.reached),
            std::mem::take(&mut shared.versions),
        )
    };
    check(
        &server,
        &Acks {
            reached: acks.clone(),
            versions: versions.clone(),
        },
        5 * (crashes + 1),
    );
    for id in acks.keys() {
        let view = ok(send(
            &server,
            "GET",
            &format!("/v1/workitems/{id}"),
            ADMIN,
            None,
        ));
        let path = match view["state"].as_str() {
            Some("assigned") => format!("/v1/workitems/{id}/done"),
            Some("waiting" | "offered") => format!("/v1/workitems/{id}/stop"),
            _ => continue,
        };
        ok(send(&server, "POST", &path, CRM, None));
    }
    for id in acks.keys() {
        let events = history(&server, id);
        let ends: Vec<usize> = (0..events.len())
            .filter(|&i| ["done", "stopped"].contains(&events[i].as_str()))
            .collect();
        let view = ok(send(
            &server,
            "GET",
            &format!("/v1/workitems/{id}"),
            ADMIN,
            None,
        ));
        match view["state"].as_str() {
            Some("done" | "stopped") => {
                assert_eq!(ends.len(), 1, "{id} ends once: {events:?}");
                let after = &events[ends[0] + 1..];
                assert!(after.iter().all(|e| e == "ended"), "{id}: {events:?}");
            }
            Some("unrouted" | "error") => assert!(ends.is_empty(), "{id}: {events:?}"),
            other => panic!("{id} did not end: {other:?}"),
        }
    }
    assert!(acks.len() > 50, "too little load: {} workitems", acks.len());
    let on_v2 = versions.values().filter(|&&v| v == 2).count();
    assert!(
        on_v2 > 0 && on_v2 < versions.len(),
        "workitems on both versions: {on_v2} of {} on version 2",
        versions.len()
    );
    eprintln!(
        "crash test: {crashes} kills, {} workitems acknowledged, every one ended once",
        acks.len()
    );
}
