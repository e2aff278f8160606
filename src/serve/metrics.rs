//! `GET /metrics` (SPEC §9.4): the server's metrics in the Prometheus text format (OpenMetrics), for an
//! admin's or a viewer's token. What the engine counts ([`crate::live::LiveMetrics`]: workitems created
//! and ended, Route waits per block, offers), the journal's commit times, HTTP requests by route and
//! status with their latency, and, read from the engine at each scrape, the workitems waiting per target
//! and the agents by state.
//!
//! Label values are bounded: routes are the API's path templates (`/v1/workitems/{id}`, never the id),
//! statuses and states fixed words, targets at most [`MAX_TARGETS`] per kind (an agent target is
//! labelled by its kind alone: agent ids are never labels).

use super::auth::{Caller, Role};
use super::problem::Problem;
use super::router::app::AppState;
use super::v1::problem;
use crate::live::{AgentStateKind, LiveMetrics};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

/// Targets of one kind labelled apart in the waiting gauges; the others add up under `(other)`.
pub const MAX_TARGETS: usize = 100;

/// The buckets of HTTP latencies, in seconds.
const LATENCY_BUCKETS_S: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TargetLabels {
    kind: String,
    target: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS_S)
}

/// The server's metrics: the registry `GET /metrics` encodes, and the families the server itself
/// sets (the engine's and the journal's are registered, and counted where they happen).
#[derive(Debug)]
pub struct ServerMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    waiting: Family<TargetLabels, Gauge>,
    oldest: Family<TargetLabels, Gauge<f64, AtomicU64>>,
    agents: Family<StateLabels, Gauge>,
    busy: Gauge,
    /// One scrape at a time refreshes the gauges and encodes.
    scrape: Mutex<()>,
}

impl ServerMetrics {
    /// The metrics of a server whose engine counts in `live`, with its journal's commit times
    /// (none: a server without a journal, in tests).
    pub fn new(live: &LiveMetrics, commits: Option<Histogram>) -> ServerMetrics {
        let mut registry = Registry::default();
        live.register(&mut registry);
        if let Some(commits) = commits {
            registry.register(
                "routeflow_journal_commit_seconds",
                "Time of each journal commit (one transaction for a group of changes, fsync included)",
                commits,
            );
        }
        let mut metrics = ServerMetrics {
            registry,
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            waiting: Family::default(),
            oldest: Family::default(),
            agents: Family::default(),
            busy: Gauge::default(),
            scrape: Mutex::new(()),
        };
        let registry = &mut metrics.registry;
        registry.register(
            "routeflow_http_requests",
            "HTTP requests, by method, route (the path's template) and status",
            metrics.requests.clone(),
        );
        registry.register(
            "routeflow_http_request_duration_seconds",
            "Time from a request's head to its reply's head, by method and route",
            metrics.latency.clone(),
        );
        registry.register(
            "routeflow_waiting_workitems",
            "Workitems waiting now, by target kind and target (agent targets by kind only)",
            metrics.waiting.clone(),
        );
        registry.register(
            "routeflow_oldest_wait_seconds",
            "How long the oldest workitem waiting for each target has waited in its Route block",
            metrics.oldest.clone(),
        );
        registry.register(
            "routeflow_agents",
            "Agents now, by state (ready, not_ready, logged_out)",
            metrics.agents.clone(),
        );
        registry.register(
            "routeflow_agents_busy",
            "Agents holding at least one workitem (assigned or offered) now",
            metrics.busy.clone(),
        );
        metrics
    }

    /// Count a request answered with `status` after `seconds` (`method` and `route` as
    /// [`super::observe`] names them: a fixed set).
    pub fn request(&self, method: &'static str, route: &'static str, status: u16, seconds: f64) {
        let labels = RouteLabels { method, route };
        self.latency.get_or_create(&labels).observe(seconds);
        let labels = RequestLabels {
            method: labels.method,
            route: labels.route,
            status,
        };
        self.requests.get_or_create(&labels).inc();
    }
}

/// The server's metrics in the Prometheus text format.
#[utoipa::path(
    get, path = "/metrics", tag = "health",
    responses(
        (status = 200, description = "The metrics (OpenMetrics text)", body = String,
            content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        (status = 401, description = "No token, or not one of the server's",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin's or a viewer's token",
            body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn metrics(caller: Caller, State(state): State<AppState>) -> Result<Response, Problem> {
    caller.require(&[Role::Admin, Role::Viewer])?;
    let queues = state.engine.queues().await.map_err(problem)?;
    let agents = state.engine.agents().await.map_err(problem)?;
    let metrics = &state.metrics;
    let text = {
        let _scrape = metrics
            .scrape
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        metrics.waiting.clear();
        metrics.oldest.clear();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut waiting: HashMap<TargetLabels, (i64, f64)> = HashMap::new();
        for queue in &queues {
            let kind = queue.target.kind.clone();
            let target = if kind == "agent" {
                String::new()
            } else {
                let count = seen.entry(kind.clone()).or_default();
                *count += 1;
                if *count > MAX_TARGETS {
                    "(other)".to_owned()
                } else {
                    queue.target.value.clone()
                }
            };
            let entry = waiting.entry(TargetLabels { kind, target }).or_default();
            entry.0 += i64::try_from(queue.waiting).unwrap_or(i64::MAX);
            entry.1 = entry.1.max(queue.oldest_wait_s.unwrap_or(0.0));
        }
        for (labels, (count, oldest)) in waiting {
            metrics.waiting.get_or_create(&labels).set(count);
            metrics.oldest.get_or_create(&labels).set(oldest);
        }
        let mut by_state = [0i64; 3];
        let mut busy = 0;
        for agent in &agents {
            by_state[match agent.state {
                AgentStateKind::Ready => 0,
                AgentStateKind::NotReady => 1,
                AgentStateKind::LoggedOut => 2,
            }] += 1;
            busy += i64::from(!agent.workitems.is_empty());
        }
        for (state, count) in ["ready", "not_ready", "logged_out"]
            .into_iter()
            .zip(by_state)
        {
            metrics
                .agents
                .get_or_create(&StateLabels { state })
                .set(count);
        }
        metrics.busy.set(busy);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &metrics.registry)
            .map_err(|_| Problem::internal())?;
        text
    };
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    Ok(response)
}

/// A server's metrics, shared by its handlers.
pub type SharedMetrics = Arc<ServerMetrics>;
