//! What every handler can reach: the state the router is built with.

use super::super::auth::Tokens;
use super::super::shutdown::Shutdown;
use axum::extract::FromRef;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// How the live clock moves (`--clock`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockMode {
    /// Wall-clock time.
    Real,
    /// Moves only when told (`POST /v1/clock/advance`), for end-to-end tests without sleeps.
    Test,
}

/// The state shared by every handler; cheap to clone (everything is behind an `Arc`).
#[derive(Clone)]
pub struct AppState {
    /// The tokens the server accepts ([`Caller`](crate::serve::auth::Caller) reads them).
    pub tokens: Arc<Tokens>,
    /// How the clock moves.
    pub clock: ClockMode,
    /// The data directory (`--data`), created at start: the journal's place.
    pub data: PathBuf,
    /// The body size limit in bytes (`--max-body`).
    pub max_body: usize,
    /// How long a request's body may take to arrive after its head (`--body-timeout-s`).
    pub body_timeout: std::time::Duration,
    /// Whether `/readyz` says ready (once recovery is done).
    pub readiness: Readiness,
    /// Asked for on SIGINT or SIGTERM; long-lived replies (event streams) end when it is.
    pub shutdown: Shutdown,
    /// The live engine: workitems, agents, offers, event streams (see [`crate::live`]).
    pub engine: crate::live::Engine,
    /// What `GET /metrics` shows.
    pub metrics: crate::serve::metrics::SharedMetrics,
    /// The flow versions drawn for the web view, kept.
    pub drawings: crate::serve::v1::blocks::Drawings,
}

impl FromRef<AppState> for Arc<Tokens> {
    fn from_ref(state: &AppState) -> Arc<Tokens> {
        state.tokens.clone()
    }
}

/// Whether the server is ready to serve (`/readyz`): false until [`set_ready`](Readiness::set_ready).
#[derive(Clone, Debug, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// Not ready yet.
    pub fn new() -> Readiness {
        Readiness::default()
    }

    /// From now on, ready.
    pub fn set_ready(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether ready.
    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}
