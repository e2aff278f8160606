//! The clock (`--clock test` moves only when told) and the queues.

use super::{READERS, problem};
use crate::live::{ClockView, QueueView};
use crate::serve::auth::{Caller, Role};
use crate::serve::json::Json;
use crate::serve::problem::Problem;
use crate::serve::router::app::AppState;
use axum::extract::State as Shared;
use serde::Deserialize;
use utoipa::ToSchema;

/// `POST /v1/clock/advance`'s body.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    /// Seconds to move the test clock on by: from 0 to 4000000000.
    #[schema(minimum = 0, maximum = 4_000_000_000_u32)]
    pub by_s: f64,
}

/// The clock: `real` or `test`, the time now, and when the next timer is due.
#[utoipa::path(
    get, path = "/v1/clock", tag = "clock",
    responses((status = 200, body = ClockView)),
)]
pub async fn get(
    _caller: Caller,
    Shared(state): Shared<AppState>,
) -> Result<Json<ClockView>, Problem> {
    Ok(Json(state.engine.clock().await.map_err(problem)?))
}

/// Move a test clock on: every timer due on the way fires, in order, with its consequences. Admin only;
/// 409 on the real clock, and when the test clock would pass its end.
#[utoipa::path(
    post, path = "/v1/clock/advance", tag = "clock", request_body = Advance,
    responses(
        (status = 200, body = ClockView),
        (status = 403, description = "Not an admin's token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The server runs on the real clock, or the test clock would pass its end", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn advance(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Json(body): Json<Advance>,
) -> Result<Json<ClockView>, Problem> {
    caller.require(&[Role::Admin])?;
    if !crate::time::in_range(body.by_s) {
        return Err(Problem::invalid_value(
            "/by_s",
            "seconds to move the clock by: a number from 0 to 4000000000",
        ));
    }
    // Past the test clock's end, or on the real clock: a conflict with the clock's state (409).
    state.engine.advance(body.by_s).await.map_err(problem)?;
    Ok(Json(state.engine.clock().await.map_err(problem)?))
}

/// Waiting workitems by target: how many, how long the oldest has waited, how many agents took in the
/// last 15 minutes. Targets with workitems waiting come first; a target is listed while one waits or
/// was routed in the last 15 minutes.
#[utoipa::path(
    get, path = "/v1/queues", tag = "queues",
    responses(
        (status = 200, body = [QueueView]),
        (status = 403, description = "An agent's token", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn queues(
    caller: Caller,
    Shared(state): Shared<AppState>,
) -> Result<Json<Vec<QueueView>>, Problem> {
    caller.require(&READERS)?;
    Ok(Json(state.engine.queues().await.map_err(problem)?))
}
