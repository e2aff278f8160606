//! Routing in a simulated contact center (SPEC §3.3, §5.3), in virtual time.
//!
//! [`Simulation`] is synchronous and deterministic: agents with their capacity, ready intervals and idle
//! time; for each distinct target (interned on first use, see [`targets`]), its available candidates
//! (longest idle first) and its waiting workitems (priority, age, input order); and a heap of future
//! events. The replay runs it under the workitems' tokio tasks through a [`crate::runtime::RoutingPort`].
//! The rules, and every choice made where the specification is silent, are in `docs/routing.md`.

mod agents;
mod events;
mod live;
mod setup;
mod simulation;
pub mod targets;

pub use events::Happening;
pub use live::{NotOffered, Notice, Rescinded};
pub use simulation::{AgentTimes, Item, Resolved, Simulation, Stepped};
