//! `routeflow render FLOW [--format dot|mermaid|svg] [--out FILE]`: draw a flow.

use super::{EXIT_INVALID, EXIT_USAGE};
use crate::flow::load;
use crate::render::{Format, render};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `routeflow render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The flow file.
    flow: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "dot")]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Run `render`.
pub fn run(args: &RenderArgs) -> ExitCode {
    let loaded = load(&args.flow);
    eprint!("{}", loaded.report.render());
    let Some(flow) = loaded.flow else {
        return ExitCode::from(EXIT_INVALID);
    };
    let picture = match render(&flow, args.format) {
        Ok(picture) => picture,
        Err(message) => {
            eprintln!("routeflow render: {message}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let written = match &args.out {
        Some(path) => std::fs::write(path, picture)
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => std::io::stdout()
            .lock()
            .write_all(picture.as_bytes())
            .map_err(|e| format!("cannot write: {e}")),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("routeflow render: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
