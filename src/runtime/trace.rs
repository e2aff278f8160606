//! What a workitem did, block by block, for `--trace`.

use petgraph::graph::NodeIndex;

/// One executed block.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEntry {
    /// The block.
    pub block: NodeIndex,
    /// When it ran (a Route block: when it was entered), in seconds of virtual time.
    pub at_s: f64,
    /// What happened, when there is more to say than that it ran: a log message, a branch taken, how a
    /// Route block ended, the traced variables it set.
    pub note: Option<String>,
}
