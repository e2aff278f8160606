//! `GET /v1/events` (admin, viewer): the supervisors' event stream, as Server-Sent Events (issue 18).
//! Every workitem history event (`created`, `waiting`, `offered`, `assigned`, `timed_out`, `ended`, …,
//! as `GET /v1/workitems/{id}/history` shows them, secure values masked) and every agent state change
//! (`agent_state`), in the order the engine made them. Resumable with `Last-Event-ID` (the server keeps
//! the last 10,000 events, at most 8 MiB; ids are the same after a restart).

use super::{last_event_id, problem};
use crate::live::FeedEvent;
use crate::serve::auth::{Caller, Role};
use crate::serve::openapi::SupervisorEventMessage;
use crate::serve::problem::Problem;
use crate::serve::router::app::AppState;
use axum::extract::State as Shared;
use axum::http::HeaderMap;
use axum::response::sse::{Event, Sse};
use futures_util::stream::Stream;
use std::convert::Infallible;

/// The supervisors' event stream.
#[utoipa::path(
    get, path = "/v1/events", tag = "events",
    params(
        ("Last-Event-ID" = Option<u64>, Header, nullable = false, description = "Resume after this event (the id of an earlier event)"),
    ),
    responses(
        (status = 200, description = "An event stream. Each event's type is the event's name and its data a JSON object: `id`, `event`, `at_s`, `workitem` (a workitem's history event) or `agent` (`agent_state`), and `data` (the event's details, as the workitem's history shows them; `{state, reason}` for an agent)",
            body = SupervisorEventMessage, content_type = "text/event-stream"),
        (status = 400, description = "`Last-Event-ID` is not an event id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin's or a viewer's token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Events after `Last-Event-ID` are no longer kept, or it is no id of this stream: reload, then reconnect without it", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn events(
    caller: Caller,
    Shared(state): Shared<AppState>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    caller.require(&[Role::Admin, Role::Viewer])?;
    let after = last_event_id(&headers)?;
    let (backlog, receiver) = state.engine.feed(after).await.map_err(problem)?;
    Ok(super::event_stream(
        backlog,
        receiver,
        state.shutdown.clone(),
        sse,
    ))
}

fn sse(event: &FeedEvent) -> Event {
    Event::default()
        .id(event.id.to_string())
        .event(event.event)
        .data(&*event.text)
}
