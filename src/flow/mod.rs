//! Loading a flow: YAML → model → petgraph DAG → checks → an immutable [`Flow`] (SPEC §2).
//!
//! Every problem of the flow file and of its data tables is collected before anything is reported.

use crate::diagnostic::{Diagnostic, Report, SourceFile, Span};
use crate::expr::Scope;
use crate::graph::routed_on::RoutedOn;
use crate::graph::{FlowGraph, lower};
use crate::model::path::{Segment, YamlPath};
use crate::model::read::{Problems, read};
use crate::model::spans::SpanIndex;
use crate::table::DataTable;
use petgraph::graph::NodeIndex;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub use crate::graph::Variable;
pub use bundle::Bundle;
pub use files::{Disk, FileSource};

mod against_center;
pub mod bundle;
pub mod files;

/// A loaded, checked flow: immutable, shared by every workitem that runs through it.
#[derive(Debug)]
pub struct Flow {
    /// The application's name.
    pub application: String,
    /// What it does.
    pub description: Option<String>,
    /// Its version label.
    pub version: Option<String>,
    /// The file it was loaded from.
    pub source: PathBuf,
    /// Variable names → slots.
    pub scope: Scope,
    /// The variables, in slot order.
    pub variables: Vec<Variable>,
    /// The blocks and how they connect.
    pub graph: FlowGraph,
    /// The data tables.
    pub tables: Vec<Arc<DataTable>>,
    /// The flow file, to locate blocks in run-time error messages.
    file: Arc<SourceFile>,
    /// Where each block is in the flow file.
    paths: HashMap<NodeIndex, YamlPath>,
    /// Where each YAML node is, indexed on the first run-time error (most runs never need it).
    index: OnceLock<SpanIndex>,
    /// What the flow routes on: the names of agents, groups and skills its Route targets may use.
    routed_on: RoutedOn,
    /// Each data table's file, to locate its cells.
    table_files: HashMap<String, Arc<SourceFile>>,
    /// The slot of `workitem.id` (then `priority`, `arrive_s`) when expressions read them: a
    /// workitem's frame then holds them after the variables.
    pub workitem_slot: Option<usize>,
}

impl Flow {
    /// Number of `write_userdata` blocks: at most how many keys a workitem's user data gains.
    pub fn userdata_writes(&self) -> usize {
        self.graph
            .blocks()
            .filter(|(_, b)| matches!(b.kind, crate::graph::BlockKind::WriteUserdata { .. }))
            .count()
    }

    /// `file:line:col` of the block at `node` (of the file when the block is unknown): run-time errors
    /// name it, as load errors do.
    pub fn locate(&self, node: NodeIndex) -> String {
        let index = self.index.get_or_init(|| SpanIndex::build(&self.file));
        let at = self
            .paths
            .get(&node)
            .and_then(|path| index.value_span(&path.0))
            .map_or(0, |span| span.start as usize);
        self.at(at)
    }

    /// `file:line:col` of byte `offset` of `text`, the value of the block at `node`'s property `key`
    /// (an inline script's error); the block's place when that cannot be worked out.
    pub fn locate_inside(&self, node: NodeIndex, key: &str, text: &str, offset: usize) -> String {
        self.locate_at(node, &[Segment::Key(key.to_owned())], text, offset)
    }

    /// `file:line:col` of byte `offset` of `text`, the value at path `below` inside the block at
    /// `node` (`branches[1].when`: a failing expression); the block's place when that cannot be
    /// worked out (a default the file does not write, say).
    pub fn locate_at(
        &self,
        node: NodeIndex,
        below: &[Segment],
        text: &str,
        offset: usize,
    ) -> String {
        let index = self.index.get_or_init(|| SpanIndex::build(&self.file));
        let Some(path) = self.paths.get(&node) else {
            return self.locate(node);
        };
        let mut full = path.0.clone();
        full.extend_from_slice(below);
        let within = Span::new(offset, offset);
        match index.span_in_scalar(&self.file, &full, text, within) {
            Some(span) => self.at(span.start as usize),
            None => self.locate(node),
        }
    }

    /// An error, at the flow's `application:`, when the flow is published as `name`, another name:
    /// a flow is published under its application's name (`routeflow publish` does so).
    pub fn published_as(&self, name: &str) -> Option<Report> {
        if self.application == name {
            return None;
        }
        let index = self.index.get_or_init(|| SpanIndex::build(&self.file));
        let span = index
            .value_span(&[Segment::Key("application".to_owned())])
            .unwrap_or_default();
        let application = &self.application;
        let diagnostic = Diagnostic::error(
            span,
            format!("the flow's application is `{application}`: it cannot be published as `{name}`"),
        )
        .with_help(format!(
            "publish it as `{application}` (`PUT /v1/flows/{application}`), or rename the application"
        ));
        let mut report = Report::new();
        report.add(&self.file, vec![diagnostic]);
        Some(report)
    }

    fn at(&self, offset: usize) -> String {
        let at = self.file.line_col(offset);
        format!("{}:{}:{}", self.file.name(), at.line, at.col)
    }
}

/// The result of loading: the flow when it has no errors, and everything found (warnings included).
#[derive(Debug)]
pub struct Loaded {
    /// The flow, if it loaded without errors.
    pub flow: Option<Flow>,
    /// Errors and warnings, located.
    pub report: Report,
}

/// Load and check the flow file at `path`.
pub fn load(path: &Path) -> Loaded {
    load_with(path, &HashMap::new())
}

/// Load and check the flow file at `path`, reading the tables named in `table_files` from the given CSV
/// files instead of those the flow names (`--table NAME=CSV`). A name the flow does not declare is
/// reported as an error.
pub fn load_with(path: &Path, table_files: &HashMap<String, PathBuf>) -> Loaded {
    load_source(path, table_files, &Disk)
}

/// Load and check the flow file at `path`, reading it and the files it names from `source`.
fn load_source(
    path: &Path,
    table_files: &HashMap<String, PathBuf>,
    source: &dyn FileSource,
) -> Loaded {
    let shown = path.display().to_string();
    let bytes = match source.read(path) {
        Ok(bytes) => bytes,
        Err(error) => return unreadable(&shown, format!("cannot read the flow file: {error}")),
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&error.as_bytes()[..at]).into_owned();
            let file = Arc::new(SourceFile::new(shown, valid));
            let mut report = Report::new();
            report.add(
                &file,
                vec![
                    Diagnostic::error(Span::new(at, at), "the flow file is not UTF-8 text")
                        .with_help("save it as UTF-8"),
                ],
            );
            return Loaded { flow: None, report };
        }
    };
    let base_dir = path.parent().unwrap_or(Path::new("."));
    load_text(&shown, &text, base_dir, table_files, source)
}

/// Load and check flow text `text`, shown as `name`; table files are relative to `base_dir`.
pub fn load_str(name: &str, text: &str, base_dir: &Path) -> Loaded {
    load_text(name, text, base_dir, &HashMap::new(), &Disk)
}

fn load_text(
    name: &str,
    text: &str,
    base_dir: &Path,
    table_files: &HashMap<String, PathBuf>,
    source: &dyn FileSource,
) -> Loaded {
    let file = Arc::new(SourceFile::new(name, text));
    let mut problems = Problems::default();
    let mut report = Report::new();
    let Some(doc) = read(&file, &mut problems) else {
        report.add(&file, problems.locate(&file));
        return Loaded { flow: None, report };
    };
    for table in table_files.keys() {
        if !doc.tables.iter().any(|declared| declared.name == *table) {
            let declared: Vec<&str> = doc.tables.iter().map(|t| t.name.as_str()).collect();
            let mut diagnostic = Diagnostic::error(
                Span::default(),
                format!("`--table {table}=…` names a table the flow does not declare"),
            );
            diagnostic = match declared.as_slice() {
                [] => diagnostic.with_help("the flow declares no tables"),
                names => diagnostic.with_help(format!("the flow declares: {}", names.join(", "))),
            };
            // Shown at the flow's `tables:`, where the declared names are.
            let at = crate::model::read::Anchor::Key(YamlPath::root().key("tables"));
            problems.push(diagnostic, at);
        }
    }
    let lowered = lower(&doc, base_dir, table_files, source, &mut problems);
    let flow_has_errors = problems.has_errors();
    report.add(&file, problems.locate(&file));
    let mut tables_have_errors = false;
    let mut files: Vec<Arc<SourceFile>> = Vec::new();
    for (table_file, diagnostics) in lowered.files {
        tables_have_errors |= diagnostics.iter().any(Diagnostic::is_error);
        let table_file = Arc::new(table_file);
        report.add(&table_file, diagnostics);
        files.push(table_file);
    }
    let table_files = lowered
        .table_files
        .into_iter()
        .filter_map(|(name, at)| Some((name, files.get(at)?.clone())))
        .collect();
    let flow = (!flow_has_errors && !tables_have_errors).then(|| Flow {
        application: doc.application,
        description: doc.description,
        version: doc.version,
        source: PathBuf::from(name),
        scope: lowered.scope,
        variables: lowered.variables,
        graph: lowered.graph,
        tables: lowered.tables,
        file: file.clone(),
        paths: lowered.paths,
        index: OnceLock::new(),
        routed_on: lowered.routed_on,
        table_files,
        workitem_slot: lowered.workitem_slot,
    });
    Loaded { flow, report }
}

fn unreadable(path: &str, message: String) -> Loaded {
    let mut report = Report::new();
    report.add_file(path, Diagnostic::error(Span::default(), message));
    Loaded { flow: None, report }
}
