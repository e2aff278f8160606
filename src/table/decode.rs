//! From a file's bytes to its text: the byte order mark dropped, invalid UTF-8 reported by line.
//!
//! Invalid bytes become U+FFFD in the text, so the rest of the file can still be checked and the error can
//! be shown with its line; a table with any of them does not load.

use crate::diagnostic::{Diagnostic, SourceFile, Span};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text of `bytes` as a file named `path`, and one error per line holding invalid UTF-8.
pub(super) fn decode(path: &str, bytes: &[u8]) -> (SourceFile, Vec<Diagnostic>) {
    // Dropped before indexing lines, so the columns of line 1 do not count it.
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut text = String::with_capacity(bytes.len());
    let mut invalid = Vec::new();
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            let at = text.len();
            text.push(char::REPLACEMENT_CHARACTER);
            invalid.push(Span::new(at, text.len()));
        }
    }
    let file = SourceFile::new(path, text);

    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut last_line = 0;
    for span in invalid {
        let line = file.line_col(span.start as usize).line;
        match errors.last_mut() {
            Some(error) if line == last_line => error.span = error.span.to(span),
            _ => errors.push(
                Diagnostic::error(span, format!("invalid UTF-8 on line {line}"))
                    .with_label("not UTF-8 (shown as �)")
                    .with_help("save the file as UTF-8 (in Excel: \"CSV UTF-8\")"),
            ),
        }
        last_line = line;
    }
    (file, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_the_byte_order_mark_and_marks_invalid_bytes_once_per_line() {
        let (file, errors) = decode("t.csv", b"\xEF\xBB\xBFa\xff\xfe,b\nc\n\xc3");
        assert_eq!(file.text(), "a\u{fffd}\u{fffd},b\nc\n\u{fffd}");
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].span, Span::new(1, 7));
        assert_eq!(errors[1].message, "invalid UTF-8 on line 3");
    }
}
