//! Workload YAML → [`SpecFile`], every problem located.
//!
//! As for flow, center and suite files, the text is read by the project's YAML reader (bounded depth and
//! aliases, any input in time proportional to its size) and the span index names syntax errors and
//! duplicate keys exactly. The top level is checked key by key and each section deserialised on its own
//! (serde, no unknown keys), so a typo in `center` does not hide one in `workitems`; serde's path to a
//! failing value locates it through the span index.

use super::format::{CenterSpec, SpecFile, WorkitemsSpec};
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::expr::closest;
use crate::model::path::YamlPath;
use crate::model::read::{Anchor, Problems, describe_serde_error};
use crate::model::spans::SpanIndex;
use serde::de::DeserializeOwned;
use serde_aux::serde_introspection::serde_introspect;

type Node = serde_yaml::Value;

const EXAMPLE: &str =
    "e.g. `workitems: { arrivals: { count: 1000, hours: 8 } }` (see docs/workload.md)";

/// Read the workload description in `file`: the file as written, or `None` with its problems recorded.
pub(super) fn read(file: &SourceFile, problems: &mut Problems) -> Option<SpecFile> {
    let index = SpanIndex::build(file);
    if !index.problems().is_empty() {
        for problem in index.problems() {
            let problem = problem.clone();
            let at = problem.span;
            problems.push(problem, Anchor::At(at));
        }
        return None;
    }
    let root: Node = match crate::model::yaml::parse(file.text()) {
        Ok(root) => root,
        Err(error) => {
            let at = error.offset(file.text());
            problems.push(
                Diagnostic::error(Span::new(at, at), format!("YAML: {}", error.message))
                    .with_help("check the brackets, quotes and indentation up to here"),
                Anchor::At(Span::new(at, at)),
            );
            return None;
        }
    };
    let root_path = YamlPath::root();
    let Node::Mapping(mapping) = root else {
        let message = if root.is_null() {
            "the workload file is empty".to_owned()
        } else {
            format!(
                "a workload file is a mapping of properties, found {}",
                crate::center::read::describe(&root)
            )
        };
        problems.push(
            Diagnostic::error(Span::default(), message).with_help(EXAMPLE),
            Anchor::Value(root_path),
        );
        return None;
    };
    let allowed = serde_introspect::<SpecFile>();
    let mut description = None;
    let mut center = None;
    let mut workitems = None;
    let mut failed = false;
    for (key, value) in mapping {
        let Some(key) = key.as_str() else {
            problems.push(
                Diagnostic::error(
                    Span::default(),
                    format!(
                        "property names are text, found {}",
                        crate::center::read::describe(&key)
                    ),
                )
                .with_help(format!("the properties are: {}", allowed.join(", "))),
                Anchor::Value(root_path.clone()),
            );
            failed = true;
            continue;
        };
        let path = root_path.key(key);
        match key {
            "description" => description = section::<Option<String>>(value, &path, problems),
            "center" => center = section::<Option<CenterSpec>>(value, &path, problems),
            "workitems" => {
                workitems = section::<WorkitemsSpec>(value, &path, problems);
                failed |= workitems.is_none();
            }
            _ => {
                unknown_key(key, allowed, &path, "the workload file", problems);
                failed = true;
            }
        }
    }
    if workitems.is_none() && !failed {
        problems.push(
            Diagnostic::error(Span::default(), "the workload file has no `workitems`")
                .with_help(EXAMPLE),
            Anchor::Value(root_path),
        );
    }
    if problems.has_errors() {
        return None;
    }
    Some(SpecFile {
        description: description.flatten(),
        center: center.flatten(),
        workitems: workitems?,
    })
}

/// Deserialise one section, recording serde's error at the path it names.
fn section<T: DeserializeOwned>(node: Node, path: &YamlPath, problems: &mut Problems) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(node) {
        Ok(value) => Some(value),
        Err(error) => {
            let at = path.join_serde(error.path());
            let message = error.inner().to_string();
            if let Some((key, expected)) = unknown_field(&message) {
                let owner = at.0.len().saturating_sub(1);
                let parent = YamlPath(at.0[..owner].to_vec());
                let what = match parent.last_key() {
                    Some(name) => format!("`{name}`"),
                    None => "the workload file".to_owned(),
                };
                // serde's path ends at the unknown key itself.
                unknown_key(key, &expected, &at, &what, problems);
            } else {
                let (message, anchor) = describe_serde_error(&message, at);
                problems.push(Diagnostic::error(Span::default(), message), anchor);
            }
            None
        }
    }
}

/// The key and the expected keys of serde's "unknown field `x`, expected one of `a`, `b`".
fn unknown_field(message: &str) -> Option<(&str, Vec<&str>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).collect::<Vec<&str>>();
    Some((key, expected))
}

fn unknown_key(key: &str, allowed: &[&str], at: &YamlPath, what: &str, problems: &mut Problems) {
    let mut diagnostic = Diagnostic::error(
        Span::default(),
        format!("unknown property `{key}` in {what}"),
    )
    .with_help(if allowed.is_empty() {
        "it has no properties".to_owned()
    } else {
        format!("the properties are: {}", allowed.join(", "))
    });
    if let Some(close) = closest(key, allowed.iter().copied()) {
        diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
    }
    problems.push(diagnostic, Anchor::Key(at.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(yaml: &str) -> Vec<String> {
        let file = SourceFile::new("w.yaml", yaml);
        let mut problems = Problems::default();
        let spec = read(&file, &mut problems);
        let diagnostics = problems.locate(&file);
        assert_eq!(spec.is_none(), diagnostics.iter().any(|d| d.is_error()));
        diagnostics
            .iter()
            .map(|d| {
                let at = file.line_col(d.span.start as usize);
                format!(
                    "{}:{}: {} {}",
                    at.line,
                    at.col,
                    d.message,
                    d.label.as_deref().unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn a_typo_is_located_with_a_suggestion() {
        let yaml = "workitems:\n  arrivals: { count: 10, hours: 1 }\n  handle_s: { lognormal: { mean: 300, sigam: 0.5 } }\n";
        let found = problems(yaml);
        assert_eq!(
            found,
            ["3:39: unknown property `sigam` in `lognormal` did you mean `sigma`?"]
        );
    }

    #[test]
    fn every_section_reports_its_own_problem() {
        let yaml = "centre: {}\ncenter:\n  agents: { count: many }\nworkitems:\n  arivals: {}\n";
        let found = problems(yaml);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found[0].starts_with("1:1: unknown property `centre`"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("3:20: wrong type for `count`"),
            "{found:?}"
        );
        assert!(
            found[2].starts_with(
                "5:3: unknown property `arivals` in `workitems` did you mean `arrivals`?"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn empty_and_broken_files_are_diagnosed() {
        assert_eq!(problems("")[0], "1:1: the workload file is empty ");
        assert!(problems("[1, 2]")[0].contains("mapping of properties"));
        assert!(problems("description: x\n")[0].contains("no `workitems`"));
        assert!(problems("workitems: {\n")[0].starts_with("2:1:"));
        assert!(problems("a: 1\na: 2\n")[0].contains("a"));
    }
}
