//! A replay's input as a script for a live engine: random arrivals, stops and agent shifts for the
//! sample flow, the actions a third party and agents' desktops take, in the replay's order within an
//! instant, and the replay itself. Used by the tests that check that a `--clock test` engine (driven
//! directly, or over HTTP) gives every workitem the outcome `routeflow replay` gives it.
//!
//! Times are drawn so that scripted actions rarely share a microsecond with a Route timeout, whose order
//! against a command at the same instant is the engine's: every arrival is at a whole millisecond plus
//! 1 µs (so its timeouts are too), every other scripted time a whole millisecond plus 500 µs.
#![allow(dead_code)]

use routeflow::center::Center;
use routeflow::diagnostic::SourceFile;
use routeflow::flow::Bundle;
use routeflow::replay::{Options, replay};
use routeflow::runtime::Runner;
use routeflow::workitem::WorkitemReader;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The agents: id, groups, skills.
pub const AGENTS: [(&str, &str, &str); 5] = [
    ("alice", "[gold_group, workitems]", "{ english: 9 }"),
    ("bob", "[bronze_group, workitems]", "{ english: 5 }"),
    ("carol", "[gold_group]", "{ english: 8, french: 6 }"),
    ("dave", "[workitems]", "{ english: 2 }"),
    ("erin", "[night_shift]", "{ french: 7 }"),
];

/// The center's default handle time (a whole millisecond plus 500 µs).
pub const DEFAULT_HANDLE_S: f64 = 200.0005;

/// Seconds: `ms` milliseconds plus `micros` microseconds.
pub fn at_ms(ms: u64, micros: u64) -> f64 {
    (ms * 1000 + micros) as f64 / 1e6
}

/// Seconds as whole microseconds.
pub fn micros(seconds: f64) -> u64 {
    (seconds * 1e6).round() as u64
}

/// One agent's shift: ready from `start_s` to `end_s`.
pub struct Shift {
    pub agent: &'static str,
    pub groups: &'static str,
    pub skills: &'static str,
    pub capacity: u32,
    pub start_s: f64,
    pub end_s: f64,
}

pub struct Scenario {
    pub shifts: Vec<Shift>,
    /// Workitems as replay reads them (`id`, `arrive_s`, `priority`, `userdata`, maybe `handle_s` and
    /// `stop_s`).
    pub workitems: Vec<Value>,
}

/// `count` workitems and the five agents' shifts, drawn from `seed`: every cascade of the sample flow
/// (requested agents present, absent and unknown; skill expressions; groups; the default group), some
/// stopped, some with their own handle time.
pub fn scenario(seed: u64, count: usize) -> Scenario {
    let mut rng = fastrand::Rng::with_seed(seed);
    let shifts = AGENTS
        .iter()
        .map(|&(agent, groups, skills)| {
            let start_s = at_ms(rng.u64(0..200_000), 500);
            let end_s = at_ms(rng.u64(400_000..1_500_000), 500);
            Shift {
                agent,
                groups,
                skills,
                capacity: rng.u32(1..3),
                start_s,
                end_s,
            }
        })
        .collect();
    let segments = ["Gold", "Bronze", "Silver"];
    let mut workitems = Vec::new();
    let mut ms = 0;
    for i in 0..count {
        ms += rng.u64(0..30_000);
        let arrive_s = at_ms(ms, 1);
        let mut userdata = json!({
            "GTR_level1": "Insurance",
            "GTR_level2": "Health",
            "CustomerSegment": segments[rng.usize(..segments.len())],
        });
        match rng.u8(..10) {
            0 => {
                userdata["GTR_requestedAgent"] = json!(["alice", "erin", "nobody"][rng.usize(..3)])
            }
            1 => userdata["GTR_skillExpression"] = json!("french > 5"),
            2 => userdata["GTR_requestedAgentGroup"] = json!("night_shift"),
            _ => {}
        }
        let mut workitem = json!({
            "id": format!("w{i}"),
            "arrive_s": arrive_s,
            "priority": rng.i64(0..3),
            "userdata": userdata,
        });
        if rng.bool() {
            workitem["handle_s"] = json!(at_ms(rng.u64(10_000..400_000), 500));
        }
        if rng.u8(..5) == 0 {
            workitem["stop_s"] = json!(arrive_s + at_ms(rng.u64(0..500_000), 499));
        }
        workitems.push(workitem);
    }
    Scenario { shifts, workitems }
}

impl Scenario {
    /// A center file for these agents: `extra(shift)` adds properties to each agent's line (such as
    /// `ready: …` or `auto_accept: true`).
    pub fn center(&self, extra: impl Fn(&Shift) -> String) -> String {
        let mut center = format!("default_handle_s: {DEFAULT_HANDLE_S}\nagents:\n");
        for shift in &self.shifts {
            center.push_str(&format!(
                "  - {{ id: {}, groups: {}, skills: {}, capacity: {}{} }}\n",
                shift.agent,
                shift.groups,
                shift.skills,
                shift.capacity,
                extra(shift)
            ));
        }
        center
    }

    /// Workitem `i`'s handle time, in microseconds.
    pub fn handle_us(&self, i: usize) -> u64 {
        micros(
            self.workitems[i]["handle_s"]
                .as_f64()
                .unwrap_or(DEFAULT_HANDLE_S),
        )
    }

    /// The workitems as a replay reads them: JSON Lines.
    pub fn jsonl(&self) -> String {
        self.workitems.iter().map(|w| format!("{w}\n")).collect()
    }

    /// The index of the workitem with id `id`.
    pub fn index(&self, id: &str) -> usize {
        id.strip_prefix('w')
            .and_then(|n| n.parse().ok())
            .expect("a scenario id")
    }
}

/// The sample flow, ready to run.
/// The sample flow, bundled and compiled.
pub fn sample() -> (Bundle, Arc<Runner>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    routeflow::live::from_disk(&root.join("flows/gtr_sample.yaml")).expect("the sample loads")
}

pub fn center(yaml: &str) -> Arc<Center> {
    Arc::new(Center::parse(&SourceFile::new("center.yaml", yaml)).expect("a center"))
}

/// The outcomes `routeflow replay` gives the scenario's workitems against `center_yaml`.
pub fn replayed(scenario: &Scenario, center_yaml: &str) -> Vec<Value> {
    let input = scenario.jsonl();
    let mut outcomes = Vec::new();
    replay(
        sample().1,
        center(center_yaml),
        WorkitemReader::new(input.as_bytes()),
        Options::default(),
        &mut |outcome| outcomes.push(serde_json::from_str(&outcome.to_json()).expect("JSON")),
    )
    .expect("replays");
    outcomes
}

/// What the script does, in the replay's order within an instant: shifts ending, agents done, shifts
/// starting, stops, arrivals (then updates, which a replay does not have).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    ShiftEnds(String),
    Done(String),
    ShiftStarts(String),
    Stop(String),
    Arrive(usize),
    Update(String),
}

/// The script's actions to come, by time (µs) then order within an instant.
#[derive(Default)]
pub struct Schedule(BTreeMap<(u64, Action), ()>);

impl Schedule {
    /// The scenario's own actions: shifts, arrivals, stops.
    pub fn of(scenario: &Scenario) -> Schedule {
        let mut schedule = Schedule::default();
        for shift in &scenario.shifts {
            let agent = shift.agent.to_owned();
            schedule.add(micros(shift.start_s), Action::ShiftStarts(agent.clone()));
            schedule.add(micros(shift.end_s), Action::ShiftEnds(agent));
        }
        for (i, workitem) in scenario.workitems.iter().enumerate() {
            schedule.add(
                micros(workitem["arrive_s"].as_f64().expect("s")),
                Action::Arrive(i),
            );
            if let Some(stop) = workitem["stop_s"].as_f64() {
                schedule.add(micros(stop), Action::Stop(format!("w{i}")));
            }
        }
        schedule
    }

    pub fn add(&mut self, at_us: u64, action: Action) {
        self.0.insert((at_us, action), ());
    }

    /// When the next action is due.
    pub fn next_at(&self) -> Option<u64> {
        self.0.keys().next().map(|(at, _)| *at)
    }

    pub fn pop(&mut self) -> Option<(u64, Action)> {
        self.0.pop_first().map(|(key, ())| key)
    }
}

/// Where the clock goes next: the earlier of the engine's next timer and the script's next action.
pub fn next_instant(engine_us: Option<u64>, script_us: Option<u64>) -> Option<u64> {
    match (engine_us, script_us) {
        (Some(e), Some(s)) => Some(e.min(s)),
        (e, s) => e.or(s),
    }
}

/// Outcomes compared: `done_s` aside (live, the agent says when it is done).
pub fn assert_same_outcomes(replayed: Vec<Value>, lived: Vec<Value>, what: &str) {
    assert_eq!(replayed.len(), lived.len());
    let kinds: std::collections::BTreeSet<&str> = replayed
        .iter()
        .filter_map(|o| o["outcome"].as_str())
        .collect();
    assert!(
        kinds.len() >= 3,
        "the scenario has few kinds of outcome: {kinds:?}"
    );
    for (mut replay, mut live) in replayed.into_iter().zip(lived) {
        replay["done_s"] = Value::Null;
        live["done_s"] = Value::Null;
        assert_eq!(live, replay, "{what}");
    }
}
