//! Reading a case's expectations and inline workitems: YAML values checked and turned into JSON, the
//! language of outcome and workitem lines.

use super::format::{Expectation, Field, Select, Shape};
use super::read::{Node, Reader, describe};
use crate::expr::{closest, write_json_string};
use crate::model::path::YamlPath;
use crate::model::read::Anchor;
use crate::replay::Kind;
use serde_json::Value as Json;

/// The keys of a `target` expectation.
const TARGET_KEYS: [&str; 2] = ["kind", "value"];
/// The keys of a `trace` step.
const STEP_KEYS: [&str; 3] = ["block", "at_s", "note"];

impl Reader<'_> {
    /// One expectation at `path`; `None` (its problems recorded) when it does not read.
    pub(super) fn expectation(&mut self, node: &Node, path: &YamlPath) -> Option<Expectation> {
        let keys: Vec<&str> = std::iter::once("line")
            .chain(Field::ALL.iter().map(|(_, key, _)| *key))
            .collect();
        let mapping = self.mapping(node, path, &keys, "an expectation")?;
        let mut fields = Vec::with_capacity(mapping.len());
        let mut select = None;
        let mut ok = true;
        for (key, value) in mapping {
            let Some(key) = key.as_str() else { continue };
            let at = path.key(key);
            if key == "line" {
                match value.as_u64().filter(|&n| n > 0) {
                    Some(line) => select = Some(Select::Line(line as usize)),
                    None => {
                        let message = format!(
                            "`line` is the number of an input line, 1 or more, found {}",
                            describe(value)
                        );
                        ok = false;
                        self.error(message, "e.g. `line: 2`", Anchor::Value(at));
                    }
                }
                continue;
            }
            let Some((field, shape)) = Field::from_key(key) else {
                continue;
            };
            match self.expected(value, &at, key, shape) {
                Some(json) => fields.push((field, json)),
                None => ok = false,
            }
        }
        // A `line` or `id` that is there but wrong is reported already.
        let wrong_id = mapping.contains_key("id") && !fields.iter().any(|(f, _)| *f == Field::Id);
        if select.is_none() && !mapping.contains_key("line") && !wrong_id {
            match fields.iter().position(|(field, _)| *field == Field::Id) {
                Some(i) => match fields.remove(i).1 {
                    Json::String(id) => select = Some(Select::Id(id)),
                    _ => {
                        ok = false;
                        let message = "an expectation's `id` is the id of a workitem".to_owned();
                        let help = "outcomes without an id (bad lines) are found by `line: N`";
                        self.error(message, help, Anchor::Value(path.key("id")));
                    }
                },
                None => {
                    ok = false;
                    let message = "this expectation does not say which workitem it is about";
                    let help =
                        "give the workitem's `id: w1`, or the input line's number: `line: 2`";
                    self.error(message.to_owned(), help, Anchor::Value(path.clone()));
                }
            }
        }
        let has = |wanted: Field| fields.iter().any(|(field, _)| *field == wanted);
        if has(Field::Userdata) && has(Field::UserdataExact) {
            ok = false;
            let message = "`userdata` and `userdata_exact` together".to_owned();
            let help =
                "`userdata` checks the keys it lists, `userdata_exact` all of them: keep one";
            self.error(message, help, Anchor::Key(path.key("userdata_exact")));
        }
        let at = self.position(path, true);
        let select = select.filter(|_| ok)?;
        Some(Expectation { select, at, fields })
    }

    /// An expected value of shape `shape`, as JSON.
    fn expected(&mut self, node: &Node, path: &YamlPath, key: &str, shape: Shape) -> Option<Json> {
        let (fits, wanted) = match shape {
            Shape::Text => (node.is_null() || node.is_string(), "text or `null`"),
            Shape::Seconds => (
                node.is_null() || node.as_f64().is_some_and(f64::is_finite),
                "a number of seconds or `null`",
            ),
            Shape::OutcomeWord => {
                let word = node.as_str().unwrap_or_default();
                let fits = Kind::ALL.iter().any(|kind| kind.as_str() == word);
                (fits, "one of routed, unrouted, stopped, error")
            }
            Shape::Mapping => (node.is_null() || node.is_mapping(), "a mapping or `null`"),
            Shape::Texts => (
                node.is_string()
                    || node
                        .as_sequence()
                        .is_some_and(|items| items.iter().all(Node::is_string)),
                "text, or a list of texts",
            ),
            Shape::TextList => (
                node.as_sequence()
                    .is_some_and(|items| items.iter().all(Node::is_string)),
                "a list of texts",
            ),
            Shape::Trace => (node.is_sequence(), "a list of block ids"),
        };
        if !fits {
            let message = format!("`{key}` must be {wanted}, found {}", describe(node));
            let help = match (shape, node) {
                (Shape::OutcomeWord, Node::String(word)) => {
                    let words = Kind::ALL.iter().map(|kind| kind.as_str());
                    match closest(word, words) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => "an outcome is routed, unrouted, stopped or error".to_owned(),
                    }
                }
                (Shape::Text, Node::Number(n)) => format!("quote it: `{key}: '{n}'`"),
                (Shape::Seconds, Node::String(text)) if text.trim().parse::<f64>().is_ok() => {
                    format!("write the number without quotes: `{key}: {}`", text.trim())
                }
                _ => format!("see the `{key}` field of outcome lines in docs/testing.md"),
            };
            self.error(message, help, Anchor::Value(path.clone()));
            return None;
        }
        let inner_keys: &[&str] = match shape {
            Shape::Mapping if key == "target" && node.is_mapping() => &TARGET_KEYS,
            Shape::Trace => &STEP_KEYS,
            _ => &[],
        };
        if !inner_keys.is_empty() && !self.inner_keys(node, path, inner_keys, shape) {
            return None;
        }
        self.json(node, path)
    }

    /// Check the keys of a `target` mapping, or of each mapping step of a `trace`.
    fn inner_keys(&mut self, node: &Node, path: &YamlPath, allowed: &[&str], shape: Shape) -> bool {
        let mappings: Vec<(YamlPath, &Node)> = match (shape, node) {
            (Shape::Trace, Node::Sequence(steps)) => steps
                .iter()
                .enumerate()
                .map(|(i, step)| (path.index(i), step))
                .collect(),
            _ => vec![(path.clone(), node)],
        };
        let mut ok = true;
        for (at, node) in mappings {
            match node {
                Node::Mapping(_) => {
                    let what = match shape {
                        Shape::Trace => "a trace step",
                        _ => "`target`",
                    };
                    ok &= self.mapping(node, &at, allowed, what).is_some();
                }
                Node::String(_) if shape == Shape::Trace => {}
                other => {
                    ok = false;
                    let message = format!(
                        "a trace step is a block id or a mapping, found {}",
                        describe(other)
                    );
                    let help = "e.g. `trace: [read_userdata, { block: route_agent, at_s: 0 }]`";
                    self.error(message, help, Anchor::Value(at));
                }
            }
        }
        ok
    }

    /// A YAML value as JSON: `None` (a problem recorded) for what JSON cannot say.
    pub(super) fn json(&mut self, node: &Node, path: &YamlPath) -> Option<Json> {
        match to_json(node, path) {
            Ok(json) => Some(json),
            Err((at, message)) => {
                let help = "outcome and workitem lines are JSON: numbers are finite, keys are text";
                self.error(message, help, Anchor::Value(at));
                None
            }
        }
    }

    /// An inline workitem as one JSON line, its keys in file order (outcomes print user data in the order
    /// of the line). Unknown fields are errors here, not warnings: in a suite they are typos (a case
    /// about unknown fields gives its input as `lines`).
    pub(super) fn workitem_line(&mut self, node: &Node, path: &YamlPath) -> Option<String> {
        let fields = crate::workitem::FIELDS;
        let mapping = self.mapping(node, path, &fields, "a workitem")?;
        let mut line = String::from("{");
        let mut ok = true;
        for (i, (key, value)) in mapping.iter().enumerate() {
            let Some(key) = key.as_str() else {
                ok = false;
                continue;
            };
            // Every field is checked, so that all the problems of a workitem are reported at once.
            ok &= self.json(value, &path.key(key)).is_some();
            if i > 0 {
                line.push(',');
            }
            write_json_string(key, &mut line);
            line.push(':');
            write_json_text(value, &mut line);
        }
        if !ok {
            return None;
        }
        line.push('}');
        Some(line)
    }
}

/// `node` as JSON, or the path of the first part JSON cannot say and why.
fn to_json(node: &Node, path: &YamlPath) -> Result<Json, (YamlPath, String)> {
    Ok(match node {
        Node::Null => Json::Null,
        Node::Bool(b) => Json::Bool(*b),
        Node::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::from(i)
            } else if let Some(u) = n.as_u64() {
                Json::from(u)
            } else {
                let x = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(x)
                    .map(Json::Number)
                    .ok_or_else(|| (path.clone(), format!("`{n}` is not a JSON number")))?
            }
        }
        Node::String(s) => Json::String(s.clone()),
        Node::Sequence(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| to_json(item, &path.index(i)))
                .collect::<Result<_, _>>()?,
        ),
        Node::Mapping(mapping) => {
            let mut object = serde_json::Map::new();
            for (key, value) in mapping {
                let Some(key) = key.as_str() else {
                    let message = format!("a JSON key is text, found {}", describe(key));
                    return Err((path.clone(), message));
                };
                object.insert(key.to_owned(), to_json(value, &path.key(key))?);
            }
            Json::Object(object)
        }
        Node::Tagged(_) => {
            let message = "YAML tags (`!name`) have no meaning in JSON".to_owned();
            return Err((path.clone(), message));
        }
    })
}

/// Write `node`, which [`to_json`] accepts, as JSON text with mapping keys in file order.
fn write_json_text(node: &Node, out: &mut String) {
    match node {
        Node::Sequence(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_text(item, out);
            }
            out.push(']');
        }
        Node::Mapping(mapping) => {
            out.push('{');
            for (i, (key, value)) in mapping.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key.as_str().unwrap_or_default(), out);
                out.push(':');
                write_json_text(value, out);
            }
            out.push('}');
        }
        scalar => {
            let json = to_json(scalar, &YamlPath::root()).unwrap_or(Json::Null);
            out.push_str(&json.to_string());
        }
    }
}
