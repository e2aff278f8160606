//! The simulated contact center (SPEC §5.3): a discrete-event simulation in virtual time.

use super::agents::{AgentState, AgentTime};
use super::events::{Event, Events, Happening};
use super::targets::{Place, TargetId, Targets};
use crate::center::{AgentIndex, Center};
use crate::runtime::{RouteRequest, RouteResult};
use crate::time::{Instant, Span};
use std::cmp::Reverse;
use std::sync::Arc;

/// A workitem as routing sees it.
#[derive(Clone, Copy, Debug)]
pub struct Item {
    /// When it arrived.
    pub arrive: Instant,
    /// How long an agent works it; `None` live, where the agent or the third party says when it is done.
    pub handle: Option<Span>,
    /// When the third-party system stops it if it is still waiting ([`Instant::NEVER`]: never).
    pub stop: Instant,
}

impl Item {
    /// A workitem arrived at `arrive_s`, worked `handle_s`, stopped at `stop_s` (infinity: never), in
    /// seconds as the readers keep them (rounded to the microsecond, so the conversion is exact).
    pub fn from_seconds(arrive_s: f64, handle_s: f64, stop_s: f64) -> Item {
        Item {
            arrive: Instant::from_seconds(arrive_s),
            handle: Some(Span::from_seconds(handle_s)),
            stop: Instant::from_seconds(stop_s),
        }
    }

    /// A live workitem arriving at `arrive`: worked until it is marked done, stopped only when told.
    pub fn live(arrive: Instant) -> Item {
        Item {
            arrive,
            handle: None,
            stop: Instant::NEVER,
        }
    }
}

/// A workitem's routing state: every workitem has one, so it keeps no more than it must (its place in
/// line is made again from its target, priority, arrival and number).
#[derive(Clone, Copy, Debug)]
pub(super) struct ItemState {
    pub(super) item: Item,
    /// The target it waits for, when it does (also while it is offered to an agent, so that it can go
    /// back to its place).
    pub(super) target: Option<TargetId>,
    /// Its priority there.
    pub(super) priority: i64,
    /// Counts its waits, so that the events of an earlier wait are recognised as stale.
    pub(super) wait: u32,
}

impl ItemState {
    fn new(item: Item) -> ItemState {
        ItemState {
            item,
            target: None,
            priority: 0,
            wait: 0,
        }
    }

    /// Where workitem `number` waits, when it does.
    pub(super) fn waiting(&self, number: u32) -> Option<(TargetId, Place)> {
        self.target.map(|target| {
            let place = Place {
                priority: Reverse(self.priority),
                arrive: self.item.arrive,
                item: number,
            };
            (target, place)
        })
    }
}

/// How one agent spent a replay, from the first arrival to the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgentTimes {
    /// Workitems worked × microseconds.
    pub busy_micros: u128,
    /// Capacity units able to work × microseconds: ready (or still working after its ready interval
    /// ended).
    pub staffed_micros: u128,
}

/// A request that ended while the simulation ran: the workitem's number and how.
pub type Resolved = (u32, RouteResult);

/// What [`Simulation::step`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stepped {
    /// It handled an event (which may have ended requests).
    Event,
    /// Time moved to the arrival the caller announced, which is now due.
    Arrival,
    /// Nothing is left to happen.
    Idle,
}

/// The contact center in motion: agents, waiting workitems, future events, and the virtual clock.
///
/// Workitems are numbered by the caller in input order; the number breaks ties between waiting workitems.
/// The simulation is synchronous and deterministic; the replay drives it and wakes the workitem tasks
/// whose requests end.
#[derive(Debug)]
pub struct Simulation {
    pub(super) center: Arc<Center>,
    pub(super) now: Instant,
    pub(super) agents: Vec<AgentState>,
    pub(super) targets: Targets,
    pub(super) items: Vec<ItemState>,
    pub(super) events: Events,
    pub(super) waiting: usize,
    /// Since when agents' time is measured (see [`Simulation::agent_times`]).
    pub(super) measured_from: Instant,
    /// Live only: offers made and not answered, and what live routing reports (see [`super::live`]).
    pub(super) live: Option<Box<super::live::Live>>,
}

impl Simulation {
    /// A simulation of `center` at time 0, with every agent's ready intervals scheduled.
    pub fn new(center: Arc<Center>) -> Simulation {
        Simulation::build(center, true)
    }

    /// A simulation of `center` at time 0 whose agents are not ready until told (live).
    pub(super) fn without_intervals(center: Arc<Center>) -> Simulation {
        Simulation::build(center, false)
    }

    fn build(center: Arc<Center>, intervals: bool) -> Simulation {
        let mut events = Events::default();
        // Every place, removed agents' too: `AgentIndex` `i` is `agents[i]`.
        let agents = (0..center.agents().len())
            .map(|i| AgentIndex(u32::try_from(i).unwrap_or(u32::MAX)))
            .map(|index| {
                let agent = &center[index];
                for &(start, end) in agent.ready.iter().filter(|_| intervals) {
                    let who = index.0;
                    events.push(Event {
                        at: Instant::from_seconds(start),
                        what: Happening::ReadyStarts,
                        who,
                        wait: 0,
                    });
                    let end = Instant::from_seconds(end);
                    if end.comes() {
                        events.push(Event {
                            at: end,
                            what: Happening::ReadyEnds,
                            who,
                            wait: 0,
                        });
                    }
                }
                AgentState {
                    id: agent.id.as_str().into(),
                    capacity: agent.capacity,
                    load: 0,
                    ready: false,
                    since: Instant::ZERO,
                    listed: None,
                    targets: Vec::new(),
                    time: AgentTime::default(),
                }
            })
            .collect();
        Simulation {
            center,
            now: Instant::ZERO,
            agents,
            targets: Targets::default(),
            items: Vec::new(),
            events,
            waiting: 0,
            measured_from: Instant::ZERO,
            live: None,
        }
    }

    /// The current virtual time, in seconds.
    pub fn now(&self) -> f64 {
        self.now.seconds()
    }

    /// The center simulated.
    pub fn center(&self) -> &Center {
        &self.center
    }

    /// Number of workitems waiting now.
    pub fn waiting(&self) -> usize {
        self.waiting
    }

    /// When workitem `number` arrived (time 0 for a number never registered).
    pub fn arrival(&self, number: u32) -> Instant {
        self.items
            .get(number as usize)
            .map_or(Instant::ZERO, |state| state.item.arrive)
    }

    /// Each agent's time, in center order, from the first arrival until now (the end of a replay):
    /// the time it worked workitems and the time it could have, in seconds weighted by capacity units
    /// (see `docs/routing.md`, "Summary"). Routing never reads them.
    pub fn agent_times(&mut self) -> Vec<AgentTimes> {
        let now = self.now;
        self.agents
            .iter_mut()
            .map(|state| {
                state.account(now);
                AgentTimes {
                    busy_micros: state.time.busy,
                    staffed_micros: state.time.staffed,
                }
            })
            .collect()
    }

    /// When the agents' time started to be measured: the first arrival.
    pub fn measured_from(&self) -> Instant {
        self.measured_from
    }

    /// Make room for `n` workitems at once (a replay knows how many it has).
    pub fn reserve(&mut self, n: usize) {
        self.items.reserve_exact(n.saturating_sub(self.items.len()));
        self.events.reserve(n);
    }

    /// Register workitem number `number` (numbers are the input order; any order of registration).
    pub fn add(&mut self, number: u32, item: Item) {
        if self.items.is_empty() {
            // The agents' time is measured from the first arrival: the hours of a shift before any
            // workitem came are not the replay's.
            self.measured_from = self.now;
            for state in &mut self.agents {
                state.account(self.now);
                state.time.busy = 0;
                state.time.staffed = 0;
            }
        }
        let index = number as usize;
        if self.items.len() <= index {
            self.items.resize(index + 1, ItemState::new(item));
        }
        self.items[index] = ItemState::new(item);
    }

    /// Workitem `number` enters a Route block now. Returns how the request ended when it ended at
    /// once (routed to an idle candidate, rejected, or stopped); `None` when the workitem now waits, and
    /// a later [`Simulation::step`] ends the request.
    pub fn request(&mut self, number: u32, request: &RouteRequest<'_>) -> Option<RouteResult> {
        let target = match self.targets.intern(&request.target, &self.center) {
            Ok((target, new)) => {
                if new {
                    self.enlist(target);
                }
                target
            }
            Err(message) => return Some(RouteResult::Rejected(message)),
        };
        let idle = self
            .targets
            .get(target)
            .idle
            .first()
            .map(|&(_, agent)| agent);
        if let Some(agent) = idle.filter(|&agent| !self.offers_to(agent)) {
            return Some(self.assign(agent, number));
        }
        let state = &mut self.items[number as usize];
        if state.item.stop <= self.now {
            return Some(RouteResult::Stopped);
        }
        let place = Place {
            priority: Reverse(request.priority),
            arrive: state.item.arrive,
            item: number,
        };
        state.wait = state.wait.wrapping_add(1);
        state.target = Some(target);
        state.priority = request.priority;
        let deadline = self.now.after(Span::from_seconds(request.timeout_s));
        let (at, what) = if state.item.stop <= deadline {
            (state.item.stop, Happening::Stop)
        } else {
            (deadline, Happening::Timeout)
        };
        let wait = state.wait;
        self.events.push(Event {
            at,
            what,
            who: number,
            wait,
        });
        match idle {
            // Live, to an agent who is asked first: offered now, waiting in the meantime.
            Some(agent) => self.offer_to(agent, number),
            None => {
                self.targets.get_mut(target).waiting.insert(place);
                self.waiting += 1;
            }
        }
        None
    }

    /// Handle the next event, unless an arrival at `arrival_s` comes first (arrivals come after the
    /// events of their instant). Requests that end are appended to `resolved`, in the order they end.
    pub fn step(&mut self, arrival: Option<Instant>, resolved: &mut Vec<Resolved>) -> Stepped {
        let next = self.events.peek().map(|event| event.at);
        match (next, arrival) {
            (Some(at), Some(arrival)) if arrival < at => {
                self.now = arrival;
                Stepped::Arrival
            }
            (None, Some(arrival)) => {
                self.now = arrival;
                Stepped::Arrival
            }
            (None, None) => Stepped::Idle,
            (Some(_), _) => {
                if let Some(event) = self.events.pop() {
                    self.now = event.at;
                    self.handle(event, resolved);
                }
                Stepped::Event
            }
        }
    }

    fn handle(&mut self, event: Event, resolved: &mut Vec<Resolved>) {
        let agent = AgentIndex(event.who);
        match event.what {
            Happening::ReadyStarts => {
                let state = &mut self.agents[agent.index()];
                state.account(self.now);
                state.ready = true;
                state.since = self.now;
                self.offer(agent, resolved);
            }
            Happening::ReadyEnds => {
                let state = &mut self.agents[agent.index()];
                state.account(self.now);
                state.ready = false;
                self.relist(agent);
            }
            Happening::Done => {
                let state = &mut self.agents[agent.index()];
                state.account(self.now);
                state.load = state.load.saturating_sub(1);
                state.since = self.now;
                self.offer(agent, resolved);
            }
            Happening::OfferExpires => self.offer_expires(event.who, event.wait, resolved),
            Happening::Stop | Happening::Timeout => {
                let number = event.who;
                let state = &mut self.items[number as usize];
                if super::events::wait_bits(state.wait) != u64::from(event.wait) {
                    return;
                }
                if self.is_offered(number) {
                    // An offer is not cut short by the Route timeout: it counts when the offer is
                    // answered (see `super::live`). A stop rescinds it.
                    self.deadline_during_offer(number, event.what, resolved);
                    return;
                }
                let state = &mut self.items[number as usize];
                if let Some((target, place)) = state.waiting(number) {
                    state.target = None;
                    self.targets.get_mut(target).waiting.remove(&place);
                    self.waiting -= 1;
                    let result = if event.what == Happening::Stop {
                        RouteResult::Stopped
                    } else {
                        RouteResult::TimedOut
                    };
                    resolved.push((number, result));
                }
            }
        }
    }

    /// `agent` has capacity or became ready: it takes the best waiting workitems it matches while it
    /// can (live, it is offered them), then is listed as available if it still is.
    pub(super) fn offer(&mut self, agent: AgentIndex, resolved: &mut Vec<Resolved>) {
        while self.agents[agent.index()].available() {
            let best = self.agents[agent.index()]
                .targets
                .iter()
                .filter_map(|&t| self.targets.get(t).waiting.first().map(|p| (*p, t)))
                .min();
            let Some((place, target)) = best else { break };
            self.targets.get_mut(target).waiting.remove(&place);
            self.waiting -= 1;
            if self.offers_to(agent) {
                self.offer_to(agent, place.item);
                continue;
            }
            self.items[place.item as usize].target = None;
            let result = self.assign(agent, place.item);
            resolved.push((place.item, result));
        }
        self.relist(agent);
    }

    /// `agent` takes workitem `number` now; in a replay, it is done `handle_s` later.
    fn assign(&mut self, agent: AgentIndex, number: u32) -> RouteResult {
        let handle = self.items[number as usize].item.handle;
        let state = &mut self.agents[agent.index()];
        state.account(self.now);
        state.load += 1;
        state.since = self.now;
        let done = handle.map(|handle| self.now.after(handle));
        let routed = RouteResult::Routed {
            agent: state.id.clone(),
            at_s: self.now.seconds(),
            done_s: done.map(Instant::seconds),
        };
        if let Some(done) = done {
            self.events.push(Event {
                at: done,
                what: Happening::Done,
                who: agent.0,
                wait: 0,
            });
        }
        self.relist(agent);
        routed
    }

    /// Put `agent` in its targets' idle sets under its current `since` if it is available, and out of
    /// them if not.
    pub(super) fn relist(&mut self, agent: AgentIndex) {
        let state = &mut self.agents[agent.index()];
        let wanted = state.available().then_some(state.since);
        if wanted == state.listed {
            return;
        }
        let old = std::mem::replace(&mut state.listed, wanted);
        for &target in &state.targets {
            let idle = &mut self.targets.get_mut(target).idle;
            if let Some(since) = old {
                idle.remove(&(since, agent));
            }
            if let Some(since) = wanted {
                idle.insert((since, agent));
            }
        }
    }

    /// A new target: its candidates learn they are, and the available ones are listed as idle.
    fn enlist(&mut self, target: TargetId) {
        let candidates = std::mem::take(&mut self.targets.get_mut(target).candidates);
        for &agent in &candidates {
            let state = &mut self.agents[agent.index()];
            state.targets.push(target);
            if let Some(since) = state.listed {
                self.targets.get_mut(target).idle.insert((since, agent));
            }
        }
        self.targets.get_mut(target).candidates = candidates;
    }
}
