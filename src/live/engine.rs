//! The engine thread: one thread owns the core and every workitem's task (a current-thread tokio runtime
//! and a `LocalSet`, as a replay), and handles the API's commands one at a time. After each command,
//! and whenever an event falls due on the clock, it *settles*: it lets every runnable task run until it
//! waits or ends, then hands the next due event to the simulation, and again, until nothing is due. A
//! command's reply is sent once it has settled, so that it shows every consequence of the command.

use super::clock::{Clock, ClockKind};
use super::command::{Command, Created, LiveError, NewWorkitem};
use super::core::{BodyDigest, Core, Record};
use super::port::{LivePort, Task};
use super::views::{AgentEvent, AgentStateKind, ClockView, State};
use crate::center::AgentIndex;
use crate::expr::{Text, Value};
use crate::routing::{Item, NotOffered, Stepped};
use crate::runtime::Facts;
use crate::time::Span;
use crate::workitem::Userdata;
use serde_json::json;
use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;
use tokio::sync::mpsc::{UnboundedReceiver, channel};

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
async fn settle(core: &Rc<RefCell<Core>>) {
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
            let created = create(core, new);
            if created.as_ref().is_ok_and(|c| c.created) {
                settle(core).await;
            }
            let created = created.map(|c| Created {
                view: core.borrow().view(c.number),
                ..c
            });
            let _ = reply.send(created);
        }
        Command::Get { id, reply } => {
            let core = core.borrow();
            let _ = reply.send(core.by_id.get(&*id).map(|&n| core.view(n)));
        }
        Command::List { state, reply } => {
            let core = core.borrow();
            let views = (0..core.records.len() as u32)
                .filter(|&n| state.is_none_or(|s| core.records[n as usize].state == s))
                .map(|n| core.view(n))
                .collect();
            let _ = reply.send(views);
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
            let result = stop(core, &id);
            settle(core).await;
            let _ = reply.send(result.map(|n| core.borrow().view(n)));
        }
        Command::Done {
            id,
            disposition,
            agent,
            reply,
        } => {
            let result = done(core, &id, disposition, agent.as_deref());
            settle(core).await;
            let _ = reply.send(result.map(|n| core.borrow().view(n)));
        }
        Command::AgentState {
            agent,
            state,
            reason,
            reply,
        } => {
            let result = agent_state(core, &agent, state, reason);
            settle(core).await;
            let _ = reply.send(result.map(|index| core.borrow().agent_view(index)));
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
        Command::Answer {
            offer,
            accept,
            agent,
            reply,
        } => {
            let result = answer(core, &offer, accept, agent.as_deref());
            settle(core).await;
            let _ = reply.send(result.map(|n| core.borrow().view(n)));
        }
        Command::Advance { by_s, reply } => {
            let moved = core.borrow_mut().clock.advance(Span::from_seconds(by_s));
            if moved.is_ok() {
                settle(core).await;
            }
            let now = core.borrow().now_s();
            let _ = reply.send(moved.map(|_| now));
        }
        Command::Queues { reply } => {
            let _ = reply.send(core.borrow().queues());
        }
        Command::Patch {
            id,
            if_match,
            set,
            reply,
        } => {
            let result = patch(&mut core.borrow_mut(), &id, if_match, set);
            let _ = reply.send(result.map(|n| core.borrow().view(n)));
        }
        Command::Clock { reply } => {
            let core = &mut *core.borrow_mut();
            let view = ClockView {
                clock: match core.clock.kind() {
                    ClockKind::Real => "real",
                    ClockKind::Test => "test",
                }
                .to_owned(),
                now_s: core.now_s(),
                next_event_s: core.sim.next_event().map(crate::time::Instant::seconds),
            };
            let _ = reply.send(view);
        }
    }
}

/// Register a new workitem and start its task (or find the one the same request created before).
fn create(core_cell: &Rc<RefCell<Core>>, new: NewWorkitem) -> Result<Created, LiveError> {
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
        return Ok(Created {
            number,
            created: false,
            view: core.view(number),
        });
    }
    let application = &core.runner.flow().application;
    if let Some(flow) = new.flow.as_ref().filter(|flow| *flow != application) {
        return Err(LiveError::Invalid {
            field: "/flow".to_owned(),
            detail: format!("no flow `{flow}` is published here; this server runs `{application}`"),
        });
    }
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
    ));
    core.by_id.insert(id.clone(), number);
    if let Some(key) = new.key {
        core.keys.insert(key, number);
    }
    core.note(number, "created", json!({ "priority": priority }));
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
    let run = core.runner.run(userdata, &facts, port, false);
    tokio::task::spawn_local(Task::new(core_cell.clone(), number, now_s, run));
    Ok(Created {
        number,
        created: true,
        view: core.view(number),
    })
}

fn find(core: &Core, id: &str) -> Result<u32, LiveError> {
    core.by_id
        .get(id)
        .copied()
        .ok_or_else(|| LiveError::NotFound(format!("no workitem `{id}`")))
}

fn stop(core: &Rc<RefCell<Core>>, id: &str) -> Result<u32, LiveError> {
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
            record.ended_s = Some(now_s);
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

fn done(
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
            let now_s = core.now_s();
            let agent = record.agent;
            let record = &mut core.records[number as usize];
            record.state = State::Done;
            record.ended_s = Some(now_s);
            record.disposition = disposition.clone();
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
fn patch(
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
    let masked = !core.runner.secrets().is_empty();
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

fn agent_state(
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
    let (sender, receiver) = channel(super::core::SUBSCRIBER_QUEUE);
    record.subscribers.push(sender);
    Ok((backlog, receiver))
}

fn answer(
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

/// A fresh core on `clock`, ready for [`run`].
pub(super) fn core(
    runner: std::sync::Arc<crate::runtime::Runner>,
    center: std::sync::Arc<crate::center::Center>,
    clock: Clock,
) -> Rc<RefCell<Core>> {
    Rc::new(RefCell::new(Core::new(runner, center, clock)))
}
