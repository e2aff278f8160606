//! `routeflow serve --flow FLOW --center CENTER`: the live runtime's HTTP server (SPEC §9.1). Loads and
//! checks the flow, the center and the tokens file as `replay` does (exit 1 on an invalid one), binds,
//! says `routeflow: listening on http://ADDR` on standard error, and serves until SIGINT or SIGTERM.

use super::{EXIT_INVALID, inputs};
use crate::journal::Journal;
use crate::live::{ClockKind, Engine, Recovered};
use crate::serve::auth::{LoadedTokens, Tokens, admin_token_file};
use crate::serve::log::{self, LogFormat};
use crate::serve::metrics::ServerMetrics;
use crate::serve::router::app::{AppState, ClockMode, Readiness};
use crate::serve::shutdown::Shutdown;
use crate::serve::{ConnectionLimits, DEFAULT_MAX_BODY, DEFAULT_MAX_CONNECTIONS, router, serve};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `routeflow serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The flow new workitems run through.
    #[arg(long, value_name = "FLOW")]
    flow: PathBuf,
    /// The Agent Setup (YAML: agents, groups, skills, capacity).
    #[arg(long, value_name = "CENTER")]
    center: PathBuf,
    /// The directory holding the server's journal (created if missing).
    #[arg(long, value_name = "DIR", default_value = "routeflow-data")]
    data: PathBuf,
    /// The address to listen on (port 0: any free port, said on standard error).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// The tokens file (YAML: `- { role: ROLE, sha256: HEX }`); without it, an admin token for this
    /// run is written to DIR/admin.token.
    #[arg(long, value_name = "FILE")]
    tokens: Option<PathBuf>,
    /// How the clock moves: `real` time, or `test`, moved only by `POST /v1/clock/advance`.
    #[arg(long, value_enum, default_value_t = Clock::Real)]
    clock: Clock,
    /// The largest request body accepted, in bytes (413 beyond).
    #[arg(long = "max-body", value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY,
          value_parser = parse_max_body)]
    max_body: usize,
    /// How long a request's head may take to arrive, in seconds, on a new connection or an idle
    /// kept-alive one; the connection is closed past it.
    #[arg(long = "header-timeout-s", value_name = "SECONDS", default_value = "10",
          value_parser = parse_seconds)]
    header_timeout: Duration,
    /// How long a request's body may take to arrive whole after its head, in seconds (408 past it).
    #[arg(long = "body-timeout-s", value_name = "SECONDS", default_value = "30",
          value_parser = parse_seconds)]
    body_timeout: Duration,
    /// How long a write to a client may wait for it to read, in seconds; the connection is closed
    /// past it.
    #[arg(long = "write-timeout-s", value_name = "SECONDS", default_value = "30",
          value_parser = parse_seconds)]
    write_timeout: Duration,
    /// How many connections may be open at once; past it, new ones wait until one closes.
    #[arg(long = "max-connections", value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS,
          value_parser = parse_max_connections)]
    max_connections: usize,
    /// The log's format on standard error: `text`, or `json` (one object per line); `RUST_LOG` filters
    /// it (`info` unless set: one line per request).
    #[arg(long = "log-format", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// `--clock`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Clock {
    Real,
    Test,
}

fn parse_max_body(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(bytes) if bytes > 0 => Ok(bytes),
        _ => Err(format!(
            "`{text}` is not a number of bytes (1 or more), e.g. 1048576"
        )),
    }
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && (0.001..=86_400.0).contains(seconds))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("`{text}` is not a number of seconds from 0.001 to 86400, e.g. 10"))
}

fn parse_max_connections(text: &str) -> Result<usize, String> {
    match text.parse::<u32>() {
        Ok(count) if count > 0 => Ok(count as usize),
        _ => Err(format!(
            "`{text}` is not a number of connections (1 to 4294967295), e.g. 10000"
        )),
    }
}

/// Run `serve`.
pub fn run(args: &ServeArgs) -> ExitCode {
    let _log = log::init(args.log_format);
    let (flow, bundle) = match inputs::bundle(&args.flow) {
        Ok(flow) => flow,
        Err(code) => return code,
    };
    let center = match inputs::center(Some(&args.center)) {
        Ok(center) => center,
        Err(code) => return code,
    };
    inputs::against_center(&flow, &center, &args.center);
    // The data directory first: locked by the journal, so that a second server on it is refused
    // before it touches anything (the admin token file included).
    let journal = match Journal::open(&args.data) {
        Ok(journal) => journal,
        Err(error) => return fail(error.to_string()),
    };
    let tokens = match &args.tokens {
        Some(path) => tokens(path, &center),
        None => run_token(&args.data),
    };
    let Ok(tokens) = tokens else {
        return ExitCode::from(EXIT_INVALID);
    };
    let flow = Arc::new(flow);
    let center = Arc::new(center);
    let (mode, kind) = match args.clock {
        Clock::Real => (ClockMode::Real, ClockKind::Real),
        Clock::Test => (ClockMode::Test, ClockKind::Test),
    };
    let runner = Arc::new(crate::runtime::Runner::new(flow));
    let readiness = Readiness::new();
    let ready = readiness.clone();
    let recovered = move |outcome: Result<Recovered, String>| match outcome {
        Ok(recovered) => {
            for warning in &recovered.warnings {
                log::say(&format!("warning: {warning}"));
            }
            if recovered.entries > 0 {
                log::say(&format!(
                    "routeflow: recovered {} ({} waiting) from {}",
                    crate::diagnostic::counted(recovered.workitems, "workitem"),
                    recovered.waiting,
                    crate::diagnostic::counted(recovered.entries, "journaled change"),
                ));
            }
            ready.set_ready();
        }
        Err(error) => {
            // The journal holds what cannot be read: serving a part of it would lose the rest.
            let _ = fail(format!("cannot recover from the journal: {error}"));
            std::process::exit(i32::from(EXIT_INVALID));
        }
    };
    let commits = journal.0.commit_seconds();
    let engine = match Engine::start_durable((bundle, runner), center, kind, journal, recovered) {
        Ok(engine) => engine,
        Err(error) => return fail(format!("cannot start the live engine: {error}")),
    };
    let metrics = Arc::new(ServerMetrics::new(engine.metrics(), Some(commits)));
    let state = AppState {
        tokens: Arc::new(tokens),
        metrics,
        drawings: Default::default(),
        engine,
        clock: mode,
        data: args.data.clone(),
        max_body: args.max_body,
        body_timeout: args.body_timeout,
        readiness,
        shutdown: Shutdown::new(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(format!("cannot start the server's runtime: {error}")),
    };
    let limits = ConnectionLimits {
        header_timeout: args.header_timeout,
        write_timeout: args.write_timeout,
        max_connections: args.max_connections,
        ..ConnectionLimits::default()
    };
    runtime.block_on(listen(&args.listen, state, limits))
}

/// Bind `address`, say where, and serve until asked to stop.
async fn listen(address: &str, state: AppState, limits: ConnectionLimits) -> ExitCode {
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => return fail(format!("cannot listen on {address}: {error}")),
    };
    let bound = match listener.local_addr() {
        Ok(bound) => bound,
        Err(error) => return fail(format!("cannot listen on {address}: {error}")),
    };
    let shutdown = state.shutdown.clone();
    shutdown.on_signals();
    log::say(&format!("routeflow: listening on http://{bound}"));
    match serve(listener, router::app(state), shutdown, limits).await {
        Ok(()) => {
            log::say("routeflow: stopped");
            ExitCode::SUCCESS
        }
        Err(error) => fail(format!("the server stopped: {error}")),
    }
}

/// Read the tokens file; its diagnostics (warnings too) go to standard error.
fn tokens(path: &Path, center: &crate::center::Center) -> Result<Tokens, ()> {
    let LoadedTokens { tokens, report } = Tokens::load(path, center);
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "{}", report.render());
    tokens.ok_or_else(|| {
        let _ = writeln!(
            stderr,
            "{}: invalid tokens file: {}",
            path.display(),
            crate::diagnostic::counted(report.errors(), "error")
        );
    })
}

/// Without a tokens file: one admin token for this run, in a file only its owner reads.
fn run_token(data: &Path) -> Result<Tokens, ()> {
    match admin_token_file(data) {
        Ok((tokens, path)) => {
            log::say(&format!(
                "routeflow: no --tokens file: the admin token of this run is in {} (readable by its owner only)",
                path.display()
            ));
            Ok(tokens)
        }
        Err(error) => {
            let _ = fail(format!(
                "cannot write the admin token into {}: {error}",
                data.display()
            ));
            Err(())
        }
    }
}

fn fail(message: String) -> ExitCode {
    log::say(&format!("error: {message}"));
    ExitCode::from(EXIT_INVALID)
}
