//! The routes, and what every request goes through: the body size limit and deadline, problems for every error
//! (unknown path 404, wrong method 405, and any plain-text error a layer or extractor makes), and a
//! 500 problem if a handler panics.
//!
//! A new endpoint is a handler (taking [`Caller`](crate::serve::auth::Caller) first, then axum's
//! extractors, then [`Json`](crate::serve::json::Json) last) added in [`v1`], with its
//! `#[utoipa::path]` listed in [`ApiDoc`](crate::serve::openapi::ApiDoc).

pub mod app;
pub mod deadline;
pub mod health;

use super::json::BodyLimit;
use super::openapi;
use super::problem::{Problem, is_problem};
use app::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::map_request_body::MapRequestBodyLayer;

/// The server's whole router: the health and meta routes, [`v1`], and the layers.
pub fn app(state: AppState) -> Router {
    router(state, v1())
}

/// The `/v1` API: workitems, agents, offers, events.
pub fn v1() -> Router<AppState> {
    super::v1::routes()
}

/// The health and meta routes with `routes` merged in (which must not set a fallback), and every
/// layer: the router a server or a test serves.
pub fn router(state: AppState, routes: Router<AppState>) -> Router {
    let limit = state.max_body;
    let body_timeout = state.body_timeout;
    let metrics = state.metrics.clone();
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/openapi.json", get(openapi::document))
        .route("/metrics", get(super::metrics::metrics))
        .route("/ui", get(super::ui::page))
        .route("/ui/page.js", get(super::ui::script))
        .route("/ui/page.css", get(super::ui::style))
        .merge(routes)
        .fallback(not_found)
        // Applies to the routes present when it is called: keep it after every route.
        .method_not_allowed_fallback(method_not_allowed)
        // Counts and logs what every request got, as the layers below made it (a problem for each
        // error).
        .layer(axum::middleware::from_fn(move |request, next| {
            super::observe::observe(metrics.clone(), request, next)
        }))
        .with_state(state)
        // Inside the size limit, so that a body too large still reads as tower-http's error.
        .layer(MapRequestBodyLayer::new(move |body| {
            deadline::with_deadline(body, body_timeout)
        }))
        // One limit for every body, however a handler reads it: tower-http's, set to --max-body.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(Extension(BodyLimit(limit)))
        .layer(axum::middleware::map_response(move |response: Response| {
            as_problem(response, limit)
        }))
        .layer(CatchPanicLayer::custom(
            |_panic: Box<dyn std::any::Any + Send>| {
                // The panic message went to standard error; the reply says only that it happened.
                Problem::internal().into_response()
            },
        ))
}

async fn not_found(uri: Uri) -> Problem {
    Problem::not_found(format!("there is no endpoint at `{}`", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> Problem {
    Problem::method_not_allowed(format!(
        "`{}` does not take {method} (the Allow header lists what it takes)",
        uri.path()
    ))
}

/// An error reply that is not a problem yet (axum's and tower-http's rejections are plain text)
/// as a problem of the same status, with the text as its detail, keeping its other headers.
async fn as_problem(response: Response, limit: usize) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .ok()
        .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
        .filter(|text| !text.trim().is_empty());
    let problem = match (status, text) {
        (StatusCode::PAYLOAD_TOO_LARGE, _) => Problem::payload_too_large(Some(limit)),
        (_, Some(text)) if status.is_client_error() => {
            Problem::from_status(status).with_detail(text)
        }
        _ => Problem::from_status(status),
    };
    let mut reply = problem.into_response();
    keep_headers(parts.headers, reply.headers_mut());
    reply
}

/// Move the headers of a replaced reply to its replacement, but those describing the old body.
fn keep_headers(from: HeaderMap, to: &mut HeaderMap) {
    let mut name = None;
    for (next, value) in from {
        name = next.or(name);
        match &name {
            Some(name) if *name != header::CONTENT_TYPE && *name != header::CONTENT_LENGTH => {
                to.append(name.clone(), value);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
