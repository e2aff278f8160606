//! The router in process (`tower::ServiceExt::oneshot`): every bad request is a 4xx problem.

use super::app::{AppState, ClockMode, Readiness};
use super::router;
use crate::center::Center;
use crate::diagnostic::SourceFile;
use crate::serve::auth::{Caller, Role, Tokens};
use crate::serve::json::Json;
use crate::serve::shutdown::Shutdown;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::post;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use tower::ServiceExt;

const TOKEN: &str = "a token for tests";
const LIMIT: usize = 256;

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Create {
    #[serde(default)]
    priority: Option<u32>,
    userdata: BTreeMap<String, String>,
}

async fn echo(_caller: Caller, Json(create): Json<Create>) -> Json<Create> {
    Json(create)
}

#[allow(clippy::unused_async)]
async fn boom(_caller: Caller) -> Json<Value> {
    panic!("a bug in a handler");
}

fn state() -> AppState {
    let bundle = crate::flow::Bundle {
        flow: "flow.yaml".to_owned(),
        files: [(
            "flow.yaml".to_owned(),
            "application: serve\nphases:\n  initialize: []\n".to_owned(),
        )]
        .into(),
    };
    let file = SourceFile::new("center.yaml", "agents: [ { id: alice } ]");
    let Ok(center) = Center::parse(&file) else {
        panic!("the test's center loads");
    };
    let Ok((runner, _)) = crate::live::compile("serve", &bundle, &center) else {
        panic!("the test's flow loads");
    };
    let readiness = Readiness::new();
    readiness.set_ready();
    let engine = crate::live::Engine::start(
        (bundle, runner),
        Arc::new(center),
        crate::live::ClockKind::Test,
    )
    .expect("the engine starts");
    let metrics = Arc::new(crate::serve::metrics::ServerMetrics::new(
        engine.metrics(),
        None,
    ));
    AppState {
        tokens: Arc::new(Tokens::single(TOKEN, Role::Viewer)),
        metrics,
        drawings: Default::default(),
        engine,
        clock: ClockMode::Test,
        data: "unused".into(),
        max_body: LIMIT,
        body_timeout: std::time::Duration::from_secs(30),
        readiness,
        shutdown: Shutdown::new(),
    }
}

fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route("/echo", post(echo))
        .route("/boom", post(boom));
    router(state, routes)
}

/// A reply's status, headers and JSON body (null if not JSON).
async fn call(app: Router, request: Request<Body>) -> (StatusCode, header::HeaderMap, Value) {
    let Ok(reply) = app.oneshot(request).await;
    let (parts, body) = reply.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, parts.headers, json)
}

fn post_json(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap_or_default()
}

/// The status, `type` and `field` of a problem reply (asserting it is one).
async fn problem(request: Request<Body>) -> (u16, String, Option<String>) {
    let (status, headers, body) = call(app(state()), request).await;
    assert_eq!(
        headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"application/problem+json"[..]),
        "{status} {body}"
    );
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    let kind = body["type"].as_str().unwrap_or_default().to_owned();
    let field = body["field"].as_str().map(str::to_owned);
    (status.as_u16(), kind, field)
}

#[tokio::test]
async fn a_valid_body_is_read() {
    let body = json!({"priority": 3, "userdata": {"GTR_level1": "Gold"}}).to_string();
    let (status, _, json) = call(app(state()), post_json("/echo", body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["userdata"]["GTR_level1"], "Gold");
}

#[tokio::test]
async fn bad_bodies_are_problems_naming_the_field() {
    let urn = |kind: &str| format!("urn:routeflow:problem:{kind}");
    let cases = [
        (r#"{"userdata": {"#, 400, urn("malformed-json"), None),
        (r#"{"userdata": {}} x"#, 400, urn("malformed-json"), None),
        (
            r#"{"userdata": {}, "priority": "high"}"#,
            422,
            urn("invalid-value"),
            Some("/priority"),
        ),
        (
            r#"{"userdata": {"a": 1}}"#,
            422,
            urn("invalid-value"),
            Some("/userdata/a"),
        ),
        (
            r#"{"userdata": {}, "priorty": 1}"#,
            422,
            urn("unknown-field"),
            Some("/priorty"),
        ),
        (r#"{}"#, 422, urn("missing-field"), Some("/userdata")),
    ];
    for (body, status, kind, field) in cases {
        let got = problem(post_json("/echo", body)).await;
        assert_eq!(got, (status, kind, field.map(str::to_owned)), "{body}");
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_declared_or_not() {
    let big = format!(r#"{{"userdata": {{"k": "{}"}}}}"#, "x".repeat(LIMIT));
    // Declared: refused before it is read.
    let mut declared = post_json("/echo", big.clone());
    declared
        .headers_mut()
        .insert(header::CONTENT_LENGTH, big.len().into());
    assert_eq!(problem(declared).await.0, 413);
    // Streamed without a length: refused while it is read.
    assert_eq!(problem(post_json("/echo", big)).await.0, 413);
}

#[tokio::test]
async fn a_body_not_declared_json_is_415() {
    let mut request = post_json("/echo", "{}");
    request.headers_mut().insert(
        header::CONTENT_TYPE,
        "text/plain".parse().unwrap_or_else(|_| unreachable!()),
    );
    assert_eq!(problem(request).await.0, 415);
}

#[tokio::test]
async fn unknown_paths_and_methods_are_problems() {
    let request = Request::get("/nowhere")
        .body(Body::empty())
        .unwrap_or_default();
    assert_eq!(
        problem(request).await,
        (404, "about:blank".to_owned(), None)
    );
    let request = Request::get("/echo")
        .body(Body::empty())
        .unwrap_or_default();
    let (status, headers, _) = call(app(state()), request).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        headers.get(header::ALLOW).map(|v| v.as_bytes()),
        Some(&b"POST"[..])
    );
    let request = Request::delete("/healthz")
        .body(Body::empty())
        .unwrap_or_default();
    assert_eq!(problem(request).await.0, 405);
}

#[tokio::test]
async fn readyz_needs_a_token_and_readiness() {
    let anonymous = || {
        Request::get("/readyz")
            .body(Body::empty())
            .unwrap_or_default()
    };
    let (status, headers, _) = call(app(state()), anonymous()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    for (given, secret) in [
        ("Bearer nope", Some("nope")),
        ("Basic YTpi", Some("YTpi")),
        ("Bearer", None),
        ("bearer  ", None),
    ] {
        let request = Request::get("/readyz")
            .header(header::AUTHORIZATION, given)
            .body(Body::empty())
            .unwrap_or_default();
        let (status, headers, body) = call(app(state()), request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{given}");
        assert_eq!(
            headers[header::WWW_AUTHENTICATE],
            r#"Bearer error="invalid_token""#
        );
        if let Some(secret) = secret {
            assert!(!body.to_string().contains(secret), "{body}");
        }
    }
    let with_token = || {
        Request::get("/readyz")
            .header(header::AUTHORIZATION, format!("bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap_or_default()
    };
    let (status, _, body) = call(app(state()), with_token()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ready"})));
    let starting = AppState {
        readiness: Readiness::new(),
        ..state()
    };
    let (status, headers, _) = call(app(starting), with_token()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(headers.contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_problem() {
    let got = problem(post_json("/boom", "{}")).await;
    assert_eq!(got, (500, "about:blank".to_owned(), None));
}

#[tokio::test]
async fn the_openapi_document_lists_the_routes_and_problems() {
    let request = Request::get("/openapi.json")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap_or_default();
    let (status, _, doc) = call(app(state()), request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{doc}"
    );
    for path in ["/healthz", "/readyz", "/openapi.json"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert_eq!(doc["paths"]["/healthz"]["get"]["security"], json!([{}]));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the body, the reply is a success or a 4xx, never a 5xx.
    #[test]
    fn no_body_is_a_server_error(
        text in r#"[\[\]{}":,.0-9a-z \\-]{0,80}"#,
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build();
        let Ok(runtime) = runtime else { panic!("a runtime") };
        for body in [Body::from(text.clone()), Body::from(bytes.clone())] {
            let (status, _, _) = runtime.block_on(call(app(state()), post_json("/echo", body)));
            prop_assert!(status.is_success() || status.is_client_error(), "{status} for {text:?} / {bytes:?}");
        }
    }
}

#[tokio::test]
async fn readyz_is_503_once_the_engine_thread_has_panicked() {
    let state = state();
    let engine = state.engine.clone();
    let with_token = || {
        Request::get("/readyz")
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap_or_default()
    };
    let (status, _, _) = call(app(state.clone()), with_token()).await;
    assert_eq!(status, StatusCode::OK);
    engine.panic_for_test();
    for _ in 0..500 {
        if !engine.is_running() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(!engine.is_running(), "the engine thread still runs");
    let (status, headers, body) = call(app(state), with_token()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(headers.contains_key(header::RETRY_AFTER));
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("engine")),
        "{body}"
    );
}
