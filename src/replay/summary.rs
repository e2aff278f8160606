//! What a replay adds up to: counts per outcome and per Route block, waits, service level; per Route
//! block and target, how its requests ended; per agent group, its occupancy.

use super::routes::{BlockRoutes, GroupTime, Replayed, RouteTally};
use super::{Kind, Outcome};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// The thresholds of the service level unless told otherwise (`--service-level`), in seconds.
pub const SERVICE_LEVELS_S: [f64; 3] = [20.0, 60.0, 120.0];

/// Running totals over outcomes.
#[derive(Clone, Debug)]
pub struct Summary {
    counts: [usize; 4],
    by_block: BTreeMap<Arc<str>, usize>,
    waits: Vec<f64>,
    /// The service level's thresholds, ascending, and how many routed workitems waited at most each.
    levels: Vec<f64>,
    within: Vec<usize>,
    first_error: Option<String>,
    warnings: usize,
    /// What Route blocks and agents did (see [`Summary::add_replayed`]).
    replayed: Replayed,
}

/// Targets a Route block lists in the text summary (the JSON lists all).
const TARGETS_SHOWN: usize = 10;

impl Default for Summary {
    fn default() -> Summary {
        Summary::with_service_levels(&SERVICE_LEVELS_S)
    }
}

impl Summary {
    /// An empty summary whose service level counts the routed workitems that waited at most each of
    /// `levels_s` (sorted here; duplicates dropped).
    pub fn with_service_levels(levels_s: &[f64]) -> Summary {
        let mut levels = levels_s.to_vec();
        levels.sort_by(f64::total_cmp);
        levels.dedup();
        Summary {
            counts: [0; 4],
            by_block: BTreeMap::new(),
            waits: Vec::new(),
            within: vec![0; levels.len()],
            levels,
            first_error: None,
            warnings: 0,
            replayed: Replayed::default(),
        }
    }

    /// Whether every workitem counted ended in an error (and there was at least one): the replay
    /// then exits 1, as nothing ran through the flow.
    pub fn all_errors(&self) -> bool {
        self.total() > 0 && self.count(Kind::Error) == self.total()
    }

    /// Count one outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        self.counts[outcome.kind as usize] += 1;
        self.warnings += outcome.warnings.len();
        match outcome.kind {
            Kind::Routed => {
                if let Some(block) = &outcome.block {
                    *self.by_block.entry(block.clone()).or_default() += 1;
                }
                if let Some(wait) = outcome.wait_s {
                    self.waits.push(wait);
                    for (i, &level) in self.levels.iter().enumerate() {
                        if wait <= level {
                            self.within[i] += 1;
                        }
                    }
                }
            }
            Kind::Error if self.first_error.is_none() => {
                self.first_error = outcome.error.clone();
            }
            _ => {}
        }
    }

    /// Add what the replay's Route blocks and agents did.
    pub fn add_replayed(&mut self, replayed: Replayed) {
        self.replayed = replayed;
    }

    /// What the replay's Route blocks and agents did.
    pub fn replayed(&self) -> &Replayed {
        &self.replayed
    }

    /// The `p`-th percentile (0–100, nearest rank) of routed workitems' waits.
    pub fn wait_percentile(&self, p: f64) -> Option<f64> {
        let mut sorted = self.waits.clone();
        sorted.sort_by(f64::total_cmp);
        percentile(&sorted, p)
    }

    /// The service level: per threshold (ascending), the share of workitems that ran through the
    /// flow routed within it.
    pub fn service_levels(&self) -> Vec<(f64, Option<f64>)> {
        let offered = self.offered();
        self.levels
            .iter()
            .zip(&self.within)
            .map(|(&level, &within)| (level, (offered > 0).then(|| within as f64 / offered as f64)))
            .collect()
    }

    /// Number of outcomes of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.counts[kind as usize]
    }

    /// Number of outcomes counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Workitems that ran through the flow (every outcome but errors): the service level's base.
    fn offered(&self) -> usize {
        self.total() - self.count(Kind::Error)
    }

    fn percentiles(&self) -> [(u8, Option<f64>); 3] {
        let mut sorted = self.waits.clone();
        sorted.sort_by(f64::total_cmp);
        [50u8, 90, 99].map(|p| (p, percentile(&sorted, f64::from(p))))
    }

    /// The summary as a JSON object (what `--summary FILE` writes).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.to_json_value()).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The summary as a JSON value.
    pub fn to_json_value(&self) -> serde_json::Value {
        let mut outcomes = serde_json::Map::new();
        for kind in Kind::ALL {
            outcomes.insert(kind.as_str().into(), self.count(kind).into());
        }
        let by_block: serde_json::Map<String, serde_json::Value> = self
            .by_block
            .iter()
            .map(|(block, n)| (block.to_string(), (*n).into()))
            .collect();
        let mut waits = serde_json::Map::new();
        for (p, value) in self.percentiles() {
            waits.insert(format!("p{p}"), value.into());
        }
        let mut levels = serde_json::Map::new();
        for (level, share) in self.service_levels() {
            levels.insert(crate::expr::js::number::to_string(level), share.into());
        }
        let route_blocks: Vec<serde_json::Value> = self
            .replayed
            .routes
            .iter()
            .map(|block| {
                let mut json = tally_json(&block.total());
                let targets: Vec<serde_json::Value> = targets_in_order(block)
                    .into_iter()
                    .map(|(value, tally)| {
                        let mut json = tally_json(tally);
                        json.insert("value".into(), value.into());
                        serde_json::Value::Object(json)
                    })
                    .collect();
                json.insert("block".into(), block.block.to_string().into());
                json.insert("kind".into(), block.kind.into());
                json.insert("targets".into(), targets.into());
                serde_json::Value::Object(json)
            })
            .collect();
        let groups: Vec<serde_json::Value> = self.replayed.groups.iter().map(group_json).collect();
        let (from_s, to_s) = self.replayed.measured_s;
        serde_json::json!({
            "workitems": self.total(),
            "outcomes": outcomes,
            "routed_by_block": by_block,
            "wait_s": waits,
            "service_level": levels,
            "warnings": self.warnings,
            "first_error": self.first_error,
            "route_blocks": route_blocks,
            "agent_groups": groups,
            "agents": self.replayed.agents.as_ref().map(|all| {
                let mut json = group_json(all);
                if let Some(fields) = json.as_object_mut() {
                    fields.remove("group");
                }
                json
            }),
            "occupancy_measured_s": { "from": from_s, "to": to_s },
            "coverage": self.replayed.coverage.to_json_value(),
        })
    }

    /// The summary for people (what a replay prints on standard error).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let total = self.total();
        let _ = writeln!(out, "{total} workitems");
        for kind in Kind::ALL {
            let n = self.count(kind);
            let _ = writeln!(out, "  {:<9} {n:>9}  {}", kind.as_str(), share(n, total));
        }
        if !self.by_block.is_empty() {
            let _ = writeln!(out, "routed by Route block");
            let width = self.by_block.keys().map(|b| b.len()).max().unwrap_or(0);
            for (block, &n) in &self.by_block {
                let routed = self.count(Kind::Routed);
                let _ = writeln!(out, "  {block:<width$} {n:>9}  {}", share(n, routed));
            }
        }
        let waits: Vec<String> = self
            .percentiles()
            .iter()
            .map(|(p, v)| format!("p{p} {}", v.map_or("-".to_owned(), |v| format!("{v:.1} s"))))
            .collect();
        let _ = writeln!(out, "wait of routed workitems: {}", waits.join(", "));
        let levels: Vec<String> = self
            .service_levels()
            .iter()
            .map(|(level, v)| {
                format!(
                    "{} s {}",
                    crate::expr::js::number::to_string(*level),
                    v.map_or("-".to_owned(), |v| format!("{:.1}%", v * 100.0))
                )
            })
            .collect();
        let _ = writeln!(out, "service level (routed within): {}", levels.join(", "));
        self.routes_text(&mut out);
        self.occupancy_text(&mut out);
        if !self.replayed.coverage.blocks.is_empty() {
            out.push_str(&self.replayed.coverage.to_text());
        }
        if self.warnings > 0 {
            let _ = writeln!(
                out,
                "{} errors logged by Route blocks (see `warnings` in the outcomes)",
                self.warnings
            );
        }
        if let Some(error) = &self.first_error {
            let _ = writeln!(out, "first error: {error}");
        }
        out
    }
}

impl Summary {
    /// The numbers a coverage page heads its flow with: workitems, each outcome, waits, service level.
    pub fn headline(&self) -> Vec<(String, String)> {
        let total = self.total();
        let mut headline = vec![("workitems".to_owned(), total.to_string())];
        for kind in Kind::ALL {
            let n = self.count(kind);
            headline.push((
                kind.as_str().to_owned(),
                format!("{n} ({})", share(n, total).trim()),
            ));
        }
        for (p, value) in self.percentiles() {
            headline.push((format!("wait p{p}"), seconds(value)));
        }
        for (level, value) in self.service_levels() {
            headline.push((
                format!(
                    "routed within {} s",
                    crate::expr::js::number::to_string(level)
                ),
                value.map_or("-".to_owned(), |v| format!("{:.1}%", v * 100.0)),
            ));
        }
        headline
    }

    /// Per Route block, then per target, how its requests ended.
    fn routes_text(&self, out: &mut String) {
        let routes = &self.replayed.routes;
        if routes.is_empty() {
            return;
        }
        let mut rows: Vec<(String, RouteTally)> = Vec::new();
        for block in routes {
            rows.push((format!("  {}", block.block), block.total()));
            let targets = targets_in_order(block);
            for (value, tally) in targets.iter().take(TARGETS_SHOWN) {
                rows.push((
                    format!("    {}", target_label(block.kind, value)),
                    (*tally).clone(),
                ));
            }
            if targets.len() > TARGETS_SHOWN {
                let mut rest = RouteTally::default();
                for (_, tally) in &targets[TARGETS_SHOWN..] {
                    rest.merge(tally);
                }
                rest.sort_waits();
                let label = format!("    … {} more targets", targets.len() - TARGETS_SHOWN);
                rows.push((label, rest));
            }
        }
        let width = rows
            .iter()
            .map(|(label, _)| label.chars().count())
            .max()
            .unwrap_or(0);
        let _ = writeln!(
            out,
            "{:<width$} {:>8} {:>8} {:>9} {:>8} {:>8} {:>9} {:>9}",
            "Route blocks and targets",
            "offered",
            "routed",
            "timed out",
            "stopped",
            "rejected",
            "wait avg",
            "wait p90"
        );
        for (label, tally) in rows {
            let pad = width.saturating_sub(label.chars().count());
            let _ = writeln!(
                out,
                "{label}{:pad$} {:>8} {:>8} {:>9} {:>8} {:>8} {:>9} {:>9}",
                "",
                tally.offered,
                tally.routed,
                tally.timed_out,
                tally.stopped,
                tally.rejected,
                seconds(tally.mean_wait_s()),
                seconds(tally.wait_percentile_s(90.0)),
            );
        }
    }

    /// Per agent group, its occupancy.
    fn occupancy_text(&self, out: &mut String) {
        let Some(all) = &self.replayed.agents else {
            return;
        };
        let (from_s, to_s) = self.replayed.measured_s;
        let _ = writeln!(
            out,
            "agent occupancy (busy / ready time, {} s to {} s)",
            crate::expr::js::number::to_string(from_s),
            crate::expr::js::number::to_string(to_s)
        );
        let groups: Vec<&GroupTime> = self.replayed.groups.iter().chain([all]).collect();
        let width = groups
            .iter()
            .map(|g| g.group.chars().count())
            .max()
            .unwrap_or(0);
        for group in groups {
            let pad = width.saturating_sub(group.group.chars().count());
            let _ = writeln!(
                out,
                "  {}{:pad$} {:>10} {:>7}  busy {:.1} s of {:.1} s",
                group.group,
                "",
                crate::diagnostic::counted(group.agents, "agent"),
                group
                    .occupancy()
                    .map_or("-".to_owned(), |o| format!("{:.1}%", o * 100.0)),
                group.busy_s,
                group.staffed_s,
            );
        }
    }
}

/// A block's targets, most asked first (ties: first asked first).
pub fn targets_in_order(block: &BlockRoutes) -> Vec<(&str, &RouteTally)> {
    let mut targets: Vec<(&str, &RouteTally)> = block
        .targets
        .iter()
        .map(|(value, tally)| (value.as_str(), tally))
        .collect();
    targets.sort_by_key(|(_, tally)| std::cmp::Reverse(tally.offered));
    targets
}

/// `kind "value"`, the value quoted as JSON quotes it.
pub fn target_label(kind: &str, value: &str) -> String {
    let mut label = format!("{kind} ");
    crate::expr::write_json_string(value, &mut label);
    label
}

/// `12.5 s`, or `-` for none.
fn seconds(value: Option<f64>) -> String {
    value.map_or("-".to_owned(), |v| format!("{v:.1} s"))
}

/// A tally's counts and waits as JSON fields.
fn tally_json(tally: &RouteTally) -> serde_json::Map<String, serde_json::Value> {
    let mut json = serde_json::Map::new();
    json.insert("offered".into(), tally.offered.into());
    json.insert("routed".into(), tally.routed.into());
    json.insert("timed_out".into(), tally.timed_out.into());
    json.insert("stopped".into(), tally.stopped.into());
    json.insert("rejected".into(), tally.rejected.into());
    json.insert(
        "wait_s".into(),
        serde_json::json!({
            "mean": tally.mean_wait_s(),
            "p90": tally.wait_percentile_s(90.0),
        }),
    );
    json
}

fn group_json(group: &GroupTime) -> serde_json::Value {
    serde_json::json!({
        "group": group.group,
        "agents": group.agents,
        "busy_s": group.busy_s,
        "ready_s": group.staffed_s,
        "occupancy": group.occupancy(),
    })
}

/// The `p`-th percentile (0–100) of `sorted`, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn share(n: usize, of: usize) -> String {
    if of == 0 {
        return String::new();
    }
    format!("{:5.1}%", n as f64 * 100.0 / of as f64)
}
