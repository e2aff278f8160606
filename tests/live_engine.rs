//! The live engine without HTTP (SPEC §9.2-9.3): workitems created, offered, accepted, marked done,
//! stopped; offers rejected and expired; agents' event streams; the test clock. The HTTP layer on top is
//! tested over loopback in `tests/serve_*.rs`.

use routeflow::center::Center;
use routeflow::flow::load;
use routeflow::live::{AgentStateKind, ClockKind, Engine, LiveError, NewWorkitem, State};
use routeflow::runtime::Runner;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

fn engine() -> Engine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let flow = load(&root.join("flows/gtr_sample.yaml"))
        .flow
        .expect("the sample loads");
    let center = Center::load(&root.join("flows/center.yaml")).expect("the center loads");
    Engine::start(
        Arc::new(Runner::new(Arc::new(flow))),
        Arc::new(center),
        ClockKind::Test,
    )
    .expect("the engine starts")
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
