//! `routeflow gen`: a synthetic workload, `DIR/center.yaml` and `DIR/workitems.jsonl`. With
//! `--spec FILE`, the workload a YAML description gives (any flow); without, the sample flow's
//! (`--workitems N --agents M`); with `--center FILE`, workitems only, for that center.

use super::EXIT_INVALID;
use crate::workload::{CenterSource, Options, Summary, Workload, write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `routeflow gen`.
#[derive(Debug, clap::Args)]
pub struct GenArgs {
    /// The workload description to generate from (YAML, see docs/workload.md).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Number of workitems to write (with --spec: instead of the description's count).
    #[arg(long, value_name = "N", required_unless_present = "spec")]
    workitems: Option<usize>,
    /// Number of agents of the generated center (with --spec: instead of the description's count).
    #[arg(
        long,
        value_name = "M",
        required_unless_present_any = ["center", "spec"],
        conflicts_with = "center",
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    agents: Option<u32>,
    /// Seed of the random draws: the same arguments always write the same files.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Folder to write into (created if missing); with --spec, the current folder by default.
    #[arg(long, value_name = "DIR", required_unless_present = "spec")]
    dir: Option<PathBuf>,
    /// Write workitems for this existing center file instead of generating a center.
    #[arg(long, value_name = "FILE")]
    center: Option<PathBuf>,
}

/// Run `gen`.
pub fn run(args: &GenArgs) -> ExitCode {
    // clap requires --dir without --spec.
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let existing = match &args.center {
        Some(path) => {
            let loaded = crate::center::load(path);
            eprint!("{}", loaded.report.render());
            match loaded.center {
                Some(center) => Some(center),
                None => return ExitCode::from(EXIT_INVALID),
            }
        }
        None => None,
    };
    let written = match &args.spec {
        Some(path) => {
            let mut spec = match crate::workload::spec::load(path) {
                Ok(spec) => spec,
                Err(report) => {
                    eprint!("{}", report.render());
                    return ExitCode::from(EXIT_INVALID);
                }
            };
            if let Some(count) = args.workitems {
                spec.set_workitems(count as u64);
            }
            if let Some(count) = args.agents {
                spec.set_agents(count as usize);
            }
            let command = format!(
                "routeflow gen --spec {} --seed {}{}{}",
                path.display(),
                args.seed,
                args.workitems
                    .map_or(String::new(), |n| format!(" --workitems {n}")),
                args.agents
                    .map_or(String::new(), |m| format!(" --agents {m}")),
            );
            crate::workload::spec::write(&spec, args.seed, existing.as_ref(), &dir, &command)
        }
        None => {
            let center = match (existing, args.agents) {
                (Some(center), _) => CenterSource::Existing(Box::new(center)),
                (None, Some(agents)) => CenterSource::Generate {
                    agents: agents as usize,
                },
                // clap requires one of them.
                (None, None) => return ExitCode::from(super::EXIT_USAGE),
            };
            let options = Options {
                // clap requires it without --spec.
                workitems: args.workitems.unwrap_or(0),
                seed: args.seed,
                center,
                workload: Workload::default(),
            };
            write(&options, &dir)
        }
    };
    match written {
        Ok(summary) => {
            report(&summary);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("routeflow gen: {error}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}

fn report(summary: &Summary) {
    let files = match &summary.center {
        Some(center) => format!("{} and {}", center.display(), summary.workitems.display()),
        None => summary.workitems.display().to_string(),
    };
    eprintln!(
        "routeflow gen: wrote {files}: {} workitems for {} agents, arriving over {:.1} h ({:.3} per second)",
        summary.workitem_count,
        summary.agents,
        summary.span_s / 3600.0,
        summary.rate_per_s
    );
}
