//! The live engine's state, on its own thread: the simulation (the replay's routing engine on a live
//! clock), a record per workitem, a record per agent with its event stream, and the tasks' mailbox.
//!
//! Every change goes through here, in one thread and in one order, so that the same commands at the same
//! clock times always give the same results (what makes `--clock test` reproduce a replay).

use super::clock::Clock;
use super::views::{
    AgentEvent, AgentStateKind, AgentView, FlowView, HistoryEvent, QueueView, State, TargetView,
    WorkitemView,
};
use crate::center::{AgentIndex, Center};
use crate::expr::Text;
use crate::journal::Journal;
use crate::replay::Outcome;
use crate::routing::{Notice, Rescinded, Resolved, Simulation};
use crate::runtime::{Frame, RouteRequest, RouteResult, Runner};
use serde_json::{Value as Json, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, OnceLock};
use std::task::Waker;
use tokio::sync::mpsc::Sender;

/// Events an agent's stream keeps for resuming (`Last-Event-ID`), at most, and at most this many bytes
/// of user data in them; older ones are gone.
const KEPT_AGENT_EVENTS: usize = 1024;
const KEPT_AGENT_BYTES: usize = 4 << 20;

/// Events queued for one subscriber that does not read them yet; past this, it is let go.
pub const SUBSCRIBER_QUEUE: usize = 256;

/// About how many bytes an event holds (its user data's, mostly).
fn event_size(event: &AgentEvent) -> usize {
    let userdata = event
        .userdata
        .as_ref()
        .map_or(0, |userdata| userdata.to_string().len());
    std::mem::size_of::<AgentEvent>() + event.workitem.len() + userdata
}

/// One live workitem.
pub(super) struct Record {
    pub id: Text,
    pub state: State,
    pub priority: i64,
    pub created_s: f64,
    /// The create request's body, as sent (a repeated create with another body is a conflict).
    pub body: Json,
    pub block: Option<String>,
    pub target: Option<TargetView>,
    pub deadline_s: Option<f64>,
    /// When it entered its current Route block.
    pub waiting_since_s: Option<f64>,
    pub agent: Option<AgentIndex>,
    pub offer: Option<String>,
    pub routed_s: Option<f64>,
    pub ended_s: Option<f64>,
    pub disposition: Option<String>,
    /// User data as the flow last showed it (masked).
    pub userdata: Json,
    pub outcome: Option<Json>,
    pub history: Vec<HistoryEvent>,
    pub revision: u64,
}

/// One agent of the center.
#[derive(Default)]
pub(super) struct AgentRecord {
    pub state: Option<AgentStateKind>,
    pub reason: Option<String>,
    /// Workitems it holds or is offered, by number.
    pub workitems: Vec<u32>,
    /// Kept events, each with its size.
    pub events: VecDeque<(AgentEvent, usize)>,
    pub kept_bytes: usize,
    pub next_event: u64,
    pub subscribers: Vec<Sender<AgentEvent>>,
}

/// The engine's whole state.
pub(super) struct Core {
    pub sim: Simulation,
    pub runner: Arc<Runner>,
    pub center: Arc<Center>,
    pub clock: Clock,
    pub records: Vec<Record>,
    pub by_id: HashMap<Text, u32>,
    /// Idempotency keys, each with the workitem it created.
    pub keys: HashMap<String, u32>,
    pub agents: Vec<AgentRecord>,
    /// Open offers: id → workitem number.
    pub offers: HashMap<String, u32>,
    /// User data the third party set, by workitem number, until its task takes it.
    pub patches: HashMap<u32, Vec<(crate::workitem::Key, crate::expr::Value)>>,
    offers_made: u64,
    /// Events so far (numbers every history event).
    seq: u64,
    /// Per workitem number: its task, waiting for its Route request to end.
    pub wakers: Vec<Option<Waker>>,
    /// Requests that ended, until their tasks take them.
    pub mailbox: Vec<Resolved>,
    /// Tasks that may run before the engine moves on.
    pub runnable: usize,
    /// The engine, waiting for `runnable` to reach 0.
    pub settler: Option<Waker>,
    /// Where changes are journaled before they are acknowledged (none: they are not).
    pub journal: Option<Journal>,
    /// Why the journal failed, once it has: set by its writer thread.
    pub journal_failures: Arc<OnceLock<String>>,
}

impl Core {
    pub fn new(runner: Arc<Runner>, center: Arc<Center>, mut clock: Clock) -> Core {
        let now = clock.read();
        let agents = center
            .agents()
            .iter()
            .map(|_| AgentRecord::default())
            .collect();
        Core {
            sim: Simulation::live(center.clone(), now),
            runner,
            center,
            clock,
            records: Vec::new(),
            by_id: HashMap::new(),
            keys: HashMap::new(),
            agents,
            offers: HashMap::new(),
            patches: HashMap::new(),
            offers_made: 0,
            seq: 0,
            wakers: Vec::new(),
            mailbox: Vec::new(),
            runnable: 0,
            settler: None,
            journal: None,
            journal_failures: Arc::default(),
        }
    }

    /// Why the journal failed, if it has.
    pub fn journal_failure(&self) -> Option<String> {
        self.journal_failures.get().cloned()
    }

    pub fn now_s(&self) -> f64 {
        self.sim.now()
    }

    /// A task stopped being runnable: when none is left, the engine may move on.
    pub fn idle_one(&mut self) {
        self.runnable = self.runnable.saturating_sub(1);
        if self.runnable == 0
            && let Some(settler) = self.settler.take()
        {
            settler.wake();
        }
    }

    /// Note `event` in the history of workitem `number`.
    pub fn note(&mut self, number: u32, event: &str, data: Json) {
        self.seq += 1;
        let entry = HistoryEvent {
            seq: self.seq,
            at_s: self.now_s(),
            event: event.to_owned(),
            data,
        };
        if let Some(record) = self.records.get_mut(number as usize) {
            record.history.push(entry);
        }
    }

    /// Send `event` (its id filled in) to agent `agent`'s stream.
    pub fn tell(&mut self, agent: AgentIndex, mut event: AgentEvent) {
        let Some(record) = self.agents.get_mut(agent.index()) else {
            return;
        };
        record.next_event += 1;
        event.id = record.next_event;
        // A subscriber that lets its queue fill up (it does not read) is let go: its stream ends, and
        // its desktop reconnects with `Last-Event-ID`.
        record
            .subscribers
            .retain(|subscriber| subscriber.try_send(event.clone()).is_ok());
        let size = event_size(&event);
        record.kept_bytes += size;
        record.events.push_back((event, size));
        while record.events.len() > KEPT_AGENT_EVENTS || record.kept_bytes > KEPT_AGENT_BYTES {
            let Some((_, size)) = record.events.pop_front() else {
                break;
            };
            record.kept_bytes -= size;
        }
    }

    pub fn agent_event(&self, event: &str, number: u32) -> AgentEvent {
        AgentEvent {
            id: 0,
            event: event.to_owned(),
            at_s: self.now_s(),
            workitem: self.records[number as usize].id.to_string(),
            offer: None,
            expires_s: None,
            reason: None,
            userdata: None,
            popup: None,
        }
    }

    /// A workitem's Route block asks for an agent (from its task, through its port).
    pub fn route(&mut self, number: u32, request: &RouteRequest<'_>) {
        let now_s = self.now_s();
        let userdata = self.shown_userdata(request.frame);
        let record = &mut self.records[number as usize];
        record.state = State::Waiting;
        record.block = Some(request.block.to_owned());
        let target = TargetView {
            kind: request.target.kind().to_owned(),
            value: self
                .runner
                .secrets()
                .mask_text(request.target.value(), &request.frame.slots),
        };
        record.target = Some(target.clone());
        record.deadline_s = Some(crate::time::to_resolution(now_s + request.timeout_s));
        record.waiting_since_s = Some(now_s);
        if record.userdata != userdata {
            record.userdata = userdata;
            record.revision += 1;
        }
        let data =
            json!({ "block": request.block, "target": target, "deadline_s": record.deadline_s });
        self.note(number, "waiting", data);
        if let Some(result) = self.sim.request(number, request) {
            // Ended at once (an available agent that takes work without an offer): the task takes
            // the result on its next poll, right after this.
            self.ended_request(number, &result);
            self.mailbox.push((number, result));
        }
    }

    /// The user data of `frame` as the API shows it: secure values masked.
    fn shown_userdata(&self, frame: &Frame) -> Json {
        let secrets = self.runner.secrets();
        let mut shown = serde_json::Map::new();
        for (key, value) in frame.userdata.iter() {
            let json = if !secrets.is_empty()
                && secrets.hides(key, value, &frame.slots, frame.taint.as_deref())
            {
                Json::String("****".to_owned())
            } else {
                serde_json::from_str(&value.to_json()).unwrap_or(Json::Null)
            };
            shown.insert(key.to_owned(), json);
        }
        Json::Object(shown)
    }

    /// Hand requests that ended to their tasks, and note what changed.
    pub fn deliver(&mut self, resolved: &mut Vec<Resolved>) {
        // What happened to offers on the way (a stop rescinds an offer) comes before what it led to.
        self.notices();
        for (number, result) in resolved.drain(..) {
            self.ended_request(number, &result);
            self.mailbox.push((number, result));
            if let Some(waker) = self.wakers.get_mut(number as usize).and_then(Option::take) {
                self.runnable += 1;
                waker.wake();
            }
        }
    }

    fn ended_request(&mut self, number: u32, result: &RouteResult) {
        let record = &mut self.records[number as usize];
        record.deadline_s = None;
        record.waiting_since_s = None;
        match result {
            RouteResult::Routed { agent, at_s, .. } => {
                let index = self.center.agent(agent);
                record.state = State::Assigned;
                record.agent = index;
                record.routed_s = Some(*at_s);
                let userdata = record.userdata.clone();
                self.note(number, "assigned", json!({ "agent": &**agent }));
                if let Some(index) = index {
                    let agent = &mut self.agents[index.index()];
                    if !agent.workitems.contains(&number) {
                        agent.workitems.push(number);
                    }
                    let mut event = self.agent_event("assigned", number);
                    event.popup = self.center.popups().for_userdata(&userdata).map(Into::into);
                    event.userdata = Some(userdata);
                    self.tell(index, event);
                }
            }
            RouteResult::TimedOut => {
                record.state = State::Running;
                self.note(number, "timed_out", json!({}));
            }
            RouteResult::Stopped => {
                record.state = State::Stopped;
                self.note(number, "stopped", json!({}));
            }
            RouteResult::Rejected(message) => {
                record.state = State::Running;
                self.note(number, "target_rejected", json!({ "message": message }));
            }
        }
    }

    /// Turn what live routing did (offers made and withdrawn, agents not responding) into events.
    pub fn notices(&mut self) {
        for notice in self.sim.take_notices() {
            match notice {
                Notice::Offered {
                    item,
                    agent,
                    expires,
                } => {
                    self.offers_made += 1;
                    let offer = format!("o{}", self.offers_made);
                    self.offers.insert(offer.clone(), item);
                    let record = &mut self.records[item as usize];
                    record.state = State::Offered;
                    record.agent = Some(agent);
                    record.offer = Some(offer.clone());
                    let userdata = record.userdata.clone();
                    let agent_id = self.center[agent].id.clone();
                    self.agents[agent.index()].workitems.push(item);
                    let data = json!({ "agent": agent_id, "offer": offer, "expires_s": expires.seconds() });
                    self.note(item, "offered", data);
                    let mut event = self.agent_event("offer", item);
                    event.offer = Some(offer);
                    event.expires_s = Some(expires.seconds());
                    event.userdata = Some(userdata);
                    self.tell(agent, event);
                }
                Notice::Rescinded { item, agent, why } => {
                    let reason = match why {
                        Rescinded::Stopped => "stopped",
                        Rescinded::Expired => "expired",
                        Rescinded::LoggedOut => "logged_out",
                        Rescinded::Restarted => "restarted",
                    };
                    let offer = self.forget_offer(item, agent);
                    self.note(
                        item,
                        "offer_rescinded",
                        json!({ "offer": offer, "reason": reason }),
                    );
                    let mut event = self.agent_event("offer_rescinded", item);
                    event.offer = offer;
                    event.reason = Some(reason.to_owned());
                    self.tell(agent, event);
                }
                Notice::NotResponding { agent, item } => {
                    let record = &mut self.agents[agent.index()];
                    if record
                        .state
                        .is_none_or(|state| state == AgentStateKind::Ready)
                    {
                        record.state = Some(AgentStateKind::NotReady);
                        record.reason = Some("not_responding".to_owned());
                    }
                    self.forget_offer(item, agent);
                }
            }
        }
    }

    /// The offer of workitem `number` to `agent` is over: returns its id.
    pub fn forget_offer(&mut self, number: u32, agent: AgentIndex) -> Option<String> {
        let record = &mut self.records[number as usize];
        let offer = record.offer.take();
        if let Some(offer) = &offer {
            self.offers.remove(offer);
        }
        if record.state == State::Offered {
            record.state = State::Waiting;
        }
        if record.state != State::Assigned {
            record.agent = None;
        }
        self.agents[agent.index()]
            .workitems
            .retain(|&held| held != number);
        offer
    }

    /// A workitem's task ended: its outcome.
    pub fn finished(&mut self, number: u32, outcome: Outcome) {
        // User data set for blocks that will not run now.
        self.patches.remove(&number);
        let kind = outcome.kind.as_str();
        let json: Json = serde_json::from_str(&outcome.to_json()).unwrap_or(Json::Null);
        let now_s = self.now_s();
        let record = &mut self.records[number as usize];
        if let Some(userdata) = json.get("userdata").filter(|u| u.is_object())
            && *userdata != record.userdata
        {
            record.userdata = userdata.clone();
            record.revision += 1;
        }
        record.state = match kind {
            "routed" => State::Assigned,
            "stopped" => State::Stopped,
            "unrouted" => State::Unrouted,
            _ => State::Error,
        };
        if record.state != State::Assigned {
            record.ended_s = Some(now_s);
            record.block = json
                .get("block")
                .and_then(Json::as_str)
                .map(str::to_owned)
                .or(record.block.take());
        }
        record.outcome = Some(json.clone());
        self.note(number, "ended", json!({ "outcome": json }));
    }

    /// What `GET /v1/workitems/{id}` shows of workitem `number`.
    pub fn view(&self, number: u32) -> WorkitemView {
        let record = &self.records[number as usize];
        WorkitemView {
            id: record.id.to_string(),
            state: record.state,
            priority: record.priority,
            flow: FlowView {
                name: self.runner.flow().application.clone(),
                version: 1,
            },
            block: record.block.clone(),
            target: record.target.clone(),
            deadline_s: record.deadline_s,
            agent: record.agent.map(|agent| self.center[agent].id.clone()),
            offer: record.offer.clone(),
            created_s: record.created_s,
            routed_s: record.routed_s,
            ended_s: record.ended_s,
            disposition: record.disposition.clone(),
            userdata: record.userdata.clone(),
            outcome: record.outcome.clone(),
            revision: record.revision,
        }
    }

    /// What `GET /v1/agents` shows of agent `index`.
    pub fn agent_view(&self, index: AgentIndex) -> AgentView {
        let agent = &self.center[index];
        let record = &self.agents[index.index()];
        AgentView {
            id: agent.id.clone(),
            state: record.state.unwrap_or(AgentStateKind::LoggedOut),
            reason: record.reason.clone(),
            capacity: agent.capacity,
            workitems: record
                .workitems
                .iter()
                .map(|&n| self.records[n as usize].id.to_string())
                .collect(),
            auto_accept: agent.auto_accept,
        }
    }

    /// Waiting workitems by target.
    pub fn queues(&self) -> Vec<QueueView> {
        let now_s = self.now_s();
        let mut queues: Vec<QueueView> = Vec::new();
        for record in &self.records {
            let (State::Waiting | State::Offered, Some(target)) = (record.state, &record.target)
            else {
                continue;
            };
            let wait = record.waiting_since_s.map(|since| now_s - since);
            match queues.iter_mut().find(|q| &q.target == target) {
                Some(queue) => {
                    queue.waiting += 1;
                    queue.oldest_wait_s = match (queue.oldest_wait_s, wait) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                }
                None => queues.push(QueueView {
                    target: target.clone(),
                    waiting: 1,
                    oldest_wait_s: wait,
                }),
            }
        }
        queues
    }
}
