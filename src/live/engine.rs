//! The engine thread: one thread owns the core and every workitem's task (a current-thread tokio runtime
//! and a `LocalSet`, as a replay), and handles the API's commands one at a time. After each command,
//! and whenever an event falls due on the clock, it *settles*: it lets every runnable task run until it
//! waits or ends, then hands the next due event to the simulation, and again, until nothing is due. A
//! command's reply is sent once it has settled, so that it shows every consequence of the command.

use super::change::{Applied, Change, apply};
use super::clock::Clock;
use super::command::{Command, Created, LiveError, NewWorkitem, Page, PublishedVersion};
use super::core::{BodyDigest, Core, Record};
use super::flows::FlowRef;
use super::port::{LivePort, Task};
use super::views::{AgentEvent, AgentStateKind, ClockView, PublishedFlowView, State};
use crate::center::AgentIndex;
use crate::expr::{Text, Value};
use crate::flow::Bundle;
use crate::routing::{Item, NotOffered, Stepped};
use crate::runtime::{Facts, Runner};
use crate::workitem::Userdata;
use serde_json::json;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::poll_fn;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use tokio::sync::mpsc::{UnboundedReceiver, channel};
use tokio::sync::oneshot;

/// The most event streams open at once for one agent.
const MAX_STREAMS_PER_AGENT: usize = 8;

/// About the most bytes of JSON a page of workitems holds: past it the page ends early (its next
/// page goes on), so that listing a thousand workitems with large user data (up to `--max-body`
/// each) does not build a reply of a gigabyte.
const MAX_PAGE_BYTES: usize = 4 << 20;

/// How many bytes `value` takes as JSON.
fn json_bytes(value: &impl serde::Serialize) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

/// The longest workitem id, in characters.
const MAX_ID_CHARS: usize = 256;

/// Handle commands until every sender is gone.
pub(super) async fn run(core: Rc<RefCell<Core>>, mut commands: UnboundedReceiver<Command>) {
    loop {
        let due = {
            let core = &mut *core.borrow_mut();
            core.sim.next_event().and_then(|at| core.clock.until(at))
        };
        let command = match due {
            Some(wait) => tokio::select! {
                command = commands.recv() => command.map(Some),
                () = tokio::time::sleep(wait) => Some(None),
            },
            None => commands.recv().await.map(Some),
        };
        match command {
            None => break,
            Some(None) => settle(&core).await,
            Some(Some(command)) => {
                // The clock first: on the real clock, time has passed since the engine last looked,
                // and a command acts at the time it is handled (what falls due before it, first).
                settle(&core).await;
                handle(&core, command).await
            }
        }
    }
}

/// Run tasks and due events until nothing more happens at the clock's time.
pub(super) async fn settle(core: &Rc<RefCell<Core>>) {
    let mut resolved = Vec::new();
    loop {
        quiet(core).await;
        let core = &mut *core.borrow_mut();
        core.notices();
        let now = core.clock.read();
        match core.sim.advance(now, &mut resolved) {
            Stepped::Event => core.deliver(&mut resolved),
            _ => {
                core.deliver(&mut resolved);
                core.notices();
                if core.runnable == 0 {
                    break;
                }
            }
        }
    }
}

/// Ready when no task is runnable.
async fn quiet(core: &Rc<RefCell<Core>>) {
    poll_fn(|cx| {
        let mut core = core.borrow_mut();
        if core.runnable == 0 {
            Poll::Ready(())
        } else {
            core.settler = Some(cx.waker().clone());
            Poll::Pending
        }
    })
    .await;
}

async fn handle(core: &Rc<RefCell<Core>>, command: Command) {
    match command {
        Command::Create { new, reply } => {
            let change = Change::Create { new };
            changed(core, change, reply, |core, applied| match applied {
                Applied::Created { number, created } => Created {
                    created,
                    view: core.view(number),
                },
                _ => unreachable!("a create creates"),
            })
            .await;
        }
        Command::Get { id, reply } => {
            let core = core.borrow();
            let _ = reply.send(core.by_id.get(&*id).map(|&n| core.view(n)));
        }
        Command::List {
            state,
            after,
            limit,
            reply,
        } => {
            let core = core.borrow();
            let count = core.records.len();
            let first = usize::try_from(after).unwrap_or(usize::MAX).min(count);
            let mut page = Page::default();
            let mut bytes = 0;
            for n in first..count {
                if state.is_some_and(|s| core.records[n].state != s) {
                    continue;
                }
                if page.workitems.len() == limit || bytes >= MAX_PAGE_BYTES {
                    page.next = Some(n as u64);
                    break;
                }
                let view = core.view(n as u32);
                bytes += json_bytes(&view);
                page.workitems.push(view);
            }
            let _ = reply.send(page);
        }
        Command::History { id, reply } => {
            let core = core.borrow();
            let history = core
                .by_id
                .get(&*id)
                .map(|&n| core.records[n as usize].history());
            let _ = reply.send(history);
        }
        Command::Stop { id, reply } => {
            changed(core, Change::Stop { id }, reply, workitem_view).await;
        }
        Command::Done {
            id,
            disposition,
            agent,
            reply,
        } => {
            let change = Change::Done {
                id,
                disposition,
                agent,
            };
            changed(core, change, reply, workitem_view).await;
        }
        Command::AgentState {
            agent,
            state,
            reason,
            reply,
        } => {
            let change = Change::AgentState {
                agent,
                state,
                reason,
            };
            changed(core, change, reply, |core, applied| match applied {
                Applied::Agent(index) => core.agent_view(index),
                _ => unreachable!("an agent's state changes"),
            })
            .await;
        }
        Command::Agents { reply } => {
            let core = core.borrow();
            let views = core.center.indices().map(|i| core.agent_view(i)).collect();
            let _ = reply.send(views);
        }
        Command::Agent { agent, reply } => {
            let core = core.borrow();
            let _ = reply.send(core.center.agent(&agent).map(|i| core.agent_view(i)));
        }
        Command::Subscribe {
            agent,
            after,
            reply,
        } => {
            let _ = reply.send(subscribe(&mut core.borrow_mut(), &agent, after));
        }
        Command::Feed { after, reply } => {
            let core = &mut *core.borrow_mut();
            let last = core.seq();
            let opened = core.feed.subscribe(after, last).map_err(|not_kept| {
                let kept = match not_kept.kept {
                    Some((oldest, newest)) => format!("events {oldest} to {newest} are kept"),
                    None => "none are kept".to_owned(),
                };
                LiveError::Conflict {
                    detail: format!(
                        "cannot resume the events after {}: {kept}; reload what you show \
                         (`GET /v1/workitems`, `GET /v1/agents`), then reconnect without \
                         `Last-Event-ID`",
                        after.unwrap_or_default()
                    ),
                    state: None,
                }
            });
            let _ = reply.send(opened);
        }
        Command::Answer {
            offer,
            accept,
            agent,
            reply,
        } => {
            let change = Change::Answer {
                offer,
                accept,
                agent,
            };
            changed(core, change, reply, workitem_view).await;
        }
        Command::Advance { by_s, reply } => {
            changed(core, Change::Advance { by_s }, reply, |core, _| {
                core.now_s()
            })
            .await;
        }
        Command::Queues { reply } => {
            let _ = reply.send(core.borrow().queues());
        }
        Command::BlockCounts {
            name,
            version,
            reply,
        } => {
            let core = core.borrow();
            let counts = core
                .flows
                .find_version(&name, version)
                .map(|at| core.block_counts(at));
            let _ = reply.send(counts);
        }
        Command::Patch {
            id,
            if_match,
            set,
            reply,
        } => {
            let change = Change::Patch { id, if_match, set };
            changed(core, change, reply, workitem_view).await;
        }
        Command::Clock { reply } => {
            let core = &mut *core.borrow_mut();
            let view = ClockView {
                clock: core.clock.kind().as_str().to_owned(),
                now_s: core.now_s(),
                next_event_s: core.sim.next_event().map(crate::time::Instant::seconds),
            };
            let _ = reply.send(view);
        }
        Command::Publish {
            name,
            bundle,
            runner,
            reply,
        } => {
            core.borrow_mut().prepared.insert(bundle.hash(), runner);
            let change = Change::Publish {
                name: name.clone(),
                bundle,
            };
            changed(core, change, reply, |core, applied| match applied {
                Applied::Published(publication) => PublishedVersion {
                    created: publication.created,
                    version: publication.flow.version,
                    flow: flows_view(core, Some(&name)).unwrap_or_default().remove(0),
                },
                _ => unreachable!("a publication publishes"),
            })
            .await;
            // Not applied (the journal failed): not kept either.
            core.borrow_mut().prepared.clear();
        }
        Command::Activate {
            name,
            version,
            reply,
        } => {
            let change = Change::Activate {
                name: name.clone(),
                version,
            };
            changed(core, change, reply, |core, _| {
                flows_view(core, Some(&name)).unwrap_or_default().remove(0)
            })
            .await;
        }
        Command::Flows { name, reply } => {
            let _ = reply.send(flows_view(&core.borrow(), name.as_deref()));
        }
        Command::Bundle {
            name,
            version,
            reply,
        } => {
            let _ = reply.send(core.borrow().flows.bundle(&name, version));
        }
        Command::CompiledFlow {
            name,
            version,
            reply,
        } => {
            let core = core.borrow();
            let flow = core
                .flows
                .find_version(&name, version)
                .map(|at| core.flows.runner(at).flow().clone());
            let _ = reply.send(flow);
        }
        Command::Center { reply } => {
            let _ = reply.send(core.borrow().center.clone());
        }
        #[cfg(test)]
        Command::Panic => panic!("the engine was asked to panic (a test)"),
        Command::PutAgent { id, setup, reply } => {
            super::setup::put_command(core, id, setup, reply).await;
        }
        Command::DeleteAgent { id, reply } => {
            super::setup::delete_command(core, id, reply).await;
        }
    }
}

/// Journal that the server started (after recovery) on `flow`: the flow is published unless a
/// version of it holds the same content, it is the flow of workitems that name none, and offers open
/// are made again.
pub(super) async fn started(core: &Rc<RefCell<Core>>, (bundle, runner): (Bundle, Arc<Runner>)) {
    let name = runner.flow().application.clone();
    let hash = bundle.hash();
    if !core.borrow().flows.has(&name, &hash) {
        core.borrow_mut().prepared.insert(hash, runner);
        let (reply, _) = oneshot::channel();
        let change = Change::Publish {
            name: name.clone(),
            bundle,
        };
        changed(core, change, reply, |_, _| ()).await;
    }
    let (reply, _) = oneshot::channel();
    let clock = core.borrow().clock.kind();
    let change = Change::Started {
        clock,
        flow: Some(name),
    };
    changed(core, change, reply, |_, _| ()).await;
}

/// Flow `name` (or every flow) with its versions, and how many workitems run each.
fn flows_view(core: &Core, name: Option<&str>) -> Result<Vec<PublishedFlowView>, LiveError> {
    let mut running: HashMap<FlowRef, usize> = HashMap::new();
    for &number in &core.unended {
        let record = &core.records[number as usize];
        if !record.state.ended() {
            *running.entry(record.flow).or_default() += 1;
        }
    }
    let running = |at: FlowRef| running.get(&at).copied().unwrap_or(0);
    match name {
        Some(name) => Ok(vec![core.flows.published(name, running)?]),
        None => Ok(core.flows.all(running)),
    }
}

/// The view of the workitem a change was to.
fn workitem_view(core: &Core, applied: Applied) -> super::views::WorkitemView {
    match applied {
        Applied::Workitem(number) => core.view(number),
        _ => unreachable!("a change to a workitem"),
    }
}

/// Apply `change` and reply what `view` makes of it: once the change is journaled, when the server
/// has a journal (the reply acknowledges a durable change), at once otherwise. Nothing is applied
/// once the journal has failed: what the server holds would no longer be what a restart recovers.
pub(super) async fn changed<T: Send + 'static>(
    core: &Rc<RefCell<Core>>,
    change: Change,
    reply: oneshot::Sender<Result<T, LiveError>>,
    view: impl FnOnce(&Core, Applied) -> T,
) {
    if let Some(failure) = core.borrow().journal_failure() {
        let _ = reply.send(Err(LiveError::Journal(failure)));
        return;
    }
    let at = core.borrow().sim.instant();
    let entry = core.borrow().journal.as_ref().map(|_| change.entry(at));
    let result = apply(core, change).await;
    let core = core.borrow();
    let result = result.map(|applied| view(&core, applied));
    match (result, &core.journal, entry) {
        (Ok(value), Some(journal), Some(entry)) => {
            let failures = core.journal_failures.clone();
            journal.append(
                vec![entry],
                Box::new(move |outcome| {
                    let result = outcome.map(|()| value).map_err(|error| {
                        let _ = failures.set(error.to_string());
                        LiveError::Journal(error.to_string())
                    });
                    let _ = reply.send(result);
                }),
            );
        }
        (result, _, _) => {
            let _ = reply.send(result);
        }
    }
}

/// Register a new workitem and start its task (or find the one the same request created before): its
/// number, and whether it is new.
pub(super) fn create(
    core_cell: &Rc<RefCell<Core>>,
    new: NewWorkitem,
) -> Result<(u32, bool), LiveError> {
    let core = &mut *core_cell.borrow_mut();
    let existing = new
        .key
        .as_ref()
        .and_then(|key| core.keys.get(key))
        .or_else(|| new.id.as_ref().and_then(|id| core.by_id.get(id.as_str())))
        .copied();
    if let Some(id) = &new.id {
        let bad = if id.chars().count() > MAX_ID_CHARS {
            Some(format!("an id is at most {MAX_ID_CHARS} characters"))
        } else if id.trim().is_empty() || id.chars().any(char::is_control) {
            Some("an id is not blank and has no control characters".to_owned())
        } else {
            None
        };
        if let Some(detail) = bad {
            return Err(LiveError::Invalid {
                field: "/id".to_owned(),
                detail,
            });
        }
    }
    if let Some(number) = existing {
        let record = &core.records[number as usize];
        if record.body != BodyDigest::of(&new.body) {
            return Err(LiveError::Conflict {
                detail: format!(
                    "workitem `{}` was already created with another body",
                    record.id
                ),
                state: Some(record.state),
            });
        }
        if let Some(key) = new.key {
            // Found by its id: the key now names it too.
            core.keys.entry(key).or_insert(number);
        }
        return Ok((number, false));
    }
    let flow = core.flows.for_new(new.flow.as_deref())?;
    let number = u32::try_from(core.records.len()).map_err(|_| LiveError::Full)?;
    let id = match &new.id {
        Some(id) => Text::new(id),
        None => {
            // A made-up id never takes one the third party chose (or will: they are told apart by
            // a suffix, as `wi-7` may be taken).
            let mut made = format!("wi-{}", number + 1);
            let mut again = 1;
            while core.by_id.contains_key(made.as_str()) {
                again += 1;
                made = format!("wi-{}.{again}", number + 1);
            }
            Text::new(&made)
        }
    };
    let now = core.sim.instant();
    let now_s = now.seconds();
    let userdata: Userdata = new
        .userdata
        .iter()
        .map(|(key, value)| (key.as_str(), Value::from_json(value)))
        .collect();
    let priority = new.priority.unwrap_or(0);
    core.records.push(Record::new(
        id.clone(),
        priority,
        now_s,
        &new.body,
        &new.userdata,
        flow,
    ));
    core.unended.insert(number);
    core.by_id.insert(id.clone(), number);
    if let Some(key) = new.key {
        core.keys.insert(key, number);
    }
    core.note(number, "created", json!({ "priority": priority }));
    core.count(number, "created");
    core.sim.add(number, Item::live(now));
    core.wakers.push(None);
    core.runnable += 1;
    let facts = Facts {
        id,
        priority,
        arrive_s: now_s,
    };
    let port = LivePort {
        core: core_cell.clone(),
        number,
    };
    let run = core.flows.runner(flow).run(userdata, &facts, port, false);
    tokio::task::spawn_local(Task::new(core_cell.clone(), number, now_s, run));
    Ok((number, true))
}

fn find(core: &Core, id: &str) -> Result<u32, LiveError> {
    core.by_id
        .get(id)
        .copied()
        .ok_or_else(|| LiveError::NotFound(format!("no workitem `{id}`")))
}

pub(super) fn stop(core: &Rc<RefCell<Core>>, id: &str) -> Result<u32, LiveError> {
    let core = &mut *core.borrow_mut();
    let number = find(core, id)?;
    let state = core.records[number as usize].state;
    match state {
        State::Waiting | State::Offered => {
            let mut resolved = Vec::new();
            core.sim.stop(number, &mut resolved);
            core.deliver(&mut resolved);
        }
        State::Assigned => {
            let now_s = core.now_s();
            let record = &mut core.records[number as usize];
            record.state = State::Stopped;
            core.end(number);
            let record = &mut core.records[number as usize];
            if let Some(agent) = record.agent {
                core.agents[agent.index()]
                    .workitems
                    .retain(|&held| held != number);
                let event = AgentEvent {
                    id: 0,
                    event: "stopped".to_owned(),
                    at_s: now_s,
                    workitem: id.to_owned(),
                    offer: None,
                    expires_s: None,
                    reason: None,
                    userdata: None,
                    popup: None,
                };
                core.tell(agent, event);
                let mut resolved = Vec::new();
                core.sim.release(agent, &mut resolved);
                core.deliver(&mut resolved);
            }
            core.note(number, "stopped", json!({}));
        }
        State::Running => {
            return Err(LiveError::Conflict {
                detail: format!("workitem `{id}` is running blocks"),
                state: Some(state),
            });
        }
        // Ended: stopping again is nothing new.
        State::Done | State::Stopped | State::Unrouted | State::Error => {}
    }
    Ok(number)
}

pub(super) fn done(
    core: &Rc<RefCell<Core>>,
    id: &str,
    disposition: Option<String>,
    acting: Option<&str>,
) -> Result<u32, LiveError> {
    let core = &mut *core.borrow_mut();
    let number = find(core, id)?;
    let record = &core.records[number as usize];
    let holder = record.agent.map(|agent| core.center[agent].id.clone());
    if let Some(acting) = acting
        && holder.as_deref() != Some(acting)
    {
        return Err(LiveError::Forbidden(format!(
            "agent `{acting}` does not hold workitem `{id}`"
        )));
    }
    match record.state {
        State::Done => Ok(number),
        State::Assigned => {
            let agent = record.agent;
            let record = &mut core.records[number as usize];
            record.state = State::Done;
            record.disposition = disposition.clone();
            core.end(number);
            core.note(number, "done", json!({ "disposition": disposition }));
            if let Some(agent) = agent {
                core.agents[agent.index()]
                    .workitems
                    .retain(|&held| held != number);
                let mut resolved = Vec::new();
                core.sim.release(agent, &mut resolved);
                core.deliver(&mut resolved);
            }
            Ok(number)
        }
        state => Err(LiveError::Conflict {
            detail: format!(
                "workitem `{id}` is {}: only an assigned workitem can be marked done",
                state.as_str()
            ),
            state: Some(state),
        }),
    }
}

/// Set user-data keys of workitem `id`: its blocks still to run see them, the agent holding it is told.
pub(super) fn patch(
    core: &mut Core,
    id: &str,
    if_match: Option<u64>,
    set: serde_json::Map<String, serde_json::Value>,
) -> Result<u32, LiveError> {
    let number = find(core, id)?;
    let record = &core.records[number as usize];
    if if_match.is_some_and(|r| r != record.revision) {
        return Err(LiveError::Stale {
            id: id.to_owned(),
            revision: record.revision,
        });
    }
    if record.state.ended() {
        return Err(LiveError::Conflict {
            detail: format!(
                "workitem `{id}` is {}: its user data can no longer change",
                record.state.as_str()
            ),
            state: Some(record.state),
        });
    }
    if matches!(record.state, State::Waiting | State::Offered) {
        // For the blocks still to run: the task takes them when its Route block's wait ends.
        let pending = core.patches.entry(number).or_default();
        for (key, value) in &set {
            pending.push((key.as_str().into(), Value::from_json(value)));
        }
    }
    // In a flow with secure variables, what the third party set is shown masked until the flow shows
    // it (it may be, or hold, a secret; only the flow knows).
    let flow = core.records[number as usize].flow;
    let masked = !core.flows.runner(flow).secrets().is_empty();
    let record = &mut core.records[number as usize];
    record.show_patch(&set, masked);
    record.revision += 1;
    let holder = record.agent;
    let keys: Vec<&String> = set.keys().collect();
    core.note(number, "userdata_updated", json!({ "keys": keys }));
    if let Some(agent) = holder {
        let mut event = core.agent_event("userdata_updated", number);
        event.userdata = Some(core.records[number as usize].userdata());
        core.tell(agent, event);
    }
    Ok(number)
}

fn agent_index(core: &Core, agent: &str) -> Result<AgentIndex, LiveError> {
    core.center
        .agent(agent)
        .ok_or_else(|| LiveError::NotFound(format!("no agent `{agent}` in the center")))
}

pub(super) fn agent_state(
    core: &Rc<RefCell<Core>>,
    agent: &str,
    state: AgentStateKind,
    reason: Option<String>,
) -> Result<AgentIndex, LiveError> {
    let core = &mut *core.borrow_mut();
    let index = agent_index(core, agent)?;
    let record = &mut core.agents[index.index()];
    record.state = Some(state);
    record.reason = reason.filter(|_| state != AgentStateKind::Ready);
    core.note_agent(index);
    let mut resolved = Vec::new();
    core.sim
        .set_ready(index, state == AgentStateKind::Ready, &mut resolved);
    if state == AgentStateKind::LoggedOut {
        core.sim.withdraw_offers(index, &mut resolved);
    }
    core.deliver(&mut resolved);
    Ok(index)
}

/// Agent `agent`'s kept events after `after`, and a receiver of the next ones.
fn subscribe(
    core: &mut Core,
    agent: &str,
    after: Option<u64>,
) -> Result<super::command::Subscription, LiveError> {
    let index = agent_index(core, agent)?;
    let record = &mut core.agents[index.index()];
    if let Some(after) = after {
        // Resuming needs every event after `after`: refused when some were let go (only the last
        // are kept) or when `after` is no id of this stream (a desktop that knew an earlier
        // process): the desktop reloads what it shows and reconnects without `Last-Event-ID`.
        let last = record.next_event;
        let oldest = record
            .events
            .front()
            .map_or(last + 1, |(event, _)| event.id);
        if after > last || after + 1 < oldest {
            let kept = if oldest > last {
                "none are kept".to_owned()
            } else {
                format!("events {oldest} to {last} are kept")
            };
            return Err(LiveError::Conflict {
                detail: format!(
                    "cannot resume agent `{agent}`'s events after {after}: {kept}; reload the \
                     agent (`GET /v1/agents/{agent}`) and the workitems it holds, then reconnect \
                     without `Last-Event-ID`"
                ),
                state: None,
            });
        }
    }
    let backlog = match after {
        Some(after) => record
            .events
            .iter()
            .map(|(event, _)| event)
            .filter(|event| event.id > after)
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    // Streams that ended (their desktops went away) are let go here too, not only at the next event.
    record
        .subscribers
        .retain(|subscriber| !subscriber.is_closed());
    // Each stream keeps a queue of its own: past the bound, the oldest stream ends (its sender
    // dropped, it ends once it has sent what it holds), as a desktop that reconnects after a lost
    // connection must get in even while the server has not noticed the old one is gone.
    if record.subscribers.len() >= MAX_STREAMS_PER_AGENT {
        let ended = record.subscribers.len() + 1 - MAX_STREAMS_PER_AGENT;
        record.subscribers.drain(..ended);
    }
    let (sender, receiver) = channel(super::core::SUBSCRIBER_QUEUE);
    record.subscribers.push(sender);
    Ok((backlog, receiver))
}

pub(super) fn answer(
    core: &Rc<RefCell<Core>>,
    offer: &str,
    accept: bool,
    acting: Option<&str>,
) -> Result<u32, LiveError> {
    let core = &mut *core.borrow_mut();
    let Some(&number) = core.offers.get(offer) else {
        return Err(LiveError::NotFound(format!(
            "no open offer `{offer}` (answered, withdrawn or expired offers are gone)"
        )));
    };
    let Some(agent) = core.sim.offered_to(number) else {
        return Err(LiveError::NotFound(format!("no open offer `{offer}`")));
    };
    let agent_id = core.center[agent].id.clone();
    if acting.is_some_and(|acting| acting != agent_id) {
        return Err(LiveError::Forbidden(format!(
            "offer `{offer}` is to agent `{agent_id}`"
        )));
    }
    let mut resolved = Vec::new();
    let answered = if accept {
        core.sim.accept(number, agent, &mut resolved)
    } else {
        core.sim.reject(number, agent, &mut resolved)
    };
    if let Err(why) = answered {
        let detail = match why {
            NotOffered::NoOffer => format!("offer `{offer}` is no longer open"),
            NotOffered::OtherAgent => format!("offer `{offer}` is to another agent"),
        };
        return Err(LiveError::Conflict {
            detail,
            state: Some(core.records[number as usize].state),
        });
    }
    core.forget_offer(number, agent);
    core.metrics
        .offer_ended(if accept { "accepted" } else { "rejected" });
    let event = if accept {
        "offer_accepted"
    } else {
        "offer_rejected"
    };
    core.note(number, event, json!({ "offer": offer, "agent": agent_id }));
    if !accept {
        let record = &mut core.records[number as usize];
        record.state = State::Waiting;
        record.agent = None;
    }
    core.deliver(&mut resolved);
    Ok(number)
}

/// A fresh core on `clock`, ready for [`run`]: no flow is published yet.
pub(super) fn core(
    center: std::sync::Arc<crate::center::Center>,
    clock: Clock,
) -> Rc<RefCell<Core>> {
    Rc::new(RefCell::new(Core::new(center, clock)))
}
