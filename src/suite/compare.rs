//! Expectations against outcome lines: which outcome each expectation is about, and every field that
//! differs, shown as expected and actual JSON.

use super::format::{Expectation, Field, Select};
use crate::diagnostic::counted;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::fmt::Write as _;

/// One outcome line of a case's replay.
#[derive(Debug, Clone)]
pub struct Actual {
    /// The input line it answers (1-based).
    pub line: usize,
    /// The outcome line, without its line break.
    pub text: String,
    /// The same, parsed.
    pub json: Json,
}

/// An expectation that does not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    /// Where the expectation is: `file:line:col`.
    pub at: String,
    /// The workitem it is about, as people name it: `` `w1` (line 1) `` or `line 3`.
    pub subject: String,
    /// What does not hold.
    pub problem: Problem,
}

/// Why an expectation does not hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// No outcome is the one it is about.
    NotFound(String),
    /// Its outcome differs in these fields.
    Differs {
        /// Each field that differs.
        fields: Vec<Difference>,
        /// The whole outcome line.
        actual: String,
    },
}

/// One field that differs: its name (`wait_s`, `userdata.GTR_level1`, `trace[3]`) and both values as
/// JSON (`nothing` where there is no value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The field.
    pub field: String,
    /// What the suite expects.
    pub expected: String,
    /// What the outcome holds.
    pub actual: String,
}

/// Check every expectation against the outcomes of a case, in input order.
pub fn check(expectations: &[Expectation], actuals: &[Actual]) -> Vec<Miss> {
    let mut taken: HashMap<&str, usize> = HashMap::new();
    let mut misses = Vec::new();
    for expectation in expectations {
        let (subject, found) = match &expectation.select {
            Select::Line(line) => (
                format!("line {line}"),
                actuals.iter().find(|a| a.line == *line).ok_or_else(|| {
                    format!(
                        "no outcome answers line {line}: it is blank or past the end of the input \
                         ({} lines)",
                        actuals.last().map_or(0, |a| a.line)
                    )
                }),
            ),
            Select::Id(id) => {
                let nth = taken.entry(id.as_str()).or_insert(0);
                *nth += 1;
                let mut with_id = actuals.iter().filter(|a| id_of(a) == Some(id.as_str()));
                match with_id.nth(*nth - 1) {
                    Some(actual) => (format!("`{id}` (line {})", actual.line), Ok(actual)),
                    None => (format!("`{id}`"), Err(not_found(id, *nth, actuals))),
                }
            }
        };
        let problem = match found {
            Err(message) => Some(Problem::NotFound(message)),
            Ok(actual) => {
                let fields = differences(&expectation.fields, &actual.json);
                (!fields.is_empty()).then(|| Problem::Differs {
                    fields,
                    actual: actual.text.clone(),
                })
            }
        };
        if let Some(problem) = problem {
            misses.push(Miss {
                at: expectation.at.clone(),
                subject,
                problem,
            });
        }
    }
    misses
}

fn id_of(actual: &Actual) -> Option<&str> {
    actual.json.get("id").and_then(Json::as_str)
}

fn not_found(id: &str, nth: usize, actuals: &[Actual]) -> String {
    let count = actuals.iter().filter(|a| id_of(a) == Some(id)).count();
    if count > 0 {
        let have = if count == 1 { "has" } else { "have" };
        return format!(
            "this is expectation {nth} for id `{id}`, but only {} {have} that id",
            counted(count, "outcome")
        );
    }
    let mut ids: Vec<&str> = Vec::new();
    for id in actuals.iter().filter_map(id_of) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let shown = match ids.len() {
        0 => "no outcome has an id".to_owned(),
        n if n <= 10 => format!("the ids are {}", ids.join(", ")),
        n => format!("the ids are {}, … ({n} in all)", ids[..10].join(", ")),
    };
    format!("no outcome has id `{id}`; {shown}")
}

/// Every expected field the outcome `actual` does not hold.
fn differences(fields: &[(Field, Json)], actual: &Json) -> Vec<Difference> {
    let mut out = Vec::new();
    for (field, expected) in fields {
        // Differences are named after the outcome's fields: `userdata.b`, not `userdata_exact.b`.
        let key = field.outcome_key();
        let value = actual.get(key);
        match field {
            Field::Userdata | Field::UserdataExact | Field::Target => {
                let exact = *field == Field::UserdataExact;
                match (expected, value) {
                    (Json::Object(expected), Some(Json::Object(value))) => {
                        mapping(key, expected, value, exact, &mut out)
                    }
                    _ => differ(key, expected, value, &mut out),
                }
            }
            Field::ErrorContains | Field::WarningsContain => {
                // The error is one text; warnings are a list (left out when there are none).
                let texts: Vec<&str> = match value {
                    Some(Json::String(message)) => vec![message],
                    Some(Json::Array(list)) => list.iter().filter_map(Json::as_str).collect(),
                    _ => Vec::new(),
                };
                let what = match field {
                    Field::ErrorContains => "an error",
                    _ => "a warning",
                };
                for wanted in texts_of(expected) {
                    if !texts.iter().any(|text| text.contains(wanted)) {
                        out.push(Difference {
                            field: key.to_owned(),
                            expected: format!("{what} containing {}", Json::from(wanted)),
                            actual: shown(value),
                        });
                    }
                }
            }
            Field::Warnings => {
                // Outcome lines leave `warnings` out when there are none.
                let none = Json::Array(Vec::new());
                differ(key, expected, Some(value.unwrap_or(&none)), &mut out);
            }
            Field::Trace => trace(expected, value, &mut out),
            _ => differ(key, expected, Some(value.unwrap_or(&Json::Null)), &mut out),
        }
    }
    out
}

/// The texts of a `*_contain*` expectation: one text, or a list.
fn texts_of(expected: &Json) -> Vec<&str> {
    match expected {
        Json::Array(texts) => texts.iter().filter_map(Json::as_str).collect(),
        other => other.as_str().into_iter().collect(),
    }
}

/// Compare whole values.
fn differ(field: &str, expected: &Json, actual: Option<&Json>, out: &mut Vec<Difference>) {
    if !actual.is_some_and(|actual| same(expected, actual)) {
        out.push(Difference {
            field: field.to_owned(),
            expected: expected.to_string(),
            actual: shown(actual),
        });
    }
}

/// Compare the keys `expected` lists (all keys of both when `exact`), one difference per key.
fn mapping(
    field: &str,
    expected: &serde_json::Map<String, Json>,
    actual: &serde_json::Map<String, Json>,
    exact: bool,
    out: &mut Vec<Difference>,
) {
    for (key, value) in expected {
        differ(&member(field, key), value, actual.get(key), out);
    }
    if exact {
        for (key, value) in actual
            .iter()
            .filter(|(key, _)| !expected.contains_key(*key))
        {
            out.push(Difference {
                field: member(field, key),
                expected: "nothing".to_owned(),
                actual: value.to_string(),
            });
        }
    }
}

/// Compare a trace step by step: a text step is a block id, a mapping step a subset of the step.
fn trace(expected: &Json, actual: Option<&Json>, out: &mut Vec<Difference>) {
    let (Some(expected_steps), Some(Json::Array(actual_steps))) = (expected.as_array(), actual)
    else {
        differ("trace", expected, actual, out);
        return;
    };
    if expected_steps.len() != actual_steps.len() {
        let blocks = actual_steps
            .iter()
            .map(|step| step.get("block").cloned().unwrap_or(Json::Null))
            .collect();
        let steps = |n: usize| {
            if n == 1 {
                "1 step".to_owned()
            } else {
                format!("{n} steps")
            }
        };
        out.push(Difference {
            field: "trace".to_owned(),
            expected: format!("{} ({})", expected, steps(expected_steps.len())),
            actual: format!("{} ({})", Json::Array(blocks), steps(actual_steps.len())),
        });
        return;
    }
    for (i, (step, actual_step)) in expected_steps.iter().zip(actual_steps).enumerate() {
        let field = format!("trace[{i}]");
        match (step, actual_step) {
            (Json::Object(step), Json::Object(actual_step)) => {
                mapping(&field, step, actual_step, false, out)
            }
            (Json::String(_), _) => differ(&field, step, actual_step.get("block"), out),
            _ => differ(&field, step, Some(actual_step), out),
        }
    }
}

/// `field.key`, or `field["key"]` for a key that is not a plain name.
fn member(field: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!("{field}.{key}")
    } else {
        format!("{field}[{}]", Json::from(key))
    }
}

fn shown(value: Option<&Json>) -> String {
    value.map_or_else(|| "nothing".to_owned(), Json::to_string)
}

/// JSON equality with numbers compared by value (`0` is `0.0`), as JSON means them.
pub fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, value)| y.get(key).is_some_and(|other| same(value, other)))
        }
        _ => a == b,
    }
}

/// The details of a failed case: each miss, its differences, and the actual outcome line.
pub fn render(misses: &[Miss], out: &mut String) {
    for miss in misses {
        let _ = writeln!(out, "    {} (expected at {})", miss.subject, miss.at);
        match &miss.problem {
            Problem::NotFound(message) => {
                let _ = writeln!(out, "      {message}");
            }
            Problem::Differs { fields, actual } => {
                for difference in fields {
                    let _ = writeln!(
                        out,
                        "      {}: expected {}, actual {}",
                        difference.field, difference.expected, difference.actual
                    );
                }
                let _ = writeln!(out, "      actual outcome: {actual}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn actual(line: usize, json: Json) -> Actual {
        Actual {
            line,
            text: json.to_string(),
            json,
        }
    }

    fn expect(select: Select, fields: Vec<(Field, Json)>) -> Expectation {
        Expectation {
            select,
            at: "s.yaml:1:1".into(),
            fields,
        }
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(same(&json!(0), &json!(0.0)));
        assert!(same(&json!(120), &json!(120.0)));
        assert!(!same(&json!(120), &json!("120")));
        assert!(same(&json!({"a": [1, 2.5]}), &json!({"a": [1.0, 2.5]})));
        assert!(!same(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }

    #[test]
    fn repeated_ids_take_their_outcomes_in_input_order() {
        let actuals = [
            actual(1, json!({"id": "w", "agent": "a"})),
            actual(2, json!({"id": "w", "agent": "b"})),
        ];
        let expectations = [
            expect(Select::Id("w".into()), vec![(Field::Agent, json!("a"))]),
            expect(Select::Id("w".into()), vec![(Field::Agent, json!("b"))]),
            expect(Select::Id("w".into()), vec![]),
        ];
        let misses = check(&expectations, &actuals);
        assert_eq!(misses.len(), 1);
        assert_eq!(
            misses[0].problem,
            Problem::NotFound(
                "this is expectation 3 for id `w`, but only 2 outcomes have that id".into()
            )
        );
    }

    #[test]
    fn userdata_is_a_subset_unless_exact() {
        let outcome = [actual(
            1,
            json!({"id": "w", "userdata": {"a": "1", "b": "2"}}),
        )];
        let subset = expect(Select::Line(1), vec![(Field::Userdata, json!({"a": "1"}))]);
        assert!(check(&[subset], &outcome).is_empty());
        let exact = expect(
            Select::Line(1),
            vec![(Field::UserdataExact, json!({"a": "1"}))],
        );
        let misses = check(&[exact], &outcome);
        let Problem::Differs { fields, .. } = &misses[0].problem else {
            panic!("{misses:?}")
        };
        assert_eq!(fields[0].field, "userdata.b");
        assert_eq!(fields[0].expected, "nothing");
    }

    #[test]
    fn absent_warnings_are_an_empty_list() {
        let outcome = [actual(1, json!({"id": "w"}))];
        let none = expect(Select::Line(1), vec![(Field::Warnings, json!([]))]);
        assert!(check(&[none], &outcome).is_empty());
    }
}
