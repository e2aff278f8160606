//! rhai extensions (SPEC §5.4): `script` blocks and custom block types, compiled once per flow load
//! and run sandboxed.
//!
//! A flow gets one [`engine`](sandbox::engine) (its limits and its data tables, for `lookup`); every
//! script of the flow is compiled on it to an AST when the flow loads. A run binds the flow variables
//! and user data the script mentions, runs it, and writes back what it may change ([`call`]).

pub mod block_type;
pub mod budget;
pub mod call;
mod compiled;
pub mod convert;
pub mod limits;
pub mod log;
mod natives;
pub mod sandbox;

pub use block_type::{BlockType, Property, PropertyKind};
pub use call::{Binding, Bound, Ran, ScriptCall, Secrecy};
pub use compiled::{Origin, Script, ScriptError, literal_lookups};
pub use limits::ScriptLimits;
/// The rhai engine scripts run on (re-exported: callers hold it in an `Arc`).
pub use rhai::Engine;
