//! Drawing a flow: Graphviz DOT, Mermaid, and SVG drawn in Rust (no Graphviz needed).
//!
//! All three show the same picture: blocks as nodes labelled with their name and what they do, branches
//! labelled with their conditions, Route blocks with their target and timeout, and the phases (as
//! clusters in DOT, subgraphs in Mermaid, colours in SVG).

mod dot;
mod labels;
mod mermaid;
mod svg;

use crate::flow::Flow;
use petgraph::graph::{EdgeIndex, NodeIndex};
use std::collections::HashMap;

/// What is drawn on a flow besides the flow itself (a replay's coverage): lines under a block's label,
/// a note on an edge (after its label), blocks no workitem reached. Keyed by the flow graph's
/// indices (`flow.graph.graph`).
#[derive(Clone, Debug, Default)]
pub struct Notes {
    pub blocks: HashMap<NodeIndex, BlockNote>,
    pub edges: HashMap<EdgeIndex, String>,
}

/// What is drawn on one block.
#[derive(Clone, Debug, Default)]
pub struct BlockNote {
    /// Lines shown under the block's own label.
    pub lines: Vec<String>,
    /// No workitem entered the block: it is highlighted.
    pub unreached: bool,
}

/// An output format of `routeflow render`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Graphviz DOT text.
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
    /// An SVG picture, laid out by routeflow itself.
    Svg,
}

/// Most blocks an SVG drawing lays out: layout-rs's time grows faster than the square of the blocks
/// (0.7 s for 500, 27 s for 2,000), so a larger flow is drawn as DOT or Mermaid text instead.
pub const MAX_SVG_BLOCKS: usize = 500;

/// Draw `flow` in `format`; an error says why it cannot be drawn so.
pub fn render(flow: &Flow, format: Format) -> Result<String, String> {
    match format {
        Format::Dot => Ok(dot::render(flow, true, &Notes::default())),
        Format::Mermaid => Ok(mermaid::render(flow)),
        Format::Svg => svg_with_notes(flow, &Notes::default()),
    }
}

/// Draw `flow` as SVG with `notes` on it; an error says why it cannot be drawn so.
pub fn svg_with_notes(flow: &Flow, notes: &Notes) -> Result<String, String> {
    let blocks = flow.graph.blocks().count();
    if blocks > MAX_SVG_BLOCKS {
        return Err(format!(
            "an SVG drawing lays out at most {MAX_SVG_BLOCKS} blocks and this flow has {blocks}: \
             draw it with `--format dot` (and Graphviz) or `--format mermaid`"
        ));
    }
    if layout_work(flow) > MAX_SVG_WORK || layout_size(flow) > MAX_SVG_LAYOUT_NODES {
        return Err(
            "this flow is too branched for the SVG layout (its time grows with every path \
             through a chain of Segmentations, and with the ranks each Route's `routed` edge \
             crosses): draw it with `--format dot` (and Graphviz) or `--format mermaid`"
                .to_owned(),
        );
    }
    Ok(svg::render(flow, notes))
}

/// Most work the SVG layout may be given, in [`layout_work`]'s units (about 0.1 s of layout).
const MAX_SVG_WORK: u64 = 50_000;

/// What laying the flow out costs layout-rs: before adding each edge it searches for a path back by
/// walking every path from the edge's target (its search forgets where it has been on the way back),
/// so the work is the number of paths from each edge's target, summed over the edges: exponential in
/// a chain of Segmentations (2 s for 20 of them, 43 s for 24), whatever the number of blocks.
fn layout_work(flow: &Flow) -> u64 {
    use petgraph::Direction;
    let graph = &flow.graph.graph;
    let Ok(order) = petgraph::algo::toposort(graph, None) else {
        return u64::MAX;
    };
    // Paths from each node to the ends, counted from the last node of the order back.
    let mut paths = vec![0u64; graph.node_count()];
    for &node in order.iter().rev() {
        let onward: u64 = graph
            .neighbors_directed(node, Direction::Outgoing)
            .fold(0u64, |sum, next| sum.saturating_add(paths[next.index()]));
        paths[node.index()] = onward.max(1);
    }
    graph.edge_indices().fold(0u64, |work, edge| {
        let target = graph
            .edge_endpoints(edge)
            .map_or(0, |(_, to)| paths[to.index()]);
        work.saturating_add(target)
    })
}

/// Most nodes the SVG layout may place, its own included: about 0.5 s of layout.
const MAX_SVG_LAYOUT_NODES: u64 = 1_000;

/// How many nodes layout-rs places: the flow's nodes, one more for each labelled edge, and one for each
/// rank a long edge crosses (ranks by longest path). Its placement grows as about the 2.5th power of
/// that: a chain of 80 Route blocks, each with a `routed` edge to the end, takes 23 s.
fn layout_size(flow: &Flow) -> u64 {
    use crate::graph::Edge;
    let graph = &flow.graph.graph;
    let Ok(order) = petgraph::algo::toposort(graph, None) else {
        return u64::MAX;
    };
    let mut rank = vec![0u64; graph.node_count()];
    for &node in &order {
        for edge in graph.edges(node) {
            let next = petgraph::visit::EdgeRef::target(&edge).index();
            rank[next] = rank[next].max(rank[node.index()] + 1);
        }
    }
    graph
        .edge_indices()
        .fold(graph.node_count() as u64, |size, edge| {
            let Some((from, to)) = graph.edge_endpoints(edge) else {
                return size;
            };
            let labelled = u64::from(!matches!(graph[edge], Edge::Next | Edge::Jump));
            let crossed = rank[to.index()].saturating_sub(rank[from.index()] + 1);
            size.saturating_add(labelled).saturating_add(crossed)
        })
}
