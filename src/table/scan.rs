//! Splitting CSV text into records and fields, keeping the byte span of every field.
//!
//! RFC 4180 with the strictness a routing table deserves: fields are separated by `,`, records by `\n` or
//! `\r\n`; a field that starts with `"` is quoted (it may hold commas, quotes written `""`, and line breaks);
//! any other `"` is a mistake, as is anything between a closing quote and the next separator. Mistakes
//! are reported as [`Malformed`] and scanning goes on, so one pass finds every problem of a file.

use std::borrow::Cow;

use crate::diagnostic::Span;

/// One field of a record: where it is in the text (quotes included) and its value (quotes removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Field<'a> {
    pub span: Span,
    pub value: Cow<'a, str>,
}

/// A quoting mistake found while scanning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Malformed {
    /// The quote at this offset opens a field that is never closed: the field runs to the end of the text.
    Unterminated { quote: usize },
    /// A `"` at `quote` inside `field`, which does not start with a quote.
    StrayQuote { quote: usize, field: Span },
    /// Text (`after`) between the closing quote of `field` and the next separator.
    AfterClosingQuote { after: Span, field: Span },
}

/// Reads records one at a time from `text`, starting at a byte offset.
pub(super) struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    /// A scanner over `text` from byte `start` (which callers take from a span this module produced).
    pub fn new(text: &'a str, start: usize) -> Scanner<'a> {
        let pos = if text.is_char_boundary(start) {
            start
        } else {
            text.len()
        };
        Scanner { text, pos }
    }

    /// The next record's fields into `fields` (cleared first) and its span, or `None` at the end of the
    /// text. Blank lines are skipped: they hold no record.
    pub fn record(
        &mut self,
        fields: &mut Vec<Field<'a>>,
        problems: &mut Vec<Malformed>,
    ) -> Option<Span> {
        let bytes = self.text.as_bytes();
        loop {
            match &bytes[self.pos..] {
                [] => return None,
                [b'\n', ..] => self.pos += 1,
                [b'\r', b'\n', ..] => self.pos += 2,
                [b'\r'] => self.pos += 1,
                _ => break,
            }
        }
        fields.clear();
        let start = self.pos;
        loop {
            let field = if bytes.get(self.pos) == Some(&b'"') {
                self.quoted(problems)
            } else {
                self.unquoted(problems)
            };
            let end = field.span.end as usize;
            fields.push(field);
            match bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(_) => {
                    self.pos = line_end(bytes, self.pos);
                    return Some(Span::new(start, end));
                }
                None => return Some(Span::new(start, end)),
            }
        }
    }

    /// A field that does not start with a quote; stops at the separator or line terminator.
    fn unquoted(&mut self, problems: &mut Vec<Malformed>) -> Field<'a> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut stray = None;
        let mut end = start;
        while let Some(&byte) = bytes.get(end) {
            match byte {
                b',' | b'\n' => break,
                b'\r' if is_line_end(bytes, end) => break,
                b'"' if stray.is_none() => stray = Some(end),
                _ => {}
            }
            end += 1;
        }
        self.pos = end;
        let span = Span::new(start, end);
        if let Some(quote) = stray {
            problems.push(Malformed::StrayQuote { quote, field: span });
        }
        Field {
            span,
            value: Cow::Borrowed(&self.text[start..end]),
        }
    }

    /// A field that starts with a quote; `""` inside stands for one quote.
    fn quoted(&mut self, problems: &mut Vec<Malformed>) -> Field<'a> {
        let bytes = self.text.as_bytes();
        let open = self.pos;
        let mut at = open + 1;
        let mut escaped = false;
        let close = loop {
            match bytes[at..].iter().position(|&b| b == b'"') {
                None => break None,
                Some(i) if bytes.get(at + i + 1) == Some(&b'"') => {
                    escaped = true;
                    at += i + 2;
                }
                Some(i) => break Some(at + i),
            }
        };
        let Some(close) = close else {
            problems.push(Malformed::Unterminated { quote: open });
            self.pos = bytes.len();
            return Field {
                span: Span::new(open, bytes.len()),
                value: unescape(&self.text[open + 1..], escaped),
            };
        };
        let value = unescape(&self.text[open + 1..close], escaped);
        let mut end = close + 1;
        while let Some(&byte) = bytes.get(end) {
            match byte {
                b',' | b'\n' => break,
                b'\r' if is_line_end(bytes, end) => break,
                _ => end += 1,
            }
        }
        if end > close + 1 {
            problems.push(Malformed::AfterClosingQuote {
                after: Span::new(close + 1, end),
                field: Span::new(open, end),
            });
        }
        self.pos = end;
        Field {
            span: Span::new(open, end),
            value,
        }
    }
}

/// Whether the `\r` at `at` ends a line (`\r\n`, or a `\r` ending the text).
fn is_line_end(bytes: &[u8], at: usize) -> bool {
    matches!(bytes.get(at + 1), None | Some(b'\n'))
}

/// The offset after the line terminator starting at `at`.
fn line_end(bytes: &[u8], at: usize) -> usize {
    match &bytes[at..] {
        [b'\r', b'\n', ..] => at + 2,
        [_, ..] => at + 1,
        [] => at,
    }
}

fn unescape(raw: &str, escaped: bool) -> Cow<'_, str> {
    if escaped {
        Cow::Owned(raw.replace("\"\"", "\""))
    } else {
        Cow::Borrowed(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> (Vec<Vec<String>>, Vec<Malformed>) {
        let mut scanner = Scanner::new(text, 0);
        let (mut fields, mut problems, mut out) = (Vec::new(), Vec::new(), Vec::new());
        while scanner.record(&mut fields, &mut problems).is_some() {
            out.push(fields.iter().map(|f| f.value.to_string()).collect());
        }
        (out, problems)
    }

    #[test]
    fn splits_fields_and_records_with_either_line_ending() {
        let (rows, problems) = records("a,b\r\nc,\n\n,d\r\n");
        assert_eq!(rows, [vec!["a", "b"], vec!["c", ""], vec!["", "d"]]);
        assert!(problems.is_empty());
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_breaks() {
        let (rows, problems) = records("\"a,\"\"b\"\"\r\nc\",\"\"\n");
        assert_eq!(rows, [vec!["a,\"b\"\r\nc", ""]]);
        assert!(problems.is_empty());
    }

    #[test]
    fn spans_cover_the_raw_field_and_the_record() {
        let mut scanner = Scanner::new("x\n\"é\",b\r\n", 0);
        let (mut fields, mut problems) = (Vec::new(), Vec::new());
        scanner.record(&mut fields, &mut problems);
        let span = scanner.record(&mut fields, &mut problems);
        assert_eq!(span, Some(Span::new(2, 8)));
        assert_eq!(fields[0].span, Span::new(2, 6));
        assert_eq!(fields[1].span, Span::new(7, 8));
    }

    #[test]
    fn reports_each_quoting_mistake() {
        let (_, problems) = records("a\"b,\"c\"d\n\"open");
        assert_eq!(
            problems,
            [
                Malformed::StrayQuote {
                    quote: 1,
                    field: Span::new(0, 3)
                },
                Malformed::AfterClosingQuote {
                    after: Span::new(7, 8),
                    field: Span::new(4, 8)
                },
                Malformed::Unterminated { quote: 9 },
            ]
        );
    }

    #[test]
    fn a_start_inside_a_character_yields_nothing() {
        let mut scanner = Scanner::new("é", 1);
        assert_eq!(scanner.record(&mut Vec::new(), &mut Vec::new()), None);
    }
}
