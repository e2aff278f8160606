//! A flow version as the web view shows it (SPEC §10): its drawing, with a line on every block for
//! the live counts, and the counts themselves (entries, who waits in its Route blocks).

use super::flows::version_number;
use super::{READERS, problem};
use crate::graph::{BlockKind, Step};
use crate::live::BlockCountsView;
use crate::render::{BlockNote, Notes};
use crate::serve::auth::{Caller, Role};
use crate::serve::json::Json;
use crate::serve::problem::Problem;
use crate::serve::router::app::AppState;
use axum::extract::{Path, State as Shared};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// What the blocks of one version have seen: workitems entered, and waiting now in its Route blocks.
#[utoipa::path(
    get, path = "/v1/flows/{name}/versions/{version}/blocks", tag = "flows",
    params(
        ("name" = String, Path, description = "The flow's name"),
        ("version" = u32, Path, description = "The version, from 1"),
    ),
    responses(
        (status = 200, body = BlockCountsView),
        (status = 403, description = "An agent's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such flow or version", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn counts(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path((name, version)): Path<(String, String)>,
) -> Result<Json<BlockCountsView>, Problem> {
    caller.require(&READERS)?;
    let version = version_number(&name, &version)?;
    let counts = state.engine.block_counts(&name, version).await;
    Ok(Json(counts.map_err(problem)?))
}

/// One version drawn as `routeflow render --format svg` draws it, every block with a note line
/// (`<text class="note">`) that the web view fills with its counts.
#[utoipa::path(
    get, path = "/v1/flows/{name}/versions/{version}/drawing", tag = "flows",
    params(
        ("name" = String, Path, description = "The flow's name"),
        ("version" = u32, Path, description = "The version, from 1"),
    ),
    responses(
        (status = 200, description = "The drawing", body = String, content_type = "image/svg+xml"),
        (status = 403, description = "An agent's or an integration's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such flow or version", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn drawing(
    caller: Caller,
    Shared(state): Shared<AppState>,
    Path((name, version)): Path<(String, String)>,
) -> Result<Response, Problem> {
    // As the bundle: the drawing shows the flow's conditions and targets.
    caller.require(&[Role::Admin, Role::Viewer])?;
    let version = version_number(&name, &version)?;
    let flow = state
        .engine
        .compiled_flow(&name, version)
        .await
        .map_err(problem)?;
    // Drawing a large flow takes a while (10,000 blocks: about a second): not on a worker that
    // serves requests.
    let svg =
        tokio::task::spawn_blocking(move || crate::render::svg_with_notes(&flow, &notes(&flow)))
            .await
            .map_err(|_| Problem::internal())?
            .map_err(|error| Problem::internal().with_detail(error))?;
    let mut reply = svg.into_response();
    let headers = reply.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(reply)
}

/// A note line on every block, as wide as the counts usually are, for the page to fill.
fn notes(flow: &crate::flow::Flow) -> Notes {
    let mut notes = Notes::default();
    for node in flow.graph.graph.node_indices() {
        let Step::Block(block) = &flow.graph.graph[node] else {
            continue;
        };
        let line = match block.kind {
            BlockKind::Route(_) => "entered – · waiting – · oldest –",
            _ => "entered –",
        };
        notes.blocks.insert(
            node,
            BlockNote {
                lines: vec![line.to_owned()],
                unreached: false,
            },
        );
    }
    notes
}
