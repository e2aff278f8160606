//! Flow test suites (SPEC §4 `routeflow test`): YAML files naming a flow, a contact center, and cases of
//! workitems with the outcome fields expected of them.
//!
//! A suite is read whole before anything runs ([`read::load`]: every problem located, as for flows), each
//! case is replayed exactly as `routeflow replay` would replay its workitems ([`run_case`]), and the
//! outcome lines are checked against the expectations ([`compare`]). [`junit`] writes the results for CI.
//! The format, and every choice made where the spec is silent, is in `docs/testing.md`.

pub mod compare;
mod expect;
pub mod files;
pub mod format;
pub mod junit;
pub mod read;

pub use compare::{Actual, Miss};
pub use format::{Case, Expectation, Field, Select, Suite};
pub use read::{Loaded, load};

use crate::replay::{Options, replay};
use crate::workitem::WorkitemReader;

/// How one case went.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// Where the case is: `file:line`.
    pub at: String,
    /// The expectations that do not hold (none: the case passed).
    pub misses: Vec<Miss>,
    /// What the workitem reader noted about the input (unknown fields, repeated ids), shown with failures.
    pub notes: Vec<String>,
    /// Per block of the suite's flow, how many of the case's workitems entered it and left it each way.
    pub coverage: crate::coverage::Coverage,
}

impl CaseResult {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.misses.is_empty()
    }

    /// What went wrong, for people: each miss with its differences and actual outcome line, then the
    /// reader's notes. Empty for a passed case.
    pub fn details(&self) -> String {
        let mut out = String::new();
        compare::render(&self.misses, &mut out);
        if !self.misses.is_empty() {
            for note in &self.notes {
                out.push_str("    input: ");
                out.push_str(note);
                out.push('\n');
            }
        }
        out
    }
}

/// Run every case of `suite`, in file order.
pub fn run(suite: &Suite) -> Vec<CaseResult> {
    suite
        .cases
        .iter()
        .map(|case| run_case(suite, case))
        .collect()
}

/// Replay one case's workitems through the suite's flow and check its expectations.
pub fn run_case(suite: &Suite, case: &Case) -> CaseResult {
    let mut reader = WorkitemReader::new(case.input.as_bytes());
    // Reading from memory cannot fail; the line numbers are kept to find outcomes by `line`.
    let lines: Vec<_> = (&mut reader).filter_map(Result::ok).collect();
    let numbers: Vec<usize> = lines.iter().map(|line| line.number).collect();
    let mut outcomes = Vec::with_capacity(lines.len());
    let options = Options { trace: case.trace };
    let replayed = replay(
        suite.runner.clone(),
        case.center.clone(),
        lines.into_iter().map(Ok),
        options,
        &mut |outcome| outcomes.push(outcome),
    );
    let actuals: Vec<Actual> = outcomes
        .iter()
        .zip(numbers)
        .map(|(outcome, line)| {
            let text = outcome.to_json().trim_end().to_owned();
            let json = serde_json::from_str(&text).unwrap_or_default();
            Actual { line, text, json }
        })
        .collect();
    let mut misses = compare::check(&case.expect, &actuals);
    let coverage = match replayed {
        Ok(replayed) => replayed.coverage,
        Err(error) => {
            misses.insert(
                0,
                Miss {
                    at: case.at.clone(),
                    subject: "the replay".to_owned(),
                    problem: compare::Problem::NotFound(format!("it stopped: {error}")),
                },
            );
            crate::coverage::Coverage::default()
        }
    };
    CaseResult {
        name: case.name.clone(),
        at: case.at.clone(),
        misses,
        notes: reader.warnings().iter().map(ToString::to_string).collect(),
        coverage,
    }
}
