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

/// Apply every stored change again; `Err` when an entry cannot be read at all.
pub(super) async fn recover(
    core: &Rc<RefCell<Core>>,
    stored: Vec<Stored>,
) -> Result<Recovered, String> {
    let mut recovered = Recovered {
        entries: stored.len(),
        ..Recovered::default()
    };
    for Stored { seq, entry } in stored {
        let change = Change::from_entry(&entry).map_err(|error| {
            format!(
                "entry {seq} (`{}`) of the journal cannot be read: {error}",
                entry.kind
            )
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
            .replay_to(Instant::from_micros(entry.at_us));
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
                "entry {seq} (`{}`) of the journal did not apply again: {error}",
                entry.kind
            ));
        }
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
