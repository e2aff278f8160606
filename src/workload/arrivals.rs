//! How fast workitems arrive: the span over which the center's ready capacity, at the chosen load, covers
//! the work the workitems bring.
//!
//! Offered load ρ = work offered / capacity available. Over a span `[0, T)` the workitems offer
//! `N × h` agent-seconds of work (h: mean handle time), and the agents offer
//! `W(T) = Σ capacity × (time ready within [0, T))`. The span solves `W(T) = N × h / ρ`, and workitems
//! arrive as a Poisson process of rate `N / T`. `W` grows piecewise linearly with `T` (its slope is the
//! capacity ready at the moment), so the span is found exactly by walking the ready intervals' edges.

use crate::center::Agent;

/// The span `T` at which the agents have been ready for `work` agent-seconds of capacity, or `None` when
/// they never will be (everyone's last ready interval ends first).
pub(super) fn span_for_work(agents: &[Agent], work: f64) -> Option<f64> {
    span_for_ready(
        agents
            .iter()
            .map(|agent| (f64::from(agent.capacity), agent.ready.as_slice())),
        work,
    )
}

/// [`span_for_work`] for agents (or sets of agents) given as their capacity and ready intervals.
pub(super) fn span_for_ready<'a>(
    agents: impl Iterator<Item = (f64, &'a [(f64, f64)])>,
    work: f64,
) -> Option<f64> {
    if work <= 0.0 {
        return Some(0.0);
    }
    // (time, change in ready capacity); ready intervals are half-open, so an end and a start at the same
    // moment cancel, in any order.
    let mut edges: Vec<(f64, f64)> = Vec::new();
    for (capacity, ready) in agents {
        for &(start, end) in ready {
            edges.push((start, capacity));
            if end.is_finite() {
                edges.push((end, -capacity));
            }
        }
    }
    edges.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut t, mut ready, mut done) = (0.0, 0.0, 0.0);
    for (at, change) in edges {
        let reached = done + ready * (at - t);
        if ready > 0.0 && reached >= work {
            return Some(t + (work - done) / ready);
        }
        (t, done) = (at, reached);
        ready += change;
    }
    (ready > 0.0).then(|| t + (work - done) / ready)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::center::Center;
    use crate::diagnostic::SourceFile;

    fn agents(yaml: &str) -> Vec<Agent> {
        let center = Center::parse(&SourceFile::new("center.yaml", yaml)).expect("a valid center");
        center.agents().to_vec()
    }

    #[test]
    fn always_ready_agents_give_work_over_capacity() {
        let agents = agents("agents: [{id: a, capacity: 2}, {id: b}]");
        assert_eq!(span_for_work(&agents, 3000.0), Some(1000.0));
        assert_eq!(span_for_work(&agents, 0.0), Some(0.0));
    }

    #[test]
    fn shifts_and_breaks_slow_the_capacity_down() {
        // a: [0, 100) then [200, ∞); b: from 50 on. W(100) = 100 + 50, W(200) = 150 + 100.
        let agents = agents(
            "agents: [{id: a, ready: [[0, 100], [200, .inf]]}, {id: b, ready: [[50, .inf]]}]",
        );
        assert_eq!(span_for_work(&agents, 150.0), Some(100.0));
        assert_eq!(span_for_work(&agents, 200.0), Some(150.0));
        assert_eq!(span_for_work(&agents, 350.0), Some(250.0));
    }

    #[test]
    fn agents_who_leave_for_good_may_never_cover_the_work() {
        let agents = agents("agents: [{id: a, ready: [[0, 100]]}]");
        assert_eq!(span_for_work(&agents, 50.0), Some(50.0));
        assert_eq!(span_for_work(&agents, 101.0), None);
        assert_eq!(span_for_work(&[], 1.0), None);
    }
}
