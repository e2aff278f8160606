//! The OpenAPI 3.1 document (`GET /openapi.json`), generated from the handlers' own types and
//! `#[utoipa::path]` attributes so that it cannot drift from them. A new endpoint is listed in
//! [`ApiDoc`]'s `paths(...)`, and the types of its bodies in `components(schemas(...))`.

use super::auth::Caller;
use super::json::Json;
use super::problem::Problem;
use super::router::health::{self, Health, HealthStatus};
use super::v1::{agents, clock, offers, workitems};
use crate::live;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API's description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "routeflow",
        description = "The live runtime of Designer-style task-routing applications (`routeflow serve`). \
                       Every error is an RFC 9457 problem (`application/problem+json`)."
    ),
    paths(
        health::healthz, health::readyz, document,
        workitems::create, workitems::list, workitems::get, workitems::history,
        workitems::patch_userdata, workitems::stop, workitems::done,
        agents::list, agents::get, agents::set_state, agents::events,
        offers::accept, offers::reject,
        clock::queues, clock::get, clock::advance,
    ),
    components(schemas(
        Problem, Health, HealthStatus,
        workitems::CreateWorkitem, workitems::MarkDone, agents::SetState, clock::Advance,
        live::WorkitemView, live::State, live::FlowView, live::TargetView, live::HistoryEvent,
        live::AgentView, live::AgentStateKind, live::AgentEvent, live::QueueView, live::ClockView,
    )),
    modifiers(&BearerTokens),
    security(("bearer" = [])),
    tags(
        (name = "health", description = "Liveness, readiness"),
        (name = "meta", description = "This document"),
        (name = "workitems", description = "The third party's workitems: create, read, update, stop, Mark Done"),
        (name = "agents", description = "Agents' states and event streams"),
        (name = "offers", description = "Offers to agents: accept, reject"),
        (name = "queues", description = "Waiting workitems by target"),
        (name = "clock", description = "The server's clock; a test clock moves only when told"),
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

/// This document.
#[utoipa::path(
    get, path = "/openapi.json", tag = "meta", operation_id = "openapi",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"),
        (status = 401, description = "No token, or not one of the server's",
            body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn document(_caller: Caller) -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
