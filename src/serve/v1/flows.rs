//! Publishing flows into the running server (SPEC §9.4): a bundle is checked as `routeflow check`
//! checks files (422 with every diagnostic, or a new immutable version that new workitems run), a
//! version is activated again to roll back, and flows and versions are listed.

use super::{READERS, problem};
use crate::diagnostic::DiagnosticJson;
use crate::flow::Bundle;
use crate::live::PublishedFlowView;
use crate::serve::auth::{Caller, Role};
use crate::serve::json::Json;
use crate::serve::problem::Problem;
use crate::serve::router::app::AppState;
use axum::extract::{Path, State as Shared};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A bundle published.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Published {
    /// The flow.
    pub name: String,
    /// The version the bundle is.
    pub version: u32,
    /// Its content hash: `sha256:` and 64 hex digits.
    pub hash: String,
    /// Whether this request published it (false: a version with the same content was there, and
    /// nothing changed).
    pub created: bool,
    /// The warnings of the check (its errors would have refused it).
    pub diagnostics: Vec<DiagnosticJson>,
    /// The flow, with every version.
    pub flow: PublishedFlowView,
}

/// Every published flow, with its versions.
#[utoipa::path(
    get, path = "/v1/flows", tag = "flows",
    responses(
        (status = 200, body = [PublishedFlowView]),
        (status = 403, description = "An agent's token", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn list(
    caller: Caller,
    Shared(state): Shared<AppState>,
) -> Result<Json<Vec<PublishedFlowView>>, Problem> {
    caller.require(&READERS)?;
    Ok(Json(state.engine.flows().await.map_err(problem)?))
}

/// One flow, with its versions.
#[utoipa::path(
    get, path = "/v1/flows/{name}", tag = "flows",
    params(("name" = String, Path, description = "The flow's name (its application)")),
    responses(
        (status = 200, body = PublishedFlowView),
        (status = 403, description = "An agent's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such flow", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn get(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(name): Path<String>,
) -> Result<Json<PublishedFlowView>, Problem> {
    caller.require(&READERS)?;
    Ok(Json(state.engine.flow(&name).await.map_err(problem)?))
}

/// Publish a bundle (the flow file, its tables' CSV, its rhai files) as a new version of flow `name`,
/// checked exactly as `routeflow check` checks files (and against the server's agents, as `check
/// --center`): 422 with every diagnostic, or 201 with the new version, which new workitems run from
/// now on (workitems in flight finish on theirs). A bundle with the same content as a version of the
/// flow is that version (200, nothing changes). Admin only.
#[utoipa::path(
    put, path = "/v1/flows/{name}", tag = "flows", request_body = Bundle,
    params(("name" = String, Path, description = "The flow's name: its application")),
    responses(
        (status = 201, description = "Published: a new version, now active", body = Published,
            headers(("Location" = String, description = "The version's URL"))),
        (status = 200, description = "A version with the same content was there: nothing changed", body = Published),
        (status = 403, description = "Not an admin's token", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "A bundle larger than `--max-body`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a bundle, or a bundle that does not check: `diagnostics` lists every problem (file, line, col, block, message, help)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn publish(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path(name): Path<String>,
    Json(bundle): Json<Bundle>,
) -> Result<Response, Problem> {
    caller.require(&[Role::Admin])?;
    // Loading compiles the flow: off the runtime's threads, as a large flow takes milliseconds.
    // Checked against the agent setup now, as the engine holds it (the API may have changed it).
    let center = state.engine.center().await.map_err(problem)?;
    let (checked, bundle) = tokio::task::spawn_blocking(move || {
        let checked = crate::live::compile(&name, &bundle, &center);
        (
            checked.map(|(runner, report)| (runner, report, name)),
            bundle,
        )
    })
    .await
    .map_err(|_| Problem::internal())?;
    let (runner, report, name) = match checked {
        Ok(checked) => checked,
        Err(report) => {
            let detail = format!(
                "the bundle does not check: {}",
                crate::diagnostic::counted(report.errors(), "error")
            );
            let diagnostics = serde_json::to_value(report.to_json()).unwrap_or_default();
            return Err(Problem::of_kind(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-flow",
                "Invalid flow",
            )
            .with_detail(detail)
            .with_field("/files")
            .with_extension("diagnostics", diagnostics));
        }
    };
    let hash = bundle.hash();
    let published = state
        .engine
        .publish(&name, bundle, runner)
        .await
        .map_err(problem)?;
    let body = Published {
        name,
        version: published.version,
        hash,
        created: published.created,
        diagnostics: report.to_json(),
        flow: published.flow,
    };
    let status = if published.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!(
        "/v1/flows/{}/versions/{}",
        percent_encoding::utf8_percent_encode(&body.name, super::workitems::PATH_SEGMENT),
        body.version
    );
    let mut response = (status, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// A version's number from its path segment: 404 when it is none.
pub(super) fn version_number(name: &str, text: &str) -> Result<u32, Problem> {
    text.parse::<u32>()
        .ok()
        .filter(|&version| version > 0)
        .ok_or_else(|| Problem::not_found(format!("flow `{name}` has no version `{text}`")))
}

/// The bundle of one version, as it was published.
#[utoipa::path(
    get, path = "/v1/flows/{name}/versions/{version}", tag = "flows",
    params(
        ("name" = String, Path, description = "The flow's name"),
        ("version" = u32, Path, description = "The version, from 1"),
    ),
    responses(
        (status = 200, body = Bundle),
        (status = 403, description = "An agent's or an integration's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such flow or version", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn bundle(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path((name, version)): Path<(String, String)>,
) -> Result<Json<Bundle>, Problem> {
    caller.require(&[Role::Admin, Role::Viewer])?;
    let version = version_number(&name, &version)?;
    let bundle = state.engine.bundle(&name, version).await.map_err(problem)?;
    Ok(Json(Bundle::clone(&bundle)))
}

/// Make a version the one new workitems run (a roll back, or forward again); workitems in flight
/// keep theirs. Admin only.
#[utoipa::path(
    post, path = "/v1/flows/{name}/versions/{version}/activate", tag = "flows",
    params(
        ("name" = String, Path, description = "The flow's name"),
        ("version" = u32, Path, description = "The version, from 1"),
    ),
    responses(
        (status = 200, body = PublishedFlowView),
        (status = 403, description = "Not an admin's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such flow or version", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn activate(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path((name, version)): Path<(String, String)>,
) -> Result<Json<PublishedFlowView>, Problem> {
    caller.require(&[Role::Admin])?;
    let version = version_number(&name, &version)?;
    Ok(Json(
        state
            .engine
            .activate(&name, version)
            .await
            .map_err(problem)?,
    ))
}
