//! YAML text → a [`Node`] tree, built from saphyr-parser's events without recursion.
//!
//! Flow, center and suite files used to be read by serde_yaml, whose libyaml scanner rechecks every
//! open flow collection at each token: `[[[[…` nested 200,000 deep took 81 s before failing. saphyr's
//! scanner caps flow nesting at 255 levels, and this builder stops at [`MAX_DEPTH`] levels of any kind,
//! so reading a file costs time in proportion to its length, whatever its shape. Aliases may repeat at
//! most as many nodes as the file itself holds (plus a margin), so a "billion laughs" file is refused
//! instead of filling memory.
//!
//! Scalars resolve as serde_yaml resolved them, so a file reads to the same tree as before: plain
//! `~`, `null`, `true`, `0x1f`, `1e3`, `.inf` are null, booleans and numbers; quoted and block scalars
//! are strings; `!!str`, `!!int`, `!!float`, `!!bool` and `!!null` force a kind; a local tag (`!name`)
//! makes a tagged value. Whole numbers past 64 bits, which serde_yaml refused, are floats here.
//!
//! On any problem the caller builds the [`SpanIndex`](super::spans::SpanIndex), which names syntax
//! errors, duplicate keys and excess depth with their exact positions; [`YamlError`] is the fallback.

use super::spans::MAX_DEPTH;
use super::types::Node;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};
use serde_yaml::Mapping;
use serde_yaml::value::{Tag as NodeTag, TaggedValue};
use std::borrow::Cow;
use std::collections::HashMap;

/// How many nodes aliases may repeat beyond the number the file holds.
const ALIAS_MARGIN: usize = 100_000;

/// Why a YAML text could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// What is wrong.
    pub message: String,
    /// Where, in characters from the start of the text (a byte order mark counts as one).
    pub index: usize,
}

impl YamlError {
    fn at(marker: Marker, message: impl Into<String>) -> YamlError {
        YamlError {
            message: message.into(),
            index: marker.index(),
        }
    }

    /// Where, as a byte offset of `text`, the text that was read.
    pub fn offset(&self, text: &str) -> usize {
        text.char_indices()
            .nth(self.index)
            .map_or(text.len(), |(at, _)| at)
    }
}

/// A collection being built.
enum Open {
    Sequence {
        items: Vec<Node>,
        anchor: usize,
        tag: Option<NodeTag>,
    },
    Mapping {
        entries: Mapping,
        /// The key read, waiting for its value, and where it starts (for a duplicate's error).
        key: Option<(Node, Marker)>,
        anchor: usize,
        tag: Option<NodeTag>,
    },
}

/// Read the one YAML document of `text` (an empty text is null).
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut open: Vec<Open> = Vec::new();
    // Each anchored node, with its size, for aliases to repeat.
    let mut anchors: HashMap<usize, (Node, Size)> = HashMap::new();
    // Sizes of the open collections so far, to know an anchored collection's size when it closes.
    let mut sizes: Vec<Size> = vec![Size::default()];
    let mut events = 0usize;
    let mut repeated = Size::default();
    let mut documents = 0;
    let mut root: Option<Node> = None;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|error| {
            // saphyr's scanner caps `[` and `{` nesting (at 255), ahead of this builder's own limit.
            let message = match error.info() {
                info if info.contains("recursion limit") => too_deep(),
                info => info.to_owned(),
            };
            YamlError::at(*error.marker(), message)
        })?;
        events += 1;
        let alias = matches!(event, Event::Alias(_));
        let (node, anchor, size) = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError::at(
                        span.start,
                        "a file holds exactly one YAML document",
                    ));
                }
                continue;
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if open.len() >= MAX_DEPTH {
                    return Err(YamlError::at(span.start, too_deep()));
                }
                let tag = tag.as_deref().and_then(local_tag);
                open.push(if matches!(event, Event::SequenceStart(..)) {
                    Open::Sequence {
                        items: Vec::new(),
                        anchor,
                        tag,
                    }
                } else {
                    Open::Mapping {
                        entries: Mapping::new(),
                        key: None,
                        anchor,
                        tag,
                    }
                });
                sizes.push(Size { nodes: 1, bytes: 0 });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let size = sizes.pop().unwrap_or_default();
                let (node, anchor, tag) = match open.pop() {
                    Some(Open::Sequence { items, anchor, tag }) => {
                        (Node::Sequence(items), anchor, tag)
                    }
                    Some(Open::Mapping {
                        entries,
                        anchor,
                        tag,
                        ..
                    }) => (Node::Mapping(entries), anchor, tag),
                    None => return Err(YamlError::at(span.start, "unbalanced collection")),
                };
                (tagged(node, tag), anchor, size)
            }
            Event::Scalar(value, style, anchor, tag) => {
                let bytes = value.len();
                let node = scalar(value, style, tag.as_deref())
                    .map_err(|message| YamlError::at(span.start, message))?;
                (node, anchor, Size { nodes: 1, bytes })
            }
            Event::Alias(id) => {
                let Some((node, size)) = anchors.get(&id) else {
                    return Err(YamlError::at(span.start, "an alias to no anchor"));
                };
                repeated.nodes += size.nodes;
                repeated.bytes += size.bytes;
                // Aliases may repeat as much as the file holds (plus a margin), counted in nodes and
                // in the bytes of their text: one alias of a long string copies all of it.
                if repeated.nodes > events.max(text.len() / 2) + ALIAS_MARGIN
                    || repeated.bytes > text.len() + ALIAS_MARGIN_BYTES
                {
                    return Err(YamlError::at(
                        span.start,
                        "aliases repeat more than the file holds",
                    ));
                }
                (node.clone(), 0, *size)
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {
                continue;
            }
        };
        if anchor != 0 {
            anchors.insert(anchor, (node.clone(), size));
        }
        if let Some(total) = sizes.last_mut() {
            total.nodes += size.nodes;
            total.bytes += size.bytes;
        }
        match open.last_mut() {
            Some(Open::Sequence { items, .. }) => items.push(node),
            Some(Open::Mapping { entries, key, .. }) => match key.take() {
                None => {
                    // Flow, center and suite files name things by text: a list, a mapping or an
                    // alias as a key is refused here, as the position index refuses it.
                    if alias || matches!(node, Node::Sequence(_) | Node::Mapping(_)) {
                        return Err(YamlError::at(
                            span.start,
                            "only plain text can be a mapping key here",
                        ));
                    }
                    *key = Some((node, span.start));
                }
                Some((k, at)) => {
                    if entries.contains_key(&k) {
                        return Err(YamlError::at(
                            at,
                            "a duplicate key: two keys of this mapping read as the same value",
                        ));
                    }
                    entries.insert(k, node);
                }
            },
            None => root = Some(node),
        }
    }
    Ok(root.unwrap_or(Node::Null))
}

/// How much a node holds: nodes, and bytes of scalar text.
#[derive(Clone, Copy, Debug, Default)]
struct Size {
    nodes: usize,
    bytes: usize,
}

/// Bytes aliases may repeat beyond the file's own length.
const ALIAS_MARGIN_BYTES: usize = 1 << 20;

fn too_deep() -> String {
    format!("nested deeper than {MAX_DEPTH} levels")
}

fn tagged(node: Node, tag: Option<NodeTag>) -> Node {
    match tag {
        Some(tag) => Node::Tagged(Box::new(TaggedValue { tag, value: node })),
        None => node,
    }
}

/// The core schema's name of `tag` (`str` for `!!str` or `!<tag:yaml.org,2002:str>`), if it is one.
fn core_tag(tag: &Tag) -> Option<&str> {
    if tag.is_yaml_core_schema() {
        return Some(&tag.suffix);
    }
    // A verbatim tag carries the whole name in its suffix.
    tag.suffix
        .strip_prefix(CORE_PREFIX)
        .filter(|_| tag.handle.is_empty())
}

const CORE_PREFIX: &str = "tag:yaml.org,2002:";

/// A tag that makes a tagged value: any but the core schema's (`!!map`, `!!str`, …).
fn local_tag(tag: &Tag) -> Option<NodeTag> {
    if core_tag(tag).is_some() {
        return None;
    }
    // Never empty: `Tag::new` panics on an empty tag, and `!<>` has an empty handle and suffix.
    let name = format!("{}{}", tag.handle, tag.suffix);
    Some(NodeTag::new(if name.is_empty() {
        "!".to_owned()
    } else {
        name
    }))
}

fn scalar(value: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Result<Node, String> {
    match tag {
        Some(tag) if core_tag(tag).is_some() => {
            let text = value.as_ref();
            let wrong = |kind: &str| format!("`{text}` is not {kind}");
            match core_tag(tag).unwrap_or_default() {
                "bool" => parse_bool(text)
                    .map(Node::Bool)
                    .ok_or_else(|| wrong("a boolean")),
                "int" => parse_int(text).ok_or_else(|| wrong("an integer")),
                "float" => parse_float(text)
                    .map(|f| Node::Number(f.into()))
                    .ok_or_else(|| wrong("a float")),
                "null" => is_null(text)
                    .then_some(Node::Null)
                    .ok_or_else(|| wrong("null")),
                _ => Ok(Node::String(value.into_owned())),
            }
        }
        Some(tag) => {
            let inner = if style == ScalarStyle::Plain {
                untagged(value)
            } else {
                Node::String(value.into_owned())
            };
            Ok(tagged(inner, local_tag(tag)))
        }
        None if style == ScalarStyle::Plain => Ok(untagged(value)),
        None => Ok(Node::String(value.into_owned())),
    }
}

/// A plain scalar without a tag: null, a boolean, a number or a string, as serde_yaml resolves it.
fn untagged(value: Cow<'_, str>) -> Node {
    let text = value.as_ref();
    if text.is_empty() || is_null(text) {
        return Node::Null;
    }
    if let Some(boolean) = parse_bool(text) {
        return Node::Bool(boolean);
    }
    if let Some(int) = parse_int(text) {
        return int;
    }
    if !digits_but_not_number(text)
        && let Some(float) = parse_float(text)
    {
        return Node::Number(float.into());
    }
    Node::String(value.into_owned())
}

fn is_null(text: &str) -> bool {
    matches!(text, "null" | "Null" | "NULL" | "~")
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// A whole number: decimal, or `0x`, `0o`, `0b` with an optional sign. Past 64 bits, a float.
fn parse_int(text: &str) -> Option<Node> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(rest) = digits.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = digits.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = digits.strip_prefix("0b") {
        (2, rest)
    } else {
        (10, digits)
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    if radix == 10 && digits_but_not_number(text) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    let node = if negative {
        match i64::try_from(magnitude) {
            Ok(m) => Node::Number((-m).into()),
            Err(_) if magnitude == 1 << 63 => Node::Number(i64::MIN.into()),
            Err(_) => Node::Number((-(magnitude as f64)).into()),
        }
    } else {
        match u64::try_from(magnitude) {
            Ok(m) => Node::Number(m.into()),
            Err(_) => Node::Number((magnitude as f64).into()),
        }
    };
    Some(node)
}

fn parse_float(text: &str) -> Option<f64> {
    let unsigned = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" if unsigned.len() == text.len() => return Some(f64::NAN),
        _ => {}
    }
    unsigned.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Leading zeros then digits (`007`) are a string in YAML 1.2.
fn digits_but_not_number(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    unsigned.len() > 1
        && unsigned.starts_with('0')
        && unsigned[1..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_as_serde_yaml(text: &str) {
        let ours = parse(text).map_err(|e| e.message);
        let theirs: Result<Node, String> = serde_yaml::from_str(text).map_err(|e| e.to_string());
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{text:?}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{text:?}: ours {ours:?}, serde_yaml {theirs:?}"),
        }
    }

    #[test]
    fn scalars_resolve_as_serde_yaml_resolves_them() {
        for scalar in [
            "",
            "~",
            "null",
            "Null",
            "NULL",
            "true",
            "True",
            "FALSE",
            "yes",
            "no",
            "0",
            "-0",
            "+1",
            "007",
            "-007",
            "0x1f",
            "-0x1f",
            "0o17",
            "0b101",
            "0x",
            "1e3",
            "-1.5",
            "+.5",
            ".inf",
            "-.inf",
            "+.inf",
            ".nan",
            "-.nan",
            "1_000",
            "12:30",
            "'x'",
            "\"1\"",
            "9223372036854775807",
            "-9223372036854775808",
            "18446744073709551615",
            "1.7976931348623157e309",
            "0.1",
            "!!str 1",
            "!!int 0x10",
            "!!float 1",
            "!!bool true",
            "!!null ~",
            "!!str",
            "!local x",
            "!local 'x'",
            "!local 12",
            "! x",
            "|\n  text\n",
            ">-\n  a\n  b\n",
            "- a\n- b\n",
            "a: 1\nb: [x, {c: d}]\n",
            "a: &x [1, 2]\nb: *x\n",
            "!tag {a: 1}",
            "!!map {a: 1}",
            "<<: {a: 1}",
            "a: 1\na: 2\n",
            "[a, b",
            "a: b: c",
            "--- 1\n--- 2\n",
            "---\n",
            "# only a comment\n",
        ] {
            same_as_serde_yaml(scalar);
        }
    }

    #[test]
    fn empty_and_verbatim_tags_do_not_panic() {
        assert!(parse("a: !<> x").is_ok());
        assert!(parse("a: !<> {b: 1}").is_ok());
        assert_eq!(
            parse("a: !<tag:yaml.org,2002:str> 120").unwrap(),
            parse("a: !!str 120").unwrap()
        );
    }

    #[test]
    fn keys_are_plain_text_and_a_duplicate_points_at_its_key() {
        for text in ["? [a, b]\n: c\n", "a: &k x\n*k : y\n", "{a: 1, [b]: 2}"] {
            let error = parse(text).unwrap_err();
            assert!(error.message.contains("plain text"), "{text}: {error:?}");
        }
        let text = "m:\n  0x10: a\n  16: b\n";
        let error = parse(text).unwrap_err();
        assert_eq!(&text[error.offset(text)..], "16: b\n", "{error:?}");
    }

    #[test]
    fn nesting_past_the_limit_is_refused_at_once() {
        let deep = format!("a: {}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert!(parse(&deep).unwrap_err().message.contains("nested deeper"));
        let deep = format!("a:\n  {}x\n", "- ".repeat(200_000));
        assert!(parse(&deep).unwrap_err().message.contains("nested deeper"));
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn aliases_cannot_repeat_more_than_the_file_holds() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let error = parse(&text).unwrap_err();
        assert!(error.message.contains("aliases repeat"), "{error:?}");
        // One alias of a long string copies all of it: counted in bytes too.
        let long = "x".repeat(100_000);
        let mut text = format!("a: &d \"{long}\"\nb: [");
        text.push_str(&vec!["*d"; 100].join(", "));
        text.push_str("]\n");
        let error = parse(&text).unwrap_err();
        assert!(error.message.contains("aliases repeat"), "{error:?}");
        // An ordinary reuse is fine.
        assert!(parse("a: &x {k: v}\nb: *x\nc: *x\n").is_ok());
    }
}
