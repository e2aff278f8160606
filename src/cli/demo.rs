//! `routeflow demo`: the sample flow live, with a simulated CRM and agents, and the web view's address
//! (see [`crate::demo`]).

use super::{EXIT_INVALID, inputs};
use crate::demo::{self, Options, sample};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `routeflow demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The flow (default: the shipped sample).
    #[arg(long, value_name = "FLOW", default_value_os_t = sample("gtr_sample.yaml"))]
    flow: PathBuf,
    /// The Agent Setup; every agent in it logs in ready at the start.
    #[arg(long, value_name = "CENTER", default_value_os_t = sample("center.yaml"))]
    center: PathBuf,
    /// The workload the simulated CRM creates (JSON Lines, with `arrive_s` and `handle_s`), again
    /// and again under new ids until the demo stops.
    #[arg(long, value_name = "FILE", default_value_os_t = sample("workitems.jsonl"))]
    workitems: PathBuf,
    /// The address to listen on (port 0: any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// How fast the contact center's clock runs, in seconds per real second (at most 100: faster, the
    /// desktops could not answer offers within their 30 s).
    #[arg(long, value_name = "X", default_value = "10", value_parser = parse_speed)]
    speed: f64,
    /// Stop after this many seconds of real time (default: at Ctrl-C).
    #[arg(long = "for-s", value_name = "SECONDS", value_parser = parse_for)]
    for_s: Option<f64>,
}

fn parse_speed(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && (0.1..=100.0).contains(x))
        .ok_or_else(|| format!("`{text}` is not a speed from 0.1 to 100, e.g. 10"))
}

fn parse_for(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 1e6)
        .ok_or_else(|| format!("`{text}` is not a number of seconds (more than 0), e.g. 60"))
}

/// Run `demo`.
pub fn run(args: &DemoArgs) -> ExitCode {
    for (path, flag) in [
        (&args.flow, "--flow"),
        (&args.center, "--center"),
        (&args.workitems, "--workitems"),
    ] {
        if !path.exists() {
            let _ = writeln!(
                std::io::stderr(),
                "error: {} is not there: run the demo from the repository's root (it uses the \
                 shipped sample in flows/), or give its file with {flag}",
                path.display()
            );
            return ExitCode::from(EXIT_INVALID);
        }
    }
    let center = match inputs::center(Some(&args.center)) {
        Ok(center) => center,
        Err(code) => return code,
    };
    let options = Options {
        flow: args.flow.clone(),
        center: args.center.clone(),
        workitems: args.workitems.clone(),
        listen: args.listen.clone(),
        speed: args.speed,
        duration: args.for_s.map(Duration::from_secs_f64),
    };
    match demo::run(&options, &center) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {error}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}
