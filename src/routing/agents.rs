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
}

impl AgentState {
    /// Whether the agent can take a workitem now.
    pub fn available(&self) -> bool {
        self.ready && self.load < self.capacity
    }
}
