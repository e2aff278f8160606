//! Ranks: each node one below the lowest of its predecessors in its lane (longest path), lanes
//! stacked in increasing order so that each is a band of its own.

use super::{Edge, Node};
use std::collections::BTreeMap;

/// The rank of each node. Edges between lanes do not rank (the lanes' stacking does); a cycle, which a
/// flow never has, would leave its nodes at the top of their lane rather than fail.
pub fn ranks<'a>(nodes: &[Node], edges: impl Iterator<Item = &'a Edge>) -> Vec<usize> {
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut incoming = vec![0usize; nodes.len()];
    for edge in edges.filter(|e| nodes[e.from].lane == nodes[e.to].lane && e.from != e.to) {
        successors[edge.from].push(edge.to);
        incoming[edge.to] += 1;
    }
    // Kahn's order, in node order among the ready ones: longest paths within each lane.
    let mut rank = vec![0usize; nodes.len()];
    let mut ready: Vec<usize> = (0..nodes.len())
        .filter(|&n| incoming[n] == 0)
        .rev()
        .collect();
    while let Some(node) = ready.pop() {
        for &next in &successors[node] {
            rank[next] = rank[next].max(rank[node] + 1);
            incoming[next] -= 1;
            if incoming[next] == 0 {
                ready.push(next);
            }
        }
    }
    // Stack the lanes: each starts one rank below the last rank of the lanes before it.
    let mut deepest: BTreeMap<usize, usize> = BTreeMap::new();
    for (node, &r) in nodes.iter().zip(&rank) {
        let d = deepest.entry(node.lane).or_insert(0);
        *d = (*d).max(r);
    }
    let mut start = 0;
    let mut starts = BTreeMap::new();
    for (lane, d) in deepest {
        starts.insert(lane, start);
        start += d + 1;
    }
    for (node, r) in nodes.iter().zip(rank.iter_mut()) {
        *r += starts.get(&node.lane).copied().unwrap_or(0);
    }
    rank
}
