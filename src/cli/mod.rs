//! The `routeflow` commands. `main.rs` parses the arguments into [`Cli`]; [`run`] does the work and
//! returns the process exit code (0 success, 1 invalid input, 2 usage error).

mod check;
mod demo;
mod diff;
mod eval;
mod r#gen;
mod inputs;
mod publish;
mod render;
mod replay;
mod run_one;
mod schema;
mod serve;
mod test;
mod token;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// routeflow: run, check and replay Designer-style task-routing applications.
#[derive(Debug, Parser)]
#[command(name = "routeflow", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load and validate flow files; diagnostics on standard error.
    Check(check::CheckArgs),
    /// Run the sample live: a server, a simulated CRM and agents; prints the web view's address.
    Demo(demo::DemoArgs),
    /// Replay two flows (or one flow with a table replaced) on the same workitems and compare outcomes.
    Diff(diff::DiffArgs),
    /// Evaluate one expression and print its value as JSON.
    Eval(eval::EvalArgs),
    /// Write a synthetic workload for the sample flow: a center and workitems.
    Gen(r#gen::GenArgs),
    /// Publish a flow (with its tables and rhai files) into a running server as a new version.
    Publish(publish::PublishArgs),
    /// Draw a flow as Graphviz DOT, Mermaid or SVG.
    Render(render::RenderArgs),
    /// Run one workitem through a flow and print its outcome line.
    Run(run_one::RunArgs),
    /// Replay workitems through a flow against a simulated contact center; outcome lines in input order.
    Replay(replay::ReplayArgs),
    /// Print the JSON Schema of the flow file format, or with --center of center files (for editors).
    Schema(schema::SchemaArgs),
    /// Serve the live runtime over HTTP: workitems in, offers to agents (SPEC §9).
    Serve(serve::ServeArgs),
    /// Run flow test suites (YAML: flow, center, workitems, expected outcome fields).
    Test(test::TestArgs),
    /// Print a new random token for `serve` and its line for the tokens file.
    Token(token::TokenArgs),
}

/// Run the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Gen(args) => r#gen::run(&args),
        Command::Publish(args) => publish::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Run(args) => run_one::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Token(args) => token::run(&args),
    }
}

/// Exit code for invalid input (a diagnostic was printed).
pub const EXIT_INVALID: u8 = 1;
/// Exit code for a usage error (clap uses the same).
pub const EXIT_USAGE: u8 = 2;
