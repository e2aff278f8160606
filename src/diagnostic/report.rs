//! Diagnostics from several files (a flow and its data tables), in a stable order, rendered together.

use super::{Diagnostic, Severity, SourceFile, one_line, render};
use std::sync::Arc;

/// `diagnostic` with each part on one line, whichever stage made it (a table's message may quote a key
/// column name the flow wrote across lines), so that its `file:line:col: error: ...` header stays whole.
fn on_one_line(mut diagnostic: Diagnostic) -> Diagnostic {
    diagnostic.message = one_line(&diagnostic.message);
    diagnostic.label = diagnostic.label.as_deref().map(one_line);
    diagnostic.help = diagnostic.help.as_deref().map(one_line);
    diagnostic.block = diagnostic.block.as_deref().map(one_line);
    diagnostic
}

/// Every diagnostic of one load, each with the file it points into.
#[derive(Debug, Default, Clone)]
pub struct Report {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
enum Entry {
    /// A diagnostic located in a file's text.
    Located(Arc<SourceFile>, Diagnostic),
    /// A diagnostic about a file as a whole (it could not be read).
    File(String, Diagnostic),
}

impl Report {
    /// An empty report.
    pub fn new() -> Report {
        Report::default()
    }

    /// Add diagnostics located in `file`, sorted by position (stable: same place, recorded order).
    pub fn add(&mut self, file: &Arc<SourceFile>, mut diagnostics: Vec<Diagnostic>) {
        diagnostics.sort_by_key(|d| d.span.start);
        self.entries.extend(
            diagnostics
                .into_iter()
                .map(|d| Entry::Located(file.clone(), on_one_line(d))),
        );
    }

    /// Add a diagnostic about a whole file, e.g. one that cannot be read.
    pub fn add_file(&mut self, path: impl Into<String>, diagnostic: Diagnostic) {
        self.entries
            .push(Entry::File(path.into(), on_one_line(diagnostic)));
    }

    /// Read the text file at `path`, the `what` file (`center`, `workload`), or a report saying why it
    /// cannot be read: a file that is not UTF-8 is pointed at its first bad byte.
    pub fn read_text(path: &std::path::Path, what: &str) -> Result<Arc<SourceFile>, Report> {
        let shown = path.display().to_string();
        let mut report = Report::new();
        match std::fs::read(path).map(String::from_utf8) {
            Ok(Ok(text)) => Ok(Arc::new(SourceFile::new(shown, text))),
            Ok(Err(error)) => {
                let at = error.utf8_error().valid_up_to();
                let valid = String::from_utf8_lossy(&error.as_bytes()[..at]).into_owned();
                let file = Arc::new(SourceFile::new(shown, valid));
                let message = format!("the {what} file is not UTF-8 text");
                let diagnostic = Diagnostic::error(super::Span::new(at, at), message)
                    .with_help("save it as UTF-8");
                report.add(&file, vec![diagnostic]);
                Err(report)
            }
            Err(error) => {
                let message = format!("cannot read the {what} file: {error}");
                report.add_file(shown, Diagnostic::error(super::Span::default(), message));
                Err(report)
            }
        }
    }

    /// Add every entry of `other`.
    pub fn append(&mut self, other: Report) {
        self.entries.extend(other.entries);
    }

    /// Each diagnostic with the name of its file, and the file when it is located in its text.
    pub(super) fn located(&self) -> impl Iterator<Item = (&str, Option<&SourceFile>, &Diagnostic)> {
        self.entries.iter().map(|entry| match entry {
            Entry::Located(file, d) => (file.name(), Some(&**file), d),
            Entry::File(name, d) => (name.as_str(), None, d),
        })
    }

    fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.entries.iter().map(|entry| match entry {
            Entry::Located(_, d) | Entry::File(_, d) => d,
        })
    }

    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every diagnostic as `file:line:col: severity: message` with its source line and caret.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for entry in &self.entries {
            match entry {
                Entry::Located(file, diagnostic) => out.push_str(&render(diagnostic, file)),
                Entry::File(path, diagnostic) => {
                    out.push_str(&format!(
                        "{path}: {}: {}\n",
                        diagnostic.severity.as_str(),
                        diagnostic.message
                    ));
                    if let Some(help) = &diagnostic.help {
                        out.push_str(&format!("  = help: {help}\n"));
                    }
                }
            }
        }
        out
    }

    /// The messages alone, for tests.
    pub fn messages(&self) -> Vec<String> {
        self.diagnostics().map(|d| d.message.clone()).collect()
    }
}
