//! The baseline of `benches/serve.sh`: a bare axum endpoint that parses the same JSON body as
//! `POST /v1/workitems` and replies 201 with a small JSON body, and nothing else (no token, no engine,
//! no journal). `cargo run --release --example bare_create -- 127.0.0.1:0` says where it listens.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The body `POST /v1/workitems` takes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct CreateWorkitem {
    id: Option<String>,
    priority: Option<i64>,
    userdata: Map<String, Value>,
    flow: Option<String>,
}

async fn create(axum::Json(body): axum::Json<CreateWorkitem>) -> (StatusCode, axum::Json<Value>) {
    let id = body.id.unwrap_or_default();
    (
        StatusCode::CREATED,
        axum::Json(serde_json::json!({ "id": id, "state": "waiting" })),
    )
}

fn main() -> std::io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&address).await?;
        eprintln!(
            "bare_create: listening on http://{}",
            listener.local_addr()?
        );
        let app = Router::new().route("/v1/workitems", post(create));
        axum::serve(listener, app).await
    })
}
