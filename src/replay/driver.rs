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
    let mut arrivals = Vec::new();
    for (position, line) in lines.into_iter().enumerate() {
        match line?.item {
            Ok(workitem) => arrivals.push((position, workitem)),
            Err(error) => order.put(
                position,
                Outcome::bad_line(error.id.clone(), error.to_string()),
            ),
        }
    }
    order.release(sink);
    // Numbers are input order among the valid workitems; arrivals run in time order, ties in input order.
    let arrivals: Vec<Arrival> = arrivals
        .into_iter()
        .enumerate()
        .map(|(number, (position, workitem))| (position, to_u32(number), workitem))
        .collect();
    let mut arrivals = arrivals;
    if !arrivals.is_sorted_by(|a, b| a.2.arrive_s <= b.2.arrive_s) {
        arrivals.sort_by(|a, b| a.2.arrive_s.total_cmp(&b.2.arrive_s));
    }
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let local = tokio::task::LocalSet::new();
    let mut sim = Simulation::new(center);
    sim.reserve(arrivals.len());
    let shared = Rc::new(RefCell::new(Shared {
        sim,
        parked: std::iter::repeat_with(Parked::default)
            .take(arrivals.len())
            .collect(),
        runnable: 0,
        driver: None,
        order,
    }));
    let driver = Driver {
        shared: shared.clone(),
        runner,
        arrivals: arrivals.into_iter().peekable(),
        resolved: Vec::new(),
        options,
        sink,
    };
    local.block_on(&runtime, driver);
    Ok(())
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What the driver and the workitem tasks share (one thread: no locks).
struct Shared {
    sim: Simulation,
    /// Per workitem number: the task waiting for its Route request, and how the request ended.
    parked: Vec<Parked>,
    /// Tasks that may run before time moves on.
    runnable: usize,
    /// The driver, waiting for `runnable` to reach 0.
    driver: Option<Waker>,
    order: InputOrder,
}

#[derive(Default)]
struct Parked {
    waker: Option<Waker>,
    result: Option<RouteResult>,
}

impl Shared {
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
    arrivals: std::iter::Peekable<std::vec::IntoIter<Arrival>>,
    resolved: Vec<Resolved>,
    options: Options,
    sink: &'s mut dyn FnMut(Outcome),
}

impl Future for Driver<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            let mut shared = this.shared.borrow_mut();
            shared.order.release(this.sink);
            if shared.runnable > 0 {
                shared.driver = Some(cx.waker().clone());
                return Poll::Pending;
            }
            let arrival_s = this.arrivals.peek().map(|(_, _, w)| w.arrive_s);
            match shared.sim.step(arrival_s, &mut this.resolved) {
                Stepped::Idle => return Poll::Ready(()),
                Stepped::Event => {
                    for (number, result) in this.resolved.drain(..) {
                        let parked = &mut shared.parked[number as usize];
                        parked.result = Some(result);
                        if let Some(waker) = parked.waker.take() {
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
                    if shared.parked.len() <= number as usize {
                        shared
                            .parked
                            .resize_with(number as usize + 1, Parked::default);
                    }
                    shared.runnable += 1;
                    drop(shared);
                    let start = Start {
                        position,
                        number,
                        id: workitem.id,
                        arrive_s: workitem.arrive_s,
                        priority: workitem.priority,
                    };
                    let userdata = workitem.userdata;
                    spawn(
                        this.shared.clone(),
                        this.runner.clone(),
                        start,
                        userdata,
                        this.options,
                    );
                }
            }
        }
    }
}

/// What a workitem's task keeps of it besides its user data (which the flow takes over): the task is
/// what a waiting workitem costs, so it stays small.
struct Start {
    position: usize,
    number: u32,
    id: Arc<str>,
    arrive_s: f64,
    priority: i64,
}

/// The workitem's task: run it through the flow, then put its outcome in line.
///
/// The guard is built outside the task and moved in whole, so that what it holds is stored once in the
/// task (an async block keeps every captured value for its whole life).
fn spawn(
    shared: Rc<RefCell<Shared>>,
    runner: Arc<Runner>,
    start: Start,
    userdata: Userdata,
    options: Options,
) {
    let (number, priority) = (start.number, start.priority);
    let mut guard = Guard {
        shared,
        start: Some(start),
    };
    tokio::task::spawn_local(async move {
        let port = Port {
            shared: &guard.shared,
            number,
        };
        let ended = runner.run(userdata, priority, &port, options.trace).await;
        if let Some(start) = guard.start.take() {
            let outcome = outcome(&runner, start.id, start.arrive_s, ended, options.trace);
            let mut shared = guard.shared.borrow_mut();
            shared.order.put(start.position, outcome);
            shared.idle_one();
        }
    });
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
    type Wait = Wait<'s>;

    fn now(&self) -> f64 {
        self.shared.borrow().sim.now()
    }

    fn route(&self, request: &RouteRequest<'_>) -> Wait<'s> {
        let result = self.shared.borrow_mut().sim.request(self.number, request);
        Wait {
            shared: self.shared,
            number: self.number,
            result,
        }
    }
}

/// A Route block's wait: ready at once when the request ended at once.
struct Wait<'s> {
    shared: &'s Rc<RefCell<Shared>>,
    number: u32,
    result: Option<RouteResult>,
}

impl Future for Wait<'_> {
    type Output = RouteResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RouteResult> {
        let this = self.get_mut();
        if let Some(result) = this.result.take() {
            return Poll::Ready(result);
        }
        let mut shared = this.shared.borrow_mut();
        let parked = &mut shared.parked[this.number as usize];
        if let Some(result) = parked.result.take() {
            return Poll::Ready(result);
        }
        let first = parked.waker.is_none();
        parked.waker = Some(cx.waker().clone());
        if first {
            shared.idle_one();
        }
        Poll::Pending
    }
}
