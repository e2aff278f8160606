//! `routeflow schema`: the JSON Schema of the flow format, for editors (yaml-language-server).

use crate::model::types::FlowFile;
use std::process::ExitCode;

/// Run `schema`.
pub fn run() -> ExitCode {
    let schema = schemars::schema_for!(FlowFile);
    match serde_json::to_string_pretty(&schema) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("routeflow schema: {error}");
            ExitCode::FAILURE
        }
    }
}
