//! Agents as the simulation sees them: how busy, whether ready, since when idle.

use super::targets::TargetId;
use crate::time::Instant;
use std::sync::Arc;

/// One agent's changing state.
#[derive(Debug)]
pub struct AgentState {
    /// The agent's id, shared with every outcome that names it.
    pub id: Arc<str>,
    /// How many workitems the agent can work at once.
    pub capacity: u32,
    /// How many it works now.
    pub load: u32,
    /// Whether inside a ready interval.
    pub ready: bool,
    /// When the agent last took or finished a workitem, or became ready: longest idle = earliest.
    pub since: Instant,
    /// The `since` under which the agent sits in its targets' idle sets, when it does.
    pub listed: Option<Instant>,
    /// Targets the agent is a candidate of.
    pub targets: Vec<TargetId>,
    /// How the agent spent its time, for the summary's occupancy (never read by routing).
    pub time: AgentTime,
}

/// An agent's time, in microseconds weighted by capacity units, accounted up to `mark`: every change of
/// load or readiness accounts the time since the last one first.
#[derive(Clone, Copy, Debug, Default)]
pub struct AgentTime {
    /// Until when the time is accounted.
    pub mark: Instant,
    /// Workitems worked × time: an agent of capacity 2 working one workitem for 10 s is busy 10 s.
    pub busy: u128,
    /// Capacity that could work × time: the agent's capacity while ready, the workitems it still works
    /// once its ready interval ended (it takes no new one, so what it works is all it can).
    pub staffed: u128,
}

impl AgentState {
    /// Whether the agent can take a workitem now.
    pub fn available(&self) -> bool {
        self.ready && self.load < self.capacity
    }

    /// Account the time from the last change to `now`; call before changing `load` or `ready`.
    pub fn account(&mut self, now: Instant) {
        let span = u128::from(now.since(self.time.mark).micros());
        let working = u128::from(self.load);
        self.time.busy += span * working;
        self.time.staffed += span
            * if self.ready {
                u128::from(self.capacity).max(working)
            } else {
                working
            };
        self.time.mark = now;
    }
}
