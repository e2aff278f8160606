//! `routeflow replay FLOW --center FILE --workitems FILE`: outcome lines (SPEC §3.5) on standard output
//! or `--out`, a summary on standard error, a progress bar when standard error is a terminal.

use super::{EXIT_INVALID, inputs};
use crate::coverage::page::{self, Section};
use crate::replay::{Options, Summary, replay};
use crate::runtime::Runner;
use crate::workitem::WorkitemReader;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `routeflow replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The flow file.
    #[arg(value_name = "FLOW")]
    flow: PathBuf,
    /// The contact center (YAML: agents, groups, skills, capacity, ready intervals).
    #[arg(long, value_name = "FILE")]
    center: PathBuf,
    /// The workitems (JSON Lines; `-` for standard input).
    #[arg(long, value_name = "FILE")]
    workitems: PathBuf,
    /// Write the outcome lines to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Read table NAME from CSV instead of the file the flow names (repeatable).
    #[arg(long = "table", value_name = "NAME=CSV", value_parser = inputs::parse_table)]
    tables: Vec<(String, PathBuf)>,
    /// Add to each outcome the blocks it ran through, with their virtual times.
    #[arg(long)]
    trace: bool,
    /// Write the summary as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Write the coverage page to FILE (HTML, self-contained): the flow drawn with how many workitems
    /// entered each block and left it each way, blocks never reached highlighted.
    #[arg(long, value_name = "FILE.html")]
    coverage: Option<PathBuf>,
    /// The service level's thresholds: the share of workitems routed within each of these seconds.
    #[arg(long = "service-level", value_name = "S,S,...", value_parser = parse_levels, default_value = "20,60,120")]
    service_levels: Levels,
}

/// `--service-level` thresholds, in seconds.
#[derive(Clone, Debug)]
pub(super) struct Levels(pub(super) Vec<f64>);

pub(super) fn parse_levels(text: &str) -> Result<Levels, String> {
    let levels = text
        .split(',')
        .map(|part| match part.trim().parse::<f64>() {
            Ok(s) if s.is_finite() && s >= 0.0 => Ok(s),
            _ => Err(format!(
                "`{}` is not a number of seconds (0 or more); give them separated by commas, e.g. 20,60,120",
                part.trim()
            )),
        })
        .collect::<Result<Vec<f64>, String>>()?;
    Ok(Levels(levels))
}

/// Run `replay`.
pub fn run(args: &ReplayArgs) -> ExitCode {
    let flow = match inputs::flow(&args.flow, &args.tables) {
        Ok(flow) => flow,
        Err(code) => return code,
    };
    let center = match inputs::center(Some(&args.center)) {
        Ok(center) => center,
        Err(code) => return code,
    };
    inputs::against_center(&flow, &center, &args.center);
    let input: Box<dyn BufRead> = if args.workitems.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match File::open(&args.workitems) {
            Ok(file) => Box::new(BufReader::with_capacity(1 << 16, file)),
            Err(error) => return fail(format!("{}: {error}", args.workitems.display())),
        }
    };
    let out: Box<dyn Write> = match &args.out {
        Some(path) => match File::create(path) {
            Ok(file) => Box::new(file),
            Err(error) => return fail(format!("{}: {error}", path.display())),
        },
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {pos} workitems replayed ({per_sec})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar
    });
    let mut reader = WorkitemReader::new(input);
    let mut summary = Summary::with_service_levels(&args.service_levels.0);
    let mut line = String::with_capacity(512);
    let mut write_error = None;
    let mut written: u64 = 0;
    let flow = Arc::new(flow);
    let runner = Arc::new(Runner::new(flow.clone()));
    let options = Options { trace: args.trace };
    let replayed = replay(
        runner,
        Arc::new(center),
        &mut reader,
        options,
        &mut |outcome| {
            summary.add(&outcome);
            line.clear();
            outcome.write_json(&mut line);
            if write_error.is_none()
                && let Err(error) = out.write_all(line.as_bytes())
            {
                write_error = Some(error);
            }
            written += 1;
            if let Some(bar) = &progress
                && written.is_multiple_of(4096)
            {
                bar.set_position(written);
            }
        },
    );
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let shown = args.workitems.display();
    match replayed {
        Ok(replayed) => summary.add_replayed(replayed),
        Err(error) => return fail(format!("{shown}: {error}")),
    }
    if let Some(error) = write_error.or_else(|| out.flush().err()) {
        return fail(format!("cannot write the outcomes: {error}"));
    }
    let mut stderr = std::io::stderr().lock();
    for warning in reader.warnings() {
        let _ = writeln!(stderr, "{shown}: warning: {warning}");
    }
    let _ = write!(stderr, "{}", summary.to_text());
    if let Some(path) = &args.summary
        && let Err(error) = std::fs::write(path, summary.to_json())
    {
        return fail(format!("{}: {error}", path.display()));
    }
    if let Some(path) = &args.coverage {
        let section = Section {
            flow: &flow,
            coverage: &summary.replayed().coverage,
            headline: summary.headline(),
        };
        let title = format!("Coverage of {}", flow.application);
        if let Err(error) = std::fs::write(path, page::html(&title, &[section])) {
            return fail(format!("{}: {error}", path.display()));
        }
    }
    // A replay in which nothing ran through the flow (a wrong file, every line bad) is a failure.
    if summary.all_errors() {
        let _ = writeln!(
            stderr,
            "error: every workitem ended with an `error` outcome: nothing ran through the flow"
        );
        return ExitCode::from(EXIT_INVALID);
    }
    ExitCode::SUCCESS
}

fn fail(message: String) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    ExitCode::from(EXIT_INVALID)
}
