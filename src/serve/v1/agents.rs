//! Agents (SPEC §9.3): their state, set by their own desktop, and their event stream.

use super::{READERS, problem};
use crate::center::setup::AgentSetup;
use crate::live::{AgentEvent, AgentStateKind, AgentView};
use crate::serve::auth::{Caller, Role};
use crate::serve::json::Json;
use crate::serve::openapi::AgentEventMessage;
use crate::serve::problem::Problem;
use crate::serve::router::app::AppState;
use axum::extract::{Path, State as Shared};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa::openapi::schema::Schema;

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
    method: Method,
) -> Result<Response, Problem> {
    caller.require_agent(&id, &[Role::Admin, Role::Viewer])?;
    let after = super::last_event_id(&headers)?;
    if method == Method::HEAD {
        // What a GET would answer, without opening a stream (which could end another).
        state
            .engine
            .agent(&id)
            .await
            .map_err(problem)?
            .ok_or_else(|| Problem::not_found(format!("no agent `{id}` in the center")))?;
        return Ok(super::no_stream());
    }
    let (backlog, receiver) = state.engine.subscribe(&id, after).await.map_err(problem)?;
    Ok(super::event_stream(backlog, receiver, state.shutdown.clone(), sse).into_response())
}

fn sse(event: &AgentEvent) -> Event {
    let data = serde_json::to_string(event).unwrap_or_default();
    Event::default()
        .id(event.id.to_string())
        .event(event.event.clone())
        .data(data)
}

/// `PUT /v1/agents/{id}`'s body: the agent's setup, as a center file's agent says it (less its ready
/// intervals: live agents say when they are ready). A member left out, or null, takes its default.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutAgent {
    /// The agent groups it belongs to: names, not blank (default: none). A group named twice counts
    /// once.
    #[serde(default)]
    #[schema(schema_with = group_names)]
    pub groups: Option<Vec<String>>,
    /// Skill name (not empty) → level, a whole number (default: none); a skill left out is level 0
    /// for matching.
    #[serde(default)]
    #[schema(schema_with = skill_levels)]
    pub skills: Option<Map<String, Value>>,
    /// How many workitems it works at once: a whole number from 1 to 4294967295 (default 1).
    #[serde(default)]
    #[schema(schema_with = capacity)]
    pub capacity: Option<Value>,
    /// It takes the workitems routed to it without an offer to accept (default false).
    #[serde(default)]
    pub auto_accept: Option<bool>,
}

/// Not blank: a character that is not white space (Rust's `char::is_whitespace`, which `trim` uses).
const NOT_BLANK: &str =
    r"[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";

/// A schema written as JSON (the document's own words; a test reads them back).
fn schema(json: Value) -> Schema {
    serde_json::from_value(json).unwrap_or_else(|_| Schema::Object(Default::default()))
}

fn group_names() -> Schema {
    schema(json!({
        "type": ["array", "null"],
        "description": "The agent groups it belongs to: names, not blank (default: none). A group named twice counts once.",
        "items": { "type": "string", "pattern": NOT_BLANK },
    }))
}

fn skill_levels() -> Schema {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
    let mut names = utoipa::openapi::extensions::Extensions::default();
    names.insert("propertyNames".to_owned(), json!({ "minLength": 1 }));
    let level = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)));
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .description(Some(
            "Skill name (not empty) → level, a whole number (default: none); a skill left out is level 0 for matching.",
        ))
        .additional_properties(Some(level))
        .extensions(Some(names))
        .into()
}

fn capacity() -> Schema {
    schema(json!({
        "type": ["integer", "null"],
        "description": "How many workitems it works at once: a whole number from 1 to 4294967295 (default 1).",
        "minimum": 1,
        "maximum": u32::MAX,
        "default": 1,
    }))
}

impl PutAgent {
    /// The setup it says, or the problem of the member at fault.
    fn setup(self) -> Result<AgentSetup, Problem> {
        let capacity = match self.capacity {
            None | Some(Value::Null) => 1,
            Some(value) => whole(&value)
                .and_then(|n| u32::try_from(n).ok())
                .filter(|&n| n >= 1)
                .ok_or_else(|| {
                    Problem::invalid_value(
                        "/capacity",
                        format!(
                            "the capacity is a whole number from 1 to {}, not {value}",
                            u32::MAX
                        ),
                    )
                })?,
        };
        let mut skills = BTreeMap::new();
        for (name, level) in self.skills.unwrap_or_default() {
            let mut field = "/skills".to_owned();
            crate::serve::problem::push_token(&mut field, &name);
            let level = whole(&level).ok_or_else(|| {
                Problem::invalid_value(
                    field.clone(),
                    format!("a skill level is a whole number, not {level}"),
                )
            })?;
            if name.is_empty() {
                return Err(Problem::invalid_value(
                    field,
                    "a skill name cannot be empty",
                ));
            }
            skills.insert(name, level);
        }
        let groups = self.groups.unwrap_or_default();
        if let Some(at) = groups.iter().position(|group| group.trim().is_empty()) {
            return Err(Problem::invalid_value(
                format!("/groups/{at}"),
                "a group name cannot be blank",
            ));
        }
        Ok(AgentSetup {
            groups,
            skills,
            capacity,
            auto_accept: self.auto_accept.unwrap_or(false),
        })
    }
}

/// A whole number: an integer, or a number without a fraction (`2.0`; JSON has one number type),
/// in the range of i64 (past 2^53, written as an integer).
fn whole(value: &Value) -> Option<i64> {
    let number = value.as_number()?;
    number.as_i64().or_else(|| {
        if number.is_u64() {
            return None;
        }
        number
            .as_f64()
            .and_then(crate::expr::js::number::exact_whole)
    })
}

/// Create or replace an agent's setup: its groups, skills, capacity and `auto_accept` (admin). A new
/// agent is logged out until its desktop says it is ready. A replaced one keeps its state, what it
/// holds and its open offers; what it is offered next follows its new setup, and if it is ready with
/// free capacity it is offered at once the best waiting workitem it now matches. A capacity lowered
/// below what it holds takes nothing from it: it takes nothing new until under it. The same setup
/// again changes nothing (200).
#[utoipa::path(
    put, path = "/v1/agents/{id}", tag = "agents", operation_id = "put_agent", request_body = PutAgent,
    params((
        "id" = String, Path, max_length = 256,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        description = "The agent's id: not blank, no control characters, at most 256 characters"
    )),
    responses(
        (status = 200, description = "Replaced (or the same setup again: nothing changed)", body = AgentView),
        (status = 201, description = "A new agent (logged out)", body = AgentView,
            headers(("Location" = String, description = "The agent's URL"))),
        (status = 403, description = "Not an admin's token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A body that is not an agent's setup (`field` names the member), or an id that cannot be an agent's", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn put(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Response, Problem> {
    caller.require(&[Role::Admin])?;
    if !body.is_object() {
        // serde would read a struct from a list of its members' values, too.
        return Err(Problem::invalid_value(
            "",
            "the body is an agent's setup: a JSON object, e.g. `{\"skills\": {\"english\": 5}}`",
        ));
    }
    let body: PutAgent = crate::serve::json::parse(body.to_string().as_bytes())?;
    crate::live::check_agent_id(&id).map_err(|detail| {
        Problem::of_kind(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-value",
            "Invalid value",
        )
        .with_detail(format!("the path's agent id: {detail}"))
    })?;
    let setup = body.setup()?;
    let (view, created) = state.engine.put_agent(&id, setup).await.map_err(problem)?;
    if !created {
        return Ok(Json(view).into_response());
    }
    let segment = percent_encoding::utf8_percent_encode(&view.id, super::workitems::PATH_SEGMENT);
    let location = format!("/v1/agents/{segment}");
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Remove an agent from the setup (admin). Refused (409) while it holds assigned workitems: they are
/// its work until marked done or stopped. Otherwise it is logged out first (its open offers are
/// rescinded, their workitems back in their places), its event streams end, and its id is free.
#[utoipa::path(
    delete, path = "/v1/agents/{id}", tag = "agents", operation_id = "delete_agent",
    params(("id" = String, Path, description = "The agent's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not an admin's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The agent holds assigned workitems (the detail names them)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn delete(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    caller.require(&[Role::Admin])?;
    state.engine.delete_agent(&id).await.map_err(problem)?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::OpenApi;

    #[test]
    fn the_document_describes_a_setup_as_the_handler_checks_it() {
        let doc = serde_json::to_value(crate::serve::openapi::ApiDoc::openapi()).expect("JSON");
        let body = &doc["components"]["schemas"]["PutAgent"]["properties"];
        assert_eq!(body["groups"]["items"]["pattern"], NOT_BLANK);
        assert_eq!(body["skills"]["additionalProperties"]["type"], "integer");
        assert_eq!(body["skills"]["propertyNames"]["minLength"], 1);
        assert_eq!(body["capacity"]["minimum"], 1);
        assert_eq!(body["capacity"]["maximum"], u32::MAX);
        let path = &doc["paths"]["/v1/agents/{id}"];
        assert!(path["put"]["responses"]["201"].is_object());
        assert!(path["delete"]["responses"]["409"].is_object());
    }

    #[test]
    fn a_setup_is_read_with_the_center_file_defaults_and_checks() {
        let read = |body: Value| {
            serde_json::from_value::<PutAgent>(body)
                .expect("a body")
                .setup()
        };
        let setup = read(json!({ "skills": { "english": 9.0 }, "capacity": null })).expect("valid");
        assert_eq!(
            setup,
            AgentSetup {
                groups: vec![],
                skills: [("english".to_owned(), 9)].into_iter().collect(),
                capacity: 1,
                auto_accept: false,
            }
        );
        let field = |body: Value| {
            read(body)
                .err()
                .and_then(|problem| problem.field().map(str::to_owned))
        };
        assert_eq!(
            field(json!({ "capacity": 0 })).as_deref(),
            Some("/capacity")
        );
        assert_eq!(
            field(json!({ "capacity": -2 })).as_deref(),
            Some("/capacity")
        );
        assert_eq!(
            field(json!({ "capacity": 4294967296u64 })).as_deref(),
            Some("/capacity")
        );
        assert_eq!(
            field(json!({ "capacity": 1.5 })).as_deref(),
            Some("/capacity")
        );
        assert_eq!(
            field(json!({ "skills": { "a/b": "high" } })).as_deref(),
            Some("/skills/a~1b")
        );
        assert_eq!(
            field(json!({ "skills": { "": 1 } })).as_deref(),
            Some("/skills/")
        );
        assert_eq!(
            field(json!({ "groups": ["g", " "] })).as_deref(),
            Some("/groups/1")
        );
        assert_eq!(
            field(json!({ "skills": { "x": 18446744073709551615u64 } })).as_deref(),
            Some("/skills/x")
        );
    }
}
