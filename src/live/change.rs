//! Changes of the engine's state: what the API asks for, what the journal keeps, and what recovery
//! applies again.
//!
//! The engine is deterministic: the same changes at the same clock times give the same state (the
//! property that makes a `--clock test` server reproduce a replay). So the journal keeps the changes
//! themselves, each with the instant it was applied at; what follows from them (Route timeouts, offers
//! expiring, the flow's blocks running) is not journaled but computed again. A change that the engine
//! refuses (a 4xx) changed nothing and is not journaled.

use super::clock::ClockKind;
use super::command::{LiveError, NewWorkitem};
use super::core::Core;
use super::engine::{self, settle};
use super::flows::{Publication, compile};
use super::views::AgentStateKind;
use crate::center::AgentIndex;
use crate::center::setup::AgentSetup;
use crate::flow::Bundle;
use crate::journal::Entry;
use crate::time::{Instant, Span};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// One change, as journaled (JSON, tagged by `change`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum Change {
    /// The server started (or started again after a stop or a crash) on `clock`: offers open then are
    /// rescinded and made again, as their desktops may never have seen them.
    Started {
        clock: ClockKind,
        /// The flow a workitem that names none runs from now on (the `--flow` of this start).
        #[serde(default)]
        flow: Option<String>,
    },
    /// `POST /v1/workitems`.
    Create { new: NewWorkitem },
    /// `PATCH /v1/workitems/{id}/userdata`.
    Patch {
        id: String,
        if_match: Option<u64>,
        set: Map<String, Json>,
    },
    /// `POST /v1/workitems/{id}/stop`.
    Stop { id: String },
    /// `POST /v1/workitems/{id}/done`; `agent`: the agent acting.
    Done {
        id: String,
        disposition: Option<String>,
        agent: Option<String>,
    },
    /// `PUT /v1/agents/{id}/state`.
    AgentState {
        agent: String,
        state: AgentStateKind,
        reason: Option<String>,
    },
    /// `POST /v1/offers/{offer}/accept|reject`; `agent`: the agent acting.
    Answer {
        offer: String,
        accept: bool,
        agent: Option<String>,
    },
    /// `POST /v1/clock/advance` (a test clock).
    Advance { by_s: f64 },
    /// `PUT /v1/flows/{name}` (and the `--flow` of a start, when no version holds its content).
    Publish { name: String, bundle: Bundle },
    /// `POST /v1/flows/{name}/versions/{version}/activate`.
    Activate { name: String, version: u32 },
    /// `PUT /v1/agents/{id}`: agent `id` gets `setup` (added, or replaced).
    PutAgent { id: String, setup: AgentSetup },
    /// `DELETE /v1/agents/{id}`.
    DeleteAgent { id: String },
}

impl Change {
    /// Its name in the journal.
    fn kind(&self) -> &'static str {
        match self {
            Change::Started { .. } => "started",
            Change::Create { .. } => "create",
            Change::Patch { .. } => "patch",
            Change::Stop { .. } => "stop",
            Change::Done { .. } => "done",
            Change::AgentState { .. } => "agent_state",
            Change::Answer { .. } => "answer",
            Change::Advance { .. } => "advance",
            Change::Publish { .. } => "publish",
            Change::Activate { .. } => "activate",
            Change::PutAgent { .. } => "put_agent",
            Change::DeleteAgent { .. } => "delete_agent",
        }
    }

    /// The journal's entry for this change, applied at `at`.
    pub fn entry(&self, at: Instant) -> Entry {
        Entry {
            at_us: at.micros(),
            kind: self.kind().to_owned(),
            // A change holds strings, numbers and JSON it was given: it always serializes.
            data: serde_json::to_string(self).unwrap_or_default(),
        }
    }

    /// A journal entry's change.
    pub fn from_entry(entry: &Entry) -> Result<Change, String> {
        serde_json::from_str(&entry.data).map_err(|error| error.to_string())
    }
}

/// What a change did: what its reply shows.
pub(super) enum Applied {
    /// The workitem created, or found again (`created` false).
    Created {
        number: u32,
        created: bool,
    },
    Workitem(u32),
    Agent(AgentIndex),
    /// The clock moved.
    Clock,
    Started,
    /// A flow's version published (or found again: `created` false).
    Published(Publication),
    /// A flow's version activated.
    Activated,
    /// Agent `index` was given a setup; `created`: it is new.
    AgentPut {
        index: AgentIndex,
        created: bool,
    },
}

/// Apply `change` now and settle: every consequence at this instant happens before this returns.
pub(super) async fn apply(core: &Rc<RefCell<Core>>, change: Change) -> Result<Applied, LiveError> {
    let applied = match change {
        Change::Started { flow, .. } => {
            let core = &mut *core.borrow_mut();
            if let Some(flow) = flow {
                core.flows.set_default(&flow)?;
            }
            let mut resolved = Vec::new();
            core.sim.reoffer_all(&mut resolved);
            core.deliver(&mut resolved);
            Ok(Applied::Started)
        }
        Change::Create { new } => {
            engine::create(core, new).map(|(number, created)| Applied::Created { number, created })
        }
        Change::Patch { id, if_match, set } => {
            engine::patch(&mut core.borrow_mut(), &id, if_match, set).map(Applied::Workitem)
        }
        Change::Stop { id } => engine::stop(core, &id).map(Applied::Workitem),
        Change::Done {
            id,
            disposition,
            agent,
        } => engine::done(core, &id, disposition, agent.as_deref()).map(Applied::Workitem),
        Change::AgentState {
            agent,
            state,
            reason,
        } => engine::agent_state(core, &agent, state, reason).map(Applied::Agent),
        Change::Answer {
            offer,
            accept,
            agent,
        } => engine::answer(core, &offer, accept, agent.as_deref()).map(Applied::Workitem),
        Change::Advance { by_s } => core
            .borrow_mut()
            .clock
            .advance(Span::from_seconds(by_s))
            .map(|_| Applied::Clock),
        Change::Publish { name, bundle } => publish(&mut core.borrow_mut(), &name, bundle),
        Change::Activate { name, version } => core
            .borrow_mut()
            .flows
            .activate(&name, version)
            .map(|_| Applied::Activated),
        Change::PutAgent { id, setup } => super::setup::put(core, &id, setup)
            .map(|(index, created)| Applied::AgentPut { index, created }),
        Change::DeleteAgent { id } => super::setup::delete(core, &id).map(Applied::Agent),
    };
    if applied.is_ok() {
        settle(core).await;
    }
    applied
}

/// Publish `bundle` as flow `name`: with the runner the API compiled it to, or (recovering) compiled
/// again here.
fn publish(core: &mut Core, name: &str, bundle: Bundle) -> Result<Applied, LiveError> {
    let hash = bundle.hash();
    let runner = match core.prepared.remove(&hash) {
        Some(runner) => runner,
        None => match compile(name, &bundle, &core.center) {
            Ok((runner, _)) => runner,
            Err(report) => {
                return Err(LiveError::Invalid {
                    field: "/files".to_owned(),
                    detail: format!("the bundle does not load: {}", report.messages().join("; ")),
                });
            }
        },
    };
    let now_s = core.now_s();
    core.flows
        .publish(name, Arc::new(bundle), hash, runner, now_s)
        .map(Applied::Published)
}
