//! What every request leaves behind: its count and latency in the metrics ([`super::metrics`]) and
//! one log line (`tracing`, target `routeflow::request`) with a request id, its method, path, route
//! template, status and duration. The id is the client's `X-Request-Id` when it sends a usable one (1
//! to 64 visible ASCII characters), a new one otherwise; the reply carries it back in `X-Request-Id`.
//!
//! Nothing else of a request is logged: no header (tokens travel in one), no query, no body (user data
//! holds secure values).

use super::metrics::SharedMetrics;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// The header of a request's id.
pub const REQUEST_ID: &str = "x-request-id";

/// Requests numbered since the process started.
static NEXT: AtomicU64 = AtomicU64::new(1);

/// This process's part of the ids it makes: its start, in seconds since 1970, and its process id, so
/// that ids of two runs differ.
fn process_tag() -> &'static str {
    static TAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TAG.get_or_init(|| {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        format!("{started:x}{:x}", std::process::id())
    })
}

/// The client's request id if it is usable, or a new one.
fn request_id(sent: Option<&HeaderValue>) -> HeaderValue {
    if let Some(sent) = sent
        && (1..=64).contains(&sent.len())
        && sent.as_bytes().iter().all(u8::is_ascii_graphic)
    {
        return sent.clone();
    }
    let made = format!("{}-{}", process_tag(), NEXT.fetch_add(1, Ordering::Relaxed));
    HeaderValue::from_str(&made).unwrap_or(HeaderValue::from_static("-"))
}

/// A request method as a label: the standard ones, or `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// A route template as a `'static` label, without allocating per request: each template (the API's
/// few dozen, and `(unmatched)`) is leaked once per thread that meets it.
fn route_label(route: Option<&MatchedPath>) -> &'static str {
    thread_local! {
        static ROUTES: RefCell<HashMap<Box<str>, &'static str>> = RefCell::new(HashMap::new());
    }
    let Some(route) = route.map(MatchedPath::as_str) else {
        return "(unmatched)";
    };
    ROUTES.with(|routes| {
        if let Some(&label) = routes.borrow().get(route) {
            return label;
        }
        let label: &'static str = Box::leak(route.into());
        routes.borrow_mut().insert(route.into(), label);
        label
    })
}

/// The middleware (`metrics`: the server's): count, log, and give the reply its request id.
pub async fn observe(metrics: SharedMetrics, request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let id = request_id(request.headers().get(REQUEST_ID));
    let method = method_label(request.method());
    let route = route_label(request.extensions().get::<MatchedPath>());
    let uri = request.uri().clone();
    let mut response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    metrics.request(method, route, status, seconds);
    tracing::info!(
        target: "routeflow::request",
        request_id = id.to_str().unwrap_or("-"),
        method,
        path = uri.path(),
        route,
        status,
        ms = (seconds * 1e6).round() / 1e3,
    );
    response.headers_mut().insert(REQUEST_ID, id);
    response
}
