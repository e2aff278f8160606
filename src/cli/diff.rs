//! `routeflow diff OLD_FLOW [NEW_FLOW] --center FILE --workitems FILE`: both sides replayed on the same
//! workitems, their outcomes compared by input line (SPEC §10; `docs/diff.md`). Exit 0 when nothing
//! changed, 1 when something did, 2 when an input is invalid or cannot be read (as diff(1)).

use super::{EXIT_USAGE, inputs};
use crate::center::Center;
use crate::compare::render::{SideInputs, to_json, to_text};
use crate::compare::{Comparison, Side};
use crate::flow::Flow;
use crate::replay::{Options, Outcome, Replayed, Summary, replay};
use crate::runtime::Runner;
use crate::workitem::{Warning, WorkitemReader};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

/// Arguments of `routeflow diff`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Sides: the old side is OLD_FLOW with its own tables (--old-table replaces some). The new side is \
NEW_FLOW, or OLD_FLOW again when NEW_FLOW is not given; --table replaces tables on the new side only. \
So `routeflow diff FLOW --table T=edited.csv …` shows what editing table T does.

Exit status: 0 nothing changed, 1 something changed (a workitem's outcome, agent, Route block, target, \
wait or user data, or how many workitems entered a block), 2 an input is invalid or cannot be read.")]
pub struct DiffArgs {
    /// The flow as it is.
    #[arg(value_name = "OLD_FLOW")]
    old: PathBuf,
    /// The flow as it would be (default: OLD_FLOW, with the tables --table replaces).
    #[arg(value_name = "NEW_FLOW")]
    new: Option<PathBuf>,
    /// The contact center both sides run against.
    #[arg(long, value_name = "FILE")]
    center: PathBuf,
    /// The workitems both sides run (JSON Lines; `-` for standard input, read once).
    #[arg(long, value_name = "FILE")]
    workitems: PathBuf,
    /// On the new side only, read table NAME from CSV (repeatable).
    #[arg(long = "table", value_name = "NAME=CSV", value_parser = inputs::parse_table)]
    tables: Vec<(String, PathBuf)>,
    /// On the old side only, read table NAME from CSV (repeatable).
    #[arg(long = "old-table", value_name = "NAME=CSV", value_parser = inputs::parse_table)]
    old_tables: Vec<(String, PathBuf)>,
    /// Print the comparison as one JSON document (every changed workitem listed).
    #[arg(long)]
    json: bool,
    /// List at most N changed workitems in the text output (the rest are counted).
    #[arg(long, value_name = "N", default_value_t = 20)]
    limit: usize,
    /// The service level's thresholds, in seconds, for both sides.
    #[arg(long = "service-level", value_name = "S,S,...", value_parser = super::replay::parse_levels, default_value = "20,60,120")]
    service_levels: super::replay::Levels,
}

/// Run `diff`.
pub fn run(args: &DiffArgs) -> ExitCode {
    if args.new.is_none() && args.tables.is_empty() && args.old_tables.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "error: nothing to compare: give NEW_FLOW, or --table NAME=CSV to compare {} with a \
             table replaced",
            args.old.display()
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let invalid = || ExitCode::from(EXIT_USAGE);
    let new_path = args.new.as_deref().unwrap_or(&args.old);
    // Every input is loaded, and every problem printed, before any fails the command.
    let old = inputs::flow(&args.old, &args.old_tables);
    let new = inputs::flow(new_path, &args.tables);
    let center = inputs::center(Some(&args.center));
    let (Ok(old), Ok(new), Ok(center)) = (old, new, center) else {
        return invalid();
    };
    inputs::against_center(&old, &center, &args.center);
    if args.new.is_some() {
        inputs::against_center(&new, &center, &args.center);
    }
    let unreadable = |error: std::io::Error| {
        let _ = writeln!(
            std::io::stderr(),
            "error: {}: {error}",
            args.workitems.display()
        );
        ExitCode::from(EXIT_USAGE)
    };
    let text = match read_all(&args.workitems) {
        Ok(text) => text,
        Err(error) => return unreadable(error),
    };
    let comparison = Comparison::new(
        side(&old, &args.service_levels.0),
        side(&new, &args.service_levels.0),
    );
    let compared = compare(comparison, old, new, Arc::new(center), &text);
    let (comparison, warnings) = match compared {
        Ok(compared) => compared,
        Err(error) => return unreadable(error),
    };
    let mut stderr = std::io::stderr().lock();
    for warning in warnings {
        let _ = writeln!(stderr, "{}: warning: {warning}", args.workitems.display());
    }
    let shown = |flow: &Path, tables: &[(String, PathBuf)]| SideInputs {
        flow: flow.display().to_string(),
        tables: tables
            .iter()
            .map(|(name, file)| (name.clone(), file.display().to_string()))
            .collect(),
    };
    let (old_inputs, new_inputs) = (
        shown(&args.old, &args.old_tables),
        shown(new_path, &args.tables),
    );
    let report = if args.json {
        to_json(&comparison, &old_inputs, &new_inputs)
    } else {
        to_text(&comparison, &old_inputs, &new_inputs, args.limit)
    };
    if let Err(error) = std::io::stdout().lock().write_all(report.as_bytes()) {
        let _ = writeln!(stderr, "error: cannot write the comparison: {error}");
        return invalid();
    }
    if comparison.differs() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A side for `flow`: its blocks in flow order, an empty summary.
fn side(flow: &Flow, levels_s: &[f64]) -> Side {
    let blocks = flow
        .graph
        .blocks()
        .map(|(_, block)| block.id.clone())
        .collect();
    Side::new(blocks, Summary::with_service_levels(levels_s))
}

/// The whole input, from a file or from standard input (`-`).
fn read_all(path: &Path) -> std::io::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut text = Vec::new();
        std::io::stdin().lock().read_to_end(&mut text)?;
        Ok(text)
    } else {
        std::fs::read(path)
    }
}

/// Outcomes a side may run ahead of the other before it waits.
const AHEAD: usize = 4096;

/// What a side's thread gives back: its replay's report, and the warnings about the input.
type Joined = (std::io::Result<Replayed>, Vec<Warning>);

/// Replay both sides of `text` at once, each on its own thread, comparing their outcomes line by line
/// as they come (neither side's outcomes are all held at once); the warnings about the input too.
fn compare(
    mut comparison: Comparison,
    old: Flow,
    new: Flow,
    center: Arc<Center>,
    text: &[u8],
) -> std::io::Result<(Comparison, Vec<Warning>)> {
    std::thread::scope(|scope| {
        let start = |flow: Flow| {
            let (sender, receiver) = sync_channel::<Outcome>(AHEAD);
            let center = center.clone();
            let thread = scope.spawn(move || {
                let runner = Arc::new(Runner::new(Arc::new(flow)));
                // The trace tells which blocks each workitem entered.
                let options = Options { trace: true };
                let mut reader = WorkitemReader::new(text);
                let replayed = replay(
                    runner,
                    center,
                    &mut reader,
                    options,
                    // The other end stops receiving only when the other side failed: nothing to add.
                    &mut |outcome| {
                        let _ = sender.send(outcome);
                    },
                );
                (replayed, reader.warnings())
            });
            (receiver, thread)
        };
        let (old_outcomes, old_thread) = start(old);
        let (new_outcomes, new_thread) = start(new);
        pairs(&mut comparison, &old_outcomes, &new_outcomes);
        drop((old_outcomes, new_outcomes));
        let joined = |thread: std::thread::ScopedJoinHandle<'_, Joined>| {
            thread.join().unwrap_or_else(|_| {
                let bug = std::io::Error::other("a replay failed (a bug in routeflow)");
                (Err(bug), Vec::new())
            })
        };
        let ((old, warnings), (new, _)) = (joined(old_thread), joined(new_thread));
        comparison.add_replayed(old?, new?);
        Ok((comparison, warnings))
    })
}

/// Compare the outcomes of both sides, line by line, until either side has no more.
fn pairs(comparison: &mut Comparison, old: &Receiver<Outcome>, new: &Receiver<Outcome>) {
    for (old, new) in old.iter().zip(new.iter()) {
        comparison.add(&old, &new);
    }
}
