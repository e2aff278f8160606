//! routeflow: a runtime for Designer-style task-routing applications.
//!
//! The pipeline is visible in the module tree: [`expr`] (the ECMAScript-subset expression language),
//! [`skill`] (Genesys skill expressions), [`table`] (data tables, CSV), [`diagnostic`] (located errors), and
//! [`cli`] (the commands).
#![forbid(unsafe_code)]

pub mod center;
pub mod cli;
pub mod diagnostic;
pub mod expr;
pub mod flow;
pub mod graph;
pub mod model;
pub mod render;
pub mod replay;
pub mod routing;
pub mod runtime;
pub mod script;
pub mod skill;
pub mod suite;
pub mod table;
pub mod workitem;
pub mod workload;
