//! The server's log on standard error (`tracing`): one line per request ([`super::observe`]) and the
//! server's own lines (listening, recovered, stopped), as text or as JSON lines (`--log-format json`),
//! filtered by `RUST_LOG` (`info` unless set; `RUST_LOG=warn` keeps only problems).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// `--log-format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines; the server's own lines as plain text (`routeflow: listening on …`).
    #[default]
    Text,
    /// One JSON object per line, the server's own lines too (their text in `fields.message`).
    Json,
}

/// Whether the log is JSON (the server's own lines then go through `tracing` too).
static JSON: AtomicBool = AtomicBool::new(false);

/// Install the log for `format`; keep what it returns until the process ends (dropping it writes
/// the lines still queued). A second call (tests start servers in one process) changes nothing.
///
/// Lines are written by a thread of their own, buffered (`tracing-appender`): a request's reply never
/// waits for standard error. Past 128,000 lines queued (a reader of standard error that stalls) new
/// lines are dropped rather than slowing the server; a `kill -9` loses the lines still queued.
pub fn init(format: LogFormat) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let (writer, guard) =
        tracing_appender::non_blocking(std::io::BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false);
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    installed.ok().map(|()| {
        JSON.store(format == LogFormat::Json, Ordering::Relaxed);
        guard
    })
}

/// Say `message` (`routeflow: …`) on standard error: a plain line, or a JSON log line.
pub fn say(message: &str) {
    if JSON.load(Ordering::Relaxed) {
        tracing::info!(target: "routeflow", "{message}");
    } else {
        let _ = writeln!(std::io::stderr(), "{message}");
    }
}
