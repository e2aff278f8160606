//! What the parties do, in virtual time: the CRM creates each workitem of the workload when it
//! arrives (and the workload again, under new ids, once it is done: the demo runs until stopped); an
//! agent answers an offer a few seconds after it comes (one in twenty it lets go: the server then puts
//! it `not_ready`, and it is ready again 30 s later), and marks a workitem done when its handle time
//! has passed. The clock moves from one due action to the next, so that each happens at its time.

use super::desktop::Heard;
use super::server::Server;
use rand_core::Rng;
use rand_pcg::Pcg64Mcg;
use serde_json::{Value, json};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::path::Path;
use std::sync::mpsc::Receiver;

/// A workitem of the workload.
#[derive(Clone, Debug)]
pub struct Arrival {
    pub id: String,
    pub at_s: f64,
    pub handle_s: f64,
    priority: i64,
    userdata: Value,
}

/// Read the workload (JSON Lines, `docs/workitem-format.md`) as a replay reads it: each valid line's
/// id, arrival, handle time, priority and user data, in the order of arrival. A bad line is skipped
/// with a warning naming it (as a replay gives it an `error` outcome); a repeated id keeps its first
/// line, since the server takes an id once.
pub fn read_workload(path: &Path, default_handle_s: f64) -> Result<Vec<Arrival>, String> {
    let file = std::fs::File::open(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let mut arrivals = Vec::new();
    let mut ids = HashSet::new();
    for line in crate::workitem::WorkitemReader::new(std::io::BufReader::new(file)) {
        let line = line.map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let item = match line.item {
            Ok(item) => item,
            Err(error) => {
                super::say(&format!(
                    "warning: {}:{}: {} (skipped)",
                    path.display(),
                    error.line,
                    error.message
                ));
                continue;
            }
        };
        if !ids.insert(item.id.to_string()) {
            super::say(&format!(
                "warning: {}:{}: the id `{}` is taken by an earlier line (skipped)",
                path.display(),
                line.number,
                item.id
            ));
            continue;
        }
        let userdata: serde_json::Map<String, Value> = item
            .userdata
            .iter()
            .map(|(key, value)| {
                let json = serde_json::from_str(&value.to_json()).unwrap_or(Value::Null);
                (key.to_owned(), json)
            })
            .collect();
        arrivals.push(Arrival {
            id: item.id.to_string(),
            at_s: item.arrive_s,
            handle_s: item.handle_s_or(default_handle_s),
            priority: item.priority,
            userdata: Value::Object(userdata),
        });
    }
    arrivals.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    Ok(arrivals)
}

/// Something a party does at a time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    Answer {
        agent: String,
        offer: String,
        accept: bool,
    },
    Done {
        agent: String,
        workitem: String,
    },
    Ready {
        agent: String,
    },
}

/// A time, ordered (never NaN here).
#[derive(Clone, Copy, Debug, PartialEq)]
struct At(f64);

impl Eq for At {}

impl PartialOrd for At {
    fn partial_cmp(&self, other: &At) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for At {
    fn cmp(&self, other: &At) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// One agent in twenty lets an offer go.
const LET_GO: u64 = 20;
/// How long an agent takes to answer an offer: 2 to 8 s.
const THINK_S: (f64, f64) = (2.0, 8.0);
/// How long an agent that let an offer go stays not ready.
const BACK_S: f64 = 30.0;
/// The clock's resolution: a microsecond.
const RESOLUTION_S: f64 = 1e-6;
/// The longest move of the clock at once, in seconds: well within an offer's 30 s.
const STEP_S: f64 = 5.0;

/// The parties' state.
pub struct Script {
    arrivals: Vec<Arrival>,
    next: usize,
    /// Rounds of the workload created so far (ids of later rounds end in `-2`, `-3`…).
    round: u32,
    /// How far apart rounds start.
    period_s: f64,
    now_s: f64,
    /// Actions due, in time order (then in the order they were planned).
    due: BinaryHeap<Reverse<(At, u64, Action)>>,
    planned: u64,
    /// Handle times of the workitems created and not yet assigned, by id.
    handle: HashMap<String, f64>,
    rng: Pcg64Mcg,
    agents: Vec<String>,
    created: u64,
    taken: u64,
    let_go: u64,
    done: u64,
    refused: u64,
}

impl Script {
    /// The script of `arrivals` (sorted by time) for `agents`.
    pub fn new(arrivals: Vec<Arrival>, agents: &[String]) -> Script {
        let last = arrivals.last().map_or(0.0, |a| a.at_s);
        Script {
            period_s: last + 60.0,
            arrivals,
            next: 0,
            round: 1,
            now_s: 0.0,
            due: BinaryHeap::new(),
            planned: 0,
            handle: HashMap::new(),
            rng: Pcg64Mcg::new(0x2024_0615_cafe_f00d_0123_4567_89ab_cdef),
            agents: agents.to_vec(),
            created: 0,
            taken: 0,
            let_go: 0,
            done: 0,
            refused: 0,
        }
    }

    /// Every agent logs in, ready, as a shift starts (until `stop` says so).
    pub fn log_in_everyone(
        &mut self,
        server: &Server,
        stop: &dyn Fn() -> bool,
    ) -> Result<(), String> {
        for agent in &self.agents {
            if stop() {
                break;
            }
            server.set_state(agent, "ready")?;
        }
        Ok(())
    }

    fn plan(&mut self, after_s: f64, action: Action) {
        self.planned += 1;
        let at = At(self.now_s + after_s);
        self.due.push(Reverse((at, self.planned, action)));
    }

    /// What an agent's desktop heard: an offer to answer, work to do, an offer or a workitem gone.
    pub fn heard(&mut self, heard: Heard) {
        match heard.event.as_str() {
            "offer" => {
                let Some(offer) = heard.offer else { return };
                let accept = !self.rng.next_u64().is_multiple_of(LET_GO);
                let unit = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                let think = THINK_S.0 + (THINK_S.1 - THINK_S.0) * unit;
                let agent = heard.agent;
                self.plan(
                    think,
                    Action::Answer {
                        agent,
                        offer,
                        accept,
                    },
                );
            }
            "assigned" => {
                self.taken += 1;
                let handle = self.handle.remove(&heard.workitem).unwrap_or(300.0);
                let action = Action::Done {
                    agent: heard.agent,
                    workitem: heard.workitem,
                };
                self.plan(handle, action);
            }
            "offer_rescinded" => {
                // Its answer, if still to come, is not given.
                if let Some(offer) = heard.offer {
                    self.due.retain(|Reverse((_, _, action))| {
                        !matches!(action, Action::Answer { offer: o, .. } if *o == offer)
                    });
                }
                // Not answered in time (the demo fell behind): the server made the agent not ready.
                if heard.reason.as_deref() == Some("expired") {
                    let agent = heard.agent;
                    self.plan(BACK_S, Action::Ready { agent });
                }
            }
            "stopped" => {
                let workitem = heard.workitem;
                self.due.retain(|Reverse((_, _, action))| {
                    !matches!(action, Action::Done { workitem: w, .. } if *w == workitem)
                });
            }
            _ => {}
        }
    }

    /// The next arrival: its time in this run, and the workitem.
    fn next_arrival(&self) -> (f64, &Arrival) {
        let arrival = &self.arrivals[self.next];
        let offset = f64::from(self.round - 1) * self.period_s;
        (arrival.at_s + offset, arrival)
    }

    /// Move the clock `by_s` seconds on, each action at its time, and never more than [`STEP_S`] at
    /// once: an offer made in a step is heard by its desktop before the next (it has 30 s). Returns
    /// early when `stop` says so.
    pub fn advance(
        &mut self,
        server: &Server,
        by_s: f64,
        heard: &Receiver<Heard>,
        stop: &dyn Fn() -> bool,
    ) -> Result<(), String> {
        let until = self.now_s + by_s;
        // The server's clock counts whole microseconds: closer than that is there.
        while until - self.now_s >= RESOLUTION_S {
            if stop() {
                return Ok(());
            }
            let step = until.min(self.now_s + STEP_S);
            loop {
                let arrival = self.next_arrival().0;
                let action = self
                    .due
                    .peek()
                    .map_or(f64::INFINITY, |Reverse((at, ..))| at.0);
                let next = arrival.min(action);
                if next > step || stop() {
                    break;
                }
                self.move_clock(server, next)?;
                if arrival <= action {
                    self.create(server);
                } else if let Some(Reverse((_, _, action))) = self.due.pop() {
                    self.act(server, action);
                }
            }
            self.move_clock(server, step)?;
            // What the desktops heard meanwhile (their streams deliver within milliseconds).
            std::thread::sleep(std::time::Duration::from_millis(2));
            while let Ok(event) = heard.try_recv() {
                self.heard(event);
            }
        }
        Ok(())
    }

    fn move_clock(&mut self, server: &Server, to_s: f64) -> Result<(), String> {
        if to_s - self.now_s >= RESOLUTION_S {
            self.now_s = server.advance(to_s - self.now_s)?;
        }
        Ok(())
    }

    fn create(&mut self, server: &Server) {
        let round = self.round;
        let arrival = &self.arrivals[self.next];
        let id = match round {
            1 => arrival.id.clone(),
            _ => format!("{}-{round}", arrival.id),
        };
        let body = json!({ "id": id, "priority": arrival.priority, "userdata": arrival.userdata });
        self.handle.insert(id, arrival.handle_s);
        match server.create(&body) {
            Ok(_) => self.created += 1,
            Err(_) => self.refused += 1,
        }
        self.next += 1;
        if self.next == self.arrivals.len() {
            self.next = 0;
            self.round += 1;
        }
    }

    fn act(&mut self, server: &Server, action: Action) {
        // The server may have moved on meanwhile (an offer expired, a workitem stopped): its refusal
        // is counted, not fatal.
        let outcome = match action {
            Action::Answer {
                agent,
                offer,
                accept,
            } => {
                if !accept {
                    self.let_go += 1;
                    self.plan(
                        BACK_S,
                        Action::Ready {
                            agent: agent.clone(),
                        },
                    );
                }
                server.answer(&agent, &offer, accept)
            }
            Action::Done { agent, workitem } => {
                let done = server.done(&agent, &workitem, "resolved");
                if done.is_ok() {
                    self.done += 1;
                }
                done
            }
            Action::Ready { agent } => server.set_state(&agent, "ready"),
        };
        if outcome.is_err() {
            self.refused += 1;
        }
    }

    /// A line saying how far the demo is.
    pub fn progress(&self) -> String {
        format!(
            "clock at {}: {} created, {} taken by agents, {} done, {} let go{}",
            clock_text(self.now_s),
            crate::diagnostic::counted(self.created as usize, "workitem"),
            self.taken,
            self.done,
            crate::diagnostic::counted(self.let_go as usize, "offer"),
            match self.refused {
                0 => String::new(),
                n => format!(", {n} requests refused (the server had moved on)"),
            }
        )
    }
}

/// Seconds of the clock as `1 h 2 min 5 s`.
fn clock_text(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, s) => format!("{h} h {m} min {s} s"),
    }
}
