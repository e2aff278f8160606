//! Coverage (SPEC §10): how many workitems entered each block of a flow, and how they left it: by which
//! branch, output or Route result, or by ending there (an error, a stop while waiting, `finish`).
//!
//! A replay counts as it runs, in a [`Tally`] (a counter per graph node and per graph edge, indexed by
//! petgraph's indices: nothing is looked up by name while workitems run); when it ends, the tally
//! becomes a [`Coverage`] report, block by block in flow order, with each block's possible exits decided
//! from the graph. The report is what `--summary` writes, what the text summary sums up in a line, and
//! what [`page`] draws. docs/coverage.md describes it.

pub mod page;

use crate::flow::Flow;
use crate::graph::{BlockKind, Edge, SkillTarget, Target};
use crate::model::read::Phase;
use crate::render::{BlockNote, Notes};
use crate::runtime::Exit;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use std::sync::Arc;

/// Ways of leaving a block that are not edges, in the order counted per node.
const ENDINGS: usize = 4;

/// The counters of one replay: workitems run, and per graph node the workitems that entered it and
/// left it other than by an edge; per graph edge, the workitems that went along it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    runs: u64,
    entered: Vec<u64>,
    endings: Vec<[u64; ENDINGS]>,
    edges: Vec<u64>,
}

impl Tally {
    /// Counters for every node and edge of `flow`, all 0.
    pub fn new(flow: &Flow) -> Tally {
        let graph = &flow.graph.graph;
        Tally {
            runs: 0,
            entered: vec![0; graph.node_count()],
            endings: vec![[0; ENDINGS]; graph.node_count()],
            edges: vec![0; graph.edge_count()],
        }
    }

    /// A workitem started through the flow.
    pub fn started(&mut self) {
        self.runs += 1;
    }

    /// A workitem entered the block at `node`.
    pub fn entered(&mut self, node: NodeIndex) {
        if let Some(n) = self.entered.get_mut(node.index()) {
            *n += 1;
        }
    }

    /// A workitem left the block at `node` by `exit`.
    pub fn left(&mut self, node: NodeIndex, exit: Exit) {
        let ending = match exit {
            Exit::Edge(edge) => {
                if let Some(n) = self.edges.get_mut(edge.index()) {
                    *n += 1;
                }
                return;
            }
            Exit::Rejected => 0,
            Exit::Stopped => 1,
            Exit::Error => 2,
            Exit::Finish => 3,
        };
        if let Some(counts) = self.endings.get_mut(node.index()) {
            counts[ending] += 1;
        }
    }
}

/// How a workitem left a block, as a report names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitKind {
    /// On to the next block (or where `next:` jumps).
    Next,
    /// Segmentation branch `index` (0 for the first).
    Branch(usize),
    /// No branch's condition held.
    Otherwise,
    /// A script chose output `index`.
    Output(usize),
    /// A Route block found an agent.
    Routed,
    /// A Route block's timeout passed.
    TimedOut,
    /// A Route block's target could not be used (on along its timed-out edge).
    Rejected,
    /// Stopped while waiting in a Route block.
    Stopped,
    /// The block failed: the workitem ended with an `error` outcome.
    Error,
    /// A `finish` block ended the application.
    Finish,
    /// Entered and never left: still waiting in a Route block when the replay ended.
    Waiting,
}

impl ExitKind {
    /// The name JSON gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            ExitKind::Next => "next",
            ExitKind::Branch(_) => "branch",
            ExitKind::Otherwise => "otherwise",
            ExitKind::Output(_) => "output",
            ExitKind::Routed => "routed",
            ExitKind::TimedOut => "timed_out",
            ExitKind::Rejected => "rejected",
            ExitKind::Stopped => "stopped",
            ExitKind::Error => "error",
            ExitKind::Finish => "finish",
            ExitKind::Waiting => "waiting",
        }
    }
}

/// One way out of a block and how many workitems took it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExitCount {
    /// Which way.
    pub kind: ExitKind,
    /// What people read: `routed`, `branch 0 (gold)`, `output vip`, `timed out`.
    pub label: String,
    /// The graph edge it follows, when it is one.
    pub edge: Option<EdgeIndex>,
    /// Workitems that left this way.
    pub count: u64,
}

/// One block's coverage.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockCoverage {
    /// The block's node in the flow graph.
    pub node: NodeIndex,
    /// Its id.
    pub id: Arc<str>,
    /// Its name, if it has one.
    pub name: Option<Arc<str>>,
    /// Its phase.
    pub phase: Phase,
    /// Workitems that entered it.
    pub entered: u64,
    /// Its exits: every edge out of it, then the ways of ending in it (a Route block's `stopped` always,
    /// the others when some workitem took them), so that their counts add up to `entered`.
    pub exits: Vec<ExitCount>,
}

/// A flow's coverage over one replay, or several replays of it added up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Coverage {
    /// Workitems run through the flow (a bad input line is not).
    pub workitems: u64,
    /// Every block of the flow, in flow order.
    pub blocks: Vec<BlockCoverage>,
}

impl Coverage {
    /// The report of `tally`, counted over replays of `flow`.
    pub fn new(flow: &Flow, tally: &Tally) -> Coverage {
        let graph = &flow.graph.graph;
        let count = |counts: &[u64], index: usize| counts.get(index).copied().unwrap_or(0);
        let blocks = flow
            .graph
            .blocks()
            .map(|(node, block)| {
                let mut edges: Vec<_> = graph.edges(node).collect();
                // File order (branches, then otherwise), but a Route block's `routed` first.
                edges.sort_by_key(|e| (*e.weight() != Edge::Routed, e.id()));
                let mut exits: Vec<ExitCount> = edges
                    .iter()
                    .map(|e| {
                        let (kind, label) = edge_exit(e.weight());
                        ExitCount {
                            kind,
                            label,
                            edge: Some(e.id()),
                            count: count(&tally.edges, e.id().index()),
                        }
                    })
                    .collect();
                let ended = tally.endings.get(node.index()).copied().unwrap_or_default();
                let route = match &block.kind {
                    BlockKind::Route(route) => Some(route),
                    _ => None,
                };
                let computed_skill = route
                    .is_some_and(|r| matches!(r.target, Target::Skill(SkillTarget::Computed(_))));
                let endings = [
                    (ExitKind::Rejected, "rejected", computed_skill),
                    (ExitKind::Stopped, "stopped", route.is_some()),
                    (ExitKind::Error, "error", false),
                    (
                        ExitKind::Finish,
                        "finish",
                        matches!(block.kind, BlockKind::Finish),
                    ),
                ];
                for ((kind, label, always), count) in endings.into_iter().zip(ended) {
                    if always || count > 0 {
                        exits.push(ExitCount {
                            kind,
                            label: label.to_owned(),
                            edge: None,
                            count,
                        });
                    }
                }
                let entered = count(&tally.entered, node.index());
                let left: u64 = exits.iter().map(|e| e.count).sum();
                if entered > left {
                    exits.push(ExitCount {
                        kind: ExitKind::Waiting,
                        label: "still waiting".to_owned(),
                        edge: None,
                        count: entered - left,
                    });
                }
                BlockCoverage {
                    node,
                    id: block.id.clone(),
                    name: block.name.clone(),
                    phase: block.phase,
                    entered,
                    exits,
                }
            })
            .collect();
        Coverage {
            workitems: tally.runs,
            blocks,
        }
    }

    /// Add `other`'s counts, another replay of the same flow (its blocks and exits in the same
    /// order); an error says how the two differ.
    pub fn merge(&mut self, other: &Coverage) -> Result<(), String> {
        // An empty report (a replay that could not run) adds nothing, and takes the other's blocks.
        if other.blocks.is_empty() && other.workitems == 0 {
            return Ok(());
        }
        if self.blocks.is_empty() && self.workitems == 0 {
            *self = other.clone();
            return Ok(());
        }
        let same = self.blocks.len() == other.blocks.len()
            && self.blocks.iter().zip(&other.blocks).all(|(a, b)| {
                a.id == b.id
                    && a.exits.len() == b.exits.len()
                    && a.exits.iter().zip(&b.exits).all(|(x, y)| x.kind == y.kind)
            });
        if !same {
            return Err("the replays are of flows with different blocks".to_owned());
        }
        self.workitems += other.workitems;
        for (mine, theirs) in self.blocks.iter_mut().zip(&other.blocks) {
            mine.entered += theirs.entered;
            for (x, y) in mine.exits.iter_mut().zip(&theirs.exits) {
                x.count += y.count;
            }
        }
        Ok(())
    }

    /// The blocks no workitem entered.
    pub fn unreached(&self) -> impl Iterator<Item = &BlockCoverage> {
        self.blocks.iter().filter(|b| b.entered == 0)
    }

    /// How many blocks some workitem entered.
    pub fn reached(&self) -> usize {
        self.blocks.iter().filter(|b| b.entered > 0).count()
    }

    /// The text summary's line: `coverage: 9 of 12 blocks reached; never reached: a, b, c`.
    pub fn to_text(&self) -> String {
        let mut line = format!(
            "coverage: {} of {} blocks reached",
            self.reached(),
            self.blocks.len()
        );
        let unreached: Vec<&str> = self.unreached().map(|b| &*b.id).collect();
        if !unreached.is_empty() {
            let shown: Vec<&str> = unreached.iter().take(UNREACHED_SHOWN).copied().collect();
            line.push_str("; never reached: ");
            line.push_str(&shown.join(", "));
            if unreached.len() > UNREACHED_SHOWN {
                line.push_str(&format!(", and {} more", unreached.len() - UNREACHED_SHOWN));
            }
        }
        line.push('\n');
        line
    }

    /// The report as JSON (the `coverage` section of `--summary`).
    pub fn to_json_value(&self) -> serde_json::Value {
        let blocks: Vec<serde_json::Value> = self
            .blocks
            .iter()
            .map(|block| {
                let exits: Vec<serde_json::Value> = block
                    .exits
                    .iter()
                    .map(|exit| {
                        let mut json = serde_json::Map::new();
                        json.insert("exit".into(), exit.kind.as_str().into());
                        match exit.kind {
                            ExitKind::Branch(index) | ExitKind::Output(index) => {
                                json.insert("index".into(), index.into());
                            }
                            _ => {}
                        }
                        json.insert("label".into(), exit.label.clone().into());
                        json.insert("count".into(), exit.count.into());
                        json.insert("share".into(), fraction(exit.count, block.entered).into());
                        serde_json::Value::Object(json)
                    })
                    .collect();
                serde_json::json!({
                    "block": &*block.id,
                    "phase": block.phase.key(),
                    "entered": block.entered,
                    "share": fraction(block.entered, self.workitems),
                    "exits": exits,
                })
            })
            .collect();
        let unreached: Vec<&str> = self.unreached().map(|b| &*b.id).collect();
        serde_json::json!({
            "workitems": self.workitems,
            "blocks": self.blocks.len(),
            "reached": self.reached(),
            "by_block": blocks,
            "unreached": unreached,
        })
    }

    /// What a drawing of the flow shows of this: under each block, how many entered it (and their
    /// share of the workitems) and, for a block with several exits, how many left by each; on each
    /// edge, how many went along it and their share of those that entered its block. Blocks no
    /// workitem entered are highlighted.
    pub fn notes(&self) -> Notes {
        let mut notes = Notes::default();
        for block in &self.blocks {
            let mut lines = vec![format!(
                "entered {} ({})",
                grouped(block.entered),
                percent(block.entered, self.workitems)
            )];
            if block.exits.len() > 1 {
                let exits: Vec<String> = block
                    .exits
                    .iter()
                    .map(|e| format!("{} {}", short_label(e), grouped(e.count)))
                    .collect();
                lines.push(exits.join(" · "));
            } else if let Some(exit) = block.exits.first().filter(|e| e.edge.is_none()) {
                lines.push(format!("{} {}", exit.label, grouped(exit.count)));
            }
            notes.blocks.insert(
                block.node,
                BlockNote {
                    lines,
                    unreached: block.entered == 0,
                },
            );
            for exit in &block.exits {
                if let Some(edge) = exit.edge {
                    // A rejected target goes on along the timed-out edge too.
                    let along = match exit.kind {
                        ExitKind::TimedOut => {
                            exit.count + count_of(&block.exits, ExitKind::Rejected)
                        }
                        _ => exit.count,
                    };
                    notes.edges.insert(
                        edge,
                        format!("{} ({})", grouped(along), percent(along, block.entered)),
                    );
                }
            }
        }
        notes
    }
}

/// Unreached blocks the text line names.
const UNREACHED_SHOWN: usize = 10;

fn count_of(exits: &[ExitCount], kind: ExitKind) -> u64 {
    exits
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.count)
        .sum()
}

/// The label a block's line of exits uses: a branch by its number, the others as named.
fn short_label(exit: &ExitCount) -> String {
    match exit.kind {
        ExitKind::Branch(index) => format!("branch {index}"),
        _ => exit.label.clone(),
    }
}

/// What an edge is, as an exit: its kind, and its label (`branch 0 (gold)`, `timed out`, …).
pub fn edge_exit(edge: &Edge) -> (ExitKind, String) {
    match edge {
        Edge::Next | Edge::Jump => (ExitKind::Next, "next".to_owned()),
        Edge::Branch { index, name, .. } => (
            ExitKind::Branch(*index),
            match name {
                Some(name) => format!("branch {index} ({name})"),
                None => format!("branch {index}"),
            },
        ),
        Edge::Otherwise => (ExitKind::Otherwise, "otherwise".to_owned()),
        Edge::Output { index, name } => (ExitKind::Output(*index), format!("output {name}")),
        Edge::Routed => (ExitKind::Routed, "routed".to_owned()),
        Edge::TimedOut => (ExitKind::TimedOut, "timed out".to_owned()),
    }
}

/// `count / of`, or `None` when `of` is 0.
fn fraction(count: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| count as f64 / of as f64)
}

/// `count` as a share of `of` for people: `100%`, `0%`, `33.3%`; `-` when `of` is 0.
pub fn percent(count: u64, of: u64) -> String {
    match fraction(count, of) {
        None => "-".to_owned(),
        Some(_) if count == of => "100%".to_owned(),
        Some(_) if count == 0 => "0%".to_owned(),
        Some(share) => format!("{:.1}%", share * 100.0),
    }
}

/// `1234567` as `1,234,567`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn shares_round_to_a_tenth_except_all_and_none() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(3, 3), "100%");
        assert_eq!(percent(0, 3), "0%");
        assert_eq!(percent(0, 0), "-");
        assert_eq!(percent(2_999, 3_000), "100.0%");
    }
}
