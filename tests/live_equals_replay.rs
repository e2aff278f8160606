//! The live engine and the replay are one engine with two clocks (SPEC §9): driving a `--clock test`
//! engine with the arrivals, stops, agent shifts and handle times of a replay's input — agents saying
//! they are ready and not ready at their intervals' bounds, marking each workitem done `handle_s` after
//! it was routed, the third party stopping a workitem still waiting at its `stop_s` — gives every
//! workitem the outcome `routeflow replay` gives it (`done_s` aside: live, the agent says when).
//! The script and its timing rules are `script_support`'s.

mod script_support;

use routeflow::live::{AgentEvent, AgentStateKind, ClockKind, Engine, NewWorkitem, State};
use script_support::*;
use serde_json::Value;
use tokio::sync::mpsc::Receiver;

async fn live(scenario: &Scenario) -> Vec<Value> {
    let center = center(&scenario.center(|_| ", auto_accept: true".to_owned()));
    let engine = Engine::start(sample(), center, ClockKind::Test).expect("starts");
    let mut schedule = Schedule::of(scenario);
    let mut streams: Vec<Receiver<AgentEvent>> = Vec::new();
    for shift in &scenario.shifts {
        streams.push(engine.subscribe(shift.agent, None).await.expect("agent").1);
    }
    let mut now = 0u64;
    loop {
        let clock = engine.clock().await.expect("clock");
        let next_engine = clock.next_event_s.map(micros);
        let next_script = schedule.next_at();
        let Some(target) = next_instant(next_engine, next_script) else {
            break;
        };
        if target > now {
            engine
                .advance((target - now) as f64 / 1e6)
                .await
                .expect("a test clock");
            now = target;
        }
        if next_script == Some(target) {
            let (_, action) = schedule.pop().expect("an action");
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
                Action::Update(_) => unreachable!("this script updates nothing"),
            }
        }
        for stream in &mut streams {
            while let Ok(event) = stream.try_recv() {
                if event.event == "assigned" {
                    let i = scenario.index(&event.workitem);
                    let done = micros(event.at_s) + scenario.handle_us(i);
                    schedule.add(done, Action::Done(event.workitem));
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
        let shifts = |shift: &Shift| format!(", ready: [[{}, {}]]", shift.start_s, shift.end_s);
        let replayed = replayed(&scenario, &scenario.center(shifts));
        let lived = runtime.block_on(live(&scenario));
        assert_same_outcomes(replayed, lived, &format!("seed {seed}"));
    }
}
