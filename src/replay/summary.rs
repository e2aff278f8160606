//! What a replay adds up to: counts per outcome and per Route block, waits, service level.

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
}

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

    /// The `p`-th percentile (0–100) of routed workitems' waits, nearest rank.
    fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
        if sorted.is_empty() {
            return None;
        }
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        Some(sorted[rank.clamp(1, sorted.len()) - 1])
    }

    fn percentiles(&self) -> [(u8, Option<f64>); 3] {
        let mut sorted = self.waits.clone();
        sorted.sort_by(f64::total_cmp);
        [50u8, 90, 99].map(|p| (p, Summary::percentile(&sorted, f64::from(p))))
    }

    fn service_levels(&self) -> Vec<(f64, Option<f64>)> {
        let offered = self.offered();
        self.levels
            .iter()
            .zip(&self.within)
            .map(|(&level, &within)| (level, (offered > 0).then(|| within as f64 / offered as f64)))
            .collect()
    }

    /// The summary as a JSON object (what `--summary FILE` writes).
    pub fn to_json(&self) -> String {
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
        let json = serde_json::json!({
            "workitems": self.total(),
            "outcomes": outcomes,
            "routed_by_block": by_block,
            "wait_s": waits,
            "service_level": levels,
            "warnings": self.warnings,
            "first_error": self.first_error,
        });
        let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
        text.push('\n');
        text
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

fn share(n: usize, of: usize) -> String {
    if of == 0 {
        return String::new();
    }
    format!("{:5.1}%", n as f64 * 100.0 / of as f64)
}
