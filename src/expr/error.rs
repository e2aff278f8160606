//! Evaluation errors.

use crate::diagnostic::{Diagnostic, Span};

/// An expression that failed to evaluate, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError {
    /// The sub-expression that failed.
    pub span: Span,
    /// What went wrong, one line.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl EvalError {
    /// The error as a diagnostic, for rendering against the expression's source.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let diagnostic = Diagnostic::error(self.span, self.message.clone());
        match &self.help {
            Some(help) => diagnostic.with_help(help.clone()),
            None => diagnostic,
        }
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

/// A failure not yet located: operators and functions report these, the evaluator adds the span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// What went wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Fault {
    /// A fault with a message and no hint.
    pub fn new(message: impl Into<String>) -> Fault {
        Fault {
            message: message.into(),
            help: None,
        }
    }

    /// The same fault with a hint.
    pub fn help(mut self, help: impl Into<String>) -> Fault {
        self.help = Some(help.into());
        self
    }

    /// Locate the fault at `span`.
    pub fn at(self, span: Span) -> EvalError {
        EvalError {
            span,
            message: self.message,
            help: self.help,
        }
    }
}

/// Longest string an expression may build (bytes); bounds `repeat`, `padStart` and friends.
pub const MAX_STRING_LEN: usize = 1 << 24;
/// Longest list an expression may build; bounds `split`.
pub const MAX_LIST_LEN: usize = 1 << 20;

/// Check a string length against [`MAX_STRING_LEN`] before building it.
pub fn check_string_len(len: usize) -> Result<(), Fault> {
    if len > MAX_STRING_LEN {
        return Err(Fault::new(format!(
            "the result would be a string of {len} bytes, over the limit of {MAX_STRING_LEN}"
        )));
    }
    Ok(())
}
