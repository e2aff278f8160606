//! `routeflow eval EXPR [--vars JSON]`: evaluate one expression, print the value as JSON.
//!
//! A stable contract for scripts: the value on standard output and exit 0, or a diagnostic with a caret
//! under the offending part of the expression on standard error and exit 1.

use super::EXIT_INVALID;
use crate::diagnostic::{Diagnostic, Report, SourceFile, Span};
use crate::expr::{Scope, Value, compile};
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `routeflow eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The expression, e.g. "level1 == 'Insurance' && searchRowsCount != 1".
    #[arg(allow_hyphen_values = true)]
    expression: String,
    /// Variables as a JSON object, e.g. '{"level1": "Insurance", "searchRowsCount": 2}'.
    #[arg(long, value_name = "JSON")]
    vars: Option<String>,
}

/// Run `eval`.
pub fn run(args: &EvalArgs) -> ExitCode {
    let vars_file = Arc::new(SourceFile::new(
        "<vars>",
        args.vars.as_deref().unwrap_or("{}"),
    ));
    let (scope, frame) = match variables(&vars_file) {
        Ok(variables) => variables,
        Err(diagnostic) => {
            print(&vars_file, vec![diagnostic]);
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let file = Arc::new(SourceFile::new("<expr>", args.expression.as_str()));
    let expression = match compile(&args.expression, &scope) {
        Ok(expression) => expression,
        Err(diagnostics) => {
            print(&file, diagnostics);
            return ExitCode::from(EXIT_INVALID);
        }
    };
    match expression.eval(&frame) {
        Ok(value) => {
            println!("{}", value.to_json());
            ExitCode::SUCCESS
        }
        Err(error) => {
            print(&file, vec![error.to_diagnostic()]);
            ExitCode::from(EXIT_INVALID)
        }
    }
}

/// The scope and the frame of values given by `--vars` (`file`).
fn variables(file: &SourceFile) -> Result<(Scope, Vec<Value>), Diagnostic> {
    let json = file.text();
    let parsed: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        let at = file.offset(e.line(), e.column());
        let message = e.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        Diagnostic::error(
            Span::new(at, at),
            format!("--vars is not valid JSON: {message}"),
        )
    })?;
    let serde_json::Value::Object(object) = parsed else {
        let diagnostic =
            Diagnostic::error(Span::new(0, json.len()), "--vars must be a JSON object")
                .with_help(r#"e.g. --vars '{"level1": "Insurance"}'"#);
        return Err(diagnostic);
    };
    let mut scope = Scope::new();
    let mut frame = Vec::with_capacity(object.len());
    for (name, value) in &object {
        scope.declare(name);
        frame.push(Value::from_json(value));
    }
    Ok((scope, frame))
}

/// Print `diagnostics`, located in `file`, on standard error.
fn print(file: &Arc<SourceFile>, diagnostics: Vec<Diagnostic>) {
    let mut report = Report::new();
    report.add(file, diagnostics);
    eprint!("{}", report.render());
}
