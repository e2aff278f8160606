//! Checks on the whole graph: it must be acyclic (a cycle is an error naming its blocks), and every
//! block should be reachable (a warning for each unreachable stretch).

use super::{FlowGraph, Step};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::path::YamlPath;
use crate::model::read::{Anchor, Problems};
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::Dfs;
use std::collections::{HashMap, HashSet, VecDeque};

/// Run the graph checks, recording problems. `jumps` are the resolved `next:` jumps (block, target);
/// `orphans` are entries to count as reached (the branches of a block that did not compile).
pub fn check(
    graph: &FlowGraph,
    paths: &HashMap<NodeIndex, YamlPath>,
    jumps: &[(NodeIndex, NodeIndex)],
    orphans: &[NodeIndex],
    problems: &mut Problems,
) {
    // Everything after a cycle is unreachable: that follows from the cycle and would only be noise.
    if !cycles(graph, paths, jumps, problems) {
        unreachable(graph, paths, orphans, problems);
    }
}

fn id(graph: &FlowGraph, node: NodeIndex) -> String {
    match &graph.graph[node] {
        Step::Block(block) => block.id.to_string(),
        Step::End(phase) => format!("end of {}", phase.title()),
    }
}

/// Without `next:` jumps the graph is acyclic by construction: every cycle is closed by a jump, whatever
/// edge carries it (a plain block's jump, a Route's timeout, the end of a Segmentation's branch).
/// Reports each cycle at the jump closing it, naming its blocks in order; true if there was one.
fn cycles(
    graph: &FlowGraph,
    paths: &HashMap<NodeIndex, YamlPath>,
    jumps: &[(NodeIndex, NodeIndex)],
    problems: &mut Problems,
) -> bool {
    let mut found = false;
    for component in petgraph::algo::kosaraju_scc(&graph.graph) {
        let members: HashSet<NodeIndex> = component.iter().copied().collect();
        let self_loop =
            component.len() == 1 && graph.graph.contains_edge(component[0], component[0]);
        if component.len() < 2 && !self_loop {
            continue;
        }
        found = true;
        // The jump from a block on the cycle back into it; failing that, a jump into it from outside
        // (a Segmentation jumping into its own branch makes that branch loop).
        let closing = jumps
            .iter()
            .find(|(from, to)| members.contains(from) && members.contains(to))
            .or_else(|| jumps.iter().find(|(_, to)| members.contains(to)))
            .copied();
        let (blamed, order) = match closing {
            Some((from, to)) if members.contains(&from) => {
                (from, cycle_through(graph, &members, to, from))
            }
            Some((from, to)) => (from, cycle_through(graph, &members, to, to)),
            None => (
                component[0],
                cycle_through(graph, &members, component[0], component[0]),
            ),
        };
        let names = cycle_names(graph, &order);
        let at = paths
            .get(&blamed)
            .map_or(Anchor::At(Span::default()), |p| match closing {
                Some(_) => Anchor::Value(p.key("next")),
                None => Anchor::Value(p.clone()),
            });
        problems.push(
            Diagnostic::error(
                Span::default(),
                format!("these blocks form a cycle: {names}"),
            )
            .in_block(id(graph, blamed))
            .with_help(
                "a flow runs each block at most once per workitem: `next` may only jump forward",
            ),
            at,
        );
    }
    found
}

/// Most blocks a cycle's message names; a longer cycle names its first and last ones.
const NAMED_ON_A_CYCLE: usize = 12;

/// `a` → `b` → `a`, shortened in the middle when the cycle is long.
fn cycle_names(graph: &FlowGraph, order: &[NodeIndex]) -> String {
    let name = |n: &NodeIndex| format!("`{}`", id(graph, *n));
    if order.len() <= NAMED_ON_A_CYCLE {
        return order.iter().map(name).collect::<Vec<_>>().join(" → ");
    }
    let half = NAMED_ON_A_CYCLE / 2;
    let head: Vec<String> = order[..half].iter().map(name).collect();
    let tail: Vec<String> = order[order.len() - half..].iter().map(name).collect();
    format!(
        "{} → … {} more … → {}",
        head.join(" → "),
        order.len() - 2 * half,
        tail.join(" → ")
    )
}

/// The nodes of a shortest cycle inside `members` that starts at `start` and passes through `via`,
/// `start` repeated at the end.
fn cycle_through(
    graph: &FlowGraph,
    members: &HashSet<NodeIndex>,
    start: NodeIndex,
    via: NodeIndex,
) -> Vec<NodeIndex> {
    let mut cycle = if start == via {
        vec![start]
    } else {
        shortest_path(graph, members, start, via).unwrap_or_else(|| vec![start, via])
    };
    let back = shortest_path(graph, members, via, start).unwrap_or_else(|| vec![via, start]);
    cycle.extend_from_slice(&back[1..]);
    cycle
}

/// A shortest path of at least one edge from `from` to `to` inside `members`, both ends included.
fn shortest_path(
    graph: &FlowGraph,
    members: &HashSet<NodeIndex>,
    from: NodeIndex,
    to: NodeIndex,
) -> Option<Vec<NodeIndex>> {
    let mut previous: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(node) = queue.pop_front() {
        for next in graph.graph.neighbors_directed(node, Direction::Outgoing) {
            if !members.contains(&next) || previous.contains_key(&next) {
                continue;
            }
            previous.insert(next, node);
            if next == to {
                let mut path = vec![to];
                let mut at = node;
                while at != from {
                    path.push(at);
                    at = previous[&at];
                }
                path.push(from);
                path.reverse();
                return Some(path);
            }
            queue.push_back(next);
        }
    }
    None
}

fn unreachable(
    graph: &FlowGraph,
    paths: &HashMap<NodeIndex, YamlPath>,
    orphans: &[NodeIndex],
    problems: &mut Problems,
) {
    let mut reached = HashSet::new();
    let mut dfs = Dfs::new(&graph.graph, graph.entries[0]);
    for &root in std::iter::once(&graph.entries[0]).chain(orphans) {
        dfs.move_to(root);
        while let Some(node) = dfs.next(&graph.graph) {
            reached.insert(node);
        }
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
        // The stretch ends with its phase: a later phase's unreachable start is reported on its own.
        let mut stretch = 0;
        let mut seen = HashSet::from([node]);
        let mut stack = vec![node];
        while let Some(at) = stack.pop() {
            stretch += 1;
            for next in graph.graph.neighbors_directed(at, Direction::Outgoing) {
                if !reached.contains(&next)
                    && matches!(graph.graph[next], Step::Block(_))
                    && seen.insert(next)
                {
                    stack.push(next);
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Block, BlockKind, Edge};
    use crate::model::read::Phase;
    use petgraph::graph::DiGraph;

    /// A chain of `n` blocks in Initialize, each leading to the next, then the three phase ends.
    fn chain(n: usize) -> (FlowGraph, Vec<NodeIndex>) {
        let mut graph = DiGraph::new();
        let blocks: Vec<NodeIndex> = (0..n)
            .map(|i| {
                graph.add_node(Step::Block(Box::new(Block {
                    id: format!("b{i}").into(),
                    name: None,
                    phase: Phase::Initialize,
                    kind: BlockKind::Finish,
                })))
            })
            .collect();
        let ends = Phase::ALL.map(|phase| graph.add_node(Step::End(phase)));
        for pair in blocks.windows(2) {
            graph.add_edge(pair[0], pair[1], Edge::Next);
        }
        graph.add_edge(blocks[n - 1], ends[0], Edge::Next);
        graph.add_edge(ends[0], ends[1], Edge::Next);
        graph.add_edge(ends[1], ends[2], Edge::Next);
        let entries = [blocks[0], ends[1], ends[2]];
        (FlowGraph { graph, entries }, blocks)
    }

    fn messages(problems: Problems) -> Vec<String> {
        problems
            .locate(&crate::diagnostic::SourceFile::new("f", ""))
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn a_chain_of_300_000_blocks_checks_without_recursion() {
        // tarjan_scc recursed once per block: 100,000 blocks overflowed the main thread's stack.
        let (graph, _) = chain(300_000);
        let mut problems = Problems::default();
        check(&graph, &HashMap::new(), &[], &[], &mut problems);
        assert!(messages(problems).is_empty());
    }

    #[test]
    fn a_cycle_through_300_000_blocks_is_reported_with_a_short_message() {
        let (mut graph, blocks) = chain(300_000);
        let (first, last) = (blocks[0], blocks[blocks.len() - 1]);
        graph.graph.add_edge(last, first, Edge::Jump);
        let mut problems = Problems::default();
        check(
            &graph,
            &HashMap::new(),
            &[(last, first)],
            &[],
            &mut problems,
        );
        let messages = messages(problems);
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert_eq!(
            messages[0],
            "these blocks form a cycle: `b0` → `b1` → `b2` → `b3` → `b4` → `b5` → … 299989 more … \
             → `b299995` → `b299996` → `b299997` → `b299998` → `b299999` → `b0`"
        );
    }
}
