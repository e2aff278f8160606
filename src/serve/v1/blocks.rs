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
use axum::body::Bytes;
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
    let svg = state
        .drawings
        .drawing(&state.engine, &name, version)
        .await?;
    let mut reply = axum::body::Body::from(svg).into_response();
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

/// Drawings made, by flow and version (a version never changes): drawing a large flow takes a while
/// (10,000 blocks: about 2 s, 11 MB), so each is made once, one at a time, and kept.
#[derive(Clone, Debug, Default)]
pub struct Drawings {
    made: std::sync::Arc<std::sync::Mutex<Vec<Drawn>>>,
    /// Held while one is drawn: a burst of requests for a new version draws it once.
    drawing: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// A version drawn: its flow's name and its number, and the SVG.
type Drawn = ((String, u32), Bytes);

/// Drawings kept, at most (the most recently made).
const KEPT_DRAWINGS: usize = 8;

impl Drawings {
    fn kept(&self, name: &str, version: u32) -> Option<Bytes> {
        let made = self.made.lock().ok()?;
        made.iter()
            .find(|((n, v), _)| n == name && *v == version)
            .map(|(_, svg)| svg.clone())
    }

    /// Version `version` of flow `name`, drawn (once).
    async fn drawing(
        &self,
        engine: &crate::live::Engine,
        name: &str,
        version: u32,
    ) -> Result<Bytes, Problem> {
        if let Some(svg) = self.kept(name, version) {
            return Ok(svg);
        }
        let _drawing = self.drawing.lock().await;
        if let Some(svg) = self.kept(name, version) {
            return Ok(svg);
        }
        let flow = engine.compiled_flow(name, version).await.map_err(problem)?;
        // Not on a worker that serves requests; carried to its end even when the client has gone,
        // so that the next request finds it made.
        let svg = tokio::task::spawn_blocking(move || {
            crate::render::svg_with_notes(&flow, &notes(&flow))
        })
        .await
        .map_err(|_| Problem::internal())?
        .map_err(|error| Problem::internal().with_detail(error))?;
        let svg = Bytes::from(svg);
        if let Ok(mut made) = self.made.lock() {
            if made.len() >= KEPT_DRAWINGS {
                made.remove(0);
            }
            made.push(((name.to_owned(), version), svg.clone()));
        }
        Ok(svg)
    }
}
