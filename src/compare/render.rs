//! A [`Comparison`] for people (text) and for programs (`--json`, a stable document described in
//! `docs/diff.md`). Both are deterministic: the same inputs print the same bytes.

use super::{Aspect, BlockCounts, Brief, Change, Comparison};
use crate::expr::js::number;
use crate::replay::summary::{target_label, targets_in_order};
use crate::replay::{BlockRoutes, GroupTime, Kind, RouteTally, Summary};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What one side ran: its flow file and the tables replaced in it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SideInputs {
    /// The flow file, as given.
    pub flow: String,
    /// `(table name, CSV file)` replaced, as given.
    pub tables: Vec<(String, String)>,
}

impl SideInputs {
    fn describe(&self) -> String {
        let mut text = self.flow.clone();
        for (name, file) in &self.tables {
            let _ = write!(text, ", table {name} from {file}");
        }
        text
    }
}

/// Rows of a block's targets the text lists when they changed (the JSON has both sides' summaries).
const TARGETS_SHOWN: usize = 10;

/// The comparison for people: at most `limit` changed workitems are listed (the rest counted).
pub fn to_text(diff: &Comparison, old: &SideInputs, new: &SideInputs, limit: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "old: {}", old.describe());
    let _ = writeln!(out, "new: {}", new.describe());
    let total = diff.workitems();
    let changed = diff.changes().len();
    if changed == 0 {
        let _ = writeln!(
            out,
            "{total} workitems compared by input line: none changed"
        );
    } else {
        let _ = writeln!(
            out,
            "{total} workitems compared by input line: {changed} changed ({}), {} the same",
            percent(changed as f64 / total.max(1) as f64),
            total - changed
        );
        let aspects: Vec<String> = Aspect::ALL
            .iter()
            .filter_map(|a| {
                diff.by_aspect()
                    .get(a)
                    .map(|n| format!("{} {n}", aspect_word(*a)))
            })
            .collect();
        let _ = writeln!(out, "changed: {}", aspects.join(", "));
        for ((from, to), n) in diff.transitions() {
            let _ = writeln!(out, "  {} → {}: {n}", from.as_str(), to.as_str());
        }
    }
    let moves = diff.waits();
    if moves.longer + moves.shorter > 0 {
        let _ = writeln!(
            out,
            "wait moved: {} longer, {} shorter, mean {} over the {} workitems with a wait on both sides",
            moves.longer,
            moves.shorter,
            signed_seconds(moves.mean_delta_s().unwrap_or(0.0)),
            moves.compared
        );
    }
    if changed > 0 {
        let shown = changed.min(limit);
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "workitems changed (line id: old → new){}",
            if shown < changed {
                format!(", the first {shown}")
            } else {
                String::new()
            }
        );
        for change in diff.changes().iter().take(limit) {
            let _ = writeln!(out, "  {}", change_line(change));
        }
        if shown < changed {
            let _ = writeln!(
                out,
                "  … and {} more (--limit N lists more, --json lists all)",
                changed - shown
            );
        }
    }
    blocks_text(&mut out, &diff.blocks());
    let _ = writeln!(out);
    side_by_side(&mut out, &diff.old.summary, &diff.new.summary);
    out
}

/// One changed workitem: `line 3 w3: routed, block a → b, agent x → y, wait 1.0 s → 2.0 s (+1.0 s)`.
fn change_line(change: &Change) -> String {
    let id = change.id.as_deref().unwrap_or("(no id)");
    let mut parts = Vec::new();
    let (old, new) = (&change.old, &change.new);
    if change.aspects.contains(&Aspect::Outcome) {
        parts.push(format!("{} → {}", old.kind.as_str(), new.kind.as_str()));
    } else {
        parts.push(new.kind.as_str().to_owned());
    }
    for &aspect in &change.aspects {
        let part = match aspect {
            Aspect::Outcome => continue,
            Aspect::Block => format!(
                "block {} → {}",
                or_dash(old.block.as_deref()),
                or_dash(new.block.as_deref())
            ),
            Aspect::Target => format!("target {} → {}", target_of(old), target_of(new)),
            Aspect::Agent => format!(
                "agent {} → {}",
                or_dash(old.agent.as_deref()),
                or_dash(new.agent.as_deref())
            ),
            Aspect::Wait => {
                let delta = change
                    .wait_delta_s()
                    .map(|d| format!(" ({})", signed_seconds(d)))
                    .unwrap_or_default();
                format!(
                    "wait {} → {}{delta}",
                    seconds(old.wait_s),
                    seconds(new.wait_s)
                )
            }
            Aspect::Userdata => format!("user data {}", change.userdata_keys.join(", ")),
        };
        parts.push(part);
    }
    format!("line {} {id}: {}", change.line, parts.join(", "))
}

fn target_of(brief: &Brief) -> String {
    brief
        .target
        .as_ref()
        .map_or("-".to_owned(), |(kind, value)| target_label(kind, value))
}

/// Blocks whose entries changed, and blocks one side lacks.
fn blocks_text(out: &mut String, blocks: &[BlockCounts]) {
    let rows: Vec<&BlockCounts> = blocks
        .iter()
        .filter(|row| row.delta() != 0 || row.old.is_none() || row.new.is_none())
        .collect();
    if rows.is_empty() {
        return;
    }
    let count = |n: Option<u64>| n.map_or("-".to_owned(), |n| n.to_string());
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|row| {
            let label = match (row.old, row.new) {
                (None, _) => format!("  {} (added)", row.block),
                (_, None) => format!("  {} (removed)", row.block),
                _ => format!("  {}", row.block),
            };
            [label, count(row.old), count(row.new), signed(row.delta())]
        })
        .collect();
    let _ = writeln!(out);
    table(
        out,
        ["blocks entered that changed", "old", "new", "change"],
        &cells,
    );
}

/// Both summaries side by side.
fn side_by_side(out: &mut String, old: &Summary, new: &Summary) {
    let mut rows: Vec<[String; 4]> = Vec::new();
    let count_row = |label: String, a: usize, b: usize| {
        let delta = i64::try_from(b).unwrap_or(i64::MAX) - i64::try_from(a).unwrap_or(i64::MAX);
        [label, a.to_string(), b.to_string(), signed(delta)]
    };
    rows.push(count_row("workitems".into(), old.total(), new.total()));
    for kind in Kind::ALL {
        rows.push(count_row(
            format!("  {}", kind.as_str()),
            old.count(kind),
            new.count(kind),
        ));
    }
    for p in [50.0, 90.0, 99.0] {
        let (a, b) = (old.wait_percentile(p), new.wait_percentile(p));
        rows.push([
            format!("wait p{p}"),
            seconds(a),
            seconds(b),
            a.zip(b).map_or(String::new(), |(a, b)| {
                signed_seconds(super::seconds_between(a, b))
            }),
        ]);
    }
    for ((level, a), (_, b)) in old.service_levels().into_iter().zip(new.service_levels()) {
        rows.push([
            format!("service level {} s", number::to_string(level)),
            a.map_or("-".to_owned(), percent),
            b.map_or("-".to_owned(), percent),
            a.zip(b).map_or(String::new(), |(a, b)| points(b - a)),
        ]);
    }
    table(out, ["", "old", "new", "change"], &rows);
    routes_side_by_side(out, old, new);
    occupancy_side_by_side(out, old, new);
}

/// Per Route block (and per target that changed), how requests ended, old → new.
fn routes_side_by_side(out: &mut String, old: &Summary, new: &Summary) {
    let (old_blocks, new_blocks) = (&old.replayed().routes, &new.replayed().routes);
    let mut order: Vec<&str> = old_blocks.iter().map(|b| &*b.block).collect();
    for block in new_blocks {
        if !order.contains(&&*block.block) {
            order.push(&block.block);
        }
    }
    if order.is_empty() {
        return;
    }
    let find = |blocks: &'_ [BlockRoutes], id: &str| -> Option<BlockRoutes> {
        blocks.iter().find(|b| &*b.block == id).cloned()
    };
    let mut rows: Vec<[String; 7]> = Vec::new();
    for id in order {
        let (a, b) = (find(old_blocks, id), find(new_blocks, id));
        let label = match (&a, &b) {
            (None, _) => format!("{id} (added)"),
            (_, None) => format!("{id} (removed)"),
            _ => id.to_owned(),
        };
        let totals = |x: &Option<BlockRoutes>| x.as_ref().map(BlockRoutes::total);
        rows.push(route_row(
            format!("  {label}"),
            totals(&a).as_ref(),
            totals(&b).as_ref(),
        ));
        let kind = b.as_ref().or(a.as_ref()).map_or("", |x| x.kind);
        let targets = |x: &Option<BlockRoutes>| -> BTreeMap<String, RouteTally> {
            x.iter()
                .flat_map(|x| targets_in_order(x))
                .map(|(value, tally)| (value.to_owned(), tally.clone()))
                .collect()
        };
        let (ta, tb) = (targets(&a), targets(&b));
        // Targets in the order the new side asked them most, then those only the old side asked.
        let mut values: Vec<&String> = b
            .iter()
            .flat_map(|x| targets_in_order(x))
            .filter_map(|(v, _)| tb.get_key_value(v).map(|(k, _)| k))
            .collect();
        values.extend(ta.keys().filter(|v| !tb.contains_key(*v)));
        let changed: Vec<&String> = values
            .into_iter()
            .filter(|v| ta.get(*v) != tb.get(*v))
            .collect();
        // A target a side's block never asked for is a row of zeros there; `-` only where the block
        // itself is missing.
        let none = RouteTally::default();
        let on =
            |block: &Option<BlockRoutes>, tallies: &BTreeMap<String, RouteTally>, value: &str| {
                block
                    .as_ref()
                    .map(|_| tallies.get(value).unwrap_or(&none))
                    .cloned()
            };
        for value in changed.iter().take(TARGETS_SHOWN) {
            rows.push(route_row(
                format!("    {}", target_label(kind, value)),
                on(&a, &ta, value).as_ref(),
                on(&b, &tb, value).as_ref(),
            ));
        }
        if changed.len() > TARGETS_SHOWN {
            rows.push([
                format!(
                    "    … {} more targets changed (--json has both summaries)",
                    changed.len() - TARGETS_SHOWN
                ),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
    }
    let _ = writeln!(out);
    table(
        out,
        [
            "Route blocks, old → new",
            "offered",
            "routed",
            "timed out",
            "stopped",
            "wait avg",
            "wait p90",
        ],
        &rows,
    );
}

fn route_row(label: String, old: Option<&RouteTally>, new: Option<&RouteTally>) -> [String; 7] {
    let count = |pick: fn(&RouteTally) -> u64| {
        let show = |t: Option<&RouteTally>| t.map_or("-".to_owned(), |t| pick(t).to_string());
        format!("{} → {}", show(old), show(new))
    };
    let wait = |pick: fn(&RouteTally) -> Option<f64>| {
        let show = |t: Option<&RouteTally>| t.and_then(pick).map_or("-".to_owned(), short_seconds);
        format!("{} → {}", show(old), show(new))
    };
    [
        label,
        count(|t| t.offered),
        count(|t| t.routed),
        count(|t| t.timed_out),
        count(|t| t.stopped),
        wait(RouteTally::mean_wait_s),
        wait(|t| t.wait_percentile_s(90.0)),
    ]
}

/// Per agent group, occupancy old and new.
fn occupancy_side_by_side(out: &mut String, old: &Summary, new: &Summary) {
    let groups = |s: &Summary| -> Vec<GroupTime> {
        let replayed = s.replayed();
        replayed
            .groups
            .iter()
            .chain(&replayed.agents)
            .cloned()
            .collect()
    };
    let (a, b) = (groups(old), groups(new));
    if a.is_empty() && b.is_empty() {
        return;
    }
    let mut names: Vec<&str> = a.iter().map(|g| g.group.as_str()).collect();
    for g in &b {
        if !names.contains(&g.group.as_str()) {
            names.push(&g.group);
        }
    }
    let find = |groups: &[GroupTime], name: &str| {
        groups
            .iter()
            .find(|g| g.group == name)
            .and_then(GroupTime::occupancy)
    };
    let rows: Vec<[String; 4]> = names
        .iter()
        .map(|name| {
            let (x, y) = (find(&a, name), find(&b, name));
            [
                format!("  {name}"),
                x.map_or("-".to_owned(), percent),
                y.map_or("-".to_owned(), percent),
                x.zip(y).map_or(String::new(), |(x, y)| points(y - x)),
            ]
        })
        .collect();
    let _ = writeln!(out);
    table(
        out,
        ["agent occupancy (busy / ready)", "old", "new", "change"],
        &rows,
    );
}

/// A table: the first column left-aligned, the others right-aligned, each as wide as its widest cell.
fn table<const N: usize>(out: &mut String, header: [&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            let pad = width - cell.chars().count();
            if i == 0 {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            } else {
                text.push_str("  ");
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

fn aspect_word(aspect: Aspect) -> &'static str {
    match aspect {
        Aspect::Outcome => "outcome",
        Aspect::Block => "Route block",
        Aspect::Target => "target",
        Aspect::Agent => "agent",
        Aspect::Wait => "wait",
        Aspect::Userdata => "user data",
    }
}

fn or_dash(text: Option<&str>) -> &str {
    text.unwrap_or("-")
}

fn seconds(value: Option<f64>) -> String {
    value.map_or("-".to_owned(), |v| format!("{v:.1} s"))
}

fn short_seconds(value: f64) -> String {
    format!("{value:.1}")
}

fn signed_seconds(value: f64) -> String {
    if value == 0.0 {
        "0".to_owned()
    } else {
        format!("{value:+.1} s")
    }
}

fn signed(n: i64) -> String {
    if n == 0 {
        "0".to_owned()
    } else {
        format!("{n:+}")
    }
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A change of a share, in percentage points: one decimal, two when one would show a change as 0.
fn points(delta: f64) -> String {
    let points = delta * 100.0;
    if points == 0.0 {
        "0".to_owned()
    } else if points.abs() < 0.05 {
        format!("{points:+.2} pt")
    } else {
        format!("{points:+.1} pt")
    }
}

/// The comparison as the stable JSON document of `--json` (fields in `docs/diff.md`).
pub fn to_json(diff: &Comparison, old: &SideInputs, new: &SideInputs) -> String {
    let side = |inputs: &SideInputs| {
        let tables: serde_json::Map<String, serde_json::Value> = inputs
            .tables
            .iter()
            .map(|(name, file)| (name.clone(), file.clone().into()))
            .collect();
        serde_json::json!({ "flow": inputs.flow, "tables": tables })
    };
    let brief = |b: &Brief| {
        serde_json::json!({
            "outcome": b.kind.as_str(),
            "agent": b.agent.as_deref(),
            "block": b.block.as_deref(),
            "target": b.target.as_ref().map(|(kind, value)| serde_json::json!({
                "kind": kind, "value": value.as_str(),
            })),
            "wait_s": b.wait_s,
            "error": b.error,
        })
    };
    let changes: Vec<serde_json::Value> = diff
        .changes()
        .iter()
        .map(|c| {
            serde_json::json!({
                "line": c.line,
                "id": c.id.as_deref(),
                "changed": c.aspects.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
                "old": brief(&c.old),
                "new": brief(&c.new),
                "wait_delta_s": c.wait_delta_s(),
                "userdata_keys": c.userdata_keys,
            })
        })
        .collect();
    let by_aspect: serde_json::Map<String, serde_json::Value> = Aspect::ALL
        .iter()
        .map(|a| {
            let n = diff.by_aspect().get(a).copied().unwrap_or(0);
            (a.as_str().to_owned(), n.into())
        })
        .collect();
    let transitions: Vec<serde_json::Value> = diff
        .transitions()
        .iter()
        .map(|((from, to), n)| {
            serde_json::json!({ "old": from.as_str(), "new": to.as_str(), "workitems": n })
        })
        .collect();
    let blocks: Vec<serde_json::Value> = diff
        .blocks()
        .iter()
        .map(|row| {
            serde_json::json!({
                "block": &*row.block,
                "old": row.old,
                "new": row.new,
                "delta": row.delta(),
            })
        })
        .collect();
    let moves = diff.waits();
    let json = serde_json::json!({
        "old": side(old),
        "new": side(new),
        "differs": diff.differs(),
        "workitems": diff.workitems(),
        "changed": diff.changes().len(),
        "changed_by_aspect": by_aspect,
        "outcome_transitions": transitions,
        "wait_moved": {
            "compared": moves.compared,
            "longer": moves.longer,
            "shorter": moves.shorter,
            "mean_delta_s": moves.mean_delta_s(),
        },
        "workitems_changed": changes,
        "blocks": blocks,
        "summary": {
            "old": diff.old.summary.to_json_value(),
            "new": diff.new.summary.to_json_value(),
        },
    });
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Side;
    use crate::replay::Outcome;

    fn routed(block: &str, agent: &str, wait_s: f64) -> Outcome {
        crate::compare::tests::routed("w", block, agent, wait_s)
    }

    fn diff_of(pairs: &[(Outcome, Outcome)]) -> Comparison {
        let side = || Side::new(vec!["r1".into(), "r2".into()], Summary::default());
        let mut diff = Comparison::new(side(), side());
        for (old, new) in pairs {
            diff.add(old, new);
        }
        diff
    }

    #[test]
    fn the_text_caps_the_list_and_counts_the_rest() {
        let old = routed("r1", "alice", 10.0);
        let new = routed("r2", "bob", 12.5);
        let diff = diff_of(&vec![(old, new); 5]);
        let inputs = SideInputs {
            flow: "f.yaml".into(),
            tables: vec![("T".into(), "t.csv".into())],
        };
        let text = to_text(
            &diff,
            &SideInputs {
                flow: "f.yaml".into(),
                tables: vec![],
            },
            &inputs,
            2,
        );
        assert!(text.contains("new: f.yaml, table T from t.csv\n"), "{text}");
        assert!(
            text.contains("5 workitems compared by input line: 5 changed (100.0%)"),
            "{text}"
        );
        assert!(
            text.contains(
                "  line 1 w: routed, block r1 → r2, agent alice → bob, wait 10.0 s → 12.5 s (+2.5 s)\n"
            ),
            "{text}"
        );
        assert!(!text.contains("  line 3 "), "{text}");
        assert!(text.contains("… and 3 more"), "{text}");
        assert!(
            text.contains("wait moved: 5 longer, 0 shorter, mean +2.5 s"),
            "{text}"
        );
    }

    #[test]
    fn the_json_lists_every_change() {
        let old = routed("r1", "alice", 10.0);
        let new = routed("r2", "bob", 12.5);
        let diff = diff_of(&vec![(old.clone(), new); 3]);
        let inputs = SideInputs::default();
        let json: serde_json::Value =
            serde_json::from_str(&to_json(&diff, &inputs, &inputs)).expect("JSON");
        assert_eq!(json["changed"], 3);
        assert_eq!(json["differs"], true);
        let changes = json["workitems_changed"].as_array().expect("a list");
        assert_eq!(changes.len(), 3);
        assert_eq!(changes[2]["line"], 3);
        assert_eq!(
            changes[0]["changed"],
            serde_json::json!(["block", "agent", "wait"])
        );
        assert_eq!(changes[0]["wait_delta_s"], 2.5);
        assert_eq!(json["changed_by_aspect"]["agent"], 3);
        assert_eq!(json["changed_by_aspect"]["outcome"], 0);
        let same = diff_of(&[(old.clone(), old)]);
        let json: serde_json::Value =
            serde_json::from_str(&to_json(&same, &inputs, &inputs)).expect("JSON");
        assert_eq!(json["differs"], false);
        assert_eq!(json["workitems_changed"], serde_json::json!([]));
    }
}
