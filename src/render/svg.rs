//! SVG, laid out and drawn in Rust by layout-rs (no Graphviz needed). layout-rs has no clusters, so
//! phases are shown by colour.

use super::Notes;
use crate::flow::Flow;
use layout::backends::svg::SVGWriter;
use layout::gv::{DotParser, GraphBuilder};

/// The flow as an SVG picture, with `notes` on its blocks and edges.
pub fn render(flow: &Flow, notes: &Notes) -> String {
    let dot = super::dot::render(flow, false, notes);
    let mut parser = DotParser::new(&dot);
    let Ok(graph) = parser.process() else {
        // Our own DOT always parses; if layout-rs ever disagrees, say so in the picture itself.
        return "<svg xmlns=\"http://www.w3.org/2000/svg\"><text x=\"10\" y=\"20\">layout failed</text></svg>\n".into();
    };
    let mut builder = GraphBuilder::new();
    builder.visit_graph(&graph);
    let mut visual = builder.get();
    let mut svg = SVGWriter::new();
    visual.do_it(false, true, false, &mut svg);
    svg.finalize()
}
