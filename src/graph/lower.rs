//! Read flow file → compiled [`FlowGraph`]: variables get slots, expressions are compiled, tables are
//! loaded and indexed, literal skill expressions are parsed, ids are checked and blocks connected.
//! Every problem is recorded (none stops the others from being found).

use super::block::*;
use super::routed_on::{Default, RoutedOn, routed_on};
use super::{Edge, FlowGraph, Step};
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::expr::{Expression, Kind, Scope, Value, closest, compile};
use crate::flow::FileSource;
use crate::model::path::YamlPath;
use crate::model::read::{Anchor, BlockDoc, FlowDoc, KindDoc, Phase, Problems};
use crate::model::types::Text;
use crate::script::{BlockType, Script, ScriptLimits};
use crate::skill::SkillExpression;
use crate::table::DataTable;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod cells;
mod scripts;

/// A variable of the flow.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Its name.
    pub name: Arc<str>,
    /// Its value when a workitem starts.
    pub default: Value,
    /// Masked in traces, logs and outcomes.
    pub secure: bool,
    /// Shown in traces.
    pub trace: bool,
    /// What it holds.
    pub description: Option<String>,
}

/// Everything lowering produces.
#[derive(Debug)]
pub struct Lowered {
    /// The graph.
    pub graph: FlowGraph,
    /// Variable names → slots.
    pub scope: Scope,
    /// The variables, in slot order.
    pub variables: Vec<Variable>,
    /// The data tables that loaded.
    pub tables: Vec<Arc<DataTable>>,
    /// What the flow routes on: the columns, variables and names reaching its Route blocks.
    pub routed_on: RoutedOn,
    /// The slot of `workitem.id` (then `priority`, `arrive_s`), when the flow reads them.
    pub workitem_slot: Option<usize>,
    /// Each other file read (data tables, rhai scripts), with the problems found in it.
    pub files: Vec<(SourceFile, Vec<Diagnostic>)>,
    /// Table name → its file's place in `files`.
    pub table_files: HashMap<String, usize>,
    /// Where each block is in the flow file.
    pub paths: HashMap<NodeIndex, YamlPath>,
}

/// The default Route timeout, in seconds (Genesys recommends no less).
pub const DEFAULT_TIMEOUT_S: f64 = 120.0;

/// Lower `doc` (read from a file in `base_dir`) into a graph, recording problems. `table_files` replaces
/// the CSV file of the tables it names (`--table NAME=CSV`).
pub fn lower(
    doc: &FlowDoc,
    base_dir: &Path,
    table_files: &HashMap<String, std::path::PathBuf>,
    source: &dyn FileSource,
    problems: &mut Problems,
) -> Lowered {
    let mut lowering = Lowering {
        problems,
        source,
        scope: Scope::new(),
        tables: HashMap::new(),
        files: Vec::new(),
        table_files: HashMap::new(),
        base_dir: base_dir.to_path_buf(),
        limits: ScriptLimits::default(),
        engine: None,
        block_types: HashMap::new(),
        script_files: HashMap::new(),
        graph: DiGraph::new(),
        ids: HashMap::new(),
        paths: HashMap::new(),
        nodes: HashMap::new(),
        routed: Vec::new(),
        jumps: Vec::new(),
        orphans: Vec::new(),
        declared_tables: doc
            .tables
            .iter()
            .map(|t| t.name.clone())
            .chain(doc.unread_tables.iter().cloned())
            .collect(),
        given_ids: doc
            .phases
            .iter()
            .flat_map(|(_, blocks)| given_ids(blocks))
            .collect(),
        compiled: None,
    };
    let (variables, workitem_slot) = lowering.variables(doc);
    lowering.compiled = Some(HashMap::new());
    lowering.tables(doc, base_dir, table_files);
    lowering.script_limits(doc);
    lowering.extensions(doc);
    for (phase, blocks) in &doc.phases {
        lowering.place(blocks, *phase, phase.key());
    }
    let mut entries = [NodeIndex::end(); 3];
    let mut ends = [NodeIndex::end(); 3];
    for phase in Phase::ALL {
        ends[phase as usize] = lowering.graph.add_node(Step::End(phase));
        let blocks = doc
            .phases
            .iter()
            .find(|(p, _)| *p == phase)
            .map_or(&[][..], |(_, b)| b.as_slice());
        entries[phase as usize] = lowering.connect(blocks, ends[phase as usize], phase);
    }
    lowering.graph.add_edge(ends[0], entries[1], Edge::Next);
    lowering.graph.add_edge(ends[1], entries[2], Edge::Next);
    for route in std::mem::take(&mut lowering.routed) {
        lowering.graph.add_edge(route, entries[2], Edge::Routed);
    }
    let graph = FlowGraph {
        graph: lowering.graph,
        entries,
    };
    super::check::check(
        &graph,
        &lowering.paths,
        &lowering.jumps,
        &lowering.orphans,
        lowering.problems,
    );
    let defaults: Vec<Default<'_>> = doc
        .variables
        .iter()
        .zip(&variables)
        .filter_map(|(declared, variable)| {
            Some(Default {
                slot: lowering.scope.slot(&declared.name)?,
                value: &variable.default,
                path: declared.path.key("default"),
                text: declared.def.default.as_ref()?.as_str(),
            })
        })
        .collect();
    let routed_on = routed_on(&graph, &lowering.paths, &defaults);
    // The graph moved out above; the field is given a value again so that the lowering is whole.
    lowering.graph = DiGraph::new();
    lowering.check_cells(&routed_on, &graph);
    Lowered {
        graph,
        scope: lowering.scope,
        variables,
        tables: lowering.tables.into_values().collect(),
        files: lowering.files,
        table_files: lowering.table_files,
        paths: lowering.paths,
        routed_on,
        workitem_slot,
    }
}

struct Lowering<'p> {
    problems: &'p mut Problems,
    /// Where the files the flow names are read from.
    source: &'p dyn FileSource,
    scope: Scope,
    tables: HashMap<String, Arc<DataTable>>,
    files: Vec<(SourceFile, Vec<Diagnostic>)>,
    /// Table name → its file's place in `files`.
    table_files: HashMap<String, usize>,
    base_dir: PathBuf,
    limits: ScriptLimits,
    /// The flow's rhai engine, made when the first script needs it (after the tables, for `lookup`).
    engine: Option<Arc<rhai::Engine>>,
    /// The custom block types that loaded.
    block_types: HashMap<String, Arc<BlockType>>,
    /// Script files compiled so far (`None`: it failed, its problems are reported).
    script_files: HashMap<PathBuf, Option<Arc<Script>>>,
    graph: DiGraph<Step, Edge>,
    /// Block id → (node if the block compiled, phase, path).
    ids: HashMap<String, (Option<NodeIndex>, Phase, YamlPath)>,
    paths: HashMap<NodeIndex, YamlPath>,
    /// Block path → its node and id.
    nodes: HashMap<YamlPath, (Option<NodeIndex>, Arc<str>)>,
    routed: Vec<NodeIndex>,
    /// Every `next:` jump that resolved: (the jumping block, its target).
    jumps: Vec<(NodeIndex, NodeIndex)>,
    /// Entries of branches whose Segmentation did not compile.
    orphans: Vec<NodeIndex>,
    declared_tables: std::collections::BTreeSet<String>,
    /// Every id written in the file: a generated id never takes one, even one given further on.
    given_ids: std::collections::HashSet<String>,
    /// Expressions compiled so far, by text, once every variable is declared (the scope no longer
    /// changes): flows repeat conditions and values, and a copy costs far less than a parse.
    compiled: Option<HashMap<Box<str>, Expression>>,
}

impl Lowering<'_> {
    fn push(&mut self, diagnostic: Diagnostic, at: Anchor) {
        self.problems.push(diagnostic, at);
    }

    /// The variables, and the slot of the workitem's fields when the flow reads them (declared after
    /// the variables and before their defaults compile, so that a default reading one is told why).
    fn variables(&mut self, doc: &FlowDoc) -> (Vec<Variable>, Option<usize>) {
        for declared in &doc.variables {
            let name = declared.name.as_str();
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
            if !valid {
                self.push(
                    Diagnostic::error(
                        Span::default(),
                        format!("`{name}` is not a valid variable name"),
                    )
                    .with_help(
                        "names start with a letter, `_` or `$`, then letters, digits, `_` or `$`",
                    ),
                    Anchor::Key(declared.path.clone()),
                );
            } else if crate::expr::is_reserved(name) {
                self.push(
                    Diagnostic::error(
                        Span::default(),
                        format!("`{name}` is reserved by the expression language"),
                    )
                    .with_help("choose another name"),
                    Anchor::Key(declared.path.clone()),
                );
            }
            self.scope.declare(name);
        }
        let workitem_slot = doc.reads_workitem.then(|| self.scope.declare_workitem());
        let mut variables = Vec::new();
        for declared in &doc.variables {
            let def = &declared.def;
            let default = match &def.default {
                None => Value::empty_string(),
                Some(text) => {
                    let path = declared.path.key("default");
                    match self.compile(text, &path, None) {
                        Some(expression) => match expression.constant() {
                            Some(value) => value.clone(),
                            None => {
                                self.default_uses_variables(text, &path);
                                Value::Null
                            }
                        },
                        None => Value::Null,
                    }
                }
            };
            variables.push(Variable {
                name: Arc::from(declared.name.as_str()),
                default,
                secure: def.secure,
                trace: def.trace,
                description: def.description.as_ref().map(|t| t.0.clone()),
            });
        }
        (variables, workitem_slot)
    }

    /// Report each variable the default `text` (at `path`) uses, where it uses it.
    fn default_uses_variables(&mut self, text: &Text, path: &YamlPath) {
        let help = "defaults are evaluated once, when the flow loads; set it with an `assign` block instead";
        // Compiled without any variable, each one used is reported undeclared, with its place.
        let uses: Vec<(String, Span)> = match compile(text.as_str(), &Scope::new()) {
            Ok(_) => Vec::new(),
            Err(diagnostics) => diagnostics
                .into_iter()
                .filter_map(|d| {
                    let name = d.message.strip_prefix("undeclared variable `")?;
                    let name = name.strip_suffix('`')?;
                    self.scope.slot(name).map(|_| (name.to_owned(), d.span))
                })
                .collect(),
        };
        if uses.is_empty() {
            self.push(
                Diagnostic::error(Span::default(), "a default cannot use other variables")
                    .with_help(help),
                Anchor::Value(path.clone()),
            );
        }
        for (name, span) in uses {
            self.push(
                Diagnostic::error(
                    Span::default(),
                    format!("a default cannot use a variable: `{name}`"),
                )
                .with_help(help),
                Anchor::Inside {
                    path: path.clone(),
                    text: text.0.clone(),
                    span,
                },
            );
        }
    }

    fn tables(
        &mut self,
        doc: &FlowDoc,
        base_dir: &Path,
        replaced: &HashMap<String, std::path::PathBuf>,
    ) {
        for declared in &doc.tables {
            let path = match replaced.get(&declared.name) {
                Some(path) => path.clone(),
                None => base_dir.join(declared.def.file.as_str()),
            };
            let key: Vec<&str> = declared.def.key.iter().map(Text::as_str).collect();
            let bytes = match self.source.read(&path) {
                Ok(bytes) => bytes,
                Err(error) => {
                    let diagnostic = match replaced.contains_key(&declared.name) {
                        false => Diagnostic::error(
                            Span::default(),
                            format!("cannot read table file `{}`: {error}", path.display()),
                        )
                        .with_help("the path is relative to the flow file"),
                        true => Diagnostic::error(
                            Span::default(),
                            format!(
                                "cannot read `{}`, the file given to replace table `{}`: {error}",
                                path.display(),
                                declared.name,
                            ),
                        )
                        .with_help(
                            "a replacement's path is relative to where it is given: the working \
                             directory for `--table`, the suite file for a suite's `tables:`",
                        ),
                    };
                    self.push(diagnostic, Anchor::Value(declared.path.key("file")));
                    continue;
                }
            };
            let shown = path.display().to_string();
            let (file, table) = DataTable::from_bytes(&declared.name, &shown, &bytes, &key);
            self.table_files
                .insert(declared.name.clone(), self.files.len());
            match table {
                Ok(table) => {
                    let warnings = cells::duplicate_keys(&table, &file);
                    self.tables.insert(declared.name.clone(), Arc::new(table));
                    self.files.push((file, warnings));
                }
                Err(diagnostics) => self.files.push((file, diagnostics)),
            }
        }
    }

    /// Compile `text` (at `path`) against the flow's variables.
    fn compile(&mut self, text: &Text, path: &YamlPath, block: Option<&str>) -> Option<Expression> {
        if let Some(expression) = self.compiled.as_ref().and_then(|c| c.get(text.as_str())) {
            return Some(expression.clone());
        }
        match compile(text.as_str(), &self.scope) {
            Ok(expression) => {
                if let Some(compiled) = &mut self.compiled {
                    compiled.insert(text.as_str().into(), expression.clone());
                }
                Some(expression)
            }
            Err(diagnostics) => {
                for mut diagnostic in diagnostics {
                    let whole = text.as_str().trim();
                    if diagnostic.message == format!("undeclared variable `{whole}`") {
                        // A close variable name is the likelier fix: keep it first.
                        let quote = format!("to mean the text {whole}, quote it: \"'{whole}'\"");
                        let help = match diagnostic.help.as_deref() {
                            Some(close) if close.starts_with("did you mean") => {
                                format!("{close} Or, {quote}")
                            }
                            _ => format!("expressions are JavaScript: {quote}"),
                        };
                        diagnostic = diagnostic.with_help(help);
                    }
                    if let Some(block) = block {
                        diagnostic = diagnostic.in_block(block);
                    }
                    let span = diagnostic.span;
                    self.push(
                        diagnostic,
                        Anchor::Inside {
                            path: path.clone(),
                            text: text.0.clone(),
                            span,
                        },
                    );
                }
                None
            }
        }
    }

    /// Report `expression` when its form alone shows it never gives a `wanted` (`what` names the
    /// place, e.g. "a Route target"): a comparison where a string belongs fails every workitem that
    /// reaches it, so it is found at load. Returns whether the expression may give a `wanted`.
    fn expect_kind(
        &mut self,
        expression: &Expression,
        wanted: Kind,
        what: &str,
        path: &YamlPath,
        id: &str,
    ) -> bool {
        match expression.kind() {
            Some(kind) if kind != wanted => {
                let always = if expression.constant().is_some() {
                    "is"
                } else {
                    "always gives"
                };
                self.push(
                    Diagnostic::error(
                        Span::default(),
                        format!(
                            "{what} is a {wanted}; `{}` {always} a {kind}",
                            expression.source().trim()
                        ),
                    )
                    .in_block(id)
                    .with_help(match wanted {
                        Kind::Bool => "a condition compares or tests something: `segment == 'Gold'`, `vip`, `!found`",
                        Kind::Number => "give a number, or an expression that computes one: `120`, `vip ? 10 : 0`",
                        _ => "quote literal text (`\"'gold_group'\"`), or give a variable or an expression that builds text",
                    }),
                    Anchor::Value(path.clone()),
                );
                false
            }
            _ => true,
        }
    }

    /// The slot of variable `name`, which a block assigns.
    fn target_variable(&mut self, name: &str, at: Anchor, block: &str) -> Option<Slot> {
        if let Some(slot) = self.scope.slot(name) {
            return Some(slot);
        }
        let mut diagnostic = Diagnostic::error(
            Span::default(),
            format!("assignment to undeclared variable `{name}`"),
        )
        .in_block(block);
        diagnostic = match closest(name, self.scope.names()) {
            Some(close) => diagnostic.with_label(format!("did you mean `{close}`?")),
            None => diagnostic,
        }
        .with_help("declare it under `variables:`");
        self.push(diagnostic, at);
        None
    }

    /// Pass 1, in file order: give every block an id and a node.
    fn place(&mut self, blocks: &[BlockDoc], phase: Phase, prefix: &str) {
        for (i, block) in blocks.iter().enumerate() {
            let id = match &block.id {
                Some(id) => {
                    if id.is_empty()
                        || !id
                            .chars()
                            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
                    {
                        self.push(
                            Diagnostic::error(
                                Span::default(),
                                format!("`{id}` is not a valid block id"),
                            )
                            .with_help("ids are letters, digits, `_`, `-` and `.`"),
                            Anchor::Value(block.path.key("id")),
                        );
                    }
                    id.clone()
                }
                None => self.generated_id(&format!("{prefix}_{i}")),
            };
            if let Some((_, _, first)) = self.ids.get(&id) {
                let first = first.clone();
                self.problems.push_related(
                    Diagnostic::error(Span::default(), format!("duplicate block id `{id}`"))
                        .with_help(format!(
                            "ids are unique; the first `{id}` is at {{related}}"
                        )),
                    Anchor::Value(block.path.key("id")),
                    Anchor::Value(first.key("id")),
                );
            }
            let node = self
                .compile_block(block, phase, &id)
                .map(|b| self.graph.add_node(Step::Block(Box::new(b))));
            if let Some(node) = node {
                self.paths.insert(node, block.path.clone());
            }
            self.ids
                .entry(id.clone())
                .or_insert((node, phase, block.path.clone()));
            self.nodes
                .insert(block.path.clone(), (node, Arc::from(id.as_str())));
            for (blocks, suffix) in block.kind.children() {
                self.place(blocks, phase, &format!("{id}_{suffix}"));
            }
        }
    }

    fn generated_id(&self, wanted: &str) -> String {
        let mut id = wanted.to_owned();
        while self.ids.contains_key(&id) || self.given_ids.contains(&id) {
            id.push('_');
        }
        id
    }

    /// Pass 2: connect a list of blocks that continues with `after`; returns the list's entry.
    fn connect(&mut self, blocks: &[BlockDoc], after: NodeIndex, phase: Phase) -> NodeIndex {
        let placed: Vec<Option<NodeIndex>> = blocks
            .iter()
            .map(|b| self.nodes.get(&b.path).and_then(|(node, _)| *node))
            .collect();
        for (i, block) in blocks.iter().enumerate() {
            let following = placed[i + 1..]
                .iter()
                .flatten()
                .next()
                .copied()
                .unwrap_or(after);
            let jump = self.jump_target(block, phase);
            let Some(node) = placed[i] else {
                // A block that did not compile has its problems reported. Its branches or outputs are
                // still connected, and counted as reached, so that their blocks do not get warnings
                // that only repeat those problems.
                let successor = jump.unwrap_or(following);
                for (blocks, _) in block.kind.children() {
                    let entry = self.connect(blocks, successor, phase);
                    if entry != successor {
                        self.orphans.push(entry);
                    }
                }
                continue;
            };
            let (successor, edge) = match jump {
                Some(target) => {
                    // Whatever edges lead there (a Route's timeout, a branch's end), this is the jump.
                    self.jumps.push((node, target));
                    (target, Edge::Jump)
                }
                None => (following, Edge::Next),
            };
            match &block.kind {
                KindDoc::Segmentation {
                    branches,
                    otherwise,
                } => {
                    for (index, branch) in branches.iter().enumerate() {
                        let entry = self.connect(&branch.blocks, successor, phase);
                        let condition = branch.when.0.clone();
                        let name = branch.name.clone();
                        self.graph.add_edge(
                            node,
                            entry,
                            Edge::Branch {
                                index,
                                condition,
                                name,
                            },
                        );
                    }
                    let entry = self.connect(otherwise, successor, phase);
                    self.graph.add_edge(node, entry, Edge::Otherwise);
                }
                KindDoc::Route(_) => {
                    self.graph.add_edge(node, successor, Edge::TimedOut);
                    self.routed.push(node);
                }
                KindDoc::Script { outputs, .. } | KindDoc::Custom { outputs, .. } => {
                    let declared: Vec<Arc<str>> = match self.graph[node] {
                        Step::Block(ref b) => match &b.kind {
                            BlockKind::Script(script) => script.call.outputs().to_vec(),
                            _ => Vec::new(),
                        },
                        Step::End(_) => Vec::new(),
                    };
                    for output in outputs {
                        let entry = self.connect(&output.blocks, successor, phase);
                        // An output the type does not declare is reported; its blocks still count.
                        match declared.iter().position(|d| **d == *output.name) {
                            Some(index) => {
                                let name = declared[index].clone();
                                self.graph
                                    .add_edge(node, entry, Edge::Output { index, name });
                            }
                            None if entry != successor => self.orphans.push(entry),
                            None => {}
                        }
                    }
                    // Ending with nothing, or with an output given no blocks, goes on.
                    self.graph.add_edge(node, successor, edge);
                }
                KindDoc::Finish => {
                    if jump.is_some() {
                        let id = self.nodes.get(&block.path).map(|(_, id)| id.clone());
                        let mut diagnostic = Diagnostic::warning(
                            Span::default(),
                            "a `finish` block ends the application: its `next` is never followed",
                        )
                        .with_help("remove `next`, or change the block's type");
                        if let Some(id) = id {
                            diagnostic = diagnostic.in_block(&*id);
                        }
                        self.push(diagnostic, Anchor::Value(block.path.key("next")));
                    }
                }
                _ => {
                    self.graph.add_edge(node, successor, edge);
                }
            }
        }
        placed.iter().flatten().next().copied().unwrap_or(after)
    }

    /// The node `next:` names, if the block has a valid one.
    fn jump_target(&mut self, block: &BlockDoc, own_phase: Phase) -> Option<NodeIndex> {
        let target = block.next.as_deref()?;
        let own_id = self.nodes.get(&block.path).map(|(_, id)| id.clone())?;
        let at = Anchor::Value(block.path.key("next"));
        match self.ids.get(target) {
            Some((Some(node), phase, _)) if *phase == own_phase => Some(*node),
            Some((Some(_), phase, _)) => {
                let phase = *phase;
                self.push(
                    Diagnostic::error(
                        Span::default(),
                        format!(
                            "`next` jumps to `{target}`, in another phase ({})",
                            phase.title()
                        ),
                    )
                    .in_block(&*own_id)
                    .with_help("a jump stays within its phase; phases always run in order"),
                    at,
                );
                None
            }
            // The target exists but did not compile: its own problems are reported.
            Some((None, ..)) => None,
            None => {
                let mut diagnostic = Diagnostic::error(
                    Span::default(),
                    format!("`next` names no block: `{target}`"),
                )
                .in_block(&*own_id);
                if let Some(close) = closest(target, self.ids.keys().map(String::as_str)) {
                    diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
                }
                self.push(diagnostic, at);
                None
            }
        }
    }

    /// Compile one block's own properties (its children are placed separately).
    fn compile_block(&mut self, block: &BlockDoc, phase: Phase, id: &str) -> Option<Block> {
        let path = &block.path;
        let kind = match &block.kind {
            KindDoc::Invalid => return None,
            KindDoc::Assign(def) => {
                let variable = self.target_variable(
                    def.variable.as_str(),
                    Anchor::Value(path.key("variable")),
                    id,
                );
                let value = self.compile(&def.value, &path.key("value"), Some(id));
                BlockKind::Assign {
                    variable: variable?,
                    value: value?,
                }
            }
            KindDoc::ReadUserdata(def) => {
                let mut reads = Vec::new();
                for (variable, key) in &def.read {
                    let slot = self.target_variable(
                        variable,
                        Anchor::Key(path.key("read").key(variable)),
                        id,
                    );
                    if key.as_str().is_empty() {
                        self.push(
                            Diagnostic::error(Span::default(), "a user-data key cannot be empty")
                                .in_block(id)
                                .with_help(format!(
                                    "name the user-data key to read into `{variable}`, e.g. `{variable}: GTR_level1`"
                                )),
                            Anchor::Value(path.key("read").key(variable)),
                        );
                    }
                    if let Some(slot) = slot {
                        reads.push((slot, Arc::from(key.as_str())));
                    }
                }
                BlockKind::ReadUserdata { reads }
            }
            KindDoc::WriteUserdata(def) => {
                let key = self.compile(&def.key, &path.key("key"), Some(id));
                let value = self.compile(&def.value, &path.key("value"), Some(id));
                if let Some(constant) = key.as_ref().and_then(Expression::constant)
                    && constant.as_str().is_none_or(str::is_empty)
                {
                    self.push(
                        Diagnostic::error(
                            Span::default(),
                            "a user-data key must be a non-empty string",
                        )
                        .in_block(id)
                        .with_help("quote a literal key: \"'GTR_level1'\""),
                        Anchor::Value(path.key("key")),
                    );
                } else if let Some(key) = &key {
                    self.expect_kind(key, Kind::String, "a user-data key", &path.key("key"), id);
                }
                BlockKind::WriteUserdata {
                    key: key?,
                    value: value?,
                    written: std::sync::OnceLock::new(),
                }
            }
            KindDoc::Segmentation { branches, .. } => {
                let mut conditions = Vec::new();
                for (b, branch) in branches.iter().enumerate() {
                    let when_path = path.key("branches").index(b).key("when");
                    if let Some(condition) = self.compile(&branch.when, &when_path, Some(id)) {
                        if let Some(constant) = condition.constant()
                            && constant.as_bool().is_none()
                        {
                            self.push(
                                Diagnostic::error(
                                    Span::default(),
                                    format!(
                                        "a condition must be true or false, this is always a {}",
                                        constant.kind()
                                    ),
                                )
                                .in_block(id),
                                Anchor::Value(when_path),
                            );
                        } else {
                            self.expect_kind(&condition, Kind::Bool, "a condition", &when_path, id);
                        }
                        conditions.push(condition);
                    }
                }
                if conditions.len() != branches.len() {
                    return None;
                }
                BlockKind::Segmentation { conditions }
            }
            KindDoc::TableLookup(def) => BlockKind::TableLookup(self.table_lookup(def, path, id)?),
            KindDoc::Route(def) => {
                let route = self.route(def, path, id);
                if phase != Phase::AssistedService {
                    self.push(
                        Diagnostic::error(
                            Span::default(),
                            format!("a Route block cannot be in {}", phase.title()),
                        )
                        .in_block(id)
                        .with_help(
                            "routing happens in `assisted_service` (as in Designer): Initialize \
                             prepares the workitem, Finalize runs after routing",
                        ),
                        Anchor::Value(path.key("type")),
                    );
                    return None;
                }
                BlockKind::Route(route?)
            }
            KindDoc::Log(def) => BlockKind::Log {
                message: self.compile(&def.message, &path.key("message"), Some(id))?,
            },
            KindDoc::Script { source, outputs } => {
                BlockKind::Script(self.script_block(source, outputs, path, id)?)
            }
            KindDoc::Custom {
                type_name,
                properties,
                outputs,
            } => BlockKind::Script(self.custom_block(type_name, properties, outputs, path, id)?),
            KindDoc::Finish => BlockKind::Finish,
        };
        Some(Block {
            id: Arc::from(id),
            name: block.name.as_deref().map(Arc::from),
            phase,
            kind,
        })
    }

    fn table_lookup(
        &mut self,
        def: &crate::model::types::TableLookupDef,
        path: &YamlPath,
        id: &str,
    ) -> Option<TableLookup> {
        let name = def.table.as_str();
        let table = self.tables.get(name).cloned();
        // A declared table that failed to load has its problems reported in its own file.
        if !self.declared_tables.contains(name) {
            let mut diagnostic =
                Diagnostic::error(Span::default(), format!("table `{name}` is not declared"))
                    .in_block(id);
            if let Some(close) = closest(name, self.declared_tables.iter().map(String::as_str)) {
                diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
            }
            self.push(
                diagnostic
                    .with_help("declare it under `tables:` with its CSV file and key columns"),
                Anchor::Value(path.key("table")),
            );
        }
        let key: Vec<Option<Expression>> = def
            .key
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let part_path = path.key("key").index(i);
                let part = self.compile(text, &part_path, Some(id))?;
                self.expect_kind(&part, Kind::String, "a table key", &part_path, id)
                    .then_some(part)
            })
            .collect();
        let mut columns = Vec::new();
        for (column, variable) in &def.columns {
            let slot = self.target_variable(
                variable.as_str(),
                Anchor::Value(path.key("columns").key(column)),
                id,
            );
            if let Some(table) = &table {
                match table.column(column) {
                    Some(resolved) => columns.extend(slot.map(|slot| (resolved, slot))),
                    None => {
                        let mut diagnostic = Diagnostic::error(
                            Span::default(),
                            format!("table `{name}` has no column `{column}`"),
                        )
                        .in_block(id);
                        if let Some(close) = closest(column, table.columns()) {
                            diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
                        }
                        let all: Vec<&str> = table.columns().collect();
                        self.push(
                            diagnostic.with_help(format!("its columns are: {}", all.join(", "))),
                            Anchor::Key(path.key("columns").key(column)),
                        );
                    }
                }
            }
        }
        // Both are checked before giving up on either: every problem is reported.
        let found = def.found.as_ref().map(|variable| {
            self.target_variable(variable.as_str(), Anchor::Value(path.key("found")), id)
        });
        let count = def.count.as_ref().map(|variable| {
            self.target_variable(variable.as_str(), Anchor::Value(path.key("count")), id)
        });
        let table = table?;
        if key.len() != table.key().len() {
            let names: Vec<&str> = table.key().iter().map(|c| table.column_name(*c)).collect();
            self.push(
                Diagnostic::error(
                    Span::default(),
                    format!(
                        "table `{name}` is keyed by {} columns, this lookup gives {}",
                        names.len(),
                        key.len()
                    ),
                )
                .in_block(id)
                .with_help(format!(
                    "give one expression per key column: {}",
                    names.join(", ")
                )),
                Anchor::Value(path.key("key")),
            );
            return None;
        }
        let key = key.into_iter().collect::<Option<Vec<_>>>()?;
        if columns.len() != def.columns.len() {
            return None;
        }
        // A variable that was named (outer `Some`) but is not declared (inner `None`) fails the block.
        let resolved = |slot: Option<Option<Slot>>| match slot {
            None => Some(None),
            Some(slot) => slot.map(Some),
        };
        let constant = key
            .iter()
            .map(|k| k.constant().and_then(Value::as_str))
            .collect::<Option<Vec<&str>>>()
            .map(|parts| {
                let rows = table.lookup(&parts);
                FoundRows {
                    count: rows.len(),
                    single: rows.single().map(|row| row.id()),
                }
            });
        Some(TableLookup {
            table,
            key,
            columns,
            found: resolved(found)?,
            count: resolved(count)?,
            constant,
        })
    }

    /// A Route block: every property is checked even when another one fails.
    fn route(
        &mut self,
        def: &crate::model::types::RouteDef,
        path: &YamlPath,
        id: &str,
    ) -> Option<Route> {
        let acknowledged = self.acknowledged(def, path, id);
        let target = self.route_target(def, path, id);
        let timeout = self.route_timeout(def, path, id, &acknowledged);
        let priority = self.route_priority(def, path, id);
        Some(Route {
            target: target?,
            timeout: timeout?,
            priority: priority?,
        })
    }

    fn route_target(
        &mut self,
        def: &crate::model::types::RouteDef,
        path: &YamlPath,
        id: &str,
    ) -> Option<Target> {
        // The reader reports a target that names none or several of them.
        let (kind, text) = def.target.given()?;
        let target_path = path.key("target").key(kind);
        // `skill: english > 3` is a skill expression, not JavaScript: say so, once, instead of
        // reporting `english` as an undeclared variable, or (when `english` is a variable) a comparison
        // where a string belongs.
        if kind == "skill"
            && SkillExpression::parse(text.as_str()).is_ok()
            && compile(text.as_str(), &self.scope)
                .map_or(true, |e| e.kind().is_some_and(|k| k != Kind::String))
        {
            let quoted = text.as_str().replace('\\', "\\\\").replace('"', "\\\"");
            self.push(
                Diagnostic::error(Span::default(), "this looks like a skill expression written without quotes")
                    .in_block(id)
                    .with_help(format!("targets are expressions: for the literal skill expression, write skill: \"\\\"{quoted}\\\"\"")),
                Anchor::Value(target_path.clone()),
            );
            return None;
        }
        let expression = self.compile(text, &target_path, Some(id))?;
        if expression.constant().is_none()
            && !self.expect_kind(
                &expression,
                Kind::String,
                "a Route target",
                &target_path,
                id,
            )
        {
            return None;
        }
        if let Some(constant) = expression.constant() {
            match constant.as_str() {
                None => {
                    self.push(
                        Diagnostic::error(
                            Span::default(),
                            format!("a Route target is a string, this is a {}", constant.kind()),
                        )
                        .in_block(id),
                        Anchor::Value(target_path.clone()),
                    );
                    return None;
                }
                Some("") => {
                    self.push(
                        Diagnostic::warning(
                            Span::default(),
                            "this Route target names nothing: it never matches an agent",
                        )
                        .in_block(id)
                        .with_help("the workitem will wait out the whole timeout here"),
                        Anchor::Value(target_path.clone()),
                    );
                }
                Some(_) => {}
            }
        }
        let target = match kind {
            "agent" => Target::Agent(expression),
            "agent_group" => Target::AgentGroup(expression),
            _ => match expression.constant().and_then(Value::as_str) {
                Some(literal) if !literal.is_empty() => match SkillExpression::parse(literal) {
                    Ok(skill) => Target::Skill(SkillTarget::Literal {
                        skill,
                        text: literal.into(),
                    }),
                    Err(error) => {
                        // Inside the JavaScript string literal: one quote in, when it has no escapes.
                        let source = text.as_str();
                        let trimmed_start = source.len() - source.trim_start().len();
                        let span = if source.contains('\\') {
                            Span::new(trimmed_start, source.trim_end().len())
                        } else {
                            error.span.shifted(trimmed_start + 1)
                        };
                        let mut diagnostic = error.clone().in_block(id);
                        diagnostic.message = format!("skill expression: {}", diagnostic.message);
                        self.push(
                            diagnostic,
                            Anchor::Inside {
                                path: target_path.clone(),
                                text: source.to_owned(),
                                span,
                            },
                        );
                        return None;
                    }
                },
                _ => Target::Skill(SkillTarget::Computed(expression)),
            },
        };
        Some(target)
    }

    /// The warnings a Route block acknowledges; an unknown name is an error.
    fn acknowledged(
        &mut self,
        def: &crate::model::types::RouteDef,
        path: &YamlPath,
        id: &str,
    ) -> Vec<String> {
        use crate::model::types::ROUTE_ACKNOWLEDGEABLE;
        let mut names = Vec::new();
        for (i, name) in def.acknowledge.iter().flatten().enumerate() {
            let name = name.as_str();
            if ROUTE_ACKNOWLEDGEABLE.contains(&name) {
                names.push(name.to_owned());
                continue;
            }
            let mut diagnostic = Diagnostic::error(
                Span::default(),
                format!("`{name}` is not a warning a Route block can acknowledge"),
            )
            .in_block(id)
            .with_help(format!(
                "it can acknowledge: {}",
                ROUTE_ACKNOWLEDGEABLE.join(", ")
            ));
            if let Some(close) = closest(name, ROUTE_ACKNOWLEDGEABLE) {
                diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
            }
            self.push(diagnostic, Anchor::Value(path.key("acknowledge").index(i)));
        }
        names
    }

    fn route_timeout(
        &mut self,
        def: &crate::model::types::RouteDef,
        path: &YamlPath,
        id: &str,
        acknowledged: &[String],
    ) -> Option<Expression> {
        let timeout_text = def.timeout.clone().unwrap_or(Text("120".into()));
        let timeout_path = path.key("timeout");
        let timeout = self.compile(&timeout_text, &timeout_path, Some(id))?;
        if let Some(constant) = timeout.constant() {
            match constant.as_number() {
                Some(seconds) if crate::time::in_range(seconds) => {
                    let accepted = acknowledged.iter().any(|name| name == "short_timeout");
                    if seconds < DEFAULT_TIMEOUT_S && !accepted {
                        self.push(
                            Diagnostic::warning(
                                Span::default(),
                                format!(
                                    "a Route timeout of {} s is below 120 s",
                                    crate::expr::js::number::to_string(seconds)
                                ),
                            )
                            .in_block(id)
                            .with_help(
                                "Genesys does not recommend timeouts below 120 seconds; if it is \
                                 meant, say so on the block: `acknowledge: [short_timeout]`",
                            ),
                            Anchor::Value(timeout_path),
                        );
                    }
                }
                _ => {
                    self.push(
                        Diagnostic::error(
                            Span::default(),
                            "a Route timeout is a number of seconds from 0 to 4000000000",
                        )
                        .in_block(id)
                        .with_help(if constant.as_number().is_some() {
                            "4000000000 s (about 126 years) is the latest time virtual time holds"
                        } else {
                            "write a number of seconds, e.g. `timeout: 120`"
                        }),
                        Anchor::Value(timeout_path),
                    );
                    return None;
                }
            }
        } else if !self.expect_kind(&timeout, Kind::Number, "a Route timeout", &timeout_path, id) {
            return None;
        }
        Some(timeout)
    }

    fn route_priority(
        &mut self,
        def: &crate::model::types::RouteDef,
        path: &YamlPath,
        id: &str,
    ) -> Option<Option<Expression>> {
        let priority = match &def.priority {
            Some(text) => {
                let priority_path = path.key("priority");
                let priority = self.compile(text, &priority_path, Some(id))?;
                if priority.constant().is_some_and(|c| c.as_number().is_none()) {
                    self.push(
                        Diagnostic::error(Span::default(), "a Route priority is a number")
                            .in_block(id),
                        Anchor::Value(priority_path),
                    );
                    return None;
                }
                if !self.expect_kind(
                    &priority,
                    Kind::Number,
                    "a Route priority",
                    &priority_path,
                    id,
                ) {
                    return None;
                }
                Some(priority)
            }
            None => None,
        };
        Some(priority)
    }
}

/// The ids written in `blocks` and in the blocks nested in them.
fn given_ids(blocks: &[BlockDoc]) -> Vec<String> {
    let mut ids = Vec::new();
    for block in blocks {
        ids.extend(block.id.clone());
        for (children, _) in block.kind.children() {
            ids.extend(given_ids(children));
        }
    }
    ids
}
