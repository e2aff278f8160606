//! The supervisors' event stream (`GET /v1/events`, issue 18): every event of every workitem's history
//! (`created`, `waiting`, `offered`, `assigned`, `timed_out`, `ended`, … as `GET
//! /v1/workitems/{id}/history` shows them, secure values masked) and every agent state change, in the
//! order the engine made them, numbered by one sequence.
//!
//! The numbers come from the engine's changes, which recovery applies again in order: after a restart
//! the same events have the same ids, so a supervisor's view resumes with `Last-Event-ID` across it.
//! The last [`KEPT_EVENTS`] events (at most [`KEPT_BYTES`]) are kept for that; an event is written as
//! JSON only when a stream needs it.

use crate::expr::Text;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::mpsc::{Receiver, Sender, channel};

/// Events kept for streams that resume.
pub const KEPT_EVENTS: usize = 10_000;
/// Bytes of events kept, at most (their data's text and the events written from it, and a little for
/// the rest).
pub const KEPT_BYTES: usize = 8 << 20;
/// Events queued for one stream that does not read: past it the stream ends (it reconnects).
const QUEUED: usize = 1_024;
/// Streams at once: past it, the oldest ends.
pub const MAX_STREAMS: usize = 64;

/// One event, as a stream sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedEvent {
    pub id: u64,
    pub event: &'static str,
    /// `{"id", "event", "at_s", "workitem" or "agent", "data"}` as JSON text.
    pub text: Arc<str>,
}

/// Whose event it is.
#[derive(Clone, Debug)]
enum About {
    Workitem(Text),
    Agent(Arc<str>),
}

#[derive(Clone, Debug)]
struct Kept {
    id: u64,
    at_s: f64,
    event: &'static str,
    about: About,
    /// The data, as JSON text.
    data: Arc<str>,
    /// The event as streams send it, written once, when a stream first needs it: every stream, and
    /// every stream that resumes, shares it.
    rendered: std::cell::OnceCell<FeedEvent>,
}

impl Kept {
    /// The bytes it is counted as: its data, and the event written from it (whether written yet or
    /// not, so that it counts the same kept and let go).
    fn size(&self) -> usize {
        let about = match &self.about {
            About::Workitem(id) => id.len(),
            About::Agent(id) => id.len(),
        };
        2 * (self.data.len() + about) + 128
    }

    /// The event as streams send it.
    fn event(&self) -> &FeedEvent {
        self.rendered.get_or_init(|| self.render())
    }

    fn render(&self) -> FeedEvent {
        let (key, id) = match &self.about {
            About::Workitem(id) => ("workitem", id.as_str()),
            About::Agent(id) => ("agent", &**id),
        };
        let text = format!(
            "{{\"id\":{},\"event\":\"{}\",\"at_s\":{},\"{key}\":{},\"data\":{}}}",
            self.id,
            self.event,
            serde_json::to_string(&self.at_s).unwrap_or_else(|_| "null".to_owned()),
            serde_json::to_string(id).unwrap_or_else(|_| "null".to_owned()),
            self.data,
        );
        FeedEvent {
            id: self.id,
            event: self.event,
            text: text.into(),
        }
    }
}

/// The events kept, and the streams open.
#[derive(Debug, Default)]
pub struct Feed {
    kept: VecDeque<Kept>,
    bytes: usize,
    streams: Vec<Sender<FeedEvent>>,
}

/// Why a stream cannot resume after an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotKept {
    /// The ids kept, oldest and newest (none kept: `None`).
    pub kept: Option<(u64, u64)>,
}

impl Feed {
    /// Workitem `workitem`'s event number `id`.
    pub fn workitem(
        &mut self,
        id: u64,
        at_s: f64,
        event: &'static str,
        workitem: &Text,
        data: &Arc<str>,
    ) {
        self.push(Kept {
            id,
            at_s,
            event,
            about: About::Workitem(workitem.clone()),
            data: data.clone(),
            rendered: std::cell::OnceCell::new(),
        });
    }

    /// Agent `agent`'s event number `id`.
    pub fn agent(&mut self, id: u64, at_s: f64, event: &'static str, agent: &str, data: &str) {
        self.push(Kept {
            id,
            at_s,
            event,
            about: About::Agent(agent.into()),
            data: data.into(),
            rendered: std::cell::OnceCell::new(),
        });
    }

    fn push(&mut self, kept: Kept) {
        if !self.streams.is_empty() {
            let event = kept.event();
            // A stream whose queue is full (it does not read) ends; its supervisor reconnects.
            self.streams
                .retain(|stream| stream.try_send(event.clone()).is_ok());
        }
        self.bytes += kept.size();
        self.kept.push_back(kept);
        while self.kept.len() > KEPT_EVENTS || self.bytes > KEPT_BYTES {
            let Some(gone) = self.kept.pop_front() else {
                break;
            };
            self.bytes -= gone.size();
        }
    }

    /// Open a stream: the events after `after` (none without it), then every new one. `last`: the
    /// newest id given so far. Refused when events after `after` are no longer all kept, or `after`
    /// is beyond `last`.
    pub fn subscribe(
        &mut self,
        after: Option<u64>,
        last: u64,
    ) -> Result<(Vec<FeedEvent>, Receiver<FeedEvent>), NotKept> {
        let backlog = match after {
            None => Vec::new(),
            Some(after) => {
                // Ids are consecutive (every number of the sequence is an event of the feed): an
                // event after `after` was let go when the oldest kept is later than the next one.
                let oldest = self.kept.front().map_or(last + 1, |kept| kept.id);
                let newest = self.kept.back().map(|kept| kept.id);
                if after > last || after + 1 < oldest {
                    return Err(NotKept {
                        kept: newest.map(|newest| (oldest, newest)),
                    });
                }
                // Ids are consecutive: the first event after `after` is at a known place.
                let first =
                    usize::try_from((after + 1).saturating_sub(oldest)).unwrap_or(usize::MAX);
                self.kept
                    .range(first.min(self.kept.len())..)
                    .map(|kept| kept.event().clone())
                    .collect()
            }
        };
        self.streams.retain(|stream| !stream.is_closed());
        if self.streams.len() >= MAX_STREAMS {
            let ended = self.streams.len() + 1 - MAX_STREAMS;
            self.streams.drain(..ended);
        }
        let (sender, receiver) = channel(QUEUED);
        self.streams.push(sender);
        Ok((backlog, receiver))
    }
}
