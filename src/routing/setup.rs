//! The Agent Setup changing under a live simulation (`PUT|DELETE /v1/agents/{id}`): an agent added,
//! replaced or removed, on the same rules as everything else here.
//!
//! Each target's candidates are worked out again for the agent that changed (its id, its groups, its
//! skills against the target's skill expression), and so are the idle sets it sits in. An agent whose
//! setup changes keeps what it holds and its state; if it is ready with free capacity, it takes the
//! best waiting workitem it matches now, exactly as when its capacity frees ([`Simulation::offer`]).
//! A capacity lowered below what it holds takes nothing from it: it takes nothing new until it is under
//! its capacity again.

use super::agents::{AgentState, AgentTime};
use super::simulation::{Resolved, Simulation};
use super::targets::TargetId;
use crate::center::setup::AgentSetup;
use crate::center::{AgentIndex, Center};
use std::sync::Arc;

impl Simulation {
    /// The center simulated, as it is now (a live server's setup changes).
    pub fn shared_center(&self) -> &Arc<Center> {
        &self.center
    }

    /// Give agent `id` the setup `setup`. A new agent comes after every other in the tie-break
    /// order and is not ready (logged out) until it says so; a known one is replaced where it is,
    /// keeping its state, what it holds and how long it has been idle, and if it is available it takes
    /// the best waiting workitem it matches now. Returns its index, and whether it is new.
    pub fn put_agent(
        &mut self,
        id: &str,
        setup: &AgentSetup,
        resolved: &mut Vec<Resolved>,
    ) -> (AgentIndex, bool) {
        let (index, new) = Arc::make_mut(&mut self.center).put_agent(id, setup);
        if new {
            self.agents.push(AgentState {
                id: id.into(),
                capacity: setup.capacity,
                load: 0,
                ready: false,
                since: self.now,
                listed: None,
                targets: Vec::new(),
                time: AgentTime {
                    mark: self.now,
                    ..AgentTime::default()
                },
            });
        } else {
            // The time so far counts at the old capacity.
            let state = &mut self.agents[index.index()];
            state.account(self.now);
            state.capacity = setup.capacity;
        }
        self.retarget(index);
        self.offer(index, resolved);
        (index, new)
    }

    /// Remove agent `index`, which holds nothing (no workitem, no open offer: the caller sees to it):
    /// it is no target's candidate any more, and takes nothing again.
    pub fn remove_agent(&mut self, index: AgentIndex) {
        let state = &mut self.agents[index.index()];
        state.account(self.now);
        state.ready = false;
        self.relist(index);
        let id = self.center[index].id.clone();
        Arc::make_mut(&mut self.center).remove_agent(&id);
        self.retarget(index);
    }

    /// Work out again which targets `agent` is a candidate of; it is left out of every idle set
    /// (the caller lists it again where it is available).
    fn retarget(&mut self, agent: AgentIndex) {
        let state = &mut self.agents[agent.index()];
        if let Some(since) = state.listed.take() {
            for &target in &state.targets {
                self.targets.get_mut(target).idle.remove(&(since, agent));
            }
        }
        // In increasing order, as `ids` gives them.
        let matched: Vec<TargetId> = self
            .targets
            .ids()
            .filter(|&target| self.targets.matches(target, &self.center, agent))
            .collect();
        for target in self.targets.ids() {
            let wanted = matched.binary_search(&target).is_ok();
            // Candidates are in file order, which is index order.
            let candidates = &mut self.targets.get_mut(target).candidates;
            match (candidates.binary_search(&agent), wanted) {
                (Ok(at), false) => {
                    candidates.remove(at);
                }
                (Err(at), true) => candidates.insert(at, agent),
                _ => {}
            }
        }
        self.agents[agent.index()].targets = matched;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::routing::{Notice, Stepped};
    use crate::runtime::{RouteRequest, RouteResult, RouteTarget};
    use crate::time::Instant;

    fn live(yaml: &str) -> Simulation {
        let center = Center::parse(&SourceFile::new("center.yaml", yaml)).expect("a center");
        Simulation::live(Arc::new(center), Instant::ZERO)
    }

    fn ask(sim: &mut Simulation, number: u32, target: RouteTarget<'_>) -> Option<RouteResult> {
        sim.add(number, crate::routing::Item::live(sim.instant()));
        let frame = crate::runtime::Frame::default();
        let request = RouteRequest {
            frame: &frame,
            block: "route",
            target,
            timeout_s: 120.0,
            priority: 0,
        };
        sim.request(number, &request)
    }

    fn skill(text: &str) -> RouteTarget<'_> {
        RouteTarget::Skill { text, parsed: None }
    }

    fn setup(groups: &[&str], skills: &[(&str, i64)], capacity: u32) -> AgentSetup {
        AgentSetup {
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            skills: skills.iter().map(|&(s, l)| (s.to_owned(), l)).collect(),
            capacity,
            auto_accept: true,
        }
    }

    fn routed_to(resolved: &[Resolved]) -> Vec<(u32, String)> {
        resolved
            .iter()
            .filter_map(|(n, result)| match result {
                RouteResult::Routed { agent, .. } => Some((*n, agent.to_string())),
                _ => None,
            })
            .collect()
    }

    const CENTER: &str =
        "agents:\n  - { id: a, groups: [g], skills: { english: 2 }, auto_accept: true }\n";

    #[test]
    fn a_new_agent_with_a_matching_skill_takes_the_waiting_workitem_once_ready() {
        let mut sim = live(CENTER);
        assert_eq!(ask(&mut sim, 0, skill("english > 5")), None);
        let mut resolved = Vec::new();
        let (n, new) = sim.put_agent("n", &setup(&[], &[("english", 9)], 1), &mut resolved);
        assert_eq!((n, new), (AgentIndex(1), true));
        assert!(resolved.is_empty(), "a new agent is logged out");
        sim.set_ready(n, true, &mut resolved);
        assert_eq!(routed_to(&resolved), [(0, "n".to_owned())]);
        assert_eq!(sim.waiting(), 0);
    }

    #[test]
    fn an_agent_that_now_matches_takes_waiting_work_at_once_and_one_that_no_longer_does_nothing() {
        let mut sim = live(CENTER);
        let mut resolved = Vec::new();
        sim.set_ready(AgentIndex(0), true, &mut resolved);
        assert_eq!(ask(&mut sim, 0, skill("english > 5")), None);
        assert_eq!(ask(&mut sim, 1, RouteTarget::AgentGroup("h")), None);
        // Into group h (a group no agent had): it takes w1, the best waiting one it matches.
        sim.put_agent("a", &setup(&["h"], &[("english", 2)], 1), &mut resolved);
        assert_eq!(routed_to(&resolved), [(1, "a".to_owned())]);
        resolved.clear();
        // Out of every target: done with w1, it takes nothing.
        sim.put_agent("a", &setup(&[], &[], 1), &mut resolved);
        sim.release(AgentIndex(0), &mut resolved);
        assert!(resolved.is_empty());
        assert_eq!(sim.waiting(), 1);
        // Its english raised: it takes w0 at once.
        sim.put_agent("a", &setup(&[], &[("english", 6)], 1), &mut resolved);
        assert_eq!(routed_to(&resolved), [(0, "a".to_owned())]);
    }

    #[test]
    fn a_capacity_lowered_below_the_load_keeps_the_work_and_takes_nothing_until_under_it() {
        let mut sim = live(CENTER);
        let mut resolved = Vec::new();
        sim.put_agent("a", &setup(&["g"], &[], 3), &mut resolved);
        sim.set_ready(AgentIndex(0), true, &mut resolved);
        for number in 0..3 {
            assert!(ask(&mut sim, number, RouteTarget::AgentGroup("g")).is_some());
        }
        assert_eq!(ask(&mut sim, 3, RouteTarget::AgentGroup("g")), None);
        assert_eq!(ask(&mut sim, 4, RouteTarget::AgentGroup("g")), None);
        sim.put_agent("a", &setup(&["g"], &[], 1), &mut resolved);
        assert!(resolved.is_empty(), "it keeps its three");
        sim.release(AgentIndex(0), &mut resolved);
        sim.release(AgentIndex(0), &mut resolved);
        assert!(resolved.is_empty(), "one held, capacity 1: nothing new");
        sim.release(AgentIndex(0), &mut resolved);
        assert_eq!(routed_to(&resolved), [(3, "a".to_owned())]);
    }

    #[test]
    fn a_removed_agent_is_no_candidate_and_its_id_names_a_new_agent_later() {
        let mut sim = live("agents:\n  - { id: a, groups: [g] }\n  - { id: b, groups: [g] }\n");
        let mut resolved = Vec::new();
        sim.set_ready(AgentIndex(0), true, &mut resolved);
        sim.remove_agent(AgentIndex(0));
        assert_eq!(ask(&mut sim, 0, RouteTarget::Agent("a")), None);
        assert_eq!(ask(&mut sim, 1, RouteTarget::AgentGroup("g")), None);
        assert_eq!(sim.waiting(), 2, "nobody takes them");
        let (a, new) = sim.put_agent("a", &setup(&[], &[], 1), &mut resolved);
        assert_eq!((a, new), (AgentIndex(2), true));
        sim.set_ready(a, true, &mut resolved);
        assert_eq!(routed_to(&resolved), [(0, "a".to_owned())], "w0 named it");
        assert!(
            sim.take_notices()
                .iter()
                .all(|notice| !matches!(notice, Notice::Offered { .. }))
        );
        // Nothing left to happen but the Route timeout of w1 (b is not ready).
        resolved.clear();
        while sim.advance(Instant::from_seconds(120.0), &mut resolved) == Stepped::Event {}
        assert!(matches!(resolved[..], [(1, RouteResult::TimedOut)]));
    }

    #[test]
    fn the_time_before_a_setup_change_counts_at_the_setup_it_had() {
        let mut sim = live(CENTER);
        let mut resolved = Vec::new();
        let a = AgentIndex(0);
        sim.set_ready(a, true, &mut resolved);
        while sim.advance(Instant::from_seconds(10.0), &mut resolved) == Stepped::Event {}
        sim.put_agent("a", &setup(&["g"], &[("english", 2)], 3), &mut resolved);
        let (n, _) = sim.put_agent("n", &setup(&[], &[], 1), &mut resolved);
        sim.set_ready(n, true, &mut resolved);
        while sim.advance(Instant::from_seconds(20.0), &mut resolved) == Stepped::Event {}
        let times = sim.agent_times();
        // Ready 10 s at capacity 1, then 10 s at capacity 3; the new agent from its arrival only.
        assert_eq!(times[0].staffed_micros, 40_000_000);
        assert_eq!(times[1].staffed_micros, 10_000_000);
        assert_eq!((times[0].busy_micros, times[1].busy_micros), (0, 0));
    }
}
