//! Workitems (SPEC §9.2): the third party creates, reads, updates, stops and marks them done.

use super::{INTEGRATION, READERS, problem};
use crate::live::{HistoryEvent, NewWorkitem, State, WorkitemView};
use crate::serve::auth::{Caller, Role};
use crate::serve::json::Json;
use crate::serve::problem::Problem;
use crate::serve::router::app::AppState;
use axum::extract::{Path, Query, State as Shared};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use utoipa::ToSchema;

/// `POST /v1/workitems`'s body.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkitem {
    /// The third party's id for it, unique; one is made up when left out.
    pub id: Option<String>,
    /// Higher is served first (default 0).
    pub priority: Option<i64>,
    /// The workitem's user data.
    #[schema(value_type = Object)]
    pub userdata: Map<String, Value>,
    /// The flow to run (the server's flow; there is one until flows are published).
    pub flow: Option<String>,
}

/// `POST /v1/workitems/{id}/done`'s body.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkDone {
    /// The disposition code.
    pub disposition: Option<String>,
}

/// A workitem with its `ETag`.
fn with_etag(status: StatusCode, view: WorkitemView) -> Response {
    let etag = format!("\"r{}\"", view.revision);
    let mut response = (status, Json(view)).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Create a workitem: it runs through the flow as far as it can (usually into a Route block) before
/// the reply. The same `Idempotency-Key`, or the same `id`, with the same body gets the first reply
/// again; with another body, 409.
#[utoipa::path(
    post, path = "/v1/workitems", tag = "workitems", request_body = CreateWorkitem,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses(
        (status = 201, description = "Created (or created before by the same request)", body = WorkitemView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id or key was used with another body", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn create(
    caller: Caller,
    Shared(state): Shared<AppState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, Problem> {
    caller.require(&INTEGRATION)?;
    let create: CreateWorkitem = crate::serve::json::parse(body.to_string().as_bytes())?;
    if create.id.as_deref().is_some_and(|id| id.trim().is_empty()) {
        return Err(Problem::invalid_value("/id", "an id is not blank"));
    }
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .filter(|key| !key.is_empty() && key.len() <= 255)
                .ok_or_else(|| {
                    Problem::bad_request(
                        "`Idempotency-Key` must be 1 to 255 characters of visible ASCII",
                    )
                })?
                .to_owned(),
        ),
    };
    let new = NewWorkitem {
        id: create.id,
        priority: create.priority,
        userdata: create.userdata,
        flow: create.flow,
        key,
        body,
    };
    let created = state.engine.create(new).await.map_err(problem)?;
    let location = format!("/v1/workitems/{}", created.view.id);
    let mut response = with_etag(StatusCode::CREATED, created.view);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// A workitem: its state, flow, block, target, agent, times and user data (secure values masked).
#[utoipa::path(
    get, path = "/v1/workitems/{id}", tag = "workitems",
    params(("id" = String, Path, description = "The workitem's id")),
    responses(
        (status = 200, body = WorkitemView, headers(("ETag" = String, description = "Its user data's revision"))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn get(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let view = found(&state, &id).await?;
    may_read(&caller, &view)?;
    Ok(with_etag(StatusCode::OK, view))
}

async fn found(state: &AppState, id: &str) -> Result<WorkitemView, Problem> {
    state
        .engine
        .workitem(id)
        .await
        .map_err(problem)?
        .ok_or_else(|| Problem::not_found(format!("no workitem `{id}`")))
}

/// Readers read every workitem; an agent reads those it holds or is offered.
fn may_read(caller: &Caller, view: &WorkitemView) -> Result<(), Problem> {
    match (caller.role(), &view.agent) {
        (Role::Agent(agent), Some(holder)) if agent == holder => Ok(()),
        _ => caller.require(&READERS),
    }
}

/// Workitems, in the order they were created; `?state=waiting` (or another state) keeps those in it.
#[utoipa::path(
    get, path = "/v1/workitems", tag = "workitems",
    params(("state" = Option<State>, Query, description = "Only workitems in this state")),
    responses(
        (status = 200, body = [WorkitemView]),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn list(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<WorkitemView>>, Problem> {
    caller.require(&READERS)?;
    let mut wanted = None;
    for (name, value) in &query {
        if name != "state" {
            return Err(Problem::unknown_field(
                format!("/{name}"),
                format!("unknown query parameter `{name}`; the one parameter is `state`"),
            ));
        }
        let parsed: State = serde_json::from_value(Value::String(value.clone())).map_err(|_| {
            Problem::invalid_value(
                "/state",
                format!(
                    "unknown state `{value}`: waiting, offered, assigned, done, stopped, unrouted, error or running"
                ),
            )
        })?;
        wanted = Some(parsed);
    }
    let views = state.engine.workitems(wanted).await.map_err(problem)?;
    Ok(Json(views))
}

/// A workitem's history: every event that changed it, in order.
#[utoipa::path(
    get, path = "/v1/workitems/{id}/history", tag = "workitems",
    params(("id" = String, Path, description = "The workitem's id")),
    responses(
        (status = 200, body = [HistoryEvent]),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn history(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<HistoryEvent>>, Problem> {
    caller.require(&READERS)?;
    let history = state.engine.history(&id).await.map_err(problem)?;
    history
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no workitem `{id}`")))
}

/// Set user-data keys: blocks that run later see them, and the agent holding the workitem gets a
/// `userdata_updated` event. `If-Match` with the `ETag` last read: 412 if it changed since.
#[utoipa::path(
    patch, path = "/v1/workitems/{id}/userdata", tag = "workitems",
    params(
        ("id" = String, Path, description = "The workitem's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read"),
    ),
    request_body(content = Object, description = "The keys to set, with their values"),
    responses(
        (status = 200, body = WorkitemView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The workitem has ended", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Its user data changed since the ETag given", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn patch_userdata(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(set): Json<Map<String, Value>>,
) -> Result<Response, Problem> {
    caller.require(&INTEGRATION)?;
    let if_match = match headers.get(header::IF_MATCH) {
        None => None,
        Some(value) => {
            let text = value.to_str().unwrap_or_default().trim();
            if text == "*" {
                None
            } else {
                let revision = text
                    .trim_start_matches("W/")
                    .trim_matches('"')
                    .strip_prefix('r')
                    .and_then(|r| r.parse::<u64>().ok());
                match revision {
                    Some(revision) => Some(revision),
                    // An ETag this server never gave matches nothing.
                    None => {
                        return Err(Problem::precondition_failed(format!(
                            "`If-Match: {text}` names no revision of workitem `{id}`"
                        )));
                    }
                }
            }
        }
    };
    let view = state
        .engine
        .patch_userdata(&id, if_match, set)
        .await
        .map_err(problem)?;
    Ok(with_etag(StatusCode::OK, view))
}

/// Stop a workitem (the interaction no longer exists): a waiting or offered one ends `stopped`; an
/// assigned one too, and its agent gets a `stopped` event. Stopping an ended workitem changes nothing.
#[utoipa::path(
    post, path = "/v1/workitems/{id}/stop", tag = "workitems",
    params(("id" = String, Path, description = "The workitem's id")),
    responses(
        (status = 200, body = WorkitemView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn stop(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require(&INTEGRATION)?;
    let view = state.engine.stop(&id).await.map_err(problem)?;
    Ok(with_etag(StatusCode::OK, view))
}

/// Mark Done, with a disposition code: by the third party, or by the agent holding the workitem. Its
/// capacity frees, and the agent takes its next workitem. Marking a done workitem done again changes
/// nothing; any other state is 409.
#[utoipa::path(
    post, path = "/v1/workitems/{id}/done", tag = "workitems",
    params(("id" = String, Path, description = "The workitem's id")),
    request_body(content = Option<MarkDone>),
    responses(
        (status = 200, body = WorkitemView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not assigned", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn done(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let acting = match caller.role() {
        Role::Agent(agent) => Some(agent.clone()),
        _ => {
            caller.require(&INTEGRATION)?;
            None
        }
    };
    let mark: MarkDone = if body.iter().all(u8::is_ascii_whitespace) {
        MarkDone::default()
    } else {
        crate::serve::json::parse(&body)?
    };
    let view = state
        .engine
        .done(&id, mark.disposition, acting)
        .await
        .map_err(problem)?;
    Ok(with_etag(StatusCode::OK, view))
}
