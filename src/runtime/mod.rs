//! The async interpreter (SPEC §2): one workitem at a time through a loaded [`Flow`](crate::flow::Flow),
//! one tokio task each. Blocks run in zero time; Route blocks await a [`RoutingPort`], the only thing the
//! interpreter knows of routing, so that replays (the simulated contact center in [`crate::routing`])
//! and live traffic share it.

mod frame;
mod interpreter;
mod port;
pub mod secure;
mod trace;

pub use frame::{Facts, Frame};
pub use interpreter::{End, Ended, Routing, Runner};
pub use port::{Exit, RouteRequest, RouteResult, RouteTarget, RoutingPort};
pub use secure::Secrets;
pub use trace::TraceEntry;
