//! `routeflow test [PATH...] [--junit FILE]`: run flow test suites (docs/testing.md). One result line per
//! case on standard output (`ok` or `FAIL`, the suite file and the case's name; a failure's differences
//! below it), then a count; the diagnostics of invalid suite files on standard error.

use super::{EXIT_INVALID, EXIT_USAGE};
use crate::diagnostic::counted;
use crate::suite::junit::{self, Ran, SuiteReport};
use crate::suite::{self, CaseResult, Loaded, files};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where suites are looked for when no PATH is given.
const DEFAULT_PATH: &str = "tests/flows";

/// Arguments of `routeflow test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Suite files, or directories holding them (every `*.yaml` below, sorted) [default: tests/flows].
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Also write the results as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

/// One suite file's results, kept for the JUnit file.
enum Results {
    Cases(Vec<CaseResult>),
    Invalid(String),
}

/// Run `test`.
pub fn run(args: &TestArgs) -> ExitCode {
    let paths = match args.paths.as_slice() {
        [] => vec![PathBuf::from(DEFAULT_PATH)],
        paths => paths.to_vec(),
    };
    let found = match files::find(&paths) {
        Ok(found) => found,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "error: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut stdout = std::io::stdout().lock();
    let mut all: Vec<(String, Results)> = Vec::with_capacity(found.len());
    let mut checked = std::collections::HashSet::new();
    for file in &found {
        let shown = file.path.display().to_string();
        match suite::load(&file.path, file.in_directory) {
            Loaded::NotASuite => {}
            Loaded::Invalid(report) => {
                let diagnostics = report.render();
                // Standard error is unbuffered: flush what came before, so the two read in order.
                let _ = stdout.flush();
                let _ = write!(std::io::stderr(), "{diagnostics}");
                let _ = writeln!(
                    stdout,
                    "FAIL {shown}: invalid suite file ({})",
                    counted(report.errors(), "error")
                );
                all.push((shown, Results::Invalid(diagnostics)));
            }
            Loaded::Suite(suite) => {
                // Once per run for each flow and center file, however many suites use them.
                for (flow, center, report) in &suite.against_centers {
                    if !report.is_empty() && checked.insert((flow.clone(), center.clone())) {
                        let _ = stdout.flush();
                        let _ = write!(std::io::stderr(), "{}", report.render());
                    }
                }
                let results = suite::run(&suite);
                for result in &results {
                    let verdict = if result.passed() { "ok  " } else { "FAIL" };
                    let _ = writeln!(stdout, "{verdict} {shown}: {}", result.name);
                    let _ = write!(stdout, "{}", result.details());
                }
                all.push((shown, Results::Cases(results)));
            }
        }
    }
    let (mut passed, mut failed, mut invalid) = (0, 0, 0);
    for (_, results) in &all {
        match results {
            Results::Cases(cases) => {
                let ok = cases.iter().filter(|case| case.passed()).count();
                passed += ok;
                failed += cases.len() - ok;
            }
            Results::Invalid(_) => invalid += 1,
        }
    }
    if all.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let _ = writeln!(
            std::io::stderr(),
            "error: no suite files in {} (a suite is a `*.yaml` file with `cases`)",
            shown.join(", ")
        );
        return ExitCode::from(EXIT_INVALID);
    }
    let verdict = if failed + invalid == 0 {
        "ok"
    } else {
        "FAILED"
    };
    let mut count = format!("test result: {verdict}. {passed} passed, {failed} failed");
    if invalid > 0 {
        count.push_str(&format!(", {}", counted(invalid, "invalid suite file")));
    }
    let _ = writeln!(stdout, "{count}");
    let _ = stdout.flush();
    if let Some(path) = &args.junit {
        let reports: Vec<SuiteReport<'_>> = all
            .iter()
            .map(|(file, results)| SuiteReport {
                file,
                ran: match results {
                    Results::Cases(cases) => Ran::Cases(cases),
                    Results::Invalid(diagnostics) => Ran::Invalid(diagnostics),
                },
            })
            .collect();
        if let Err(error) = std::fs::write(path, junit::write(&reports)) {
            let _ = writeln!(std::io::stderr(), "error: {}: {error}", path.display());
            return ExitCode::from(EXIT_INVALID);
        }
    }
    if failed + invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVALID)
    }
}
