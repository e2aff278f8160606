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
    let (shown, caret_pad, carets) = snippet(line_text, from, to);

    out.push_str(&format!("{gutter} |\n"));
    out.push_str(&format!("{number} | {shown}\n"));
    out.push_str(&format!(
        "{gutter} | {}{}",
        " ".repeat(caret_pad),
        "^".repeat(carets)
    ));
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

/// Widest source line shown whole; a longer one is cut to a window around the span.
const MAX_SHOWN: usize = 160;
/// How much of a long line is shown before the span.
const BEFORE_SPAN: usize = 60;

/// The line as shown (tabs expanded, control and bidirectional-override characters escaped, cut to a
/// window around the span when too long), the caret's column in it and the number of carets.
fn snippet(line: &str, from: usize, to: usize) -> (String, usize, usize) {
    // Only a window of a long line can be shown: look no further than that (a character is at most
    // four bytes), so that a line of megabytes costs no more than a short one.
    let reach = 4 * MAX_SHOWN;
    let (skipped, kept) = split_at_chars(line, from.saturating_sub(reach), to.max(from) + reach);
    let (lo, hi) = (skipped.len(), skipped.len() + kept.len());
    let (before, under) = split_at_chars(kept, from - lo, to - lo);
    let pieces: Vec<(usize, String)> = kept
        .char_indices()
        .map(|(at, c)| (at, shown_char(c)))
        .collect();
    let width =
        |range: &[(usize, String)]| range.iter().map(|(_, s)| display_width(s)).sum::<usize>();
    let first = pieces.partition_point(|(at, _)| *at < before.len());
    let last = pieces.partition_point(|(at, _)| *at < before.len() + under.len());
    let carets = width(&pieces[first..last]).clamp(1, MAX_SHOWN);
    if lo == 0 && hi == line.len() && width(&pieces) <= MAX_SHOWN {
        let shown: String = pieces.iter().map(|(_, s)| s.as_str()).collect();
        return (shown, width(&pieces[..first]), carets);
    }
    // Walk back from the span until BEFORE_SPAN columns are taken, forward until the line is full.
    let mut start = first;
    let mut taken = 0;
    while start > 0 && taken + display_width(&pieces[start - 1].1) <= BEFORE_SPAN {
        start -= 1;
        taken += display_width(&pieces[start].1);
    }
    let mut end = first;
    let mut room = MAX_SHOWN - taken;
    while end < pieces.len() && display_width(&pieces[end].1) <= room {
        room -= display_width(&pieces[end].1);
        end += 1;
    }
    let mut shown = String::new();
    let mut pad = taken;
    if start > 0 || lo > 0 {
        shown.push('…');
        pad += 1;
    }
    shown.extend(pieces[start..end].iter().map(|(_, s)| s.as_str()));
    if end < pieces.len() || hi < line.len() {
        shown.push('…');
    }
    let carets = carets.min(width(&pieces[first..end]).max(1));
    (shown, pad, carets)
}

/// How a character of a source line is shown: a tab as spaces, a character that would move the cursor,
/// ring a bell or reorder the line (control characters, bidirectional overrides) as an escape.
fn shown_char(c: char) -> String {
    match c {
        '\t' => TAB.to_owned(),
        c if super::is_hidden(c) => format!("\\u{{{:x}}}", c as u32),
        c => c.to_string(),
    }
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
    fn control_characters_in_the_line_are_escaped_and_the_caret_follows() {
        let file = SourceFile::new("f", "a: \u{1b}[31mred\u{202e} x");
        let at = "a: \u{1b}[31mred\u{202e} ".len();
        let text = render(&Diagnostic::error(Span::new(at, at + 1), "m"), &file);
        let shown = text.lines().nth(2).unwrap();
        assert_eq!(shown, "1 | a: \\u{1b}[31mred\\u{202e} x", "{text}");
        let caret = text.lines().nth(3).unwrap();
        assert_eq!(caret.find('^'), shown.find('x'), "{text}");
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_span() {
        let line = format!("k: {}x{}", "[".repeat(10_000), "]".repeat(10_000));
        let file = SourceFile::new("f", &line);
        let at = 3 + 10_000;
        let text = render(&Diagnostic::error(Span::new(at, at + 1), "m"), &file);
        let shown = text.lines().nth(2).unwrap();
        let caret = text.lines().nth(3).unwrap();
        assert!(shown.chars().count() < MAX_SHOWN + 10, "{shown}");
        assert!(
            shown.starts_with("1 | …[[[") && shown.ends_with("]]]…"),
            "{shown}"
        );
        let column = |s: &str, c: char| s.chars().position(|x| x == c).unwrap();
        assert_eq!(column(caret, '^'), column(shown, 'x'), "{text}");
    }

    #[test]
    fn empty_span_still_shows_one_caret() {
        let file = SourceFile::new("f", "abc");
        let text = render(&Diagnostic::error(Span::new(3, 3), "end"), &file);
        assert!(text.ends_with("1 | abc\n  |    ^\n"), "{text}");
    }
}
