//! YAML text → [`FlowDoc`]: the flow file read node by node, so that every problem in it is found.
//!
//! The file is parsed once by serde_yaml; each level (the file, each variable, table, block and branch)
//! is then checked for unknown keys (all of them, with a did-you-mean) and deserialised into its type,
//! so one bad block never hides the problems of the others. Problems are recorded against YAML paths;
//! [`Problems::locate`] turns them into located diagnostics, building the position index only then.

use super::path::{Segment, YamlPath};
use super::spans::SpanIndex;
use super::types::*;
use crate::diagnostic::{Diagnostic, SourceFile, Span, one_line};
use crate::expr::closest;
use indexmap::IndexMap;
use serde::de::DeserializeOwned;
use serde_aux::serde_introspection::serde_introspect;

/// The three phases, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Runs first, for every workitem.
    Initialize,
    /// The routing cascades.
    AssistedService,
    /// Runs after routing, or after Assisted Service ends without routing.
    Finalize,
}

impl Phase {
    /// All phases in order.
    pub const ALL: [Phase; 3] = [Phase::Initialize, Phase::AssistedService, Phase::Finalize];

    /// The key in the flow file.
    pub fn key(self) -> &'static str {
        match self {
            Phase::Initialize => "initialize",
            Phase::AssistedService => "assisted_service",
            Phase::Finalize => "finalize",
        }
    }

    /// The name shown to people.
    pub fn title(self) -> &'static str {
        match self {
            Phase::Initialize => "Initialize",
            Phase::AssistedService => "Assisted Service",
            Phase::Finalize => "Finalize",
        }
    }
}

/// A flow file, read.
#[derive(Debug, Default)]
pub struct FlowDoc {
    /// The application's name.
    pub application: String,
    /// What it does.
    pub description: Option<String>,
    /// Its version label.
    pub version: Option<String>,
    /// Variables in file order (one whose declaration did not read has the defaults; its problems
    /// are reported).
    pub variables: Vec<Declared<VariableDef>>,
    /// Tables in file order.
    pub tables: Vec<Declared<TableDef>>,
    /// Tables whose declaration did not read (its problems are reported): still declared names.
    pub unread_tables: Vec<String>,
    /// Custom block types in file order: name → rhai file.
    pub extensions: Vec<Declared<Text>>,
    /// `script_limits`, if given (and where).
    pub script_limits: Option<Declared<ScriptLimitsDef>>,
    /// Each phase's blocks.
    pub phases: Vec<(Phase, Vec<BlockDoc>)>,
    /// Whether the file's text may read the workitem's fields (`workitem.priority`): only then does
    /// each workitem's frame hold them.
    pub reads_workitem: bool,
}

/// A named declaration and where it is.
#[derive(Debug)]
pub struct Declared<T> {
    /// The name (the mapping key).
    pub name: String,
    /// What was declared.
    pub def: T,
    /// Where: the path of the declaration's value.
    pub path: YamlPath,
}

/// A block, read.
#[derive(Debug)]
pub struct BlockDoc {
    /// Where the block is.
    pub path: YamlPath,
    /// `id`, if given.
    pub id: Option<String>,
    /// `name`, if given.
    pub name: Option<String>,
    /// `next`, if given.
    pub next: Option<String>,
    /// The type and its properties.
    pub kind: KindDoc,
}

/// A block's type and properties.
#[derive(Debug)]
pub enum KindDoc {
    /// `assign`
    Assign(AssignDef),
    /// `read_userdata`
    ReadUserdata(ReadUserdataDef),
    /// `write_userdata`
    WriteUserdata(WriteUserdataDef),
    /// `segmentation`
    Segmentation {
        /// Branches in order.
        branches: Vec<BranchDoc>,
        /// Blocks when no branch holds.
        otherwise: Vec<BlockDoc>,
    },
    /// `table_lookup`
    TableLookup(TableLookupDef),
    /// `route`
    Route(RouteDef),
    /// `log`
    Log(LogDef),
    /// `script`
    Script {
        /// The inline source or the file.
        source: ScriptSource,
        /// The outputs the flow gives blocks to.
        outputs: Vec<OutputDoc>,
    },
    /// A block of a custom type (declared under `extensions:`).
    Custom {
        /// The type's name.
        type_name: String,
        /// Property → value as written, in file order (checked against the type when lowering).
        properties: Vec<(String, Text)>,
        /// The outputs the flow gives blocks to.
        outputs: Vec<OutputDoc>,
    },
    /// `finish`
    Finish,
    /// A block whose properties did not read (its problems are reported); kept so its id stays known.
    Invalid,
}

/// A segmentation branch, read.
#[derive(Debug)]
pub struct BranchDoc {
    /// Where the branch is.
    pub path: YamlPath,
    /// The condition.
    pub when: Text,
    /// The label.
    pub name: Option<String>,
    /// The branch's blocks.
    pub blocks: Vec<BlockDoc>,
}

/// Where a `script` block's source is.
#[derive(Debug)]
pub enum ScriptSource {
    /// Inline, under `script:`.
    Inline(Text),
    /// In a rhai file, under `file:` (relative to the flow file).
    File(Text),
}

/// An output of a `script` or custom block, with the blocks run when the script chooses it.
#[derive(Debug)]
pub struct OutputDoc {
    /// The output's name.
    pub name: String,
    /// Where its blocks are (`outputs.<name>`).
    pub path: YamlPath,
    /// Its blocks.
    pub blocks: Vec<BlockDoc>,
}

impl KindDoc {
    /// The lists of blocks nested in this block (branches, otherwise, outputs), each with the suffix
    /// its blocks' generated ids take.
    pub fn children(&self) -> Vec<(&[BlockDoc], String)> {
        match self {
            KindDoc::Segmentation {
                branches,
                otherwise,
            } => branches
                .iter()
                .enumerate()
                .map(|(b, branch)| (branch.blocks.as_slice(), format!("b{b}")))
                .chain([(otherwise.as_slice(), "else".to_owned())])
                .collect(),
            KindDoc::Script { outputs, .. } | KindDoc::Custom { outputs, .. } => outputs
                .iter()
                .map(|output| (output.blocks.as_slice(), output.name.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The built-in block types.
pub const BLOCK_TYPES: &[&str] = &[
    "assign",
    "read_userdata",
    "write_userdata",
    "segmentation",
    "table_lookup",
    "route",
    "log",
    "script",
    "finish",
];

/// Where a problem is, in YAML terms.
#[derive(Debug, Clone)]
pub enum Anchor {
    /// The key naming the node at this path.
    Key(YamlPath),
    /// The value at this path.
    Value(YamlPath),
    /// The bytes `span` of the string `text`, the value at `path` (an expression error).
    Inside {
        /// The scalar's path.
        path: YamlPath,
        /// The scalar's decoded text.
        text: String,
        /// The bytes of `text`.
        span: Span,
    },
    /// Already located in the file (syntax errors).
    At(Span),
}

/// Problems found in one flow file, located lazily.
#[derive(Debug, Default)]
pub struct Problems {
    pending: Vec<(Diagnostic, Anchor, Option<Anchor>)>,
    /// Typed properties are read without tracking their path (see [`read`]).
    untracked: bool,
    /// A property read untracked failed: the file is read again, tracking paths, to locate it.
    untracked_failed: bool,
}

impl Problems {
    /// Record `diagnostic` (its span is replaced by the anchor's position).
    pub fn push(&mut self, diagnostic: Diagnostic, at: Anchor) {
        self.pending.push((diagnostic, at, None));
    }

    /// Record `diagnostic`, whose help mentions `{related}`: it becomes the position of `related`.
    pub fn push_related(&mut self, diagnostic: Diagnostic, at: Anchor, related: Anchor) {
        self.pending.push((diagnostic, at, Some(related)));
    }

    /// Whether any error (not warning) was recorded.
    pub fn has_errors(&self) -> bool {
        self.pending.iter().any(|(d, ..)| d.is_error())
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Locate every problem in `file`. The position index is built here, once, and only if needed.
    pub fn locate(self, file: &SourceFile) -> Vec<Diagnostic> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        let index = SpanIndex::build(file);
        let locate = |at: &Anchor| -> Span {
            let document_start = Span::new(0, 0);
            match at {
                Anchor::At(span) => *span,
                Anchor::Key(path) => index
                    .key_span(&path.0)
                    .or_else(|| index.value_span(&path.0))
                    .unwrap_or(document_start),
                Anchor::Value(path) => index.value_span(&path.0).map_or(document_start, |span| {
                    // A mapping or sequence value spans many lines: point at its first line only.
                    let text = &file.text()[span.range()];
                    let first_line = text.find('\n').map_or(text.len(), |n| n);
                    Span::new(span.start as usize, span.start as usize + first_line)
                }),
                Anchor::Inside { path, text, span } => index
                    .span_in_scalar(file, &path.0, text, *span)
                    .unwrap_or(document_start),
            }
        };
        self.pending
            .into_iter()
            .map(|(mut diagnostic, at, related)| {
                diagnostic.span = locate(&at);
                // Names quoted from the file may hold line breaks (`type: |` ...): keep each part of
                // the diagnostic on one line, so that its `file:line:col: error: ...` header stays whole.
                diagnostic.message = one_line(&diagnostic.message);
                diagnostic.label = diagnostic.label.as_deref().map(one_line);
                diagnostic.help = diagnostic.help.as_deref().map(one_line);
                diagnostic.block = diagnostic.block.as_deref().map(one_line);
                if let Some(related) = related {
                    let position = file.line_col(locate(&related).start as usize);
                    let place = format!("line {}, column {}", position.line, position.col);
                    diagnostic.help = diagnostic.help.map(|h| h.replace("{related}", &place));
                    diagnostic.label = diagnostic.label.map(|l| l.replace("{related}", &place));
                }
                diagnostic
            })
            .collect()
    }
}

/// Read the flow file `file`. `None` when it is not YAML at all (the problems say why).
///
/// Typed properties are first read with plain serde: tracking the path of every value
/// (`serde_path_to_error`, which copies every key it passes) was a quarter of loading a valid flow. Only
/// when one of them fails is the file read again, tracking paths, so that every problem is located.
pub fn read(file: &SourceFile, problems: &mut Problems) -> Option<FlowDoc> {
    let mut quick = Problems {
        untracked: true,
        ..Problems::default()
    };
    let doc = read_pass(file, &mut quick);
    if !quick.untracked_failed {
        problems.pending.append(&mut quick.pending);
        return doc;
    }
    read_pass(file, problems)
}

fn read_pass(file: &SourceFile, problems: &mut Problems) -> Option<FlowDoc> {
    let root: Node = match super::yaml::parse(file.text()) {
        Ok(root) => root,
        Err(error) => {
            // Prefer the index's diagnosis: it names duplicate keys, merge keys and extra documents, and
            // its syntax errors carry exact positions.
            let index = SpanIndex::build(file);
            if !index.problems().is_empty() {
                for problem in index.problems() {
                    problems.push(problem.clone(), Anchor::At(problem.span));
                }
            } else {
                let at = error.offset(file.text());
                problems.push(
                    Diagnostic::error(Span::new(at, at), format!("YAML: {}", error.message)),
                    Anchor::At(Span::new(at, at)),
                );
            }
            return None;
        }
    };
    // serde_yaml keeps a merge key as a key named `<<`, so the blocks using one would be reported as
    // missing their merged properties: report the merge keys themselves, and only them.
    if has_merge_key(&root, 0) {
        let index = SpanIndex::build(file);
        for problem in index.problems() {
            problems.push(problem.clone(), Anchor::At(problem.span));
        }
        if index.problems().is_empty() {
            problems.push(
                Diagnostic::error(
                    Span::default(),
                    "merge keys (`<<`) are not supported in flow files",
                ),
                Anchor::At(Span::default()),
            );
        }
        return None;
    }
    if root.is_null() {
        problems.push(
            Diagnostic::error(Span::default(), "the flow file is empty")
                .with_help("a flow needs at least `application:` and `phases:`"),
            Anchor::At(Span::default()),
        );
        return None;
    }
    let mut reader = Reader {
        problems,
        suggested: Vec::new(),
        block: None,
        kind: None,
        extensions: Vec::new(),
    };
    let root_path = YamlPath::root();
    let keys: Vec<String> = root
        .as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let present = |key: &str| keys.iter().any(|k| k == key);
    let file_def: FlowFile = reader.typed(root, &root_path, "the flow file")?;
    for required in ["application", "phases"] {
        if !present(required) {
            reader.push(
                Diagnostic::error(Span::default(), format!("missing property `{required}`"))
                    .with_help(match required {
                        "application" => "name the application: `application: my_flow`",
                        _ => "add `phases:` with the blocks of `initialize`, `assisted_service` and `finalize`",
                    }),
                Anchor::Value(root_path.clone()),
            );
        }
    }
    let text = |reader: &mut Reader, node: Node, key: &str| -> Option<String> {
        reader
            .deserialize::<Option<Text>>(node, &root_path.key(key))
            .flatten()
            .map(|t| t.0)
    };
    let application = if file_def.application.is_null() {
        if present("application") {
            reader.push(
                Diagnostic::error(Span::default(), "the application needs a name")
                    .with_help("name the application: `application: my_flow`"),
                Anchor::Key(root_path.key("application")),
            );
        }
        None
    } else {
        text(&mut reader, file_def.application, "application")
    };
    let mut doc = FlowDoc {
        application: application.unwrap_or_default(),
        description: text(&mut reader, file_def.description, "description"),
        version: text(&mut reader, file_def.version, "version"),
        reads_workitem: mentions_workitem_field(file.text()),
        ..FlowDoc::default()
    };
    let variables: IndexMap<String, Node> = reader
        .deserialize(file_def.variables, &root_path.key("variables"))
        .flatten()
        .unwrap_or_default();
    let tables: IndexMap<String, Node> = reader
        .deserialize(file_def.tables, &root_path.key("tables"))
        .flatten()
        .unwrap_or_default();
    let variables_path = root_path.key("variables");
    for (name, node) in variables {
        let path = variables_path.key(&name);
        let def = if node.is_null() {
            Some(VariableDef::default())
        } else {
            let what = format!("variable `{name}`");
            reader.typed::<VariableDef>(node, &path, &what)
        };
        // A variable whose declaration is wrong (reported) is still declared, with the defaults, so
        // that its uses are not also reported as undeclared.
        doc.variables.push(Declared {
            name,
            def: def.unwrap_or_default(),
            path,
        });
    }
    let extensions: IndexMap<String, Node> = reader
        .deserialize(file_def.extensions, &root_path.key("extensions"))
        .flatten()
        .unwrap_or_default();
    let extensions_path = root_path.key("extensions");
    for (name, node) in extensions {
        let path = extensions_path.key(&name);
        if let Some(file) = reader.deserialize::<Text>(node, &path) {
            doc.extensions.push(Declared {
                name,
                def: file,
                path,
            });
        }
    }
    // Blocks may use the declared types (whether their files load is checked when lowering).
    // (A built-in name is reported when lowering, and stays the built-in.)
    reader.extensions = doc
        .extensions
        .iter()
        .map(|e| e.name.clone())
        .filter(|name| !BLOCK_TYPES.contains(&name.as_str()))
        .collect();
    if !file_def.script_limits.is_null() {
        let path = root_path.key("script_limits");
        if let Some(def) =
            reader.typed::<ScriptLimitsDef>(file_def.script_limits, &path, "`script_limits`")
        {
            doc.script_limits = Some(Declared {
                name: "script_limits".into(),
                def,
                path,
            });
        }
    }
    let tables_path = root_path.key("tables");
    for (name, node) in tables {
        let path = tables_path.key(&name);
        let what = format!("table `{name}`");
        match reader.typed::<TableDef>(node, &path, &what) {
            Some(def) => doc.tables.push(Declared { name, def, path }),
            None => doc.unread_tables.push(name),
        }
    }
    let phases_path = root_path.key("phases");
    // The phases' keys are checked here, their blocks below.
    let mut phases = file_def.phases;
    let phase_keys = serde_introspect::<PhasesDef>();
    if present("phases") && reader.check_keys(&phases, &phases_path, phase_keys, "`phases`") {
        for phase in Phase::ALL {
            // Each phase on its own: one that is not a list does not hide the others' problems. Each is
            // taken out of the mapping, so its blocks are moved, not copied.
            let path = phases_path.key(phase.key());
            let node = phases.as_mapping_mut().and_then(|m| m.remove(phase.key()));
            let blocks: Vec<Node> = match node {
                Some(Node::Null) | None => Vec::new(),
                Some(blocks) => reader.deserialize(blocks, &path).unwrap_or_default(),
            };
            let blocks = reader.blocks(blocks, &path);
            doc.phases.push((phase, blocks));
        }
    }
    Some(doc)
}

struct Reader<'p> {
    problems: &'p mut Problems,
    /// (mapping, property) for each unknown key reported with a did-you-mean: that property is then
    /// not also reported missing, one typo being one problem.
    suggested: Vec<(YamlPath, String)>,
    /// The id of the block being read, if it has one: its problems name it.
    block: Option<String>,
    /// The type of the block being read, if known.
    kind: Option<String>,
    /// The custom block types the flow declares.
    extensions: Vec<String>,
}

impl Reader<'_> {
    /// Record a problem, naming the block being read.
    fn push(&mut self, mut diagnostic: Diagnostic, at: Anchor) {
        if let Some(block) = &self.block {
            diagnostic = diagnostic.in_block(block.clone());
        }
        self.problems.push(diagnostic, at);
    }

    /// Check `node`'s keys against `T`'s fields, then deserialise it, moving (not copying) its
    /// subtrees. The unknown keys, already reported, are skipped by serde.
    fn typed<T: DeserializeOwned>(&mut self, node: Node, path: &YamlPath, what: &str) -> Option<T> {
        let fields = serde_introspect::<T>();
        if !self.check_keys(&node, path, fields, what) {
            return None;
        }
        self.deserialize(node, path)
    }

    /// Report every key of the mapping `node` not in `allowed`; false if `node` is not a mapping.
    fn check_keys(&mut self, node: &Node, path: &YamlPath, allowed: &[&str], what: &str) -> bool {
        let Some(mapping) = node.as_mapping() else {
            self.push(
                Diagnostic::error(
                    Span::default(),
                    format!(
                        "{what} must be a mapping of properties, found {}",
                        kind_of(node)
                    ),
                ),
                Anchor::Value(path.clone()),
            );
            return false;
        };
        for key in mapping.keys() {
            let Some(key) = key.as_str() else {
                self.push(
                    Diagnostic::error(Span::default(), "property names are plain text"),
                    Anchor::Value(path.clone()),
                );
                continue;
            };
            if !allowed.contains(&key) {
                let mut diagnostic = Diagnostic::error(
                    Span::default(),
                    format!("unknown property `{key}` in {what}"),
                );
                if let Some(close) = closest(key, allowed.iter().copied()) {
                    diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
                    self.suggested.push((path.clone(), close.to_owned()));
                }
                diagnostic = diagnostic.with_help(if allowed.is_empty() {
                    "it has no properties".to_owned()
                } else {
                    format!("the properties are: {}", allowed.join(", "))
                });
                self.push(diagnostic, Anchor::Key(path.key(key)));
            }
        }
        true
    }

    /// Deserialise from an owned node (its subtrees are moved) or a borrowed one (for scalars).
    fn deserialize<'de, T: serde::Deserialize<'de>>(
        &mut self,
        node: impl serde::Deserializer<'de, Error = serde_yaml::Error>,
        path: &YamlPath,
    ) -> Option<T> {
        if self.problems.untracked {
            let value = T::deserialize(node).ok();
            self.problems.untracked_failed |= value.is_none();
            return value;
        }
        match serde_path_to_error::deserialize::<_, T>(node) {
            Ok(value) => Some(value),
            Err(error) => {
                let at = path.join_serde(error.path());
                let message = error.inner().to_string();
                if let Some(field) = missing_field(&message)
                    && self.suggested.iter().any(|(p, f)| *p == at && f == field)
                {
                    return None;
                }
                let help = missing_field(&message).and_then(|field| self.example(&at, field));
                let (message, anchor) = describe_serde_error(&message, at);
                let diagnostic = Diagnostic::error(Span::default(), message);
                self.push(
                    match help {
                        Some(help) => diagnostic.with_help(help),
                        None => diagnostic,
                    },
                    anchor,
                );
                None
            }
        }
    }

    /// How to write `field`, missing from the mapping at `at` (a block of type `self.kind`, a branch,
    /// a table).
    fn example(&self, at: &YamlPath, field: &str) -> Option<String> {
        let in_tables = matches!(at.0.first(), Some(Segment::Key(k)) if k == "tables");
        let example = match (self.kind.as_deref(), field) {
            (_, "file") if in_tables => {
                "the CSV file, relative to the flow: `file: tables/ROUTING.csv`"
            }
            (_, "key") if in_tables => "the key columns, in order: `key: [Level1, Level2]`",
            (_, "when") => "the branch's condition: `when: \"level1 == 'Insurance'\"`",
            (_, "variable") => "the variable to set: `variable: level1`",
            (Some("write_userdata"), "key") => {
                "the user-data key, an expression: `key: \"'GTR_level1'\"`"
            }
            (Some("write_userdata"), "value") => "the value, an expression: `value: level1`",
            (_, "value") => "the value, an expression: `value: \"'Insurance'\"`",
            (_, "read") => {
                "the variables and the user-data keys they read: `read: { level1: GTR_level1 }`"
            }
            (_, "table") => {
                "the table's name, declared under `tables:`: `table: OPEN_MEDIA_ROUTING_CONFIG`"
            }
            (_, "key") => "one expression per key column: `key: [level1, level2, \"'Gold'\"]`",
            (_, "target") => {
                "who may take the workitem: `target: { agent_group: \"'workitems'\" }`"
            }
            (_, "message") => "the message, an expression: `message: \"'routed'\"`",
            _ => return None,
        };
        Some(format!("add {example}"))
    }

    fn blocks(&mut self, nodes: Vec<Node>, path: &YamlPath) -> Vec<BlockDoc> {
        nodes
            .into_iter()
            .enumerate()
            .map(|(i, node)| self.block(node, &path.index(i)))
            .collect()
    }

    fn block(&mut self, node: Node, path: &YamlPath) -> BlockDoc {
        let id = node
            .as_mapping()
            .and_then(|m| m.get("id"))
            .and_then(scalar_text);
        let kind = node
            .as_mapping()
            .and_then(|m| m.get("type"))
            .and_then(scalar_text);
        let outer = std::mem::replace(&mut self.block, id);
        let outer_kind = std::mem::replace(&mut self.kind, kind);
        let block = self.read_block(node, path);
        self.block = outer;
        self.kind = outer_kind;
        block
    }

    fn read_block(&mut self, node: Node, path: &YamlPath) -> BlockDoc {
        let mut block = BlockDoc {
            path: path.clone(),
            id: None,
            name: None,
            next: None,
            kind: KindDoc::Invalid,
        };
        let Some(mapping) = node.as_mapping() else {
            self.push(
                Diagnostic::error(
                    Span::default(),
                    format!(
                        "a block must be a mapping with a `type`, found {}",
                        kind_of(&node)
                    ),
                )
                .with_help(format!(
                    "e.g. `- type: assign`; the types are: {}",
                    BLOCK_TYPES.join(", ")
                )),
                Anchor::Value(path.clone()),
            );
            return block;
        };
        let text_of = |key: &str| mapping.get(key).and_then(scalar_text);
        block.id = text_of("id");
        block.name = text_of("name");
        block.next = text_of("next");
        let Some(kind) = text_of("type") else {
            self.push(
                Diagnostic::error(Span::default(), "this block has no `type`")
                    .with_help(format!("add one of: {}", BLOCK_TYPES.join(", "))),
                Anchor::Value(path.clone()),
            );
            return block;
        };
        let own_fields: &[&str] = match kind.as_str() {
            "assign" => serde_introspect::<AssignDef>(),
            "read_userdata" => serde_introspect::<ReadUserdataDef>(),
            "write_userdata" => serde_introspect::<WriteUserdataDef>(),
            "segmentation" => serde_introspect::<SegmentationDef>(),
            "table_lookup" => serde_introspect::<TableLookupDef>(),
            "route" => serde_introspect::<RouteDef>(),
            "log" => serde_introspect::<LogDef>(),
            "script" => serde_introspect::<ScriptDef>(),
            "finish" => serde_introspect::<FinishDef>(),
            custom if self.extensions.iter().any(|e| e == custom) => {
                if self.deserialize::<CommonDef>(&node, path).is_some() {
                    block.kind = self.custom_block(custom, node, path);
                }
                return block;
            }
            other => {
                let types: Vec<&str> = BLOCK_TYPES
                    .iter()
                    .copied()
                    .chain(self.extensions.iter().map(String::as_str))
                    .collect();
                let mut diagnostic =
                    Diagnostic::error(Span::default(), format!("unknown block type `{other}`"));
                if let Some(close) = closest(other, types.iter().copied()) {
                    diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
                }
                let help = match self.extensions.is_empty() {
                    true => format!(
                        "the block types are: {}; a custom type is declared under `extensions:`",
                        types.join(", ")
                    ),
                    false => format!("the block types are: {}", types.join(", ")),
                };
                self.push(diagnostic.with_help(help), Anchor::Value(path.key("type")));
                return block;
            }
        };
        let common_fields = serde_introspect::<CommonDef>();
        let allowed: Vec<&str> = common_fields.iter().chain(own_fields).copied().collect();
        self.check_keys(&node, path, &allowed, &format!("this `{kind}` block"));
        // The common properties by reference (they are scalars); the block's own by moving the node.
        if self.deserialize::<CommonDef>(&node, path).is_none() {
            return block;
        }
        if kind == "route" && !self.route_target(&node, path) {
            return block;
        }
        // serde stops at the first missing property: every one is reported here, and the block is
        // invalid without deserialising it.
        if self.missing_properties(&node, path, &kind) {
            return block;
        }
        let own = node;
        block.kind = match kind.as_str() {
            "assign" => self.deserialize(own, path).map(KindDoc::Assign),
            "read_userdata" => self.deserialize(own, path).map(KindDoc::ReadUserdata),
            "write_userdata" => self.deserialize(own, path).map(KindDoc::WriteUserdata),
            "segmentation" => {
                self.deserialize::<SegmentationDef>(own, path)
                    .map(|def| KindDoc::Segmentation {
                        branches: self.branches(def.branches, &path.key("branches")),
                        otherwise: self.blocks(def.otherwise, &path.key("otherwise")),
                    })
            }
            "table_lookup" => self.deserialize(own, path).map(KindDoc::TableLookup),
            "route" => self.deserialize(own, path).map(KindDoc::Route),
            "log" => self.deserialize(own, path).map(KindDoc::Log),
            "script" => self
                .deserialize::<ScriptDef>(own, path)
                .and_then(|def| self.script_block(def, path)),
            _ => Some(KindDoc::Finish),
        }
        .unwrap_or(KindDoc::Invalid);
        block
    }

    /// Report each property a block of built-in type `kind` needs that `node` lacks (a misspelt one was
    /// already reported with its did-you-mean); whether any is missing.
    fn missing_properties(&mut self, node: &Node, path: &YamlPath, kind: &str) -> bool {
        let mut missing = false;
        for &field in required_properties(kind) {
            if node.get(field).is_some() {
                continue;
            }
            missing = true;
            if self.suggested.iter().any(|(p, f)| p == path && f == field) {
                continue;
            }
            let diagnostic =
                Diagnostic::error(Span::default(), format!("missing property `{field}`"));
            let diagnostic = match self.example(path, field) {
                Some(help) => diagnostic.with_help(help),
                None => diagnostic,
            };
            self.push(diagnostic, Anchor::Value(path.clone()));
        }
        missing
    }

    /// Check a Route block's target names exactly one kind (serde's own message lacks the did-you-mean).
    fn route_target(&mut self, node: &Node, path: &YamlPath) -> bool {
        if let Some(target) = node.get("target") {
            let kinds = serde_introspect::<TargetDef>();
            let target_path = path.key("target");
            if !self.check_keys(target, &target_path, kinds, "a Route target") {
                return false;
            }
            if target.as_mapping().is_some_and(|m| {
                m.len() != 1
                    && m.keys()
                        .all(|k| k.as_str().is_some_and(|k| kinds.contains(&k)))
            }) {
                self.push(
                    Diagnostic::error(
                        Span::default(),
                        "a Route target names exactly one of agent, agent_group or skill",
                    )
                    .with_help("use one Route block per target: the cascade tries them in order"),
                    Anchor::Value(target_path),
                );
                return false;
            }
        }
        true
    }

    /// A `script` block: exactly one of `script` and `file`, and its outputs.
    fn script_block(&mut self, def: ScriptDef, path: &YamlPath) -> Option<KindDoc> {
        let source = match (def.script, def.file) {
            (Some(script), None) => ScriptSource::Inline(script),
            (None, Some(file)) => ScriptSource::File(file),
            (Some(_), Some(_)) => {
                self.push(
                    Diagnostic::error(
                        Span::default(),
                        "a script block has its source inline (`script:`) or in a file (`file:`), not both",
                    )
                    .with_help("remove one of them"),
                    Anchor::Key(path.key("file")),
                );
                return None;
            }
            (None, None) => {
                self.push(
                    Diagnostic::error(Span::default(), "missing property `script` (or `file`)")
                        .with_help(
                            "add the rhai source, `script: |` and the code on the next lines, or a \
                             rhai file: `file: scripts/classify.rhai`",
                        ),
                    Anchor::Value(path.clone()),
                );
                return None;
            }
        };
        let outputs = self.outputs(def.outputs, path);
        Some(KindDoc::Script { source, outputs })
    }

    /// A block of the custom type `type_name`: every key but the common ones and `outputs` is a
    /// property, one value each (checked against the type's declaration when lowering).
    fn custom_block(&mut self, type_name: &str, node: Node, path: &YamlPath) -> KindDoc {
        let common = serde_introspect::<CommonDef>();
        let Node::Mapping(mapping) = node else {
            return KindDoc::Invalid;
        };
        let mut properties = Vec::new();
        let mut outputs = Vec::new();
        let mut valid = true;
        for (key, value) in mapping {
            let Some(key) = key.as_str().map(str::to_owned) else {
                self.push(
                    Diagnostic::error(Span::default(), "property names are plain text"),
                    Anchor::Value(path.clone()),
                );
                valid = false;
                continue;
            };
            if common.contains(&key.as_str()) {
                continue;
            }
            if key == "outputs" {
                outputs = self.outputs(value, path);
                continue;
            }
            match scalar_text(&value) {
                Some(text) => properties.push((key, Text(text))),
                None => {
                    self.push(
                        Diagnostic::error(
                            Span::default(),
                            format!(
                                "property `{key}` of a `{type_name}` block is one value, found {}",
                                kind_of(&value)
                            ),
                        )
                        .with_help("give text, a number, or true or false"),
                        Anchor::Value(path.key(&key)),
                    );
                    valid = false;
                }
            }
        }
        match valid {
            true => KindDoc::Custom {
                type_name: type_name.to_owned(),
                properties,
                outputs,
            },
            false => KindDoc::Invalid,
        }
    }

    /// `outputs:` of a script or custom block: output name → its blocks.
    fn outputs(&mut self, node: Node, block_path: &YamlPath) -> Vec<OutputDoc> {
        let path = block_path.key("outputs");
        if node.is_null() {
            return Vec::new();
        }
        let outputs: IndexMap<String, Node> = self.deserialize(node, &path).unwrap_or_default();
        outputs
            .into_iter()
            .map(|(name, blocks)| {
                let output_path = path.key(&name);
                let blocks: Vec<Node> = match blocks {
                    Node::Null => Vec::new(),
                    blocks => self.deserialize(blocks, &output_path).unwrap_or_default(),
                };
                OutputDoc {
                    blocks: self.blocks(blocks, &output_path),
                    name,
                    path: output_path,
                }
            })
            .collect()
    }

    fn branches(&mut self, nodes: Vec<Node>, path: &YamlPath) -> Vec<BranchDoc> {
        let mut branches = Vec::new();
        for (i, node) in nodes.into_iter().enumerate() {
            let path = path.index(i);
            if let Some(def) = self.typed::<BranchDef>(node, &path, "a segmentation branch") {
                let blocks = self.blocks(def.blocks, &path.key("blocks"));
                branches.push(BranchDoc {
                    path,
                    when: def.when,
                    name: def.name.map(|t| t.0),
                    blocks,
                });
            }
        }
        branches
    }
}

/// Whether a mapping in `node` has the key `<<` (deeper than any flow file is treated as no).
fn has_merge_key(node: &Node, depth: usize) -> bool {
    if depth > super::spans::MAX_DEPTH {
        return false;
    }
    match node {
        Node::Mapping(mapping) => mapping
            .iter()
            .any(|(key, value)| key.as_str() == Some("<<") || has_merge_key(value, depth + 1)),
        Node::Sequence(items) => items.iter().any(|item| has_merge_key(item, depth + 1)),
        Node::Tagged(tagged) => has_merge_key(&tagged.value, depth + 1),
        _ => false,
    }
}

fn scalar_text(node: &Node) -> Option<String> {
    match node {
        Node::String(s) => Some(s.clone()),
        Node::Number(n) => Some(n.to_string()),
        Node::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn kind_of(node: &Node) -> &'static str {
    match node {
        Node::Null => "nothing",
        Node::Bool(_) => "a boolean",
        Node::Number(_) => "a number",
        Node::String(_) => "text",
        Node::Sequence(_) => "a list",
        Node::Mapping(_) => "a mapping",
        Node::Tagged(_) => "a tagged value",
    }
}

/// The properties a block of built-in type `kind` must have: those its definition in `types.rs` neither
/// makes optional nor defaults (a test holds this list equal to the schema `routeflow schema` prints;
/// generating the schema at every load would cost more than reading a small flow).
fn required_properties(kind: &str) -> &'static [&'static str] {
    match kind {
        "assign" => &["variable", "value"],
        "write_userdata" => &["key", "value"],
        "read_userdata" => &["read"],
        "table_lookup" => &["table", "key"],
        "route" => &["target"],
        "log" => &["message"],
        _ => &[],
    }
}

/// serde's message in the flow file's words, and where to point.
/// The field serde's "missing field" message names.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
}

pub(crate) fn describe_serde_error(message: &str, at: YamlPath) -> (String, Anchor) {
    if let Some(field) = missing_field(message) {
        return (format!("missing property `{field}`"), Anchor::Value(at));
    }
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|m| m.rsplit_once(", expected "))
    {
        let mut segments = at.0.iter().rev();
        let what = match (segments.next(), segments.next()) {
            (Some(Segment::Key(key)), _) => format!(" for `{key}`"),
            (Some(Segment::Index(i)), Some(Segment::Key(key))) => {
                format!(" for item {} of `{key}`", i + 1)
            }
            _ => String::new(),
        };
        let message = format!(
            "wrong type{what}: found {}, expected {}",
            found_in_words(found),
            expected_in_words(expected)
        );
        return (message, Anchor::Value(at));
    }
    (message.to_owned(), Anchor::Value(at))
}

/// serde's name for a value it found (`sequence`, `string "x"`, `integer `1``), in the file's words.
fn found_in_words(found: &str) -> String {
    let quoted = |s: &str| s.trim_matches('`').to_owned();
    match found {
        "sequence" => "a list".into(),
        "map" => "a mapping".into(),
        "unit value" => "nothing".into(),
        // serde_yaml hands a tagged value (`!name x`) over as an enum.
        "enum" => "a tagged value (`!name …`)".into(),
        _ => {
            if let Some(text) = found.strip_prefix("string ") {
                format!("the text {text}")
            } else if let Some(number) = found
                .strip_prefix("integer ")
                .or_else(|| found.strip_prefix("floating point "))
            {
                format!("the number {}", quoted(number))
            } else if let Some(boolean) = found.strip_prefix("boolean ") {
                format!("`{}`", quoted(boolean))
            } else {
                found.to_owned()
            }
        }
    }
}

/// serde's description of what it expected, in the file's words.
fn expected_in_words(expected: &str) -> String {
    match expected {
        "a sequence" => "a list".into(),
        "a map" => "a mapping".into(),
        "a boolean" => "true or false".into(),
        "a string, number or boolean" => "one value (text, a number, true or false)".into(),
        _ => expected.to_owned(),
    }
}

/// Whether `text` writes `workitem.` followed by a name anywhere (`workitem . priority` too): a cheap,
/// generous test, so that a flow that never reads the workitem's fields does not carry them.
fn mentions_workitem_field(text: &str) -> bool {
    let word = crate::expr::WORKITEM;
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].trim_start();
        !before.is_some_and(is_name)
            && after
                .strip_prefix('.')
                .is_some_and(|rest| rest.trim_start().starts_with(is_name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemars::JsonSchema;

    fn schema_required<T: JsonSchema>() -> Vec<String> {
        let schema = schemars::schema_for!(T);
        let names = schema.get("required").and_then(|r| r.as_array());
        let mut names: Vec<String> = names
            .into_iter()
            .flatten()
            .filter_map(|name| name.as_str().map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn required_properties_are_the_schemas() {
        for &kind in BLOCK_TYPES {
            let schema = match kind {
                "assign" => schema_required::<AssignDef>(),
                "read_userdata" => schema_required::<ReadUserdataDef>(),
                "write_userdata" => schema_required::<WriteUserdataDef>(),
                "segmentation" => schema_required::<SegmentationDef>(),
                "table_lookup" => schema_required::<TableLookupDef>(),
                "route" => schema_required::<RouteDef>(),
                "log" => schema_required::<LogDef>(),
                "script" => schema_required::<ScriptDef>(),
                "finish" => schema_required::<FinishDef>(),
                other => panic!("block type `{other}` is missing from this test"),
            };
            let mut listed: Vec<&str> = required_properties(kind).to_vec();
            listed.sort();
            assert_eq!(listed, schema, "block type `{kind}`");
        }
    }

    #[test]
    fn a_workitem_field_is_noticed_however_it_is_spaced() {
        for text in [
            "workitem.priority",
            "a: \"workitem . id\"",
            "(workitem.arrive_s)",
        ] {
            assert!(super::mentions_workitem_field(text), "{text}");
        }
        for text in [
            "workitems.x",
            "my_workitem.id",
            "the workitem.",
            "workitem",
            "workitem's",
        ] {
            assert!(!super::mentions_workitem_field(text), "{text}");
        }
    }
}
