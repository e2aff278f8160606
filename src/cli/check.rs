//! `routeflow check FLOW...`: load and validate flows; diagnostics on standard error.
//! Exit 0 when every flow is valid (warnings allowed), 1 when one is not.

use super::EXIT_INVALID;
use crate::diagnostic::counted;
use crate::flow::load;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `routeflow check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Flow files to check.
    #[arg(required = true, value_name = "FLOW")]
    flows: Vec<PathBuf>,
}

/// Run `check`.
pub fn run(args: &CheckArgs) -> ExitCode {
    let mut invalid = false;
    let mut stderr = std::io::stderr().lock();
    for path in &args.flows {
        let loaded = load(path);
        let _ = write!(stderr, "{}", loaded.report.render());
        let (errors, warnings) = (loaded.report.errors(), loaded.report.warnings());
        match &loaded.flow {
            Some(flow) => {
                let blocks = flow.graph.blocks().count();
                let _ = writeln!(
                    stderr,
                    "{}: ok: {}, {}, {}{}",
                    path.display(),
                    counted(blocks, "block"),
                    counted(flow.variables.len(), "variable"),
                    counted(flow.tables.len(), "table"),
                    plural_suffix(", ", warnings, "warning")
                );
            }
            None => {
                invalid = true;
                let _ = writeln!(
                    stderr,
                    "{}: invalid: {}{}",
                    path.display(),
                    counted(errors, "error"),
                    plural_suffix(", ", warnings, "warning")
                );
            }
        }
    }
    if invalid {
        ExitCode::from(EXIT_INVALID)
    } else {
        ExitCode::SUCCESS
    }
}

fn plural_suffix(separator: &str, n: usize, word: &str) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("{separator}{}", counted(n, word))
    }
}
