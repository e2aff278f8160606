//! What scripts write with `log(…)` (and `print`, `debug`) while one of them runs.
//!
//! rhai's native functions see no per-run state of ours, and a run is synchronous (it never awaits),
//! so the messages go to a buffer of the running thread, which [`capture`] sets up around one run.

use std::cell::RefCell;

thread_local! {
    /// `Some` while a run on this thread keeps its messages.
    static MESSAGES: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Keep `message` if the current run keeps its messages (only traced runs do).
pub fn write(message: &str) {
    MESSAGES.with(|messages| {
        if let Some(messages) = messages.borrow_mut().as_mut() {
            messages.push(message.to_owned());
        }
    });
}

/// Run `f`, collecting the messages it logs when `keep` (otherwise they are dropped unformatted).
pub fn capture<T>(keep: bool, f: impl FnOnce() -> T) -> (T, Vec<String>) {
    if !keep {
        return (f(), Vec::new());
    }
    let outer = MESSAGES.with(|messages| messages.replace(Some(Vec::new())));
    let result = f();
    let kept = MESSAGES.with(|messages| messages.replace(outer));
    (result, kept.unwrap_or_default())
}
