//! The Agent Setup over the API (SPEC §9.4, `PUT|DELETE /v1/agents/{id}`): agents added, replaced and
//! removed while the server runs, journaled like every other change (the center file is the setup
//! the server starts from; the journal's changes apply on top of it at recovery).
//!
//! Routing's part (which targets an agent is a candidate of, capacity, taking waiting work) is the
//! simulation's ([`crate::routing::Simulation::put_agent`]); this is the engine's: checking the
//! request, the agents' records and event streams, and what the reply shows.
//!
//! - A new agent is logged out until its desktop says it is ready, like every agent at start.
//! - A replaced agent keeps its state, the workitems it holds and its open offers (made under the
//!   old setup, they stand); what it is offered next follows the new one. If it is ready with free
//!   capacity, it is offered at once the best waiting workitem it now matches.
//! - A capacity lowered below what the agent holds takes nothing from it: it takes nothing new until
//!   it holds fewer than its capacity.
//! - Removing an agent that holds assigned workitems is refused (409): they are its work until it
//!   marks them done or they are stopped, and nobody else could mark them done. Otherwise the agent is
//!   logged out first (its open offers rescinded, reason `logged_out`, their workitems back in their
//!   places), its event streams end, and it is gone: its id is free for a new agent.
//! - The same setup again changes nothing, and journals nothing.

use super::Engine;
use super::change::{Applied, Change};
use super::command::{Command, LiveError};
use super::core::{AgentRecord, Core};
use super::engine::changed;
use super::views::{AgentStateKind, AgentView, State};
use crate::center::setup::AgentSetup;
use crate::center::{AgentIndex, Center};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use tokio::sync::oneshot;

/// The longest agent id, in characters (as a workitem's).
pub const MAX_AGENT_ID_CHARS: usize = 256;

/// Why `id` cannot be an agent's id, if it cannot: blank, with control characters, or too long.
pub fn check_agent_id(id: &str) -> Result<(), String> {
    if id.chars().count() > MAX_AGENT_ID_CHARS {
        Err(format!(
            "an agent id is at most {MAX_AGENT_ID_CHARS} characters"
        ))
    } else if id.trim().is_empty() || id.chars().any(char::is_control) {
        Err("an agent id is not blank and has no control characters".to_owned())
    } else {
        Ok(())
    }
}

/// The field of `setup` that cannot be, if one cannot: what a center file refuses.
fn check_setup(setup: &AgentSetup) -> Result<(), LiveError> {
    let invalid = |field: String, detail: &str| LiveError::Invalid {
        field,
        detail: detail.to_owned(),
    };
    if let Some(at) = setup.groups.iter().position(|g| g.trim().is_empty()) {
        return Err(invalid(
            format!("/groups/{at}"),
            "a group name cannot be blank",
        ));
    }
    if setup.skills.contains_key("") {
        return Err(invalid(
            "/skills/".to_owned(),
            "a skill name cannot be empty",
        ));
    }
    if setup.capacity == 0 {
        return Err(invalid(
            "/capacity".to_owned(),
            "the capacity is a whole number from 1 to 4294967295 (how many workitems the agent works at once)",
        ));
    }
    Ok(())
}

/// Apply `PUT /v1/agents/{id}`: agent `id` gets `setup`. Its index, and whether it is new.
pub(super) fn put(
    core: &Rc<RefCell<Core>>,
    id: &str,
    setup: AgentSetup,
) -> Result<(AgentIndex, bool), LiveError> {
    check_agent_id(id).map_err(|detail| LiveError::Invalid {
        field: String::new(),
        detail,
    })?;
    check_setup(&setup)?;
    let setup = setup.normalized();
    let core = &mut *core.borrow_mut();
    if let Some(index) = core.center.agent(id)
        && core.center.setup(index) == setup
    {
        return Ok((index, false));
    }
    let mut resolved = Vec::new();
    unshare(core);
    let (index, created) = core.sim.put_agent(id, &setup, &mut resolved);
    core.center = core.sim.shared_center().clone();
    if created {
        // One record per place of the center: the new one is the last.
        core.agents.push(AgentRecord::default());
    }
    core.deliver(&mut resolved);
    Ok((index, created))
}

/// Let the simulation hold the only reference to the center (the core takes the changed one back
/// after), so that it is changed in place rather than copied whole.
fn unshare(core: &mut Core) {
    core.center = Arc::new(Center::empty());
}

/// Apply `DELETE /v1/agents/{id}`: the index agent `id` had.
pub(super) fn delete(core: &Rc<RefCell<Core>>, id: &str) -> Result<AgentIndex, LiveError> {
    let core = &mut *core.borrow_mut();
    let index = core
        .center
        .agent(id)
        .ok_or_else(|| LiveError::NotFound(format!("no agent `{id}` in the center")))?;
    let held: Vec<String> = core.agents[index.index()]
        .workitems
        .iter()
        .filter(|&&n| core.records[n as usize].state == State::Assigned)
        .map(|&n| format!("`{}`", core.records[n as usize].id))
        .collect();
    if !held.is_empty() {
        return Err(LiveError::Conflict {
            detail: format!(
                "agent `{id}` holds workitems {}: they must be marked done or stopped before it \
                 can be removed (log it out so that it takes nothing new meanwhile)",
                held.join(", ")
            ),
            state: None,
        });
    }
    // Logged out first, as its desktop would: its open offers go back to their workitems' places.
    let record = &mut core.agents[index.index()];
    record.state = Some(AgentStateKind::LoggedOut);
    record.reason = None;
    let mut resolved = Vec::new();
    core.sim.set_ready(index, false, &mut resolved);
    core.sim.withdraw_offers(index, &mut resolved);
    core.deliver(&mut resolved);
    unshare(core);
    core.sim.remove_agent(index);
    core.center = core.sim.shared_center().clone();
    // Its streams end (their senders dropped) once they have sent what they hold.
    let record = &mut core.agents[index.index()];
    record.subscribers.clear();
    record.events.clear();
    record.kept_bytes = 0;
    Ok(index)
}

/// Handle `PUT /v1/agents/{id}` (the engine thread's part): journaled and applied, unless it changes
/// nothing.
pub(super) async fn put_command(
    core: &Rc<RefCell<Core>>,
    id: String,
    setup: AgentSetup,
    reply: oneshot::Sender<Result<(AgentView, bool), LiveError>>,
) {
    let setup = setup.normalized();
    let same = {
        let core = core.borrow();
        core.center
            .agent(&id)
            .filter(|&index| core.center.setup(index) == setup)
    };
    if let Some(index) = same {
        unchanged(&core.borrow(), index, reply);
        return;
    }
    let change = Change::PutAgent { id, setup };
    changed(core, change, reply, |core, applied| match applied {
        Applied::AgentPut { index, created } => (core.agent_view(index), created),
        _ => unreachable!("an agent is put"),
    })
    .await;
}

/// Handle `DELETE /v1/agents/{id}` (the engine thread's part).
pub(super) async fn delete_command(
    core: &Rc<RefCell<Core>>,
    id: String,
    reply: oneshot::Sender<Result<(), LiveError>>,
) {
    changed(core, Change::DeleteAgent { id }, reply, |_, _| ()).await;
}

/// Reply to a `PUT` that changes nothing: agent `index` as it is, once what was journaled before is
/// committed (the setup it shows may be an earlier request's, not acknowledged yet).
fn unchanged(
    core: &Core,
    index: AgentIndex,
    reply: oneshot::Sender<Result<(AgentView, bool), LiveError>>,
) {
    if let Some(failure) = core.journal_failure() {
        let _ = reply.send(Err(LiveError::Journal(failure)));
        return;
    }
    let view = core.agent_view(index);
    match &core.journal {
        Some(journal) => journal.after_pending(Box::new(move |outcome| {
            let result = outcome
                .map(|()| (view, false))
                .map_err(|error| LiveError::Journal(error.to_string()));
            let _ = reply.send(result);
        })),
        None => {
            let _ = reply.send(Ok((view, false)));
        }
    }
}

impl Engine {
    /// Give agent `id` the setup `setup` (`PUT /v1/agents/{id}`): the agent as it is now, and
    /// whether it is new.
    pub async fn put_agent(
        &self,
        id: &str,
        setup: AgentSetup,
    ) -> Result<(AgentView, bool), LiveError> {
        let id = id.to_owned();
        self.ask(|reply| Command::PutAgent { id, setup, reply })
            .await?
    }

    /// Remove agent `id` (`DELETE /v1/agents/{id}`).
    pub async fn delete_agent(&self, id: &str) -> Result<(), LiveError> {
        let id = id.to_owned();
        self.ask(|reply| Command::DeleteAgent { id, reply }).await?
    }
}
