//! What a suite file becomes once read: the flow to run, and cases of workitems with expected outcome
//! fields. The file format itself is described in `docs/testing.md`.

use crate::center::Center;
use crate::runtime::Runner;
use serde_json::Value as Json;
use std::path::PathBuf;
use std::sync::Arc;

/// A suite: one flow, and the cases run through it.
#[derive(Debug)]
pub struct Suite {
    /// The suite file, as shown in results.
    pub file: String,
    /// The flow (with its table replacements), ready to run.
    pub runner: Arc<Runner>,
    /// The cases, in file order.
    pub cases: Vec<Case>,
    /// For each center file the cases use: the flow's file, the center's, and the names of agents,
    /// groups and skills the flow's targets may use that no agent of the center has (warnings).
    pub against_centers: Vec<(PathBuf, PathBuf, crate::diagnostic::Report)>,
}

/// One case: workitems replayed against a center, and what their outcomes must hold.
#[derive(Debug)]
pub struct Case {
    /// The case's name, unique in its suite.
    pub name: String,
    /// Where the case is: `file:line`.
    pub at: String,
    /// The contact center the workitems are routed to.
    pub center: Arc<Center>,
    /// The workitems as JSON Lines text, exactly as a replay reads them.
    pub input: String,
    /// Whether outcomes carry their trace (some expectation compares it).
    pub trace: bool,
    /// The expectations, in file order.
    pub expect: Vec<Expectation>,
}

/// What one workitem's outcome must hold.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// Which outcome it is about.
    pub select: Select,
    /// Where it is: `file:line:col`.
    pub at: String,
    /// The fields compared, in file order, with the expected value (as JSON).
    pub fields: Vec<(Field, Json)>,
}

/// How an expectation finds its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Select {
    /// The outcome of the workitem with this id; when several have it, expectations naming it take
    /// their outcomes in input order.
    Id(String),
    /// The outcome of the input line with this 1-based number.
    Line(usize),
}

/// A field an expectation can compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `id` (compared when the expectation selects by `line`).
    Id,
    /// `outcome`: routed, unrouted, stopped or error.
    Outcome,
    /// `agent`.
    Agent,
    /// `block`: the Route block that routed the workitem.
    Block,
    /// `target`: a subset of `{kind, value}`.
    Target,
    /// `arrive_s`.
    ArriveS,
    /// `routed_s`.
    RoutedS,
    /// `wait_s`.
    WaitS,
    /// `done_s`.
    DoneS,
    /// `ended_s`.
    EndedS,
    /// `userdata`: the keys given must be there with these values; others may be too.
    Userdata,
    /// `userdata_exact`: exactly these keys with these values (order aside).
    UserdataExact,
    /// `error`: the whole message.
    Error,
    /// `error_contains`: text (or a list of texts) the error message holds.
    ErrorContains,
    /// `warnings`: the whole list.
    Warnings,
    /// `warnings_contain`: text (or a list of texts) each found in one of the warnings.
    WarningsContain,
    /// `trace`: the blocks executed, each a block id or a subset of `{block, at_s, note}`.
    Trace,
}

/// What an expected value may be, checked when the suite is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A string or `null`.
    Text,
    /// A number of seconds or `null`.
    Seconds,
    /// One of the outcome words.
    OutcomeWord,
    /// A mapping (a subset of the outcome's) or `null`.
    Mapping,
    /// A string or a list of strings.
    Texts,
    /// A list of strings.
    TextList,
    /// A list of block ids or `{block, at_s, note}` mappings.
    Trace,
}

impl Field {
    /// Every field, with its key and the shape of its expected value.
    pub const ALL: [(Field, &'static str, Shape); 17] = [
        (Field::Id, "id", Shape::Text),
        (Field::Outcome, "outcome", Shape::OutcomeWord),
        (Field::Agent, "agent", Shape::Text),
        (Field::Block, "block", Shape::Text),
        (Field::Target, "target", Shape::Mapping),
        (Field::ArriveS, "arrive_s", Shape::Seconds),
        (Field::RoutedS, "routed_s", Shape::Seconds),
        (Field::WaitS, "wait_s", Shape::Seconds),
        (Field::DoneS, "done_s", Shape::Seconds),
        (Field::EndedS, "ended_s", Shape::Seconds),
        (Field::Userdata, "userdata", Shape::Mapping),
        (Field::UserdataExact, "userdata_exact", Shape::Mapping),
        (Field::Error, "error", Shape::Text),
        (Field::ErrorContains, "error_contains", Shape::Texts),
        (Field::Warnings, "warnings", Shape::TextList),
        (Field::WarningsContain, "warnings_contain", Shape::Texts),
        (Field::Trace, "trace", Shape::Trace),
    ];

    /// The field with key `key`.
    pub fn from_key(key: &str) -> Option<(Field, Shape)> {
        Field::ALL
            .iter()
            .find(|(_, k, _)| *k == key)
            .map(|&(field, _, shape)| (field, shape))
    }

    /// The key in suite files.
    pub fn key(self) -> &'static str {
        Field::ALL
            .iter()
            .find(|(f, ..)| *f == self)
            .map_or("", |(_, key, _)| key)
    }

    /// The key of the outcome line this field is compared with.
    pub fn outcome_key(self) -> &'static str {
        match self {
            Field::UserdataExact => "userdata",
            Field::ErrorContains => "error",
            Field::WarningsContain => "warnings",
            other => other.key(),
        }
    }
}
