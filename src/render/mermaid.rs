//! A Mermaid flowchart.

use super::labels::{self, EdgeStyle, Shape};
use crate::flow::Flow;
use std::fmt::Write;

/// The flow as a Mermaid flowchart, one subgraph per phase.
pub fn render(flow: &Flow) -> String {
    let mut out = String::from("flowchart TD\n");
    for (phase, nodes) in labels::phases(flow) {
        let _ = writeln!(out, "  subgraph {}[\"{}\"]", phase.key(), phase.title());
        for node in nodes {
            let label = labels::node(flow, node);
            let text = label
                .lines
                .iter()
                .map(|l| escape(l))
                .collect::<Vec<_>>()
                .join("<br/>");
            let (open, close) = match label.shape {
                Shape::Block => ("[", "]"),
                Shape::Decision => ("{", "}"),
                Shape::Route => ("[[", "]]"),
                Shape::Terminal => ("([", "])"),
            };
            let _ = writeln!(out, "    n{}{open}\"{text}\"{close}", node.index());
        }
        out.push_str("  end\n");
    }
    for (from, to, edge) in labels::edges(flow) {
        let (text, style) = labels::edge(flow, edge);
        let arrow = if style == EdgeStyle::Jump {
            "-.->"
        } else {
            "-->"
        };
        match text {
            Some(text) => {
                let _ = writeln!(
                    out,
                    "  n{} {arrow}|\"{}\"| n{}",
                    from.index(),
                    escape(&text),
                    to.index()
                );
            }
            None => {
                let _ = writeln!(out, "  n{} {arrow} n{}", from.index(), to.index());
            }
        }
    }
    out
}

/// Mermaid labels are quoted: quotes become entities, and so do the characters Markdown would eat.
fn escape(text: &str) -> String {
    text.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}
