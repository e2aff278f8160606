//! A misspelt variable anywhere in the sample flow is reported with the right `file:line:col` and the
//! misspelt name.
//!
//! Every occurrence of every declared variable in the sample's blocks (conditions, assign `variable`
//! and `value`, read_userdata's variables, write_userdata's key and value, table_lookup's key,
//! columns, `found` and `count`, Route targets) is misspelt in turn, in a copy of the sample written
//! next to a copy of its tables; the copy is loaded from disk and must fail with exactly one error,
//! at the occurrence, naming the misspelt name.

use routeflow::flow::load;
use std::path::{Path, PathBuf};

const SAMPLE: &str = include_str!("../flows/gtr_sample.yaml");

/// One occurrence of a variable name in the sample.
#[derive(Debug)]
struct Occurrence {
    name: String,
    /// Byte offset in the file.
    offset: usize,
    /// 1-based line.
    line: usize,
    /// 1-based column, in characters.
    col: usize,
}

fn is_identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Where `name` occurs as a whole identifier in `text`: byte offsets into `text`.
fn whole_word_matches(text: &str, name: &str) -> Vec<usize> {
    text.match_indices(name)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            !before.is_some_and(is_identifier_char) && !after.is_some_and(is_identifier_char)
        })
        .collect()
}

/// Properties whose values never name a variable.
const NOT_VARIABLES: &[&str] = &["id", "type", "name", "table", "description", "next"];

/// Every occurrence of the variables `names` in the blocks of `text` (a flow file in the sample's
/// block style): the `variables:` and `tables:` sections, comments, ids, names, descriptions and
/// table names are skipped; in a `read:` mapping only the keys (the variables) are looked at, not the
/// user-data keys.
fn occurrences(text: &str, names: &[String]) -> Vec<Occurrence> {
    let mut found = Vec::new();
    let mut section = "";
    let mut read_indent: Option<usize> = None;
    let mut line_start = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let start = line_start;
        line_start += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        let indent = line.len() - line.trim_start().len();
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if indent == 0 {
            section = content.split(':').next().unwrap_or_default();
            continue;
        }
        if section != "phases" {
            continue;
        }
        if read_indent.is_some_and(|r| indent <= r) {
            read_indent = None;
        }
        // Strip list markers: `- id: x` is the property `id`.
        let mut property = content;
        let mut property_at = start + indent;
        while let Some(rest) = property.strip_prefix("- ") {
            property_at += 2 + (rest.len() - rest.trim_start().len());
            property = rest.trim_start();
        }
        let Some((key, value)) = property.split_once(':') else {
            continue;
        };
        // The part that may name variables, and where it starts in the file.
        let (scanned, scanned_at) = if read_indent.is_some() {
            (key, property_at)
        } else if NOT_VARIABLES.contains(&key) || (key == "read" && value.trim().is_empty()) {
            if key == "read" {
                read_indent = Some(indent);
            }
            continue;
        } else {
            (value, property_at + key.len() + 1)
        };
        for name in names {
            for at in whole_word_matches(scanned, name) {
                let offset = scanned_at + at;
                found.push(Occurrence {
                    name: name.clone(),
                    offset,
                    line: index + 1,
                    col: text[start..offset].chars().count() + 1,
                });
            }
        }
    }
    found.sort_by_key(|o| o.offset);
    found
}

/// The sample's declared variables, as loading it reports them.
fn declared_variables() -> Vec<String> {
    let loaded = load(&sample_dir().join("gtr_sample.yaml"));
    let flow = loaded.flow.expect("the sample loads");
    flow.variables.iter().map(|v| v.name.to_string()).collect()
}

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("flows")
}

/// A directory holding a copy of the sample's tables, where misspelt copies of the sample go.
fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sample_misspellings");
    let tables = dir.join("tables");
    std::fs::create_dir_all(&tables).unwrap();
    for entry in std::fs::read_dir(sample_dir().join("tables")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), tables.join(entry.file_name())).unwrap();
    }
    dir
}

#[test]
fn the_scan_finds_the_occurrences_it_should() {
    let names = declared_variables();
    assert_eq!(names.len(), 13, "{names:?}");
    let found = occurrences(SAMPLE, &names);
    let at = |line: usize| -> Vec<(&str, usize)> {
        found
            .iter()
            .filter(|o| o.line == line)
            .map(|o| (o.name.as_str(), o.col))
            .collect()
    };
    let line_of = |needle: &str| SAMPLE.lines().position(|l| l.contains(needle)).unwrap() + 1;
    // A condition with three variables, a read_userdata entry (the variable, not the user-data key),
    // a table_lookup key list, a Route target, and the variables section itself (not scanned).
    assert_eq!(
        at(line_of("- when: \"requestedAgent == '' && skillExpression")),
        [
            ("requestedAgent", 18),
            ("skillExpression", 42),
            ("requestedAgentGroup", 67)
        ]
    );
    assert_eq!(at(line_of("level1: GTR_level1")), [("level1", 9)]);
    assert_eq!(
        at(line_of("key: [level1, level2, segment]")),
        [("level1", 21), ("level2", 29), ("segment", 37)]
    );
    assert_eq!(
        at(line_of("target: { agent: requestedAgent }")),
        [("requestedAgent", 32)]
    );
    assert_eq!(at(line_of("level1: { description: Level 1 Name }")), []);
    // Every variable is used somewhere, and every kind of place is visited.
    for name in &names {
        assert!(found.iter().any(|o| &o.name == name), "{name} not found");
    }
    // Counted by hand: read_userdata 6, write_userdata 2, conditions 3 + 2 + 1 + 1 + 1 + 1 + 1 + 1,
    // the two table lookups 8 + 5, the three assigns 2 each, Route targets 3.
    assert_eq!(found.len(), 41, "{found:#?}");
}

#[test]
fn every_misspelt_occurrence_is_reported_at_its_place_and_by_name() {
    let names = declared_variables();
    let found = occurrences(SAMPLE, &names);
    assert!(!found.is_empty());
    let dir = work_dir();
    let mut failures = Vec::new();
    for (i, occurrence) in found.iter().enumerate() {
        // `requestedAgent` → `rxequestedAgent`: same start, declared nowhere.
        let first = occurrence.offset + 1;
        let misspelt = format!("{}x{}", &occurrence.name[..1], &occurrence.name[1..]);
        let text = format!("{}x{}", &SAMPLE[..first], &SAMPLE[first..]);
        let path = dir.join(format!("misspelt_{i}.yaml"));
        std::fs::write(&path, &text).unwrap();
        let loaded = load(&path);
        let rendered = loaded.report.render();
        let header = format!(
            "{}:{}:{}: error: ",
            path.display(),
            occurrence.line,
            occurrence.col
        );
        let reported = rendered
            .lines()
            .any(|l| l.starts_with(&header) && l.contains(&format!("`{misspelt}`")));
        let one_error = loaded.report.errors() == 1 && loaded.report.warnings() == 0;
        if loaded.flow.is_some() || !reported || !one_error {
            failures.push(format!(
                "{} at {}:{} misspelt as {misspelt}:\n{rendered}",
                occurrence.name, occurrence.line, occurrence.col
            ));
        }
        std::fs::remove_file(&path).unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} of {} misspellings were not reported as they should:\n{}",
        failures.len(),
        found.len(),
        failures.join("\n")
    );
}
