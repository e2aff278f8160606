//! `GET /healthz` (the process answers; no token) and `GET /readyz` (ready to serve; any role).

use super::app::AppState;
use crate::serve::auth::Caller;
use crate::serve::json::Json;
use crate::serve::problem::Problem;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// How the server is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Health {
    /// `ok` from `/healthz`, `ready` from `/readyz`.
    pub status: HealthStatus,
}

/// What `/healthz` and `/readyz` say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// The process answers.
    Ok,
    /// Recovery is done: the server serves requests.
    Ready,
}

/// Liveness: the process answers.
#[utoipa::path(
    get, path = "/healthz", tag = "health", security(()),
    responses((status = 200, description = "The process answers", body = Health)),
)]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: HealthStatus::Ok,
    })
}

/// Readiness: recovery is done and the live engine runs, so the server serves requests.
#[utoipa::path(
    get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 401, description = "No token, or not one of the server's",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Not ready: recovering, the live engine has stopped, or the journal failed",
            body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn readyz(
    _caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<Health>, Problem> {
    if !state.readiness.is_ready() {
        return Err(Problem::not_ready(
            "the server is starting: recovery is not done",
        ));
    }
    if !state.engine.is_running() {
        // A bug stopped the engine thread: nothing can be served until the process is restarted.
        return Err(Problem::not_ready(
            "the live engine has stopped (a bug in routeflow: see the server's standard error); restart the server",
        ));
    }
    if let Some(failure) = state.engine.journal_failure() {
        // Changes can no longer be made durable: the server takes none until it is restarted.
        return Err(Problem::not_ready(format!(
            "the journal failed ({failure}); restart the server once the cause (a full disk?) is fixed"
        )));
    }
    Ok(Json(Health {
        status: HealthStatus::Ready,
    }))
}
