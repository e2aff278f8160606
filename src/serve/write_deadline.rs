//! A connection whose writes fail once one has waited longer than a timeout: a client that stops
//! reading its replies (its receive window full) would otherwise hold its connection, and the reply
//! it does not read, for ever. hyper has a timeout for reading a request's head, none for writing.
//!
//! Only a write that cannot proceed is timed: an event stream that is quiet for an hour is not
//! writing, and one whose reader keeps up never waits.

use hyper::rt::{Read, ReadBufCursor, Write};
use std::future::Future;
use std::io::{Error, ErrorKind, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;

/// `io`, whose writes (and flushes) fail with `TimedOut` after waiting `timeout`.
pub struct WriteDeadline<T> {
    io: T,
    timeout: Duration,
    /// Since when a write waits (boxed: hyper wants a connection it can move).
    waiting: Option<Pin<Box<Sleep>>>,
}

impl<T> WriteDeadline<T> {
    /// `io` with writes timed out after `timeout` of waiting.
    pub fn new(io: T, timeout: Duration) -> WriteDeadline<T> {
        WriteDeadline {
            io,
            timeout,
            waiting: None,
        }
    }

    /// What a write that has just been tried came to: done (the clock stops), or still waiting
    /// (the clock starts if it has not, and a timeout if it has run out).
    fn timed<R>(
        &mut self,
        cx: &mut Context<'_>,
        tried: Poll<Result<R, Error>>,
    ) -> Poll<Result<R, Error>> {
        if tried.is_ready() {
            self.waiting = None;
            return tried;
        }
        let timeout = self.timeout;
        let waiting = self
            .waiting
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        if waiting.as_mut().poll(cx).is_ready() {
            self.waiting = None;
            return Poll::Ready(Err(Error::new(
                ErrorKind::TimedOut,
                "the client did not read its reply in time",
            )));
        }
        Poll::Pending
    }
}

impl<T: Read + Unpin> Read for WriteDeadline<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: Write + Unpin> Write for WriteDeadline<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<Result<usize, Error>> {
        let tried = Pin::new(&mut self.io).poll_write(cx, buf);
        self.timed(cx, tried)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<Result<usize, Error>> {
        let tried = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.timed(cx, tried)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let tried = Pin::new(&mut self.io).poll_flush(cx);
        self.timed(cx, tried)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let tried = Pin::new(&mut self.io).poll_shutdown(cx);
        self.timed(cx, tried)
    }
}
