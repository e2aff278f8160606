//! Agents (SPEC §9.3): their state, set by their own desktop, and their event stream.

use super::{READERS, problem};
use crate::live::{AgentEvent, AgentStateKind, AgentView};
use crate::serve::auth::{Caller, Role};
use crate::serve::json::Json;
use crate::serve::openapi::AgentEventMessage;
use crate::serve::problem::Problem;
use crate::serve::router::app::AppState;
use axum::extract::{Path, State as Shared};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use std::convert::Infallible;
use utoipa::ToSchema;

/// `PUT /v1/agents/{id}/state`'s body.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetState {
    /// `ready`, `not_ready` or `logged_out`.
    pub state: AgentStateKind,
    /// Why not ready (kept with the state; ignored when ready).
    pub reason: Option<String>,
}

/// Every agent of the center, with its state and the workitems it holds.
#[utoipa::path(
    get, path = "/v1/agents", tag = "agents",
    responses(
        (status = 200, body = [AgentView]),
        (status = 403, description = "An agent's token (it reads only itself)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn list(
    caller: Caller,
    Shared(state): Shared<AppState>,
) -> Result<Json<Vec<AgentView>>, Problem> {
    caller.require(&READERS)?;
    Ok(Json(state.engine.agents().await.map_err(problem)?))
}

/// One agent (its own desktop may read it too).
#[utoipa::path(
    get, path = "/v1/agents/{id}", tag = "agents",
    params(("id" = String, Path, description = "The agent's id")),
    responses(
        (status = 200, body = AgentView),
        (status = 403, description = "Another agent's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn get(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AgentView>, Problem> {
    caller.require_agent(&id, &READERS)?;
    state
        .engine
        .agent(&id)
        .await
        .map_err(problem)?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no agent `{id}` in the center")))
}

/// Set an agent's state: `ready` (it takes workitems: the best waiting one it matches is offered at
/// once), `not_ready` (with a reason) or `logged_out`. By the agent's own desktop, or an admin.
#[utoipa::path(
    put, path = "/v1/agents/{id}/state", tag = "agents", request_body = SetState,
    params(("id" = String, Path, description = "The agent's id")),
    responses(
        (status = 200, body = AgentView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn set_state(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
    Json(body): Json<SetState>,
) -> Result<Json<AgentView>, Problem> {
    caller.require_agent(&id, &[Role::Admin])?;
    let view = state
        .engine
        .set_agent_state(&id, body.state, body.reason)
        .await
        .map_err(problem)?;
    Ok(Json(view))
}

/// The agent's events, as Server-Sent Events: `offer`, `offer_rescinded`, `assigned` (with the
/// workitem's user data), `userdata_updated`, `stopped`. Each has an id: reconnecting with
/// `Last-Event-ID` first replays the events after it; 409 when the server no longer keeps them all
/// (it keeps the last 1,024, at most 4 MiB) or the id is not one of this stream's.
#[utoipa::path(
    get, path = "/v1/agents/{id}/events", tag = "agents",
    params(
        ("id" = String, Path, description = "The agent's id"),
        ("Last-Event-ID" = Option<u64>, Header, nullable = false, description = "Resume after this event (the id of an earlier event)"),
    ),
    responses(
        (status = 200, description = "An event stream; each event's data is an AgentEvent", body = AgentEventMessage, content_type = "text/event-stream"),
        (status = 400, description = "`Last-Event-ID` is not an event id", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Events after `Last-Event-ID` are no longer kept, or it is no id of this stream: reload, then reconnect without it", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn events(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    caller.require_agent(&id, &[Role::Admin, Role::Viewer])?;
    let after = match headers.get("last-event-id") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .map(str::trim)
                // Digits only (`from_str` would take `+1` too), up to 2^63-1 as the document says
                // (int64): ids never get near it.
                .filter(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|text| text.parse::<i64>().ok())
                .and_then(|id| u64::try_from(id).ok())
                .ok_or_else(|| {
                    Problem::bad_request("`Last-Event-ID` must be the id of an earlier event")
                })?,
        ),
    };
    let (backlog, receiver) = state.engine.subscribe(&id, after).await.map_err(problem)?;
    let shutdown = state.shutdown.clone();
    let live = stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (event, receiver))
    });
    let events = stream::iter(backlog)
        .chain(live)
        .map(|event| Ok(sse(&event)))
        .take_until(async move { shutdown.asked().await });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn sse(event: &AgentEvent) -> Event {
    let data = serde_json::to_string(event).unwrap_or_default();
    Event::default()
        .id(event.id.to_string())
        .event(event.event.clone())
        .data(data)
}
