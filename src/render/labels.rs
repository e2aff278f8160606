//! What each node and edge says, shared by every format.

use crate::flow::Flow;
use crate::graph::{BlockKind, Edge, SkillTarget, Step, Target};
use crate::model::read::Phase;
use crate::script::Origin;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

/// How a node is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// An ordinary block.
    Block,
    /// A segmentation: a decision.
    Decision,
    /// A Route block.
    Route,
    /// The end of a phase, or a `finish` block.
    Terminal,
}

/// A node's drawing: its lines of text and its shape.
pub struct NodeLabel {
    /// First line: the block's name (or id); further lines: what it does.
    pub lines: Vec<String>,
    /// How to draw it.
    pub shape: Shape,
}

/// The label of `node`.
pub fn node(flow: &Flow, node: NodeIndex) -> NodeLabel {
    let variable = |slot: usize| {
        flow.variables
            .get(slot)
            .map_or("?".to_owned(), |v| v.name.to_string())
    };
    match &flow.graph.graph[node] {
        Step::End(phase) => NodeLabel {
            lines: vec![format!("end of {}", phase.title())],
            shape: Shape::Terminal,
        },
        Step::Block(block) => {
            let title = block.name.as_deref().unwrap_or(&block.id).to_owned();
            let (detail, shape) = match &block.kind {
                BlockKind::Assign {
                    variable: slot,
                    value,
                } => (
                    vec![format!("{} ← {}", variable(*slot), value.source())],
                    Shape::Block,
                ),
                BlockKind::ReadUserdata { reads } => {
                    // Six keys would make a tall box: name the first two and count the rest.
                    let mut keys: Vec<String> = reads
                        .iter()
                        .take(2)
                        .map(|(_, key)| key.to_string())
                        .collect();
                    if reads.len() > 2 {
                        keys.push(format!("+{} more", reads.len() - 2));
                    }
                    (
                        vec![format!("read userdata {}", keys.join(", "))],
                        Shape::Block,
                    )
                }
                BlockKind::WriteUserdata { key, value, .. } => (
                    vec![format!("userdata[{}] ← {}", key.source(), value.source())],
                    Shape::Block,
                ),
                BlockKind::Segmentation { .. } => (Vec::new(), Shape::Decision),
                BlockKind::TableLookup(lookup) => {
                    let key: Vec<&str> = lookup.key.iter().map(|k| k.source()).collect();
                    (
                        vec![format!("{}[{}]", lookup.table.name(), key.join(", "))],
                        Shape::Block,
                    )
                }
                BlockKind::Route(route) => {
                    let target = match &route.target {
                        Target::Skill(SkillTarget::Literal { skill, .. }) => {
                            format!("skill {skill}")
                        }
                        other => format!("{} {}", other.kind().replace('_', " "), other.source()),
                    };
                    (
                        vec![
                            format!("route to {target}"),
                            format!("timeout {} s", route.timeout.source()),
                        ],
                        Shape::Route,
                    )
                }
                BlockKind::Log { message } => {
                    (vec![format!("log {}", message.source())], Shape::Block)
                }
                BlockKind::Script(script) => {
                    let detail = match (&script.type_name, script.call.script.origin()) {
                        (Some(type_name), _) => format!("«{type_name}»"),
                        (None, Origin::File(file)) => format!("script {file}"),
                        (None, Origin::Inline) => {
                            let lines = script.inline.as_deref().map_or(0, |s| s.lines().count());
                            let unit = if lines == 1 { "line" } else { "lines" };
                            format!("script ({lines} {unit})")
                        }
                    };
                    // A block that chooses among outputs is a decision, drawn as a Segmentation is.
                    let shape = match script.call.outputs().is_empty() {
                        true => Shape::Block,
                        false => Shape::Decision,
                    };
                    (vec![detail], shape)
                }
                BlockKind::Finish => (vec!["finish".to_owned()], Shape::Terminal),
            };
            let mut lines = vec![title];
            if block.name.is_some() {
                lines.push(format!("[{}]", block.id));
            }
            lines.extend(detail);
            NodeLabel { lines, shape }
        }
    }
}

/// How an edge is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeStyle {
    /// Plain.
    Plain,
    /// Dashed: an explicit jump.
    Jump,
    /// Success: a Route that found an agent.
    Routed,
    /// A Route's timeout: on to the next cascade.
    TimedOut,
}

/// An edge's text and style.
pub fn edge(flow: &Flow, edge: EdgeIndex) -> (Option<String>, EdgeStyle) {
    let Some(weight) = flow.graph.graph.edge_weight(edge) else {
        return (None, EdgeStyle::Plain);
    };
    match weight {
        Edge::Next => (None, EdgeStyle::Plain),
        Edge::Jump => (Some("next".into()), EdgeStyle::Jump),
        Edge::Branch {
            condition, name, ..
        } => (
            Some(match name {
                Some(name) => format!("{name}: {condition}"),
                None => condition.clone(),
            }),
            EdgeStyle::Plain,
        ),
        Edge::Output { name, .. } => (Some(name.to_string()), EdgeStyle::Plain),
        Edge::Otherwise => (Some("otherwise".into()), EdgeStyle::Plain),
        Edge::Routed => (Some("routed".into()), EdgeStyle::Routed),
        Edge::TimedOut => {
            let source = flow.graph.graph.edge_endpoints(edge).map(|(from, _)| from);
            let timeout = source.and_then(|from| match &flow.graph.graph[from] {
                Step::Block(block) => match &block.kind {
                    BlockKind::Route(route) => Some(route.timeout.source().to_owned()),
                    _ => None,
                },
                Step::End(_) => None,
            });
            (
                Some(format!("after {} s", timeout.unwrap_or_default())),
                EdgeStyle::TimedOut,
            )
        }
    }
}

/// Every edge, in a stable order: by source node, then in the order the edges were added.
pub fn edges(flow: &Flow) -> Vec<(NodeIndex, NodeIndex, EdgeIndex)> {
    let mut edges: Vec<_> = flow
        .graph
        .graph
        .edge_references()
        .map(|e| (e.source(), e.target(), e.id()))
        .collect();
    edges.sort_by_key(|(from, _, id)| (from.index(), id.index()));
    edges
}

/// The nodes of each phase, in order.
pub fn phases(flow: &Flow) -> Vec<(Phase, Vec<NodeIndex>)> {
    Phase::ALL
        .iter()
        .map(|&phase| {
            let nodes = flow
                .graph
                .graph
                .node_indices()
                .filter(|&n| match &flow.graph.graph[n] {
                    Step::Block(block) => block.phase == phase,
                    Step::End(p) => *p == phase,
                })
                .collect();
            (phase, nodes)
        })
        .collect()
}

/// A fill colour per phase (light, so text stays readable).
pub fn phase_colour(phase: Phase) -> &'static str {
    match phase {
        Phase::Initialize => "#e8f0fe",
        Phase::AssistedService => "#fef3e0",
        Phase::Finalize => "#e6f4ea",
    }
}
