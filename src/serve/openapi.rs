//! The OpenAPI 3.1 document (`GET /openapi.json`), generated from the handlers' own types and
//! `#[utoipa::path]` attributes so that it cannot drift from them. A new endpoint is listed in
//! [`ApiDoc`]'s `paths(...)`, and the types of its bodies in `components(schemas(...))`.

use super::auth::Caller;
use super::json::Json;
use super::metrics;
use super::problem::{PROBLEM_JSON, Problem};
use super::router::app::AppState;
use super::router::health::{self, Health, HealthStatus};
use super::ui;
use super::v1::{agents, blocks, clock, events, flows, offers, workitems};
use crate::live;
use axum::extract::State;
use std::borrow::Cow;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Header, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

/// The API's description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "routeflow",
        description = "The live runtime of Designer-style task-routing applications (`routeflow serve`). \
                       Every error is an RFC 9457 problem (`application/problem+json`)."
    ),
    paths(
        health::healthz, health::readyz, document, metrics::metrics,
        workitems::create, workitems::list, workitems::get, workitems::history,
        workitems::patch_userdata, workitems::stop, workitems::done,
        agents::list, agents::get, agents::set_state, agents::events,
        offers::accept, offers::reject,
        clock::queues, clock::get, clock::advance,
        flows::list, flows::get, flows::publish, flows::bundle, flows::activate,
        blocks::counts, blocks::drawing, ui::page, ui::script, ui::style,
        agents::put, agents::delete, events::events,
    ),
    components(schemas(
        Problem, Health, HealthStatus,
        workitems::CreateWorkitem, workitems::MarkDone, agents::SetState, clock::Advance,
        live::WorkitemView, live::State, live::FlowView, live::TargetView, live::HistoryEvent,
        live::AgentView, live::AgentStateKind, live::AgentEvent, AgentEventMessage, SupervisorEventMessage, live::QueueView,
        live::ClockView, live::PublishedFlowView, live::FlowVersionView, flows::Published,
        live::BlockCountsView, live::BlockCountView,
        crate::flow::Bundle, crate::diagnostic::DiagnosticJson,
        agents::PutAgent,
    )),
    modifiers(&BearerTokens, &SharedRefusals),
    security(("bearer" = [])),
    tags(
        (name = "health", description = "Liveness, readiness"),
        (name = "meta", description = "This document"),
        (name = "workitems", description = "The third party's workitems: create, read, update, stop, Mark Done"),
        (name = "agents", description = "Agents' states and event streams"),
        (name = "offers", description = "Offers to agents: accept, reject"),
        (name = "queues", description = "Waiting workitems by target"),
        (name = "clock", description = "The server's clock; a test clock moves only when told"),
        (name = "flows", description = "Flows and their versions: publish, roll back, list, draw, count"),
        (name = "ui", description = "The web view: the active flow with live counts, queues and agents (HTTP Basic, the token as password, is taken on GET requests)"),
    ),
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme that every endpoint but `/healthz` requires.
struct BearerTokens;

impl Modify for BearerTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some(
            "A token of the server's tokens file (`--tokens`); its role decides what it may do"
                .to_owned(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Declares the refusals that the extractors shared by every handler give, so that no endpoint's
/// annotation can forget them: 401 (with `WWW-Authenticate`) on every endpoint that needs a token
/// ([`Caller`]), and on every endpoint that reads a JSON body ([`Json`]) 400 (not JSON), 408 (slower
/// than `--body-timeout-s`), 413 (larger than `--max-body`), 415 (not sent as JSON) and 422 (not the body's shape). What a handler refuses by
/// itself (403, 404, 409, ...) is in its own `#[utoipa::path]`; an endpoint that declares one of these
/// statuses itself keeps its own description.
struct SharedRefusals;

impl Modify for SharedRefusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                if needs_token(operation) {
                    let mut challenge = Header::new(ObjectBuilder::new().schema_type(Type::String));
                    challenge.description = Some(
                        "`Bearer`, or `Bearer error=\"invalid_token\"` when a token was given"
                            .to_owned(),
                    );
                    refusal(
                        operation,
                        "401",
                        "No token, or not one of the server's",
                        Some(("WWW-Authenticate", challenge)),
                    );
                }
                if operation.request_body.is_some() {
                    refusal(
                        operation,
                        "400",
                        "The body is not JSON, or more than one JSON value",
                        None,
                    );
                    refusal(
                        operation,
                        "413",
                        "The body is larger than the server's limit (`--max-body`)",
                        None,
                    );
                    refusal(
                        operation,
                        "408",
                        "The body did not arrive whole within the server's limit (`--body-timeout-s`)",
                        None,
                    );
                    refusal(
                        operation,
                        "415",
                        "The body is not sent as `Content-Type: application/json`",
                        None,
                    );
                    refusal(
                        operation,
                        "422",
                        "The body has an unknown or missing member, or a value of the wrong type; `field` points at it",
                        None,
                    );
                }
            }
        }
    }
}

/// Whether an operation needs a token: all do but those whose security requirements include the
/// empty one (`security(())`, `/healthz`).
fn needs_token(operation: &Operation) -> bool {
    operation.security.as_ref().is_none_or(|requirements| {
        !requirements
            .iter()
            .any(|requirement| *requirement == SecurityRequirement::default())
    })
}

/// Declare a problem reply of `status`, unless the operation declares that status itself.
fn refusal(
    operation: &mut Operation,
    status: &str,
    description: &str,
    header: Option<(&str, Header)>,
) {
    let responses = &mut operation.responses.responses;
    if responses.contains_key(status) {
        return;
    }
    let problem = Content::new(Some(Ref::from_schema_name(Problem::name())));
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, problem);
    if let Some((name, header)) = header {
        response = response.header(name, header);
    }
    responses.insert(status.to_owned(), RefOr::T(response.build()));
}

/// One Server-Sent Event of an agent's stream as it is sent: its `id`, its type (`event`), and its
/// `data`, the JSON of an [`AgentEvent`](live::AgentEvent). (In OpenAPI 3.1 the schema of a
/// `text/event-stream` reply describes each event this way; `contentSchema` describes the data.)
pub struct AgentEventMessage;

impl PartialSchema for AgentEventMessage {
    fn schema() -> RefOr<Schema> {
        let mut data_schema = Extensions::default();
        data_schema.insert(
            "contentSchema".to_owned(),
            serde_json::json!({ "$ref": format!("#/components/schemas/{}", live::AgentEvent::name()) }),
        );
        event_message(
            "The event, as the JSON of an `AgentEvent`",
            Some(data_schema),
            "One Server-Sent Event of an agent's stream: its id, its type, and its data, an `AgentEvent` as JSON",
        )
    }
}

/// One Server-Sent Event of the supervisors' stream (`GET /v1/events`) as it is sent.
pub struct SupervisorEventMessage;

impl PartialSchema for SupervisorEventMessage {
    fn schema() -> RefOr<Schema> {
        event_message(
            "The event, as a JSON object: `id`, `event`, `at_s`, `workitem` or `agent`, and `data` (the \
             event's details, as the workitem's history shows them; `{state, reason}` for an agent)",
            None,
            "One Server-Sent Event of the supervisors' stream: its id, its type, and its data as JSON",
        )
    }
}

impl ToSchema for SupervisorEventMessage {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("SupervisorEventMessage")
    }
}

/// The schema of one Server-Sent Event: `id` (digits), `event`, and `data` (JSON text, described by
/// `data_description` and, when given, `data_schema`'s `contentSchema`).
fn event_message(
    data_description: &str,
    data_schema: Option<Extensions>,
    description: &str,
) -> RefOr<Schema> {
    let data = ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(data_description))
        .content_media_type("application/json")
        .extensions(data_schema);
    let id = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[0-9]+$"))
        .description(Some(
            "The event's id, for `Last-Event-ID` (the `id` of its data)",
        ));
    let event = ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Its type (the `event` of its data)"));
    ObjectBuilder::new()
        .description(Some(description))
        .property("id", id)
        .property("event", event)
        .property("data", data)
        .required("id")
        .required("event")
        .required("data")
        .into()
}

impl ToSchema for AgentEventMessage {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("AgentEventMessage")
    }
}

/// This document, with what this server accepts filled in: the `flow` of a new workitem is the flow it
/// runs.
#[utoipa::path(
    get, path = "/openapi.json", tag = "meta", operation_id = "openapi",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"),
    ),
)]
pub async fn document(
    _caller: Caller,
    State(state): State<AppState>,
) -> Json<utoipa::openapi::OpenApi> {
    let flows = state.engine.flows().await.unwrap_or_default();
    let names: Vec<&str> = flows.iter().map(|flow| flow.name.as_str()).collect();
    Json(for_flows(ApiDoc::openapi(), &names))
}

/// The document of a server running flows `names`: `CreateWorkitem.flow` may name only them.
pub fn for_flows(mut doc: utoipa::openapi::OpenApi, names: &[&str]) -> utoipa::openapi::OpenApi {
    let flow = doc
        .components
        .as_mut()
        .and_then(|components| {
            components
                .schemas
                .get_mut(workitems::CreateWorkitem::name().as_ref())
        })
        .and_then(|create| match create {
            RefOr::T(Schema::Object(create)) => create.properties.get_mut("flow"),
            _ => None,
        });
    if let Some(RefOr::T(Schema::Object(flow))) = flow {
        let names = names.iter().map(|&name| serde_json::Value::from(name));
        flow.enum_values = Some(names.chain([serde_json::Value::Null]).collect());
    }
    doc
}
