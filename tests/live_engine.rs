//! The live engine without HTTP (SPEC §9.2-9.3): workitems created, offered, accepted, marked done,
//! stopped; offers rejected and expired; agents' event streams; the test clock. The HTTP layer on top is
//! tested over loopback in `tests/serve_*.rs`.

use routeflow::center::Center;
use routeflow::flow::Bundle;
use routeflow::live::{
    AgentStateKind, ClockKind, Engine, LiveError, NewWorkitem, State, compile, from_disk,
};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

fn engine() -> Engine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let flow = from_disk(&root.join("flows/gtr_sample.yaml")).expect("the sample loads");
    let center = Center::load(&root.join("flows/center.yaml")).expect("the center loads");
    Engine::start(flow, Arc::new(center), ClockKind::Test).expect("the engine starts")
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

fn new(id: &str, userdata: serde_json::Value) -> NewWorkitem {
    let body = json!({ "id": id, "userdata": userdata });
    NewWorkitem {
        id: Some(id.to_owned()),
        userdata: userdata.as_object().cloned().unwrap_or_default(),
        body,
        ..NewWorkitem::default()
    }
}

#[test]
fn a_workitem_waits_is_offered_accepted_and_marked_done() {
    block_on(async {
        let engine = engine();
        let created = engine
            .create(new(
                "w1",
                json!({ "GTR_level1": "Insurance", "caseNumber": "CS 7" }),
            ))
            .await
            .expect("created");
        assert!(created.created);
        let view = created.view;
        assert_eq!(view.state, State::Waiting, "{view:?}");
        assert_eq!(view.block.as_deref(), Some("route_skill"));
        assert_eq!(view.deadline_s, Some(120.0));
        assert_eq!(
            view.userdata["overrideKey"], "GTR_3rdPartyIntegration",
            "the flow's writes show"
        );
        let (_, mut events) = engine.subscribe("alice", None).await.expect("alice");
        engine
            .set_agent_state("alice", AgentStateKind::Ready, None)
            .await
            .expect("ready");
        let offer = events.recv().await.expect("an offer event");
        assert_eq!((offer.event.as_str(), offer.id), ("offer", 1));
        assert_eq!(offer.expires_s, Some(30.0));
        let view = engine.workitem("w1").await.unwrap().expect("w1");
        assert_eq!(view.state, State::Offered);
        let offer_id = offer.offer.expect("an offer id");
        assert_eq!(
            engine.answer(&offer_id, true, Some("bob".into())).await,
            Err(LiveError::Forbidden(format!(
                "offer `{offer_id}` is to agent `alice`"
            )))
        );
        let view = engine
            .answer(&offer_id, true, Some("alice".into()))
            .await
            .expect("accepted");
        assert_eq!(view.state, State::Assigned);
        assert_eq!(view.agent.as_deref(), Some("alice"));
        let assigned = events.recv().await.expect("an assigned event");
        assert_eq!(assigned.event, "assigned");
        // The screen pop-up: the flow's override key names the integration, whose template the
        // center file fills from the user data.
        let popup = assigned.popup.expect("a screen pop-up");
        assert_eq!(popup.integration, "GTR_3rdPartyIntegration");
        assert_eq!(
            popup.url.as_deref(),
            Some("https://crm.example.com/cases/CS%207")
        );
        let outcome = view.outcome.expect("the flow ended");
        assert_eq!(outcome["outcome"], "routed");
        assert_eq!(outcome["block"], "route_skill");
        // Mark done: by another agent, refused; then done, and again (idempotent).
        assert!(matches!(
            engine.done("w1", None, Some("bob".into())).await,
            Err(LiveError::Forbidden(_))
        ));
        let done = engine
            .done("w1", Some("resolved".into()), Some("alice".into()))
            .await
            .expect("done");
        assert_eq!(done.state, State::Done);
        assert_eq!(done.disposition.as_deref(), Some("resolved"));
        assert_eq!(
            engine.done("w1", None, None).await.expect("again").state,
            State::Done
        );
        let history: Vec<String> = engine
            .history("w1")
            .await
            .unwrap()
            .expect("w1")
            .into_iter()
            .map(|event| event.event)
            .collect();
        assert_eq!(
            history,
            [
                "created",
                "waiting",
                "offered",
                "offer_accepted",
                "assigned",
                "ended",
                "done"
            ]
        );
    });
}

#[test]
fn timeouts_cascade_on_the_test_clock_and_an_expired_offer_puts_the_agent_not_ready() {
    block_on(async {
        let engine = engine();
        engine
            .create(new("w1", json!({ "GTR_level1": "Insurance" })))
            .await
            .expect("created");
        // The skill cascade times out at 120 s: the group cascade (workitems) is next.
        assert_eq!(engine.advance(119.0).await, Ok(119.0));
        let view = engine.workitem("w1").await.unwrap().expect("w1");
        assert_eq!(view.block.as_deref(), Some("route_skill"));
        engine.advance(1.0).await.expect("moves");
        let view = engine.workitem("w1").await.unwrap().expect("w1");
        assert_eq!(view.block.as_deref(), Some("route_group"));
        assert_eq!(view.deadline_s, Some(240.0));
        // bob is offered it and lets the offer expire: not ready, and w1 waits again.
        engine
            .set_agent_state("bob", AgentStateKind::Ready, None)
            .await
            .expect("ready");
        assert_eq!(
            engine.workitem("w1").await.unwrap().expect("w1").state,
            State::Offered
        );
        engine.advance(30.0).await.expect("moves");
        let view = engine.workitem("w1").await.unwrap().expect("w1");
        assert_eq!(view.state, State::Waiting);
        let bob = engine.agent("bob").await.unwrap().expect("bob");
        assert_eq!(bob.state, AgentStateKind::NotReady);
        assert_eq!(bob.reason.as_deref(), Some("not_responding"));
        // Stopped while waiting.
        let stopped = engine.stop("w1").await.expect("stopped");
        assert_eq!(stopped.state, State::Stopped);
        assert_eq!(stopped.outcome.expect("ended")["outcome"], "stopped");
        assert_eq!(
            engine.stop("w1").await.expect("again").state,
            State::Stopped
        );
    });
}

#[test]
fn the_same_id_with_the_same_body_is_the_same_workitem_and_with_another_a_conflict() {
    block_on(async {
        let engine = engine();
        let first = engine.create(new("w1", json!({}))).await.expect("created");
        let again = engine.create(new("w1", json!({}))).await.expect("found");
        assert!(first.created && !again.created);
        assert!(matches!(
            engine.create(new("w1", json!({ "a": "b" }))).await,
            Err(LiveError::Conflict { .. })
        ));
        assert!(matches!(
            engine.done("w1", None, None).await,
            Err(LiveError::Conflict {
                state: Some(State::Waiting),
                ..
            })
        ));
        assert!(matches!(
            engine.stop("nope").await,
            Err(LiveError::NotFound(_))
        ));
    });
}

#[test]
fn user_data_set_while_waiting_reaches_the_flow_and_a_stale_revision_is_refused() {
    block_on(async {
        let engine = engine();
        let view = engine
            .create(new("w1", json!({ "GTR_level1": "Insurance" })))
            .await
            .expect("created")
            .view;
        let revision = view.revision;
        let mut set = serde_json::Map::new();
        set.insert("caseNumber".into(), json!("CS42"));
        assert!(matches!(
            engine
                .patch_userdata("w1", Some(revision + 7), set.clone())
                .await,
            Err(LiveError::Stale { .. })
        ));
        let patched = engine
            .patch_userdata("w1", Some(revision), set)
            .await
            .expect("patched");
        assert_eq!(patched.revision, revision + 1);
        assert_eq!(patched.userdata["caseNumber"], "CS42");
        // Routed: the flow's outcome carries the key set while it waited.
        engine
            .set_agent_state("alice", AgentStateKind::Ready, None)
            .await
            .expect("ready");
        let offer = engine.workitem("w1").await.unwrap().expect("w1").offer;
        let view = engine
            .answer(&offer.expect("offered"), true, None)
            .await
            .expect("accepted");
        assert_eq!(
            view.outcome.expect("ended")["userdata"]["caseNumber"],
            "CS42"
        );
        let clock = engine.clock().await.expect("clock");
        assert_eq!((clock.clock.as_str(), clock.now_s), ("test", 0.0));
    });
}

#[test]
fn what_the_attack_found_stays_fixed() {
    block_on(async {
        let engine = engine();
        // A made-up id never takes one the third party chose.
        engine
            .create(new("wi-2", json!({})))
            .await
            .expect("created");
        let made = engine
            .create(NewWorkitem {
                body: json!({ "userdata": {} }),
                ..NewWorkitem::default()
            })
            .await
            .expect("created");
        assert_eq!(made.view.id, "wi-2.2");
        // A key sent with an id found by its id names that workitem from then on.
        let keyed = NewWorkitem {
            key: Some("k1".into()),
            ..new("wi-2", json!({}))
        };
        assert!(!engine.create(keyed).await.expect("found").created);
        let other = NewWorkitem {
            key: Some("k1".into()),
            ..new("w-other", json!({}))
        };
        assert!(matches!(
            engine.create(other).await,
            Err(LiveError::Conflict { .. })
        ));
        // Ids are bounded and printable.
        for id in ["x".repeat(257), "a\nb".to_owned(), " ".to_owned()] {
            assert!(matches!(
                engine.create(new(&id, json!({}))).await,
                Err(LiveError::Invalid { .. })
            ));
        }
        // A stop withdraws an open offer, and the agent's event names the offer.
        let (_, mut alice) = engine.subscribe("alice", None).await.expect("alice");
        engine
            .set_agent_state("alice", AgentStateKind::Ready, None)
            .await
            .expect("ready");
        let offer = alice.recv().await.expect("an offer");
        let stopped = engine.stop(&offer.workitem).await.expect("stopped");
        assert_eq!(stopped.state, State::Stopped);
        let rescinded = alice.recv().await.expect("rescinded");
        assert_eq!(rescinded.event, "offer_rescinded");
        assert_eq!(rescinded.offer, offer.offer);
        assert_eq!(rescinded.reason.as_deref(), Some("stopped"));
        // Logging out withdraws the next offer: the workitem waits again, the agent stays logged out.
        let offer = alice.recv().await.expect("the next offer");
        assert_eq!(offer.event, "offer");
        engine
            .set_agent_state("alice", AgentStateKind::LoggedOut, None)
            .await
            .expect("logged out");
        let rescinded = alice.recv().await.expect("rescinded");
        assert_eq!(rescinded.reason.as_deref(), Some("logged_out"));
        let view = engine.workitem(&offer.workitem).await.unwrap().expect("it");
        assert_eq!((view.state, view.agent), (State::Waiting, None));
        let alice_now = engine.agent("alice").await.unwrap().expect("alice");
        assert_eq!(alice_now.state, AgentStateKind::LoggedOut);
        // The test clock stops where instants would no longer print exactly.
        assert!(matches!(
            engine.advance(9e9).await,
            Err(LiveError::Conflict { state: None, .. })
        ));
    });
}

#[test]
fn on_the_real_clock_time_moves_while_the_engine_is_idle() {
    let bundle = Bundle {
        flow: "flow.yaml".to_owned(),
        files: [("flow.yaml".to_owned(), "application: short\nphases:\n  assisted_service:\n    - id: r\n      type: route\n      target: { agent_group: \"'g'\" }\n      timeout: 1\n      acknowledge: [short_timeout]\n".to_owned())].into(),
    };
    let center = Center::parse(&routeflow::diagnostic::SourceFile::new(
        "center.yaml",
        "agents: [{ id: a, groups: [g] }]",
    ))
    .expect("a center");
    let (runner, _) = compile("short", &bundle, &center).expect("the flow loads");
    let engine =
        Engine::start((bundle, runner), Arc::new(center), ClockKind::Real).expect("starts");
    block_on(async {
        let first = engine.clock().await.expect("clock").now_s;
        std::thread::sleep(std::time::Duration::from_millis(1500));
        // Created after the engine sat idle: it waits its whole second, from now.
        let view = engine
            .create(new("w1", json!({})))
            .await
            .expect("created")
            .view;
        assert_eq!(view.state, State::Waiting, "{view:?}");
        assert!(
            view.created_s >= first + 1.4,
            "{} then {}",
            first,
            view.created_s
        );
        let deadline = view.deadline_s.expect("a deadline");
        assert!((deadline - view.created_s - 1.0).abs() < 1e-6);
    });
}
