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

/// Draw `flow` in `format`.
pub fn render(flow: &Flow, format: Format) -> String {
    match format {
        Format::Dot => dot::render(flow, true),
        Format::Mermaid => mermaid::render(flow),
        Format::Svg => svg::render(flow),
    }
}
