//! `routeflow schema [--center | --workload]`: the JSON Schema of the flow format, of center files or of
//! workload descriptions (`gen --spec`), for editors (yaml-language-server).

use crate::model::read::BLOCK_TYPES;
use crate::model::types::FlowFile;
use serde_json::json;
use std::process::ExitCode;

/// Arguments of `routeflow schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// The schema of contact-center files instead of flow files.
    #[arg(long, conflicts_with = "workload")]
    center: bool,
    /// The schema of workload descriptions (`routeflow gen --spec FILE`).
    #[arg(long)]
    workload: bool,
}

/// Run `schema`.
pub fn run(args: &SchemaArgs) -> ExitCode {
    let schema = if args.center {
        crate::center::schema::json_schema()
    } else if args.workload {
        crate::workload::spec::json_schema()
    } else {
        flow_schema()
    };
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

/// The flow format's schema, generated from the types the loader reads, with custom blocks allowed.
fn flow_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(FlowFile);
    if let Some(blocks) = schema
        .as_object_mut()
        .and_then(|root| root.get_mut("$defs"))
        .and_then(|defs| defs.get_mut("BlockDef"))
        .and_then(|block| block.get_mut("oneOf"))
        .and_then(|variants| variants.as_array_mut())
    {
        blocks.push(custom_block());
    }
    schema.to_value()
}

/// A block of a custom type: any type name but the built-ins, one value per property (which ones, the
/// type's rhai file says: `routeflow check` validates them), and `outputs` holding blocks. Without it,
/// an editor would flag every custom block that `check` accepts.
fn custom_block() -> serde_json::Value {
    json!({
        "type": "object",
        "description": "A block of a custom type declared under `extensions:`; `routeflow check` validates its properties against the type's rhai file.",
        "properties": {
            "type": { "type": "string", "not": { "enum": BLOCK_TYPES } },
            "outputs": {
                "type": "object",
                "description": "Output name → the blocks run when the block's script chooses it.",
                "additionalProperties": { "type": "array", "items": { "$ref": "#/$defs/BlockDef" } }
            }
        },
        "required": ["type"],
        "additionalProperties": { "$ref": "#/$defs/Text" }
    })
}
