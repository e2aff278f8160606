//! `routeflow test [PATH...] [--junit FILE]`: run flow test suites (docs/testing.md). One result line per
//! case on standard output (`ok` or `FAIL`, the suite file and the case's name; a failure's differences
//! below it), then a count; the diagnostics of invalid suite files on standard error.

use super::{EXIT_INVALID, EXIT_USAGE};
use crate::coverage::Coverage;
use crate::coverage::page::{self, Section};
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
    /// Write the coverage page to FILE (HTML, self-contained): each flow tested, drawn with how many of
    /// the cases' workitems entered each block and left it each way, over every suite using it.
    #[arg(long, value_name = "FILE.html")]
    coverage: Option<PathBuf>,
}

/// One flow's coverage over every case of every suite that tests it.
struct Tested {
    flow: std::sync::Arc<crate::flow::Flow>,
    suites: usize,
    cases: usize,
    coverage: Coverage,
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
    let mut tested: Vec<Tested> = Vec::new();
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
                add_coverage(&mut tested, &suite, &results);
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
    if let Some(path) = &args.coverage {
        for flow in &tested {
            let _ = write!(
                stdout,
                "{} {}",
                flow.flow.source.display(),
                flow.coverage.to_text()
            );
        }
        let _ = stdout.flush();
        if let Err(error) = std::fs::write(path, coverage_page(&tested)) {
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

/// Add the coverage of `suite`'s cases to its flow's, by flow file: suites of the same flow add up
/// (a flow loaded with a table replaced has the same blocks).
fn add_coverage(tested: &mut Vec<Tested>, suite: &suite::Suite, results: &[CaseResult]) {
    let flow = suite.runner.flow();
    let at = tested.iter().position(|t| t.flow.source == flow.source);
    let entry = match at {
        Some(at) => &mut tested[at],
        None => {
            tested.push(Tested {
                flow: flow.clone(),
                suites: 0,
                cases: 0,
                coverage: Coverage::default(),
            });
            let last = tested.len() - 1;
            &mut tested[last]
        }
    };
    entry.suites += 1;
    entry.cases += results.len();
    for result in results {
        // Same file, same blocks: a merge cannot fail but for a flow edited while the tests ran.
        let _ = entry.coverage.merge(&result.coverage);
    }
}

/// The page of every flow tested.
fn coverage_page(tested: &[Tested]) -> String {
    let sections: Vec<Section<'_>> = tested
        .iter()
        .map(|t| Section {
            flow: &t.flow,
            coverage: &t.coverage,
            headline: vec![
                ("suites".to_owned(), t.suites.to_string()),
                ("cases".to_owned(), t.cases.to_string()),
                ("workitems".to_owned(), t.coverage.workitems.to_string()),
            ],
        })
        .collect();
    page::html("Coverage of the flow test suites", &sections)
}
