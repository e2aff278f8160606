//! Workloads for any flow (`routeflow gen --spec FILE`): a small YAML description of the user data,
//! arrivals, handle times, patience and agents, read ([`read`]), checked into draws ([`check`]), and
//! written as a center file and workitems, the same bytes for the same description and seed.
//!
//! The format, with examples, is in `docs/workload.md`; its JSON Schema is [`json_schema`].

mod agents;
mod arrivals;
mod check;
mod draw;
pub mod format;
mod read;
mod write;

pub use write::{NO_WORK, write};

use crate::diagnostic::{Diagnostic, Report, SourceFile};
use crate::model::read::Problems;
use draw::{Drawer, Template};
use std::path::Path;

/// A checked workload description, ready to generate from.
#[derive(Debug)]
pub struct Spec {
    /// The center to generate; `None` when the description leaves it to `--center FILE`.
    center: Option<AgentsPlan>,
    workitems: WorkitemsPlan,
}

impl Spec {
    /// Whether the description generates its own center.
    pub fn has_center(&self) -> bool {
        self.center.is_some()
    }

    /// Replace the number of workitems (`--workitems N`): exactly `count` arrive, over the span the
    /// description gives (or solved from its load).
    pub fn set_workitems(&mut self, count: u64) {
        self.workitems.arrivals.amount = Amount::Count(count);
    }

    /// Replace the number of generated agents (`--agents M`), keeping their proportions.
    pub fn set_agents(&mut self, count: usize) {
        if let Some(center) = &mut self.center {
            center.count = count.clamp(1, check::MAX_AGENTS as usize);
        }
    }
}

/// The generated agents.
#[derive(Debug)]
struct AgentsPlan {
    count: usize,
    id: Template,
    default_handle_s: f64,
    everyone: Traits,
    profiles: Vec<(f64, Traits)>,
    shifts: Vec<Shift>,
}

/// Groups, skills and capacity given to a set of agents.
#[derive(Debug)]
struct Traits {
    /// Group names, each with the share of the agents in it (`None`: all).
    groups: Vec<(String, Option<f64>)>,
    skills: Vec<(String, Drawer)>,
    capacity: Option<Drawer>,
}

/// A kind of working day.
#[derive(Debug)]
struct Shift {
    weight: f64,
    /// Ready intervals in hours of the day; `None` is always ready.
    ready: Option<Vec<(f64, f64)>>,
}

/// The workitems.
#[derive(Debug)]
struct WorkitemsPlan {
    id: Template,
    arrivals: ArrivalsPlan,
    priority: Option<Drawer>,
    handle: Option<Drawer>,
    patience: Option<Drawer>,
    userdata: Vec<(String, Drawer)>,
    choices: Vec<Choice>,
}

/// How many workitems arrive over which span.
#[derive(Debug)]
struct ArrivalsPlan {
    amount: Amount,
    span: SpanRule,
    weights: [f64; 24],
}

#[derive(Debug, Clone, Copy)]
enum Amount {
    /// Exactly this many.
    Count(u64),
    /// A Poisson process with this mean rate per hour.
    Rate(f64),
}

#[derive(Debug, Clone, Copy)]
enum SpanRule {
    /// A span of this many seconds.
    Seconds(f64),
    /// The span at which the center works at this load.
    Load(f64),
}

/// One `choose`: alternatives and their shares (adding up to 1).
#[derive(Debug)]
struct Choice {
    shares: Vec<f64>,
    options: Vec<Pick>,
}

/// One alternative of a `choose`.
#[derive(Debug)]
struct Pick {
    userdata: Vec<(String, Drawer)>,
    priority: Option<Drawer>,
}

/// Read and check the workload description in `file`: the spec, or every problem located.
pub fn parse(file: &SourceFile) -> Result<Spec, Vec<Diagnostic>> {
    let mut problems = Problems::default();
    let spec = read::read(file, &mut problems).and_then(|f| check::check(&f, &mut problems));
    let diagnostics = problems.locate(file);
    match spec {
        Some(spec) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(spec),
        _ => Err(diagnostics),
    }
}

/// Load the workload description at `path`.
pub fn load(path: &Path) -> Result<Spec, Report> {
    let file = Report::read_text(path, "workload")?;
    parse(&file).map_err(|diagnostics| {
        let mut report = Report::new();
        report.add(&file, diagnostics);
        report
    })
}

/// The JSON Schema (draft 2020-12) of workload descriptions, generated from the types the reader reads.
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(format::SpecFile).to_value()
}
