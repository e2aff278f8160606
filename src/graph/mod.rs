//! The flow as a petgraph DAG of compiled blocks, built from the read flow file by [`lower`] and
//! verified acyclic by [`check`].
//!
//! Nodes are blocks, plus one `End` node per phase. Edges say why execution moves on: the next block,
//! a segmentation branch, a Route's timeout or success. The interpreter follows only the edge taken.

pub mod block;
mod check;
mod lower;
pub mod routed_on;

pub use block::{Block, BlockKind, Route, ScriptBlock, SkillTarget, Slot, TableLookup, Target};
pub use lower::{Lowered, Variable, lower};

use crate::model::read::Phase;
use petgraph::graph::{DiGraph, NodeIndex};

/// A node of the flow graph.
#[derive(Debug)]
pub enum Step {
    /// A block.
    Block(Box<Block>),
    /// The end of a phase: Initialize's leads to Assisted Service, Assisted Service's to Finalize
    /// (the workitem was not routed), Finalize's ends the application.
    End(Phase),
}

/// Why execution moves along an edge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edge {
    /// To the next block (or to the end of the phase).
    Next,
    /// An explicit `next:` jump.
    Jump,
    /// Segmentation branch `index`, whose condition is `condition`.
    Branch {
        /// Which branch.
        index: usize,
        /// Its condition, as written.
        condition: String,
        /// Its label, if any.
        name: Option<String>,
    },
    /// No branch's condition held.
    Otherwise,
    /// A script chose output `index`, named `name`.
    Output {
        /// Which output of the block.
        index: usize,
        /// Its name.
        name: std::sync::Arc<str>,
    },
    /// A Route block found an agent: on to Finalize.
    Routed,
    /// A Route block's timeout passed: on to the next cascade.
    TimedOut,
}

/// The compiled flow graph.
#[derive(Debug)]
pub struct FlowGraph {
    /// Blocks and phase ends, with their edges.
    pub graph: DiGraph<Step, Edge>,
    /// Where each phase starts (its first block, or its end when it has none), in phase order.
    pub entries: [NodeIndex; 3],
}

impl FlowGraph {
    /// Where `phase` starts.
    pub fn entry(&self, phase: Phase) -> NodeIndex {
        self.entries[phase as usize]
    }

    /// The block at `node`, if it is one.
    pub fn block(&self, node: NodeIndex) -> Option<&Block> {
        match self.graph.node_weight(node) {
            Some(Step::Block(block)) => Some(block),
            _ => None,
        }
    }

    /// Every block, in graph order.
    pub fn blocks(&self) -> impl Iterator<Item = (NodeIndex, &Block)> {
        self.graph
            .node_indices()
            .filter_map(|n| self.block(n).map(|b| (n, b)))
    }
}
