//! Checks on the whole graph: it must be acyclic (a cycle is an error naming its blocks), and every
//! block should be reachable (a warning for each unreachable stretch).

use super::{Edge, FlowGraph, Step};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::path::YamlPath;
use crate::model::read::{Anchor, Problems};
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::{Dfs, EdgeRef};
use std::collections::{HashMap, HashSet};

/// Run the graph checks, recording problems.
pub fn check(graph: &FlowGraph, paths: &HashMap<NodeIndex, YamlPath>, problems: &mut Problems) {
    cycles(graph, paths, problems);
    unreachable(graph, paths, problems);
}

fn id(graph: &FlowGraph, node: NodeIndex) -> String {
    match &graph.graph[node] {
        Step::Block(block) => block.id.to_string(),
        Step::End(phase) => format!("end of {}", phase.title()),
    }
}

/// Without `next:` jumps the graph is acyclic by construction; a jump backwards closes a cycle.
fn cycles(graph: &FlowGraph, paths: &HashMap<NodeIndex, YamlPath>, problems: &mut Problems) {
    for component in petgraph::algo::tarjan_scc(&graph.graph) {
        let members: HashSet<NodeIndex> = component.iter().copied().collect();
        let self_loop =
            component.len() == 1 && graph.graph.contains_edge(component[0], component[0]);
        if component.len() < 2 && !self_loop {
            continue;
        }
        // Start at the jump that closes the cycle, then follow edges inside the component.
        let closing = graph.graph.edge_references().find(|e| {
            *e.weight() == Edge::Jump
                && members.contains(&e.source())
                && members.contains(&e.target())
        });
        let Some(closing) = closing else {
            continue;
        };
        let mut order = vec![closing.target()];
        let mut seen = HashSet::from([closing.target()]);
        while let Some(&last) = order.last() {
            if last == closing.source() {
                break;
            }
            let Some(next) = graph
                .graph
                .neighbors_directed(last, Direction::Outgoing)
                .find(|n| members.contains(n) && !seen.contains(n))
            else {
                break;
            };
            seen.insert(next);
            order.push(next);
        }
        let mut names: Vec<String> = order
            .iter()
            .map(|n| format!("`{}`", id(graph, *n)))
            .collect();
        names.push(format!("`{}`", id(graph, closing.target())));
        let source = id(graph, closing.source());
        let at = paths
            .get(&closing.source())
            .map_or(Anchor::At(Span::default()), |p| {
                Anchor::Value(p.key("next"))
            });
        problems.push(
            Diagnostic::error(
                Span::default(),
                format!("these blocks form a cycle: {}", names.join(" → ")),
            )
            .in_block(source)
            .with_help(
                "a flow runs each block at most once per workitem: `next` may only jump forward",
            ),
            at,
        );
    }
}

fn unreachable(graph: &FlowGraph, paths: &HashMap<NodeIndex, YamlPath>, problems: &mut Problems) {
    let mut reached = HashSet::new();
    let mut dfs = Dfs::new(&graph.graph, graph.entries[0]);
    while let Some(node) = dfs.next(&graph.graph) {
        reached.insert(node);
    }
    for (node, block) in graph.blocks() {
        if reached.contains(&node) {
            continue;
        }
        // Report where an unreachable stretch starts: a block no unreachable block leads to.
        let led_to = graph
            .graph
            .neighbors_directed(node, Direction::Incoming)
            .any(|from| !reached.contains(&from) && matches!(graph.graph[from], Step::Block(_)));
        if led_to {
            continue;
        }
        let mut stretch = 0;
        let mut dfs = Dfs::new(&graph.graph, node);
        while let Some(next) = dfs.next(&graph.graph) {
            if !reached.contains(&next) && matches!(graph.graph[next], Step::Block(_)) {
                stretch += 1;
            }
        }
        let message = if stretch > 1 {
            format!(
                "block `{}` and {} after it are never reached",
                block.id,
                stretch - 1
            )
        } else {
            format!("block `{}` is never reached", block.id)
        };
        let at = paths
            .get(&node)
            .map_or(Anchor::At(Span::default()), |p| Anchor::Value(p.clone()));
        problems.push(
            Diagnostic::warning(Span::default(), message)
                .in_block(&*block.id)
                .with_help(
                    "it follows a `finish` or is jumped over by `next`; remove it or connect it",
                ),
            at,
        );
    }
}
