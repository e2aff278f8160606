//! Suite YAML → [`Suite`], node by node, so that every problem of the file is found at once.
//!
//! As for flow and center files, the file is parsed once by serde_yaml and each level (the file, each
//! case, each expectation) is checked for unknown keys and read on its own; problems are recorded
//! against YAML paths and located with the span index. The flow and center files a suite names are
//! loaded with their own loaders, whose diagnostics come first in the report. An inline center is read
//! by the center loader too, from the suite's text with everything around the center blanked out, so its
//! diagnostics point into the suite file at the right line and column.

use super::format::{Case, Field, Suite};
use crate::center::Center;
pub(super) use crate::center::read::describe;
use crate::diagnostic::{Diagnostic, Report, SourceFile, Span, counted};
use crate::expr::closest;
use crate::flow::load_with;
use crate::model::path::YamlPath;
use crate::model::read::{Anchor, Problems};
use crate::model::spans::SpanIndex;
use crate::runtime::Runner;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

pub(super) type Node = serde_yaml::Value;

/// What a suite file held.
#[derive(Debug)]
pub enum Loaded {
    /// A valid suite, ready to run.
    Suite(Suite),
    /// A suite with problems: every one of them, located (in the suite, flow, center and table files).
    Invalid(Report),
    /// A flow or center file met while looking through a directory for suites: not a suite, skipped.
    NotASuite,
}

const SUITE_KEYS: [&str; 5] = ["description", "flow", "center", "tables", "cases"];
const CASE_KEYS: [&str; 6] = [
    "name",
    "description",
    "center",
    "workitems",
    "lines",
    "expect",
];
const EXAMPLE: &str = "e.g. `flow: ../flows/gtr_sample.yaml`, `center: ../flows/center.yaml`, \
                       `cases: [{ name: ..., workitems: [...], expect: [...] }]` (see docs/testing.md)";

/// Load the suite file at `path`. Found in a directory (`in_directory`), a YAML file that is a flow or a
/// center file (it has `application` or `phases`, or `agents`, and no `cases`) is [`Loaded::NotASuite`]:
/// suites keep their flows and centers next to them.
pub fn load(path: &Path, in_directory: bool) -> Loaded {
    let shown = path.display().to_string();
    let mut report = Report::new();
    let text = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(error)) => {
            let at = error.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&error.as_bytes()[..at]).into_owned();
            let file = Arc::new(SourceFile::new(shown, valid));
            let diagnostic =
                Diagnostic::error(Span::new(at, at), "the suite file is not UTF-8 text")
                    .with_help("save it as UTF-8");
            report.add(&file, vec![diagnostic]);
            return Loaded::Invalid(report);
        }
        Err(error) => {
            let message = format!("cannot read the suite file: {error}");
            report.add_file(shown, Diagnostic::error(Span::default(), message));
            return Loaded::Invalid(report);
        }
    };
    let file = Arc::new(SourceFile::new(shown, text));
    let parsed = crate::model::yaml::parse(file.text());
    // A flow or center file met in a directory is skipped before anything else is spent on it.
    if in_directory && parsed.as_ref().is_ok_and(is_flow_or_center) {
        return Loaded::NotASuite;
    }
    // The index finds what the reader refuses without a position, or accepts silently (duplicate and
    // merge keys, several documents), and locates syntax errors exactly.
    let index = SpanIndex::build(&file);
    if !index.problems().is_empty() {
        let problems = index.problems().iter().cloned().map(in_suite_words);
        report.add(&file, problems.collect());
        return Loaded::Invalid(report);
    }
    let root: Node = match parsed {
        Ok(root) => root,
        Err(error) => {
            let at = error.offset(file.text());
            let diagnostic =
                Diagnostic::error(Span::new(at, at), format!("YAML: {}", error.message));
            report.add(&file, vec![diagnostic]);
            return Loaded::Invalid(report);
        }
    };
    let mut reader = Reader {
        file: &file,
        index: &index,
        base: path.parent().unwrap_or(Path::new("")),
        problems: Problems::default(),
        others: Report::new(),
        centers: HashMap::new(),
    };
    let suite = reader.suite(&root);
    let suite_has_errors = reader.problems.has_errors();
    let mut report = reader.others;
    report.add(&file, reader.problems.locate(&file));
    match suite {
        Some(suite) if !suite_has_errors && report.errors() == 0 => Loaded::Suite(suite),
        _ => Loaded::Invalid(report),
    }
}

/// Whether a YAML document is a flow or a center file rather than a suite.
fn is_flow_or_center(root: &Node) -> bool {
    let has = |key: &str| root.get(key).is_some();
    !has("cases") && (has("application") || has("phases") || has("agents"))
}

/// The span index words its problems for flow files; say the same of a suite file.
fn in_suite_words(mut diagnostic: Diagnostic) -> Diagnostic {
    diagnostic.message = diagnostic.message.replace("flow file", "suite file");
    diagnostic.help = Some(match diagnostic.help {
        Some(help) => help.replace(
            "flows nest blocks a few levels deep",
            "suites nest a few levels deep",
        ),
        None => "check the brackets, quotes and indentation up to here".to_owned(),
    });
    diagnostic
}

/// A center as a suite or a case gives it.
enum Given {
    /// No center here.
    Absent,
    /// A center that does not load (its problems are reported).
    Invalid,
    /// A center.
    Center(Arc<Center>),
}

/// Centers already loaded: each file once, each inline center once (cases often share one through a YAML
/// anchor and aliases).
#[derive(Hash, PartialEq, Eq)]
enum CenterKey {
    File(PathBuf),
    Inline(u32),
}

pub(super) struct Reader<'f> {
    file: &'f Arc<SourceFile>,
    index: &'f SpanIndex,
    /// The suite file's directory: paths in the suite are relative to it.
    base: &'f Path,
    problems: Problems,
    /// Diagnostics of the other files the suite names.
    others: Report,
    centers: HashMap<CenterKey, Option<Arc<Center>>>,
}

impl Reader<'_> {
    pub(super) fn error(&mut self, message: String, help: impl Into<String>, at: Anchor) {
        let diagnostic = Diagnostic::error(Span::default(), message).with_help(help);
        self.problems.push(diagnostic, at);
    }

    /// `node` as a mapping, its unknown keys reported (with a did-you-mean); `None` (reported) when it is
    /// not a mapping.
    pub(super) fn mapping<'n>(
        &mut self,
        node: &'n Node,
        path: &YamlPath,
        allowed: &[&str],
        what: &str,
    ) -> Option<&'n serde_yaml::Mapping> {
        let help = format!("the properties of {what} are: {}", allowed.join(", "));
        let Some(mapping) = node.as_mapping() else {
            let message = format!("{what} is a mapping, found {}", describe(node));
            self.error(message, help, Anchor::Value(path.clone()));
            return None;
        };
        for key in mapping.keys() {
            match key.as_str() {
                Some(key) if allowed.contains(&key) => {}
                Some(key) => {
                    let mut diagnostic = Diagnostic::error(
                        Span::default(),
                        format!("unknown property `{key}` in {what}"),
                    )
                    .with_help(help.clone());
                    if let Some(close) = closest(key, allowed.iter().copied()) {
                        diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
                    }
                    self.problems.push(diagnostic, Anchor::Key(path.key(key)));
                }
                None => {
                    let message = format!("property names are text, found {}", describe(key));
                    self.error(message, help.clone(), Anchor::Value(path.clone()));
                }
            }
        }
        Some(mapping)
    }

    /// `file:line` (or `file:line:col`) of the value at `path`, for results to point at.
    pub(super) fn position(&self, path: &YamlPath, column: bool) -> String {
        let span = self.index.value_span(&path.0).unwrap_or_default();
        let at = self.file.line_col(span.start as usize);
        match column {
            true => format!("{}:{}:{}", self.file.name(), at.line, at.col),
            false => format!("{}:{}", self.file.name(), at.line),
        }
    }

    /// A path written in the suite, relative to the suite file. `..` steps are taken lexically when that
    /// names the same file (always, unless a symbolic link is on the way), so diagnostics and error
    /// outcomes show `flows/gtr_sample.yaml` rather than `tests/flows/../../flows/gtr_sample.yaml`.
    fn resolve(&self, relative: &str) -> PathBuf {
        let joined = self.base.join(relative);
        let mut normal = PathBuf::new();
        for component in joined.components() {
            match component {
                Component::ParentDir
                    if matches!(normal.components().next_back(), Some(Component::Normal(_))) =>
                {
                    normal.pop();
                }
                Component::CurDir => {}
                other => normal.push(other),
            }
        }
        let same = match (joined.canonicalize(), normal.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if same && !normal.as_os_str().is_empty() {
            normal
        } else {
            joined
        }
    }

    fn text<'n>(
        &mut self,
        node: Option<&'n Node>,
        path: YamlPath,
        example: &str,
    ) -> Option<&'n str> {
        match node {
            Some(Node::String(text)) if !text.trim().is_empty() => Some(text),
            Some(other) if !other.is_null() => {
                let message = format!("`{path}` is text, found {}", describe(other));
                self.error(message, example.to_owned(), Anchor::Value(path));
                None
            }
            _ => {
                let message = format!("`{path}` is missing or empty");
                self.error(message, example.to_owned(), Anchor::Value(path));
                None
            }
        }
    }

    fn suite(&mut self, root: &Node) -> Option<Suite> {
        let root_path = YamlPath::root();
        if root.is_null() {
            let message = "the suite file is empty".to_owned();
            self.error(message, EXAMPLE, Anchor::At(Span::default()));
            return None;
        }
        let mapping = self.mapping(root, &root_path, &SUITE_KEYS, "a suite file")?;
        self.description(mapping.get("description"), &root_path);
        let tables = self.tables(mapping.get("tables"), &root_path.key("tables"));
        let runner = match mapping.get("flow") {
            Some(node) => self.flow(node, &root_path.key("flow"), tables),
            None => {
                let message = "the suite does not say which flow it tests".to_owned();
                let help = "add `flow: PATH`, relative to the suite file";
                self.error(message, help, Anchor::Value(root_path.clone()));
                None
            }
        };
        let center = match mapping.get("center").filter(|n| !n.is_null()) {
            None => Given::Absent,
            Some(node) => match self.center(node, &root_path.key("center")) {
                Some(center) => Given::Center(center),
                None => Given::Invalid,
            },
        };
        let cases = self.cases(mapping.get("cases"), &root_path.key("cases"), &center);
        let runner = runner?;
        let mut files: Vec<(&PathBuf, &Arc<Center>)> = self
            .centers
            .iter()
            .filter_map(|(key, center)| match (key, center) {
                (CenterKey::File(path), Some(center)) => Some((path, center)),
                _ => None,
            })
            .collect();
        files.sort_by_key(|(path, _)| *path);
        let flow = runner.flow();
        let against_centers = files
            .into_iter()
            .map(|(path, center)| {
                let report = flow.check_against(center, &path.display().to_string());
                (flow.source.clone(), path.clone(), report)
            })
            .collect();
        Some(Suite {
            file: self.file.name().to_owned(),
            runner,
            cases: cases?,
            against_centers,
        })
    }

    fn description(&mut self, node: Option<&Node>, path: &YamlPath) {
        if let Some(node) = node.filter(|n| !n.is_null() && !n.is_string()) {
            let message = format!("`description` is text, found {}", describe(node));
            let help = "quote it, or write it as a block: `description: >-`";
            self.error(message, help, Anchor::Value(path.key("description")));
        }
    }

    /// `tables: { NAME: CSV }`: the replacements, with where each was written.
    fn tables(&mut self, node: Option<&Node>, path: &YamlPath) -> Vec<(String, PathBuf, YamlPath)> {
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return Vec::new();
        };
        let help = "`tables` maps table names to CSV files, e.g. \
                    `tables: { OPEN_MEDIA_ROUTING_CONFIG: tables/duplicated.csv }`";
        let Some(mapping) = node.as_mapping() else {
            let message = format!("`tables` is a mapping, found {}", describe(node));
            self.error(message, help, Anchor::Value(path.clone()));
            return Vec::new();
        };
        let mut tables = Vec::with_capacity(mapping.len());
        for (name, file) in mapping {
            let Some(name) = name.as_str() else {
                let message = format!("a table name is text, found {}", describe(name));
                self.error(message, help, Anchor::Value(path.clone()));
                continue;
            };
            let at = path.key(name);
            let Some(file) = self.text(Some(file), at.clone(), help) else {
                continue;
            };
            let csv = self.resolve(file);
            if let Err(error) = std::fs::metadata(&csv) {
                let message = format!("cannot read table file `{}`: {error}", csv.display());
                let help = "the path is relative to the suite file";
                self.error(message, help, Anchor::Value(at));
                continue;
            }
            tables.push((name.to_owned(), csv, at));
        }
        tables
    }

    /// The flow, loaded with the table replacements the flow declares (the others are reported here, at
    /// their place in the suite, rather than at the top of the flow file).
    fn flow(
        &mut self,
        node: &Node,
        path: &YamlPath,
        tables: Vec<(String, PathBuf, YamlPath)>,
    ) -> Option<Arc<Runner>> {
        let example = "`flow: PATH`, relative to the suite file";
        let relative = self.text(Some(node), path.clone(), example)?;
        let flow_path = self.resolve(relative);
        let declared = declared_tables(&flow_path);
        let mut replaced = HashMap::with_capacity(tables.len());
        for (name, csv, at) in tables {
            if let Some(declared) = declared.as_ref().filter(|d| !d.contains(&name)) {
                let names: Vec<&str> = declared.iter().map(String::as_str).collect();
                let help = match names.as_slice() {
                    [] => "the flow declares no tables".to_owned(),
                    names => format!("the flow declares: {}", names.join(", ")),
                };
                let mut diagnostic = Diagnostic::error(
                    Span::default(),
                    format!("the flow does not declare a table `{name}`"),
                )
                .with_help(help);
                if let Some(close) = closest(&name, names.iter().copied()) {
                    diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
                }
                self.problems.push(diagnostic, Anchor::Key(at));
                continue;
            }
            replaced.insert(name, csv);
        }
        let loaded = load_with(&flow_path, &replaced);
        let Some(flow) = loaded.flow else {
            let errors = loaded.report.errors();
            self.others.append(loaded.report);
            let message = format!(
                "the flow `{}` does not load: {}, reported above",
                flow_path.display(),
                counted(errors, "error")
            );
            let help = "`routeflow check` on the flow shows the same diagnostics";
            self.error(message, help, Anchor::Value(path.clone()));
            return None;
        };
        Some(Arc::new(Runner::new(Arc::new(flow))))
    }

    /// A center: a path to a center file, or an inline center mapping.
    fn center(&mut self, node: &Node, path: &YamlPath) -> Option<Arc<Center>> {
        match node {
            Node::String(relative) => {
                let center_path = self.resolve(relative);
                let key = CenterKey::File(center_path.clone());
                if let Some(known) = self.centers.get(&key).cloned() {
                    if known.is_none() {
                        self.center_file_error(&center_path, 0, path);
                    }
                    return known;
                }
                let loaded = crate::center::load(&center_path);
                let center = loaded.center.map(Arc::new);
                if center.is_none() {
                    let errors = loaded.report.errors();
                    self.others.append(loaded.report);
                    self.center_file_error(&center_path, errors, path);
                }
                self.centers.insert(key, center.clone());
                center
            }
            Node::Mapping(_) => {
                let Some(span) = self.index.value_span(&path.0) else {
                    let message = "this center could not be located in the file".to_owned();
                    let help = "write it out here, without aliases, or in a center file";
                    self.error(message, help, Anchor::Value(path.clone()));
                    return None;
                };
                let key = CenterKey::Inline(span.start);
                if let Some(known) = self.centers.get(&key) {
                    return known.clone();
                }
                let alone =
                    SourceFile::new(self.file.name(), blank_outside(self.file.text(), span));
                let (center, diagnostics) = Center::read(&alone);
                // The spans are offsets into the suite's text: locate them there. Warnings (an agent
                // never ready, say) are what a test may well intend: not shown.
                for diagnostic in diagnostics.into_iter().filter(Diagnostic::is_error) {
                    let at = diagnostic.span;
                    self.problems.push(diagnostic, Anchor::At(at));
                }
                let center = center.map(Arc::new);
                self.centers.insert(key, center.clone());
                center
            }
            other => {
                let message = format!(
                    "`center` is a center file's path or a center, found {}",
                    describe(other)
                );
                let help = "e.g. `center: ../flows/center.yaml`, or \
                            `center: { agents: [{ id: alice, groups: [workitems] }] }`";
                self.error(message, help, Anchor::Value(path.clone()));
                None
            }
        }
    }

    fn center_file_error(&mut self, center_path: &Path, errors: usize, path: &YamlPath) {
        let message = match errors {
            0 => format!("the center `{}` does not load", center_path.display()),
            n => format!(
                "the center `{}` does not load: {}, reported above",
                center_path.display(),
                counted(n, "error")
            ),
        };
        let help = "the path is relative to the suite file";
        self.error(message, help, Anchor::Value(path.clone()));
    }

    fn cases(&mut self, node: Option<&Node>, path: &YamlPath, center: &Given) -> Option<Vec<Case>> {
        let help = "`cases` is a list of cases, each with a `name`, `workitems` and `expect`";
        let items = match node.and_then(Node::as_sequence) {
            Some(items) if !items.is_empty() => items,
            _ => {
                let message = match node {
                    None => "the suite has no `cases`".to_owned(),
                    Some(node) if node.is_sequence() => "the suite's `cases` are empty".to_owned(),
                    Some(node) => format!("`cases` is a list of cases, found {}", describe(node)),
                };
                let at = match node {
                    None => Anchor::Value(YamlPath::root()),
                    Some(_) => Anchor::Value(path.clone()),
                };
                self.error(message, help, at);
                return None;
            }
        };
        let mut cases = Vec::with_capacity(items.len());
        let mut names: HashMap<&str, YamlPath> = HashMap::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let at = path.index(i);
            // Names are checked whatever else is wrong with the cases, so that all is reported at once.
            if let Some(name) = item.get("name").and_then(Node::as_str) {
                match names.get(name) {
                    Some(first) => self.problems.push_related(
                        Diagnostic::error(Span::default(), format!("two cases are named `{name}`"))
                            .with_label("the first is at {related}")
                            .with_help("results name cases: give each a name of its own"),
                        Anchor::Value(at.key("name")),
                        Anchor::Value(first.key("name")),
                    ),
                    None => {
                        names.insert(name, at.clone());
                    }
                }
            }
            match self.case(item, &at, center) {
                Some(case) => cases.push(case),
                None => ok = false,
            }
        }
        ok.then_some(cases)
    }

    fn case(&mut self, node: &Node, path: &YamlPath, center: &Given) -> Option<Case> {
        let mapping = self.mapping(node, path, &CASE_KEYS, "a case")?;
        let name = self.text(
            mapping.get("name"),
            path.key("name"),
            "each case has a `name`, shown in the results",
        );
        self.description(mapping.get("description"), path);
        let center = match mapping.get("center").filter(|n| !n.is_null()) {
            Some(node) => self.center(node, &path.key("center")),
            None => match center {
                Given::Center(center) => Some(center.clone()),
                Given::Invalid => None,
                Given::Absent => {
                    let message = "this case has no center to route to".to_owned();
                    let help =
                        "give `center:` in the case, or at the top of the suite for all cases";
                    self.error(message, help, Anchor::Value(path.clone()));
                    None
                }
            },
        };
        let input = match (mapping.get("workitems"), mapping.get("lines")) {
            (Some(workitems), None) => self.workitems(workitems, &path.key("workitems")),
            (None, Some(lines)) => self.lines(lines, &path.key("lines")),
            (Some(_), Some(_)) => {
                let message = "a case gives its input as `workitems` or as `lines`, not both";
                let help = "`lines` is for input that is not valid workitems (bad lines)";
                self.error(message.to_owned(), help, Anchor::Key(path.key("lines")));
                None
            }
            (None, None) => {
                let message = "this case has no input: give `workitems` (or `lines`)".to_owned();
                let help = "e.g. `workitems: [{ id: w1, userdata: { GTR_level1: Insurance } }]`";
                self.error(message, help, Anchor::Value(path.clone()));
                None
            }
        };
        let expect = self.expectations(mapping.get("expect"), path);
        let trace = expect.as_ref().is_some_and(|expect| {
            expect
                .iter()
                .any(|e| e.fields.iter().any(|(field, _)| *field == Field::Trace))
        });
        Some(Case {
            name: name?.to_owned(),
            at: self.position(path, false),
            center: center?,
            input: input?,
            trace,
            expect: expect?,
        })
    }

    fn workitems(&mut self, node: &Node, path: &YamlPath) -> Option<String> {
        let Some(items) = node.as_sequence().filter(|items| !items.is_empty()) else {
            let message = match node.is_sequence() {
                true => "`workitems` is empty: a case needs at least one".to_owned(),
                false => format!(
                    "`workitems` is a list of workitems, found {}",
                    describe(node)
                ),
            };
            let help = "e.g. `workitems: [{ id: w1, userdata: { GTR_requestedAgent: alice } }]`";
            self.error(message, help, Anchor::Value(path.clone()));
            return None;
        };
        let lines: Vec<Option<String>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| self.workitem_line(item, &path.index(i)))
            .collect();
        let lines: Option<Vec<String>> = lines.into_iter().collect();
        Some(lines?.join("\n"))
    }

    fn lines(&mut self, node: &Node, path: &YamlPath) -> Option<String> {
        let help = "`lines` is JSON Lines text (`lines: |` then one line each), or a list of lines";
        match node {
            Node::String(text) => Some(text.clone()),
            Node::Sequence(items) => {
                let mut lines = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(line) if !line.contains('\n') => lines.push(line),
                        _ => {
                            let message =
                                format!("a line is one line of text, found {}", describe(item));
                            self.error(message, help, Anchor::Value(path.index(i)));
                        }
                    }
                }
                (lines.len() == items.len()).then(|| lines.join("\n"))
            }
            other => {
                let message = format!("`lines` is text, found {}", describe(other));
                self.error(message, help, Anchor::Value(path.clone()));
                None
            }
        }
    }

    fn expectations(
        &mut self,
        node: Option<&Node>,
        case: &YamlPath,
    ) -> Option<Vec<super::format::Expectation>> {
        let path = case.key("expect");
        let Some(items) = node.and_then(Node::as_sequence).filter(|i| !i.is_empty()) else {
            let message = match node {
                Some(node) if !node.is_sequence() => {
                    format!(
                        "`expect` is a list of expectations, found {}",
                        describe(node)
                    )
                }
                _ => "this case expects nothing: it would always pass".to_owned(),
            };
            let help = "e.g. `expect: [{ id: w1, outcome: routed, agent: alice }]`";
            let at = match node {
                None => Anchor::Value(case.clone()),
                Some(_) => Anchor::Value(path),
            };
            self.error(message, help, at);
            return None;
        };
        let expectations: Vec<_> = items
            .iter()
            .enumerate()
            .map(|(i, item)| self.expectation(item, &path.index(i)))
            .collect();
        expectations.into_iter().collect()
    }
}

/// The table names the flow at `path` declares; `None` when it cannot be read (its loader reports why).
fn declared_tables(path: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let file = SourceFile::new(path.display().to_string(), text);
    let mut problems = Problems::default();
    let doc = crate::model::read::read(&file, &mut problems)?;
    let declared = doc.tables.iter().map(|table| table.name.clone());
    Some(declared.chain(doc.unread_tables.iter().cloned()).collect())
}

/// `text` with every byte outside `keep` turned into a space, line breaks kept: the same offsets, lines
/// and columns, and a YAML document holding only the value at `keep` (a root may be indented).
fn blank_outside(text: &str, keep: Span) -> String {
    let bytes: Vec<u8> = text
        .bytes()
        .enumerate()
        .map(|(i, byte)| match byte {
            _ if keep.range().contains(&i) => byte,
            b'\n' | b'\r' => byte,
            _ => b' ',
        })
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_keeps_offsets_and_lines() {
        let text = "a: 1\ncenter:\n  agents: []\nb: é\n";
        let start = text.find("agents").unwrap_or_default();
        let end = text.find("\nb:").unwrap_or_default();
        let blanked = blank_outside(text, Span::new(start, end));
        assert_eq!(blanked.len(), text.len());
        assert_eq!(blanked, "    \n       \n  agents: []\n     \n");
    }
}
