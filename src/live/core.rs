//! The live engine's state, on its own thread: the simulation (the replay's routing engine on a live
//! clock), a record per workitem, a record per agent with its event stream, and the tasks' mailbox.
//!
//! Every change goes through here, in one thread and in one order, so that the same commands at the same
//! clock times always give the same results (what makes `--clock test` reproduce a replay).

use super::clock::Clock;
use super::feed::Feed;
use super::flows::{FlowRef, Flows};
use super::metrics::{FlowLabels, LiveMetrics};
use super::views::{
    AgentEvent, AgentStateKind, AgentView, BlockCountView, BlockCountsView, HistoryEvent,
    QueueView, State, TargetView, WorkitemView,
};
use crate::center::{AgentIndex, Center};
use crate::expr::Text;
use crate::journal::Journal;
use crate::replay::Outcome;
use crate::routing::{Notice, Rescinded, Resolved, Simulation};
use crate::runtime::{Exit, Frame, RouteRequest, RouteResult, Runner};
use petgraph::graph::NodeIndex;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;
use serde::Serialize;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap, VecDeque};
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

/// One live workitem. What it only shows (user data, outcome, history) is kept as compact JSON text
/// and read back when shown: a waiting workitem is mostly this record, and `serde_json` maps (a B-tree
/// node of 640 bytes for a handful of keys) made it 6 KB (see "Live server" in docs/performance.md).
pub(super) struct Record {
    pub id: Text,
    /// The flow and version it runs, to its end.
    pub flow: FlowRef,
    pub state: State,
    pub priority: i64,
    pub created_s: f64,
    /// The create request's body, digested (a repeated create with another body is a conflict).
    pub body: BodyDigest,
    pub block: Option<Text>,
    /// Interned: the workitems of one target share it.
    pub target: Option<Arc<TargetView>>,
    pub deadline_s: Option<f64>,
    /// When it entered its current Route block.
    pub waiting_since_s: Option<f64>,
    pub agent: Option<AgentIndex>,
    pub offer: Option<Text>,
    pub routed_s: Option<f64>,
    pub ended_s: Option<f64>,
    pub disposition: Option<String>,
    /// User data as the flow last showed it (masked): a JSON object as `serde_json` writes it (keys
    /// sorted, no white space), so that its length is what the object's `to_string` has.
    userdata: Box<str>,
    /// The outcome line, as JSON text written by `serde_json`.
    outcome: Option<Box<str>>,
    history: Vec<Noted>,
    pub revision: u64,
}

/// One event of a workitem's history, its data as JSON text.
struct Noted {
    seq: u64,
    at_s: f64,
    event: &'static str,
    /// Shared with the supervisors' stream.
    data: Arc<str>,
}

/// A digest of a create request's body: equal for equal JSON values (`serde_json`'s `==`: object keys
/// in any order, `-0.0` equal to `0.0`, an integer never equal to a number with a fraction), 128 bits of
/// SHA-256 over a tagged encoding of the value, so that another body taking its place is out of reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct BodyDigest([u8; 16]);

impl BodyDigest {
    pub fn of(body: &Json) -> BodyDigest {
        /// The encoding hashed: a tag per kind, lengths before contents.
        fn encode(out: &mut Vec<u8>, json: &Json) {
            match json {
                Json::Null => out.push(b'z'),
                Json::Bool(b) => out.push(if *b { b't' } else { b'f' }),
                Json::Number(n) => {
                    if let Some(u) = n.as_u64() {
                        out.push(b'u');
                        out.extend_from_slice(&u.to_le_bytes());
                    } else if let Some(i) = n.as_i64() {
                        out.push(b'i');
                        out.extend_from_slice(&i.to_le_bytes());
                    } else {
                        // `+ 0.0` makes -0.0 into 0.0, which `==` holds equal.
                        let x = n.as_f64().unwrap_or(f64::NAN) + 0.0;
                        out.push(b'd');
                        out.extend_from_slice(&x.to_bits().to_le_bytes());
                    }
                }
                Json::String(text) => {
                    out.push(b's');
                    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
                    out.extend_from_slice(text.as_bytes());
                }
                Json::Array(items) => {
                    out.push(b'a');
                    out.extend_from_slice(&(items.len() as u64).to_le_bytes());
                    for item in items {
                        encode(out, item);
                    }
                }
                Json::Object(map) => {
                    // Keys in the map's order: sorted (serde_json's maps are B-trees here).
                    out.push(b'o');
                    out.extend_from_slice(&(map.len() as u64).to_le_bytes());
                    for (key, value) in map {
                        out.extend_from_slice(&(key.len() as u64).to_le_bytes());
                        out.extend_from_slice(key.as_bytes());
                        encode(out, value);
                    }
                }
            }
        }
        // Hashed in one call: SHA-256 is cheap on whole blocks (the CPU's SHA extensions, when it
        // has them), not on many small updates.
        let mut encoded = Vec::with_capacity(256);
        encode(&mut encoded, body);
        let mut digest = [0; 16];
        digest.copy_from_slice(&Sha256::digest(&encoded)[..16]);
        BodyDigest(digest)
    }
}

/// JSON text as `serde_json` writes `value` (keys in the order it serialises them).
fn json_text<T: Serialize + ?Sized>(value: &T) -> Box<str> {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".to_owned())
        .into_boxed_str()
}

/// The JSON value of text this module wrote.
fn read_json(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or(Json::Null)
}

/// Whether two JSON texts written by `serde_json` hold equal values: the texts are equal, or differ
/// only where `==` does not look (`-0.0` and `0.0`, the one pair of equal values written apart).
fn same_json(a: &str, b: &str) -> bool {
    a == b || ((a.contains("-0") || b.contains("-0")) && read_json(a) == read_json(b))
}

impl Record {
    /// A workitem just created, running.
    pub fn new(
        id: Text,
        priority: i64,
        created_s: f64,
        body: &Json,
        userdata: &serde_json::Map<String, Json>,
        flow: FlowRef,
    ) -> Record {
        Record {
            id,
            flow,
            state: State::Running,
            priority,
            created_s,
            body: BodyDigest::of(body),
            block: None,
            target: None,
            deadline_s: None,
            waiting_since_s: None,
            agent: None,
            offer: None,
            routed_s: None,
            ended_s: None,
            disposition: None,
            userdata: json_text(userdata),
            outcome: None,
            history: Vec::new(),
            revision: 0,
        }
    }

    /// Its user data as shown (secure values masked).
    pub fn userdata(&self) -> Json {
        read_json(&self.userdata)
    }

    /// Its history.
    pub fn history(&self) -> Vec<HistoryEvent> {
        self.history
            .iter()
            .map(|noted| HistoryEvent {
                seq: noted.seq,
                at_s: noted.at_s,
                event: noted.event.to_owned(),
                data: read_json(&noted.data),
            })
            .collect()
    }

    /// Show the keys of `set` (patched by the third party), or `****` for each when `masked`.
    pub fn show_patch(&mut self, set: &serde_json::Map<String, Json>, masked: bool) {
        let Json::Object(mut shown) = self.userdata() else {
            return;
        };
        for (key, value) in set {
            let value = if masked {
                Json::String("****".to_owned())
            } else {
                value.clone()
            };
            shown.insert(key.clone(), value);
        }
        self.userdata = json_text(&shown);
    }
}

/// The `waiting` event's data (fields in the order of a JSON object's sorted keys).
#[derive(Serialize)]
struct WaitingData<'a> {
    block: &'a str,
    deadline_s: Option<f64>,
    target: &'a TargetView,
}

/// The `offered` event's data.
#[derive(Serialize)]
struct OfferedData<'a> {
    agent: &'a str,
    expires_s: f64,
    offer: &'a str,
}

/// One agent of the center.
#[derive(Default)]
pub(super) struct AgentRecord {
    pub state: Option<AgentStateKind>,
    pub reason: Option<String>,
    /// When `state` last changed.
    pub since_s: Option<f64>,
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
    /// The published flows.
    pub flows: Flows,
    /// Bundles checked and compiled by the API (off this thread), by content hash, until their
    /// publication is applied (recovery compiles the journal's again).
    pub prepared: HashMap<String, Arc<Runner>>,
    pub center: Arc<Center>,
    pub clock: Clock,
    pub records: Vec<Record>,
    /// The numbers of the workitems that have not ended (what the views of the load scan, rather
    /// than every workitem since the journal began).
    pub unended: BTreeSet<u32>,
    /// Workitems routed in the last 15 minutes (at least): when, and which.
    routed: VecDeque<(f64, u32)>,
    pub by_id: HashMap<Text, u32>,
    /// Idempotency keys, each with the workitem it created.
    pub keys: HashMap<String, u32>,
    pub agents: Vec<AgentRecord>,
    /// Open offers: id → workitem number.
    pub offers: HashMap<String, u32>,
    /// Route targets as shown, interned (kind, masked value).
    targets: HashMap<(&'static str, String), Arc<TargetView>>,
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
    /// What `GET /metrics` shows of the engine.
    pub metrics: LiveMetrics,
    /// The supervisors' event stream: every history event and agent state change.
    pub feed: Feed,
    /// The metrics' series met so far (a lookup by label values once, not at every event): workitems
    /// created (`"created"`) and ended (by outcome) per flow version; Route waits per flow version,
    /// block and result.
    counters: HashMap<(FlowRef, &'static str), Counter>,
    waits: HashMap<(FlowRef, Text, &'static str), Histogram>,
    /// Entries per block and exits per block and way out, by flow version and graph index.
    entries: HashMap<(FlowRef, NodeIndex), Counter>,
    exits: HashMap<(FlowRef, NodeIndex, ExitKey), Counter>,
}

/// How far back `GET /v1/queues` counts workitems routed: 15 minutes.
const RECENT_S: f64 = 15.0 * 60.0;

/// A way out of a block, as the metrics' cache keys it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum ExitKey {
    Edge(petgraph::graph::EdgeIndex),
    Other(&'static str),
}

impl Core {
    pub fn new(center: Arc<Center>, mut clock: Clock) -> Core {
        let now = clock.read();
        let agents = center
            .agents()
            .iter()
            .map(|_| AgentRecord::default())
            .collect();
        Core {
            sim: Simulation::live(center.clone(), now),
            flows: Flows::default(),
            prepared: HashMap::new(),
            center,
            clock,
            records: Vec::new(),
            unended: BTreeSet::new(),
            routed: VecDeque::new(),
            by_id: HashMap::new(),
            keys: HashMap::new(),
            agents,
            offers: HashMap::new(),
            targets: HashMap::new(),
            patches: HashMap::new(),
            offers_made: 0,
            seq: 0,
            wakers: Vec::new(),
            mailbox: Vec::new(),
            runnable: 0,
            settler: None,
            journal: None,
            journal_failures: Arc::default(),
            metrics: LiveMetrics::default(),
            feed: Feed::default(),
            counters: HashMap::new(),
            waits: HashMap::new(),
            entries: HashMap::new(),
            exits: HashMap::new(),
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
    /// Workitem `number`'s flow and version, as metrics label them.
    pub fn flow_labels(&self, number: u32) -> FlowLabels {
        let at = self.records[number as usize].flow;
        FlowLabels {
            flow: self.flows.view(at).name,
            version: at.version.to_string(),
        }
    }

    /// Count one more of `what` (`created`, or how it ended) for workitem `number`'s flow version.
    pub fn count(&mut self, number: u32, what: &'static str) {
        let flow = self.records[number as usize].flow;
        let counter = match self.counters.get(&(flow, what)) {
            Some(counter) => counter,
            None => {
                let labels = self.flow_labels(number);
                let counter = if what == "created" {
                    self.metrics.created(labels)
                } else {
                    self.metrics.ended(labels, what)
                };
                self.counters.entry((flow, what)).or_insert(counter)
            }
        };
        counter.inc();
    }

    /// Workitem `number` entered the block at `node` of its flow (for `/metrics`).
    pub fn entered(&mut self, number: u32, node: NodeIndex) {
        let flow = self.records[number as usize].flow;
        if !self.entries.contains_key(&(flow, node)) {
            let runner = self.flows.runner(flow).clone();
            let Some(block) = runner.flow().graph.block(node) else {
                return;
            };
            let counter = self.metrics.entries(self.flow_labels(number), &block.id);
            self.entries.insert((flow, node), counter);
        }
        if let Some(counter) = self.entries.get(&(flow, node)) {
            counter.inc();
        }
    }

    /// Workitem `number` left the block at `node` of its flow by `exit` (for `/metrics`).
    pub fn left(&mut self, number: u32, node: NodeIndex, exit: Exit) {
        let flow = self.records[number as usize].flow;
        let key = match exit {
            Exit::Edge(edge) => ExitKey::Edge(edge),
            Exit::Rejected => ExitKey::Other("rejected"),
            Exit::Stopped => ExitKey::Other("stopped"),
            Exit::Error => ExitKey::Other("error"),
            Exit::Finish => ExitKey::Other("finish"),
        };
        if !self.exits.contains_key(&(flow, node, key)) {
            let runner = self.flows.runner(flow).clone();
            let graph = &runner.flow().graph;
            let Some(block) = graph.block(node) else {
                return;
            };
            let label = match key {
                ExitKey::Edge(edge) => match graph.graph.edge_weight(edge) {
                    Some(edge) => crate::coverage::edge_exit(edge).1,
                    None => return,
                },
                ExitKey::Other(word) => word.to_owned(),
            };
            let counter = self
                .metrics
                .exits(self.flow_labels(number), &block.id, label);
            self.exits.insert((flow, node, key), counter);
        }
        if let Some(counter) = self.exits.get(&(flow, node, key)) {
            counter.inc();
        }
    }

    /// Workitem `number` ended now, in the state its record holds (done, stopped, unrouted, error).
    pub fn end(&mut self, number: u32) {
        let now_s = self.now_s();
        let record = &mut self.records[number as usize];
        if record.ended_s.is_some() {
            return;
        }
        record.ended_s = Some(now_s);
        self.unended.remove(&number);
        let outcome = match record.state {
            State::Done => "done",
            State::Stopped => "stopped",
            State::Unrouted => "unrouted",
            _ => "error",
        };
        self.count(number, outcome);
    }

    pub fn idle_one(&mut self) {
        self.runnable = self.runnable.saturating_sub(1);
        if self.runnable == 0
            && let Some(settler) = self.settler.take()
        {
            settler.wake();
        }
    }

    /// Note `event` in the history of workitem `number`.
    pub fn note(&mut self, number: u32, event: &'static str, data: Json) {
        self.note_text(number, event, json_text(&data));
    }

    /// Note `event`, its data as JSON text, in the history of workitem `number`.
    fn note_text(&mut self, number: u32, event: &'static str, data: Box<str>) {
        self.seq += 1;
        let entry = Noted {
            seq: self.seq,
            at_s: self.now_s(),
            event,
            data: data.into(),
        };
        if let Some(record) = self.records.get(number as usize) {
            self.feed
                .workitem(entry.seq, entry.at_s, event, &record.id, &entry.data);
        }
        if let Some(record) = self.records.get_mut(number as usize) {
            // A handful of events a workitem: no room kept for more.
            record.history.reserve_exact(1);
            record.history.push(entry);
        }
    }

    /// The number of the last event noted (history or agent).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Note agent `agent`'s state (and reason) as it is now, in the supervisors' stream.
    pub fn note_agent(&mut self, agent: AgentIndex) {
        self.seq += 1;
        let at_s = self.now_s();
        let record = &mut self.agents[agent.index()];
        record.since_s = Some(at_s);
        let state = record.state.unwrap_or(AgentStateKind::LoggedOut);
        let data = json_text(&json!({ "state": state, "reason": record.reason }));
        self.feed
            .agent(self.seq, at_s, "agent_state", &self.center[agent].id, &data);
    }

    /// Send `event` (its id filled in) to agent `agent`'s stream.
    pub fn tell(&mut self, agent: AgentIndex, event: AgentEvent) {
        let size = event_size(&event);
        self.tell_sized(agent, event, size);
    }

    /// [`Core::tell`], the event's user data shown from workitem `number`'s record, whose text gives
    /// its size.
    fn tell_userdata(&mut self, agent: AgentIndex, mut event: AgentEvent, number: u32) {
        let text = &self.records[number as usize].userdata;
        let size = std::mem::size_of::<AgentEvent>() + event.workitem.len() + text.len();
        event.userdata = Some(read_json(text));
        self.tell_sized(agent, event, size);
    }

    fn tell_sized(&mut self, agent: AgentIndex, mut event: AgentEvent, size: usize) {
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
        let runner = self
            .flows
            .runner(self.records[number as usize].flow)
            .clone();
        let userdata = Self::shown_userdata(&runner, request.frame);
        let kind = request.target.kind();
        let value = runner
            .secrets()
            .mask_text(request.target.value(), &request.frame.slots);
        let target = self
            .targets
            .entry((kind, value))
            .or_insert_with_key(|(kind, value)| {
                Arc::new(TargetView {
                    kind: (*kind).to_owned(),
                    value: value.clone(),
                })
            })
            .clone();
        let record = &mut self.records[number as usize];
        record.state = State::Waiting;
        record.block = Some(Text::new(request.block));
        record.deadline_s = Some(crate::time::to_resolution(now_s + request.timeout_s));
        record.waiting_since_s = Some(now_s);
        if !same_json(&record.userdata, &userdata) {
            record.revision += 1;
        }
        record.userdata = userdata;
        let data = json_text(&WaitingData {
            block: request.block,
            deadline_s: record.deadline_s,
            target: &target,
        });
        record.target = Some(target);
        self.note_text(number, "waiting", data);
        if let Some(result) = self.sim.request(number, request) {
            // Ended at once (an available agent that takes work without an offer): the task takes
            // the result on its next poll, right after this.
            self.ended_request(number, &result);
            self.mailbox.push((number, result));
        }
    }

    /// The user data of `frame` as the API shows it, secure values masked: the JSON text `serde_json`
    /// writes for the object (keys sorted, the last of a repeated key), without building the object.
    fn shown_userdata(runner: &Runner, frame: &Frame) -> Box<str> {
        let secrets = runner.secrets();
        let mut entries: Vec<(&str, &crate::expr::Value)> = frame.userdata.iter().collect();
        // Stable: of a repeated key, the last stays last, and is the one kept (as a map's insert).
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let mut out = Vec::with_capacity(64);
        out.push(b'{');
        for (at, &(key, value)) in entries.iter().enumerate() {
            if entries.get(at + 1).is_some_and(|next| next.0 == key) {
                continue;
            }
            if out.len() > 1 {
                out.push(b',');
            }
            let _ = serde_json::to_writer(&mut out, key);
            out.push(b':');
            if !secrets.is_empty()
                && secrets.hides(key, value, &frame.slots, frame.taint.as_deref())
            {
                out.extend_from_slice(b"\"****\"");
            } else if let crate::expr::Value::String(text) = value {
                let _ = serde_json::to_writer(&mut out, text.as_str());
            } else {
                let json: Json = serde_json::from_str(&value.to_json()).unwrap_or(Json::Null);
                let _ = serde_json::to_writer(&mut out, &json);
            }
        }
        out.push(b'}');
        String::from_utf8(out)
            .unwrap_or_else(|_| "{}".to_owned())
            .into_boxed_str()
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
        let now_s = self.now_s();
        let record = &self.records[number as usize];
        if let (Some(since_s), Some(block)) = (record.waiting_since_s, &record.block) {
            let how = match result {
                RouteResult::Routed { .. } => "routed",
                RouteResult::TimedOut => "timed_out",
                RouteResult::Stopped => "stopped",
                RouteResult::Rejected(_) => "rejected",
            };
            let key = (record.flow, block.clone(), how);
            let waits = match self.waits.get(&key) {
                Some(waits) => waits,
                None => {
                    let waits = self
                        .metrics
                        .waits(self.flow_labels(number), block.as_str(), how);
                    self.waits.entry(key).or_insert(waits)
                }
            };
            waits.observe((now_s - since_s).max(0.0));
        }
        let record = &mut self.records[number as usize];
        record.deadline_s = None;
        record.waiting_since_s = None;
        match result {
            RouteResult::Routed { agent, at_s, .. } => {
                let index = self.center.agent(agent);
                record.state = State::Assigned;
                record.agent = index;
                record.routed_s = Some(*at_s);
                while self
                    .routed
                    .front()
                    .is_some_and(|&(at, _)| *at_s - at > RECENT_S)
                {
                    self.routed.pop_front();
                }
                self.routed.push_back((*at_s, number));
                self.note(number, "assigned", json!({ "agent": &**agent }));
                if let Some(index) = index {
                    let agent = &mut self.agents[index.index()];
                    if !agent.workitems.contains(&number) {
                        agent.workitems.push(number);
                    }
                    let mut event = self.agent_event("assigned", number);
                    let userdata = self.records[number as usize].userdata();
                    event.popup = self.center.popups().for_userdata(&userdata).map(Into::into);
                    let size = std::mem::size_of::<AgentEvent>()
                        + event.workitem.len()
                        + self.records[number as usize].userdata.len();
                    event.userdata = Some(userdata);
                    self.tell_sized(index, event, size);
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
                    self.metrics.offered();
                    let offer = format!("o{}", self.offers_made);
                    self.offers.insert(offer.clone(), item);
                    let record = &mut self.records[item as usize];
                    record.state = State::Offered;
                    record.agent = Some(agent);
                    record.offer = Some(Text::new(&offer));
                    self.agents[agent.index()].workitems.push(item);
                    let data = json_text(&OfferedData {
                        agent: &self.center[agent].id,
                        expires_s: expires.seconds(),
                        offer: &offer,
                    });
                    self.note_text(item, "offered", data);
                    let mut event = self.agent_event("offer", item);
                    event.offer = Some(offer);
                    event.expires_s = Some(expires.seconds());
                    self.tell_userdata(agent, event, item);
                }
                Notice::Rescinded { item, agent, why } => {
                    let reason = match why {
                        Rescinded::Stopped => "stopped",
                        Rescinded::Expired => "expired",
                        Rescinded::LoggedOut => "logged_out",
                        Rescinded::Restarted => "restarted",
                    };
                    self.metrics.offer_ended(reason);
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
                        self.note_agent(agent);
                    }
                    self.forget_offer(item, agent);
                }
            }
        }
    }

    /// The offer of workitem `number` to `agent` is over: returns its id.
    pub fn forget_offer(&mut self, number: u32, agent: AgentIndex) -> Option<String> {
        let record = &mut self.records[number as usize];
        let offer = record.offer.take().map(String::from);
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
        let record = &mut self.records[number as usize];
        if let Some(userdata) = json.get("userdata").filter(|u| u.is_object()) {
            let userdata = json_text(userdata);
            if !same_json(&userdata, &record.userdata) {
                record.userdata = userdata;
                record.revision += 1;
            }
        }
        record.state = match kind {
            "routed" => State::Assigned,
            "stopped" => State::Stopped,
            "unrouted" => State::Unrouted,
            _ => State::Error,
        };
        if record.state != State::Assigned {
            record.block = json
                .get("block")
                .and_then(Json::as_str)
                .map(Text::new)
                .or(record.block.take());
        }
        record.outcome = Some(json_text(&json));
        if record.state != State::Assigned {
            self.end(number);
        }
        self.note(number, "ended", json!({ "outcome": json }));
    }

    /// What `GET /v1/workitems/{id}` shows of workitem `number`.
    pub fn view(&self, number: u32) -> WorkitemView {
        let record = &self.records[number as usize];
        WorkitemView {
            id: record.id.to_string(),
            state: record.state,
            priority: record.priority,
            flow: self.flows.view(record.flow),
            block: record.block.as_ref().map(|block| block.as_str().to_owned()),
            target: record.target.as_deref().cloned(),
            deadline_s: record.deadline_s,
            agent: record.agent.map(|agent| self.center[agent].id.clone()),
            offer: record.offer.as_ref().map(|offer| offer.as_str().to_owned()),
            created_s: record.created_s,
            routed_s: record.routed_s,
            ended_s: record.ended_s,
            disposition: record.disposition.clone(),
            userdata: record.userdata(),
            outcome: record.outcome.as_deref().map(read_json),
            revision: record.revision,
        }
    }

    /// What `GET /v1/agents` shows of agent `index`.
    pub fn agent_view(&self, index: AgentIndex) -> AgentView {
        let agent = &self.center[index];
        let record = &self.agents[index.index()];
        let setup = self.center.setup(index);
        AgentView {
            id: agent.id.clone(),
            state: record.state.unwrap_or(AgentStateKind::LoggedOut),
            reason: record.reason.clone(),
            since_s: record.since_s,
            capacity: agent.capacity,
            workitems: record
                .workitems
                .iter()
                .map(|&n| self.records[n as usize].id.to_string())
                .collect(),
            auto_accept: agent.auto_accept,
            groups: setup.groups,
            skills: setup.skills,
        }
    }

    /// Waiting workitems by target, with those routed in the last 15 minutes: targets with workitems
    /// waiting first, each part in the order the targets were first met.
    pub fn queues(&self) -> Vec<QueueView> {
        let now_s = self.now_s();
        let mut queues: Vec<QueueView> = Vec::new();
        let mut queue = |target: &TargetView| -> usize {
            match queues.iter().position(|q| q.target == *target) {
                Some(at) => at,
                None => {
                    queues.push(QueueView {
                        target: target.clone(),
                        waiting: 0,
                        oldest_wait_s: None,
                        routed_last_15m: 0,
                    });
                    queues.len() - 1
                }
            }
        };
        let mut waiting = Vec::new();
        for &number in &self.unended {
            let record = &self.records[number as usize];
            let (State::Waiting | State::Offered, Some(target)) = (record.state, &record.target)
            else {
                continue;
            };
            let wait = record.waiting_since_s.map(|since| now_s - since);
            waiting.push((queue(target), wait));
        }
        let mut routed = Vec::new();
        for &(at_s, number) in &self.routed {
            if now_s - at_s > RECENT_S {
                continue;
            }
            if let Some(target) = &self.records[number as usize].target {
                routed.push(queue(target));
            }
        }
        for (at, wait) in waiting {
            let queue = &mut queues[at];
            queue.waiting += 1;
            queue.oldest_wait_s = match (queue.oldest_wait_s, wait) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
        for at in routed {
            queues[at].routed_last_15m += 1;
        }
        queues.sort_by_key(|queue| queue.waiting == 0);
        queues
    }

    /// What the blocks of flow version `at` have seen: entries, and who waits in its Route blocks.
    pub fn block_counts(&self, at: FlowRef) -> BlockCountsView {
        let now_s = self.now_s();
        let runner = self.flows.runner(at);
        let graph = &runner.flow().graph;
        let mut blocks = Vec::new();
        let mut routes: HashMap<&str, usize> = HashMap::new();
        for node in graph.graph.node_indices() {
            let Some(block) = graph.block(node) else {
                continue;
            };
            let route = matches!(block.kind, crate::graph::BlockKind::Route(_));
            if route {
                routes.insert(&*block.id, blocks.len());
            }
            blocks.push(BlockCountView {
                block: block.id.to_string(),
                route,
                entered: self.entries.get(&(at, node)).map_or(0, Counter::get),
                waiting: route.then_some(0),
                oldest_wait_s: None,
            });
        }
        for record in &self.records {
            let (State::Waiting | State::Offered, Some(block)) = (record.state, &record.block)
            else {
                continue;
            };
            if record.flow != at {
                continue;
            }
            let Some(&index) = routes.get(block.as_str()) else {
                continue;
            };
            let count = &mut blocks[index];
            count.waiting = Some(count.waiting.unwrap_or(0) + 1);
            if let Some(since) = record.waiting_since_s {
                let wait = now_s - since;
                count.oldest_wait_s = Some(count.oldest_wait_s.map_or(wait, |w| w.max(wait)));
            }
        }
        let name = self.flows.view(at).name;
        BlockCountsView {
            flow: name,
            version: at.version,
            seq: self.seq,
            now_s,
            blocks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_digests_are_equal_exactly_when_the_bodies_are() {
        let read = |text: &str| BodyDigest::of(&serde_json::from_str(text).expect("JSON"));
        let pairs = [
            (
                r#"{"a":1,"b":[true,null]}"#,
                r#"{ "b": [true, null], "a": 1 }"#,
                true,
            ),
            (r#"{"a":-0.0}"#, r#"{"a":0.0}"#, true),
            (r#"{"a":1}"#, r#"{"a":1.0}"#, false),
            (r#"{"a":"1"}"#, r#"{"a":1}"#, false),
            (r#"{"ab":"c"}"#, r#"{"a":"bc"}"#, false),
            (r#"[["a"],"b"]"#, r#"[["a","b"]]"#, false),
            (r#"{"a":{}}"#, r#"{"a":[]}"#, false),
        ];
        for (a, b, equal) in pairs {
            let json = |t| serde_json::from_str::<Json>(t).expect("JSON");
            assert_eq!(json(a) == json(b), equal, "{a} {b}");
            assert_eq!(read(a) == read(b), equal, "{a} {b}");
        }
    }

    #[test]
    fn json_texts_compare_as_their_values() {
        assert!(same_json(r#"{"a":-0.0}"#, r#"{"a":0.0}"#));
        assert!(!same_json(r#"{"a":-0.5}"#, r#"{"a":0.5}"#));
        assert!(!same_json(r#"{"a":1}"#, r#"{"a":1.0}"#));
        assert!(same_json(r#"{"a":"x"}"#, r#"{"a":"x"}"#));
    }
}
