//! The expression language: a safe subset of ECMAScript (SPEC §5.1).
//!
//! Source → [`parse`] → [`ast::Expr`] (spans) → [`compile`] against a [`Scope`] → [`Expression`]
//! (variable slots, built-ins resolved, constants folded) → [`Expression::eval`] on a frame of values.
//!
//! The rule: whenever an expression evaluates without error, its value is exactly what JavaScript gives
//! for it with the same variable values; where JavaScript would silently convert a type, evaluation fails
//! with an [`EvalError`] naming the operator and both types.

mod arguments;
pub mod ast;
mod builtins;
mod compile;
mod error;
pub mod js;
mod kind;
mod methods;
mod operators;
mod parse;
mod print;
mod program;
mod sources;
mod suggest;
mod text;
pub mod value;

pub use compile::{Scope, WORKITEM, WORKITEM_FIELDS, compile, compile_ast, is_reserved};
pub use error::{EvalError, MAX_LIST_LEN, MAX_STRING_LEN};
pub use parse::{MAX_DEPTH, MAX_NESTING, parse};
pub use print::write_string_literal;
pub use program::Expression;
pub use sources::{Conversion, Source};
pub use suggest::closest;
pub use value::{Kind, Text, Value, write_json_string};
