//! The request body's deadline: a body must have arrived whole within `--body-timeout-s` of the
//! request's head, or reading it fails with [`BodyTimedOut`] (a `408` problem). Without it, a client
//! that sends a head and then the body a byte now and then holds its connection, and the handler
//! reading the body, for as long as it likes (slow POST): the header-read timeout stops once the head
//! is in.
//!
//! The clock runs from the head, not between chunks: a body trickled a chunk at a time, each just
//! within a per-chunk timeout, would never end.

use axum::body::{Body, HttpBody};
use futures_util::StreamExt;
use std::time::Duration;

/// Reading a request body took longer than the server allows.
#[derive(Clone, Copy, Debug, thiserror::Error)]
#[error("the request body did not arrive within {} s of the request's head", .0.as_secs_f64())]
pub struct BodyTimedOut(pub Duration);

/// `body`, failing with [`BodyTimedOut`] past `timeout` from now. A body that is already whole
/// (or empty: most requests) is left as it is: only waiting for more is timed.
pub fn with_deadline(body: Body, timeout: Duration) -> Body {
    if body.is_end_stream() {
        return body;
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let data = body.into_data_stream();
    let timed = futures_util::stream::unfold(Some(data), move |data| async move {
        let mut data = data?;
        match tokio::time::timeout_at(deadline, data.next()).await {
            Ok(Some(Ok(bytes))) => Some((Ok(bytes), Some(data))),
            // The body's own error (past `--max-body`: tower-http's limit), unwrapped, as axum's
            // extractors look for the limit's error under as many wrappings as a body has
            // without this one.
            Ok(Some(Err(error))) => Some((Err(error.into_inner()), None)),
            Ok(None) => None,
            Err(_) => Some((Err(BodyTimedOut(timeout).into()), None)),
        }
    });
    Body::from_stream(timed)
}

/// The [`BodyTimedOut`] that `error` is or was caused by, if any.
pub fn timed_out(error: &(dyn std::error::Error + 'static)) -> Option<BodyTimedOut> {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(timed_out) = error.downcast_ref::<BodyTimedOut>() {
            return Some(*timed_out);
        }
        cause = error.source();
    }
    None
}
