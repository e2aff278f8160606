//! Helpers of the script tests: a small flow around some blocks, run through its Initialize phase.
#![allow(dead_code)]

use routeflow::expr::Value;
use routeflow::flow;
use routeflow::runtime::{End, Frame, Runner};
use routeflow::workitem::Userdata;
use std::path::Path;
use std::sync::Arc;

pub const TABLE: &str = "tests/replay_cases";

/// A flow with `variables` (YAML mapping body) whose Initialize phase is `blocks` (YAML list body).
pub fn flow(variables: &str, blocks: &str) -> Runner {
    flow_with("", variables, blocks)
}

/// [`flow`] with more top-level YAML (`script_limits: …`).
pub fn flow_with(top: &str, variables: &str, blocks: &str) -> Runner {
    let top = match top {
        "" => String::new(),
        top => format!("{top}\n"),
    };
    let text = format!(
        "application: scripts\nvariables:\n{variables}\ntables:\n  ROUTING: {{ file: table.csv, key: [Level1, Level2, Customer Segment] }}\n{top}phases:\n  initialize:\n{blocks}\n"
    );
    let loaded = flow::load_str("scripts.yaml", &text, Path::new(TABLE));
    match loaded.flow {
        Some(flow) => Runner::new(Arc::new(flow)),
        None => panic!("the flow loads:\n{}\n{text}", loaded.report.render()),
    }
}

pub fn userdata(pairs: &[(&str, &str)]) -> Userdata {
    pairs.iter().map(|(k, v)| (*k, Value::string(*v))).collect()
}

pub fn run(runner: &Runner, pairs: &[(&str, &str)]) -> Frame {
    match runner.initialize(&userdata(pairs), 0.0) {
        Ok(frame) => frame,
        Err(end) => panic!("Initialize ends normally, not {end:?}"),
    }
}

pub fn variable(runner: &Runner, frame: &Frame, name: &str) -> String {
    let slot = runner.flow().scope.slot(name).expect("declared");
    frame.slots[slot].to_json()
}

pub fn error(runner: &Runner, pairs: &[(&str, &str)]) -> String {
    match runner.initialize(&userdata(pairs), 0.0) {
        Err(End::Error { message, .. }) => message,
        other => panic!("an error, not {other:?}"),
    }
}
