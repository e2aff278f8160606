//! The replay driver: tokio tasks for the workitems, the simulation for time.

use super::order::InputOrder;
use super::routes::{Replayed, Routes};
use super::{Outcome, outcome};
use crate::center::Center;
use crate::coverage::{Coverage, Tally};
use crate::expr::Text;
use crate::routing::{Item, Resolved, Simulation, Stepped};
use crate::runtime::Ended;
use crate::runtime::{Exit, Facts, RouteRequest, RouteResult, RoutingPort, Runner};
use crate::time::Instant;
use crate::workitem::{Line, Workitem};
use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// How to replay.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Record the blocks each workitem runs through, with their times.
    pub trace: bool,
}

/// Replay the workitems of `lines` through `runner`'s flow against `center`; `sink` receives one
/// outcome per line, in input order; what Route blocks and agents did comes back. Only a failure to
/// read the input stops a replay.
pub fn replay(
    runner: Arc<Runner>,
    center: Arc<Center>,
    lines: impl IntoIterator<Item = io::Result<Line>>,
    options: Options,
    sink: &mut dyn FnMut(Outcome),
) -> io::Result<Replayed> {
    let mut order = InputOrder::default();
    // Numbers are input order among the valid workitems; arrivals run in time order, ties in input order.
    let mut chunks = Chunks::default();
    let mut sorted = true;
    for (position, line) in lines.into_iter().enumerate() {
        match line?.item {
            Ok(workitem) => {
                sorted &= chunks
                    .last_s()
                    .is_none_or(|last_s| last_s <= workitem.arrive_s);
                let number = to_u32(chunks.count);
                chunks.push((position, number, workitem));
            }
            Err(error) => order.put(
                position,
                Outcome::bad_line(error.id.clone(), error.to_string()),
            ),
        }
    }
    order.release(sink);
    let count = chunks.count;
    if !sorted {
        let mut all: Vec<Arrival> = chunks.all.into_iter().flatten().collect();
        all.sort_by(|a, b| a.2.arrive_s.total_cmp(&b.2.arrive_s));
        chunks = Chunks::default();
        for arrival in all {
            chunks.push(arrival);
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let local = tokio::task::LocalSet::new();
    let mut sim = Simulation::new(center.clone());
    sim.reserve(count);
    let routes = Routes::of(runner.flow());
    let coverage = Tally::new(runner.flow());
    let shared = Rc::new(RefCell::new(Shared {
        sim,
        wakers: std::iter::repeat_with(|| None).take(count).collect(),
        routes,
        coverage,
        asked: vec![0; count],
        mailbox: Vec::new(),
        runnable: 0,
        driver: None,
        order,
        runner: runner.clone(),
        trace: options.trace,
    }));
    let driver = Driver {
        shared: shared.clone(),
        runner,
        arrivals: Pending::new(chunks),
        resolved: Vec::new(),
        options,
        sink,
    };
    local.block_on(&runtime, driver);
    let mut shared = shared.borrow_mut();
    let times = shared.sim.agent_times();
    let measured_s = (shared.sim.measured_from().seconds(), shared.sim.now());
    let routes = std::mem::take(&mut shared.routes);
    let coverage = Coverage::new(shared.runner.flow(), &shared.coverage);
    let mut replayed = routes.finish().with_times(&center, &times, measured_s);
    replayed.coverage = coverage;
    Ok(replayed)
}

/// Workitems read before the replay starts, in chunks: a million of them are read before the first
/// arrives, and one growing vector would copy them at every doubling and fault in twice their memory;
/// chunks also give their memory back as their workitems arrive.
#[derive(Default)]
struct Chunks {
    all: Vec<Vec<Arrival>>,
    count: usize,
}

/// Workitems per chunk.
const CHUNK: usize = 4096;

impl Chunks {
    fn push(&mut self, arrival: Arrival) {
        self.count += 1;
        match self.all.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(arrival),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(arrival);
                self.all.push(chunk);
            }
        }
    }

    fn last_s(&self) -> Option<f64> {
        let last = self.all.last().and_then(|chunk| chunk.last());
        last.map(|(_, _, workitem)| workitem.arrive_s)
    }
}

/// The workitems still to arrive: the next one last, in the last chunk (never an empty chunk).
struct Pending {
    left: Vec<Vec<Arrival>>,
}

impl Pending {
    /// The workitems of `chunks`, in the order they are.
    fn new(chunks: Chunks) -> Pending {
        let mut left = chunks.all;
        left.reverse();
        for chunk in &mut left {
            chunk.reverse();
        }
        Pending { left }
    }

    fn peek(&self) -> Option<Instant> {
        let next = self.left.last().and_then(|chunk| chunk.last());
        next.map(|(_, _, workitem)| Instant::from_seconds(workitem.arrive_s))
    }

    fn next(&mut self) -> Option<Arrival> {
        let chunk = self.left.last_mut()?;
        let next = chunk.pop();
        if chunk.is_empty() {
            self.left.pop();
        }
        next
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What the driver and the workitem tasks share (one thread: no locks).
struct Shared {
    sim: Simulation,
    /// Per workitem number: the task waiting for its Route request to end.
    wakers: Vec<Option<Waker>>,
    /// What Route blocks asked for and how it ended.
    routes: Routes,
    /// Per block, how many workitems entered it and how they left it.
    coverage: Tally,
    /// Per workitem number: the slot of `routes` its current Route request counts in.
    asked: Vec<u32>,
    /// Requests that ended, until their tasks take the result: tasks run before time moves on, so this
    /// holds a handful at most (it replaces a result slot per workitem).
    mailbox: Vec<Resolved>,
    /// Tasks that may run before time moves on.
    runnable: usize,
    /// The driver, waiting for `runnable` to reach 0.
    driver: Option<Waker>,
    order: InputOrder,
    /// The flow, for the outcomes.
    runner: Arc<Runner>,
    /// Whether outcomes carry their traces.
    trace: bool,
}

impl Shared {
    /// A task stopped being runnable: when none is left, time may move on.
    fn idle_one(&mut self) {
        self.runnable -= 1;
        if self.runnable == 0
            && let Some(driver) = self.driver.take()
        {
            driver.wake();
        }
    }
}

/// An arriving workitem: its position among the input lines, its number, itself.
type Arrival = (usize, u32, Workitem);

struct Driver<'s> {
    shared: Rc<RefCell<Shared>>,
    runner: Arc<Runner>,
    arrivals: Pending,
    resolved: Vec<Resolved>,
    options: Options,
    sink: &'s mut dyn FnMut(Outcome),
}

/// How many outcomes whose turn has come are handed on together.
const RELEASE_BATCH: usize = 64;

impl Future for Driver<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            let mut shared = this.shared.borrow_mut();
            // Outcomes are written a batch at a time: writing one between two workitems' runs costs
            // more, as each evicts the other's code from the instruction cache.
            shared.order.release_batch(RELEASE_BATCH, this.sink);
            if shared.runnable > 0 {
                shared.driver = Some(cx.waker().clone());
                return Poll::Pending;
            }
            let arrival = this.arrivals.peek();
            match shared.sim.step(arrival, &mut this.resolved) {
                Stepped::Idle => {
                    shared.order.release(this.sink);
                    return Poll::Ready(());
                }
                Stepped::Event => {
                    for (number, result) in this.resolved.drain(..) {
                        shared.mailbox.push((number, result));
                        if let Some(waker) = shared.wakers[number as usize].take() {
                            shared.runnable += 1;
                            waker.wake();
                        }
                    }
                }
                Stepped::Arrival => {
                    let Some((position, number, workitem)) = this.arrivals.next() else {
                        continue;
                    };
                    let center_handle = shared.sim.center().default_handle_s();
                    shared.sim.add(
                        number,
                        Item::from_seconds(
                            workitem.arrive_s,
                            workitem.handle_s_or(center_handle),
                            workitem.stop_s.unwrap_or(f64::INFINITY),
                        ),
                    );
                    if shared.wakers.len() <= number as usize {
                        shared.wakers.resize_with(number as usize + 1, || None);
                        shared.asked.resize(number as usize + 1, 0);
                    }
                    shared.runnable += 1;
                    shared.coverage.started();
                    drop(shared);
                    let start = Start {
                        position,
                        id: workitem.id,
                        arrive_s: workitem.arrive_s,
                    };
                    let port = Port {
                        shared: this.shared.clone(),
                        number,
                    };
                    let facts = Facts {
                        id: start.id.clone(),
                        priority: workitem.priority,
                        arrive_s: workitem.arrive_s,
                    };
                    let run = this
                        .runner
                        .run(workitem.userdata, &facts, port, this.options.trace);
                    let guard = Guard {
                        shared: this.shared.clone(),
                        start: Some(start),
                    };
                    let task = Task { guard, run };
                    tokio::task::spawn_local(task);
                }
            }
        }
    }
}

/// What a workitem's task keeps of it for its outcome: the task is what a waiting workitem costs, so it
/// keeps no more.
struct Start {
    position: usize,
    id: Text,
    arrive_s: f64,
}

pin_project_lite::pin_project! {
    /// A workitem's task: its run through the flow, then its outcome put in line.
    ///
    /// A struct rather than an async block: an async block would keep its captured values (the run's
    /// future among them) beside the future it awaits, and a waiting workitem's task is best small.
    /// Tokio rounds a task up to a multiple of 128 bytes.
    struct Task<F> {
        // Dropped before the guard: a run dropped while it waits counts its task runnable again (see
        // `Port`'s drop), which the guard's own accounting then undoes.
        #[pin]
        run: F,
        guard: Guard,
    }
}

impl<F: Future<Output = Ended>> Future for Task<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let Poll::Ready(ended) = this.run.poll(cx) else {
            return Poll::Pending;
        };
        this.guard.finish(ended);
        Poll::Ready(())
    }
}

/// Makes sure a task that dies (a bug) still gives its workitem an outcome and lets time move on.
struct Guard {
    shared: Rc<RefCell<Shared>>,
    /// Taken when the task ends normally.
    start: Option<Start>,
}

impl Guard {
    /// Put the outcome of the run that ended in line.
    fn finish(&mut self, ended: Ended) {
        // The start is let go only once the outcome is in line: were building it to panic (a bug), the
        // guard's drop would still account for the workitem, and the replay would not wait for it forever.
        let Some(start) = &self.start else {
            return;
        };
        let shared = &mut *self.shared.borrow_mut();
        let outcome = outcome(
            &shared.runner,
            start.id.clone(),
            start.arrive_s,
            ended,
            shared.trace,
        );
        shared.order.put(start.position, outcome);
        shared.idle_one();
        self.start = None;
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(start) = self.start.take() else {
            return;
        };
        if let Ok(mut shared) = self.shared.try_borrow_mut() {
            let message =
                "internal error: the workitem's task ended abnormally (a bug in routeflow)";
            let outcome = Outcome::bad_line(Some(start.id), message.to_owned());
            shared.order.put(start.position, outcome);
            shared.idle_one();
        }
    }
}

/// A workitem's routing port: the simulation, through the shared state.
struct Port {
    shared: Rc<RefCell<Shared>>,
    number: u32,
}

impl RoutingPort for Port {
    type Wait<'p>
        = Wait<'p>
    where
        Self: 'p;

    fn now(&self) -> f64 {
        self.shared.borrow().sim.now()
    }

    fn entered(&self, node: petgraph::graph::NodeIndex) {
        self.shared.borrow_mut().coverage.entered(node);
    }

    fn left(&self, node: petgraph::graph::NodeIndex, exit: Exit) {
        self.shared.borrow_mut().coverage.left(node, exit);
    }

    fn route<'p>(&'p self, request: &RouteRequest<'_>) -> Wait<'p> {
        let shared = &mut *self.shared.borrow_mut();
        let kind = request.target.kind();
        let value = request.target.value();
        let secrets = shared.runner.secrets();
        let slot = if secrets.is_empty() {
            shared.routes.enter(request.block, kind, value)
        } else {
            // As the outcome shows the target: a secret inside it masked.
            let masked = secrets.mask_text(value, &request.frame.slots);
            shared.routes.enter(request.block, kind, &masked)
        };
        shared.asked[self.number as usize] = slot;
        if let Some(result) = shared.sim.request(self.number, request) {
            // Ended at once: the task takes it on its first poll, right after this.
            shared.mailbox.push((self.number, result));
        }
        Wait { port: self }
    }
}

impl Drop for Port {
    /// A run dropped while it waits (a replay torn down before its end) left the runnable count when it
    /// began to wait: counted again, so that its guard, dropped next, does not count it out twice.
    fn drop(&mut self) {
        if let Ok(mut shared) = self.shared.try_borrow_mut()
            && let Some(waker) = shared.wakers.get_mut(self.number as usize)
            && waker.take().is_some()
        {
            shared.runnable += 1;
        }
    }
}

/// A Route block's wait: ready when the workitem's result is in the mailbox.
struct Wait<'p> {
    port: &'p Port,
}

impl Future for Wait<'_> {
    type Output = RouteResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RouteResult> {
        let number = self.port.number;
        let shared = &mut *self.port.shared.borrow_mut();
        if let Some(at) = shared.mailbox.iter().position(|(n, _)| *n == number) {
            let result = shared.mailbox.swap_remove(at).1;
            let arrive = shared.sim.arrival(number);
            shared
                .routes
                .end(shared.asked[number as usize], &result, arrive);
            return Poll::Ready(result);
        }
        let waker = &mut shared.wakers[number as usize];
        let first = waker.is_none();
        *waker = Some(cx.waker().clone());
        if first {
            shared.idle_one();
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::replay::Kind;
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::Wake;

    /// A replay's shared state just after the driver spawned the task of workitem `w1`, its only one:
    /// the task is counted runnable until it waits or ends.
    fn one_spawned() -> Rc<RefCell<Shared>> {
        let loaded = crate::flow::load_str(
            "flow.yaml",
            "application: guard\nphases:\n  initialize: []\n",
            Path::new("."),
        );
        let flow = loaded.flow.expect("the flow loads");
        let file = SourceFile::new("center.yaml", "agents: [ { id: a } ]");
        let center = Arc::new(Center::parse(&file).expect("a valid center"));
        Rc::new(RefCell::new(Shared {
            sim: Simulation::new(center),
            wakers: vec![None],
            routes: Routes::default(),
            coverage: Tally::default(),
            asked: vec![0],
            mailbox: Vec::new(),
            runnable: 1,
            driver: None,
            order: InputOrder::default(),
            runner: Arc::new(Runner::new(Arc::new(flow))),
            trace: false,
        }))
    }

    fn task_of_w1<F: Future<Output = Ended>>(shared: &Rc<RefCell<Shared>>, run: F) -> Task<F> {
        let start = Start {
            position: 0,
            id: Text::new("w1"),
            arrive_s: 0.0,
        };
        let guard = Guard {
            shared: shared.clone(),
            start: Some(start),
        };
        Task { guard, run }
    }

    /// The outcomes the driver hands on when it polls with no workitem left to arrive. It must end at
    /// that poll: a task it still counted as runnable would keep it waiting for good.
    fn drive(shared: &Rc<RefCell<Shared>>) -> Vec<Outcome> {
        let runner = shared.borrow().runner.clone();
        let mut outcomes = Vec::new();
        {
            let mut sink = |outcome| outcomes.push(outcome);
            let mut driver = std::pin::pin!(Driver {
                shared: shared.clone(),
                runner,
                arrivals: Pending::new(Chunks::default()),
                resolved: Vec::new(),
                options: Options::default(),
                sink: &mut sink,
            });
            let mut cx = Context::from_waker(Waker::noop());
            let polled = driver.as_mut().poll(&mut cx);
            assert_eq!(polled, Poll::Ready(()), "the driver still waits for a task");
        }
        outcomes
    }

    fn assert_abnormal_end_of_w1(outcomes: &[Outcome]) {
        assert_eq!(outcomes.len(), 1, "{outcomes:?}");
        let outcome = &outcomes[0];
        assert_eq!(outcome.kind, Kind::Error);
        assert_eq!(outcome.id.as_deref(), Some("w1"));
        let error = outcome.error.as_deref().unwrap_or_default();
        assert!(error.contains("ended abnormally"), "{error}");
    }

    struct Flag(AtomicBool);

    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_task_that_panics_still_gives_its_workitem_an_outcome_and_lets_time_move_on() {
        let shared = one_spawned();
        let woken = Arc::new(Flag(AtomicBool::new(false)));
        shared.borrow_mut().driver = Some(Waker::from(woken.clone()));
        // Tokio catches the panic and drops the task while unwinding, after the run's own borrows of the
        // shared state are released, so the guard finds it free.
        let run = std::future::poll_fn(|_| -> Poll<Ended> { panic!("a bug in a block") });
        let local = tokio::task::LocalSet::new();
        let handle = local.spawn_local(task_of_w1(&shared, run));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let joined = local.block_on(&runtime, handle);
        assert!(joined.is_err_and(|error| error.is_panic()));
        assert_eq!(shared.borrow().runnable, 0);
        assert!(woken.0.load(Ordering::SeqCst), "the driver is not woken");
        assert_abnormal_end_of_w1(&drive(&shared));
    }

    #[test]
    fn a_task_dropped_before_it_ends_still_gives_its_workitem_an_outcome() {
        let shared = one_spawned();
        let local = tokio::task::LocalSet::new();
        let _handle = local.spawn_local(task_of_w1(&shared, std::future::pending()));
        // Dropping a task set drops the tasks still in it: this one never ran, so its guard alone can
        // account for its workitem.
        drop(local);
        assert_eq!(shared.borrow().runnable, 0);
        assert_abnormal_end_of_w1(&drive(&shared));
    }

    #[test]
    fn a_task_dropped_while_it_waits_is_counted_out_once() {
        let shared = one_spawned();
        let port = Port {
            shared: shared.clone(),
            number: 0,
        };
        let run = async move {
            Wait { port: &port }.await;
            std::future::pending::<Ended>().await
        };
        let local = tokio::task::LocalSet::new();
        let _handle = local.spawn_local(task_of_w1(&shared, run));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        local.block_on(&runtime, tokio::task::yield_now());
        assert_eq!(shared.borrow().runnable, 0, "waiting: no longer runnable");
        let woken = Arc::new(Flag(AtomicBool::new(false)));
        shared.borrow_mut().driver = Some(Waker::from(woken.clone()));
        // Torn down while it waits: counted out when it began to wait, and not again (the count would
        // wrap, or its guard panic while the task is dropped, before waking the driver).
        drop(local);
        assert_eq!(shared.borrow().runnable, 0);
        assert!(woken.0.load(Ordering::SeqCst), "the guard did not finish");
        assert_abnormal_end_of_w1(&drive(&shared));
    }
}
