//! The interpreter: walks the flow graph for one workitem, following only the edges taken, and awaits
//! the routing port at Route blocks. Everything else runs in zero (virtual) time.

use super::frame::{Facts, Frame};
use super::port::{Exit, RouteRequest, RouteResult, RouteTarget, RoutingPort};
use super::secure::{Secrets, Taint};
use super::trace::TraceEntry;
use crate::diagnostic::Span;
use crate::expr::{EvalError, Expression, Value};
use crate::flow::Flow;
use crate::graph::{
    Block, BlockKind, Edge, Route, ScriptBlock, SkillTarget, Step, TableLookup, Target,
    block::FoundRows,
};
use crate::model::path::Segment;
use crate::model::read::Phase;
use crate::script::call::{Failed, Secrecy};
use crate::script::log::Log;
use crate::script::{Origin, ScriptError};
use crate::workitem::{Key, Userdata};
use petgraph::graph::{EdgeIndex, NodeIndex};
use std::sync::Arc;

/// What a failed script that can reach a secret says, whatever its error (which could spell it).
const HIDDEN_ERROR: &str =
    "the script failed (its message is hidden: the block reads a secure value)";

/// What a script that can reach a secret logged, whatever it logged.
const HIDDEN_LOG: &str = "log: hidden (the block reads a secure value)";

/// A flow ready to run workitems: the flow, plus what the interpreter works out once for all of them.
#[derive(Debug)]
pub struct Runner {
    flow: Arc<Flow>,
    secrets: Secrets,
    /// Where variables' values come from, for run-time error messages.
    origins: Origins,
    /// How many `write_userdata` blocks the flow has: at most how many keys a workitem gains.
    userdata_writes: usize,
}

/// How a workitem's run through the flow ended.
#[derive(Clone, Debug)]
pub struct Ended {
    /// The outcome.
    pub end: End,
    /// The user data when the flow ended.
    pub userdata: Userdata,
    /// The variables when the flow ended, by slot; past the flow's variables, the earlier values of
    /// its secure variables (see [`Secrets::remember`]).
    pub variables: Vec<Value>,
    /// When it ended, in seconds.
    pub ended_s: f64,
    /// The blocks executed (empty unless tracing).
    pub trace: Vec<TraceEntry>,
    /// Errors logged without failing the workitem (a computed skill expression that does not parse).
    pub warnings: Vec<String>,
    /// What the run made secret beyond the secure variables (see [`super::secure::Taint`]).
    pub taint: Option<Box<super::secure::Taint>>,
}

/// The outcome of a run.
#[derive(Clone, Debug)]
pub enum End {
    /// An agent took the workitem.
    Routed(Box<Routing>),
    /// The flow ended without routing it.
    Unrouted,
    /// The third-party system stopped it while it waited in `block`.
    Stopped {
        /// The Route block it waited in.
        block: NodeIndex,
    },
    /// A block failed; the message is one line, with the block's place in the flow file.
    Error {
        /// What went wrong, where.
        message: String,
        /// The routing, when the failure came after it (in Finalize).
        routing: Option<Box<Routing>>,
    },
}

/// Where a workitem was routed.
#[derive(Clone, Debug, PartialEq)]
pub struct Routing {
    /// The Route block that routed it.
    pub block: NodeIndex,
    /// The target's kind: `agent`, `agent_group` or `skill`.
    pub kind: &'static str,
    /// The target's value.
    pub target: crate::expr::Text,
    /// The agent's id.
    pub agent: Arc<str>,
    /// When.
    pub routed_s: f64,
    /// When the agent will be done (known in a replay only).
    pub done_s: Option<f64>,
}

/// What running one block leads to.
enum Next {
    /// Go on along this way.
    Go(Way),
    /// End the application now.
    Finish,
}

/// An edge taken out of a block, and the node it leads to.
#[derive(Clone, Copy)]
struct Way {
    edge: EdgeIndex,
    to: NodeIndex,
}

impl Way {
    fn of(edge: petgraph::graph::EdgeReference<'_, Edge>) -> Way {
        use petgraph::visit::EdgeRef;
        Way {
            edge: edge.id(),
            to: edge.target(),
        }
    }
}

/// How a run that ended in a block left it, for coverage.
fn exit_of(end: &End) -> Exit {
    match end {
        End::Stopped { .. } => Exit::Stopped,
        _ => Exit::Error,
    }
}

/// A block's failure, before it is located: what went wrong, and the expression that failed when one
/// did (the error then points at it, not at the block).
struct Failure {
    message: String,
    at: Option<Box<FailedAt>>,
}

/// The part of a block's expression that failed.
struct FailedAt {
    /// Which property of the block the expression is.
    place: Place,
    /// The expression's text.
    source: Arc<str>,
    /// Where in it the failing part is.
    span: Span,
}

/// A property of a block holding an expression.
#[derive(Clone, Copy)]
enum Place {
    /// `value`, `key`, `message`, `timeout`, `priority`.
    Key(&'static str),
    /// `branches[i].when`.
    Condition(usize),
    /// `key[i]` of a table lookup.
    KeyPart(usize),
    /// `target.<kind>`.
    Target(&'static str),
}

impl Place {
    fn segments(self) -> Vec<Segment> {
        match self {
            Place::Key(key) => vec![Segment::Key(key.into())],
            Place::Condition(i) => vec![
                Segment::Key("branches".into()),
                Segment::Index(i),
                Segment::Key("when".into()),
            ],
            Place::KeyPart(i) => vec![Segment::Key("key".into()), Segment::Index(i)],
            Place::Target(kind) => vec![Segment::Key("target".into()), Segment::Key(kind.into())],
        }
    }
}

impl Failure {
    fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            at: None,
        }
    }

    /// A failure of what `expression`, the block's property at `place`, gave: located at it.
    fn whole(message: String, expression: &Expression, place: Place) -> Failure {
        Failure {
            message,
            at: Some(Box::new(FailedAt {
                place,
                source: expression.source.clone(),
                span: Span::new(0, 0),
            })),
        }
    }
}

impl From<EvalError> for Failure {
    fn from(error: EvalError) -> Failure {
        Failure::new(error.message)
    }
}

/// Longest value quoted in a run-time error message.
const MAX_QUOTED: usize = 60;

/// Where each variable's value may come from, worked out once per flow for run-time error messages:
/// the user-data keys read into it and the table columns that fill it.
#[derive(Debug, Default)]
pub(super) struct Origins {
    names: Vec<Arc<str>>,
    sources: Vec<Vec<String>>,
    /// Whether the flow has secure variables.
    has_secrets: bool,
}

impl Origins {
    fn new(flow: &Flow) -> Origins {
        let names: Vec<Arc<str>> = flow.scope.names().map(Arc::from).collect();
        let mut sources = vec![Vec::new(); names.len()];
        let mut add = |slot: usize, source: String| {
            if let Some(list) = sources.get_mut(slot)
                && !list.contains(&source)
            {
                list.push(source);
            }
        };
        for (_, block) in flow.graph.blocks() {
            match &block.kind {
                BlockKind::ReadUserdata { reads } => {
                    for (slot, key) in reads {
                        add(*slot, format!("user data `{key}`"));
                    }
                }
                BlockKind::TableLookup(lookup) => {
                    for (column, slot) in &lookup.columns {
                        let name = lookup.table.column_name(*column);
                        add(
                            *slot,
                            format!("column `{name}` of table `{}`", lookup.table.name()),
                        );
                    }
                }
                _ => {}
            }
        }
        Origins {
            names,
            sources,
            has_secrets: flow.variables.iter().any(|v| v.secure),
        }
    }

    /// `error`, of `expression` at `place`, with what the variables it was given held and where
    /// their values come from: "`level1` is the string \"x\" (read from user data `GTR_level1`)".
    fn failure(
        &self,
        error: EvalError,
        expression: &Expression,
        place: Place,
        slots: &[Value],
    ) -> Failure {
        let mut message = error.message;
        let given: Vec<String> = expression
            .slots_within(error.span)
            .into_iter()
            .take(3)
            .filter_map(|slot| {
                let name = self.names.get(slot)?;
                let value = slots.get(slot)?;
                // With secure variables in the flow, a value may be derived from one (masking is
                // by value): then only its kind is said.
                let mut shown = match self.has_secrets {
                    true => format!("a {}", value.kind()),
                    false => describe(value),
                };
                if shown.chars().count() > MAX_QUOTED {
                    shown = shown.chars().take(MAX_QUOTED).collect::<String>() + "…";
                }
                let from = match self.sources.get(slot).map(Vec::as_slice) {
                    Some([]) | None => String::new(),
                    Some(sources) => format!(" (read from {})", sources.join(" or ")),
                };
                Some(format!("`{name}` is {shown}{from}"))
            })
            .collect();
        if !given.is_empty() {
            message = format!("{message}: {}", given.join(", "));
        }
        Failure {
            message,
            at: Some(Box::new(FailedAt {
                place,
                source: expression.source.clone(),
                span: error.span,
            })),
        }
    }
}

impl Runner {
    /// Prepare `flow` to run.
    pub fn new(flow: Arc<Flow>) -> Runner {
        let secrets = Secrets::new(&flow);
        let userdata_writes = flow.userdata_writes();
        Runner {
            origins: Origins::new(&flow),
            flow,
            secrets,
            userdata_writes,
        }
    }

    /// The flow.
    pub fn flow(&self) -> &Arc<Flow> {
        &self.flow
    }

    /// What must never be shown of a workitem's run.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Run only the Initialize phase for `userdata` at virtual time `now_s`, and give back the frame it
    /// leaves (variables and user data), or how it ended early (`finish`, or a failing block). The
    /// phase never routes (Route blocks belong to Assisted Service, a load rule), so this needs no
    /// port and no runtime: it is what the peer benchmark times. The frame starts with a copy of
    /// `userdata`, made with room for the keys the flow writes.
    /// The workitem's own fields read as an empty id, priority 0, arrived at `now_s`.
    pub fn initialize(&self, userdata: &Userdata, now_s: f64) -> Result<Frame, End> {
        let userdata = userdata.clone_with_room(self.userdata_writes);
        let facts = Facts {
            arrive_s: now_s,
            ..Facts::default()
        };
        let mut walk = Walk::new(self, userdata, &facts, false);
        let graph = &self.flow.graph;
        let mut node = graph.entry(Phase::Initialize);
        loop {
            let next = match &graph.graph[node] {
                Step::End(Phase::Initialize) => return Ok(walk.frame),
                Step::End(_) => return Err(walk.finished()),
                Step::Block(block) => walk.run_block(node, block, now_s),
            };
            match next {
                Ok(Next::Go(way)) => node = way.to,
                Ok(Next::Finish) => return Err(walk.finished()),
                Err(end) => return Err(end),
            }
        }
    }

    /// Run one workitem with `userdata` through the flow, routing through `port`; `facts` are what the
    /// flow may read of the workitem itself, its priority the base of its Route requests.
    ///
    /// A waiting workitem's task is mostly this future, so it holds only what a wait needs: the walk
    /// (built before the future, so that it is held once: an async fn would keep its `userdata` argument
    /// as well), where it is, its priority, the port, and the Route request's wait. Blocks are run by
    /// [`Walk::advance`], outside the future's state.
    pub fn run<P: RoutingPort>(
        self: &Arc<Self>,
        userdata: Userdata,
        facts: &Facts,
        port: P,
        trace: bool,
    ) -> impl Future<Output = Ended> + use<P> {
        let priority = facts.priority;
        let mut walk = Walk::new(self.clone(), userdata, facts, trace);
        let mut node = self.flow.graph.entry(Phase::Initialize);
        async move {
            let end = loop {
                // Taken apart in a statement of its own, so that the future does not keep the whole
                // `Advance` beside the wait while it waits.
                let wait = match walk.advance(&mut node, priority, &port) {
                    Advance::Wait(wait) => wait,
                    Advance::End(end) => break end,
                };
                let result = wait.await;
                for (key, value) in port.userdata_updates() {
                    walk.frame.userdata.insert(key, value);
                }
                let rejected = matches!(result, RouteResult::Rejected(_));
                match walk.routed(node, result) {
                    Ok(Next::Go(way)) => {
                        port.left(
                            node,
                            if rejected {
                                Exit::Rejected
                            } else {
                                Exit::Edge(way.edge)
                            },
                        );
                        node = way.to;
                    }
                    Ok(Next::Finish) => {
                        port.left(node, Exit::Finish);
                        break walk.finished();
                    }
                    Err(end) => {
                        port.left(node, exit_of(&end));
                        break end;
                    }
                }
            };
            let ended_s = port.now();
            walk.ended(end, ended_s)
        }
    }
}

/// Where running blocks stopped: at a Route block's request, or at the end.
enum Advance<W> {
    /// A Route block sent its request: this ends with its result.
    Wait(W),
    /// The run ended.
    End(End),
}

/// One workitem's way through the flow.
///
/// A waiting workitem's task holds this state, so what most workitems never use is boxed: the trace,
/// the routing (most are not routed yet while they wait), the warnings. (A boxed `Vec` is 8 bytes here
/// where a `Vec` is 24: the extra allocation is only made when tracing or warning.)
struct Walk<R> {
    /// The runner: borrowed for Initialize alone, shared by a workitem's task.
    runner: R,
    frame: Frame,
    extras: Option<Box<Extras>>,
}

/// What few workitems need while they run, or need only once routed.
#[derive(Default)]
struct Extras {
    /// Whether the run is traced.
    tracing: bool,
    trace: Vec<TraceEntry>,
    routing: Option<Box<Routing>>,
    warnings: Vec<String>,
    /// Bytes of script log messages the trace holds (at most the flow's `script_limits.log_size`).
    log_bytes: usize,
}

impl<R: std::ops::Deref<Target = Runner>> Walk<R> {
    fn new(runner: R, userdata: Userdata, facts: &Facts, trace: bool) -> Walk<R> {
        let frame = Frame::new(&runner.flow, userdata, runner.userdata_writes, facts);
        Walk {
            runner,
            frame,
            extras: trace.then(|| {
                Box::new(Extras {
                    tracing: true,
                    ..Extras::default()
                })
            }),
        }
    }

    /// Run blocks from `node` until a Route block has sent its request (`node` is then that block), or
    /// the run ends.
    fn advance<'p, P: RoutingPort>(
        &mut self,
        node: &mut NodeIndex,
        priority: i64,
        port: &'p P,
    ) -> Advance<P::Wait<'p>>
    where
        R: Clone,
    {
        // A handle of its own (the walk's is borrowed by every block run), taken once per request.
        let runner = self.runner.clone();
        let graph = &runner.flow.graph;
        loop {
            let at = *node;
            let block = match &graph.graph[at] {
                Step::End(Phase::Finalize) => return Advance::End(self.finished()),
                Step::End(_) => match self.follow(at, |e| *e == Edge::Next) {
                    Ok(way) => {
                        *node = way.to;
                        continue;
                    }
                    Err(end) => return Advance::End(end),
                },
                Step::Block(block) => block,
            };
            port.entered(at);
            let next = match &block.kind {
                BlockKind::Route(route) => match self.route(at, route, priority, port) {
                    Ok(wait) => return Advance::Wait(wait),
                    Err(failure) => Err(self.fail(at, block, failure)),
                },
                _ => self.run_block(at, block, port.now()),
            };
            match next {
                Ok(Next::Go(way)) => {
                    port.left(at, Exit::Edge(way.edge));
                    *node = way.to;
                }
                Ok(Next::Finish) => {
                    port.left(at, Exit::Finish);
                    return Advance::End(self.finished());
                }
                Err(end) => {
                    port.left(at, exit_of(&end));
                    return Advance::End(end);
                }
            }
        }
    }

    fn tracing(&self) -> bool {
        self.extras.as_ref().is_some_and(|extras| extras.tracing)
    }

    /// The trace, when tracing.
    fn trace_mut(&mut self) -> Option<&mut Vec<TraceEntry>> {
        self.extras
            .as_mut()
            .filter(|extras| extras.tracing)
            .map(|extras| &mut extras.trace)
    }

    /// Where the workitem was routed, once it was.
    fn routing(&self) -> Option<Box<Routing>> {
        self.extras
            .as_ref()
            .and_then(|extras| extras.routing.clone())
    }

    fn extras(&mut self) -> &mut Extras {
        self.extras.get_or_insert_default()
    }

    /// How the run ended, with what the workitem is left with.
    fn ended(self, end: End, ended_s: f64) -> Ended {
        let extras = self.extras.map(|extras| *extras).unwrap_or_default();
        Ended {
            end,
            userdata: self.frame.userdata,
            variables: self.frame.slots,
            ended_s,
            trace: extras.trace,
            warnings: extras.warnings,
            taint: self.frame.taint,
        }
    }

    fn flow(&self) -> &Flow {
        &self.runner.flow
    }

    /// The outcome when the application ends normally.
    fn finished(&self) -> End {
        match self.routing() {
            Some(routing) => End::Routed(routing),
            None => End::Unrouted,
        }
    }

    /// The edge of `node` chosen by `which`, and where it leads.
    fn follow(&self, node: NodeIndex, which: impl Fn(&Edge) -> bool) -> Result<Way, End> {
        self.flow()
            .graph
            .graph
            .edges(node)
            .find(|edge| which(edge.weight()))
            .map(Way::of)
            .ok_or_else(|| End::Error {
                message: format!(
                    "{}: the flow graph has no way on from here (a bug in routeflow)",
                    self.flow().locate(node)
                ),
                routing: self.routing(),
            })
    }

    /// The usual way on: the next block, or where `next:` jumps.
    fn onward(&self, node: NodeIndex) -> Result<Next, End> {
        self.follow(node, |e| matches!(e, Edge::Next | Edge::Jump))
            .map(Next::Go)
    }

    fn fail(&self, node: NodeIndex, block: &Block, failure: Failure) -> End {
        let at = match &failure.at {
            Some(at) => self.flow().locate_at(
                node,
                &at.place.segments(),
                &at.source,
                at.span.start as usize,
            ),
            None => self.flow().locate(node),
        };
        End::Error {
            message: format!(
                "{at}: block `{}`: {}",
                block.id,
                self.runner
                    .secrets
                    .mask_text(&failure.message, &self.frame.slots)
            ),
            routing: self.routing(),
        }
    }

    /// Trace the block at `node`, with the note `note` makes (only called when tracing).
    fn note(&mut self, node: NodeIndex, at_s: f64, note: impl FnOnce() -> Option<String>) {
        if let Some(trace) = self.trace_mut() {
            trace.push(TraceEntry {
                block: node,
                at_s,
                note: note(),
            });
        }
    }

    /// Run a block that takes no time.
    fn run_block(&mut self, node: NodeIndex, block: &Block, now: f64) -> Result<Next, End> {
        let result = self.execute(node, block, now);
        if !self.runner.secrets.is_empty() {
            self.runner.secrets.remember(&mut self.frame.slots);
        }
        match result {
            Ok(next) => Ok(next),
            Err(Ok(end)) => Err(end),
            Err(Err(failure)) => Err(self.fail(node, block, failure)),
        }
    }

    fn execute(
        &mut self,
        node: NodeIndex,
        block: &Block,
        now: f64,
    ) -> Result<Next, Result<End, Failure>> {
        // Variables set, for the trace (empty, never allocated, when not tracing).
        let tracing = self.tracing();
        let origins = &self.runner.origins;
        let slots = &mut self.frame.slots;
        let failed = |error, expression: &Expression, place, slots: &[Value]| {
            Err(origins.failure(error, expression, place, slots))
        };
        let mut assigned: Vec<usize> = Vec::new();
        match &block.kind {
            BlockKind::Assign { variable, value } => {
                let new = value
                    .eval(slots)
                    .map_err(|e| failed(e, value, Place::Key("value"), slots))?;
                slots[*variable] = new;
                if tracing {
                    assigned.push(*variable);
                }
            }
            BlockKind::ReadUserdata { reads } => {
                for (slot, key) in reads {
                    if let Some(value) = self.frame.userdata.get(key) {
                        slots[*slot] = value.clone();
                        if tracing {
                            assigned.push(*slot);
                        }
                    }
                }
            }
            BlockKind::WriteUserdata {
                key,
                value,
                written,
            } => {
                let key = key
                    .eval(slots)
                    .map_err(|e| failed(e, key, Place::Key("key"), slots))?;
                let Value::String(key) = key else {
                    return Err(Err(Failure::new(format!(
                        "a user-data key is a string, this is a {}",
                        key.kind()
                    ))));
                };
                let value = value
                    .eval(slots)
                    .map_err(|e| failed(e, value, Place::Key("value"), slots))?;
                let userdata = &mut self.frame.userdata;
                match userdata.get_mut(&key) {
                    Some(old) => *old = value,
                    None => {
                        let shared = written.get_or_init(|| Key::from(&key));
                        let key = if shared.as_str() == key.as_str() {
                            shared.clone()
                        } else {
                            Key::from(&key)
                        };
                        userdata.insert(key, value);
                    }
                }
            }
            BlockKind::Segmentation { conditions } => {
                for (index, condition) in conditions.iter().enumerate() {
                    let holds = condition
                        .eval_bool(slots)
                        .map_err(|e| failed(e, condition, Place::Condition(index), slots))?;
                    if holds {
                        if tracing {
                            let note = branch_note(&self.runner.flow, node, index);
                            self.note(node, now, || Some(note));
                        }
                        return self
                            .follow(
                                node,
                                |e| matches!(e, Edge::Branch { index: i, .. } if *i == index),
                            )
                            .map(Next::Go)
                            .map_err(Ok);
                    }
                }
                self.note(node, now, || Some("otherwise".into()));
                return self
                    .follow(node, |e| *e == Edge::Otherwise)
                    .map(Next::Go)
                    .map_err(Ok);
            }
            BlockKind::TableLookup(lookup) => {
                table_lookup(lookup, slots, origins, tracing.then_some(&mut assigned))
                    .map_err(Err)?;
            }
            BlockKind::Log { message } => {
                let message = message
                    .eval(slots)
                    .map_err(|e| failed(e, message, Place::Key("message"), slots))?;
                let secrets = &self.runner.secrets;
                let text = || {
                    let text = match &message {
                        Value::String(text) => text.to_string(),
                        other => other.to_js_string().unwrap_or_else(|| other.to_json()),
                    };
                    Some(secrets.mask_text(&text, slots))
                };
                let extras = self.extras.as_mut().filter(|extras| extras.tracing);
                if let Some(trace) = extras.map(|extras| &mut extras.trace) {
                    trace.push(TraceEntry {
                        block: node,
                        at_s: now,
                        note: text(),
                    });
                }
                return self.onward(node).map_err(Ok);
            }
            BlockKind::Script(script) => return self.script(node, block, script, now),
            BlockKind::Finish => {
                self.note(node, now, || None);
                return Ok(Next::Finish);
            }
            BlockKind::Route(_) => {
                return Err(Err(Failure::new("a Route block ran outside routing")));
            }
        }
        if tracing {
            let note = self.traced(&assigned);
            self.note(node, now, || note);
        }
        self.onward(node).map_err(Ok)
    }

    /// Run a script block: on to the output it chose, or to the next block.
    fn script(
        &mut self,
        node: NodeIndex,
        block: &Block,
        script: &ScriptBlock,
        now: f64,
    ) -> Result<Next, Result<End, Failure>> {
        let tracing = self.tracing();
        let call = &script.call;
        // The script's log is kept for the trace, up to what is left of the workitem's log room.
        let log_room = self
            .extras
            .as_ref()
            .filter(|extras| extras.tracing)
            .map(|extras| call.limits().log_size.saturating_sub(extras.log_bytes));
        // A script that can reach a secret may write it transformed: what it writes is a secret,
        // and what it says is hidden (docs/extensions.md, "Secure values").
        let secrets = &self.runner.secrets;
        let taint = self.frame.taint.as_deref();
        let tainted = !secrets.is_empty()
            && call
                .reads()
                .any(|slot| secrets.is_secure(slot) || Taint::has_slot(taint, slot));
        // Scripts never see a secret through `userdata`: its entries that are secret are left out.
        let hidden: Vec<Arc<str>> = if secrets.is_empty() || !call.sees_userdata() {
            Vec::new()
        } else {
            self.frame
                .userdata
                .iter()
                .filter(|(key, value)| secrets.hides(key, value, &self.frame.slots, taint))
                .map(|(key, _)| Arc::from(key))
                .collect()
        };
        let secrecy = Secrecy {
            hidden: &hidden,
            tainted,
        };
        let ran = match call.run(
            &mut self.frame.slots,
            &mut self.frame.userdata,
            log_room,
            &secrecy,
        ) {
            Ok(ran) => ran,
            Err(Failed::Property { name, message }) => {
                return Err(Err(Failure::new(format!("property `{name}`: {message}"))));
            }
            Err(Failed::Script { error, log }) => {
                let at = self.script_location(node, block, script, &error);
                let message = if tainted && !error.public {
                    HIDDEN_ERROR.to_owned()
                } else {
                    self.runner
                        .secrets
                        .mask_text(&error.message, &self.frame.slots)
                };
                // What the script logged before it failed is what explains the failure: keep it.
                if tracing {
                    self.script_log(node, now, &log, tainted, call.limits().log_size);
                    self.note(node, now, || Some(format!("error: {message}")));
                }
                return Err(Ok(End::Error {
                    message: format!("{at}: block `{}`: {message}", block.id),
                    routing: self.routing(),
                }));
            }
        };
        if tainted {
            Taint::add(
                &mut self.frame.taint,
                ran.assigned.iter().copied(),
                ran.written.iter().cloned(),
            );
            let userdata = &self.frame.userdata;
            let written: Vec<Value> = ran
                .written
                .iter()
                .filter_map(|key| userdata.get(key).cloned())
                .chain(
                    ran.assigned
                        .iter()
                        .map(|&slot| self.frame.slots[slot].clone()),
                )
                .collect();
            for value in written {
                self.runner
                    .secrets
                    .remember_value(&mut self.frame.slots, value);
            }
        }
        if tracing {
            self.script_log(node, now, &ran.log, tainted, call.limits().log_size);
            let mut note = self.traced(&ran.assigned);
            if let Some(index) = ran.output {
                let output = format!("output {}", script.call.outputs()[index]);
                note = Some(match note {
                    Some(assigned) => format!("{output}; {assigned}"),
                    None => output,
                });
            }
            let note = note.map(|note| self.runner.secrets.mask_text(&note, &self.frame.slots));
            self.note(node, now, || note);
        }
        let chosen = ran.output.and_then(|index| {
            self.flow()
                .graph
                .graph
                .edges(node)
                .find(|e| matches!(e.weight(), Edge::Output { index: i, .. } if *i == index))
                .map(Way::of)
        });
        match chosen {
            Some(way) => Ok(Next::Go(way)),
            // No output, or one the flow gives no blocks: the next block.
            None => self.onward(node).map_err(Ok),
        }
    }

    /// Trace a script's log: each message a step, then a step telling how many were dropped once the
    /// workitem's log room was used up. A tainted script's log is one fixed step: what it says, how
    /// much and how often could all spell the secret.
    fn script_log(&mut self, node: NodeIndex, now: f64, log: &Log, tainted: bool, room: usize) {
        if let Some(extras) = self.extras.as_mut() {
            extras.log_bytes += log.bytes;
        }
        if tainted {
            if !log.messages.is_empty() || log.dropped > 0 {
                self.note(node, now, || Some(HIDDEN_LOG.to_owned()));
            }
            return;
        }
        for line in &log.messages {
            let note = self.runner.secrets.mask_text(line, &self.frame.slots);
            self.note(node, now, || Some(note));
        }
        if log.dropped > 0 {
            self.note(node, now, || {
                Some(format!(
                    "log: {} more message(s) dropped; a workitem's trace keeps {room} bytes of \
                     script logs (`script_limits.log_size`)",
                    log.dropped
                ))
            });
        }
    }

    /// Where a script error is: the script file's line and column, or for an inline script, the
    /// flow file's; where rhai gives no line, the block's place in the flow (for a script file, with
    /// the file named).
    fn script_location(
        &self,
        node: NodeIndex,
        _block: &Block,
        script: &ScriptBlock,
        error: &ScriptError,
    ) -> String {
        match (script.call.script.origin(), &script.inline) {
            (Origin::File(file), _) if error.line > 0 => {
                format!("{file}:{}:{}", error.line, error.col.max(1))
            }
            (Origin::File(file), _) => {
                let what = match script.type_name {
                    None => "script",
                    Some(_) => "block type",
                };
                format!("{} ({what} {file})", self.flow().locate(node))
            }
            (Origin::Inline, Some(source)) if error.line > 0 => {
                let offset = error.offset_in(source);
                self.flow().locate_inside(node, "script", source, offset)
            }
            (Origin::Inline, _) => self.flow().locate(node),
        }
    }

    /// `name = value` for each traced variable among `assigned` (secure ones masked).
    fn traced(&self, assigned: &[usize]) -> Option<String> {
        let flow = self.flow();
        let parts: Vec<String> = assigned
            .iter()
            .filter(|&&slot| flow.variables[slot].trace)
            .map(|&slot| {
                let variable = &flow.variables[slot];
                let value = if variable.secure || Taint::has_slot(self.frame.taint.as_deref(), slot)
                {
                    super::secure::MASK.to_owned()
                } else {
                    self.frame.slots[slot].to_json()
                };
                format!("{} = {value}", variable.name)
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// How a Route block's request ended decides the way on.
    fn routed(&mut self, node: NodeIndex, result: RouteResult) -> Result<Next, End> {
        if let Some(entry) = self.trace_mut().and_then(|t| t.last_mut()) {
            // The request's note (target, timeout, priority), then how it ended.
            let ended = match &result {
                RouteResult::Routed { agent, at_s, .. } => format!("routed to {agent} at {at_s:?}"),
                RouteResult::TimedOut => "timed out".to_owned(),
                RouteResult::Stopped => "stopped".to_owned(),
                RouteResult::Rejected(message) => format!("error: {message}"),
            };
            entry.note = Some(match entry.note.take() {
                Some(request) => format!("{request}: {ended}"),
                None => ended,
            });
        }
        match result {
            RouteResult::Routed {
                agent,
                at_s,
                done_s,
            } => {
                // The target is worked out again rather than held by the waiting task: no block runs
                // while a workitem waits, so the variables it is computed from are unchanged, and it
                // computed without error when the request was made.
                let (kind, target) = match self.flow().graph.block(node).map(|block| &block.kind) {
                    Some(BlockKind::Route(route)) => (
                        route.target.kind(),
                        target_value(route, &self.frame.slots, &self.runner.origins)
                            .unwrap_or_default(),
                    ),
                    _ => ("", crate::expr::Text::empty()),
                };
                self.extras().routing = Some(Box::new(Routing {
                    block: node,
                    kind,
                    target,
                    agent,
                    routed_s: at_s,
                    done_s,
                }));
                self.follow(node, |e| *e == Edge::Routed).map(Next::Go)
            }
            RouteResult::TimedOut => self.follow(node, |e| *e == Edge::TimedOut).map(Next::Go),
            RouteResult::Rejected(message) => {
                let id = self.flow().graph.block(node).map(|b| b.id.clone());
                let warning = format!(
                    "{}: block `{}`: {message}",
                    self.flow().locate(node),
                    id.unwrap_or_default()
                );
                self.extras().warnings.push(warning);
                self.follow(node, |e| *e == Edge::TimedOut).map(Next::Go)
            }
            RouteResult::Stopped => Err(End::Stopped { block: node }),
        }
    }

    /// Compute a Route block's request and send it.
    fn route<'p, P: RoutingPort>(
        &mut self,
        node: NodeIndex,
        route: &Route,
        base_priority: i64,
        port: &'p P,
    ) -> Result<P::Wait<'p>, Failure> {
        let slots = &self.frame.slots;
        let origins = &self.runner.origins;
        let timeout_s = match route
            .timeout
            .eval(slots)
            .map_err(|e| origins.failure(e, &route.timeout, Place::Key("timeout"), slots))?
        {
            // Rounded to the resolution of virtual time here, so the trace shows the timeout used.
            Value::Number(s) if crate::time::in_range(s) => crate::time::to_resolution(s),
            other => {
                let message = format!(
                    "a Route timeout is a number of seconds from 0 to 4000000000; this is {}",
                    describe(&other)
                );
                return Err(Failure::whole(
                    message,
                    &route.timeout,
                    Place::Key("timeout"),
                ));
            }
        };
        let priority = match &route.priority {
            None => base_priority,
            Some(expression) => match expression
                .eval(slots)
                .map_err(|e| origins.failure(e, expression, Place::Key("priority"), slots))?
            {
                Value::Number(p) if p.fract() == 0.0 && p.abs() <= 9_007_199_254_740_991.0 => {
                    p as i64
                }
                other => {
                    let message = format!(
                        "a Route priority is a whole number of at most 2^53 - 1 \
                         (9007199254740991) either way; this is {}",
                        describe(&other)
                    );
                    return Err(Failure::whole(message, expression, Place::Key("priority")));
                }
            },
        };
        let value = target_value(route, slots, origins)?;
        let target = match &route.target {
            Target::Agent(_) => RouteTarget::Agent(&value),
            Target::AgentGroup(_) => RouteTarget::AgentGroup(&value),
            Target::Skill(SkillTarget::Literal { skill, .. }) => RouteTarget::Skill {
                text: &value,
                parsed: Some(skill),
            },
            Target::Skill(SkillTarget::Computed(_)) => RouteTarget::Skill {
                text: &value,
                parsed: None,
            },
        };
        let now = port.now();
        let secrets = &self.runner.secrets;
        let kind = route.target.kind();
        let shown = |text: &str| secrets.mask_text(text, slots);
        let note = || {
            let mut target = String::new();
            crate::expr::write_json_string(&shown(&value), &mut target);
            let timeout = crate::expr::js::number::to_string(timeout_s);
            Some(format!(
                "{kind} {target}, timeout {timeout} s, priority {priority}"
            ))
        };
        if let Some(trace) = self
            .extras
            .as_mut()
            .filter(|extras| extras.tracing)
            .map(|extras| &mut extras.trace)
        {
            trace.push(TraceEntry {
                block: node,
                at_s: now,
                note: note(),
            });
        }
        let block = self.flow().graph.block(node).map_or("", |b| &*b.id);
        let wait = port.route(&RouteRequest {
            frame: &self.frame,
            block,
            target,
            timeout_s,
            priority,
        });
        Ok(wait)
    }
}

/// The value of a Route block's target.
fn target_value(
    route: &Route,
    slots: &[Value],
    origins: &Origins,
) -> Result<crate::expr::Text, Failure> {
    match &route.target {
        Target::Agent(e) | Target::AgentGroup(e) | Target::Skill(SkillTarget::Computed(e)) => {
            let place = Place::Target(route.target.kind());
            match e
                .eval(slots)
                .map_err(|error| origins.failure(error, e, place, slots))?
            {
                Value::String(s) => Ok(s),
                other => Err(Failure::whole(
                    format!("a Route target is a string; this is {}", describe(&other)),
                    e,
                    place,
                )),
            }
        }
        Target::Skill(SkillTarget::Literal { text, .. }) => Ok(text.clone()),
    }
}

/// The trace's note for branch `index` of the Segmentation at `node`: its number, and its `name:`.
fn branch_note(flow: &Flow, node: NodeIndex, index: usize) -> String {
    let name = flow
        .graph
        .graph
        .edges(node)
        .find_map(|edge| match edge.weight() {
            Edge::Branch { index: i, name, .. } if *i == index => name.clone(),
            _ => None,
        });
    match name {
        Some(name) => format!("branch {index} ({name})"),
        None => format!("branch {index}"),
    }
}

fn describe(value: &Value) -> String {
    format!("the {} {}", value.kind(), value.to_json())
}

/// Look the key up; assign the columns when exactly one row matched, and `found` and `count`.
fn table_lookup(
    lookup: &TableLookup,
    slots: &mut [Value],
    origins: &Origins,
    mut assigned: Option<&mut Vec<usize>>,
) -> Result<(), Failure> {
    let found = match lookup.constant {
        Some(found) => found,
        None => lookup_rows(lookup, slots, origins)?,
    };
    let count = found.count;
    if let Some(row) = found.single {
        for &(column, slot) in &lookup.columns {
            slots[slot] = Value::String(lookup.table.shared_value(row, column).clone());
            if let Some(a) = assigned.as_mut() {
                a.push(slot);
            }
        }
    }
    if let Some(slot) = lookup.found {
        slots[slot] = Value::Bool(count == 1);
        if let Some(a) = assigned.as_mut() {
            a.push(slot);
        }
    }
    if let Some(slot) = lookup.count {
        slots[slot] = Value::Number(count as f64);
        if let Some(a) = assigned.as_mut() {
            a.push(slot);
        }
    }
    Ok(())
}

/// Evaluate the key of `lookup` and find its rows.
fn lookup_rows(
    lookup: &TableLookup,
    slots: &[Value],
    origins: &Origins,
) -> Result<FoundRows, Failure> {
    // Key parts are usually variables or constants: those are read in place, without copying them;
    // only the others are evaluated (into `computed`, which then allocates). Parts are checked in key
    // order, so the first bad part is the one reported, whether it is read in place or computed: the
    // parts read in place before a computed one are checked before it is evaluated, the rest below.
    let mut computed = Vec::new();
    let mut checked = 0;
    for (i, expression) in lookup.key.iter().enumerate() {
        if expression.in_place(slots).is_none() {
            for earlier in &lookup.key[checked..i] {
                key_part(lookup, earlier, earlier.in_place(slots))?;
            }
            checked = i + 1;
            let value = expression
                .eval(slots)
                .map_err(|e| origins.failure(e, expression, Place::KeyPart(i), slots))?;
            key_part(lookup, expression, Some(&value))?;
            computed.push(value);
        }
    }
    let mut computed = computed.iter();
    // Most keys have a handful of columns: their parts are gathered without allocating.
    const INLINE: usize = 8;
    let mut inline_parts: [&str; INLINE] = [""; INLINE];
    let mut spilled_parts = Vec::new();
    for (i, expression) in lookup.key.iter().enumerate() {
        let text = key_part(
            lookup,
            expression,
            expression.in_place(slots).or_else(|| computed.next()),
        )?;
        match inline_parts.get_mut(i) {
            Some(part) => *part = text,
            None => spilled_parts.push(text),
        }
    }
    let key: &[&str] = if lookup.key.len() <= INLINE {
        &inline_parts[..lookup.key.len()]
    } else {
        spilled_parts.splice(0..0, inline_parts);
        &spilled_parts
    };
    let rows = lookup.table.lookup(key);
    Ok(FoundRows {
        count: rows.len(),
        single: rows.single().map(|row| row.id()),
    })
}

/// A key part's text, or the error naming the part that is not a string.
fn key_part<'a>(
    lookup: &TableLookup,
    expression: &Expression,
    value: Option<&'a Value>,
) -> Result<&'a str, Failure> {
    match value {
        Some(Value::String(text)) => Ok(text.as_str()),
        _ => Err(Failure::new(format!(
            "a key of table `{}` is a string; `{}` is {}",
            lookup.table.name(),
            expression.source(),
            value.map_or_else(|| "missing".to_owned(), describe)
        ))),
    }
}
