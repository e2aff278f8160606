//! Rendering of diagnostics as text for people.
//!
//! The header is the stable, grep-able `file:line:col: severity: message` form that editors and CI logs
//! understand (GCC style); below it come the offending source line, a caret under the span, and the hint.
//! None of the renderer crates (miette, ariadne, annotate-snippets) print that GCC-style header, which is
//! part of the command-line contract, so this short renderer is our own.

use super::{Diagnostic, SourceFile};
use unicode_width::UnicodeWidthChar;

const TAB: &str = "    ";

/// Render `diagnostic` against the source it points into.
pub fn render(diagnostic: &Diagnostic, file: &SourceFile) -> String {
    let start = file.line_col(diagnostic.span.start as usize);
    let mut out = format!(
        "{}:{}:{}: {}: {}",
        file.name(),
        start.line,
        start.col,
        diagnostic.severity.as_str(),
        diagnostic.message
    );
    if let Some(block) = &diagnostic.block {
        out.push_str(&format!(" (block `{block}`)"));
    }
    out.push('\n');

    let line_text = file.line_text(start.line);
    let number = start.line.to_string();
    let gutter = " ".repeat(number.len());
    let line_start = file.line_start(start.line);
    // A span may start past the line's shown text: on the `\r` that ends a file without a final `\n`.
    let from = (diagnostic.span.start as usize)
        .saturating_sub(line_start)
        .min(line_text.len());
    let to = (diagnostic.span.end as usize)
        .saturating_sub(line_start)
        .clamp(from, line_text.len());
    let (before, under) = split_at_chars(line_text, from, to);
    let caret_pad = " ".repeat(display_width(before));
    let carets = "^".repeat(display_width(under).max(1));

    out.push_str(&format!("{gutter} |\n"));
    out.push_str(&format!("{number} | {}\n", line_text.replace('\t', TAB)));
    out.push_str(&format!("{gutter} | {caret_pad}{carets}"));
    if let Some(label) = &diagnostic.label {
        out.push(' ');
        out.push_str(label);
    }
    out.push('\n');
    if let Some(help) = &diagnostic.help {
        out.push_str(&format!("{gutter} = help: {help}\n"));
    }
    out
}

/// The text before byte `from`, and the text from `from` to `to`, both snapped to character boundaries.
fn split_at_chars(line: &str, from: usize, to: usize) -> (&str, &str) {
    let floor = |mut i: usize| {
        i = i.min(line.len());
        while !line.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (from, to) = (floor(from), floor(to));
    (&line[..from], &line[from..to])
}

fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if c == '\t' {
                TAB.len()
            } else {
                c.width().unwrap_or(0)
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;

    #[test]
    fn renders_header_line_and_caret() {
        let file = SourceFile::new("<expr>", "'a' - 1");
        let diagnostic = Diagnostic::error(Span::new(0, 7), "bad operands")
            .with_label("here")
            .with_help("convert first")
            .in_block("b1");
        assert_eq!(
            render(&diagnostic, &file),
            "<expr>:1:1: error: bad operands (block `b1`)\n  |\n1 | 'a' - 1\n  | ^^^^^^^ here\n  = help: convert first\n"
        );
    }

    #[test]
    fn caret_aligns_after_wide_characters_and_tabs() {
        let file = SourceFile::new("f", "\t😀 x");
        let diagnostic = Diagnostic::error(Span::new(6, 7), "m");
        let text = render(&diagnostic, &file);
        assert!(text.contains("1 |     😀 x\n  |        ^\n"), "{text}");
    }

    #[test]
    fn a_span_on_a_carriage_return_ending_the_file_points_after_the_line() {
        // Found by the `center` fuzz target: the line's text stops before the `\r`, the span after it.
        let file = SourceFile::new("f", "a: b\nkey\r");
        let text = render(&Diagnostic::error(Span::new(9, 9), "end"), &file);
        assert!(text.ends_with("2 | key\n  |    ^\n"), "{text}");
    }

    #[test]
    fn empty_span_still_shows_one_caret() {
        let file = SourceFile::new("f", "abc");
        let text = render(&Diagnostic::error(Span::new(3, 3), "end"), &file);
        assert!(text.ends_with("1 | abc\n  |    ^\n"), "{text}");
    }
}
