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
use axum::extract::{Query, State as Shared};
use axum::http::{HeaderMap, Method};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};

/// The supervisors' event stream.
#[utoipa::path(
    get, path = "/v1/events", tag = "events",
    params(
        ("Last-Event-ID" = Option<u64>, Header, nullable = false, description = "Resume after this event (the id of an earlier event)"),
        ("after" = Option<u64>, Query, nullable = false, minimum = 0,
            description = "Start after this event, for a first connection that cannot send `Last-Event-ID` (a browser's); `Last-Event-ID` wins when both are given"),
    ),
    responses(
        (status = 200, description = "An event stream. Each event's type is the event's name and its data a JSON object: `id`, `event`, `at_s`, `workitem` (a workitem's history event) or `agent` (`agent_state`), and `data` (the event's details, as the workitem's history shows them; `{state, reason}` for an agent)",
            body = SupervisorEventMessage, content_type = "text/event-stream"),
        (status = 400, description = "`Last-Event-ID` is not an event id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin's or a viewer's token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Events after `Last-Event-ID` (or `after`) are no longer kept, or it is no id of this stream: reload, then reconnect without it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A query parameter other than `after`, given twice, or not an event id", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn events(
    caller: Caller,
    Shared(state): Shared<AppState>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
    method: Method,
) -> Result<Response, Problem> {
    caller.require(&[Role::Admin, Role::Viewer])?;
    // Both read (a bad one is refused even when the other is good); the header wins.
    let asked = after_parameter(&query)?;
    let after = last_event_id(&headers)?.or(asked);
    if method == Method::HEAD {
        // What a GET would answer, without opening a stream (the 65th ends the oldest).
        return Ok(super::no_stream());
    }
    let (backlog, receiver) = state.engine.feed(after).await.map_err(problem)?;
    Ok(super::event_stream(backlog, receiver, state.shutdown.clone(), sse).into_response())
}

/// The `after` query parameter, if given: digits, once, and no other parameter.
fn after_parameter(query: &[(String, String)]) -> Result<Option<u64>, Problem> {
    let mut after = None;
    for (name, value) in query {
        if name != "after" {
            return Err(Problem::unknown_field(
                format!("/{name}"),
                format!("unknown query parameter `{name}`; the one parameter is `after`"),
            ));
        }
        let id = Some(value.as_str())
            .filter(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|text| text.parse::<i64>().ok())
            .and_then(|id| u64::try_from(id).ok())
            .ok_or_else(|| {
                Problem::invalid_value("/after", "`after` must be the id of an earlier event")
            })?;
        if after.replace(id).is_some() {
            return Err(Problem::invalid_value(
                "/after",
                "the query parameter `after` is given more than once",
            ));
        }
    }
    Ok(after)
}

fn sse(event: &FeedEvent) -> Event {
    Event::default()
        .id(event.id.to_string())
        .event(event.event)
        .data(&*event.text)
}
