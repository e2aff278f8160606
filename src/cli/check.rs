//! `routeflow check FLOW... [--center FILE]...`: load and validate flows and contact-center files;
//! diagnostics on standard error. Exit 0 when every file is valid (warnings allowed), 1 when one is not.
//! Given both, each flow is also checked against each center: a literal agent, group or skill name its
//! Route targets may use (in the flow or in a table cell) that no agent of the center has is a warning.

use super::EXIT_INVALID;
use crate::center;
use crate::diagnostic::{Report, counted};
use crate::flow::load;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `routeflow check`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("files").required(true).multiple(true).args(["flows", "centers"])))]
pub struct CheckArgs {
    /// Flow files to check.
    #[arg(value_name = "FLOW")]
    flows: Vec<PathBuf>,
    /// Contact-center files to check (the `--center` of replay, run and test).
    #[arg(long = "center", value_name = "FILE")]
    centers: Vec<PathBuf>,
}

/// Run `check`.
pub fn run(args: &CheckArgs) -> ExitCode {
    let mut invalid = false;
    let mut stderr = std::io::stderr().lock();
    // Each flow is checked against every center that loads: the names its targets use must exist.
    let centers: Vec<(&PathBuf, center::Loaded)> = args
        .centers
        .iter()
        .map(|path| (path, center::load(path)))
        .collect();
    for path in &args.flows {
        let mut loaded = load(path);
        if let Some(flow) = &loaded.flow {
            for (center_path, center) in &centers {
                if let Some(center) = &center.center {
                    let shown = center_path.display().to_string();
                    loaded.report.append(flow.check_against(center, &shown));
                }
            }
        }
        let _ = write!(stderr, "{}", loaded.report.render());
        let summary = loaded.flow.as_ref().map(|flow| {
            format!(
                "{}, {}, {}",
                counted(flow.graph.blocks().count(), "block"),
                counted(flow.variables.len(), "variable"),
                counted(flow.tables.len(), "table")
            )
        });
        invalid |= !verdict(&mut stderr, path, summary, &loaded.report);
    }
    for (path, loaded) in centers {
        let _ = write!(stderr, "{}", loaded.report.render());
        let summary = loaded.center.as_ref().map(|center| {
            format!(
                "{}, {}, {}",
                counted(center.agents().len(), "agent"),
                counted(center.group_count(), "group"),
                counted(center.skill_count(), "skill")
            )
        });
        invalid |= !verdict(&mut stderr, path, summary, &loaded.report);
    }
    if invalid {
        ExitCode::from(EXIT_INVALID)
    } else {
        ExitCode::SUCCESS
    }
}

/// The last line for one file: `ok` with what it holds (`summary`, when it loaded), or `invalid`; whether
/// it is valid.
fn verdict(out: &mut impl Write, path: &Path, summary: Option<String>, report: &Report) -> bool {
    let warnings = plural_suffix(", ", report.warnings(), "warning");
    let _ = match &summary {
        Some(summary) => writeln!(out, "{}: ok: {summary}{warnings}", path.display()),
        None => writeln!(
            out,
            "{}: invalid: {}{warnings}",
            path.display(),
            counted(report.errors(), "error")
        ),
    };
    summary.is_some()
}

fn plural_suffix(separator: &str, n: usize, word: &str) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("{separator}{}", counted(n, word))
    }
}
