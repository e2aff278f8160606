//! JUnit XML for CI (`routeflow test --junit FILE`): a `testsuite` per suite file, a `testcase` per case,
//! the case's diff as its `failure`; an invalid suite file is one `testcase` with an `error` holding its
//! diagnostics.
//!
//! Written by hand rather than with an XML crate: the document is four elements deep and its only
//! subtlety is escaping ([`escape`] for attributes, with line breaks as character references so that
//! parsers keep them; [`escape_text`] for content; characters XML 1.0 cannot carry become U+FFFD).
//! No `time` attributes: the same results always give the same file.

use super::CaseResult;
use std::fmt::Write as _;

/// One suite file's results.
#[derive(Debug, Clone, Copy)]
pub struct SuiteReport<'a> {
    /// The suite file, as shown in results.
    pub file: &'a str,
    /// What happened to it.
    pub ran: Ran<'a>,
}

/// What happened to a suite file.
#[derive(Debug, Clone, Copy)]
pub enum Ran<'a> {
    /// Its cases ran.
    Cases(&'a [CaseResult]),
    /// It is invalid: its diagnostics, rendered.
    Invalid(&'a str),
}

/// The JUnit XML document for `reports`.
pub fn write(reports: &[SuiteReport<'_>]) -> String {
    let count = |report: &SuiteReport<'_>| match report.ran {
        Ran::Cases(cases) => (cases.len(), cases.iter().filter(|c| !c.passed()).count(), 0),
        Ran::Invalid(_) => (1, 0, 1),
    };
    let totals = reports
        .iter()
        .map(count)
        .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"routeflow test\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        totals.0, totals.1, totals.2
    );
    for report in reports {
        let (tests, failures, errors) = count(report);
        let file = escape(report.file);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{file}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">"
        );
        // Tools that split `classname` at dots would cut `cases.yaml` in two.
        let class = escape(report.file.strip_suffix(".yaml").unwrap_or(report.file));
        match report.ran {
            Ran::Cases(cases) => {
                for case in cases {
                    let _ = write!(
                        out,
                        "    <testcase name=\"{}\" classname=\"{class}\" file=\"{file}\"",
                        escape(&case.name)
                    );
                    if case.passed() {
                        out.push_str("/>\n");
                        continue;
                    }
                    let details = case.details();
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\" type=\"mismatch\">{}</failure>\n    </testcase>",
                        escape(&details),
                        escape_text(&details)
                    );
                }
            }
            Ran::Invalid(diagnostics) => {
                let diagnostics = escape_text(diagnostics);
                let _ = writeln!(
                    out,
                    "    <testcase name=\"(suite file)\" classname=\"{class}\" file=\"{file}\">\n      \
                     <error message=\"invalid suite file\" type=\"invalid\">{diagnostics}</error>\n    </testcase>"
                );
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// `text` safe in a double- or single-quoted attribute (line breaks and tabs as character references:
/// parsers turn literal ones into spaces).
pub fn escape(text: &str) -> String {
    escape_in(text, true)
}

/// `text` safe as element content, line breaks kept as they are (readable in the file).
pub fn escape_text(text: &str) -> String {
    escape_in(text, false)
}

fn escape_in(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' if !attribute => out.push(c),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_breaks_and_forbidden_characters() {
        assert_eq!(
            escape("a<b & 'c' \"d\">\n\t\u{1}"),
            "a&lt;b &amp; &apos;c&apos; &quot;d&quot;&gt;&#10;&#9;\u{fffd}"
        );
        assert_eq!(escape_text("a\n\tb\r"), "a\n\tb&#13;");
    }
}
