//! Live routing: what `routeflow serve` adds to the simulation, on the same rules and the same code.
//!
//! A replay's agents follow their ready intervals and are done `handle_s` after they take a workitem;
//! live agents say when they are ready ([`Simulation::set_ready`]) and when they are done
//! ([`Simulation::release`]), and the third party stops workitems when it wants ([`Simulation::stop`]).
//! Live, the agent chosen for a workitem is first **offered** it (unless it has `auto_accept`): the
//! offer holds a unit of the agent's capacity and takes the workitem out of line until the agent
//! accepts ([`Simulation::accept`]: routed), rejects ([`Simulation::reject`]) or lets the offer expire
//! (`offer_timeout_s`). A rejected or expired offer puts the agent not ready (`not_responding`) and the
//! workitem back in its place, with its age and its Route deadline; a Route timeout that passes while
//! the offer is open counts when the offer is answered. Choosing the agent, the order of waiting
//! workitems and capacity are the replay's code: only who decides when things happen differs.

use super::events::{Event, Happening};
use super::simulation::{Resolved, Simulation, Stepped};
use crate::center::{AgentIndex, Center};
use crate::runtime::RouteResult;
use crate::time::{Instant, Span};
use std::collections::HashMap;
use std::sync::Arc;

/// The live part of a simulation.
#[derive(Debug, Default)]
pub(super) struct Live {
    offer_timeout: Span,
    /// Open offers, by workitem number.
    offers: HashMap<u32, Offer>,
    /// Offers made so far: numbers each, so that an expiry event of an earlier offer is stale.
    made: u32,
    notices: Vec<Notice>,
}

/// An open offer.
#[derive(Clone, Copy, Debug)]
struct Offer {
    agent: AgentIndex,
    /// Its number among the offers made (the low bits its expiry event keeps).
    number: u32,
    /// The workitem's Route deadline passed while the offer was open.
    deadline_passed: bool,
}

/// What live routing did that is not the end of a Route request, for the agents' event streams.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// Workitem `item` is offered to `agent` until `expires`.
    Offered {
        /// The workitem's number.
        item: u32,
        /// The agent offered it.
        agent: AgentIndex,
        /// When the offer expires.
        expires: Instant,
    },
    /// The offer of `item` to `agent` is withdrawn.
    Rescinded {
        /// The workitem's number.
        item: u32,
        /// The agent it was offered to.
        agent: AgentIndex,
        /// Why.
        why: Rescinded,
    },
    /// `agent` did not answer the offer of `item`, or rejected it: it is now not ready
    /// (`not_responding`), and the workitem back in line (or timed out).
    NotResponding {
        /// The agent.
        agent: AgentIndex,
        /// The workitem.
        item: u32,
    },
}

/// Why an offer was withdrawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rescinded {
    /// The workitem was stopped.
    Stopped,
    /// The agent did not answer in time.
    Expired,
    /// The agent logged out.
    LoggedOut,
    /// The server restarted: the offer is made again (its desktop may never have seen it).
    Restarted,
}

/// How an offer ends without being accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Declined {
    /// The agent said no: it is put not ready.
    Rejected,
    /// The agent did not answer in time: it is put not ready.
    Expired,
    /// The agent logged out: the offer is withdrawn.
    LoggedOut,
    /// The server restarted: the offer is withdrawn and made again.
    Restarted,
}

/// Why an answer to an offer was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotOffered {
    /// The workitem has no open offer.
    NoOffer,
    /// Its offer is to another agent.
    OtherAgent,
}

impl Simulation {
    /// A live simulation of `center`, at `now`: every agent is logged out until it says it is ready,
    /// and agents are offered workitems for the center's `offer_timeout_s`.
    pub fn live(center: Arc<Center>, now: Instant) -> Simulation {
        let offer_timeout = Span::from_seconds(center.offer_timeout_s());
        let mut sim = Simulation::without_intervals(center);
        sim.now = now;
        sim.live = Some(Box::new(Live {
            offer_timeout,
            ..Live::default()
        }));
        sim
    }

    /// The current time.
    pub fn instant(&self) -> Instant {
        self.now
    }

    /// Handle the next event due at or before `until`; when none is left, the clock moves to `until`
    /// ([`Stepped::Arrival`]). Time never goes back: an `until` before now leaves the clock where it is.
    pub fn advance(&mut self, until: Instant, resolved: &mut Vec<Resolved>) -> Stepped {
        match self.step(Some(until.max(self.now)), resolved) {
            Stepped::Idle => Stepped::Arrival,
            stepped => stepped,
        }
    }

    /// When the next event is due (a Route timeout, an offer expiring), if any is.
    pub fn next_event(&self) -> Option<Instant> {
        self.events.peek().map(|event| event.at)
    }

    /// What live routing did since the last call, in order.
    pub fn take_notices(&mut self) -> Vec<Notice> {
        self.live
            .as_mut()
            .map(|live| std::mem::take(&mut live.notices))
            .unwrap_or_default()
    }

    /// `agent` is ready (takes the best waiting workitems it matches) or not (takes nothing new).
    pub fn set_ready(&mut self, agent: AgentIndex, ready: bool, resolved: &mut Vec<Resolved>) {
        let state = &mut self.agents[agent.index()];
        if state.ready == ready {
            return;
        }
        state.account(self.now);
        state.ready = ready;
        if ready {
            state.since = self.now;
            self.offer(agent, resolved);
        } else {
            self.relist(agent);
        }
    }

    /// `agent` logs out: its open offers are withdrawn, their workitems back in line (or timed out, if
    /// their Route deadline passed during the offer).
    pub fn withdraw_offers(&mut self, agent: AgentIndex, resolved: &mut Vec<Resolved>) {
        let Some(live) = self.live.as_ref() else {
            return;
        };
        let mut offered: Vec<u32> = live
            .offers
            .iter()
            .filter(|(_, offer)| offer.agent == agent)
            .map(|(&item, _)| item)
            .collect();
        offered.sort_unstable();
        for item in offered {
            self.decline(item, Declined::LoggedOut, resolved);
        }
    }

    /// The server restarted: every open offer is rescinded, its agent left as it was, and its workitem
    /// back in its place, offered again to the best candidate (often the same agent).
    pub fn reoffer_all(&mut self, resolved: &mut Vec<Resolved>) {
        let Some(live) = self.live.as_ref() else {
            return;
        };
        let mut offered: Vec<u32> = live.offers.keys().copied().collect();
        offered.sort_unstable();
        for item in offered {
            self.decline(item, Declined::Restarted, resolved);
        }
    }

    /// `agent` is done with a workitem: its capacity frees, and it takes the next one it can.
    pub fn release(&mut self, agent: AgentIndex, resolved: &mut Vec<Resolved>) {
        let state = &mut self.agents[agent.index()];
        state.account(self.now);
        state.load = state.load.saturating_sub(1);
        state.since = self.now;
        self.offer(agent, resolved);
    }

    /// Stop workitem `number` if it is waiting or offered (its request ends `Stopped`); false if its
    /// request is not open.
    pub fn stop(&mut self, number: u32, resolved: &mut Vec<Resolved>) -> bool {
        if self.is_offered(number) {
            self.deadline_during_offer(number, Happening::Stop, resolved);
            return true;
        }
        let Some(state) = self.items.get_mut(number as usize) else {
            return false;
        };
        let Some((target, place)) = state.waiting(number) else {
            return false;
        };
        state.target = None;
        if self.targets.get_mut(target).waiting.remove(&place) {
            self.waiting -= 1;
        }
        resolved.push((number, RouteResult::Stopped));
        true
    }

    /// `agent` accepts the offer of workitem `number`: routed now.
    pub fn accept(
        &mut self,
        number: u32,
        agent: AgentIndex,
        resolved: &mut Vec<Resolved>,
    ) -> Result<(), NotOffered> {
        self.answerable(number, agent)?;
        self.take_offer(number);
        self.items[number as usize].target = None;
        let routed = RouteResult::Routed {
            agent: self.agents[agent.index()].id.clone(),
            at_s: self.now.seconds(),
            done_s: None,
        };
        resolved.push((number, routed));
        Ok(())
    }

    /// `agent` rejects the offer of workitem `number`: the agent is not ready, the workitem back in line.
    pub fn reject(
        &mut self,
        number: u32,
        agent: AgentIndex,
        resolved: &mut Vec<Resolved>,
    ) -> Result<(), NotOffered> {
        self.answerable(number, agent)?;
        self.decline(number, Declined::Rejected, resolved);
        Ok(())
    }

    /// The agent workitem `number` is offered to, when it is.
    pub fn offered_to(&self, number: u32) -> Option<AgentIndex> {
        let live = self.live.as_ref()?;
        live.offers.get(&number).map(|offer| offer.agent)
    }

    fn answerable(&self, number: u32, agent: AgentIndex) -> Result<(), NotOffered> {
        match self.offered_to(number) {
            None => Err(NotOffered::NoOffer),
            Some(to) if to != agent => Err(NotOffered::OtherAgent),
            Some(_) => Ok(()),
        }
    }

    /// Whether `agent` is offered workitems before it takes them (live, without `auto_accept`).
    pub(super) fn offers_to(&self, agent: AgentIndex) -> bool {
        self.live.is_some() && !self.center[agent].auto_accept
    }

    /// Whether workitem `number` is offered to an agent now.
    pub(super) fn is_offered(&self, number: u32) -> bool {
        self.offered_to(number).is_some()
    }

    /// Offer workitem `number` (out of line, its place kept) to `agent`, holding a unit of its capacity.
    pub(super) fn offer_to(&mut self, agent: AgentIndex, number: u32) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        live.made = live.made.wrapping_add(1);
        let expires = self.now.after(live.offer_timeout);
        let offer = Offer {
            agent,
            number: live.made,
            deadline_passed: false,
        };
        live.offers.insert(number, offer);
        live.notices.push(Notice::Offered {
            item: number,
            agent,
            expires,
        });
        self.events.push(Event {
            at: expires,
            what: Happening::OfferExpires,
            who: number,
            wait: offer.number,
        });
        let state = &mut self.agents[agent.index()];
        state.account(self.now);
        state.load += 1;
        state.since = self.now;
        self.relist(agent);
    }

    /// The workitem's stop or Route timeout came while it is offered: a stop withdraws the offer and
    /// ends the request; a timeout is remembered until the offer is answered.
    pub(super) fn deadline_during_offer(
        &mut self,
        number: u32,
        what: Happening,
        resolved: &mut Vec<Resolved>,
    ) {
        if what != Happening::Stop {
            if let Some(offer) = self.live.as_mut().and_then(|l| l.offers.get_mut(&number)) {
                offer.deadline_passed = true;
            }
            return;
        }
        let Some(offer) = self.take_offer(number) else {
            return;
        };
        if let Some(live) = self.live.as_mut() {
            live.notices.push(Notice::Rescinded {
                item: number,
                agent: offer.agent,
                why: Rescinded::Stopped,
            });
        }
        self.items[number as usize].target = None;
        resolved.push((number, RouteResult::Stopped));
        self.release_offer(offer.agent, resolved);
    }

    /// The expiry event of offer `offer_number` of workitem `number` came.
    pub(super) fn offer_expires(
        &mut self,
        number: u32,
        offer_number: u32,
        resolved: &mut Vec<Resolved>,
    ) {
        let current = self
            .live
            .as_ref()
            .and_then(|live| live.offers.get(&number))
            .is_some_and(|offer| super::events::wait_bits(offer.number) == u64::from(offer_number));
        if current {
            self.decline(number, Declined::Expired, resolved);
        }
    }

    /// The offer of workitem `number` is rejected, expired or withdrawn: a rejecting or silent agent is
    /// put not ready, and the workitem times out if its deadline passed meanwhile, or goes back to its
    /// place (and to an available candidate at once, if one is).
    fn decline(&mut self, number: u32, how: Declined, resolved: &mut Vec<Resolved>) {
        let Some(offer) = self.take_offer(number) else {
            return;
        };
        let agent = offer.agent;
        if let Some(live) = self.live.as_mut() {
            let why = match how {
                Declined::Rejected => None,
                Declined::Expired => Some(Rescinded::Expired),
                Declined::LoggedOut => Some(Rescinded::LoggedOut),
                Declined::Restarted => Some(Rescinded::Restarted),
            };
            if let Some(why) = why {
                live.notices.push(Notice::Rescinded {
                    item: number,
                    agent,
                    why,
                });
            }
            if matches!(how, Declined::Rejected | Declined::Expired) {
                live.notices.push(Notice::NotResponding {
                    agent,
                    item: number,
                });
            }
        }
        let state = &mut self.agents[agent.index()];
        state.account(self.now);
        state.load = state.load.saturating_sub(1);
        if how != Declined::Restarted {
            state.ready = false;
        }
        self.relist(agent);
        let state = &mut self.items[number as usize];
        if offer.deadline_passed {
            state.target = None;
            resolved.push((number, RouteResult::TimedOut));
            return;
        }
        let Some((target, place)) = state.waiting(number) else {
            return;
        };
        self.targets.get_mut(target).waiting.insert(place);
        self.waiting += 1;
        // A candidate available now (none was when the offer was made, or it would have been offered
        // first) takes the best waiting workitem, as when it frees.
        if let Some(&(_, other)) = self.targets.get(target).idle.first() {
            self.offer(other, resolved);
        }
    }

    /// Remove and return the open offer of workitem `number`.
    fn take_offer(&mut self, number: u32) -> Option<Offer> {
        self.live.as_mut()?.offers.remove(&number)
    }

    /// The capacity an offer held comes back to `agent`, who takes the next workitem it can.
    fn release_offer(&mut self, agent: AgentIndex, resolved: &mut Vec<Resolved>) {
        let state = &mut self.agents[agent.index()];
        state.account(self.now);
        state.load = state.load.saturating_sub(1);
        self.offer(agent, resolved);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::runtime::{RouteRequest, RouteTarget};

    fn live(yaml: &str) -> Simulation {
        let center = Center::parse(&SourceFile::new("center.yaml", yaml)).expect("a center");
        Simulation::live(Arc::new(center), Instant::ZERO)
    }

    fn ask(sim: &mut Simulation, number: u32, group: &str, timeout_s: f64) -> Option<RouteResult> {
        sim.add(number, super::super::Item::live(sim.instant()));
        let frame = crate::runtime::Frame::default();
        let request = RouteRequest {
            frame: &frame,
            block: "route",
            target: RouteTarget::AgentGroup(group),
            timeout_s,
            priority: 0,
        };
        sim.request(number, &request)
    }

    fn at(seconds: f64) -> Instant {
        Instant::from_seconds(seconds)
    }

    /// Run the clock to `seconds`, collecting what ended.
    fn run_to(sim: &mut Simulation, seconds: f64) -> Vec<Resolved> {
        let mut resolved = Vec::new();
        while sim.advance(at(seconds), &mut resolved) == Stepped::Event {}
        resolved
    }

    const TWO: &str =
        "offer_timeout_s: 30\nagents:\n  - { id: a, groups: [g] }\n  - { id: b, groups: [g] }\n";

    #[test]
    fn agents_start_logged_out_and_are_offered_work_when_ready() {
        let mut sim = live(TWO);
        assert_eq!(ask(&mut sim, 0, "g", 120.0), None);
        assert_eq!(sim.waiting(), 1);
        let mut resolved = Vec::new();
        sim.set_ready(AgentIndex(1), true, &mut resolved);
        assert!(resolved.is_empty(), "offered, not routed");
        assert_eq!(sim.offered_to(0), Some(AgentIndex(1)));
        assert_eq!(
            sim.take_notices(),
            [Notice::Offered {
                item: 0,
                agent: AgentIndex(1),
                expires: at(30.0)
            }]
        );
        assert_eq!(
            sim.accept(0, AgentIndex(0), &mut resolved),
            Err(NotOffered::OtherAgent)
        );
        sim.accept(0, AgentIndex(1), &mut resolved)
            .expect("its offer");
        assert!(
            matches!(&resolved[..], [(0, RouteResult::Routed { agent, done_s: None, .. })] if &**agent == "b")
        );
        assert_eq!(sim.waiting(), 0);
        // The offer's expiry event is stale now.
        assert!(run_to(&mut sim, 200.0).is_empty());
    }

    #[test]
    fn a_rejected_offer_puts_the_agent_not_ready_and_the_workitem_back_with_its_deadline() {
        let mut sim = live(TWO);
        let mut resolved = Vec::new();
        sim.set_ready(AgentIndex(0), true, &mut resolved);
        assert_eq!(ask(&mut sim, 0, "g", 120.0), None);
        assert_eq!(sim.offered_to(0), Some(AgentIndex(0)));
        run_to(&mut sim, 10.0);
        sim.reject(0, AgentIndex(0), &mut resolved)
            .expect("its offer");
        assert!(resolved.is_empty());
        assert_eq!(sim.offered_to(0), None);
        assert_eq!(sim.waiting(), 1, "back in line");
        sim.take_notices();
        // Agent a is not ready: b, becoming ready, is offered it; b lets it expire after 30 s.
        sim.set_ready(AgentIndex(1), true, &mut resolved);
        assert_eq!(sim.offered_to(0), Some(AgentIndex(1)));
        assert!(run_to(&mut sim, 40.0).is_empty());
        assert_eq!(
            sim.take_notices()[1..],
            [
                Notice::Rescinded {
                    item: 0,
                    agent: AgentIndex(1),
                    why: Rescinded::Expired
                },
                Notice::NotResponding {
                    agent: AgentIndex(1),
                    item: 0
                }
            ]
        );
        // Nobody is ready: the Route deadline (120 s after it entered at 0) still holds.
        let ended = run_to(&mut sim, 200.0);
        assert_eq!(ended, [(0, RouteResult::TimedOut)]);
        assert_eq!(sim.instant(), at(200.0));
    }

    #[test]
    fn a_timeout_during_an_offer_counts_when_the_offer_is_answered() {
        let mut sim = live(TWO);
        let mut resolved = Vec::new();
        sim.set_ready(AgentIndex(0), true, &mut resolved);
        assert_eq!(ask(&mut sim, 0, "g", 10.0), None);
        assert!(run_to(&mut sim, 20.0).is_empty(), "the offer stands");
        sim.reject(0, AgentIndex(0), &mut resolved)
            .expect("its offer");
        assert_eq!(resolved, [(0, RouteResult::TimedOut)]);
    }

    #[test]
    fn a_stop_rescinds_an_offer_and_frees_the_agent() {
        let mut sim = live(TWO);
        let mut resolved = Vec::new();
        sim.set_ready(AgentIndex(0), true, &mut resolved);
        assert_eq!(ask(&mut sim, 0, "g", 120.0), None);
        assert_eq!(ask(&mut sim, 1, "g", 120.0), None);
        assert_eq!(sim.offered_to(1), None, "a has capacity 1: w1 waits");
        sim.take_notices();
        assert!(sim.stop(0, &mut resolved));
        assert_eq!(resolved, [(0, RouteResult::Stopped)]);
        assert_eq!(
            sim.offered_to(1),
            Some(AgentIndex(0)),
            "a is offered the next"
        );
        assert!(!sim.stop(0, &mut resolved), "already ended");
    }

    #[test]
    fn auto_accept_routes_at_once_and_done_frees_capacity() {
        let mut sim = live("agents:\n  - { id: a, groups: [g], auto_accept: true }\n");
        let mut resolved = Vec::new();
        sim.set_ready(AgentIndex(0), true, &mut resolved);
        assert!(matches!(
            ask(&mut sim, 0, "g", 120.0),
            Some(RouteResult::Routed { .. })
        ));
        assert_eq!(ask(&mut sim, 1, "g", 120.0), None);
        run_to(&mut sim, 5.0);
        sim.release(AgentIndex(0), &mut resolved);
        assert!(matches!(&resolved[..], [(1, RouteResult::Routed { at_s, .. })] if *at_s == 5.0));
    }
}
