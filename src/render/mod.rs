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

/// Most blocks an SVG drawing lays out: layout-rs's time grows faster than the square of the blocks
/// (0.7 s for 500, 27 s for 2,000), so a larger flow is drawn as DOT or Mermaid text instead.
pub const MAX_SVG_BLOCKS: usize = 500;

/// Draw `flow` in `format`; an error says why it cannot be drawn so.
pub fn render(flow: &Flow, format: Format) -> Result<String, String> {
    match format {
        Format::Dot => Ok(dot::render(flow, true)),
        Format::Mermaid => Ok(mermaid::render(flow)),
        Format::Svg => {
            let blocks = flow.graph.blocks().count();
            if blocks > MAX_SVG_BLOCKS {
                return Err(format!(
                    "an SVG drawing lays out at most {MAX_SVG_BLOCKS} blocks and this flow has {blocks}: \
                     draw it with `--format dot` (and Graphviz) or `--format mermaid`"
                ));
            }
            Ok(svg::render(flow))
        }
    }
}
