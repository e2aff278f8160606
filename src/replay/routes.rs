//! What Route blocks and agents did over a replay, beyond the outcomes: per Route block and per target,
//! how many requests it had and how they ended; per agent group, how busy its agents were. The replay
//! driver counts these as requests are made and end; the summary reports them.

use crate::center::{Center, GroupId};
use crate::expr::Text;
use crate::flow::Flow;
use crate::graph::BlockKind;
use crate::routing::AgentTimes;
use crate::routing::targets::ByWords;
use crate::runtime::RouteResult;
use crate::time::Instant;
use std::collections::HashMap;
use std::sync::Arc;

/// How the requests one Route block made to one target ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RouteTally {
    /// Requests: workitems that entered the block and asked for this target.
    pub offered: u64,
    /// Taken by an agent.
    pub routed: u64,
    /// Not taken within the timeout: on to the next block.
    pub timed_out: u64,
    /// Stopped (abandoned) by the third-party system while waiting.
    pub stopped: u64,
    /// The target could not be used (a computed skill expression that does not parse).
    pub rejected: u64,
    /// The waits of the routed ones, from their arrival (as their outcomes' `wait_s`): in the order
    /// they were routed while the replay runs, ascending once it is done.
    pub waits_s: Vec<f64>,
}

impl RouteTally {
    /// Add `other`'s counts and waits to these (call [`RouteTally::sort_waits`] after the last).
    pub fn merge(&mut self, other: &RouteTally) {
        self.offered += other.offered;
        self.routed += other.routed;
        self.timed_out += other.timed_out;
        self.stopped += other.stopped;
        self.rejected += other.rejected;
        self.waits_s.extend_from_slice(&other.waits_s);
    }

    /// Put the waits in ascending order, as the percentiles need them.
    pub fn sort_waits(&mut self) {
        self.waits_s.sort_by(f64::total_cmp);
    }

    /// The mean wait of the routed ones.
    pub fn mean_wait_s(&self) -> Option<f64> {
        // Summed in whole microseconds (as waits are): exact, whatever the order of the waits.
        let micros: u128 = self
            .waits_s
            .iter()
            .map(|&w| (w * 1e6).round() as u128)
            .sum();
        (!self.waits_s.is_empty()).then(|| micros as f64 / 1e6 / self.waits_s.len() as f64)
    }

    /// The `p`-th percentile (0–100, nearest rank) of the routed ones' waits (once they are ascending).
    pub fn wait_percentile_s(&self, p: f64) -> Option<f64> {
        super::summary::percentile(&self.waits_s, p)
    }
}

/// One Route block's requests, per target.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockRoutes {
    /// The block's id.
    pub block: Arc<str>,
    /// Its target's kind: `agent`, `agent_group` or `skill`.
    pub kind: &'static str,
    /// Per target value (as outcomes show it: computed, secure values masked), in the order first asked.
    pub targets: Vec<(Text, RouteTally)>,
    /// Every target together.
    pub total: RouteTally,
}

impl BlockRoutes {
    /// The block's requests, every target together.
    pub fn total(&self) -> RouteTally {
        self.total.clone()
    }
}

/// One agent group's time over a replay (an agent in two groups counts in both).
#[derive(Clone, Debug, PartialEq)]
pub struct GroupTime {
    /// The group's name.
    pub group: String,
    /// Its agents.
    pub agents: usize,
    /// Workitems its agents worked × seconds.
    pub busy_s: f64,
    /// Capacity units its agents had ready × seconds (see [`AgentTimes`]).
    pub staffed_s: f64,
}

impl GroupTime {
    /// Busy time over ready time (`None` when the group was never ready).
    pub fn occupancy(&self) -> Option<f64> {
        (self.staffed_s > 0.0).then(|| self.busy_s / self.staffed_s)
    }
}

/// What a replay reports beyond its outcomes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replayed {
    /// Every Route block of the flow, in flow order (blocks no workitem entered too).
    pub routes: Vec<BlockRoutes>,
    /// Every agent group of the center, in the order the center first names them.
    pub groups: Vec<GroupTime>,
    /// Every agent of the center together.
    pub agents: Option<GroupTime>,
    /// When the agents' time was measured: from the first arrival to the end of the replay.
    pub measured_s: (f64, f64),
    /// Per block of the flow, how many workitems entered it and how they left it.
    pub coverage: crate::coverage::Coverage,
}

impl Replayed {
    /// The groups' and agents' times from each agent's `times` (in center order).
    pub(super) fn with_times(
        mut self,
        center: &Center,
        times: &[AgentTimes],
        measured_s: (f64, f64),
    ) -> Replayed {
        let sum = |group: String, members: &mut dyn Iterator<Item = usize>| {
            // Summed in whole microseconds, so that a group's times print as exactly as an agent's.
            let mut total = AgentTimes::default();
            let mut agents = 0;
            for agent in members {
                if let Some(t) = times.get(agent) {
                    agents += 1;
                    total.busy_micros += t.busy_micros;
                    total.staffed_micros += t.staffed_micros;
                }
            }
            GroupTime {
                group,
                agents,
                busy_s: total.busy_micros as f64 / 1e6,
                staffed_s: total.staffed_micros as f64 / 1e6,
            }
        };
        self.groups = (0..center.group_count())
            .map(|g| {
                let group = GroupId(u32::try_from(g).unwrap_or(u32::MAX));
                let members = center.agents_in_group(group);
                sum(
                    center.group_name(group).to_owned(),
                    &mut members.iter().map(|a| a.index()),
                )
            })
            .collect();
        self.agents = Some(sum("all agents".to_owned(), &mut (0..times.len())));
        self.measured_s = measured_s;
        self
    }
}

/// Blocks found by the address of their id (see `Routes::by_address`).
const ADDRESSES: usize = 16;

/// A block's slots, by target value.
type SlotsByValue = HashMap<Text, u32, ByWords>;

/// The tallies while a replay runs: one slot per (Route block, target value).
#[derive(Debug, Default)]
pub(super) struct Routes {
    /// Block index by block id.
    blocks: HashMap<Arc<str>, u32, ByWords>,
    /// Block index by where its id is stored: requests name their block by the flow's own id, so the
    /// address tells it without hashing the text (a flow's first few Route blocks only).
    by_address: Vec<(usize, u32)>,
    /// Per block: its id, kind, and slot per target value.
    by_block: Vec<(Arc<str>, &'static str, SlotsByValue)>,
    /// Per block: the last target value asked and its slot (most requests of a block ask what the
    /// one before asked: a literal target, or a table's few values).
    last: Vec<Option<(Text, u32)>>,
    /// Per slot: its block, target value and tally.
    slots: Vec<(u32, Text, RouteTally)>,
}

impl Routes {
    /// Tallies for every Route block of `flow`, none asked yet.
    pub(super) fn of(flow: &Flow) -> Routes {
        let mut routes = Routes::default();
        for (_, block) in flow.graph.blocks() {
            if let BlockKind::Route(route) = &block.kind {
                routes.block(&block.id, route.target.kind());
            }
        }
        routes
    }

    fn block(&mut self, id: &str, kind: &'static str) -> u32 {
        let address = id.as_ptr() as usize;
        if let Some(&(_, index)) = self.by_address.iter().find(|(a, _)| *a == address)
            && self.by_block[index as usize].0.len() == id.len()
        {
            return index;
        }
        let index = match self.blocks.get(id) {
            Some(&index) => index,
            None => {
                let index = u32::try_from(self.by_block.len()).unwrap_or(u32::MAX);
                let id: Arc<str> = id.into();
                self.blocks.insert(id.clone(), index);
                self.by_block.push((id, kind, HashMap::default()));
                self.last.push(None);
                index
            }
        };
        if self.by_address.len() < ADDRESSES && &*self.by_block[index as usize].0 == id {
            self.by_address.push((address, index));
        }
        index
    }

    /// Block `block` (of target kind `kind`) asks for target `value`: its slot.
    pub(super) fn enter(&mut self, block: &str, kind: &'static str, value: &str) -> u32 {
        let index = self.block(block, kind);
        let slots = self.slots.len();
        let slot = match &self.last[index as usize] {
            Some((last, slot)) if last.as_str() == value => *slot,
            _ => {
                let (_, _, targets) = &mut self.by_block[index as usize];
                let (value, slot) = match targets.get_key_value(value) {
                    Some((value, &slot)) => (value.clone(), slot),
                    None => {
                        let slot = u32::try_from(slots).unwrap_or(u32::MAX);
                        let value = Text::new(value);
                        targets.insert(value.clone(), slot);
                        self.slots
                            .push((index, value.clone(), RouteTally::default()));
                        (value, slot)
                    }
                };
                self.last[index as usize] = Some((value, slot));
                slot
            }
        };
        if let Some((_, _, tally)) = self.slots.get_mut(slot as usize) {
            tally.offered += 1;
        }
        slot
    }

    /// The request counted in `slot` ended with `result`; a routed workitem had arrived at `arrive`.
    pub(super) fn end(&mut self, slot: u32, result: &RouteResult, arrive: Instant) {
        let Some((_, _, tally)) = self.slots.get_mut(slot as usize) else {
            return;
        };
        match result {
            RouteResult::Routed { at_s, .. } => {
                tally.routed += 1;
                let wait = Instant::from_seconds(*at_s).since(arrive);
                tally.waits_s.push(wait.seconds());
            }
            RouteResult::TimedOut => tally.timed_out += 1,
            RouteResult::Stopped => tally.stopped += 1,
            RouteResult::Rejected(_) => tally.rejected += 1,
        }
    }

    /// The tallies, per block in flow order (then blocks first asked later), targets in the order
    /// first asked.
    pub(super) fn finish(self) -> Replayed {
        let mut blocks: Vec<BlockRoutes> = self
            .by_block
            .into_iter()
            .map(|(block, kind, _)| BlockRoutes {
                block,
                kind,
                targets: Vec::new(),
                total: RouteTally::default(),
            })
            .collect();
        for (index, value, mut tally) in self.slots {
            if let Some(block) = blocks.get_mut(index as usize) {
                block.total.merge(&tally);
                tally.sort_waits();
                block.targets.push((value, tally));
            }
        }
        for block in &mut blocks {
            block.total.sort_waits();
        }
        Replayed {
            routes: blocks,
            ..Replayed::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routed(at_s: f64) -> RouteResult {
        RouteResult::Routed {
            agent: "a".into(),
            at_s,
            done_s: None,
        }
    }

    #[test]
    fn requests_are_tallied_per_block_and_target_in_the_order_first_asked() {
        let mut routes = Routes::default();
        let first = routes.enter("route_group", "agent_group", "gold");
        routes.end(first, &routed(30.0), Instant::from_seconds(10.0));
        let second = routes.enter("route_skill", "skill", "english > 3");
        routes.end(second, &RouteResult::TimedOut, Instant::ZERO);
        let third = routes.enter("route_group", "agent_group", "bronze");
        routes.end(third, &RouteResult::Stopped, Instant::ZERO);
        let fourth = routes.enter("route_group", "agent_group", "gold");
        assert_eq!(fourth, first);
        routes.end(fourth, &routed(5.0), Instant::ZERO);
        let fifth = routes.enter("route_skill", "skill", "english >");
        routes.end(fifth, &RouteResult::Rejected("bad".into()), Instant::ZERO);
        let replayed = routes.finish();
        let shown: Vec<(String, Vec<(String, u64)>)> = replayed
            .routes
            .iter()
            .map(|b| {
                let targets = b
                    .targets
                    .iter()
                    .map(|(v, t)| (v.to_string(), t.offered))
                    .collect();
                (format!("{} {}", b.block, b.kind), targets)
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "route_group agent_group".to_owned(),
                    vec![("gold".to_owned(), 2), ("bronze".to_owned(), 1)]
                ),
                (
                    "route_skill skill".to_owned(),
                    vec![("english > 3".to_owned(), 1), ("english >".to_owned(), 1)]
                ),
            ]
        );
        let group = replayed.routes[0].total();
        assert_eq!(
            (group.offered, group.routed, group.stopped, group.timed_out),
            (3, 2, 1, 0)
        );
        assert_eq!(group.waits_s, [5.0, 20.0]);
        assert_eq!(group.mean_wait_s(), Some(12.5));
        assert_eq!(group.wait_percentile_s(90.0), Some(20.0));
        let skill = replayed.routes[1].total();
        assert_eq!(
            (skill.timed_out, skill.rejected, skill.mean_wait_s()),
            (1, 1, None)
        );
    }

    #[test]
    fn occupancy_is_busy_over_ready_time_and_none_when_never_ready() {
        let group = |busy_s, staffed_s| GroupTime {
            group: "g".into(),
            agents: 1,
            busy_s,
            staffed_s,
        };
        assert_eq!(group(30.0, 120.0).occupancy(), Some(0.25));
        assert_eq!(group(0.0, 0.0).occupancy(), None);
    }
}
