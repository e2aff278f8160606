//! Offers (SPEC §9.3): the agent offered a workitem accepts or rejects it.

use super::problem;
use crate::live::WorkitemView;
use crate::serve::auth::{Caller, Role};
use crate::serve::json::Json;
use crate::serve::problem::Problem;
use crate::serve::router::app::AppState;
use axum::extract::{Path, State as Shared};

/// The acting agent: an agent's own desktop answers its own offers; an admin may answer any.
fn acting(caller: &Caller) -> Result<Option<String>, Problem> {
    match caller.role() {
        Role::Agent(agent) => Ok(Some(agent.clone())),
        _ => caller.require(&[Role::Admin]).map(|()| None),
    }
}

/// Accept an offer: the workitem is routed to the agent (`assigned`).
#[utoipa::path(
    post, path = "/v1/offers/{offer}/accept", tag = "offers",
    params(("offer" = String, Path, description = "The offer's id, from the `offer` event")),
    responses(
        (status = 200, body = WorkitemView),
        (status = 403, description = "The offer is to another agent", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No open offer with this id", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn accept(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(offer): Path<String>,
) -> Result<Json<WorkitemView>, Problem> {
    answer(&caller, &state, &offer, true).await
}

/// Reject an offer: the agent is put `not_ready` (`not_responding`) and the workitem goes back to its
/// place in line, with its age and its Route deadline.
#[utoipa::path(
    post, path = "/v1/offers/{offer}/reject", tag = "offers",
    params(("offer" = String, Path, description = "The offer's id, from the `offer` event")),
    responses(
        (status = 200, body = WorkitemView),
        (status = 403, description = "The offer is to another agent", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No open offer with this id", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn reject(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(offer): Path<String>,
) -> Result<Json<WorkitemView>, Problem> {
    answer(&caller, &state, &offer, false).await
}

async fn answer(
    caller: &Caller,
    state: &AppState,
    offer: &str,
    accept: bool,
) -> Result<Json<WorkitemView>, Problem> {
    let agent = acting(caller)?;
    let view = state
        .engine
        .answer(offer, accept, agent)
        .await
        .map_err(problem)?;
    Ok(Json(view))
}
