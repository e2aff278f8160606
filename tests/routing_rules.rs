//! The routing rules of SPEC §5.3, on the simulated contact center alone (no flow, no tokio): who takes
//! a workitem, in which order waiting workitems are served, and when.

use routeflow::center::Center;
use routeflow::diagnostic::SourceFile;
use routeflow::routing::{Item, Simulation, Stepped};
use routeflow::runtime::{Frame, RouteRequest, RouteResult, RouteTarget};
use routeflow::time::Instant;
use std::sync::Arc;

fn center(yaml: &str) -> Arc<Center> {
    let file = SourceFile::new("center.yaml", yaml);
    Arc::new(Center::parse(&file).expect("a valid center"))
}

/// A simulation, and every request that ended so far, as `(time, workitem, result)`.
struct Harness {
    sim: Simulation,
    ended: Vec<(f64, u32, RouteResult)>,
}

impl Harness {
    fn new(yaml: &str) -> Harness {
        Harness {
            sim: Simulation::new(center(yaml)),
            ended: Vec::new(),
        }
    }

    /// Handle every event up to and including time `t`, then stand at `t`.
    fn advance_to(&mut self, t: f64) {
        let mut resolved = Vec::new();
        while self.sim.step(Some(Instant::from_seconds(t)), &mut resolved) == Stepped::Event {
            let now = self.sim.now();
            self.ended
                .extend(resolved.drain(..).map(|(n, r)| (now, n, r)));
        }
    }

    /// Workitem `number` (arriving now, handled for `handle_s`) asks for `target`.
    fn arrive(
        &mut self,
        number: u32,
        handle_s: f64,
        target: RouteTarget<'_>,
    ) -> Option<RouteResult> {
        self.arrive_with(number, handle_s, f64::INFINITY, 0, 120.0, target)
    }

    fn arrive_with(
        &mut self,
        number: u32,
        handle_s: f64,
        stop_s: f64,
        priority: i64,
        timeout_s: f64,
        target: RouteTarget<'_>,
    ) -> Option<RouteResult> {
        let arrive_s = self.sim.now();
        self.sim
            .add(number, Item::from_seconds(arrive_s, handle_s, stop_s));
        self.ask(number, priority, timeout_s, target)
    }

    /// Workitem `number`, already in, enters a Route block now.
    fn ask(
        &mut self,
        number: u32,
        priority: i64,
        timeout_s: f64,
        target: RouteTarget<'_>,
    ) -> Option<RouteResult> {
        self.sim.request(
            number,
            &RouteRequest {
                frame: &Frame::default(),
                block: "route",
                target,
                timeout_s,
                priority,
            },
        )
    }

    /// Who took each routed workitem, and when: `(workitem, agent, at)`.
    fn routed(&self) -> Vec<(u32, String, f64)> {
        self.ended
            .iter()
            .filter_map(|(_, n, r)| match r {
                RouteResult::Routed { agent, at_s, .. } => Some((*n, agent.to_string(), *at_s)),
                _ => None,
            })
            .collect()
    }
}

fn agent_of(result: Option<RouteResult>) -> Option<String> {
    match result {
        Some(RouteResult::Routed { agent, .. }) => Some(agent.to_string()),
        _ => None,
    }
}

const GROUP: RouteTarget<'static> = RouteTarget::AgentGroup("g");

const TWO_AGENTS: &str = "
agents:
  - { id: a, groups: [g], skills: { english: 5 } }
  - { id: b, groups: [g], skills: { english: 9 } }
";

#[test]
fn ties_in_idle_time_go_to_the_agent_listed_first() {
    let mut h = Harness::new(TWO_AGENTS);
    h.advance_to(0.0);
    assert_eq!(agent_of(h.arrive(0, 100.0, GROUP)), Some("a".into()));
    assert_eq!(agent_of(h.arrive(1, 100.0, GROUP)), Some("b".into()));
}

#[test]
fn the_agent_idle_longest_takes_the_workitem() {
    let mut h = Harness::new(TWO_AGENTS);
    h.advance_to(0.0);
    assert_eq!(agent_of(h.arrive(0, 10.0, GROUP)), Some("a".into()));
    // `a` is done at 10; `b` has been idle since 0, so it has been idle longer.
    h.advance_to(20.0);
    assert_eq!(agent_of(h.arrive(1, 10.0, GROUP)), Some("b".into()));
    h.advance_to(40.0);
    // `a` idle since 10, `b` since 30: `a`.
    assert_eq!(agent_of(h.arrive(2, 10.0, GROUP)), Some("a".into()));
}

#[test]
fn routed_workitems_keep_the_agent_busy_for_their_handle_time() {
    let mut h = Harness::new("agents: [ { id: a, groups: [g] } ]");
    h.advance_to(0.0);
    match h.arrive(0, 300.0, GROUP) {
        Some(RouteResult::Routed { at_s, done_s, .. }) => {
            assert_eq!((at_s, done_s), (0.0, Some(300.0)))
        }
        other => panic!("expected routed, got {other:?}"),
    }
    h.advance_to(10.0);
    assert_eq!(
        h.arrive_with(1, 300.0, f64::INFINITY, 0, 1000.0, GROUP),
        None,
        "the agent is busy"
    );
    h.advance_to(1000.0);
    assert_eq!(h.routed(), vec![(1, "a".into(), 300.0)]);
}

#[test]
fn waiting_workitems_are_served_by_priority_then_age_then_input_order() {
    let mut h = Harness::new("agents: [ { id: a, groups: [g] } ]");
    h.advance_to(0.0);
    assert!(
        h.arrive(0, 100.0, GROUP).is_some(),
        "a takes the first at once"
    );
    h.advance_to(1.0);
    assert_eq!(
        h.arrive_with(1, 100.0, f64::INFINITY, 0, 1000.0, GROUP),
        None
    );
    h.advance_to(2.0);
    assert_eq!(
        h.arrive_with(3, 100.0, f64::INFINITY, 0, 1000.0, GROUP),
        None
    );
    assert_eq!(
        h.arrive_with(2, 100.0, f64::INFINITY, 0, 1000.0, GROUP),
        None
    );
    h.advance_to(3.0);
    assert_eq!(
        h.arrive_with(4, 100.0, f64::INFINITY, 5, 1000.0, GROUP),
        None
    );
    h.advance_to(10_000.0);
    let order: Vec<u32> = h.routed().iter().map(|(n, ..)| *n).collect();
    // 4 has the highest priority; then 1 (oldest); then 2 and 3, same age, in input order.
    assert_eq!(order, vec![4, 1, 2, 3]);
    let times: Vec<f64> = h.routed().iter().map(|(_, _, t)| *t).collect();
    assert_eq!(times, vec![100.0, 200.0, 300.0, 400.0]);
}

#[test]
fn a_workitem_keeps_its_age_as_its_cascade_widens() {
    let center = "
agents:
  - { id: a, groups: [wide] }
  - { id: x, groups: [narrow] , ready: [[0, 1]] }
";
    let mut h = Harness::new(center);
    h.advance_to(0.0);
    // The only agent of `wide` is busy until 500.
    assert!(
        h.arrive(9, 500.0, RouteTarget::AgentGroup("wide"))
            .is_some()
    );
    // 0 arrives first and waits on `narrow` (nobody ready there after 1 s).
    h.advance_to(10.0);
    assert_eq!(h.arrive(0, 100.0, RouteTarget::AgentGroup("narrow")), None);
    // 1 arrives later and waits on `wide` at once.
    h.advance_to(50.0);
    assert_eq!(
        h.arrive_with(
            1,
            100.0,
            f64::INFINITY,
            0,
            1000.0,
            RouteTarget::AgentGroup("wide")
        ),
        None
    );
    // 0 times out at 130 and widens to `wide`, where it is older than 1: it goes first at 500.
    h.advance_to(130.0);
    assert!(matches!(
        h.ended.last(),
        Some((130.0, 0, RouteResult::TimedOut))
    ));
    assert_eq!(h.ask(0, 0, 1000.0, RouteTarget::AgentGroup("wide")), None);
    h.advance_to(10_000.0);
    let order: Vec<(u32, f64)> = h.routed().iter().map(|(n, _, t)| (*n, *t)).collect();
    assert_eq!(order, vec![(0, 500.0), (1, 600.0)]);
}

#[test]
fn timeouts_pass_after_exactly_the_timeout() {
    let mut h = Harness::new("agents: [ { id: a, groups: [g], ready: [[1000, 2000]] } ]");
    h.advance_to(5.0);
    assert_eq!(h.arrive(0, 10.0, GROUP), None);
    h.advance_to(124.9);
    assert!(h.ended.is_empty());
    h.advance_to(125.0);
    assert_eq!(h.ended, vec![(125.0, 0, RouteResult::TimedOut)]);
}

#[test]
fn an_agent_freeing_at_the_very_end_of_the_timeout_still_takes_the_workitem() {
    let mut h = Harness::new("agents: [ { id: a, groups: [g] } ]");
    h.advance_to(0.0);
    assert!(h.arrive(0, 120.0, GROUP).is_some());
    assert_eq!(h.arrive(1, 10.0, GROUP), None);
    h.advance_to(500.0);
    assert_eq!(h.routed(), vec![(1, "a".into(), 120.0)]);
}

#[test]
fn an_agent_that_becomes_ready_takes_waiting_workitems() {
    let mut h = Harness::new(
        "agents: [ { id: a, groups: [g], capacity: 2, ready: [[60, 100], [200, 300]] } ]",
    );
    h.advance_to(0.0);
    assert_eq!(
        h.arrive_with(0, 10.0, f64::INFINITY, 0, 1000.0, GROUP),
        None
    );
    assert_eq!(
        h.arrive_with(1, 10.0, f64::INFINITY, 0, 1000.0, GROUP),
        None
    );
    assert_eq!(
        h.arrive_with(2, 10.0, f64::INFINITY, 0, 1000.0, GROUP),
        None
    );
    h.advance_to(60.0);
    // Capacity 2: two at once when the interval starts, the third when one is done.
    assert_eq!(
        h.routed(),
        vec![(0, "a".into(), 60.0), (1, "a".into(), 60.0)]
    );
    h.advance_to(70.0);
    assert_eq!(h.routed().last(), Some(&(2, "a".into(), 70.0)));
    // After the interval ends (100), nothing until the next one starts (200).
    h.advance_to(150.0);
    assert_eq!(
        h.arrive_with(3, 10.0, f64::INFINITY, 0, 1000.0, GROUP),
        None
    );
    h.advance_to(1000.0);
    assert_eq!(h.routed().last(), Some(&(3, "a".into(), 200.0)));
}

#[test]
fn an_agent_whose_interval_ended_finishes_its_work_but_takes_no_more() {
    let mut h = Harness::new("agents: [ { id: a, groups: [g], ready: [[0, 100]] } ]");
    h.advance_to(0.0);
    assert!(h.arrive(0, 150.0, GROUP).is_some());
    h.advance_to(50.0);
    assert_eq!(
        h.arrive_with(1, 10.0, f64::INFINITY, 0, 1000.0, GROUP),
        None
    );
    h.advance_to(1050.0);
    assert_eq!(h.ended, vec![(1050.0, 1, RouteResult::TimedOut)]);
}

#[test]
fn stop_removes_a_waiting_workitem_at_stop_s() {
    let mut h = Harness::new("agents: [ { id: a, groups: [g], ready: [[1000, 2000]] } ]");
    h.advance_to(0.0);
    assert_eq!(h.arrive_with(0, 10.0, 30.0, 0, 120.0, GROUP), None);
    h.advance_to(30.0);
    assert_eq!(h.ended, vec![(30.0, 0, RouteResult::Stopped)]);
    // Stopped at once when it would have to wait and its stop time has come.
    assert_eq!(
        h.arrive_with(1, 10.0, 30.0, 0, 120.0, GROUP),
        Some(RouteResult::Stopped)
    );
}

#[test]
fn a_free_agent_routes_even_when_stop_s_is_now() {
    let mut h = Harness::new("agents: [ { id: a, groups: [g] } ]");
    h.advance_to(0.0);
    assert_eq!(
        agent_of(h.arrive_with(0, 10.0, 0.0, 0, 120.0, GROUP)),
        Some("a".into())
    );
}

#[test]
fn targets_match_by_agent_id_group_and_skill_expression() {
    let mut h = Harness::new(TWO_AGENTS);
    h.advance_to(0.0);
    assert_eq!(
        agent_of(h.arrive(0, 10.0, RouteTarget::Agent("b"))),
        Some("b".into())
    );
    let skill = RouteTarget::Skill {
        text: "english > 3",
        parsed: None,
    };
    assert_eq!(agent_of(h.arrive(1, 10.0, skill)), Some("a".into()));
    // Unknown agents and groups never match; they are not errors.
    assert_eq!(h.arrive(2, 10.0, RouteTarget::Agent("nobody")), None);
    assert_eq!(h.arrive(3, 10.0, RouteTarget::AgentGroup("nogroup")), None);
    // A missing skill is level 0.
    h.advance_to(100.0);
    let low = RouteTarget::Skill {
        text: "french < 1",
        parsed: None,
    };
    assert_eq!(agent_of(h.arrive(4, 10.0, low)), Some("a".into()));
}

#[test]
fn a_computed_skill_expression_that_does_not_parse_is_rejected_with_a_message() {
    let mut h = Harness::new(TWO_AGENTS);
    h.advance_to(0.0);
    let bad = RouteTarget::Skill {
        text: "'english' >",
        parsed: None,
    };
    match h.arrive(0, 10.0, bad) {
        Some(RouteResult::Rejected(message)) => {
            assert!(message.contains("does not parse"), "{message}")
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    // Asked again, the same answer (remembered, not parsed again).
    assert!(matches!(
        h.ask(0, 0, 120.0, bad),
        Some(RouteResult::Rejected(_))
    ));
}

#[test]
fn an_agent_frees_and_takes_the_best_workitem_among_all_its_targets() {
    let mut h = Harness::new("agents: [ { id: a, groups: [g, h], skills: { english: 5 } } ]");
    h.advance_to(0.0);
    assert!(h.arrive(0, 100.0, GROUP).is_some());
    h.advance_to(10.0);
    assert_eq!(
        h.arrive_with(
            1,
            10.0,
            f64::INFINITY,
            0,
            1000.0,
            RouteTarget::AgentGroup("h")
        ),
        None
    );
    h.advance_to(20.0);
    let skill = RouteTarget::Skill {
        text: "english > 1",
        parsed: None,
    };
    assert_eq!(
        h.arrive_with(2, 10.0, f64::INFINITY, 1, 1000.0, skill),
        None
    );
    h.advance_to(1000.0);
    let order: Vec<u32> = h.routed().iter().map(|(n, ..)| *n).collect();
    assert_eq!(order, vec![2, 1], "priority 1 first, whatever the target");
}

#[test]
fn a_routed_workitem_that_waits_again_is_not_ended_by_its_first_waits_timeout() {
    // A wait ended by an agent leaves its timeout in the event queue (timeouts and stops end the wait
    // they belong to, so only a routed wait leaves one behind); the simulation lets that workitem ask
    // again, and the old timeout must not take it out of its new wait.
    let center = "
agents:
  - { id: a, groups: [g] }
  - { id: b, groups: [h], ready: [[150, .inf]] }
";
    let mut h = Harness::new(center);
    h.advance_to(0.0);
    assert!(h.arrive(0, 10.0, GROUP).is_some());
    // 1 waits with a timeout at 120, and is routed when `a` is free at 10.
    assert_eq!(h.arrive(1, 50.0, GROUP), None);
    h.advance_to(30.0);
    assert_eq!(h.routed(), vec![(1, "a".into(), 10.0)]);
    // It waits again, until 230, for `h`, where nobody is ready before 150.
    assert_eq!(h.ask(1, 0, 200.0, RouteTarget::AgentGroup("h")), None);
    h.advance_to(140.0);
    assert_eq!(h.sim.waiting(), 1, "still waiting after 120");
    h.advance_to(1000.0);
    assert_eq!(
        h.routed(),
        vec![(1, "a".into(), 10.0), (1, "b".into(), 150.0)]
    );
    assert_eq!(h.ended.len(), 2, "{:?}", h.ended);
}
