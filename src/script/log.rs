//! What scripts write with `log(…)` (and `print`, `debug`) while one of them runs.
//!
//! rhai's native functions see no per-run state of ours, and a run is synchronous (it never awaits),
//! so the messages go to a buffer of the running thread, which [`capture`] sets up around one run.
//! The buffer keeps at most the bytes it is given room for: a script that logs in an endless loop
//! costs its workitem's trace a bounded size, and the messages past it are only counted.

use std::cell::RefCell;

/// What a run logged: the messages kept, and how many were dropped for want of room.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Log {
    /// The messages kept, in order.
    pub messages: Vec<String>,
    /// Messages dropped once the room was used up.
    pub dropped: usize,
    /// Bytes of the messages kept.
    pub bytes: usize,
}

struct Buffer {
    log: Log,
    room: usize,
}

thread_local! {
    /// `Some` while a run on this thread keeps its messages.
    static MESSAGES: RefCell<Option<Buffer>> = const { RefCell::new(None) };
}

/// Whether the current run keeps its messages (only traced runs do): a message that would not be
/// kept is not worth formatting.
pub fn keeping() -> bool {
    MESSAGES.with(|messages| messages.borrow().is_some())
}

/// Keep `message` if the current run keeps its messages and has room for it.
pub fn write(message: &str) {
    MESSAGES.with(|messages| {
        if let Some(buffer) = messages.borrow_mut().as_mut() {
            if buffer.log.bytes + message.len() <= buffer.room && buffer.log.dropped == 0 {
                buffer.log.bytes += message.len();
                buffer.log.messages.push(message.to_owned());
            } else {
                buffer.log.dropped += 1;
            }
        }
    });
}

/// Run `f`, collecting up to `room` bytes of the messages it logs when given some room (otherwise
/// they are dropped unformatted).
pub fn capture<T>(room: Option<usize>, f: impl FnOnce() -> T) -> (T, Log) {
    let Some(room) = room else {
        return (f(), Log::default());
    };
    let buffer = Buffer {
        log: Log::default(),
        room,
    };
    let outer = MESSAGES.with(|messages| messages.replace(Some(buffer)));
    let result = f();
    let kept = MESSAGES.with(|messages| messages.replace(outer));
    (result, kept.map(|buffer| buffer.log).unwrap_or_default())
}
