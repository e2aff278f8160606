//! The routing port: how a Route block asks for an agent, whatever answers (the simulated contact center
//! of a replay, live agent state later).

use crate::skill::SkillExpression;
use petgraph::graph::{EdgeIndex, NodeIndex};
use std::future::Future;
use std::sync::Arc;

/// What a Route block offers the workitem to, with its value computed.
#[derive(Clone, Copy, Debug)]
pub enum RouteTarget<'a> {
    /// The agent with this id.
    Agent(&'a str),
    /// Any agent of this group.
    AgentGroup(&'a str),
    /// Any agent whose skills satisfy this expression; `parsed` when the flow compiled it at load.
    Skill {
        /// The skill expression's text.
        text: &'a str,
        /// The expression, when it was a literal of the flow (parsed once at load).
        parsed: Option<&'a SkillExpression>,
    },
}

impl RouteTarget<'_> {
    /// The kind, as outcome files name it: `agent`, `agent_group` or `skill`.
    pub fn kind(&self) -> &'static str {
        match self {
            RouteTarget::Agent(_) => "agent",
            RouteTarget::AgentGroup(_) => "agent_group",
            RouteTarget::Skill { .. } => "skill",
        }
    }

    /// The value: the agent id, group name or skill expression text.
    pub fn value(&self) -> &str {
        match self {
            RouteTarget::Agent(value) | RouteTarget::AgentGroup(value) => value,
            RouteTarget::Skill { text, .. } => text,
        }
    }
}

/// A Route block's request.
#[derive(Clone, Copy, Debug)]
pub struct RouteRequest<'a> {
    /// The workitem's variables and user data as the Route block sees them (a live port shows them to
    /// the agent; a replay needs nothing of them).
    pub frame: &'a super::Frame,
    /// The Route block's id.
    pub block: &'a str,
    /// Who may take the workitem.
    pub target: RouteTarget<'a>,
    /// How long to wait, in seconds (finite, at least 0).
    pub timeout_s: f64,
    /// The workitem's priority while it waits here: higher is served first.
    pub priority: i64,
}

/// How a Route block's request ended.
#[derive(Clone, Debug, PartialEq)]
pub enum RouteResult {
    /// An agent took the workitem.
    Routed {
        /// The agent's id.
        agent: Arc<str>,
        /// When, in seconds of (virtual) time.
        at_s: f64,
        /// When the agent will be done with it: known in a replay (its `handle_s`), not live, where the
        /// agent or the third party says so.
        done_s: Option<f64>,
    },
    /// Nobody took it within the timeout: on to the next block.
    TimedOut,
    /// The third-party system stopped (cancelled) the workitem while it waited.
    Stopped,
    /// The target cannot be used (a computed skill expression that does not parse): the block fails to
    /// its next block, and the message is logged.
    Rejected(String),
}

/// How a workitem left a block, as coverage counts it (docs/coverage.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Along this edge of the flow graph (the next block, a branch, an output, routed, timed out).
    Edge(EdgeIndex),
    /// A Route block's target could not be used: on along its timed-out edge, counted apart.
    Rejected,
    /// Stopped by the third-party system while it waited in the Route block.
    Stopped,
    /// The block failed: the workitem ended with an `error` outcome there.
    Error,
    /// A `finish` block ended the application.
    Finish,
}

/// Where Route blocks get their agents. The interpreter knows nothing else of routing, so the same
/// interpreter serves replays and live traffic.
pub trait RoutingPort {
    /// The future a waiting Route block awaits. It may borrow the port: a waiting workitem's task holds
    /// it, so it stays small (the port knows which workitem it serves).
    type Wait<'p>: Future<Output = RouteResult>
    where
        Self: 'p;

    /// The current time, in seconds (virtual in a replay).
    fn now(&self) -> f64;

    /// Offer the workitem to `request.target`. The request takes effect when this is called (so that
    /// requests made at the same instant are served in a deterministic order); the future resolves when
    /// it ends.
    fn route<'p>(&'p self, request: &RouteRequest<'_>) -> Self::Wait<'p>;

    /// User-data keys the third party set while the workitem waited (live: `PATCH …/userdata`), which
    /// the blocks after the Route block see. A replay has none.
    fn userdata_updates(&self) -> Vec<(crate::workitem::Key, crate::expr::Value)> {
        Vec::new()
    }

    /// The workitem entered the block at `node` (a Route block: when it sends its request). For
    /// coverage: a replay counts it; by default nothing is done.
    fn entered(&self, _node: NodeIndex) {}

    /// The workitem left the block at `node` by `exit` (see [`RoutingPort::entered`]).
    fn left(&self, _node: NodeIndex, _exit: Exit) {}
}
