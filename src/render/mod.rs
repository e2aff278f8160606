//! Drawing a flow: Graphviz DOT, Mermaid, and SVG drawn in Rust (no Graphviz needed).
//!
//! All three show the same picture: blocks as nodes labelled with their name and what they do, branches
//! labelled with their conditions, Route blocks with their target and timeout, and the phases (as
//! clusters in DOT, subgraphs in Mermaid, bands with a title in SVG).

mod dot;
mod labels;
mod layout;
mod mermaid;
mod svg;
mod text;

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
    /// An SVG picture, laid out by routeflow itself (no Graphviz needed).
    Svg,
}

/// Draw `flow` in `format`; an error says why it cannot be drawn so.
pub fn render(flow: &Flow, format: Format) -> Result<String, String> {
    match format {
        Format::Dot => Ok(dot::render(flow, &Notes::default())),
        Format::Mermaid => Ok(mermaid::render(flow)),
        Format::Svg => svg_with_notes(flow, &Notes::default()),
    }
}

/// Draw `flow` as SVG with `notes` on it. Every flow can be drawn (the layout takes time near-linear
/// in its blocks); the `Result` is kept for callers that handle a refusal.
pub fn svg_with_notes(flow: &Flow, notes: &Notes) -> Result<String, String> {
    Ok(svg::render(flow, notes))
}
