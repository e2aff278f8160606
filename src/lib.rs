//! routeflow: a runtime for Designer-style task-routing applications.
//!
//! The pipeline is visible in the module tree. Languages: [`expr`] (the ECMAScript-subset expression
//! language), [`skill`] (Genesys skill expressions), [`script`] (rhai extensions, sandboxed). Inputs:
//! [`model`] (flow files, YAML), [`table`] (data tables, CSV), [`center`] (the simulated contact center),
//! [`workitem`] (JSON Lines), [`suite`] (flow test suites). Loading: [`graph`] (checks and the petgraph
//! DAG), [`flow`] (a flow loaded whole). Running: [`runtime`] (the async interpreter), [`time`] (virtual
//! time), [`routing`] (the simulation), [`replay`] (the driver and outcomes). Around them: [`diagnostic`]
//! (located errors), [`render`] (DOT, Mermaid, SVG), [`coverage`] (blocks entered and left, per replay), [`workload`] (`gen`), [`serve`] (the HTTP layer of
//! `routeflow serve`), [`journal`] (its durable record of
//! every state change), and [`cli`] (the commands).
#![forbid(unsafe_code)]

pub mod center;
pub mod cli;
pub mod compare;
pub mod coverage;
pub mod demo;
pub mod diagnostic;
pub mod expr;
pub mod flow;
pub mod graph;
pub mod journal;
pub mod live;
pub mod model;
pub mod render;
pub mod replay;
pub mod routing;
pub mod runtime;
pub mod script;
pub mod serve;
pub mod skill;
pub mod suite;
pub mod table;
pub mod time;
pub mod workitem;
pub mod workload;
