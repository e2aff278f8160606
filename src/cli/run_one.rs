//! `routeflow run FLOW --userdata K=V ...`: one workitem through the flow, its outcome line on standard
//! output. Without `--center`, the center has no agents: every Route block waits out its timeout.

use super::{EXIT_INVALID, inputs};
use crate::expr::Value;
use crate::replay::{Kind, Options, replay};
use crate::runtime::Runner;
use crate::workitem::{Line, Userdata, Workitem};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `routeflow run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The flow file.
    #[arg(value_name = "FLOW")]
    flow: PathBuf,
    /// A user-data entry (repeatable); the value is a string.
    #[arg(long = "userdata", value_name = "KEY=VALUE", value_parser = parse_userdata)]
    userdata: Vec<(String, String)>,
    /// The contact center; without one, no agent ever takes the workitem.
    #[arg(long, value_name = "FILE")]
    center: Option<PathBuf>,
    /// Read table NAME from CSV instead of the file the flow names (repeatable).
    #[arg(long = "table", value_name = "NAME=CSV", value_parser = inputs::parse_table)]
    tables: Vec<(String, PathBuf)>,
    /// The workitem's id.
    #[arg(long, default_value = "w1")]
    id: String,
    /// The workitem's priority.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    priority: i64,
    /// Add the blocks it ran through, with their virtual times.
    #[arg(long)]
    trace: bool,
}

fn parse_userdata(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("expected KEY=VALUE, found `{text}`")),
    }
}

/// Run `run`.
pub fn run(args: &RunArgs) -> ExitCode {
    let flow = match inputs::flow(&args.flow, &args.tables) {
        Ok(flow) => flow,
        Err(code) => return code,
    };
    let center = match inputs::center(args.center.as_deref()) {
        Ok(center) => center,
        Err(code) => return code,
    };
    if let Some(path) = &args.center {
        inputs::against_center(&flow, &center, path);
    }
    let userdata: Userdata = args
        .userdata
        .iter()
        .map(|(k, v)| (k.as_str(), Value::string(v.as_str())))
        .collect();
    let workitem = Workitem {
        id: args.id.as_str().into(),
        arrive_s: 0.0,
        priority: args.priority,
        handle_s: None,
        stop_s: None,
        userdata,
    };
    let line = Line {
        number: 1,
        item: Ok(workitem),
    };
    let runner = Arc::new(Runner::new(Arc::new(flow)));
    let options = Options { trace: args.trace };
    let mut outcomes = Vec::new();
    let replayed = replay(
        runner,
        Arc::new(center),
        [Ok(line)],
        options,
        &mut |outcome| outcomes.push(outcome),
    );
    if let Err(error) = replayed {
        let _ = writeln!(std::io::stderr(), "error: {error}");
        return ExitCode::from(EXIT_INVALID);
    }
    let mut stdout = std::io::stdout().lock();
    let mut failed = false;
    for outcome in &outcomes {
        failed |= outcome.kind == Kind::Error;
        let _ = stdout.write_all(outcome.to_json().as_bytes());
    }
    if failed {
        ExitCode::from(EXIT_INVALID)
    } else {
        ExitCode::SUCCESS
    }
}
