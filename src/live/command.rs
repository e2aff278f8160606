//! The commands the API sends the engine thread, and what can go wrong with them.

use super::views::{
    AgentEvent, AgentStateKind, AgentView, ClockView, HistoryEvent, PublishedFlowView, QueueView,
    State, WorkitemView,
};
use crate::flow::Bundle;
use crate::runtime::Runner;
use serde_json::{Map, Value as Json};
use std::sync::Arc;
use tokio::sync::mpsc::Receiver;
use tokio::sync::oneshot::Sender;

/// A workitem to create (`POST /v1/workitems`).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWorkitem {
    /// The third party's id (unique); made up when not given.
    pub id: Option<String>,
    /// Its priority (default 0).
    pub priority: Option<i64>,
    /// Its user data.
    pub userdata: Map<String, Json>,
    /// The flow it asks for (must be the server's).
    pub flow: Option<String>,
    /// The request's `Idempotency-Key`.
    pub key: Option<String>,
    /// The request body as sent: the same id or key again with another body is a conflict.
    pub body: Json,
}

/// A created (or found again) workitem.
#[derive(Clone, Debug)]
pub struct Created {
    /// Whether this request created it (false: an earlier one with the same id or key did).
    pub created: bool,
    /// The workitem, once its flow has run as far as it can.
    pub view: WorkitemView,
}

/// Why the engine refused a command.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LiveError {
    /// No such workitem, agent or offer.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the state things are in.
    #[error("{detail}")]
    Conflict {
        /// What conflicts.
        detail: String,
        /// The workitem's state, when a workitem's.
        state: Option<State>,
    },
    /// The caller may not do this (an agent acting on another agent's work).
    #[error("{0}")]
    Forbidden(String),
    /// A field of the request is wrong.
    #[error("{detail}")]
    Invalid {
        /// The field, as a JSON pointer (`/flow`).
        field: String,
        /// What is wrong.
        detail: String,
    },
    /// `If-Match` names an earlier revision of the workitem's user data.
    #[error("workitem `{id}` is at revision {revision}: its user data changed since")]
    Stale {
        /// The workitem.
        id: String,
        /// Its revision now.
        revision: u64,
    },
    /// The clock cannot be moved: the server runs on the real clock.
    #[error("the server runs on the real clock; start it with `--clock test` to move time by hand")]
    NotTestClock,
    /// The server holds as many workitems as it can number.
    #[error("the server holds as many workitems as it can")]
    Full,
    /// The engine thread is gone (the server is shutting down).
    #[error("the engine is shutting down")]
    Gone,
    /// The journal failed: nothing more can be acknowledged.
    #[error("the server cannot journal changes any more ({0}); it must be restarted")]
    Journal(String),
}

type Reply<T> = Sender<T>;

/// A bundle published: its flow (with every version) and the version it is.
#[derive(Clone, Debug)]
pub struct PublishedVersion {
    /// Whether this request published it (false: a version with the same content was there).
    pub created: bool,
    /// Its number.
    pub version: u32,
    /// Its flow, with every version.
    pub flow: PublishedFlowView,
}

/// A page of workitems, in creation order.
#[derive(Clone, Debug, Default)]
pub struct Page {
    /// The workitems of the page.
    pub workitems: Vec<WorkitemView>,
    /// Where the next page starts (the number of workitems created before its first), when there
    /// is one.
    pub next: Option<u64>,
}

/// An agent's kept events, and a receiver of the next ones.
pub type Subscription = (Vec<AgentEvent>, Receiver<AgentEvent>);

/// One command, with where its reply goes.
pub(super) enum Command {
    Create {
        new: NewWorkitem,
        reply: Reply<Result<Created, LiveError>>,
    },
    Get {
        id: String,
        reply: Reply<Option<WorkitemView>>,
    },
    List {
        state: Option<State>,
        after: u64,
        limit: usize,
        reply: Reply<Page>,
    },
    History {
        id: String,
        reply: Reply<Option<Vec<HistoryEvent>>>,
    },
    Stop {
        id: String,
        reply: Reply<Result<WorkitemView, LiveError>>,
    },
    Done {
        id: String,
        disposition: Option<String>,
        /// The agent acting, when the caller is an agent.
        agent: Option<String>,
        reply: Reply<Result<WorkitemView, LiveError>>,
    },
    AgentState {
        agent: String,
        state: AgentStateKind,
        reason: Option<String>,
        reply: Reply<Result<AgentView, LiveError>>,
    },
    Agents {
        reply: Reply<Vec<AgentView>>,
    },
    Agent {
        agent: String,
        reply: Reply<Option<AgentView>>,
    },
    Subscribe {
        agent: String,
        after: Option<u64>,
        reply: Reply<Result<Subscription, LiveError>>,
    },
    Answer {
        offer: String,
        accept: bool,
        /// The agent acting, when the caller is an agent.
        agent: Option<String>,
        reply: Reply<Result<WorkitemView, LiveError>>,
    },
    Advance {
        by_s: f64,
        reply: Reply<Result<f64, LiveError>>,
    },
    Queues {
        reply: Reply<Vec<QueueView>>,
    },
    Patch {
        id: String,
        /// The revision `If-Match` names, when it names one.
        if_match: Option<u64>,
        set: Map<String, Json>,
        reply: Reply<Result<WorkitemView, LiveError>>,
    },
    Clock {
        reply: Reply<ClockView>,
    },
    Publish {
        name: String,
        bundle: Bundle,
        /// What the API compiled the bundle to.
        runner: Arc<Runner>,
        reply: Reply<Result<PublishedVersion, LiveError>>,
    },
    Activate {
        name: String,
        version: u32,
        reply: Reply<Result<PublishedFlowView, LiveError>>,
    },
    Flows {
        /// One flow (by name), or every flow.
        name: Option<String>,
        reply: Reply<Result<Vec<PublishedFlowView>, LiveError>>,
    },
    Bundle {
        name: String,
        version: u32,
        reply: Reply<Result<Arc<Bundle>, LiveError>>,
    },
    /// The agent setup now (the center file's, with the API's changes).
    Center {
        reply: Reply<Arc<crate::center::Center>>,
    },
    /// Panics the engine thread: for tests of what the API does once the engine is gone.
    #[cfg(test)]
    Panic,
    PutAgent {
        id: String,
        setup: crate::center::setup::AgentSetup,
        /// The agent, and whether it is new.
        reply: Reply<Result<(AgentView, bool), LiveError>>,
    },
    DeleteAgent {
        id: String,
        reply: Reply<Result<(), LiveError>>,
    },
}
