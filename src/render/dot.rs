//! Graphviz DOT.

use super::Notes;
use super::labels::{self, EdgeStyle, Shape};
use crate::flow::Flow;
use std::fmt::Write;

/// The flow as DOT, each phase a cluster; `notes` are added to the labels (and unreached blocks drawn
/// red).
pub fn render(flow: &Flow, notes: &Notes) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", escape(&flow.application));
    out.push_str("  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for (phase, nodes) in labels::phases(flow) {
        let indent = "    ";
        let _ = writeln!(out, "  subgraph cluster_{} {{", phase.key());
        let _ = writeln!(
            out,
            "    label=\"{}\"; style=\"rounded,filled\"; fillcolor=\"{}\"; color=\"#9aa0a6\";",
            phase.title(),
            labels::phase_colour(phase)
        );
        for node in nodes {
            let label = labels::node(flow, node);
            let shape = match label.shape {
                Shape::Block => "box",
                Shape::Decision => "diamond",
                Shape::Route => "box",
                Shape::Terminal => "ellipse",
            };
            let note = notes.blocks.get(&node);
            let fill = if note.is_some_and(|note| note.unreached) {
                UNREACHED
            } else {
                "white"
            };
            let width = if label.shape == Shape::Route {
                ", penwidth=2"
            } else {
                ""
            };
            let noted = note.map_or(&[][..], |note| &note.lines[..]);
            let text: Vec<String> = label.lines.iter().chain(noted).map(|l| escape(l)).collect();
            let _ = writeln!(
                out,
                "{indent}n{} [label=\"{}\", shape={shape}, fillcolor=\"{fill}\"{width}];",
                node.index(),
                text.join("\\n")
            );
        }
        out.push_str("  }\n");
    }
    for (from, to, edge) in labels::edges(flow) {
        let (text, style) = labels::edge(flow, edge);
        let text = match (text, notes.edges.get(&edge)) {
            (Some(text), Some(note)) => Some(format!("{text}\n{note}")),
            (text, note) => text.or_else(|| note.cloned()),
        };
        let mut attributes = Vec::new();
        if let Some(text) = text {
            attributes.push(format!("label=\"{}\"", escape(&text)));
        }
        match style {
            EdgeStyle::Plain => {}
            EdgeStyle::Jump => attributes.push("style=dashed".into()),
            EdgeStyle::Routed => attributes.push("color=\"#188038\"".into()),
            EdgeStyle::TimedOut => attributes.push("color=\"#e37400\"".into()),
        }
        let attributes = if attributes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attributes.join(", "))
        };
        let _ = writeln!(out, "  n{} -> n{}{attributes};", from.index(), to.index());
    }
    out.push_str("}\n");
    out
}

/// The fill of a block no workitem reached.
const UNREACHED: &str = "#f4c7c3";

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
