//! `render --format svg` draws a picture people can read at 1:1 (issue 17): what must hold of every
//! drawing, checked on the sample, on a 30-block flow (`tests/render_cases/cascades.yaml`) and on
//! generated flows: no two boxes overlap; every text sits inside its box and every box inside the
//! canvas; each edge runs from its source's outline to its target's, through its label; no text is
//! smaller than 12 px; the canvas is the drawing plus a small margin; the same flow gives the same bytes.

use proptest::prelude::*;
use routeflow::flow::{Flow, load, load_str};
use routeflow::render::{BlockNote, Format, Notes, render, svg_with_notes};
use std::fmt::Write;
use std::path::Path;

// ---------------------------------------------------------------------------------------------------
// Reading our own SVG back: it is written one element per tag, with absolute coordinates.

#[derive(Clone, Copy, Debug)]
struct Rect {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Rect {
    fn overlaps(&self, other: &Rect) -> bool {
        // Touching is allowed; overlapping by more than a rounding is not.
        let slack = 0.2;
        self.left + slack < other.right
            && other.left + slack < self.right
            && self.top + slack < other.bottom
            && other.top + slack < self.bottom
    }

    fn holds(&self, x: f64, y: f64, slack: f64) -> bool {
        x >= self.left - slack
            && x <= self.right + slack
            && y >= self.top - slack
            && y <= self.bottom + slack
    }

    fn within(&self, outer: &Rect) -> bool {
        outer.holds(self.left, self.top, 0.1) && outer.holds(self.right, self.bottom, 0.1)
    }
}

#[derive(Debug)]
struct Text {
    x: f64,
    baseline: f64,
    size: f64,
    anchor: String,
    content: String,
}

impl Text {
    /// A lower bound of where the text is drawn: a quarter of an em for the narrow characters, half
    /// an em for the others, is narrower than Helvetica, Arial or DejaVu Sans draws them.
    fn extent(&self) -> Rect {
        let ems: f64 = self
            .content
            .chars()
            .map(|c| {
                if "iljftrI.,:;'|!()[] ".contains(c) {
                    0.25
                } else {
                    0.5
                }
            })
            .sum();
        let width = ems * self.size;
        let left = match self.anchor.as_str() {
            "middle" => self.x - width / 2.0,
            _ => self.x,
        };
        Rect {
            left,
            top: self.baseline - 0.75 * self.size,
            right: left + width,
            bottom: self.baseline,
        }
    }
}

/// A block: its data attribute, outline, whether it is a hexagon, its texts, its fill.
#[derive(Debug)]
struct Block {
    key: String,
    outline: Rect,
    hexagon: bool,
    texts: Vec<Text>,
    fill: String,
}

#[derive(Debug)]
struct Edge {
    from: String,
    to: String,
    /// The path, sampled densely.
    path: Vec<(f64, f64)>,
    label: Option<(Rect, Vec<Text>)>,
}

#[derive(Debug)]
struct Picture {
    view: Rect,
    blocks: Vec<Block>,
    edges: Vec<Edge>,
    lanes: Vec<(Rect, Text)>,
    font_sizes: Vec<f64>,
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

fn number(tag: &str, name: &str) -> f64 {
    attr(tag, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no number {name} in {tag}"))
}

/// The tags `<name …>` in `text`, each with what follows it up to the next tag.
fn tags<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    text.match_indices(&open)
        .map(|(i, _)| {
            let rest = &text[i..];
            let end = rest[1..].find('<').map_or(rest.len(), |e| e + 1);
            &rest[..end]
        })
        .collect()
}

fn rect(tag: &str) -> Rect {
    let (left, top) = (number(tag, "x"), number(tag, "y"));
    Rect {
        left,
        top,
        right: left + number(tag, "width"),
        bottom: top + number(tag, "height"),
    }
}

fn texts(chunk: &str) -> Vec<Text> {
    tags(chunk, "text")
        .into_iter()
        .map(|tag| Text {
            x: number(tag, "x"),
            baseline: number(tag, "y"),
            size: number(tag, "font-size"),
            anchor: attr(tag, "text-anchor").unwrap_or("start").to_owned(),
            content: tag[tag.find('>').unwrap() + 1..]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        })
        .collect()
}

/// The points of a path of M, L and C commands, cubic curves sampled at 32 steps.
fn sample(d: &str) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    let mut at = (0.0, 0.0);
    let pairs = |s: &str| -> Vec<(f64, f64)> {
        s.split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').expect("x,y");
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    };
    let mut rest = d;
    while let Some(kind) = rest.chars().next() {
        let end = rest[1..]
            .find(['M', 'L', 'C'])
            .map_or(rest.len(), |e| e + 1);
        let args = pairs(&rest[1..end]);
        match kind {
            'M' | 'L' => {
                let to = args[0];
                if kind == 'L' {
                    // A point every pixel or so: a junction on a long straight stretch is found.
                    let steps = ((to.0 - at.0).hypot(to.1 - at.1).ceil() as u32).clamp(1, 10_000);
                    for i in 1..=steps {
                        let t = f64::from(i) / f64::from(steps);
                        points.push((at.0 + (to.0 - at.0) * t, at.1 + (to.1 - at.1) * t));
                    }
                } else {
                    points.push(to);
                }
                at = to;
            }
            'C' => {
                let (c1, c2, to) = (args[0], args[1], args[2]);
                for i in 1..=32 {
                    let t = f64::from(i) / 32.0;
                    let u = 1.0 - t;
                    let w = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
                    points.push((
                        w[0] * at.0 + w[1] * c1.0 + w[2] * c2.0 + w[3] * to.0,
                        w[0] * at.1 + w[1] * c1.1 + w[2] * c2.1 + w[3] * to.1,
                    ));
                }
                at = to;
            }
            other => panic!("unexpected path command {other} in {d}"),
        }
        rest = rest[end..].trim_start();
    }
    points
}

/// The groups `<g class="CLASS…` of `svg`, each up to its closing tag (groups nest one deep: an
/// edge's label).
fn groups<'a>(svg: &'a str, class: &str) -> Vec<&'a str> {
    let open = format!("<g class=\"{class}");
    svg.match_indices(&open)
        .map(|(i, _)| {
            let rest = &svg[i..];
            let end = rest.find("</g>\n").map_or(rest.len(), |e| e + 4);
            &rest[..end]
        })
        .collect()
}

fn read(svg: &str) -> Picture {
    let root = tags(svg, "svg")[0];
    let view: Vec<f64> = attr(root, "viewBox")
        .expect("a viewBox")
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(view[..2], [0.0, 0.0]);
    assert_eq!(number(root, "width"), view[2], "drawn at 1:1");
    assert_eq!(number(root, "height"), view[3], "drawn at 1:1");
    let blocks = groups(svg, "block")
        .into_iter()
        .map(|chunk| {
            let head = &chunk[..chunk.find('>').unwrap()];
            let key = attr(head, "data-block")
                .or_else(|| attr(head, "data-end"))
                .expect("a block names itself")
                .to_owned();
            let (outline, hexagon, fill) = if let Some(&polygon) = tags(chunk, "polygon").first() {
                let points: Vec<(f64, f64)> = attr(polygon, "points")
                    .unwrap()
                    .split(' ')
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect();
                let xs = points.iter().map(|p| p.0);
                let ys = points.iter().map(|p| p.1);
                let outline = Rect {
                    left: xs.clone().fold(f64::MAX, f64::min),
                    right: xs.fold(f64::MIN, f64::max),
                    top: ys.clone().fold(f64::MAX, f64::min),
                    bottom: ys.fold(f64::MIN, f64::max),
                };
                (
                    outline,
                    points.len() == 6,
                    attr(polygon, "fill").unwrap().to_owned(),
                )
            } else {
                let tag = tags(chunk, "rect")[0];
                (rect(tag), false, attr(tag, "fill").unwrap().to_owned())
            };
            Block {
                key,
                outline,
                hexagon,
                texts: texts(chunk),
                fill,
            }
        })
        .collect();
    let edges = groups(svg, "edge\"")
        .into_iter()
        .map(|chunk| {
            let head = &chunk[..chunk.find('>').unwrap()];
            let path = tags(chunk, "path")[0];
            let label = chunk.find("<g class=\"edge-label\">").map(|at| {
                let label = &chunk[at..];
                (rect(tags(label, "rect")[0]), texts(label))
            });
            Edge {
                from: attr(head, "data-from").unwrap().to_owned(),
                to: attr(head, "data-to").unwrap().to_owned(),
                path: sample(attr(path, "d").unwrap()),
                label,
            }
        })
        .collect();
    let lanes = groups(svg, "lane")
        .into_iter()
        .map(|chunk| {
            let title = texts(chunk).into_iter().next().expect("a lane's title");
            (rect(tags(chunk, "rect")[0]), title)
        })
        .collect();
    let font_sizes = tags(svg, "text")
        .into_iter()
        .map(|tag| number(tag, "font-size"))
        .collect();
    Picture {
        view: Rect {
            left: 0.0,
            top: 0.0,
            right: view[2],
            bottom: view[3],
        },
        blocks,
        edges,
        lanes,
        font_sizes,
    }
}

// ---------------------------------------------------------------------------------------------------
// What holds of every drawing.

/// Check every rule on `svg`, the drawing of `flow`.
fn check(flow: &Flow, svg: &str) -> Picture {
    let picture = read(svg);
    let graph = &flow.graph.graph;
    assert_eq!(
        picture.blocks.len(),
        graph.node_count(),
        "every block is drawn"
    );
    assert_eq!(
        picture.edges.len(),
        graph.edge_count(),
        "every edge is drawn"
    );
    assert_eq!(picture.lanes.len(), 3, "a lane per phase");

    // Legible at 1:1.
    assert!(!picture.font_sizes.is_empty());
    for &size in &picture.font_sizes {
        assert!(size >= 12.0, "text of {size} px");
    }

    // No two boxes overlap: blocks and edge labels alike.
    let mut boxes: Vec<(String, Rect)> = picture
        .blocks
        .iter()
        .map(|b| (format!("block {}", b.key), b.outline))
        .collect();
    for edge in &picture.edges {
        if let Some((label, _)) = &edge.label {
            boxes.push((format!("label of {} → {}", edge.from, edge.to), *label));
        }
    }
    for (i, (a, ra)) in boxes.iter().enumerate() {
        assert!(
            ra.within(&picture.view),
            "{a} {ra:?} leaves the canvas {:?}",
            picture.view
        );
        for (b, rb) in &boxes[i + 1..] {
            assert!(!ra.overlaps(rb), "{a} {ra:?} overlaps {b} {rb:?}");
        }
    }

    // Every text inside its box: a block's (a hexagon's inner rectangle), a label's, a lane's.
    for block in &picture.blocks {
        let mut inner = block.outline;
        if block.hexagon {
            let point = (inner.bottom - inner.top) / 2.0;
            inner.left += point;
            inner.right -= point;
        }
        for text in &block.texts {
            assert!(
                text.extent().within(&inner),
                "{:?} outside block {} {inner:?}",
                text.content,
                block.key
            );
        }
    }
    for edge in &picture.edges {
        if let Some((label, texts)) = &edge.label {
            for text in texts {
                assert!(
                    text.extent().within(label),
                    "{:?} outside its label {label:?}",
                    text.content
                );
            }
        }
    }
    for (lane, title) in &picture.lanes {
        assert!(lane.within(&picture.view));
        assert!(
            title.extent().within(lane),
            "{:?} outside its lane",
            title.content
        );
    }

    // Each edge runs from its source's outline to its target's, through its label.
    let outline = |key: &str| {
        let key = key.strip_prefix("end:").unwrap_or(key);
        picture
            .blocks
            .iter()
            .find(|b| b.key == key)
            .unwrap_or_else(|| panic!("an edge names a block {key} that is not drawn"))
            .outline
    };
    for edge in &picture.edges {
        let (first, last) = (edge.path[0], edge.path[edge.path.len() - 1]);
        let on_border = |r: &Rect, (x, y): (f64, f64)| {
            r.holds(x, y, 0.6)
                && [x - r.left, r.right - x, y - r.top, r.bottom - y]
                    .iter()
                    .any(|d| d.abs() <= 0.6)
        };
        assert!(
            on_border(&outline(&edge.from), first),
            "edge {} → {} starts at {first:?}",
            edge.from,
            edge.to
        );
        // It ends at its target, or where it joins another edge to the same target (the Route
        // blocks' `routed` edges run to Finalize as one line).
        let joins = || {
            picture.edges.iter().any(|other| {
                !std::ptr::eq(other, edge)
                    && other.to == edge.to
                    && other
                        .path
                        .iter()
                        .any(|&(x, y)| (x - last.0).abs() <= 1.0 && (y - last.1).abs() <= 1.0)
            })
        };
        assert!(
            on_border(&outline(&edge.to), last) || joins(),
            "edge {} → {} ends at {last:?}",
            edge.from,
            edge.to
        );
        if let Some((label, _)) = &edge.label {
            assert!(
                edge.path.iter().any(|&(x, y)| label.holds(x, y, 0.5)),
                "the label of {} → {} {label:?} is off its edge",
                edge.from,
                edge.to
            );
        }
    }

    // The canvas is the drawing plus a small margin: the lanes hold the content closely, and the
    // canvas the lanes.
    let (left, right) = picture
        .lanes
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, r), (lane, _)| {
            (l.min(lane.left), r.max(lane.right))
        });
    let top = picture
        .lanes
        .iter()
        .map(|(l, _)| l.top)
        .fold(f64::MAX, f64::min);
    let bottom = picture
        .lanes
        .iter()
        .map(|(l, _)| l.bottom)
        .fold(f64::MIN, f64::max);
    for gap in [
        left,
        top,
        picture.view.right - right,
        picture.view.bottom - bottom,
    ] {
        assert!(
            (0.0..=6.0).contains(&gap),
            "a margin of {gap} px around the lanes"
        );
    }
    // Content: the boxes and the edges' lines.
    let lines = picture
        .edges
        .iter()
        .flat_map(|e| e.path.iter())
        .map(|&(x, y)| Rect {
            left: x,
            top: y,
            right: x,
            bottom: y,
        });
    let content = boxes.iter().map(|(_, r)| *r).chain(lines).fold(
        (f64::MAX, f64::MIN, f64::MAX, f64::MIN),
        |c, r| {
            (
                c.0.min(r.left),
                c.1.max(r.right),
                c.2.min(r.top),
                c.3.max(r.bottom),
            )
        },
    );
    let titles = picture
        .lanes
        .iter()
        .map(|(_, t)| t.extent().right)
        .fold(f64::MIN, f64::max);
    assert!(
        content.0 - left <= 16.0,
        "{} px empty on the left",
        content.0 - left
    );
    assert!(
        right - content.1 <= 16.0 || right - titles <= 60.0,
        "{} px empty on the right",
        right - content.1
    );
    assert!(
        content.2 - top <= 36.0,
        "{} px empty at the top",
        content.2 - top
    );
    assert!(
        bottom - content.3 <= 16.0,
        "{} px empty at the bottom",
        bottom - content.3
    );
    for (lane, _) in &picture.lanes {
        assert!(
            picture
                .blocks
                .iter()
                .any(|b| lane.holds(b.outline.left, b.outline.top, 0.0)),
            "a lane without its blocks"
        );
    }
    picture
}

fn load_file(path: &str) -> Flow {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    load(&path).flow.expect("the flow loads")
}

fn svg(flow: &Flow) -> String {
    render(flow, Format::Svg).expect("every flow can be drawn")
}

#[test]
fn the_sample_is_drawn_by_the_rules() {
    let flow = load_file("flows/gtr_sample.yaml");
    let picture = check(&flow, &svg(&flow));
    // Segmentations are decisions, drawn as hexagons; the rest are boxes.
    for block in &picture.blocks {
        let decision = flow
            .graph
            .blocks()
            .find(|(_, b)| *b.id == *block.key)
            .is_some_and(|(_, b)| {
                matches!(b.kind, routeflow::graph::BlockKind::Segmentation { .. })
            });
        assert_eq!(block.hexagon, decision, "{}", block.key);
    }
    // Every branch and Route outcome is labelled on its edge.
    let labelled: Vec<String> = picture
        .edges
        .iter()
        .filter_map(|e| e.label.as_ref())
        .map(|(_, texts)| {
            texts
                .iter()
                .map(|t| t.content.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    for text in ["requestedAgent != ''", "otherwise", "routed", "after 120 s"] {
        assert!(
            labelled.iter().any(|l| l == text),
            "no label {text:?} in {labelled:?}"
        );
    }
}

#[test]
fn a_thirty_block_flow_is_drawn_by_the_rules() {
    let flow = load_file("tests/render_cases/cascades.yaml");
    assert!(flow.graph.graph.node_count() >= 30);
    check(&flow, &svg(&flow));
}

#[test]
fn the_same_flow_gives_the_same_bytes() {
    let run = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_routeflow"))
            .args([
                "render",
                "tests/render_cases/cascades.yaml",
                "--format",
                "svg",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("routeflow runs");
        assert!(output.status.success());
        output.stdout
    };
    assert_eq!(run(), run());
}

/// Notes (the coverage page's counts) grow the boxes that hold them, and keep every rule.
#[test]
fn notes_are_drawn_inside_their_boxes() {
    let flow = load_file("tests/render_cases/cascades.yaml");
    let graph = &flow.graph.graph;
    let mut notes = Notes::default();
    for (i, node) in graph.node_indices().enumerate() {
        notes.blocks.insert(
            node,
            BlockNote {
                lines: vec![
                    format!("entered {}", 1000 * i),
                    "left by branch 2: 123456".into(),
                ],
                unreached: i % 3 == 0,
            },
        );
    }
    for edge in graph.edge_indices() {
        notes
            .edges
            .insert(edge, format!("{} workitems", 10 * edge.index()));
    }
    let plain = read(&svg(&flow));
    let noted = svg_with_notes(&flow, &notes).unwrap();
    let picture = check(&flow, &noted);
    assert!(noted.contains("left by branch 2: 123456") && noted.contains("70 workitems"));
    for (before, after) in plain.blocks.iter().zip(&picture.blocks) {
        assert_eq!(before.key, after.key);
        assert!(
            after.outline.bottom - after.outline.top > before.outline.bottom - before.outline.top
        );
    }
    let red = picture
        .blocks
        .iter()
        .filter(|b| b.fill == "#f4c7c3")
        .count();
    assert_eq!(
        red,
        graph.node_indices().filter(|n| n.index() % 3 == 0).count()
    );
    // Every edge is labelled now, its note after its own label.
    assert!(picture.edges.iter().all(|e| e.label.is_some()));
}

// ---------------------------------------------------------------------------------------------------
// Generated flows: nested Segmentations, Route cascades, jumps, names short and long.

const WORDS: [&str; 12] = [
    "route",
    "to",
    "the",
    "Gold",
    "customer",
    "requested",
    "agent",
    "WWW",
    "iii",
    "segment",
    "if",
    "Skill",
];

struct Generator {
    rng: fastrand::Rng,
    next_id: usize,
}

impl Generator {
    fn words(&mut self, most: usize) -> String {
        let count = self.rng.usize(1..=most);
        (0..count)
            .map(|_| WORDS[self.rng.usize(..WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn blocks(
        &mut self,
        out: &mut String,
        indent: usize,
        depth: usize,
        routes: bool,
        count: usize,
    ) {
        let pad = " ".repeat(indent);
        for _ in 0..count {
            self.next_id += 1;
            let id = format!("b{}", self.next_id);
            let name = self.words(8);
            let _ = writeln!(out, "{pad}- id: {id}");
            if self.rng.bool() {
                let _ = writeln!(out, "{pad}  name: \"{name}\"");
            }
            match self.rng.usize(0..10) {
                0..=3 if depth < 3 => {
                    let _ = writeln!(out, "{pad}  type: segmentation\n{pad}  branches:");
                    for b in 0..self.rng.usize(1..=3) {
                        let _ = writeln!(out, "{pad}    - when: \"v == '{}'\"", self.words(4));
                        if self.rng.bool() {
                            let _ = writeln!(out, "{pad}      name: branch {b}");
                        }
                        let _ = writeln!(out, "{pad}      blocks:");
                        let n = self.rng.usize(1..=3);
                        self.blocks(out, indent + 8, depth + 1, routes, n);
                    }
                    if self.rng.bool() {
                        let _ = writeln!(out, "{pad}  otherwise:");
                        let n = self.rng.usize(1..=2);
                        self.blocks(out, indent + 4, depth + 1, routes, n);
                    }
                }
                4..=6 if routes => {
                    let _ = writeln!(
                        out,
                        "{pad}  type: route\n{pad}  target: {{ agent_group: \"'{}'\" }}",
                        self.words(2)
                    );
                }
                7 => {
                    let _ = writeln!(
                        out,
                        "{pad}  type: log\n{pad}  message: \"'{}'\"",
                        self.words(12)
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "{pad}  type: assign\n{pad}  variable: v\n{pad}  value: \"'{}'\"",
                        self.words(3)
                    );
                }
            }
        }
    }
}

fn generated_flow(seed: u64) -> String {
    let mut generator = Generator {
        rng: fastrand::Rng::with_seed(seed),
        next_id: 0,
    };
    let mut out = String::from("application: generated\nvariables:\n  v: {}\nphases:\n");
    for (phase, routes) in [
        ("initialize", false),
        ("assisted_service", true),
        ("finalize", false),
    ] {
        // A flow needs a phase: Initialize may be empty, Assisted Service not; Finalize half the time.
        let skipped = match phase {
            "initialize" => generator.rng.usize(0..4) == 0,
            "finalize" => generator.rng.bool(),
            _ => false,
        };
        if skipped {
            continue;
        }
        let _ = writeln!(out, "  {phase}:");
        let n = generator.rng.usize(1..=6);
        generator.blocks(&mut out, 4, 0, routes, n);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn generated_flows_are_drawn_by_the_rules(seed in any::<u64>()) {
        let text = generated_flow(seed);
        let loaded = load_str("flow.yaml", &text, Path::new("."));
        let flow = loaded.flow.unwrap_or_else(|| panic!("{}\n{text}", loaded.report.render()));
        let drawn = svg(&flow);
        check(&flow, &drawn);
        prop_assert_eq!(drawn, svg(&flow));
    }
}
