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
//! - [`write_deadline`]: [`WriteDeadline`](write_deadline::WriteDeadline), a connection whose
//!   writes time out.
//! - [`v1`]: the `/v1` API: workitems, agents, offers, queues, the clock.
//! - [`ui`]: the web view, `GET /ui`.

pub mod auth;
pub mod json;
pub mod log;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod problem;
pub mod router;
pub mod shutdown;
pub mod ui;
pub mod v1;
pub mod write_deadline;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use shutdown::{GRACE, Shutdown};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use write_deadline::WriteDeadline;

/// The default body size limit: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// What one client may hold of the server: connections, time, buffer space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a request's head (request line and headers) may take to arrive, from the moment
    /// the server waits for it: on a new connection, and on a kept-alive one between requests (so
    /// it is also how long an idle connection is kept). The connection is closed past it.
    pub header_timeout: Duration,
    /// How many connections are open at once; past it, new ones wait (unaccepted, in the
    /// listening socket's backlog) until one closes.
    pub max_connections: usize,
    /// How long a write to a client may wait (its receive window full: it does not read its
    /// reply); the connection is closed past it.
    pub write_timeout: Duration,
    /// The largest request head, in bytes (and the size of hyper's read buffer, at least 8,192):
    /// past it, 431.
    pub max_head: usize,
}

/// The default [`ConnectionLimits::header_timeout`]: 10 seconds.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The default [`ConnectionLimits::write_timeout`]: 30 seconds.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// The default [`ConnectionLimits::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// The default [`ConnectionLimits::max_head`]: 64 KiB.
pub const DEFAULT_MAX_HEAD: usize = 64 << 10;

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_head: DEFAULT_MAX_HEAD,
        }
    }
}

/// Serve `app` on `listener` within `limits` until `shutdown` is asked for, then let the requests
/// in flight finish for at most [`GRACE`].
///
/// Each connection is served by hyper's HTTP/1 connection with a header-read timeout (axum's own
/// `serve` has none, so a client could hold a connection forever by never finishing a request
/// head), and holds one of `max_connections` permits while it is open.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: Shutdown,
    limits: ConnectionLimits,
) -> std::io::Result<()> {
    let server = accept(listener, app, shutdown.clone(), limits);
    tokio::select! {
        served = server => served,
        () = async {
            shutdown.asked().await;
            tokio::time::sleep(GRACE).await;
        } => Ok(()),
    }
}

/// Accept connections until shutdown is asked for, then wait until every connection has closed.
async fn accept(
    listener: TcpListener,
    app: Router,
    shutdown: Shutdown,
    limits: ConnectionLimits,
) -> std::io::Result<()> {
    let max = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let permits = Arc::new(Semaphore::new(max as usize));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(limits.max_head)
        // The read buffer too: hyper's default lets one connection buffer ~400 KiB.
        .max_buf_size(limits.max_head.max(8192));
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit,
            () = shutdown.asked() => break,
        };
        // The semaphore is never closed.
        let Ok(permit) = permit else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    accept_failed(&error).await;
                    continue;
                }
            },
            () = shutdown.asked() => break,
        };
        let connection = http.serve_connection(
            WriteDeadline::new(TokioIo::new(stream), limits.write_timeout),
            TowerToHyperService::new(app.clone()),
        );
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = shutdown.asked() => {
                    // Finish the request in flight (event streams end on shutdown), then close.
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    // Every connection holds a permit until it closes: all of them back means all closed.
    let _ = permits.acquire_many(max).await;
    Ok(())
}

/// After a failed accept: at once again if the failure was the connection's (reset before it was
/// accepted); a second later if it was the server's (out of file descriptors: connections closing
/// meanwhile free some).
async fn accept_failed(error: &std::io::Error) {
    use std::io::ErrorKind;
    if !matches!(
        error.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
