//! Diagnostics: located errors and warnings, and their rendering for people.
//!
//! Every stage reports problems as [`Diagnostic`] values carrying a [`Span`]; only the command line turns
//! them into text, in the stable `file:line:col: error: message` form followed by the source line and a caret.

mod json;
mod render;
mod report;
mod span;

pub use json::DiagnosticJson;
pub use render::render;
pub use report::Report;
pub use span::{LineCol, SourceFile, Span};

/// `text` with its control characters escaped (`\n`, `\t`, `\u{1b}`): names quoted from a file may
/// hold line breaks, and a diagnostic's parts each stay on one line.
pub fn one_line(text: &str) -> String {
    if !text.contains(is_hidden) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| match is_hidden(c) {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

/// Whether `c` would move the cursor, ring a bell, reorder the line around it (bidirectional
/// controls: "Trojan Source") or vanish (a byte order mark) if printed: such characters are shown
/// escaped in diagnostics.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        )
}

/// `n` and `word`, in the plural unless `n` is 1: "1 error", "3 errors".
pub fn counted(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Something worth fixing that does not stop the flow from loading.
    Warning,
    /// Something that stops the flow (or expression) from loading or evaluating.
    Error,
}

impl Severity {
    /// The word shown in the diagnostic header.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One located problem, with what is wrong, where, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, one line.
    pub message: String,
    /// Where, in the source the diagnostic is rendered against.
    pub span: Span,
    /// A short note printed next to the caret.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
    /// The id of the block the problem is in, when there is one.
    pub block: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: None,
            help: None,
            block: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(span, message)
        }
    }

    /// The same diagnostic with a note under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// The same diagnostic with a hint on how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The same diagnostic, attributed to block `id`.
    pub fn in_block(mut self, id: impl Into<String>) -> Diagnostic {
        self.block = Some(id.into());
        self
    }

    /// The same diagnostic with its span moved `by` bytes (an expression embedded in a file).
    pub fn shifted(mut self, by: usize) -> Diagnostic {
        self.span = self.span.shifted(by);
        self
    }

    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
