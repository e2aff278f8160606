#![forbid(unsafe_code)]

use clap::Parser;

fn main() -> std::process::ExitCode {
    routeflow::cli::run(routeflow::cli::Cli::parse())
}
