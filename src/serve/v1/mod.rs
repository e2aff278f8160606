//! The `/v1` API (SPEC §9.2-9.3): workitems for the third party, agents' states and event streams, offers,
//! queues, and the clock. Handlers check the caller's role, then ask the live engine
//! ([`crate::live::Engine`]); its refusals become problems here.

pub mod agents;
pub mod blocks;
pub mod clock;
pub mod events;
pub mod flows;
pub mod offers;
pub mod workitems;

use super::auth::Role;
use super::problem::Problem;
use super::router::app::AppState;
use crate::live::LiveError;
use axum::Router;
use axum::routing::{get, patch, post, put};

/// Roles that manage workitems: the third party, and administrators.
const INTEGRATION: [Role; 2] = [Role::Integration, Role::Admin];
/// Roles that read everything.
const READERS: [Role; 3] = [Role::Admin, Role::Integration, Role::Viewer];

/// Every `/v1` route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/workitems",
            post(workitems::create).get(workitems::list),
        )
        .route("/v1/workitems/{id}", get(workitems::get))
        .route("/v1/workitems/{id}/history", get(workitems::history))
        .route(
            "/v1/workitems/{id}/userdata",
            patch(workitems::patch_userdata),
        )
        .route("/v1/workitems/{id}/stop", post(workitems::stop))
        .route("/v1/workitems/{id}/done", post(workitems::done))
        .route("/v1/agents", get(agents::list))
        .route("/v1/agents/{id}", get(agents::get))
        .route("/v1/agents/{id}/state", put(agents::set_state))
        .route("/v1/agents/{id}/events", get(agents::events))
        .route("/v1/offers/{offer}/accept", post(offers::accept))
        .route("/v1/offers/{offer}/reject", post(offers::reject))
        .route("/v1/queues", get(clock::queues))
        .route("/v1/clock", get(clock::get))
        .route("/v1/clock/advance", post(clock::advance))
        .route("/v1/flows", get(flows::list))
        .route("/v1/flows/{name}", get(flows::get).put(flows::publish))
        .route("/v1/flows/{name}/versions/{version}", get(flows::bundle))
        .route(
            "/v1/flows/{name}/versions/{version}/activate",
            post(flows::activate),
        )
        .route(
            "/v1/flows/{name}/versions/{version}/blocks",
            get(blocks::counts),
        )
        .route(
            "/v1/flows/{name}/versions/{version}/drawing",
            get(blocks::drawing),
        )
        .route("/v1/events", get(events::events))
        .route(
            "/v1/agents/{id}",
            axum::routing::put(agents::put).delete(agents::delete),
        )
}

/// A stream of Server-Sent Events: the `backlog`, then what `receiver` gets, each made an event by
/// `sse`, until the server shuts down (kept alive by comments meanwhile).
pub fn event_stream<T: Send + 'static>(
    backlog: Vec<T>,
    receiver: tokio::sync::mpsc::Receiver<T>,
    shutdown: crate::serve::shutdown::Shutdown,
    sse: fn(&T) -> axum::response::sse::Event,
) -> axum::response::sse::Sse<
    impl futures_util::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
> {
    use futures_util::stream::{self, StreamExt};
    let live = stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (event, receiver))
    });
    let events = stream::iter(backlog)
        .chain(live)
        .map(move |event| Ok(sse(&event)))
        .take_until(async move { shutdown.asked().await });
    axum::response::sse::Sse::new(events).keep_alive(axum::response::sse::KeepAlive::default())
}

/// The reply to `HEAD` on an event stream: a stream's headers, no stream.
pub fn no_stream() -> axum::response::Response {
    use axum::response::IntoResponse;
    let none = futures_util::stream::empty::<
        Result<axum::response::sse::Event, std::convert::Infallible>,
    >();
    axum::response::sse::Sse::new(none).into_response()
}

/// The `Last-Event-ID` of a stream's request: none, or the id of an earlier event (digits).
pub fn last_event_id(headers: &axum::http::HeaderMap) -> Result<Option<u64>, Problem> {
    let Some(value) = headers.get("last-event-id") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(str::trim)
        // Digits only (`from_str` would take `+1` too), up to 2^63-1 as the document says (int64):
        // ids never get near it.
        .filter(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|text| text.parse::<i64>().ok())
        .and_then(|id| u64::try_from(id).ok())
        .map(Some)
        .ok_or_else(|| Problem::bad_request("`Last-Event-ID` must be the id of an earlier event"))
}

/// The problem of an engine's refusal.
pub fn problem(error: LiveError) -> Problem {
    let detail = error.to_string();
    match error {
        LiveError::NotFound(_) => Problem::not_found(detail),
        LiveError::Conflict { state, .. } => {
            let problem = Problem::conflict(detail);
            match state {
                Some(state) => problem.with_extension("state", state.as_str()),
                None => problem,
            }
        }
        LiveError::Forbidden(_) => Problem::forbidden(detail),
        LiveError::Invalid { field, .. } => Problem::invalid_value(field, detail),
        LiveError::Stale { revision, .. } => {
            Problem::precondition_failed(detail).with_extension("revision", revision)
        }
        LiveError::NotTestClock => Problem::conflict(detail),
        LiveError::Full | LiveError::Gone | LiveError::Journal(_) => Problem::not_ready(detail),
    }
}
