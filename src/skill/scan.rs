//! A rough, never-failing token scan, used around pest rather than instead of it.
//!
//! Before pest runs, it bounds the parenthesis nesting (pest descends recursively, so `((((…` a hundred
//! thousand deep would overflow the stack). After pest fails, it names the tokens around the failure so that
//! the error can say "after `>`" and "found `3`" instead of listing grammar rules.

use super::ast::MAX_NESTING;
use crate::diagnostic::{Diagnostic, Span};

/// What kind of text a token is; only as fine-grained as the error messages need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Name,
    Quoted { terminated: bool },
    Number,
    Operator,
    Open,
    Close,
    And,
    Or,
    Other,
}

/// One token: its kind and byte range.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn text(self, source: &str) -> &str {
        &source[self.start..self.end]
    }

    pub fn span(self) -> Span {
        Span::new(self.start, self.end)
    }
}

/// The tokens of `source`, skipping whitespace.
pub(super) fn tokens(source: &str) -> impl Iterator<Item = Token> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = &source[at..];
        let trimmed = rest.trim_start_matches(is_space);
        let start = at + (rest.len() - trimmed.len());
        let mut chars = trimmed.chars();
        let first = chars.next()?;
        let (kind, len) = match first {
            '(' => (Kind::Open, 1),
            ')' => (Kind::Close, 1),
            '&' => (Kind::And, 1),
            '|' => (Kind::Or, 1),
            '\'' => quoted(trimmed),
            '<' | '>' | '=' | '!' => (Kind::Operator, run(trimmed, |c| "<>=!".contains(c))),
            c if c.is_alphabetic() || c == '_' => (Kind::Name, run(trimmed, is_name_char)),
            c if c.is_ascii_digit()
                || (c == '-' && chars.next().is_some_and(|d| d.is_ascii_digit())) =>
            {
                // Letters are taken along so that `3d` is reported whole, as one misspelt name or level.
                (
                    Kind::Number,
                    1 + run(&trimmed[1..], |c| {
                        c.is_alphanumeric() || c == '.' || c == '_'
                    }),
                )
            }
            c => (Kind::Other, c.len_utf8()),
        };
        at = start + len;
        Some(Token {
            kind,
            start,
            end: at,
        })
    })
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Byte length of the longest prefix of `text` whose characters satisfy `pred`.
fn run(text: &str, pred: impl Fn(char) -> bool) -> usize {
    text.find(|c: char| !pred(c)).unwrap_or(text.len())
}

/// A quoted name starting at `text[0] == '\''`: a backslash escapes the next character.
fn quoted(text: &str) -> (Kind, usize) {
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => return (Kind::Quoted { terminated: true }, i + 1),
            '\\' => {
                chars.next();
            }
            _ => {}
        }
    }
    (Kind::Quoted { terminated: false }, text.len())
}

/// Facts about the bracket and quote structure, used to explain a pest failure.
#[derive(Debug, Default)]
pub(super) struct Structure {
    /// Start of a quoted name that runs to the end of the input.
    pub unterminated_quote: Option<usize>,
    /// The first `)` without a matching `(`.
    pub unmatched_close: Option<usize>,
    /// The most recent `(` still open at the end of the input.
    pub unclosed_open: Option<usize>,
}

/// Refuse empty input and over-deep nesting; otherwise describe the bracket and quote structure.
pub(super) fn prescan(source: &str) -> Result<Structure, Diagnostic> {
    if source.trim_matches(is_space).is_empty() {
        return Err(
            Diagnostic::error(Span::new(0, source.len()), "empty skill expression")
                .with_label("expected a condition here")
                .with_help("write at least one condition `skill op level`, e.g. `english > 3`"),
        );
    }
    let mut structure = Structure::default();
    let mut open = Vec::with_capacity(MAX_NESTING);
    for token in tokens(source) {
        match token.kind {
            Kind::Open if open.len() == MAX_NESTING => {
                return Err(Diagnostic::error(
                    token.span(),
                    format!("parentheses nest deeper than {MAX_NESTING} levels"),
                )
                .with_label(format!("this `(` is level {}", MAX_NESTING + 1))
                .with_help(
                    "simplify the expression; skill expressions need very little grouping",
                ));
            }
            Kind::Open => open.push(token.start),
            Kind::Close => {
                let matched = open.pop().is_some();
                if !matched {
                    structure.unmatched_close.get_or_insert(token.start);
                }
            }
            Kind::Quoted { terminated: false } => structure.unterminated_quote = Some(token.start),
            _ => {}
        }
    }
    structure.unclosed_open = open.last().copied();
    Ok(structure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<(Kind, &str)> {
        tokens(source).map(|t| (t.kind, t.text(source))).collect()
    }

    #[test]
    fn splits_the_token_classes() {
        assert_eq!(
            kinds("(eng-1 >= -3 |'a\\'b')&x?"),
            vec![
                (Kind::Open, "("),
                (Kind::Name, "eng-1"),
                (Kind::Operator, ">="),
                (Kind::Number, "-3"),
                (Kind::Or, "|"),
                (Kind::Quoted { terminated: true }, "'a\\'b'"),
                (Kind::Close, ")"),
                (Kind::And, "&"),
                (Kind::Name, "x"),
                (Kind::Other, "?"),
            ]
        );
    }

    #[test]
    fn parentheses_inside_quotes_do_not_count() {
        let s = prescan("'a(b' > 1 & ')' > 2").unwrap();
        assert_eq!((s.unclosed_open, s.unmatched_close), (None, None));
        let s = prescan("a > 1) & ((b > 2)").unwrap();
        assert_eq!((s.unmatched_close, s.unclosed_open), (Some(5), Some(9)));
        let s = prescan("a > 'b").unwrap();
        assert_eq!(s.unterminated_quote, Some(4));
    }
}
