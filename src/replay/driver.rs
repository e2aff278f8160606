//! The replay driver: tokio tasks for the workitems, the simulation for time.

use super::order::InputOrder;
use super::{Outcome, outcome};
use crate::center::Center;
use crate::routing::{Item, Resolved, Simulation, Stepped};
use crate::runtime::{RouteRequest, RouteResult, RoutingPort, Runner};
use crate::workitem::{Line, Userdata, Workitem};
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
/// outcome per line, in input order. Only a failure to read the input stops a replay.
pub fn replay(
    runner: Arc<Runner>,
    center: Arc<Center>,
    lines: impl IntoIterator<Item = io::Result<Line>>,
    options: Options,
    sink: &mut dyn FnMut(Outcome),
) -> io::Result<()> {
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
    let mut sim = Simulation::new(center);
    sim.reserve(count);
    let shared = Rc::new(RefCell::new(Shared {
        sim,
        wakers: std::iter::repeat_with(|| None).take(count).collect(),
        mailbox: Vec::new(),
        starting: Vec::new(),
        runnable: 0,
        driver: None,
        order,
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
    Ok(())
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

    fn peek_s(&self) -> Option<f64> {
        let next = self.left.last().and_then(|chunk| chunk.last());
        next.map(|(_, _, workitem)| workitem.arrive_s)
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
    /// Requests that ended, until their tasks take the result: tasks run before time moves on, so this
    /// holds a handful at most (it replaces a result slot per workitem).
    mailbox: Vec<Resolved>,
    /// Spawned tasks' user data and priority, until they first run (see [`spawn`]).
    starting: Vec<(u32, Userdata, i64)>,
    /// Tasks that may run before time moves on.
    runnable: usize,
    /// The driver, waiting for `runnable` to reach 0.
    driver: Option<Waker>,
    order: InputOrder,
}

impl Shared {
    /// The user data and priority workitem `number`'s task starts with.
    fn take_starting(&mut self, number: u32) -> Option<(Userdata, i64)> {
        let at = self.starting.iter().position(|(n, ..)| *n == number)?;
        let (_, userdata, priority) = self.starting.swap_remove(at);
        Some((userdata, priority))
    }

    /// A task stopped being runnable: when none is left, time may move on.
    fn idle_one(&mut self) {
        self.runnable -= 1;
        if self.runnable == 0 {
            if let Some(driver) = self.driver.take() {
                driver.wake();
            }
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
            let arrival_s = this.arrivals.peek_s();
            match shared.sim.step(arrival_s, &mut this.resolved) {
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
                        Item {
                            arrive_s: workitem.arrive_s,
                            handle_s: workitem.handle_s_or(center_handle),
                            stop_s: workitem.stop_s.unwrap_or(f64::INFINITY),
                        },
                    );
                    if shared.wakers.len() <= number as usize {
                        shared.wakers.resize_with(number as usize + 1, || None);
                    }
                    shared.runnable += 1;
                    shared
                        .starting
                        .push((number, workitem.userdata, workitem.priority));
                    drop(shared);
                    let start = Start {
                        position,
                        number,
                        id: workitem.id,
                        arrive_s: workitem.arrive_s,
                    };
                    spawn(
                        this.shared.clone(),
                        this.runner.clone(),
                        start,
                        this.options.trace,
                    );
                }
            }
        }
    }
}

/// What a workitem's task keeps of it for its outcome: the task is what a waiting workitem costs, so it
/// keeps no more.
struct Start {
    position: usize,
    number: u32,
    id: crate::expr::Text,
    arrive_s: f64,
}

/// The workitem's task: run it through the flow, then put its outcome in line.
///
/// The task finds its user data and priority in `Shared::starting` when it first runs (right after it is
/// spawned), instead of capturing them: an async block keeps every captured value for its whole life,
/// and a waiting workitem's task should hold only what it needs while it waits. For the same reason the
/// guard is built outside the task and moved in whole.
fn spawn(shared: Rc<RefCell<Shared>>, runner: Arc<Runner>, start: Start, trace: bool) {
    let mut guard = Guard {
        shared,
        start: Some(start),
    };
    let task = async move {
        let Some(number) = guard.start.as_ref().map(|start| start.number) else {
            return;
        };
        let starting = guard.shared.borrow_mut().take_starting(number);
        let Some((userdata, priority)) = starting else {
            return;
        };
        let port = Port {
            shared: &guard.shared,
            number,
        };
        let ended = runner.run(userdata, priority, port, trace).await;
        if let Some(start) = guard.start.take() {
            let outcome = outcome(&runner, start.id, start.arrive_s, ended, trace);
            let mut shared = guard.shared.borrow_mut();
            shared.order.put(start.position, outcome);
            shared.idle_one();
        }
    };
    tokio::task::spawn_local(task);
}

/// Makes sure a task that dies (a bug) still gives its workitem an outcome and lets time move on.
struct Guard {
    shared: Rc<RefCell<Shared>>,
    /// Taken when the task ends normally.
    start: Option<Start>,
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
struct Port<'s> {
    shared: &'s Rc<RefCell<Shared>>,
    number: u32,
}

impl<'s> RoutingPort for Port<'s> {
    type Wait<'p>
        = Wait<'p, 's>
    where
        Self: 'p;

    fn now(&self) -> f64 {
        self.shared.borrow().sim.now()
    }

    fn route<'p>(&'p self, request: &RouteRequest<'_>) -> Wait<'p, 's> {
        let mut shared = self.shared.borrow_mut();
        if let Some(result) = shared.sim.request(self.number, request) {
            // Ended at once: the task takes it on its first poll, right after this.
            shared.mailbox.push((self.number, result));
        }
        Wait { port: self }
    }
}

/// A Route block's wait: ready when the workitem's result is in the mailbox.
struct Wait<'p, 's> {
    port: &'p Port<'s>,
}

impl Future for Wait<'_, '_> {
    type Output = RouteResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RouteResult> {
        let number = self.port.number;
        let mut shared = self.port.shared.borrow_mut();
        if let Some(at) = shared.mailbox.iter().position(|(n, _)| *n == number) {
            return Poll::Ready(shared.mailbox.swap_remove(at).1);
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
