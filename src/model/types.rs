//! The flow file's types, as serde deserialises them and as the JSON Schema (`routeflow schema`)
//! describes them. Every leaf is [`Text`]: what each means (an expression, a name, a number) is decided
//! when the flow is lowered, where every problem can be collected and located.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// A scalar as text: YAML's `false`, `120` and `"'x'"` all arrive as the text of the value.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Text(pub String);

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(crate::expr::js::number::to_string(v)))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

impl JsonSchema for Text {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Text".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": ["string", "number", "boolean"] })
    }
}

/// A YAML value whose type is checked later, node by node (blocks, branches, variables, tables), so
/// that one bad node does not hide the problems of the others.
pub type Node = serde_yaml::Value;

/// A flow file. Each property is read on its own (see [`crate::model::read`]), so that one of the
/// wrong type does not hide the problems of the others; the schema gives their types.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(title = "routeflow flow file", extend("additionalProperties" = false, "required" = ["application", "phases"]))]
pub struct FlowFile {
    /// The application's name.
    #[serde(default)]
    #[schemars(with = "Text")]
    pub application: Node,
    /// What the application does.
    #[serde(default)]
    #[schemars(with = "Option<Text>")]
    pub description: Node,
    /// A version label.
    #[serde(default)]
    #[schemars(with = "Option<Text>")]
    pub version: Node,
    /// The application's variables, by name.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, VariableDef>")]
    pub variables: Node,
    /// The data tables, by name.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, TableDef>")]
    pub tables: Node,
    /// Custom block types: type name → rhai file (relative to the flow file).
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Text>")]
    pub extensions: Node,
    /// Limits on every run of the flow's scripts (each has a safe default).
    #[serde(default)]
    #[schemars(with = "Option<ScriptLimitsDef>")]
    pub script_limits: Node,
    /// The phases and their blocks.
    #[serde(default)]
    #[schemars(with = "PhasesDef")]
    pub phases: Node,
}

/// The sandbox limits of the flow's scripts, per run; see docs/extensions.md for the defaults.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct ScriptLimitsDef {
    /// rhai operations per run (default 100000).
    #[serde(default)]
    pub operations: Option<u64>,
    /// Nested function calls (default 32, at most 64).
    #[serde(default)]
    pub call_depth: Option<u64>,
    /// Nesting of expressions (default 64, at most 128).
    #[serde(default)]
    pub expression_depth: Option<u64>,
    /// Bytes in one string (default 65536).
    #[serde(default)]
    pub string_size: Option<u64>,
    /// Items in one array (default 10000).
    #[serde(default)]
    pub array_size: Option<u64>,
    /// Entries in one object map (default 10000).
    #[serde(default)]
    pub map_size: Option<u64>,
    /// Bytes of data a call may hold beyond what it was given (default 16777216, 16 MiB).
    #[serde(default)]
    pub memory: Option<u64>,
    /// Wall-clock milliseconds per call, a ceiling behind `operations` (default 1000).
    #[serde(default)]
    pub time_ms: Option<u64>,
    /// Bytes of log messages a workitem's trace keeps (default 65536).
    #[serde(default)]
    pub log_size: Option<u64>,
    /// User-data keys a call may add (default 64).
    #[serde(default)]
    pub userdata_keys: Option<u64>,
    /// Bytes of user data a call may add or change (default 65536).
    #[serde(default)]
    pub userdata_size: Option<u64>,
}

/// A variable.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct VariableDef {
    /// Initial value: an expression (`"'overrideKey'"`, `"false"`, `"1"`); none means `''`.
    #[serde(default)]
    pub default: Option<Text>,
    /// What the variable holds.
    #[serde(default)]
    pub description: Option<Text>,
    /// Never shown in traces, logs or outcome files.
    #[serde(default)]
    pub secure: bool,
    /// Shown in traces.
    #[serde(default)]
    pub trace: bool,
}

/// A data table: a CSV file and its compound key.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct TableDef {
    /// The CSV file, relative to the flow file.
    pub file: Text,
    /// The columns forming the compound key, in order.
    pub key: Vec<Text>,
}

/// The phases of the application (for the keys and the schema: each phase is read on its own).
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct PhasesDef {
    /// Blocks run first, for every workitem.
    #[serde(default)]
    #[schemars(with = "Vec<BlockDef>")]
    pub initialize: Option<Node>,
    /// The routing cascades.
    #[serde(default)]
    #[schemars(with = "Vec<BlockDef>")]
    pub assisted_service: Option<Node>,
    /// Blocks run after routing (or after Assisted Service ends without routing).
    #[serde(default)]
    #[schemars(with = "Vec<BlockDef>")]
    pub finalize: Option<Node>,
}

/// The properties every block has.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CommonDef {
    /// Unique id (generated from the block's place when absent).
    #[serde(default)]
    pub id: Option<Text>,
    /// The block type.
    #[serde(rename = "type")]
    pub kind: Text,
    /// Shown in drawings and traces.
    #[serde(default)]
    pub name: Option<Text>,
    /// Jump to the block with this id after this one (forward only: the flow must stay acyclic).
    #[serde(default)]
    pub next: Option<Text>,
}

/// `assign`: set a variable to the value of an expression.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AssignDef {
    /// The variable.
    pub variable: Text,
    /// The expression.
    pub value: Text,
}

/// `read_userdata`: copy user-data keys into variables; a missing key leaves its variable unchanged.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReadUserdataDef {
    /// Variable → user-data key.
    pub read: IndexMap<String, Text>,
}

/// `write_userdata`: set a user-data key.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct WriteUserdataDef {
    /// The key: an expression.
    pub key: Text,
    /// The value: an expression.
    pub value: Text,
}

/// `segmentation`: the first branch whose condition holds runs; then the block after the segmentation.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SegmentationDef {
    /// The branches, tried in order.
    #[serde(default)]
    #[schemars(with = "Vec<BranchDef>")]
    pub branches: Vec<Node>,
    /// Blocks run when no branch's condition holds.
    #[serde(default)]
    #[schemars(with = "Vec<BlockDef>")]
    pub otherwise: Vec<Node>,
}

/// A branch of a segmentation.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct BranchDef {
    /// The condition: a boolean expression.
    pub when: Text,
    /// A label for drawings and traces.
    #[serde(default)]
    pub name: Option<Text>,
    /// The branch's blocks.
    #[serde(default)]
    #[schemars(with = "Vec<BlockDef>")]
    pub blocks: Vec<Node>,
}

/// `table_lookup`: find the rows of a data table by compound key.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TableLookupDef {
    /// The table's name (declared under `tables`).
    pub table: Text,
    /// One expression per key column.
    pub key: Vec<Text>,
    /// Column → variable, assigned when exactly one row matched.
    #[serde(default)]
    pub columns: IndexMap<String, Text>,
    /// Variable set to whether exactly one row matched.
    #[serde(default)]
    pub found: Option<Text>,
    /// Variable set to the number of rows matched.
    #[serde(default)]
    pub count: Option<Text>,
}

/// `route`: offer the workitem to a target until an agent takes it or the timeout passes.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RouteDef {
    /// Who may take the workitem.
    pub target: TargetDef,
    /// Seconds to wait (an expression; default 120).
    #[serde(default)]
    pub timeout: Option<Text>,
    /// Overrides the workitem's priority (an expression).
    #[serde(default)]
    pub priority: Option<Text>,
    /// Warnings the author accepts for this block, so that `check` stops repeating them:
    /// `short_timeout` (a literal timeout below 120 s).
    #[serde(default)]
    pub acknowledge: Option<Vec<Text>>,
}

/// The warnings a Route block can acknowledge.
pub const ROUTE_ACKNOWLEDGEABLE: [&str; 1] = ["short_timeout"];

/// A Route target: exactly one of these, each an expression.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false, "minProperties" = 1, "maxProperties" = 1))]
pub struct TargetDef {
    /// An agent id.
    #[serde(default)]
    pub agent: Option<Text>,
    /// An agent group name.
    #[serde(default)]
    pub agent_group: Option<Text>,
    /// A skill expression (`'english' > 3`).
    #[serde(default)]
    pub skill: Option<Text>,
}

impl TargetDef {
    /// The one target given: its kind (`agent`, `agent_group`, `skill`) and expression.
    pub fn given(&self) -> Option<(&'static str, &Text)> {
        match (&self.agent, &self.agent_group, &self.skill) {
            (Some(text), None, None) => Some(("agent", text)),
            (None, Some(text), None) => Some(("agent_group", text)),
            (None, None, Some(text)) => Some(("skill", text)),
            _ => None,
        }
    }
}

/// `log`: write a message to the workitem's log.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LogDef {
    /// The message: an expression.
    pub message: Text,
}

/// `script`: run rhai code, inline or from a file; it may set variables and user data, and choose an
/// output by ending with its name.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ScriptDef {
    /// The rhai source, inline.
    #[serde(default)]
    pub script: Option<Text>,
    /// A rhai file, relative to the flow file.
    #[serde(default)]
    pub file: Option<Text>,
    /// Output name → the blocks run when the script ends with that name.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Vec<BlockDef>>")]
    pub outputs: Node,
}

/// `finish`: end the application now.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FinishDef {}

/// A block (for the schema: the loader reads blocks type by type).
#[derive(JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(dead_code, missing_docs)]
pub enum BlockDef {
    Assign(Common<AssignDef>),
    ReadUserdata(Common<ReadUserdataDef>),
    WriteUserdata(Common<WriteUserdataDef>),
    Segmentation(Common<SegmentationDef>),
    TableLookup(Common<TableLookupDef>),
    Route(Common<RouteDef>),
    Log(Common<LogDef>),
    Script(Common<ScriptDef>),
    Finish(Common<FinishDef>),
}

/// A block's own properties beside the common ones (for the schema).
#[derive(JsonSchema)]
#[schemars(rename = "{T}Block")]
#[allow(dead_code)]
pub struct Common<T> {
    #[serde(default)]
    id: Option<Text>,
    #[serde(default)]
    name: Option<Text>,
    #[serde(default)]
    next: Option<Text>,
    #[serde(flatten)]
    properties: T,
}
