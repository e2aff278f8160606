//! Compiled blocks: everything a block needs at run time, decided at load (variable slots, compiled
//! expressions, resolved table columns, literal skill expressions compiled).

use crate::expr::Expression;
use crate::model::read::Phase;
use crate::script::ScriptCall;
use crate::skill::SkillExpression;
use crate::table::{Column, DataTable, RowId};
use std::sync::Arc;

/// A variable's slot in a workitem's frame.
pub type Slot = usize;

/// One block of the flow.
#[derive(Debug)]
pub struct Block {
    /// Unique id (given, or generated from the block's place).
    pub id: Arc<str>,
    /// The name shown in drawings and traces.
    pub name: Option<Arc<str>>,
    /// The phase it belongs to.
    pub phase: Phase,
    /// What it does.
    pub kind: BlockKind,
}

/// What a block does.
#[derive(Debug)]
pub enum BlockKind {
    /// `variable ← value`
    Assign {
        /// The variable.
        variable: Slot,
        /// The value.
        value: Expression,
    },
    /// `variable ← userdata[key]` for each pair; a missing key leaves the variable unchanged.
    ReadUserdata {
        /// (variable, user-data key) pairs, in file order.
        reads: Vec<(Slot, Arc<str>)>,
    },
    /// `userdata[key] ← value`
    WriteUserdata {
        /// The key.
        key: Expression,
        /// The value.
        value: Expression,
        /// The first key the block wrote that the user data did not have, kept to be shared by later
        /// workitems that gain the same key (most flows write one key, always the same): a waiting
        /// workitem then holds a pointer to it instead of its own copy.
        written: std::sync::OnceLock<crate::workitem::Key>,
    },
    /// The first branch whose condition holds; `Edge::Branch(i)` leads to branch `i`.
    Segmentation {
        /// The conditions, in order.
        conditions: Vec<Expression>,
    },
    /// Rows of a data table by compound key.
    TableLookup(TableLookup),
    /// Offer the workitem to a target.
    Route(Route),
    /// Write a message to the workitem's log.
    Log {
        /// The message.
        message: Expression,
    },
    /// Run a rhai script: a `script` block, or a block of a custom type.
    Script(ScriptBlock),
    /// End the application now.
    Finish,
}

/// A `script` block or a custom block, compiled: the script, what it sees, and its outputs
/// (`Edge::Output { index }` leads to the blocks of output `index`, when the flow gives it any).
#[derive(Debug)]
pub struct ScriptBlock {
    /// The script with its bindings and outputs.
    pub call: ScriptCall,
    /// The custom type's name; `None` for a `script` block.
    pub type_name: Option<Arc<str>>,
    /// The inline source (`script:`), to locate its errors in the flow file; `None` for a file.
    pub inline: Option<Arc<str>>,
}

/// A `table_lookup` block, compiled.
#[derive(Debug)]
pub struct TableLookup {
    /// The table.
    pub table: Arc<DataTable>,
    /// One expression per key column.
    pub key: Vec<Expression>,
    /// Column → variable, assigned when exactly one row matched.
    pub columns: Vec<(Column, Slot)>,
    /// Variable set to whether exactly one row matched.
    pub found: Option<Slot>,
    /// Variable set to the number of rows matched.
    pub count: Option<Slot>,
    /// What the lookup finds when every key part is a constant (the sample's default row): looked up
    /// once, at load, instead of per workitem.
    pub constant: Option<FoundRows>,
}

/// What a lookup found: how many rows, and the row when exactly one matched.
#[derive(Clone, Copy, Debug)]
pub struct FoundRows {
    /// Rows matched.
    pub count: usize,
    /// The row, when exactly one matched.
    pub single: Option<RowId>,
}

/// A `route` block, compiled.
#[derive(Debug)]
pub struct Route {
    /// Who may take the workitem.
    pub target: Target,
    /// Seconds to wait.
    pub timeout: Expression,
    /// Overrides the workitem's priority.
    pub priority: Option<Expression>,
}

/// A Route target.
#[derive(Debug)]
pub enum Target {
    /// An agent, by id.
    Agent(Expression),
    /// An agent group, by name.
    AgentGroup(Expression),
    /// Agents matching a skill expression.
    Skill(SkillTarget),
}

/// A skill-expression target: compiled at load when it is a literal, at run time otherwise.
#[derive(Debug)]
pub enum SkillTarget {
    /// A constant skill expression, parsed once.
    Literal {
        /// The parsed expression.
        skill: SkillExpression,
        /// Its text, as the flow wrote it (what outcomes show as the target's value).
        text: crate::expr::Text,
    },
    /// An expression computing the skill expression's text (parsed when the block runs).
    Computed(Expression),
}

impl Target {
    /// The kind of target, as written in the flow (`agent`, `agent_group`, `skill`).
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Agent(_) => "agent",
            Target::AgentGroup(_) => "agent_group",
            Target::Skill(_) => "skill",
        }
    }

    /// The target's expression as written.
    pub fn source(&self) -> String {
        match self {
            Target::Agent(e) | Target::AgentGroup(e) | Target::Skill(SkillTarget::Computed(e)) => {
                e.source().to_owned()
            }
            Target::Skill(SkillTarget::Literal { text, .. }) => text.to_string(),
        }
    }
}
