#![forbid(unsafe_code)]

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    routeflow::cli::run(routeflow::cli::Cli::parse())
}
