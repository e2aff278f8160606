//! Diagnostics as JSON: what a server answers about a published bundle (SPEC §9.4), and what
//! `routeflow publish` renders again against the local files, as `routeflow check` would.

use super::report::Report;
use super::{Diagnostic, Severity, SourceFile, Span};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// One diagnostic, located.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiagnosticJson {
    /// `error` or `warning`.
    #[schema(example = "error")]
    pub severity: String,
    /// The file it is in (its name in the bundle).
    pub file: String,
    /// Where in it: line and column (from 1), and the byte range; none for a diagnostic about the
    /// file as a whole (it is not in the bundle).
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub start: Option<u32>,
    pub end: Option<u32>,
    /// The id of the block it is about.
    pub block: Option<String>,
    /// What is wrong.
    pub message: String,
    /// A note at the place.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Report {
    /// Every diagnostic, in the order [`Report::render`] shows them.
    pub fn to_json(&self) -> Vec<DiagnosticJson> {
        self.located()
            .map(|(name, file, diagnostic)| {
                let place = file.map(|file| file.line_col(diagnostic.span.start as usize));
                DiagnosticJson {
                    severity: diagnostic.severity.as_str().to_owned(),
                    file: name.to_owned(),
                    line: place.map(|at| at.line),
                    col: place.map(|at| at.col),
                    start: file.map(|_| diagnostic.span.start),
                    end: file.map(|_| diagnostic.span.end),
                    block: diagnostic.block.clone(),
                    message: diagnostic.message.clone(),
                    label: diagnostic.label.clone(),
                    help: diagnostic.help.clone(),
                }
            })
            .collect()
    }

    /// The report `diagnostics` make against the files `text_of` gives (by their names in the
    /// diagnostics: the name to show, and the text), in their order. A diagnostic whose file is not
    /// given, or whose range is not in it, is shown as about its file as a whole.
    pub fn from_json(
        diagnostics: &[DiagnosticJson],
        text_of: impl Fn(&str) -> Option<(String, String)>,
    ) -> Report {
        let mut files: HashMap<&str, Option<Arc<SourceFile>>> = HashMap::new();
        let mut report = Report::new();
        for json in diagnostics {
            let file = files
                .entry(json.file.as_str())
                .or_insert_with(|| {
                    text_of(&json.file).map(|(name, text)| Arc::new(SourceFile::new(name, text)))
                })
                .clone();
            let severity = match json.severity.as_str() {
                "warning" => Severity::Warning,
                _ => Severity::Error,
            };
            let span = match (json.start, json.end) {
                (Some(start), Some(end)) => Some(Span::new(start as usize, end as usize)),
                _ => None,
            };
            let diagnostic = Diagnostic {
                severity,
                message: json.message.clone(),
                span: span.unwrap_or_default(),
                label: json.label.clone(),
                help: json.help.clone(),
                block: json.block.clone(),
            };
            let located = file.filter(|file| {
                span.is_some_and(|span| {
                    span.start <= span.end
                        && file.text().is_char_boundary(span.start as usize)
                        && file.text().is_char_boundary(span.end as usize)
                })
            });
            match located {
                Some(file) => report.add(&file, vec![diagnostic]),
                None => report.add_file(json.file.clone(), diagnostic),
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_go_to_json_and_back_rendered_the_same() {
        let file = Arc::new(SourceFile::new("flow.yaml", "a: 1\nb: [\n"));
        let mut report = Report::new();
        report.add(
            &file,
            vec![
                Diagnostic::error(Span::new(5, 6), "bad b")
                    .with_help("fix b")
                    .with_label("here")
                    .in_block("b1"),
                Diagnostic::warning(Span::new(0, 1), "odd a"),
            ],
        );
        report.add_file(
            "tables/t.csv",
            Diagnostic::error(Span::default(), "cannot read it"),
        );
        let json = report.to_json();
        assert_eq!(json.len(), 3);
        assert_eq!((json[1].line, json[1].col), (Some(2), Some(1)));
        assert_eq!(json[1].block.as_deref(), Some("b1"));
        assert_eq!(json[2].line, None);
        let again = Report::from_json(&json, |name| {
            (name == "flow.yaml").then(|| (name.to_owned(), file.text().to_owned()))
        });
        assert_eq!(again.render(), report.render());
        assert_eq!((again.errors(), again.warnings()), (2, 1));
    }

    #[test]
    fn a_range_outside_the_local_file_is_shown_without_a_place() {
        let json = vec![DiagnosticJson {
            severity: "error".to_owned(),
            file: "flow.yaml".to_owned(),
            line: Some(9),
            col: Some(1),
            start: Some(900),
            end: Some(901),
            block: None,
            message: "far".to_owned(),
            label: None,
            help: None,
        }];
        let report = Report::from_json(&json, |_| Some(("f".to_owned(), "short".to_owned())));
        assert_eq!(report.render(), "flow.yaml: error: far\n");
    }
}
