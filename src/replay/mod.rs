//! Replays (SPEC §4, §5.3): workitems through a flow against the simulated contact center, in virtual
//! time, one tokio task per workitem, outcomes in input order.
//!
//! The driver alternates two things, so that the same input always gives the same output: it lets
//! every runnable workitem task run until it waits at a Route block or ends, then it hands the next
//! event (or arrival) to the [`Simulation`]. Time moves only between those steps, and only one task is
//! made runnable by each, so tokio's scheduling order never decides anything.

mod driver;
mod order;
pub mod outcome;
pub mod routes;
pub mod summary;

pub use driver::{Options, replay};
pub use outcome::{Kind, Outcome, Shown, Traced};
pub use routes::{BlockRoutes, GroupTime, Replayed, RouteTally};
pub use summary::Summary;

use crate::expr::Value;
use crate::runtime::Routing;
use crate::runtime::{End, Ended, Runner};
use crate::time::elapsed_s;

/// Turn how the run of workitem `id`, arrived at `arrive_s`, ended into its outcome line.
pub fn outcome(
    runner: &Runner,
    id: crate::expr::Text,
    arrive_s: f64,
    ended: Ended,
    trace: bool,
) -> Outcome {
    let flow = runner.flow();
    let block_id = |node| flow.graph.block(node).map(|b| b.id.clone());
    let secrets = runner.secrets();
    let variables = &ended.variables;
    let masking = !secrets.is_empty();
    let userdata = if !masking {
        // Most flows have no secure variable: the entries are moved over as they are.
        ended
            .userdata
            .into_iter()
            .map(|(key, value)| (key, Shown::Value(value)))
            .collect()
    } else {
        ended
            .userdata
            .into_iter()
            .map(|(key, value)| {
                let shown = if secrets.hides(&key, &value, variables, ended.taint.as_deref()) {
                    Shown::Masked
                } else if matches!(&value, Value::String(_)) {
                    // A secret inside a longer text (`'pin is ' + pin`) is masked in place.
                    let text = value.as_str().unwrap_or_default();
                    let masked = secrets.mask_text(text, variables);
                    if masked == text {
                        Shown::Value(value)
                    } else {
                        Shown::Value(Value::string(masked))
                    }
                } else {
                    Shown::Value(value)
                };
                (key, shown)
            })
            .collect()
    };
    // Every other text an outcome shows may hold a secret too: a computed Route target, a logged
    // error, a trace note (a secure value copied into a traced variable).
    let mask = |text: &str| -> String {
        if masking {
            secrets.mask_text(text, variables)
        } else {
            text.to_owned()
        }
    };
    let warnings = ended.warnings.iter().map(|w| mask(w)).collect();
    let mut outcome = Outcome {
        id: Some(id),
        kind: Kind::Unrouted,
        agent: None,
        block: None,
        target: None,
        arrive_s: Some(arrive_s),
        routed_s: None,
        wait_s: Some(elapsed_s(arrive_s, ended.ended_s)),
        done_s: None,
        ended_s: Some(ended.ended_s),
        userdata: Some(userdata),
        error: None,
        warnings,
        trace: trace.then(|| {
            ended
                .trace
                .iter()
                .map(|entry| Traced {
                    block: block_id(entry.block).unwrap_or_default(),
                    at_s: entry.at_s,
                    note: entry.note.as_deref().map(mask),
                })
                .collect()
        }),
    };
    let routed = |routing: &Routing, outcome: &mut Outcome| {
        outcome.agent = Some(routing.agent.clone());
        outcome.block = block_id(routing.block);
        outcome.target = Some((
            routing.kind,
            if masking {
                mask(&routing.target).into()
            } else {
                routing.target.clone()
            },
        ));
        outcome.routed_s = Some(routing.routed_s);
        outcome.wait_s = Some(elapsed_s(arrive_s, routing.routed_s));
        outcome.done_s = routing.done_s;
    };
    match ended.end {
        End::Routed(routing) => {
            outcome.kind = Kind::Routed;
            routed(&routing, &mut outcome);
        }
        End::Unrouted => {}
        End::Stopped { .. } => outcome.kind = Kind::Stopped,
        End::Error { message, routing } => {
            outcome.kind = Kind::Error;
            outcome.error = Some(message);
            if let Some(routing) = routing {
                routed(&routing, &mut outcome);
            }
        }
    }
    outcome
}
