//! A layered drawing of a DAG, top to bottom (Sugiyama's method), in time near-linear in the nodes
//! plus the ranks their edges cross:
//! 1. [`rank`]: each node's rank by longest path, lane (phase) after lane;
//! 2. here: long edges cut by dummy nodes, one rank per dummy, so that every edge joins neighbouring
//!    layers; an edge's label gets a dummy of its own (its slot, sized to the label) just below its
//!    source, and edges that share a target and a bundle share their dummies (a bus);
//! 3. [`order`]: the order within each layer, by barycenter sweeps keeping the fewest crossings;
//! 4. [`place`]: coordinates, each layer pulled towards its neighbours without overlaps.
//!
//! Ranks are doubled (layer = 2 × rank), so that every edge has a slot between its ends for its label.

mod order;
mod place;
mod rank;

use std::collections::HashMap;

/// A width and a height.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Size {
    pub width: f64,
    pub height: f64,
}

/// A point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// A node to place: its size and its lane (drawn as a band; lanes stack in increasing order).
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub size: Size,
    pub lane: usize,
}

/// An edge to route.
#[derive(Clone, Copy, Debug)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// The size of its label, if it has one.
    pub label: Option<Size>,
    /// Edges with the same target and bundle share their way in.
    pub bundle: Option<u8>,
}

/// Where a lane is drawn: a band across the drawing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub lane: usize,
    pub top: f64,
    pub bottom: f64,
}

/// How an edge goes: from its source's centre through its dummies to its target's centre, or to where
/// it joins its bundle's way to the target.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub points: Vec<Point>,
    /// The centre of its label.
    pub label: Option<Point>,
    /// It ends where it joins another edge of its bundle, not at its target.
    pub joins: bool,
}

/// A laid out graph: coordinates are ≥ 0, the content ends at `size`.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawing {
    /// Each node's centre.
    pub nodes: Vec<Point>,
    pub routes: Vec<Route>,
    pub bands: Vec<Band>,
    pub size: Size,
}

/// Space between neighbours in a layer, and between layers.
pub const NODE_GAP: f64 = 28.0;
pub const DUMMY_GAP: f64 = 14.0;
pub const LAYER_GAP: f64 = 18.0;
/// Room at the top of a band for its title, and under its last layer.
pub const BAND_HEAD: f64 = 30.0;
pub const BAND_FOOT: f64 = 14.0;
/// Room beside the content inside the bands.
pub const BAND_SIDE: f64 = 14.0;

/// At most this many dummies per node (plus a base): past it, long edges are drawn straight, so a
/// flow built to have quadratically many crossed ranks costs linear time.
const DUMMIES_PER_NODE: usize = 40;
const DUMMIES_BASE: usize = 20_000;

/// What a node of the layered graph stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Real,
    Label,
    Dummy,
    /// A dummy that a bundle's edges share.
    Way,
}

/// The layered graph: the nodes, then dummies; edges join neighbouring layers only.
struct Layered {
    layer: Vec<usize>,
    size: Vec<Size>,
    kind: Vec<Kind>,
    /// Neighbours in the layer above and below, in the order the edges were given.
    up: Vec<Vec<usize>>,
    down: Vec<Vec<usize>>,
    /// Each edge's chain of layered nodes, from its source to its target.
    chains: Vec<Vec<usize>>,
    /// Each edge's label node.
    labels: Vec<Option<usize>>,
    /// Whether each edge ends on its bundle's way (the last of its chain) rather than at its target.
    joins: Vec<bool>,
}

impl Layered {
    fn add(&mut self, layer: usize, size: Size, kind: Kind) -> usize {
        self.layer.push(layer);
        self.size.push(size);
        self.kind.push(kind);
        self.up.push(Vec::new());
        self.down.push(Vec::new());
        self.layer.len() - 1
    }

    /// Join `a` to `b` (in the next layer down), once.
    fn join(&mut self, a: usize, b: usize) {
        if !self.down[a].contains(&b) {
            self.down[a].push(b);
            self.up[b].push(a);
        }
    }
}

/// Lay `nodes` and `edges` out. Edges whose ends are not nodes are ignored (their route is empty).
pub fn layout(nodes: &[Node], edges: &[Edge]) -> Drawing {
    let edges_ok = |e: &&Edge| e.from < nodes.len() && e.to < nodes.len();
    let ranks = rank::ranks(nodes, edges.iter().filter(edges_ok));
    let layered = layer(nodes, edges, &ranks);
    let layers = order::order(&layered);
    let placed = place::place(&layered, &layers);
    let lane_of_layer = lanes_of_layers(nodes, &ranks, layers.len());
    let (ys, heights, bands) = place::heights(&layered, &layers, &lane_of_layer);
    let shift = BAND_SIDE;
    let at = |v: usize| Point {
        x: placed.x[v] + shift,
        y: ys[layered.layer[v]],
    };
    let routes = (0..edges.len())
        .map(|e| Route {
            points: through(&layered, &layered.chains[e], &heights, at),
            label: layered.labels[e].map(at),
            joins: layered.joins[e],
        })
        .collect();
    let height = bands.last().map_or(0.0, |b| b.bottom);
    Drawing {
        nodes: (0..nodes.len()).map(at).collect(),
        routes,
        bands,
        size: Size {
            width: placed.width + 2.0 * shift,
            height,
        },
    }
}

/// The points an edge goes through: its ends' centres, and each dummy's top and bottom (the height of
/// its layer), so that beside a block the edge runs upright and bends only between layers.
fn through(
    graph: &Layered,
    chain: &[usize],
    heights: &[f64],
    at: impl Fn(usize) -> Point,
) -> Vec<Point> {
    let mut points: Vec<Point> = Vec::with_capacity(2 * chain.len());
    for (i, &v) in chain.iter().enumerate() {
        let centre = at(v);
        let half = heights.get(graph.layer[v]).copied().unwrap_or(0.0) / 2.0;
        let inner = i > 0 && i + 1 < chain.len();
        if !inner || half <= 0.0 {
            points.push(centre);
            continue;
        }
        // Downward unless the edge came from below.
        let sign = match points.last() {
            Some(before) if before.y > centre.y => -1.0,
            _ => 1.0,
        };
        for step in [-sign, sign] {
            points.push(Point {
                x: centre.x,
                y: centre.y + step * half,
            });
        }
    }
    points
}

/// The lane of each layer: that of its rank (a label layer belongs to the rank above it).
fn lanes_of_layers(nodes: &[Node], ranks: &[usize], layers: usize) -> Vec<usize> {
    let mut lanes = vec![usize::MAX; layers];
    for (node, &rank) in nodes.iter().zip(ranks) {
        if let Some(lane) = lanes.get_mut(2 * rank) {
            *lane = node.lane;
        }
    }
    // Ranks are stacked lane after lane, so a layer without a node of its own takes the lane above.
    let mut last = lanes
        .iter()
        .copied()
        .find(|&l| l != usize::MAX)
        .unwrap_or(0);
    for lane in &mut lanes {
        if *lane == usize::MAX {
            *lane = last;
        }
        last = *lane;
    }
    lanes
}

/// The layered graph of `nodes` and `edges` ranked `ranks`: dummies on long edges, label slots.
fn layer(nodes: &[Node], edges: &[Edge], ranks: &[usize]) -> Layered {
    let mut layered = Layered {
        layer: Vec::new(),
        size: Vec::new(),
        kind: Vec::new(),
        up: Vec::new(),
        down: Vec::new(),
        chains: Vec::new(),
        labels: Vec::new(),
        joins: Vec::new(),
    };
    for (node, &rank) in nodes.iter().zip(ranks) {
        layered.add(2 * rank, node.size, Kind::Real);
    }
    let budget = nodes.len() * DUMMIES_PER_NODE + DUMMIES_BASE;
    let none = Size {
        width: 0.0,
        height: 0.0,
    };
    // Dummies shared by a bundle: (target, bundle, layer) → dummy.
    let mut shared: HashMap<(usize, u8, usize), usize> = HashMap::new();
    for edge in edges {
        if edge.from >= nodes.len() || edge.to >= nodes.len() {
            layered.chains.push(Vec::new());
            layered.labels.push(None);
            layered.joins.push(false);
            continue;
        }
        let (from, to) = (2 * ranks[edge.from], 2 * ranks[edge.to]);
        let downward = from <= to;
        let (top, bottom) = if downward { (from, to) } else { (to, from) };
        let crossed = bottom.saturating_sub(top + 1);
        let mut chain = vec![edge.from];
        let mut label = None;
        let mut joins = false;
        if crossed > 0 && layered.layer.len() + crossed <= nodes.len() + budget {
            // Walk from the source: its label right below (or above) it, then the way on.
            let layers: Vec<usize> = if downward {
                (top + 1..bottom).collect()
            } else {
                (top + 1..bottom).rev().collect()
            };
            for (i, &at) in layers.iter().enumerate() {
                let dummy = match (i, edge.label, edge.bundle) {
                    (0, Some(size), _) => {
                        let dummy = layered.add(at, size, Kind::Label);
                        label = Some(dummy);
                        dummy
                    }
                    (_, _, Some(bundle)) if downward => match shared.get(&(edge.to, bundle, at)) {
                        // The bundle's way is there already: join it and stop, so that each edge
                        // of a bundle costs only the ranks to its junction.
                        Some(&way) => {
                            chain.push(way);
                            joins = true;
                            break;
                        }
                        None => {
                            let dummy = layered.add(at, none, Kind::Way);
                            shared.insert((edge.to, bundle, at), dummy);
                            dummy
                        }
                    },
                    _ => layered.add(at, none, Kind::Dummy),
                };
                chain.push(dummy);
            }
        }
        if !joins {
            chain.push(edge.to);
        }
        for pair in chain.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (a, b) = if layered.layer[a] <= layered.layer[b] {
                (a, b)
            } else {
                (b, a)
            };
            if layered.layer[a] + 1 == layered.layer[b] {
                layered.join(a, b);
            }
        }
        layered.chains.push(chain);
        layered.labels.push(label);
        layered.joins.push(joins);
    }
    layered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(width: f64, lane: usize) -> Node {
        Node {
            size: Size {
                width,
                height: 30.0,
            },
            lane,
        }
    }

    fn edge(from: usize, to: usize, label: bool) -> Edge {
        Edge {
            from,
            to,
            label: label.then_some(Size {
                width: 40.0,
                height: 16.0,
            }),
            bundle: None,
        }
    }

    #[test]
    fn a_branch_and_its_bypass_sit_side_by_side_and_join_below() {
        let nodes = [node(100.0, 0), node(80.0, 0), node(100.0, 0)];
        let edges = [edge(0, 1, true), edge(0, 2, true), edge(1, 2, false)];
        let drawing = layout(&nodes, &edges);
        let [a, b, c] = [drawing.nodes[0], drawing.nodes[1], drawing.nodes[2]];
        assert!(a.y < b.y && b.y < c.y);
        // The bypass goes beside the branch's block, not through it.
        let bypass = &drawing.routes[1];
        let mut beside = bypass.points.iter().filter(|p| (p.y - b.y).abs() <= 15.0);
        assert_eq!(beside.clone().count(), 2);
        assert!(beside.all(|p| (p.x - b.x).abs() >= 40.0 + DUMMY_GAP));
        assert!(bypass.label.is_some() && drawing.routes[2].label.is_none());
    }

    #[test]
    fn lanes_stack_in_order() {
        let nodes = [node(50.0, 0), node(50.0, 1), node(50.0, 1)];
        let edges = [edge(0, 1, false), edge(1, 2, false)];
        let drawing = layout(&nodes, &edges);
        assert_eq!(drawing.bands.len(), 2);
        assert!(drawing.bands[0].bottom <= drawing.bands[1].top);
        assert!(drawing.nodes[0].y < drawing.bands[0].bottom);
        assert!(drawing.nodes[1].y > drawing.bands[1].top + BAND_HEAD);
    }

    #[test]
    fn bundled_edges_share_their_way_in() {
        let nodes = [node(50.0, 0), node(50.0, 0), node(50.0, 0), node(50.0, 0)];
        let mut edges = vec![edge(0, 1, false), edge(1, 2, false), edge(2, 3, false)];
        for from in [0, 1] {
            edges.push(Edge {
                bundle: Some(1),
                ..edge(from, 3, false)
            });
        }
        let drawing = layout(&nodes, &edges);
        let (a, b) = (&drawing.routes[3], &drawing.routes[4]);
        assert!(!a.joins && b.joins);
        // b ends on a's way: on one of its upright stretches.
        let junction = b.points[b.points.len() - 1];
        let on = |w: &[Point]| {
            w[0].x == junction.x
                && w[1].x == junction.x
                && w[0].y <= junction.y
                && junction.y <= w[1].y
        };
        assert!(a.points.contains(&junction) || a.points.windows(2).any(on));
    }
}
