//! Serve equals replay, over HTTP (SPEC §9, issue 15): `routeflow serve --clock test` on the sample flow,
//! driven over real HTTP on loopback by a scripted third party and agents' desktops that follow their
//! Server-Sent Events, gives every workitem the outcome `routeflow replay` gives it on the same arrivals
//! and the same agent behaviour.
//!
//! - The third party creates the workitems at their `arrive_s`, stops those still waiting at their
//!   `stop_s`, and updates some waiting ones (`PATCH …/userdata` with `If-Match`) with a key no block
//!   routes on.
//! - Agents say they are ready and not ready at their shift's bounds. Three take their workitems without
//!   an offer (`auto_accept`); carol's desktop accepts each offer it is sent; dave's desktop rejects one
//!   offer in five (which puts him not ready, `not_responding`) and says he is ready again a little
//!   later.
//! - Each workitem is marked done `handle_s` after it was routed: by the agent's desktop for carol and
//!   dave, by the third party for the others.
//!
//! The replay runs on the agents' readiness as it was live (dave's rejections end his intervals), the
//! third party's updates aside: those are checked to have reached the flow (the live outcome carries the
//! key) and the desktops (the `offer` and `assigned` events' user data).

mod script_support;
mod serve_support;

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::header::ETAG;
use script_support::*;
use serde_json::{Value, json};
use serve_support::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc::Receiver;

const ADMIN: &str = "the admin's token";
const CRM: &str = "the third party's token";
/// Agents who take their workitems without an offer.
const AUTO: [&str; 3] = ["alice", "bob", "erin"];
/// The agent whose desktop rejects one offer in five (the first, the sixth…).
const REJECTS: &str = "dave";
/// How long dave stays not ready after a rejection: 3.499 ms, which keeps his next readiness off the
/// microseconds of Route timeouts.
const BACK_US: u64 = 3_499;

fn desktop_token(agent: &str) -> String {
    format!("{agent}'s desktop token")
}

/// One agent's desktop: its event stream, and what it has seen.
struct Desktop {
    agent: &'static str,
    token: String,
    events: Receiver<Sse>,
    /// Workitems it was offered, then assigned (from the events).
    offered: BTreeSet<String>,
    assigned: BTreeSet<String>,
    /// How many offers it has answered.
    answered: usize,
    /// The user data of the `offer` and `assigned` events, by workitem.
    userdata: BTreeMap<String, Value>,
    /// Offers read from the stream and not answered yet, by workitem.
    unanswered: BTreeMap<String, Sse>,
}

impl Desktop {
    /// The offer of `workitem`: read from the stream until it comes, unless it came already.
    fn offer(&mut self, workitem: &str) -> Sse {
        loop {
            if let Some(offer) = self.unanswered.remove(workitem) {
                return offer;
            }
            let event = next(&self.events);
            self.see(event);
        }
    }

    fn see(&mut self, event: Sse) {
        let workitem = event.data["workitem"].as_str().unwrap_or("").to_owned();
        match event.event.as_str() {
            "offer" => self.offered.insert(workitem.clone()),
            "assigned" => self.assigned.insert(workitem.clone()),
            _ => false,
        };
        if !event.data["userdata"].is_null() {
            self.userdata
                .insert(workitem.clone(), event.data["userdata"].clone());
        }
        if event.event == "offer" {
            self.unanswered.insert(workitem, event);
        }
    }

    /// Read whatever the stream has sent.
    fn drain(&mut self) {
        while let Ok(event) = self
            .events
            .recv_timeout(std::time::Duration::from_millis(200))
        {
            self.see(event);
        }
    }
}

/// The scripted third party and desktops, talking to one server.
struct Script<'a> {
    server: &'a Server,
    client: Client,
    scenario: &'a Scenario,
    schedule: Schedule,
    desktops: BTreeMap<&'static str, Desktop>,
    now: u64,
    /// Each agent's readiness as it happened: `[start, end)` in µs, `None`: still ready.
    readiness: BTreeMap<&'static str, Vec<(u64, Option<u64>)>>,
    /// Workitems whose Mark Done is scheduled.
    done_scheduled: BTreeSet<String>,
    updated: BTreeSet<String>,
    rejections: usize,
    accepted: usize,
}

impl Script<'_> {
    fn call(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self
            .client
            .request(method, self.server.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().expect("a reply")
    }

    fn ok(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
        ok(self.call(method, path, token, body))
    }

    fn workitem(&self, id: &str) -> Value {
        self.ok("GET", &format!("/v1/workitems/{id}"), CRM, None)
    }

    fn listed(&self, state: &str) -> Vec<Value> {
        let path = format!("/v1/workitems?state={state}");
        let list = self.ok("GET", &path, CRM, None);
        // A paged reply's items, or the list itself.
        let items = list.get("items").cloned().unwrap_or(list);
        items.as_array().expect("a list").clone()
    }

    fn set_state(&mut self, agent: &'static str, state: &str) {
        let token = self.desktops[agent].token.clone();
        let path = format!("/v1/agents/{agent}/state");
        let reply = self.ok("PUT", &path, &token, Some(json!({ "state": state })));
        assert_eq!(reply["state"], state);
        let intervals = self.readiness.entry(agent).or_default();
        match state {
            "ready" => intervals.push((self.now, None)),
            _ => self.not_ready(agent),
        }
    }

    /// Agent `agent` stopped being ready now: its open interval ends (or, opened now, never was).
    fn not_ready(&mut self, agent: &'static str) {
        let intervals = self.readiness.entry(agent).or_default();
        if let Some(last) = intervals.last_mut()
            && last.1.is_none()
        {
            if last.0 == self.now {
                intervals.pop();
            } else {
                last.1 = Some(self.now);
            }
        }
    }

    fn run(&mut self, action: Action) {
        match action {
            Action::ShiftStarts(agent) => {
                let agent = self.agent(&agent);
                self.set_state(agent, "ready");
            }
            Action::ShiftEnds(agent) => {
                let agent = self.agent(&agent);
                self.set_state(agent, "not_ready");
            }
            Action::Done(id) => {
                let view = self.workitem(&id);
                let agent = view["agent"].as_str().expect("held by an agent").to_owned();
                let token = if AUTO.contains(&agent.as_str()) {
                    CRM.to_owned()
                } else {
                    desktop_token(&agent)
                };
                let body = json!({ "disposition": "resolved" });
                let done = self.ok(
                    "POST",
                    &format!("/v1/workitems/{id}/done"),
                    &token,
                    Some(body),
                );
                assert_eq!(done["state"], "done");
            }
            Action::Stop(id) => self.stop_if_waiting(&id),
            Action::Arrive(i) => {
                let workitem = &self.scenario.workitems[i];
                let body = json!({
                    "id": workitem["id"],
                    "priority": workitem["priority"],
                    "userdata": workitem["userdata"],
                });
                let reply = self.call("POST", "/v1/workitems", CRM, Some(body));
                assert_eq!(reply.status(), StatusCode::CREATED);
                let id = format!("w{i}");
                // stop_s equal to arrive_s: stopped unless routed on arrival.
                if workitem["stop_s"].as_f64().map(micros) == Some(self.now) {
                    self.settle();
                    self.stop_if_waiting(&id);
                }
                // Every third workitem gets an update 1.5 ms after it arrives.
                if i % 3 == 0 {
                    self.schedule.add(self.now + 1_499, Action::Update(id));
                }
            }
            Action::Update(id) => {
                let reply = self.call("GET", &format!("/v1/workitems/{id}"), CRM, None);
                let etag = reply.headers()[ETAG].to_str().expect("ASCII").to_owned();
                if ok(reply)["state"] != "waiting" {
                    return;
                }
                let patched = self
                    .client
                    .patch(self.server.url(&format!("/v1/workitems/{id}/userdata")))
                    .bearer_auth(CRM)
                    .header("If-Match", etag)
                    .json(&json!({ "note": format!("updated {id}") }))
                    .send()
                    .expect("a reply");
                assert_eq!(ok(patched)["userdata"]["note"], format!("updated {id}"));
                self.updated.insert(id);
            }
        }
    }

    fn agent(&self, id: &str) -> &'static str {
        self.desktops
            .keys()
            .find(|agent| **agent == id)
            .expect("an agent")
    }

    fn stop_if_waiting(&mut self, id: &str) {
        if self.workitem(id)["state"] == "waiting" {
            let stopped = self.ok("POST", &format!("/v1/workitems/{id}/stop"), CRM, None);
            assert_eq!(stopped["state"], "stopped");
        }
    }

    /// The desktops answer every open offer (an answer may lead to another offer), then every new
    /// assignment gets its Mark Done scheduled.
    fn settle(&mut self) {
        loop {
            let offered = self.listed("offered");
            if offered.is_empty() {
                break;
            }
            for view in offered {
                let id = view["id"].as_str().expect("an id").to_owned();
                let agent = self.agent(view["agent"].as_str().expect("an agent"));
                let desktop = self.desktops.get_mut(agent).expect("a desktop");
                let offer = desktop.offer(&id);
                let offer_id = offer.data["offer"].as_str().expect("an offer id");
                assert_eq!(view["offer"], offer_id);
                let reject = agent == REJECTS && desktop.answered.is_multiple_of(5);
                desktop.answered += 1;
                let answer = if reject { "reject" } else { "accept" };
                let token = desktop.token.clone();
                let path = format!("/v1/offers/{offer_id}/{answer}");
                let answered = self.ok("POST", &path, &token, None);
                if reject {
                    assert_eq!(answered["state"], "waiting");
                    self.rejections += 1;
                    self.not_ready(agent);
                    let end = self.scenario.shifts.iter().find(|s| s.agent == agent);
                    let back = self.now + BACK_US;
                    if end.is_some_and(|shift| back < micros(shift.end_s)) {
                        self.schedule
                            .add(back, Action::ShiftStarts(agent.to_owned()));
                    }
                } else {
                    assert_eq!(answered["state"], "assigned");
                    self.accepted += 1;
                }
            }
        }
        for view in self.listed("assigned") {
            let id = view["id"].as_str().expect("an id").to_owned();
            if self.done_scheduled.insert(id.clone()) {
                let routed = micros(view["routed_s"].as_f64().expect("routed"));
                let done = routed + self.scenario.handle_us(self.scenario.index(&id));
                self.schedule.add(done, Action::Done(id));
            }
        }
    }

    /// Play the script to its end: the clock moves to the earlier of the next action and the server's
    /// next timer.
    fn play(&mut self) {
        loop {
            let clock = self.ok("GET", "/v1/clock", ADMIN, None);
            let next_server = clock["next_event_s"].as_f64().map(micros);
            let next_script = self.schedule.next_at();
            let Some(target) = next_instant(next_server, next_script) else {
                break;
            };
            let moved = target > self.now;
            if moved {
                let by_s = (target - self.now) as f64 / 1e6;
                let body = Some(json!({ "by_s": by_s }));
                let clock = self.ok("POST", "/v1/clock/advance", ADMIN, body);
                assert_eq!(micros(clock["now_s"].as_f64().expect("now")), target);
                self.now = target;
            }
            if next_script == Some(target) {
                let (_, action) = self.schedule.pop().expect("an action");
                self.run(action);
            } else {
                assert!(moved, "the server's timer is due and stays due: {clock}");
            }
            self.settle();
        }
    }

    /// The center file the replay runs on: the agents' readiness as it happened.
    fn replay_center(&self) -> String {
        self.scenario.center(|shift| {
            let intervals: Vec<String> = self.readiness[shift.agent]
                .iter()
                .map(|(start, end)| match end {
                    Some(end) => format!("[{}, {}]", *start as f64 / 1e6, *end as f64 / 1e6),
                    None => format!("[{}, .inf]", *start as f64 / 1e6),
                })
                .collect();
            format!(", ready: [{}]", intervals.join(", "))
        })
    }
}

fn server(scenario: &Scenario, dir: &std::path::Path) -> Server {
    let live_center = scenario.center(|shift| {
        let auto = AUTO.contains(&shift.agent);
        format!(", auto_accept: {auto}")
    });
    let center = dir.join("center.yaml");
    std::fs::write(&center, live_center).expect("the center is written");
    let mut lines = format!(
        "- {{ role: admin, sha256: {} }}\n- {{ role: integration, sha256: {} }}\n",
        sha256_hex(ADMIN),
        sha256_hex(CRM)
    );
    for (agent, _, _) in AGENTS {
        let hash = sha256_hex(&desktop_token(agent));
        lines.push_str(&format!("- {{ role: 'agent:{agent}', sha256: {hash} }}\n"));
    }
    let tokens = tokens_file(dir, &lines);
    let tokens = tokens.to_str().expect("UTF-8");
    Server::start_on(&center, &["--tokens", tokens, "--clock", "test"])
}

#[test]
fn a_test_clock_server_driven_over_http_gives_the_replays_outcomes() {
    for seed in 1..=3 {
        let dir = tempfile::tempdir().expect("a directory");
        let scenario = scenario(seed, 150);
        let server = server(&scenario, dir.path());
        let desktops = AGENTS
            .iter()
            .map(|&(agent, _, _)| {
                let token = desktop_token(agent);
                let events = follow(&server, &token, agent, None);
                let desktop = Desktop {
                    agent,
                    token,
                    events,
                    offered: BTreeSet::new(),
                    assigned: BTreeSet::new(),
                    answered: 0,
                    userdata: BTreeMap::new(),
                    unanswered: BTreeMap::new(),
                };
                (agent, desktop)
            })
            .collect();
        let mut script = Script {
            server: &server,
            client: client(),
            scenario: &scenario,
            schedule: Schedule::of(&scenario),
            desktops,
            now: 0,
            readiness: BTreeMap::new(),
            done_scheduled: BTreeSet::new(),
            updated: BTreeSet::new(),
            rejections: 0,
            accepted: 0,
        };
        script.play();
        let what = format!("seed {seed}");
        assert!(script.rejections > 0 && script.accepted > 0, "{what}");
        assert!(!script.updated.is_empty(), "{what}");

        let mut lived = Vec::new();
        for i in 0..scenario.workitems.len() {
            let id = format!("w{i}");
            let mut outcome = script.workitem(&id)["outcome"].clone();
            // The update reached the flow: blocks after it saw the key.
            let note = outcome["userdata"]
                .as_object_mut()
                .and_then(|userdata| userdata.remove("note"));
            if script.updated.contains(&id) && outcome["outcome"] == "routed" {
                assert_eq!(note, Some(json!(format!("updated {id}"))), "{what} {id}");
            }
            lived.push(outcome);
        }
        let replayed = replayed(&scenario, &script.replay_center());

        // Each desktop was told of exactly the workitems routed to its agent, with their user data as
        // updated.
        for desktop in script.desktops.values_mut() {
            desktop.drain();
            let routed: BTreeSet<String> = replayed
                .iter()
                .filter(|o| o["agent"] == desktop.agent)
                .map(|o| o["id"].as_str().expect("an id").to_owned())
                .collect();
            assert_eq!(desktop.assigned, routed, "{what}: {}", desktop.agent);
            if !AUTO.contains(&desktop.agent) {
                assert!(desktop.offered.is_superset(&routed), "{what}");
            }
            for id in &desktop.assigned {
                if script.updated.contains(id) {
                    let note = &desktop.userdata[id]["note"];
                    assert_eq!(*note, json!(format!("updated {id}")), "{what}");
                }
            }
        }
        assert_same_outcomes(replayed, lived, &what);
    }
}
