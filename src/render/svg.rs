//! SVG, laid out by our own layered layout ([`super::layout`]) and drawn at 1:1: blocks as boxes,
//! Segmentations (and blocks choosing among outputs) as hexagons, Route blocks with a heavy border,
//! phase ends as pills; each edge a smooth curve through its layout points with its label on it, on a
//! white ground; each phase a band with its title. The canvas is the content plus a small margin.
//!
//! For pages that style it: each block is `<g class="block" data-block="ID">` (a phase end
//! `<g class="block end" data-end="PHASE">`), each edge `<g class="edge" data-from=… data-to=…>` with
//! its label in `<g class="edge-label">`, each phase `<g class="lane" data-phase="PHASE">`.

use super::Notes;
use super::labels::{self, EdgeStyle, Shape};
use super::layout::{self, Point, Size};
use super::text;
use crate::flow::Flow;
use crate::graph::Step;
use crate::model::read::Phase;
use petgraph::graph::NodeIndex;
use std::fmt::Write;

/// Font sizes: a block's name, everything else. Nothing is drawn smaller.
const TITLE_SIZE: f64 = 13.0;
const TEXT_SIZE: f64 = 12.0;
const LANE_TITLE_SIZE: f64 = 14.0;
/// Lines are cut at this many characters: a block's name, its other lines, an edge's label.
const TITLE_COLUMNS: usize = 40;
const TEXT_COLUMNS: usize = 48;
const LABEL_COLUMNS: usize = 32;
/// Space around text inside a box, and inside an edge's label.
const PAD_X: f64 = 12.0;
const PAD_Y: f64 = 7.0;
const LABEL_PAD_X: f64 = 5.0;
const LABEL_PAD_Y: f64 = 3.0;
/// Space between the drawing and the canvas's edge.
const MARGIN: f64 = 4.0;
/// Steps across smaller than this between two layers are drawn straight.
const KINK: f64 = 8.0;
/// A line's height, as a multiple of its font size.
const LEADING: f64 = 1.3;

const INK: &str = "#202124";
const QUIET: &str = "#5f6368";
const NOTE: &str = "#174ea6";
const UNREACHED_FILL: &str = "#f4c7c3";
const UNREACHED_STROKE: &str = "#c5221f";

/// One line of text.
struct Line {
    text: String,
    size: f64,
    bold: bool,
    colour: &'static str,
    /// A block's note: `class="note"`, for pages that rewrite it (the web view's live counts).
    note: bool,
}

impl Line {
    fn new(text: String, size: f64, bold: bool, colour: &'static str) -> Line {
        Line {
            text,
            size,
            bold,
            colour,
            note: false,
        }
    }

    fn width(&self) -> f64 {
        text::width(&self.text, self.size, self.bold)
    }

    fn height(&self) -> f64 {
        self.size * LEADING
    }
}

/// Lines `text` wrapped at `columns`, each drawn as `like`.
fn wrapped(text: &str, columns: usize, size: f64, bold: bool, colour: &'static str) -> Vec<Line> {
    text::wrap(text, columns)
        .into_iter()
        .map(|line| Line::new(line, size, bold, colour))
        .collect()
}

/// The size of a block of `lines` with padding.
fn text_size(lines: &[Line], pad_x: f64, pad_y: f64) -> Size {
    Size {
        width: lines.iter().map(Line::width).fold(0.0, f64::max) + 2.0 * pad_x,
        height: lines.iter().map(Line::height).sum::<f64>() + 2.0 * pad_y,
    }
}

/// A block as drawn.
struct Block {
    lines: Vec<Line>,
    shape: Shape,
    size: Size,
    unreached: bool,
    /// `data-block="ID"`, or `data-end="PHASE"` for the end of a phase.
    key: String,
    /// What its edges name it by: its id, or `end:PHASE`.
    endpoint: String,
    phase: Phase,
}

fn block(flow: &Flow, node: NodeIndex, notes: &Notes) -> Block {
    let label = labels::node(flow, node);
    let (named, key, phase) = match &flow.graph.graph[node] {
        Step::Block(block) => (block.name.is_some(), block.id.to_string(), block.phase),
        Step::End(phase) => (false, phase.key().to_owned(), *phase),
    };
    let mut lines = Vec::new();
    for (i, line) in label.lines.iter().enumerate() {
        lines.extend(match i {
            0 => wrapped(line, TITLE_COLUMNS, TITLE_SIZE, true, INK),
            1 if named => vec![Line::new(line.clone(), TEXT_SIZE, false, QUIET)],
            _ => wrapped(line, TEXT_COLUMNS, TEXT_SIZE, false, INK),
        });
    }
    let note = notes.blocks.get(&node);
    for line in note.map_or(&[][..], |n| &n.lines[..]) {
        lines.extend(
            wrapped(line, TEXT_COLUMNS, TEXT_SIZE, true, NOTE)
                .into_iter()
                .map(|line| Line { note: true, ..line }),
        );
    }
    let text = text_size(&lines, PAD_X, PAD_Y);
    // A hexagon's points and a pill's round ends take room beside the text.
    let extra = match label.shape {
        Shape::Decision => text.height,
        Shape::Terminal => text.height / 2.0,
        Shape::Block | Shape::Route => 0.0,
    };
    Block {
        lines,
        shape: label.shape,
        size: Size {
            width: text.width + extra,
            height: text.height,
        },
        unreached: note.is_some_and(|n| n.unreached),
        key: match &flow.graph.graph[node] {
            Step::Block(_) => format!("class=\"block\" data-block=\"{}\"", escape(&key)),
            Step::End(_) => format!("class=\"block end\" data-end=\"{key}\""),
        },
        endpoint: match &flow.graph.graph[node] {
            Step::Block(_) => escape(&key),
            Step::End(_) => format!("end:{key}"),
        },
        phase,
    }
}

/// An edge as drawn.
struct Arrow {
    from: usize,
    to: usize,
    lines: Vec<Line>,
    style: EdgeStyle,
}

fn colour(style: EdgeStyle) -> &'static str {
    match style {
        EdgeStyle::Plain | EdgeStyle::Jump => QUIET,
        EdgeStyle::Routed => "#188038",
        EdgeStyle::TimedOut => "#e37400",
    }
}

fn marker(style: EdgeStyle) -> &'static str {
    match style {
        EdgeStyle::Plain | EdgeStyle::Jump => "plain",
        EdgeStyle::Routed => "routed",
        EdgeStyle::TimedOut => "timed-out",
    }
}

/// The flow as an SVG picture, with `notes` on its blocks and edges.
pub fn render(flow: &Flow, notes: &Notes) -> String {
    let graph = &flow.graph.graph;
    let blocks: Vec<Block> = graph
        .node_indices()
        .map(|n| block(flow, n, notes))
        .collect();
    let arrows: Vec<Arrow> = labels::edges(flow)
        .into_iter()
        .map(|(from, to, edge)| {
            let (label, style) = labels::edge(flow, edge);
            let mut lines = label.map_or_else(Vec::new, |l| {
                wrapped(&l, LABEL_COLUMNS, TEXT_SIZE, false, INK)
            });
            if let Some(note) = notes.edges.get(&edge) {
                lines.extend(wrapped(note, LABEL_COLUMNS, TEXT_SIZE, true, NOTE));
            }
            Arrow {
                from: from.index(),
                to: to.index(),
                lines,
                style,
            }
        })
        .collect();
    let nodes: Vec<layout::Node> = blocks
        .iter()
        .map(|b| layout::Node {
            size: b.size,
            lane: b.phase as usize,
        })
        .collect();
    let edges: Vec<layout::Edge> = arrows
        .iter()
        .map(|a| layout::Edge {
            from: a.from,
            to: a.to,
            label: (!a.lines.is_empty()).then(|| text_size(&a.lines, LABEL_PAD_X, LABEL_PAD_Y)),
            // The Route blocks' `routed` edges run to Finalize together, as one line.
            bundle: (a.style == EdgeStyle::Routed).then_some(1),
        })
        .collect();
    let drawing = layout::layout(&nodes, &edges);
    draw(flow, &blocks, &arrows, &drawing)
}

fn draw(flow: &Flow, blocks: &[Block], arrows: &[Arrow], drawing: &layout::Drawing) -> String {
    // The bands are as wide as the drawing, and at least as wide as their titles.
    let titles = Phase::ALL
        .iter()
        .map(|p| text::width(p.title(), LANE_TITLE_SIZE, true) + 2.0 * layout::BAND_SIDE)
        .fold(0.0, f64::max);
    let inner = Size {
        width: drawing.size.width.max(titles),
        height: drawing.size.height,
    };
    let (width, height) = (inner.width + 2.0 * MARGIN, inner.height + 2.0 * MARGIN);
    let at = |p: Point| Point {
        x: p.x + MARGIN,
        y: p.y + MARGIN,
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"Helvetica, Arial, sans-serif\">",
        w = num(width),
        h = num(height)
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&flow.application));
    out.push_str("<defs>\n");
    for style in [EdgeStyle::Plain, EdgeStyle::Routed, EdgeStyle::TimedOut] {
        let _ = writeln!(
            out,
            "<marker id=\"arrow-{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" \
             markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">\
             <path d=\"M0,0 L10,5 L0,10 z\" fill=\"{}\"/></marker>",
            marker(style),
            colour(style)
        );
    }
    out.push_str("</defs>\n");
    let _ = writeln!(
        out,
        "<rect class=\"background\" x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
        num(width),
        num(height)
    );
    for band in &drawing.bands {
        let Some(&phase) = Phase::ALL.get(band.lane) else {
            continue;
        };
        let _ = writeln!(
            out,
            "<g class=\"lane\" data-phase=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" \
             rx=\"8\" fill=\"{}\" stroke=\"#dadce0\"/>",
            phase.key(),
            num(MARGIN),
            num(band.top + MARGIN),
            num(inner.width),
            num(band.bottom - band.top),
            labels::phase_colour(phase)
        );
        let line = Line::new(phase.title().to_owned(), LANE_TITLE_SIZE, true, QUIET);
        text_line(
            &mut out,
            &line,
            MARGIN + layout::BAND_SIDE,
            band.top + MARGIN + 6.0,
            "start",
        );
        out.push_str("</g>\n");
    }
    for (e, arrow) in arrows.iter().enumerate() {
        let Some(route) = drawing.routes.get(e) else {
            continue;
        };
        let (Some(from), Some(to)) = (blocks.get(arrow.from), blocks.get(arrow.to)) else {
            continue;
        };
        let points: Vec<Point> = route.points.iter().map(|&p| at(p)).collect();
        let _ = write!(
            out,
            "<g class=\"edge\" data-from=\"{}\" data-to=\"{}\">",
            from.endpoint, to.endpoint
        );
        let dash = if arrow.style == EdgeStyle::Jump {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        // An edge that joins its bundle's way ends there; the way carries the arrowhead.
        let arrowhead = if route.joins {
            String::new()
        } else {
            format!(" marker-end=\"url(#arrow-{})\"", marker(arrow.style))
        };
        let _ = write!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"{dash}{arrowhead}/>",
            curve(&points, from, (!route.joins).then_some(to)),
            colour(arrow.style),
        );
        if let Some(centre) = route.label.map(at) {
            let size = text_size(&arrow.lines, LABEL_PAD_X, LABEL_PAD_Y);
            let (left, top) = (centre.x - size.width / 2.0, centre.y - size.height / 2.0);
            let _ = write!(
                out,
                "<g class=\"edge-label\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" \
                 fill=\"#ffffff\" fill-opacity=\"0.95\" stroke=\"{}\" stroke-width=\"0.75\"/>",
                num(left),
                num(top),
                num(size.width),
                num(size.height),
                colour(arrow.style)
            );
            text_lines(&mut out, &arrow.lines, centre.x, top + LABEL_PAD_Y);
            out.push_str("</g>");
        }
        out.push_str("</g>\n");
    }
    for (block, &centre) in blocks.iter().zip(&drawing.nodes) {
        let centre = at(centre);
        let _ = write!(out, "<g {}>", block.key);
        shape(&mut out, block, centre);
        text_lines(
            &mut out,
            &block.lines,
            centre.x,
            centre.y - block.size.height / 2.0 + PAD_Y,
        );
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// A block's outline.
fn shape(out: &mut String, block: &Block, c: Point) {
    let Size { width, height } = block.size;
    let (left, top) = (c.x - width / 2.0, c.y - height / 2.0);
    let (fill, stroke) = match (block.unreached, block.shape) {
        (true, _) => (UNREACHED_FILL, UNREACHED_STROKE),
        (false, Shape::Decision) => ("#fff8e1", "#b06000"),
        (false, Shape::Terminal) => ("#f1f3f4", "#80868b"),
        (false, Shape::Route) => ("#ffffff", "#1a73e8"),
        (false, Shape::Block) => ("#ffffff", "#80868b"),
    };
    let stroke_width = if block.shape == Shape::Route {
        "2.5"
    } else {
        "1.25"
    };
    match block.shape {
        Shape::Decision => {
            let point = height / 2.0;
            let corners = [
                (left, c.y),
                (left + point, top),
                (left + width - point, top),
                (left + width, c.y),
                (left + width - point, top + height),
                (left + point, top + height),
            ];
            let points: Vec<String> = corners
                .iter()
                .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
                .collect();
            let _ = write!(
                out,
                "<polygon points=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{stroke_width}\"/>",
                points.join(" ")
            );
        }
        Shape::Block | Shape::Route | Shape::Terminal => {
            let round = if block.shape == Shape::Terminal {
                height / 2.0
            } else {
                6.0
            };
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{fill}\" \
                 stroke=\"{stroke}\" stroke-width=\"{stroke_width}\"/>",
                num(left),
                num(top),
                num(width),
                num(height),
                num(round)
            );
        }
    }
}

/// Half the width of a block's flat top and bottom, where edges leave and arrive.
fn flat(block: &Block) -> f64 {
    let Size { width, height } = block.size;
    let flat = match block.shape {
        Shape::Decision => width / 2.0 - height / 2.0 - 4.0,
        Shape::Terminal => width / 2.0 - height / 2.0,
        Shape::Block | Shape::Route => width / 2.0 - 10.0,
    };
    flat.max(0.0)
}

/// Where an edge from a block's centre `c` towards `towards` meets its outline: its top or bottom
/// (edges leave and arrive upright), or its side when `towards` is level with it.
fn port(block: &Block, c: Point, towards: Point) -> Point {
    let half = block.size.height / 2.0;
    if (towards.y - c.y).abs() < 1.0 {
        let side = if towards.x < c.x { -1.0 } else { 1.0 };
        return Point {
            x: c.x + side * block.size.width / 2.0,
            y: c.y,
        };
    }
    let reach = flat(block);
    Point {
        x: towards.x.clamp(c.x - reach, c.x + reach),
        y: if towards.y > c.y {
            c.y + half
        } else {
            c.y - half
        },
    }
}

/// The path through `points` (centres of the ends, then the dummies between), clipped to the ends'
/// outlines (to `to`'s unless the edge joins another): upright cubic curves from layer to layer,
/// straight where a layer has no room to bend.
fn curve(points: &[Point], from: &Block, to: Option<&Block>) -> String {
    let mut path = String::new();
    let (Some(&first), Some(&last)) = (points.first(), points.last()) else {
        return path;
    };
    let mut way: Vec<Point> = points.to_vec();
    let n = way.len();
    if n >= 2 {
        way[0] = port(from, first, points[1]);
        if let Some(to) = to {
            way[n - 1] = port(to, last, points[n - 2]);
        }
    }
    let _ = write!(path, "M{},{}", num(way[0].x), num(way[0].y));
    for pair in way.windows(2) {
        let (p, q) = (pair[0], pair[1]);
        // A small step across is drawn straight: an S-bend that small reads as a kink.
        if (p.x - q.x).abs() < KINK || (p.y - q.y).abs() < 1.0 {
            let _ = write!(path, " L{},{}", num(q.x), num(q.y));
        } else {
            let middle = (p.y + q.y) / 2.0;
            let _ = write!(
                path,
                " C{},{} {},{} {},{}",
                num(p.x),
                num(middle),
                num(q.x),
                num(middle),
                num(q.x),
                num(q.y)
            );
        }
    }
    path
}

/// `lines` centred on `x`, the first line's top at `top`.
fn text_lines(out: &mut String, lines: &[Line], x: f64, top: f64) {
    let mut top = top;
    for line in lines {
        text_line(out, line, x, top, "middle");
        top += line.height();
    }
}

/// One line of text, its top at `top`.
fn text_line(out: &mut String, line: &Line, x: f64, top: f64, anchor: &str) {
    // The baseline where the capitals sit in the middle of the line's height.
    let baseline = top + (line.height() + 0.7 * line.size) / 2.0;
    let weight = if line.bold {
        " font-weight=\"bold\""
    } else {
        ""
    };
    let class = if line.note { " class=\"note\"" } else { "" };
    let _ = write!(
        out,
        "<text{class} x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{anchor}\" fill=\"{}\"{weight}>{}</text>",
        num(x),
        num(baseline),
        num(line.size),
        line.colour,
        escape(&line.text)
    );
}

/// A coordinate, to a tenth.
fn num(value: f64) -> String {
    let tenths = (value * 10.0).round();
    if !tenths.is_finite() {
        return "0".into();
    }
    let tenths = tenths as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let (whole, tenth) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
    if tenth == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{tenth}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
