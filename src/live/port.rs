//! A live workitem's task and its routing port: the replay's way of running workitems (one task per
//! workitem on one thread, each Route block a wait resolved by the engine), on the live engine's core.

use super::core::Core;
use crate::expr::Text;
use crate::replay::{Outcome, outcome};
use crate::runtime::{Ended, RouteRequest, RouteResult, RoutingPort};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// A workitem's routing port: the engine's simulation, through the core.
pub(super) struct LivePort {
    pub core: Rc<RefCell<Core>>,
    pub number: u32,
}

impl RoutingPort for LivePort {
    type Wait<'p>
        = Wait<'p>
    where
        Self: 'p;

    fn now(&self) -> f64 {
        self.core.borrow().now_s()
    }

    fn route<'p>(&'p self, request: &RouteRequest<'_>) -> Wait<'p> {
        self.core.borrow_mut().route(self.number, request);
        Wait { port: self }
    }

    fn entered(&self, node: petgraph::graph::NodeIndex) {
        self.core.borrow_mut().entered(self.number, node);
    }

    fn left(&self, node: petgraph::graph::NodeIndex, exit: crate::runtime::Exit) {
        self.core.borrow_mut().left(self.number, node, exit);
    }

    fn userdata_updates(&self) -> Vec<(crate::workitem::Key, crate::expr::Value)> {
        self.core
            .borrow_mut()
            .patches
            .remove(&self.number)
            .unwrap_or_default()
    }
}

impl Drop for LivePort {
    /// A run dropped while it waits (the engine shutting down) is counted runnable again, so that its
    /// guard does not count it out twice.
    fn drop(&mut self) {
        if let Ok(mut core) = self.core.try_borrow_mut()
            && let Some(waker) = core.wakers.get_mut(self.number as usize)
            && waker.take().is_some()
        {
            core.runnable += 1;
        }
    }
}

/// A Route block's wait: ready when the workitem's result is in the mailbox.
pub(super) struct Wait<'p> {
    port: &'p LivePort,
}

impl Future for Wait<'_> {
    type Output = RouteResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RouteResult> {
        let number = self.port.number;
        let mut core = self.port.core.borrow_mut();
        if let Some(at) = core.mailbox.iter().position(|(n, _)| *n == number) {
            return Poll::Ready(core.mailbox.swap_remove(at).1);
        }
        let waker = &mut core.wakers[number as usize];
        let first = waker.is_none();
        *waker = Some(cx.waker().clone());
        if first {
            core.idle_one();
        }
        Poll::Pending
    }
}

pin_project_lite::pin_project! {
    /// A workitem's task: its run through the flow, then its outcome recorded.
    pub(super) struct Task<F> {
        #[pin]
        run: F,
        guard: Guard,
    }
}

impl<F> Task<F> {
    pub fn new(core: Rc<RefCell<Core>>, number: u32, arrive_s: f64, run: F) -> Task<F> {
        let guard = Guard {
            core,
            number,
            arrive_s,
            running: true,
        };
        Task { run, guard }
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

/// Makes sure a task that dies (a bug) still ends its workitem and lets the engine move on.
struct Guard {
    core: Rc<RefCell<Core>>,
    number: u32,
    arrive_s: f64,
    running: bool,
}

impl Guard {
    fn finish(&mut self, ended: Ended) {
        if !self.running {
            return;
        }
        let core = &mut *self.core.borrow_mut();
        let id: Text = core.records[self.number as usize].id.clone();
        let runner = core
            .flows
            .runner(core.records[self.number as usize].flow)
            .clone();
        let outcome = outcome(&runner, id, self.arrive_s, ended, false);
        core.finished(self.number, outcome);
        core.idle_one();
        self.running = false;
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.running {
            return;
        }
        if let Ok(mut core) = self.core.try_borrow_mut() {
            let id = core.records[self.number as usize].id.clone();
            let message =
                "internal error: the workitem's task ended abnormally (a bug in routeflow)";
            core.finished(self.number, Outcome::bad_line(Some(id), message.to_owned()));
            core.idle_one();
        }
    }
}
