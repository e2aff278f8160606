//! `routeflow serve`'s HTTP layer (SPEC §9): the router, bearer-token authentication, RFC 9457
//! problems for every error, JSON bodies that name the field at fault, the OpenAPI document, and
//! graceful shutdown. The live engine's handlers plug into [`router::v1`].
//!
//! - [`problem`]: [`Problem`](problem::Problem), the body of every error reply.
//! - [`json`]: [`Json`](json::Json), a JSON body read (4xx naming the field) or written.
//! - [`auth`]: [`Tokens`](auth::Tokens), [`Role`](auth::Role), the [`Caller`](auth::Caller) extractor.
//! - [`router`]: the routes, the layers, [`AppState`](router::app::AppState).
//! - [`openapi`]: [`ApiDoc`](openapi::ApiDoc), the OpenAPI 3.1 document.
//! - [`shutdown`]: [`Shutdown`](shutdown::Shutdown), on SIGINT or SIGTERM.
//! - [`v1`]: the `/v1` API: workitems, agents, offers, queues, the clock.

pub mod auth;
pub mod json;
pub mod openapi;
pub mod problem;
pub mod router;
pub mod shutdown;
pub mod v1;

use axum::Router;
use shutdown::{GRACE, Shutdown};
use std::future::IntoFuture;
use tokio::net::TcpListener;

/// The default body size limit: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// Serve `app` on `listener` until `shutdown` is asked for, then let the requests in flight finish
/// for at most [`GRACE`].
pub async fn serve(listener: TcpListener, app: Router, shutdown: Shutdown) -> std::io::Result<()> {
    let stopping = shutdown.clone();
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(async move { stopping.asked().await })
        .into_future();
    tokio::select! {
        served = server => served,
        () = async {
            shutdown.asked().await;
            tokio::time::sleep(GRACE).await;
        } => Ok(()),
    }
}
