//! The live engine and the replay are one engine with two clocks (SPEC §9): driving a `--clock test`
//! engine with the arrivals, stops, agent shifts and handle times of a replay's input — agents saying
//! they are ready and not ready at their intervals' bounds, marking each workitem done `handle_s` after
//! it was routed, the third party stopping a workitem still waiting at its `stop_s` — gives every
//! workitem the outcome `routeflow replay` gives it (`done_s` aside: live, the agent says when).
//!
//! The scripted actions are ordered within an instant as the replay orders its events (shifts ending,
//! agents done, shifts starting, stops, arrivals). Times are drawn so that no action falls on the same
//! microsecond as a Route timeout, whose order against a command at the same instant is the engine's.

use routeflow::center::Center;
use routeflow::diagnostic::SourceFile;
use routeflow::flow::load;
use routeflow::live::{AgentEvent, AgentStateKind, ClockKind, Engine, NewWorkitem, State};
use routeflow::replay::{Options, replay};
use routeflow::runtime::Runner;
use routeflow::workitem::WorkitemReader;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::mpsc::Receiver;

const AGENTS: [(&str, &str, &str); 5] = [
    ("alice", "[gold_group, workitems]", "{ english: 9 }"),
    ("bob", "[bronze_group, workitems]", "{ english: 5 }"),
    ("carol", "[gold_group]", "{ english: 8, french: 6 }"),
    ("dave", "[workitems]", "{ english: 2 }"),
    ("erin", "[night_shift]", "{ french: 7 }"),
];

/// Seconds with a microsecond part that keeps scripted actions off Route timeouts' instants: every
/// arrival is at a whole millisecond plus 1 µs (so its timeouts are too), every other scripted time a
/// whole millisecond plus 500 µs.
fn at_ms(ms: u64, micros: u64) -> f64 {
    (ms * 1000 + micros) as f64 / 1e6
}

struct Scenario {
    center: String,
    live_center: String,
    workitems: Vec<Value>,
}

fn scenario(seed: u64, count: usize) -> Scenario {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut center = String::from("default_handle_s: 200.0005\nagents:\n");
    let mut live_center = String::from("default_handle_s: 200.0005\nagents:\n");
    for (id, groups, skills) in AGENTS {
        let start = at_ms(rng.u64(0..200_000), 500);
        let end = at_ms(rng.u64(400_000..1_500_000), 500);
        let line = format!(
            "  - {{ id: {id}, groups: {groups}, skills: {skills}, capacity: {}",
            rng.u32(1..3)
        );
        center.push_str(&format!("{line}, ready: [[{start}, {end}]] }}\n"));
        live_center.push_str(&format!(
            "{line}, ready: [[{start}, {end}]], auto_accept: true }}\n"
        ));
    }
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
    Scenario {
        center,
        live_center,
        workitems,
    }
}

fn runner() -> Arc<Runner> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let flow = load(&root.join("flows/gtr_sample.yaml"))
        .flow
        .expect("the sample loads");
    Arc::new(Runner::new(Arc::new(flow)))
}

fn center(yaml: &str) -> Arc<Center> {
    Arc::new(Center::parse(&SourceFile::new("center.yaml", yaml)).expect("a center"))
}

fn replayed(scenario: &Scenario) -> Vec<Value> {
    let input: String = scenario
        .workitems
        .iter()
        .map(|w| format!("{w}\n"))
        .collect();
    let mut outcomes = Vec::new();
    replay(
        runner(),
        center(&scenario.center),
        WorkitemReader::new(input.as_bytes()),
        Options::default(),
        &mut |outcome| outcomes.push(serde_json::from_str(&outcome.to_json()).expect("JSON")),
    )
    .expect("replays");
    outcomes
}

/// What the script does, in the replay's order within an instant.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    ShiftEnds(String),
    Done(String),
    ShiftStarts(String),
    Stop(String),
    Arrive(usize),
}

type Schedule = BTreeMap<(u64, Action), ()>;

fn micros(seconds: f64) -> u64 {
    (seconds * 1e6).round() as u64
}

async fn live(scenario: &Scenario) -> Vec<Value> {
    let center = center(&scenario.live_center);
    let engine = Engine::start(runner(), center.clone(), ClockKind::Test).expect("starts");
    let mut schedule = Schedule::new();
    let mut streams: Vec<Receiver<AgentEvent>> = Vec::new();
    for agent in center.agents() {
        let (start, end) = agent.ready[0];
        schedule.insert((micros(start), Action::ShiftStarts(agent.id.clone())), ());
        schedule.insert((micros(end), Action::ShiftEnds(agent.id.clone())), ());
        streams.push(engine.subscribe(&agent.id, None).await.expect("agent").1);
    }
    let handle = |i: usize| {
        scenario.workitems[i]["handle_s"]
            .as_f64()
            .unwrap_or(center.default_handle_s())
    };
    for (i, workitem) in scenario.workitems.iter().enumerate() {
        let arrive = workitem["arrive_s"].as_f64().expect("arrive_s");
        schedule.insert((micros(arrive), Action::Arrive(i)), ());
        if let Some(stop) = workitem["stop_s"].as_f64() {
            schedule.insert((micros(stop), Action::Stop(format!("w{i}"))), ());
        }
    }
    let index: BTreeMap<String, usize> = (0..scenario.workitems.len())
        .map(|i| (format!("w{i}"), i))
        .collect();
    let mut now = 0u64;
    loop {
        let clock = engine.clock().await.expect("clock");
        let next_engine = clock.next_event_s.map(micros);
        let next_script = schedule.keys().next().map(|(at, _)| *at);
        let target = match (next_engine, next_script) {
            (None, None) => break,
            (Some(e), Some(s)) => e.min(s),
            (Some(e), None) => e,
            (None, Some(s)) => s,
        };
        if target > now {
            engine
                .advance((target - now) as f64 / 1e6)
                .await
                .expect("a test clock");
            now = target;
        }
        if next_script == Some(target) {
            let ((_, action), ()) = schedule.pop_first().expect("an action");
            match action {
                Action::ShiftStarts(agent) => {
                    let state = AgentStateKind::Ready;
                    engine
                        .set_agent_state(&agent, state, None)
                        .await
                        .expect("agent");
                }
                Action::ShiftEnds(agent) => {
                    let state = AgentStateKind::NotReady;
                    engine
                        .set_agent_state(&agent, state, None)
                        .await
                        .expect("agent");
                }
                Action::Done(id) => {
                    engine.done(&id, None, None).await.expect("done");
                }
                Action::Stop(id) => {
                    let view = engine.workitem(&id).await.expect("up").expect("created");
                    if view.state == State::Waiting {
                        engine.stop(&id).await.expect("stopped");
                    }
                }
                Action::Arrive(i) => {
                    let workitem = &scenario.workitems[i];
                    engine
                        .create(NewWorkitem {
                            id: Some(format!("w{i}")),
                            priority: workitem["priority"].as_i64(),
                            userdata: workitem["userdata"]
                                .as_object()
                                .cloned()
                                .unwrap_or_default(),
                            body: workitem.clone(),
                            ..NewWorkitem::default()
                        })
                        .await
                        .expect("created");
                    // stop_s equal to arrive_s: stopped unless routed on arrival.
                    if let Some(stop) = workitem["stop_s"].as_f64()
                        && micros(stop) == now
                    {
                        let view = engine.workitem(&format!("w{i}")).await.unwrap().unwrap();
                        if view.state == State::Waiting {
                            engine.stop(&view.id).await.expect("stopped");
                        }
                    }
                }
            }
        }
        for stream in &mut streams {
            while let Ok(event) = stream.try_recv() {
                if event.event == "assigned" {
                    let i = index[&event.workitem];
                    let done = micros(event.at_s + handle(i));
                    schedule.insert((done, Action::Done(event.workitem)), ());
                }
            }
        }
    }
    let mut outcomes = Vec::new();
    for i in 0..scenario.workitems.len() {
        let view = engine
            .workitem(&format!("w{i}"))
            .await
            .unwrap()
            .expect("created");
        outcomes.push(view.outcome.unwrap_or(Value::Null));
    }
    outcomes
}

#[test]
fn a_test_clock_engine_driven_like_a_replay_gives_the_replays_outcomes() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    for seed in 1..=3 {
        let scenario = scenario(seed, 150);
        let replayed = replayed(&scenario);
        let lived = runtime.block_on(live(&scenario));
        let kinds: std::collections::BTreeSet<&str> = replayed
            .iter()
            .filter_map(|o| o["outcome"].as_str())
            .collect();
        assert!(
            kinds.len() >= 3,
            "the scenario has few kinds of outcome: {kinds:?}"
        );
        for (mut replay, mut live) in replayed.into_iter().zip(lived) {
            // Live, the agent says when it is done: the outcome cannot know it.
            replay["done_s"] = Value::Null;
            live["done_s"] = Value::Null;
            assert_eq!(live, replay, "seed {seed}");
        }
    }
}
