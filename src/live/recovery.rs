//! Recovery (SPEC §9.5): on start, the engine applies again every change its journal holds, each at
//! the instant it was first applied, on a clock that replays those instants; then the clock goes on
//! from now (the real clock) or from where it was (a test clock), and what fell due while the server was
//! down happens, in time order. Then the server journals that it started: offers that were open are
//! rescinded and made again.
//!
//! Because the engine is deterministic, this rebuilds the state the server had acknowledged: every
//! workitem in the Route block it waited in, with its place (age, priority, arrival order) and its
//! absolute deadline; agents in the states they set, holding what they held; ended workitems ended;
//! the agents' event streams with their ids.

use super::change::{Change, apply};
use super::core::Core;
use super::engine::settle;
use super::views::State;
use crate::journal::Stored;
use crate::time::Instant;
use std::cell::RefCell;
use std::rc::Rc;

/// What a recovery found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Journal entries applied.
    pub entries: usize,
    /// Workitems known, and those waiting for an agent (waiting or offered) now.
    pub workitems: usize,
    pub waiting: usize,
    /// Entries that did not apply again (the engine refused them the second time: a bug to report),
    /// each with why.
    pub warnings: Vec<String>,
}

/// How many entries the reader thread reads at a time, and how many such chunks it may be ahead.
const CHUNK: usize = 512;
const AHEAD: usize = 8;

/// A journal entry read: its place, instant and kind, and its change (or why it cannot be read).
struct Read {
    seq: u64,
    at_us: u64,
    kind: String,
    change: Result<Change, String>,
}

/// Read the changes of `stored` (their JSON) on a thread of their own, in order, a chunk at a time:
/// the engine thread applies each chunk while the next ones are read, so that recovery costs what
/// applying the changes costs, not that plus reading them (a fifth of it for creates).
fn read_ahead(stored: Vec<Stored>) -> Result<std::sync::mpsc::Receiver<Vec<Read>>, String> {
    let (chunks, receiver) = std::sync::mpsc::sync_channel(AHEAD);
    std::thread::Builder::new()
        .name("routeflow-recovery".to_owned())
        .spawn(move || {
            let mut stored = stored.into_iter();
            loop {
                let chunk: Vec<Read> = stored
                    .by_ref()
                    .take(CHUNK)
                    .map(|Stored { seq, entry }| Read {
                        seq,
                        at_us: entry.at_us,
                        change: Change::from_entry(&entry),
                        kind: entry.kind,
                    })
                    .collect();
                // Stopped once the engine stops taking them (recovery failed) or all are read.
                if chunk.is_empty() || chunks.send(chunk).is_err() {
                    break;
                }
            }
        })
        .map_err(|error| format!("cannot start a thread to read the journal: {error}"))?;
    Ok(receiver)
}

/// Apply every stored change again; `Err` when an entry cannot be read at all.
pub(super) async fn recover(
    core: &Rc<RefCell<Core>>,
    stored: Vec<Stored>,
) -> Result<Recovered, String> {
    let mut recovered = Recovered {
        entries: stored.len(),
        ..Recovered::default()
    };
    // Waiting for the next chunk blocks the engine thread, which has nothing else to do meanwhile:
    // every change before has settled (no task is runnable) and no command is taken until the end.
    let chunks = read_ahead(stored)?;
    let mut applied = 0;
    for Read {
        seq,
        at_us,
        kind,
        change,
    } in chunks.iter().flatten()
    {
        let change = change.map_err(|error| {
            format!("entry {seq} (`{kind}`) of the journal cannot be read: {error}")
        })?;
        if let Change::Started { clock, .. } = change {
            let now = core.borrow().clock.kind();
            if clock != now {
                // Time on one clock means nothing on the other: every deadline would be wrong.
                return Err(format!(
                    "it was written by a server on the {} clock; start this one with `--clock {}` \
                     too, or give another `--data`",
                    clock.as_str(),
                    clock.as_str()
                ));
            }
        }
        core.borrow_mut()
            .clock
            .replay_to(Instant::from_micros(at_us));
        settle(core).await;
        let publishes = matches!(change, Change::Publish { .. });
        if let Err(error) = apply(core, change).await {
            if publishes {
                // Every later version would take its number, and its workitems would run another.
                return Err(format!(
                    "entry {seq} publishes a flow version that no longer loads: {error}"
                ));
            }
            recovered.warnings.push(format!(
                "entry {seq} (`{kind}`) of the journal did not apply again: {error}"
            ));
        }
        applied += 1;
    }
    if applied != recovered.entries {
        // The reader stopped early (it panicked): serving a part of the journal would lose the rest.
        return Err(format!(
            "its reader stopped after {applied} of its {} entries",
            recovered.entries
        ));
    }
    core.borrow_mut().clock.resume();
    settle(core).await;
    let core = core.borrow();
    recovered.workitems = core.records.len();
    recovered.waiting = core
        .records
        .iter()
        .filter(|record| matches!(record.state, State::Waiting | State::Offered))
        .count();
    Ok(recovered)
}
