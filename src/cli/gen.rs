//! `routeflow gen --workitems N --agents M --seed S --dir DIR`: a synthetic workload for the sample flow,
//! `DIR/center.yaml` and `DIR/workitems.jsonl`; with `--center FILE` instead of `--agents`, workitems only,
//! for that center.

use super::EXIT_INVALID;
use crate::workload::{CenterSource, Options, Workload, write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `routeflow gen`.
#[derive(Debug, clap::Args)]
pub struct GenArgs {
    /// Number of workitems to write.
    #[arg(long, value_name = "N")]
    workitems: usize,
    /// Number of agents of the generated center.
    #[arg(
        long,
        value_name = "M",
        required_unless_present = "center",
        conflicts_with = "center",
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    agents: Option<u32>,
    /// Seed of the random draws: the same arguments always write the same files.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Folder to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// Write workitems for this existing center file instead of generating a center.
    #[arg(long, value_name = "FILE")]
    center: Option<PathBuf>,
}

/// Run `gen`.
pub fn run(args: &GenArgs) -> ExitCode {
    let center = match (&args.center, args.agents) {
        (Some(path), _) => {
            let loaded = crate::center::load(path);
            eprint!("{}", loaded.report.render());
            match loaded.center {
                Some(center) => CenterSource::Existing(Box::new(center)),
                None => return ExitCode::from(EXIT_INVALID),
            }
        }
        (None, Some(agents)) => CenterSource::Generate {
            agents: agents as usize,
        },
        // clap requires one of them.
        (None, None) => return ExitCode::from(super::EXIT_USAGE),
    };
    let options = Options {
        workitems: args.workitems,
        seed: args.seed,
        center,
        workload: Workload::default(),
    };
    match write(&options, &args.dir) {
        Ok(summary) => {
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
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("routeflow gen: {error}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}
