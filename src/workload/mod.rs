//! Synthetic workloads for the sample flow (SPEC §4, `routeflow gen`): a contact center file (SPEC §3.3)
//! and workitems (SPEC §3.4) that take every path of `flows/gtr_sample.yaml`, sized so that the center
//! works at a chosen load.
//!
//! [`write`] draws everything from one seed: the same [`Options`] always write the same bytes. The mix
//! (tiers, skills, shifts, classifications, overrides) and why it is what it is are in
//! `docs/workload.md`.

mod arrivals;
mod center;
mod random;
pub mod spec;
mod workitems;

pub use workitems::{UNKNOWN_AGENT_PREFIX, UNKNOWN_GROUP};

use crate::center::Center;
use crate::diagnostic::SourceFile;
use random::{Random, Stream};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Name of the center file [`write`] writes.
pub const CENTER_FILE: &str = "center.yaml";
/// Name of the workitems file [`write`] writes.
pub const WORKITEMS_FILE: &str = "workitems.jsonl";

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// Number of workitems.
    pub workitems: usize,
    /// Seed of every random draw.
    pub seed: u64,
    /// The center to generate, or the existing one to generate workitems for.
    pub center: CenterSource,
    /// The shares and distributions of the workitems.
    pub workload: Workload,
}

/// Where the center comes from.
#[derive(Clone, Debug)]
pub enum CenterSource {
    /// Generate a center of this many agents, and write it.
    Generate {
        /// Number of agents.
        agents: usize,
    },
    /// Use this center (read from a file): its agents and groups are what overrides request, its ready
    /// capacity sizes the arrival rate, and only the workitems are written.
    Existing(Box<Center>),
}

/// The shares and distributions of generated workitems. [`Workload::default`] is the documented mix.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// Offered load: the work the workitems bring over the capacity the agents offer during the span
    /// (0.9 is 90 %).
    pub load: f64,
    /// Mean handle time of workitems that give `handle_s`, in seconds.
    pub handle_mean_s: f64,
    /// Spread of handle times: σ of the logarithm (handle times are lognormal).
    pub handle_sigma: f64,
    /// Share of workitems that give `handle_s`; the others take the center's `default_handle_s`.
    pub handle_given: f64,
    /// Share of workitems with a priority from 1 to 5; the others have 0 (left out).
    pub priority_share: f64,
    /// Share of workitems with a `stop_s`.
    pub stop_share: f64,
    /// How long after arriving a workitem with `stop_s` is stopped: uniform in `[low, high)` seconds.
    pub stop_after_s: (f64, f64),
    /// Shares of workitems that request an agent, skill expression or agent group.
    pub overrides: Overrides,
    /// Share of requested agents and groups that do not exist in the center.
    pub unknown_share: f64,
}

/// Shares of workitems carrying overrides (`GTR_requestedAgent`, `GTR_skillExpression`,
/// `GTR_requestedAgentGroup`).
#[derive(Clone, Debug, PartialEq)]
pub struct Overrides {
    /// Requesting an agent only.
    pub agent: f64,
    /// Requesting a skill expression only.
    pub skill: f64,
    /// Requesting an agent group only.
    pub group: f64,
    /// Requesting two or three of them (agent and group, skill and group, all three: a third each).
    pub combined: f64,
}

impl Default for Workload {
    fn default() -> Workload {
        Workload {
            load: 0.9,
            handle_mean_s: 300.0,
            handle_sigma: 0.5,
            handle_given: 0.9,
            priority_share: 0.05,
            stop_share: 0.03,
            stop_after_s: (60.0, 600.0),
            overrides: Overrides {
                agent: 0.04,
                skill: 0.04,
                group: 0.04,
                combined: 0.03,
            },
            unknown_share: 0.2,
        }
    }
}

impl Workload {
    /// Mean handle time over all workitems, with `default_handle_s` for those that give none.
    pub fn mean_handle_s(&self, default_handle_s: f64) -> f64 {
        self.handle_given * self.handle_mean_s + (1.0 - self.handle_given) * default_handle_s
    }

    fn check(&self) -> Result<(), Error> {
        let o = &self.overrides;
        let shares = [
            self.handle_given,
            self.priority_share,
            self.stop_share,
            self.unknown_share,
            o.agent,
            o.skill,
            o.group,
            o.combined,
            o.agent + o.skill + o.group + o.combined,
        ];
        let (low, high) = self.stop_after_s;
        let problem = if !(self.load > 0.0 && self.load.is_finite()) {
            "the load must be a positive number"
        } else if !(self.handle_mean_s > 0.0 && self.handle_mean_s.is_finite()) {
            "the mean handle time must be a positive number of seconds"
        } else if !(self.handle_sigma >= 0.0 && self.handle_sigma.is_finite()) {
            "the spread of handle times must be at least 0"
        } else if !shares.iter().all(|share| (0.0..=1.0).contains(share)) {
            "shares must be between 0 and 1, and the overrides' add up to at most 1"
        } else if !(0.0 <= low && low <= high && high.is_finite()) {
            "the stop delay must be a range of seconds from 0 up"
        } else {
            return Ok(());
        };
        Err(Error::Workload(problem))
    }
}

/// What [`write`] wrote.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The center file, when one was generated.
    pub center: Option<PathBuf>,
    /// The workitems file.
    pub workitems: PathBuf,
    /// Number of agents in the center.
    pub agents: usize,
    /// Number of workitems written.
    pub workitem_count: usize,
    /// The span the arrivals are spread over, in seconds (the last arrival is close to it).
    pub span_s: f64,
    /// Arrivals per second.
    pub rate_per_s: f64,
}

/// Why a workload could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The center's agents are never ready long enough to serve the workitems at the chosen load.
    #[error(
        "the center cannot serve {workitems} workitems at {load_percent:.0} % load: its agents stop being \
         ready before offering the {work_s:.0} agent-seconds needed (ask for fewer workitems, or keep an \
         agent ready to the end: an interval ending in .inf)"
    )]
    Unservable {
        /// Number of workitems asked for.
        workitems: usize,
        /// The load, in percent.
        load_percent: f64,
        /// Agent-seconds of capacity needed.
        work_s: f64,
    },
    /// The [`Workload`] is not usable.
    #[error("invalid workload: {0}")]
    Workload(&'static str),
    /// A description without a `center`, and no `--center FILE`.
    #[error(
        "the workload file has no `center`: add one (see docs/workload.md), or give an existing center \
         with --center FILE"
    )]
    NoCenter,
    /// The generated center did not load: a bug in the generator.
    #[error("the generated center does not load (please report this):\n{0}")]
    GeneratedCenter(String),
}

/// Write the workload into `dir` (created if missing): [`CENTER_FILE`] when the center is generated, and
/// [`WORKITEMS_FILE`].
pub fn write(options: &Options, dir: &Path) -> Result<Summary, Error> {
    options.workload.check()?;
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let workload = &options.workload;
    let generated;
    let (center, center_path) = match &options.center {
        CenterSource::Existing(center) => (&**center, None),
        CenterSource::Generate { agents } => {
            let plan =
                center::CenterPlan::draw(*agents, &mut Random::new(options.seed, Stream::Center));
            let default_handle_s = crate::center::DEFAULT_HANDLE_S;
            // The span the shifts are laid over: the one at which the planned shifts give the work
            // needed. The arrival rate is then sized on the center as written (whole seconds).
            let work =
                options.workitems as f64 * workload.mean_handle_s(default_handle_s) / workload.load;
            let planned_span_s = work / plan.mean_capacity();
            let command = format!(
                "routeflow gen --workitems {} --agents {agents} --seed {}",
                options.workitems, options.seed
            );
            let yaml = plan.to_yaml(planned_span_s, default_handle_s, &command);
            let path = dir.join(CENTER_FILE);
            let file = SourceFile::new(path.display().to_string(), yaml);
            let center = Center::parse(&file).map_err(|diagnostics| {
                let messages: Vec<String> = diagnostics.iter().map(|d| d.message.clone()).collect();
                Error::GeneratedCenter(messages.join("\n"))
            })?;
            std::fs::write(&path, file.text()).map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
            generated = center;
            (&generated, Some(path))
        }
    };
    let work = options.workitems as f64 * workload.mean_handle_s(center.default_handle_s())
        / workload.load;
    let span_s = arrivals::span_for_work(center.agents(), work).ok_or(Error::Unservable {
        workitems: options.workitems,
        load_percent: workload.load * 100.0,
        work_s: work,
    })?;
    let path = dir.join(WORKITEMS_FILE);
    write_file(&path, |out| {
        let mut random = Random::new(options.seed, Stream::Workitems);
        workitems::write(
            out,
            center,
            workload,
            options.workitems,
            span_s,
            &mut random,
        )
    })?;
    Ok(Summary::new(
        center_path,
        path,
        center.agents().len(),
        options.workitems,
        span_s,
    ))
}

/// Write the file at `path` through a buffer.
fn write_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), Error> {
    let written = File::create(path).and_then(|file| {
        let mut out = BufWriter::with_capacity(1 << 16, file);
        write(&mut out)?;
        out.flush()
    });
    written.map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

impl Summary {
    fn new(
        center: Option<PathBuf>,
        workitems: PathBuf,
        agents: usize,
        workitem_count: usize,
        span_s: f64,
    ) -> Summary {
        Summary {
            center,
            workitems,
            agents,
            workitem_count,
            span_s,
            rate_per_s: if span_s > 0.0 {
                workitem_count as f64 / span_s
            } else {
                0.0
            },
        }
    }
}
