//! Where each node of a YAML document is: a path → span index built from saphyr-parser's events.
//!
//! serde_yaml deserialises the model but keeps no positions. This index is built only when there is
//! something to report (a valid flow never pays for it) and answers "where is `phases.initialize[1].when`"
//! and "where in the file is character 6 of that string", for plain, quoted and block scalars alike.
//! It also finds what serde_yaml silently accepts or misplaces: duplicate keys, merge keys, several
//! documents, and nesting too deep to load.

use super::path::Segment;
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle};
use std::collections::HashMap;

/// Deepest nesting of mappings and sequences a flow file may have.
pub const MAX_DEPTH: usize = 64;

const TOO_DEEP_HELP: &str = "flows nest blocks a few levels deep; this looks like a mistake";

/// Positions of every node of one YAML document.
#[derive(Debug, Default)]
pub struct SpanIndex {
    nodes: HashMap<Vec<Segment>, Node>,
    problems: Vec<Diagnostic>,
    fatal: bool,
}

#[derive(Debug, Clone)]
struct Node {
    /// The mapping key naming this node, if it is a mapping value.
    key: Option<Span>,
    /// The value: for a quoted scalar from its opening quote, for a block scalar from its first content
    /// character (or from its anchor or tag, header included).
    value: Span,
    /// The style, for scalars.
    style: Option<ScalarStyle>,
    /// For an alias (`*name`), the path of the anchored node.
    alias_of: Option<Vec<Segment>>,
}

enum Frame {
    Map {
        pending: Option<(String, Span)>,
        seen: HashMap<String, Span>,
    },
    Seq {
        next: usize,
    },
}

impl SpanIndex {
    /// Index `file`, which holds one YAML document.
    pub fn build(file: &SourceFile) -> SpanIndex {
        let mut index = SpanIndex::default();
        let mut path: Vec<Segment> = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut anchors: HashMap<usize, Vec<Segment>> = HashMap::new();
        let mut documents = 0;
        let mut cursor = Cursor::default();
        for event in Parser::new_from_str(file.text()) {
            let (event, span) = match event {
                Ok((event, span)) => (
                    event,
                    Span::new(
                        cursor.offset(file.text(), span.start),
                        cursor.offset(file.text(), span.end),
                    ),
                ),
                Err(error) => {
                    let at = cursor.offset(file.text(), *error.marker());
                    index.fail(syntax_error(file, at, error.info()));
                    break;
                }
            };
            let (anchor, style, alias) = match &event {
                Event::Scalar(_, style, anchor, _) => (*anchor, Some(*style), None),
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    (*anchor, None, None)
                }
                Event::Alias(id) => (0, None, Some(*id)),
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        index.fail(
                            Diagnostic::error(span, "a flow file holds exactly one YAML document")
                                .with_help("remove the `---` separator and everything after it, or split the file"),
                        );
                        break;
                    }
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    // The collection's span runs to its end, so a caret can cover `[a, b]` whole.
                    if let Some(node) = index.nodes.get_mut(&path) {
                        node.value = Span::new(
                            node.value.start as usize,
                            span.end.max(node.value.end) as usize,
                        );
                    }
                    stack.pop();
                    if !stack.is_empty() {
                        path.pop();
                        advance(&mut stack);
                    }
                    continue;
                }
                _ => continue,
            };
            // A mapping key?
            if let Some(Frame::Map {
                pending: pending @ None,
                seen,
            }) = stack.last_mut()
            {
                let Event::Scalar(key, ..) = &event else {
                    index.fail(Diagnostic::error(
                        span,
                        "only plain text can be a mapping key here",
                    ));
                    break;
                };
                if key == "<<" {
                    index.problems.push(
                        Diagnostic::error(
                            span,
                            "merge keys (`<<`) are not supported in flow files",
                        )
                        .with_help(
                            "write the keys out; anchors and aliases of whole values are fine",
                        ),
                    );
                }
                if let Some(first) = seen.get(key.as_ref()) {
                    let first_at = file.line_col(first.start as usize);
                    index.problems.push(
                        Diagnostic::error(span, format!("duplicate key `{key}`"))
                            .with_label(format!(
                                "first defined at line {}, column {}",
                                first_at.line, first_at.col
                            ))
                            .with_help(
                                "YAML would silently keep only one of them: remove or rename one",
                            ),
                    );
                }
                seen.insert(key.to_string(), span);
                *pending = Some((key.to_string(), span));
                continue;
            }
            // A value.
            let key = match stack.last() {
                Some(Frame::Map {
                    pending: Some((key, key_span)),
                    ..
                }) => {
                    path.push(Segment::Key(key.clone()));
                    Some(*key_span)
                }
                Some(Frame::Seq { next }) => {
                    path.push(Segment::Index(*next));
                    None
                }
                _ => None,
            };
            let alias_of = alias.map(|id| anchors.get(&id).cloned().unwrap_or_default());
            index.nodes.insert(
                path.clone(),
                Node {
                    key,
                    value: span,
                    style,
                    alias_of,
                },
            );
            if anchor != 0 {
                anchors.insert(anchor, path.clone());
            }
            match event {
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    if stack.len() >= MAX_DEPTH {
                        index.fail(
                            Diagnostic::error(
                                span,
                                format!("nested deeper than {MAX_DEPTH} levels"),
                            )
                            .with_help(TOO_DEEP_HELP),
                        );
                        break;
                    }
                    stack.push(if matches!(event, Event::MappingStart(..)) {
                        Frame::Map {
                            pending: None,
                            seen: HashMap::new(),
                        }
                    } else {
                        Frame::Seq { next: 0 }
                    });
                }
                _ => {
                    if !stack.is_empty() {
                        path.pop();
                        advance(&mut stack);
                    }
                }
            }
        }
        index
    }

    fn fail(&mut self, diagnostic: Diagnostic) {
        self.problems.push(diagnostic);
        self.fatal = true;
    }

    /// Problems found while indexing: syntax errors, duplicate and merge keys, extra documents, depth.
    pub fn problems(&self) -> &[Diagnostic] {
        &self.problems
    }

    /// Whether the document cannot be loaded at all (a syntax error, several documents, too deep).
    pub fn is_fatal(&self) -> bool {
        self.fatal
    }

    /// The node at `path`, following aliases on the way.
    fn node(&self, path: &[Segment]) -> Option<&Node> {
        let mut path = path.to_vec();
        // Bounded: an alias can only name an anchor defined before it, but be safe.
        for _ in 0..16 {
            if let Some(node) = self.nodes.get(&path) {
                match &node.alias_of {
                    Some(target) => path = target.clone(),
                    None => return Some(node),
                }
                continue;
            }
            // Rewrite the longest prefix that is an alias into the anchored path.
            let cut = (1..path.len()).rev().find(|&i| {
                self.nodes
                    .get(&path[..i])
                    .is_some_and(|n| n.alias_of.is_some())
            })?;
            let mut rewritten = self.nodes[&path[..cut]]
                .alias_of
                .clone()
                .unwrap_or_default();
            rewritten.extend_from_slice(&path[cut..]);
            path = rewritten;
        }
        None
    }

    /// The span of the key naming the node at `path`.
    pub fn key_span(&self, path: &[Segment]) -> Option<Span> {
        self.node(path).and_then(|node| node.key)
    }

    /// The span of the value at `path`.
    pub fn value_span(&self, path: &[Segment]) -> Option<Span> {
        self.node(path).map(|node| node.value)
    }

    /// The file span of the bytes `within` of `decoded`, the string value of the scalar at `path`.
    /// Falls back to the scalar's start when the source cannot be aligned with the value.
    pub fn span_in_scalar(
        &self,
        file: &SourceFile,
        path: &[Segment],
        decoded: &str,
        within: Span,
    ) -> Option<Span> {
        let node = self.node(path)?;
        let fallback = Span::new(node.value.start as usize, node.value.start as usize);
        let Some(positions) = node.style.and_then(|style| {
            let key_col = node
                .key
                .map(|key| file.line_col(key.start as usize).col - 1);
            align(file.text(), node.value, style, decoded, key_col)
        }) else {
            return Some(fallback);
        };
        // `positions[i]` is the file offset of the i-th character of `decoded`.
        let char_at = |byte: usize| decoded[..byte.min(decoded.len())].chars().count();
        let start = char_at(within.start as usize);
        let end = char_at(within.end as usize);
        let file_offset = |i: usize| -> Option<usize> {
            match positions.get(i) {
                Some(&at) => Some(at),
                None => positions
                    .last()
                    .map(|&at| at + file.text()[at..].chars().next().map_or(1, char::len_utf8)),
            }
        };
        match (
            file_offset(start),
            end.checked_sub(1).and_then(|last| positions.get(last)),
        ) {
            (Some(from), Some(&last)) if end > start => {
                let last_len = file.text()[last..].chars().next().map_or(1, char::len_utf8);
                Some(Span::new(from, (last + last_len).max(from)))
            }
            (Some(from), _) => Some(Span::new(from, from)),
            _ => Some(fallback),
        }
    }
}

/// A YAML syntax error at byte `at`, saphyr's `info`, placed where the fault is and with a way out.
fn syntax_error(file: &SourceFile, at: usize, info: &str) -> Diagnostic {
    let text = file.text();
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    if info.contains("tab") {
        // saphyr points at the scalar or indentation the tab interrupts: point at the tab itself, the
        // last one before the marker on its line, else the next one.
        let tab = text[line_start..at]
            .rfind('\t')
            .map(|n| line_start + n)
            .or_else(|| text[at..].find('\t').map(|n| at + n));
        let at = tab.unwrap_or(at);
        let span = Span::new(at, at + usize::from(tab.is_some()));
        return Diagnostic::error(span, format!("YAML syntax: {info}"))
            .with_help("YAML indents with spaces only: replace the tab with spaces");
    }
    let diagnostic = |message: String| Diagnostic::error(Span::new(at, at), message);
    if info.contains("recursion limit") {
        // saphyr's scanner caps `[` and `{` nesting before the index sees the depth pass its own limit.
        return diagnostic(format!("nested deeper than {MAX_DEPTH} levels"))
            .with_help(TOO_DEEP_HELP);
    }
    if info.starts_with("invalid trailing content after") {
        // After a quoted scalar, always worded "double-quoted": name the quote the value starts with.
        let before = text[line_start..at].trim_end();
        let quote = before.chars().last().filter(|c| matches!(c, '\'' | '"'));
        let kind = if quote == Some('\'') {
            "single-quoted"
        } else {
            "double-quoted"
        };
        let mut help =
            "YAML ends a quoted value at its closing quote: to write an expression that starts \
                        with a quoted string, put the whole expression in double quotes"
                .to_owned();
        let line_end = text[at..].find(['\r', '\n']).map_or(text.len(), |n| at + n);
        let line_end = text[at..line_end].find(" #").map_or(line_end, |n| at + n);
        // In a flow collection (`{ ... }`) the rest of the line is not all the value: no example.
        let opening = quote
            .and_then(|q| opening_quote(&text[line_start..at], q))
            .filter(|&open| !text[line_start..line_start + open].contains(['{', '[']));
        if let Some(open) = opening {
            let expression = text[line_start + open..line_end].trim_end();
            let escaped = expression.replace('\\', "\\\\").replace('"', "\\\"");
            help.push_str(&format!(": \"{escaped}\""));
        }
        return diagnostic(format!("YAML syntax: text after the end of a {kind} value"))
            .with_label("the value ended before this")
            .with_help(help);
    }
    let help = if info.contains("quoted scalar, found unexpected end of stream")
        || info.contains("invalid indentation in quoted scalar")
        || info.contains("quoted scalar, found unexpected document indicator")
    {
        Some("the quote that opens this value is never closed: close it where the value ends")
    } else if info.contains("mapping values are not allowed") {
        Some("a value that holds `: ` must be quoted, or it is read as another key")
    } else if info.contains("did not find expected key")
        || info.contains("did not find expected '-' indicator")
        || info.contains("invalid indentation")
    {
        Some(
            "check this line's indentation: the keys of one mapping start in the same column, \
             and so do the `- ` items of one list; a line that goes on with a `[…]`, a `{…}` or a \
             quoted value is indented more than the key or `- ` it belongs to",
        )
    } else if info.contains("flow mapping") {
        Some("a `{` is not closed by a `}`, or two entries lack the `,` between them")
    } else if info.contains("flow sequence") {
        Some("a `[` is not closed by a `]`, or two items lack the `,` between them")
    } else {
        None
    };
    let diagnostic = diagnostic(format!("YAML syntax: {info}"));
    match help {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}

/// Where, in `line` (which ends with the closing `quote` of a scalar, maybe followed by blanks), that
/// scalar's opening quote is: the first `quote` that starts a value.
fn opening_quote(line: &str, quote: char) -> Option<usize> {
    let mut previous = None;
    for (i, c) in line.char_indices() {
        if c == quote
            && matches!(
                previous,
                None | Some(' ' | '\t' | '[' | '{' | ',' | ':' | '-')
            )
        {
            return Some(i);
        }
        previous = Some(c);
    }
    None
}

/// Turns saphyr's positions (characters from the start of the text) into byte offsets, walking from
/// the last position asked: positions come nearly in order, so a file costs time in proportion to its
/// length (counting from each line's start was quadratic on a file of one long line).
#[derive(Default)]
struct Cursor {
    chars: usize,
    bytes: usize,
}

impl Cursor {
    fn offset(&mut self, text: &str, marker: Marker) -> usize {
        let target = marker.index();
        while self.chars < target {
            match text[self.bytes..].chars().next() {
                Some(c) => {
                    self.bytes += c.len_utf8();
                    self.chars += 1;
                }
                None => break,
            }
        }
        while self.chars > target {
            match text[..self.bytes].chars().next_back() {
                Some(c) => {
                    self.bytes -= c.len_utf8();
                    self.chars -= 1;
                }
                None => break,
            }
        }
        self.bytes
    }
}

fn advance(stack: &mut [Frame]) {
    match stack.last_mut() {
        Some(Frame::Map { pending, .. }) => *pending = None,
        Some(Frame::Seq { next }) => *next += 1,
        None => {}
    }
}

/// One unit of a scalar's source: a character that stands for itself (or an escape that decodes to
/// it), or a line break that folding may turn into a space, a newline or nothing.
enum Unit {
    Char(char, usize),
    Break(usize),
}

/// The file offset of every character of `decoded`, found by walking the scalar's source with the
/// rules of its style and matching it against the value serde_yaml produced. `None` when they do not
/// match (then the caller points at the scalar's start rather than at a wrong column).
fn align(
    text: &str,
    span: Span,
    style: ScalarStyle,
    decoded: &str,
    key_col: Option<usize>,
) -> Option<Vec<usize>> {
    let raw = text.get(span.range())?;
    if decoded.is_empty() {
        return Some(Vec::new());
    }
    let base = span.start as usize;
    let chars: Vec<(usize, char)> = raw.char_indices().map(|(i, c)| (base + i, c)).collect();
    let at = |i: usize| chars.get(i).map_or(base + raw.len(), |(offset, _)| *offset);
    let is_break = |i: usize| {
        matches!(chars.get(i), Some((_, '\n')))
            || (matches!(chars.get(i), Some((_, '\r')))
                && matches!(chars.get(i + 1), Some((_, '\n'))))
    };
    let break_len = |i: usize| {
        if matches!(chars.get(i), Some((_, '\r'))) {
            2
        } else {
            1
        }
    };
    let blank = |i: usize| matches!(chars.get(i), Some((_, ' ' | '\t')));
    let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
    let mut units = Vec::new();
    let mut i = skip_properties(&chars, 0);
    if block {
        let indent;
        if matches!(chars.get(i), Some((_, '|' | '>'))) {
            // The span starts at a property, so the header is inside it: skip the header line and find
            // the indentation from the indicator or from the first non-blank line.
            let header = i;
            while i < chars.len() && chars[i].1 != '\n' {
                i += 1;
            }
            let digit = chars[header..i]
                .iter()
                .take_while(|(_, c)| *c != '#')
                .find_map(|(_, c)| c.to_digit(10));
            i += 1;
            let first_line_indent = chars[i.min(chars.len())..]
                .split(|(_, c)| *c == '\n')
                .find(|line| line.iter().any(|(_, c)| *c != ' ' && *c != '\r'))
                .map_or(0, |line| line.iter().take_while(|(_, c)| *c == ' ').count());
            indent = match (digit, key_col) {
                (Some(d), Some(col)) => col + d as usize,
                _ => first_line_indent,
            };
            let mut k = 0;
            while k < indent && blank(i) {
                i += 1;
                k += 1;
            }
        } else {
            // The span starts at the first content character, whose column is the indentation.
            indent = chars.first().map_or(0, |_| {
                let line_start = text[..base].rfind('\n').map_or(0, |n| n + 1);
                text[line_start..base].chars().count()
            });
            for _ in decoded.chars().take_while(|c| *c == '\n') {
                units.push(Unit::Break(base));
            }
        }
        while i < chars.len() {
            if is_break(i) {
                units.push(Unit::Break(at(i)));
                i += break_len(i);
                let mut k = 0;
                while k < indent && matches!(chars.get(i), Some((_, ' '))) {
                    i += 1;
                    k += 1;
                }
            } else {
                units.push(Unit::Char(chars[i].1, at(i)));
                i += 1;
            }
        }
    } else {
        let end = if style == ScalarStyle::Plain {
            chars.len()
        } else {
            let quote = chars.get(i)?.1;
            let close = chars
                .iter()
                .rposition(|(_, c)| *c == quote)
                .filter(|&e| e > i)?;
            i += 1;
            close
        };
        while i < end {
            let c = chars[i].1;
            if blank(i) {
                // Blanks before a line break are dropped.
                let mut j = i;
                while j < end && blank(j) {
                    j += 1;
                }
                if !(j < end && is_break(j)) {
                    units.extend((i..j).map(|k| Unit::Char(chars[k].1, at(k))));
                }
                i = j;
            } else if is_break(i) {
                // A folded line break; the next line's indentation is dropped.
                units.push(Unit::Break(at(i)));
                i += break_len(i);
                while i < end && blank(i) {
                    i += 1;
                }
            } else if style == ScalarStyle::SingleQuoted
                && c == '\''
                && matches!(chars.get(i + 1), Some((_, '\'')))
            {
                units.push(Unit::Char('\'', at(i)));
                i += 2;
            } else if style == ScalarStyle::DoubleQuoted && c == '\\' && i + 1 < end {
                if is_break(i + 1) {
                    // An escaped line break joins the lines.
                    i += 1 + break_len(i + 1);
                    while i < end && blank(i) {
                        i += 1;
                    }
                    continue;
                }
                let hex = |n: usize| -> Option<char> {
                    let digits: String = chars
                        .get(i + 2..i + 2 + n)?
                        .iter()
                        .map(|(_, c)| *c)
                        .collect();
                    char::from_u32(u32::from_str_radix(&digits, 16).ok()?)
                };
                let (decoded_char, len) = match chars[i + 1].1 {
                    'x' => (hex(2)?, 4),
                    'u' => (hex(4)?, 6),
                    'U' => (hex(8)?, 10),
                    '0' => ('\0', 2),
                    'a' => ('\x07', 2),
                    'b' => ('\x08', 2),
                    't' | '\t' => ('\t', 2),
                    'n' => ('\n', 2),
                    'v' => ('\x0b', 2),
                    'f' => ('\x0c', 2),
                    'r' => ('\r', 2),
                    'e' => ('\x1b', 2),
                    ' ' => (' ', 2),
                    '"' => ('"', 2),
                    '/' => ('/', 2),
                    '\\' => ('\\', 2),
                    'N' => ('\u{85}', 2),
                    '_' => ('\u{a0}', 2),
                    'L' => ('\u{2028}', 2),
                    'P' => ('\u{2029}', 2),
                    _ => return None,
                };
                units.push(Unit::Char(decoded_char, at(i)));
                i += len;
            } else {
                units.push(Unit::Char(c, at(i)));
                i += 1;
            }
        }
    }
    // Match greedily: characters must agree exactly; a source line break may have become a space or a
    // newline (folding) or vanished (breaks before empty lines, chomping).
    let mut positions = Vec::with_capacity(decoded.len());
    let mut k = 0;
    for d in decoded.chars() {
        loop {
            let Some(unit) = units.get(k) else {
                // Clip and keep chomping add a final newline even where the source has none.
                if block && d == '\n' {
                    positions.push(span.end as usize);
                    break;
                }
                return None;
            };
            match unit {
                Unit::Char(c, offset) if *c == d => {
                    positions.push(*offset);
                    k += 1;
                    break;
                }
                Unit::Char(..) => return None,
                Unit::Break(offset) if d == ' ' || d == '\n' => {
                    positions.push(*offset);
                    k += 1;
                    break;
                }
                Unit::Break(_) => k += 1,
            }
        }
    }
    if units[k.min(units.len())..]
        .iter()
        .any(|unit| matches!(unit, Unit::Char(..)))
    {
        return None;
    }
    Some(positions)
}

/// Skip node properties (`&anchor`, `!tag`) and the blanks after them.
fn skip_properties(chars: &[(usize, char)], mut i: usize) -> usize {
    while matches!(chars.get(i), Some((_, '&' | '!'))) {
        while i < chars.len() && !matches!(chars[i].1, ' ' | '\t' | '\n' | '\r') {
            i += 1;
        }
        while i < chars.len() && matches!(chars[i].1, ' ' | '\t' | '\n' | '\r') {
            i += 1;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locate(yaml: &str, path: &[Segment], decoded: &str, needle: &str) -> (usize, usize) {
        let file = SourceFile::new("f.yaml", yaml);
        let index = SpanIndex::build(&file);
        assert!(!index.is_fatal(), "{:?}", index.problems());
        let start = decoded.find(needle).unwrap();
        let span = index
            .span_in_scalar(&file, path, decoded, Span::new(start, start + needle.len()))
            .unwrap();
        assert_eq!(&yaml[span.range()], needle, "span {span:?}");
        let at = file.line_col(span.start as usize);
        (at.line, at.col)
    }

    fn when_path() -> Vec<Segment> {
        vec![
            Segment::Key("blocks".into()),
            Segment::Index(1),
            Segment::Key("when".into()),
        ]
    }

    #[test]
    fn finds_characters_inside_every_scalar_style() {
        let plain = "blocks:\n  - id: a\n  - when: levl1 == 'x'\n";
        assert_eq!(
            locate(plain, &when_path(), "levl1 == 'x'", "levl1"),
            (3, 11)
        );
        let double = "blocks:\n  - id: a\n  - when: \"\\\"A\\\" != levl1\"\n";
        assert_eq!(
            locate(double, &when_path(), "\"A\" != levl1", "levl1"),
            (3, 21)
        );
        let single = "blocks:\n  - id: a\n  - when: '''x'' != levl1'\n";
        assert_eq!(
            locate(single, &when_path(), "'x' != levl1", "levl1"),
            (3, 21)
        );
        let literal = "blocks:\n  - id: a\n  - when: |\n      x ==\n        levl1\n";
        assert_eq!(
            locate(literal, &when_path(), "x ==\n  levl1\n", "levl1"),
            (5, 9)
        );
        let folded = "blocks:\n  - id: a\n  - when: >-\r\n      x ==\r\n      levl1\r\n";
        assert_eq!(locate(folded, &when_path(), "x == levl1", "levl1"), (5, 7));
        let multiline_plain = "blocks:\n  - id: a\n  - when: x ==\n      levl1\n";
        assert_eq!(
            locate(multiline_plain, &when_path(), "x == levl1", "levl1"),
            (4, 7)
        );
    }

    #[test]
    fn reports_duplicate_and_merge_keys_and_extra_documents() {
        let file = SourceFile::new("f.yaml", "a: 1\nb: &x {c: 1}\na: 2\nd:\n  <<: *x\n");
        let index = SpanIndex::build(&file);
        let messages: Vec<&str> = index
            .problems()
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "duplicate key `a`",
                "merge keys (`<<`) are not supported in flow files"
            ]
        );
        let two = SourceFile::new("f.yaml", "a: 1\n---\nb: 2\n");
        assert!(SpanIndex::build(&two).is_fatal());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = SourceFile::new("f.yaml", "[".repeat(100_000));
        assert!(SpanIndex::build(&deep).is_fatal());
        let deep_blocks: String = (0..10_000)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        assert!(SpanIndex::build(&SourceFile::new("f.yaml", deep_blocks)).is_fatal());
    }

    #[test]
    fn aliases_resolve_to_their_anchor() {
        let yaml = "defs:\n  w: &w \"levl1 == 1\"\nblocks:\n  - when: *w\n";
        let file = SourceFile::new("f.yaml", yaml);
        let index = SpanIndex::build(&file);
        let path = [
            Segment::Key("blocks".into()),
            Segment::Index(0),
            Segment::Key("when".into()),
        ];
        let span = index
            .span_in_scalar(&file, &path, "levl1 == 1", Span::new(0, 5))
            .unwrap();
        assert_eq!(&yaml[span.range()], "levl1");
    }
}
