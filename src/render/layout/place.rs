//! Coordinates. Across: sweeps down and up, each layer in turn pulled towards its neighbours in the
//! layer before it (long edges, through their dummies, pulled hardest, so they run straight), then
//! set as close to where it is pulled as its order and widths allow: a least-squares fit under
//! "keep the order, keep apart", solved exactly in linear time by pooling adjacent violators.
//! Down: layer after layer, with each lane's band around its layers.

use super::{BAND_FOOT, BAND_HEAD, Band, DUMMY_GAP, Kind, LAYER_GAP, Layered, NODE_GAP};

/// Rounds of a sweep down then up.
const ROUNDS: usize = 16;

/// Each node's centre across, and the width of it all (from 0).
pub struct Placed {
    pub x: Vec<f64>,
    pub width: f64,
}

/// Place the nodes of `order` across.
pub fn place(graph: &Layered, order: &[Vec<usize>]) -> Placed {
    let mut x = vec![0.0; graph.layer.len()];
    for layer in order {
        let mut at = 0.0;
        for (i, &v) in layer.iter().enumerate() {
            if i > 0 {
                at += apart(graph, layer[i - 1], v);
            }
            x[v] = at;
        }
        for &v in layer {
            x[v] -= at / 2.0;
        }
    }
    for _ in 0..ROUNDS {
        for layer in order.iter().skip(1) {
            align(graph, layer, &mut x);
        }
        for layer in order.iter().rev().skip(1) {
            align(graph, layer, &mut x);
        }
    }
    let half = |v: usize| graph.size[v].width / 2.0;
    let left = (0..x.len())
        .map(|v| x[v] - half(v))
        .fold(f64::INFINITY, f64::min);
    let left = if left.is_finite() { left } else { 0.0 };
    for v in &mut x {
        *v -= left;
    }
    let width = (0..x.len()).map(|v| x[v] + half(v)).fold(0.0, f64::max);
    Placed { x, width }
}

/// How far apart the centres of neighbours `a` and `b` must be.
fn apart(graph: &Layered, a: usize, b: usize) -> f64 {
    let gap = match (graph.kind[a], graph.kind[b]) {
        (Kind::Real, _) | (_, Kind::Real) => NODE_GAP,
        _ => DUMMY_GAP,
    };
    (graph.size[a].width + graph.size[b].width) / 2.0 + gap
}

/// How hard an edge between `a` and `b` pulls: hardest between dummies, so long edges run straight
/// (Gansner et al.'s weights), harder still along a bundle's way, which many edges join; and weakly
/// where a long edge meets a block, so that the long edge bends at its end rather than pulling the
/// block off the line of its neighbours (a Segmentation's `otherwise` comes in from the side).
fn pull(graph: &Layered, a: usize, b: usize) -> f64 {
    match (graph.kind[a], graph.kind[b]) {
        (Kind::Way, Kind::Way) => 32.0,
        (Kind::Real, Kind::Real) => 1.0,
        (Kind::Real, Kind::Label) | (Kind::Label, Kind::Real) => 2.0,
        (Kind::Real, _) | (_, Kind::Real) => 0.5,
        _ => 8.0,
    }
}

/// Move `layer` to where its neighbours above and below pull it, as close as order and widths allow:
/// the least-squares best for this layer given the others, so that the sweeps together settle where
/// the sum of the squared edge slants (weighted) is least, with no drift up or down.
fn align(graph: &Layered, layer: &[usize], x: &mut [f64]) {
    // With offsets o (each node's least distance from the first), y = x - o must not decrease: fit
    // y to the wanted positions minus the offsets (isotonic regression), then x = y + o.
    let mut offset = 0.0;
    // Blocks of pooled nodes: (weight, weighted sum of wanted y, nodes).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(layer.len());
    let mut offsets = Vec::with_capacity(layer.len());
    for (i, &v) in layer.iter().enumerate() {
        if i > 0 {
            offset += apart(graph, layer[i - 1], v);
        }
        offsets.push(offset);
        let near = graph.up[v].iter().chain(&graph.down[v]);
        let (sum, weight) = near.fold((0.0, 0.0), |(sum, weight), &u| {
            let w = pull(graph, u, v);
            (sum + w * x[u], weight + w)
        });
        // A node without neighbours stays where it is, unless pushed.
        let (wanted, weight) = if weight > 0.0 {
            (sum / weight, weight)
        } else {
            (x[v], 0.01)
        };
        blocks.push((weight, weight * (wanted - offset), 1));
        while blocks.len() > 1 {
            let (w2, s2, n2) = blocks[blocks.len() - 1];
            let (w1, s1, n1) = blocks[blocks.len() - 2];
            if s1 / w1 <= s2 / w2 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (w1 + w2, s1 + s2, n1 + n2);
        }
    }
    let mut i = 0;
    for (weight, sum, count) in blocks {
        for _ in 0..count {
            if let (Some(&v), Some(&o)) = (layer.get(i), offsets.get(i)) {
                x[v] = sum / weight + o;
            }
            i += 1;
        }
    }
}

/// The centre and height of each layer, and each lane's band.
pub fn heights(
    graph: &Layered,
    order: &[Vec<usize>],
    lanes: &[usize],
) -> (Vec<f64>, Vec<f64>, Vec<Band>) {
    let mut y = 0.0;
    let mut centres = Vec::with_capacity(order.len());
    let mut heights = Vec::with_capacity(order.len());
    let mut bands: Vec<Band> = Vec::new();
    for (layer, &lane) in order.iter().zip(lanes) {
        let height = layer
            .iter()
            .map(|&v| graph.size[v].height)
            .fold(0.0, f64::max);
        if bands.last().map(|b| b.lane) != Some(lane) {
            if let Some(band) = bands.last_mut() {
                y += BAND_FOOT;
                band.bottom = y;
            }
            bands.push(Band {
                lane,
                top: y,
                bottom: y,
            });
            y += BAND_HEAD;
        } else {
            y += LAYER_GAP;
        }
        centres.push(y + height / 2.0);
        heights.push(height);
        y += height;
    }
    if let Some(band) = bands.last_mut() {
        band.bottom = y + BAND_FOOT;
    }
    (centres, heights, bands)
}
