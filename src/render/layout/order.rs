//! The order of the nodes within each layer: first as a depth-first walk meets them (a Segmentation's
//! branches left to right in the flow's order), then barycenter sweeps down and up, keeping the order
//! with the fewest crossings. Each sweep sorts every layer once, and crossings are counted by
//! inversions (Barth, Jünger and Mutzel), so a sweep costs O(E log V).

use super::{Kind, Layered};

/// Sweeps down and up, each: a fixed number, so the time is bounded whatever the graph.
const SWEEPS: usize = 12;

/// The nodes of each layer, left to right: the best of four starts (the flow's order and its
/// reverse, each with bundles' ways first or where the walk meets them), each improved by sweeps.
pub fn order(graph: &Layered) -> Vec<Vec<usize>> {
    let mut best: Option<(u64, Vec<Vec<usize>>)> = None;
    for reverse in [false, true] {
        for ways_first in [false, true] {
            let (crossings, order) = sweep(graph, start(graph, reverse, ways_first));
            if best.as_ref().is_none_or(|(fewest, _)| crossings < *fewest) {
                best = Some((crossings, order));
            }
        }
    }
    let mut best = best.map(|(_, order)| order).unwrap_or_default();
    let mut position = vec![0usize; graph.layer.len()];
    number(&best, &mut position);
    transpose(graph, &mut best, &mut position);
    best
}

/// Each node's place in its layer.
fn number(order: &[Vec<usize>], position: &mut [usize]) {
    for layer in order {
        for (i, &v) in layer.iter().enumerate() {
            position[v] = i;
        }
    }
}

/// The layers as a depth-first walk from the sources meets the nodes, each node's edges in order (or
/// in reverse); bundles' ways first in their layers if `ways_first`.
fn start(graph: &Layered, reverse: bool, ways_first: bool) -> Vec<Vec<usize>> {
    let count = graph.layer.len();
    let layers = graph.layer.iter().max().map_or(0, |&m| m + 1);
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); layers];
    let mut seen = vec![false; count];
    let sources = (0..count).filter(|&v| graph.up[v].is_empty());
    for start in sources.chain(0..count) {
        let mut stack = vec![start];
        while let Some(v) = stack.pop() {
            if std::mem::replace(&mut seen[v], true) {
                continue;
            }
            order[graph.layer[v]].push(v);
            let next = graph.down[v].iter().filter(|&&w| !seen[w]);
            if reverse {
                stack.extend(next);
            } else {
                stack.extend(next.rev());
            }
        }
    }
    if ways_first {
        for layer in &mut order {
            layer.sort_by_key(|&v| graph.kind[v] != Kind::Way);
        }
    }
    order
}

/// Barycenter sweeps from `order`: the order with the fewest crossings met, and their number.
fn sweep(graph: &Layered, mut order: Vec<Vec<usize>>) -> (u64, Vec<Vec<usize>>) {
    let count = graph.layer.len();
    let layers = order.len();
    let mut position = vec![0usize; count];
    number(&order, &mut position);
    let mut best = order.clone();
    let mut fewest = crossings(graph, &order, &position);
    for sweep in 0..SWEEPS {
        if fewest == 0 {
            break;
        }
        let downward = sweep % 2 == 0;
        let sequence: Vec<usize> = if downward {
            (1..layers).collect()
        } else {
            (0..layers.saturating_sub(1)).rev().collect()
        };
        for l in sequence {
            let neighbours = if downward { &graph.up } else { &graph.down };
            let mut keyed: Vec<(f64, usize)> = order[l]
                .iter()
                .map(|&v| {
                    let near = &neighbours[v];
                    let key = if near.is_empty() {
                        position[v] as f64
                    } else {
                        near.iter().map(|&u| position[u] as f64).sum::<f64>() / near.len() as f64
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            order[l] = keyed.into_iter().map(|(_, v)| v).collect();
            for (i, &v) in order[l].iter().enumerate() {
                position[v] = i;
            }
        }
        let now = crossings(graph, &order, &position);
        if now < fewest {
            fewest = now;
            best = order.clone();
        }
    }
    (fewest, best)
}

/// Passes of [`transpose`].
const TRANSPOSE_PASSES: usize = 4;

/// Swap neighbours in a layer wherever that removes crossings (Gansner et al.'s transpose), which the
/// sweeps miss when two nodes have the same barycenter (a Route's `routed` and timed-out edges).
fn transpose(graph: &Layered, order: &mut [Vec<usize>], position: &mut [usize]) {
    for _ in 0..TRANSPOSE_PASSES {
        let mut improved = false;
        for layer in order.iter_mut() {
            for i in 1..layer.len() {
                let (u, v) = (layer[i - 1], layer[i]);
                if crossings_between(graph, v, u, position)
                    < crossings_between(graph, u, v, position)
                {
                    layer.swap(i - 1, i);
                    position[u] = i;
                    position[v] = i - 1;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Most pairs of edges [`crossings_between`] compares, so that two nodes of many edges cost bounded time.
const MOST_PAIRS: usize = 4096;

/// How many of the edges of `left` cross those of `right` (its right neighbour), above and below.
fn crossings_between(graph: &Layered, left: usize, right: usize, position: &[usize]) -> usize {
    let mut count = 0;
    for (a, b) in [(&graph.up, &graph.up), (&graph.down, &graph.down)] {
        let (a, b) = (&a[left], &b[right]);
        if a.len() * b.len() > MOST_PAIRS {
            continue;
        }
        for &x in a {
            count += b.iter().filter(|&&y| position[x] > position[y]).count();
        }
    }
    count
}

/// How many pairs of edges cross between neighbouring layers.
fn crossings(graph: &Layered, order: &[Vec<usize>], position: &[usize]) -> u64 {
    let mut total = 0u64;
    for (l, layer) in order.iter().enumerate() {
        let Some(below) = order.get(l + 1) else {
            break;
        };
        // Targets' positions, edges taken by source position then target position: every pair out
        // of order is a crossing.
        let mut targets: Vec<usize> = Vec::new();
        for &v in layer {
            let start = targets.len();
            targets.extend(graph.down[v].iter().map(|&w| position[w]));
            targets[start..].sort_unstable();
        }
        let mut tree = vec![0u64; below.len() + 1];
        for (seen, &t) in targets.iter().enumerate() {
            // Earlier edges with a target right of t cross this one.
            let mut i = t + 1;
            let mut at_most = 0u64;
            while i > 0 {
                at_most += tree[i];
                i &= i - 1;
            }
            total += seen as u64 - at_most;
            let mut i = t + 1;
            while i < tree.len() {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}
