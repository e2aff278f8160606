//! Two replays of the same workitems compared (`routeflow diff`, SPEC §10): the old and the new side
//! (two flows, or one flow with a data table replaced) run on the same input, and their outcomes are
//! compared **by input line**: line `n` of one side against line `n` of the other (the same workitem, as
//! both read the same input). A workitem changed when its outcome kind, agent, Route block, target, wait
//! or user data differ; error messages are not compared (they name each side's own flow file), so a
//! bad input line, an `error` on both sides, is the same. Blocks are counted as the trace shows them
//! entered; both sides' summaries are kept to be shown side by side. [`render`] prints the result.

pub mod render;

use crate::expr::Text;
use crate::replay::{Kind, Outcome, Replayed, Shown, Summary};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// What about a workitem changed, in the order reports list them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Aspect {
    /// `routed`, `unrouted`, `stopped`, `error`.
    Outcome,
    /// The Route block that routed it.
    Block,
    /// That block's target.
    Target,
    /// The agent that took it.
    Agent,
    /// Its wait.
    Wait,
    /// Its user data when the flow ended.
    Userdata,
}

impl Aspect {
    /// Every aspect, in report order.
    pub const ALL: [Aspect; 6] = [
        Aspect::Outcome,
        Aspect::Block,
        Aspect::Target,
        Aspect::Agent,
        Aspect::Wait,
        Aspect::Userdata,
    ];

    /// The name `--json` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Aspect::Outcome => "outcome",
            Aspect::Block => "block",
            Aspect::Target => "target",
            Aspect::Agent => "agent",
            Aspect::Wait => "wait",
            Aspect::Userdata => "userdata",
        }
    }
}

/// What one side's outcome for a workitem was, as far as a diff reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Brief {
    /// How it ended.
    pub kind: Kind,
    /// Who took it.
    pub agent: Option<Arc<str>>,
    /// The Route block that routed it.
    pub block: Option<Arc<str>>,
    /// That block's target: kind and value.
    pub target: Option<(&'static str, Text)>,
    /// Its wait.
    pub wait_s: Option<f64>,
    /// Its error, for `error` outcomes.
    pub error: Option<String>,
}

impl Brief {
    fn of(outcome: &Outcome) -> Brief {
        Brief {
            kind: outcome.kind,
            agent: outcome.agent.clone(),
            block: outcome.block.clone(),
            target: outcome.target.clone(),
            wait_s: outcome.wait_s,
            error: outcome.error.clone(),
        }
    }
}

/// A workitem whose outcome changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Its input line (1 for the first).
    pub line: usize,
    /// Its id, as the new side read it (`None` for a line without a readable id).
    pub id: Option<Text>,
    /// What changed, in [`Aspect::ALL`] order.
    pub aspects: Vec<Aspect>,
    /// The old side's outcome.
    pub old: Brief,
    /// The new side's outcome.
    pub new: Brief,
    /// User-data keys whose value differs (or that one side only has), in the new side's order then
    /// the old side's.
    pub userdata_keys: Vec<String>,
}

impl Change {
    /// How much longer the new side waited, when both waited (negative: shorter).
    pub fn wait_delta_s(&self) -> Option<f64> {
        Some(seconds_between(self.old.wait_s?, self.new.wait_s?))
    }
}

/// `to_s - from_s` to the microsecond (both are whole microseconds, so this is exact).
fn seconds_between(from_s: f64, to_s: f64) -> f64 {
    let micros = |s: f64| (s * 1e6).round() as i64;
    (micros(to_s) - micros(from_s)) as f64 / 1e6
}

/// How the waits of workitems that waited on both sides moved.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WaitMoves {
    /// Workitems with a wait on both sides.
    pub compared: usize,
    /// Of those, how many waited longer on the new side.
    pub longer: usize,
    /// Of those, how many waited less.
    pub shorter: usize,
    /// The sum of (new − old) over them, in microseconds (exact).
    delta_micros: i128,
}

impl WaitMoves {
    /// The mean of (new wait − old wait) over the workitems compared.
    pub fn mean_delta_s(&self) -> Option<f64> {
        (self.compared > 0).then(|| self.delta_micros as f64 / 1e6 / self.compared as f64)
    }
}

/// One side of a diff: its flow's blocks and what entered them.
#[derive(Clone, Debug, Default)]
pub struct Side {
    /// The flow's blocks, in flow order.
    pub blocks: Vec<Arc<str>>,
    /// The same, to look up.
    known: HashSet<Arc<str>>,
    /// Workitems that entered each block (as their traces show).
    entered: HashMap<Arc<str>, u64>,
    /// Its summary.
    pub summary: Summary,
}

impl Side {
    /// A side whose flow has `blocks` (flow order), summed up with `summary` (empty).
    pub fn new(blocks: Vec<Arc<str>>, summary: Summary) -> Side {
        Side {
            known: blocks.iter().cloned().collect(),
            blocks,
            entered: HashMap::new(),
            summary,
        }
    }

    fn add(&mut self, outcome: &Outcome) {
        self.summary.add(outcome);
        for step in outcome.trace.iter().flatten() {
            *self.entered.entry(step.block.clone()).or_default() += 1;
        }
    }

    fn has(&self, block: &str) -> bool {
        self.known.contains(block) || self.entered.contains_key(block)
    }
}

/// A block's entries on both sides (`None`: that side's flow has no such block).
#[derive(Clone, Debug, PartialEq)]
pub struct BlockCounts {
    /// The block's id.
    pub block: Arc<str>,
    /// Workitems that entered it on the old side.
    pub old: Option<u64>,
    /// On the new side.
    pub new: Option<u64>,
}

impl BlockCounts {
    /// New minus old, a block one side lacks counting 0 there.
    pub fn delta(&self) -> i64 {
        let count = |n: Option<u64>| i64::try_from(n.unwrap_or(0)).unwrap_or(i64::MAX);
        count(self.new) - count(self.old)
    }
}

/// Two replays compared, workitem by workitem as their outcomes come.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The old side.
    pub old: Side,
    /// The new side.
    pub new: Side,
    workitems: usize,
    changes: Vec<Change>,
    by_aspect: BTreeMap<Aspect, usize>,
    transitions: BTreeMap<(Kind, Kind), usize>,
    waits: WaitMoves,
}

impl Comparison {
    /// A comparison of `old` and `new`, nothing compared yet.
    pub fn new(old: Side, new: Side) -> Comparison {
        Comparison {
            old,
            new,
            workitems: 0,
            changes: Vec::new(),
            by_aspect: BTreeMap::new(),
            transitions: BTreeMap::new(),
            waits: WaitMoves::default(),
        }
    }

    /// Compare the outcomes both sides gave the workitem of the next input line.
    pub fn add(&mut self, old: &Outcome, new: &Outcome) {
        self.workitems += 1;
        let line = self.workitems;
        self.old.add(old);
        self.new.add(new);
        let mut aspects = Vec::new();
        if old.kind != new.kind {
            aspects.push(Aspect::Outcome);
            *self.transitions.entry((old.kind, new.kind)).or_default() += 1;
        }
        if old.block != new.block {
            aspects.push(Aspect::Block);
        }
        if old.target != new.target {
            aspects.push(Aspect::Target);
        }
        if old.agent != new.agent {
            aspects.push(Aspect::Agent);
        }
        if let (Some(old_s), Some(new_s)) = (old.wait_s, new.wait_s) {
            let delta = (new_s * 1e6).round() as i128 - (old_s * 1e6).round() as i128;
            self.waits.compared += 1;
            self.waits.delta_micros += delta;
            self.waits.longer += usize::from(delta > 0);
            self.waits.shorter += usize::from(delta < 0);
        }
        if old.wait_s != new.wait_s {
            aspects.push(Aspect::Wait);
        }
        let userdata_keys = userdata_differences(old, new);
        if !userdata_keys.is_empty() {
            aspects.push(Aspect::Userdata);
        }
        if aspects.is_empty() {
            return;
        }
        for &aspect in &aspects {
            *self.by_aspect.entry(aspect).or_default() += 1;
        }
        self.changes.push(Change {
            line,
            id: new.id.clone().or_else(|| old.id.clone()),
            aspects,
            old: Brief::of(old),
            new: Brief::of(new),
            userdata_keys,
        });
    }

    /// Add what each side's Route blocks and agents did (the replays' own reports).
    pub fn add_replayed(&mut self, old: Replayed, new: Replayed) {
        self.old.summary.add_replayed(old);
        self.new.summary.add_replayed(new);
    }

    /// Workitems compared.
    pub fn workitems(&self) -> usize {
        self.workitems
    }

    /// The workitems that changed, in input order.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// How many workitems changed in each aspect (only aspects that did).
    pub fn by_aspect(&self) -> &BTreeMap<Aspect, usize> {
        &self.by_aspect
    }

    /// How many workitems went from one outcome kind to another (only pairs that differ).
    pub fn transitions(&self) -> &BTreeMap<(Kind, Kind), usize> {
        &self.transitions
    }

    /// How waits moved.
    pub fn waits(&self) -> WaitMoves {
        self.waits
    }

    /// Every block of either side with its entries: the old flow's blocks in its order, then the blocks
    /// only the new flow has, in its order.
    pub fn blocks(&self) -> Vec<BlockCounts> {
        let count = |side: &Side, block: &str| {
            side.has(block)
                .then(|| side.entered.get(block).copied().unwrap_or(0))
        };
        let mut seen: HashSet<&str> = HashSet::new();
        let mut rows = Vec::new();
        for block in self.old.blocks.iter().chain(&self.new.blocks) {
            if !seen.insert(block) {
                continue;
            }
            rows.push(BlockCounts {
                block: block.clone(),
                old: count(&self.old, block),
                new: count(&self.new, block),
            });
        }
        rows
    }

    /// Whether anything differs: a workitem's outcome, or how many workitems entered a block.
    pub fn differs(&self) -> bool {
        !self.changes.is_empty() || self.blocks().iter().any(|row| row.delta() != 0)
    }
}

/// The user-data keys whose values differ between `old` and `new` (or that one of them only has).
fn userdata_differences(old: &Outcome, new: &Outcome) -> Vec<String> {
    let shown = |outcome: &Outcome| -> Vec<(String, String)> {
        let entries = outcome.userdata.iter().flatten();
        entries
            .map(|(key, value)| {
                let mut json = String::new();
                match value {
                    Shown::Value(value) => value.write_json_stringify(&mut json),
                    Shown::Masked => json.push_str("****"),
                }
                (key.to_string(), json)
            })
            .collect()
    };
    let (old, new) = (shown(old), shown(new));
    if old == new {
        return Vec::new();
    }
    let old_map: HashMap<&str, &str> = old.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let new_map: HashMap<&str, &str> = new.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut keys = Vec::new();
    for (key, value) in &new {
        if old_map.get(key.as_str()) != Some(&value.as_str()) {
            keys.push(key.clone());
        }
    }
    for (key, _) in &old {
        if !new_map.contains_key(key.as_str()) {
            keys.push(key.clone());
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Value;
    use crate::replay::Traced;

    /// Workitem `id` routed by `block` to `agent` after `wait_s`, its trace showing that block.
    pub(super) fn routed(id: &str, block: &str, agent: &str, wait_s: f64) -> Outcome {
        let mut outcome = Outcome::bad_line(Some(Text::new(id)), String::new());
        outcome.kind = Kind::Routed;
        outcome.error = None;
        outcome.agent = Some(agent.into());
        outcome.block = Some(block.into());
        outcome.target = Some(("agent_group", Text::new("g")));
        outcome.wait_s = Some(wait_s);
        outcome.userdata = Some(Vec::new());
        outcome.trace = Some(vec![Traced {
            block: block.into(),
            at_s: 0.0,
            note: None,
        }]);
        outcome
    }

    fn comparison(old_blocks: &[&str], new_blocks: &[&str]) -> Comparison {
        let side = |blocks: &[&str]| {
            Side::new(
                blocks.iter().map(|&b| b.into()).collect(),
                Summary::default(),
            )
        };
        Comparison::new(side(old_blocks), side(new_blocks))
    }

    #[test]
    fn identical_outcomes_are_no_change() {
        let mut diff = comparison(&["r"], &["r"]);
        let a = routed("w1", "r", "alice", 10.0);
        diff.add(&a, &a);
        assert!(!diff.differs());
        assert!(diff.changes().is_empty());
        assert_eq!(diff.waits().compared, 1);
        assert_eq!(diff.waits().mean_delta_s(), Some(0.0));
    }

    #[test]
    fn a_workitem_routed_elsewhere_lists_every_aspect_that_changed() {
        let mut diff = comparison(&["r1", "r2"], &["r1", "r2"]);
        let old = routed("w1", "r1", "alice", 10.0);
        let mut new = routed("w1", "r2", "bob", 130.5);
        new.target = Some(("skill", Text::new("english > 3")));
        diff.add(&old, &new);
        diff.add(&old, &old);
        let change = &diff.changes()[0];
        assert_eq!(change.line, 1);
        assert_eq!(
            change.aspects,
            [Aspect::Block, Aspect::Target, Aspect::Agent, Aspect::Wait]
        );
        assert_eq!(change.wait_delta_s(), Some(120.5));
        assert_eq!(diff.changes().len(), 1);
        assert_eq!(diff.by_aspect().get(&Aspect::Agent), Some(&1));
        let blocks = diff.blocks();
        let counts: Vec<(&str, Option<u64>, Option<u64>, i64)> = blocks
            .iter()
            .map(|b| (&*b.block, b.old, b.new, b.delta()))
            .collect();
        assert_eq!(
            counts,
            [("r1", Some(2), Some(1), -1), ("r2", Some(0), Some(1), 1)]
        );
        let moves = diff.waits();
        assert_eq!((moves.compared, moves.longer, moves.shorter), (2, 1, 0));
        assert_eq!(moves.mean_delta_s(), Some(60.25));
    }

    #[test]
    fn bad_lines_on_both_sides_are_the_same_whatever_their_messages() {
        let mut diff = comparison(&[], &[]);
        let old = Outcome::bad_line(None, "old.yaml:3:1: block `x`: failed".into());
        let new = Outcome::bad_line(None, "new.yaml:9:1: block `x`: failed".into());
        diff.add(&old, &new);
        assert!(!diff.differs());
        assert_eq!(diff.workitems(), 1);
    }

    #[test]
    fn an_outcome_kind_change_is_a_transition() {
        let mut diff = comparison(&["r"], &["r"]);
        let old = routed("w1", "r", "alice", 10.0);
        let mut new = Outcome::bad_line(Some(Text::new("w1")), String::new());
        new.kind = Kind::Unrouted;
        new.error = None;
        new.wait_s = Some(120.0);
        diff.add(&old, &new);
        assert_eq!(
            diff.transitions().get(&(Kind::Routed, Kind::Unrouted)),
            Some(&1)
        );
        let aspects = &diff.changes()[0].aspects;
        assert_eq!(aspects[..2], [Aspect::Outcome, Aspect::Block]);
    }

    #[test]
    fn user_data_that_differs_names_its_keys() {
        let mut diff = comparison(&["r"], &["r"]);
        let mut old = routed("w1", "r", "alice", 10.0);
        let mut new = old.clone();
        old.userdata = Some(vec![
            ("same".into(), Shown::Value(Value::string("x"))),
            ("gone".into(), Shown::Value(Value::string("y"))),
            ("moved".into(), Shown::Value(Value::Number(1.0))),
        ]);
        new.userdata = Some(vec![
            ("same".into(), Shown::Value(Value::string("x"))),
            ("moved".into(), Shown::Value(Value::Number(2.0))),
            ("added".into(), Shown::Masked),
        ]);
        diff.add(&old, &new);
        assert_eq!(diff.changes()[0].aspects, [Aspect::Userdata]);
        assert_eq!(diff.changes()[0].userdata_keys, ["moved", "added", "gone"]);
    }

    #[test]
    fn blocks_one_side_lacks_are_added_or_removed() {
        let mut diff = comparison(&["a", "gone"], &["a", "added"]);
        let mut old = routed("w1", "a", "alice", 0.0);
        old.trace = Some(vec![
            Traced {
                block: "a".into(),
                at_s: 0.0,
                note: None,
            },
            Traced {
                block: "gone".into(),
                at_s: 0.0,
                note: None,
            },
        ]);
        let mut new = old.clone();
        new.trace = Some(vec![Traced {
            block: "a".into(),
            at_s: 0.0,
            note: None,
        }]);
        diff.add(&old, &new);
        let blocks = diff.blocks();
        let shown: Vec<(&str, Option<u64>, Option<u64>)> =
            blocks.iter().map(|b| (&*b.block, b.old, b.new)).collect();
        assert_eq!(
            shown,
            [
                ("a", Some(1), Some(1)),
                ("gone", Some(1), None),
                ("added", None, Some(0))
            ]
        );
        // Nothing about the workitem changed, but a block it entered is gone.
        assert!(diff.changes().is_empty());
        assert!(diff.differs());
    }
}
