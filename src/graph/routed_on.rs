//! What a flow routes on: the variables, table columns and literal names whose values reach a Route
//! block's target, timeout or priority.
//!
//! Found by following values backwards from each Route block: a target `skillExpression` wants a skill
//! expression of that variable; an assignment `skillExpression = defaultSkillExpression` passes the want
//! on; a table lookup that fills `defaultSkillExpression` from column `Skill Expression` makes every cell
//! of that column a skill expression, checked when the flow loads. The analysis ignores the order of
//! blocks and the conditions on them (a value that may reach a target counts), and follows only values
//! passed on unchanged or through one `Number()`, `parseInt()` or `parseFloat()`; what a script computes
//! or looks up is not followed.

use super::{BlockKind, FlowGraph, SkillTarget, Slot, Target};
use crate::diagnostic::Span;
use crate::expr::{Conversion, Expression, Source, Value};
use crate::model::path::YamlPath;
use crate::model::read::Anchor;
use crate::skill::SkillExpression;
use crate::table::{Column, DataTable, RowId};
use petgraph::graph::NodeIndex;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// What a Route block wants of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Wants {
    /// An agent id (an `agent` target).
    Agent,
    /// A group name (an `agent_group` target).
    AgentGroup,
    /// A skill expression (a `skill` target).
    Skill,
    /// A number of seconds from 0 to [`crate::time::LIMIT_S`].
    Timeout,
    /// A whole number.
    Priority,
}

impl Wants {
    /// The place, in words: "the skill target".
    pub fn place(self) -> &'static str {
        match self {
            Wants::Agent => "the agent target",
            Wants::AgentGroup => "the agent group target",
            Wants::Skill => "the skill target",
            Wants::Timeout => "the timeout",
            Wants::Priority => "the priority",
        }
    }

    /// Whether values it wants name agents, groups or skills of a center.
    pub fn names(self) -> bool {
        matches!(self, Wants::Agent | Wants::AgentGroup | Wants::Skill)
    }
}

/// How a value reaches a Route block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reach {
    /// What the block wants of it.
    pub wants: Wants,
    /// The conversion on the way, if any.
    pub conversion: Conversion,
    /// The Route block.
    pub route: NodeIndex,
}

/// A table column whose cells reach a Route block.
#[derive(Clone, Debug)]
pub struct ColumnUse {
    /// The table.
    pub table: Arc<DataTable>,
    /// The column.
    pub column: Column,
    /// How its values reach the Route block.
    pub reach: Reach,
    /// The variables they pass through, from the one the lookup fills to the one the block reads.
    pub via: Vec<Slot>,
}

/// A name of an agent, group or skill written in the flow or in a table, that a Route target may use.
#[derive(Clone, Debug)]
pub struct TargetName {
    /// An agent, a group or (in a skill expression) a skill.
    pub wants: Wants,
    /// The name.
    pub name: Arc<str>,
    /// Where it is written.
    pub origin: Origin,
    /// The Route block it may reach.
    pub route: NodeIndex,
}

/// Where a name is written.
#[derive(Clone, Debug)]
pub enum Origin {
    /// In the flow file: the scalar at `path`, at `span` of its expression `text` when known.
    Flow {
        /// The scalar.
        path: YamlPath,
        /// The expression's text and where the name's literal is in it.
        inside: Option<(Arc<str>, Span)>,
    },
    /// In a table cell.
    Cell {
        /// The table.
        table: Arc<DataTable>,
        /// The row.
        row: RowId,
        /// The column.
        column: Column,
    },
}

impl Origin {
    /// Where a diagnostic about the name goes in the flow file; `None` for a table cell.
    pub fn in_flow(&self) -> Option<Anchor> {
        match self {
            Origin::Flow { path, inside } => Some(match inside {
                Some((text, span)) => Anchor::Inside {
                    path: path.clone(),
                    text: text.to_string(),
                    span: *span,
                },
                None => Anchor::Value(path.clone()),
            }),
            Origin::Cell { .. } => None,
        }
    }
}

/// Everything a flow routes on.
#[derive(Clone, Debug, Default)]
pub struct RoutedOn {
    /// Table columns reaching Route blocks, one entry per column, want and conversion.
    pub columns: Vec<ColumnUse>,
    /// Literal names of agents, groups and skills that Route targets may use.
    pub names: Vec<TargetName>,
    /// Constants of the flow (a default, an assigned value) reaching a skill target through a
    /// variable, that do not parse as skill expressions: the variable, the text and where it is.
    pub bad_skills: Vec<(Slot, Arc<str>, Origin, NodeIndex)>,
    /// What guards the Route blocks from a variable's values, as the flow tests them.
    pub guards: Guards,
}

/// How a flow guards its Route blocks from some values of a variable, so that a value the flow tests
/// for is not reported as reaching a target: the string constants a variable is compared with
/// (`s != 'NONE'`), the variables whose conversion to a number is tested (`isNaN(Number(t))`), and the
/// variables a script may change (on the way, its value may be anything).
#[derive(Clone, Debug, Default)]
pub struct Guards {
    /// Variable → the strings it is compared with somewhere in the flow.
    pub compared: HashMap<Slot, HashSet<String>>,
    /// Variables whose conversion to a number the flow tests.
    pub number_tested: HashSet<Slot>,
    /// Variables a script block may change.
    pub script_written: HashSet<Slot>,
}

impl Guards {
    /// Whether `value`, passing through the variables `via`, may be kept from its Route block by the
    /// flow: it is compared with it, or a script may change it on the way.
    pub fn may_guard(&self, via: &[Slot], value: &str) -> bool {
        via.iter().any(|slot| {
            self.script_written.contains(slot)
                || self
                    .compared
                    .get(slot)
                    .is_some_and(|values| values.contains(value))
        })
    }

    /// Whether the flow tests the number the variables `via` hold, or a script may change them.
    pub fn tests_number(&self, via: &[Slot]) -> bool {
        via.iter()
            .any(|slot| self.number_tested.contains(slot) || self.script_written.contains(slot))
    }

    fn read(&mut self, expression: &Expression) {
        for (slot, value) in expression.compared_constants() {
            self.compared.entry(slot).or_default().insert(value);
        }
        self.number_tested.extend(expression.tested_numbers());
    }
}

/// A variable's declared default: its slot, value, and where its expression is.
pub struct Default<'a> {
    /// The variable's slot.
    pub slot: Slot,
    /// Its default value.
    pub value: &'a Value,
    /// The default's path and text.
    pub path: YamlPath,
    /// The default's text.
    pub text: &'a str,
}

/// Variables reached, by want and conversion: the first Route block, and the variable reached from.
type Reached = HashMap<(Slot, Wants, Conversion), (NodeIndex, Option<Slot>)>;

/// Follow the values of `graph` back from its Route blocks.
pub fn routed_on(
    graph: &FlowGraph,
    paths: &HashMap<NodeIndex, YamlPath>,
    defaults: &[Default<'_>],
) -> RoutedOn {
    let mut found = RoutedOn::default();
    // (variable, want, conversion) → the first Route block to reach it that way, and the variable it
    // was reached from (None: read by the Route block itself). Keyed without the Route block: a
    // variable is followed once per want and conversion however many blocks read it.
    let mut reached: Reached = HashMap::new();
    let mut pending: Vec<(Slot, Reach)> = Vec::new();
    // The assignments into each variable, with where their values are.
    let mut assignments: HashMap<Slot, Vec<(&Expression, YamlPath)>> = HashMap::new();
    let mut lookups: Vec<(&Arc<DataTable>, Column, Slot)> = Vec::new();
    for (_, block) in graph.blocks() {
        for expression in expressions(&block.kind) {
            found.guards.read(expression);
        }
        if let BlockKind::Script(script) = &block.kind {
            found.guards.script_written.extend(script.call.variables());
        }
    }
    for (node, block) in graph.blocks() {
        let path = paths.get(&node).cloned().unwrap_or_default();
        match &block.kind {
            BlockKind::Assign { variable, value } => assignments
                .entry(*variable)
                .or_default()
                .push((value, path.key("value"))),
            BlockKind::TableLookup(lookup) => lookups.extend(
                lookup
                    .columns
                    .iter()
                    .map(|&(column, slot)| (&lookup.table, column, slot)),
            ),
            BlockKind::Route(route) => {
                let (wants, target, key) = match &route.target {
                    Target::Agent(e) => (Wants::Agent, Some(e), "agent"),
                    Target::AgentGroup(e) => (Wants::AgentGroup, Some(e), "agent_group"),
                    Target::Skill(SkillTarget::Computed(e)) => (Wants::Skill, Some(e), "skill"),
                    Target::Skill(SkillTarget::Literal { skill, .. }) => {
                        let origin = Origin::Flow {
                            path: path.key("target").key("skill"),
                            inside: None,
                        };
                        found.skill_names(skill, origin, node);
                        (Wants::Skill, None, "skill")
                    }
                };
                let mut wanted = Vec::new();
                if let Some(target) = target {
                    wanted.push((target, wants, path.key("target").key(key)));
                }
                wanted.push((&route.timeout, Wants::Timeout, path.key("timeout")));
                if let Some(priority) = &route.priority {
                    wanted.push((priority, Wants::Priority, path.key("priority")));
                }
                for (expression, wants, at) in wanted {
                    for (source, conversion) in expression.sources() {
                        let reach = Reach {
                            wants,
                            conversion,
                            route: node,
                        };
                        found.source(
                            source,
                            reach,
                            expression,
                            &at,
                            None,
                            &mut reached,
                            &mut pending,
                        );
                    }
                }
            }
            _ => {}
        }
    }
    let defaults: HashMap<Slot, &Default<'_>> = defaults.iter().map(|d| (d.slot, d)).collect();
    while let Some((slot, reach)) = pending.pop() {
        if reach.wants.names()
            && let Some(default) = defaults.get(&slot)
            && let Some(name) = default.value.as_str().filter(|s| !s.is_empty())
        {
            let origin = Origin::Flow {
                path: default.path.clone(),
                inside: Some((default.text.into(), Span::new(0, default.text.len()))),
            };
            found.bad_skill(slot, reach, name, &origin);
            found.name(reach, name, origin);
        }
        for (value, at) in assignments.get(&slot).map_or(&[][..], Vec::as_slice) {
            for (source, conversion) in value.sources() {
                let conversion = match (reach.conversion, conversion) {
                    (Conversion::Unchanged, c) | (c, Conversion::Unchanged) => c,
                    // Converted twice: a number converted again says nothing about the text before.
                    _ => continue,
                };
                let reach = Reach {
                    conversion,
                    ..reach
                };
                found.source(
                    source,
                    reach,
                    value,
                    at,
                    Some(slot),
                    &mut reached,
                    &mut pending,
                );
            }
        }
    }
    let mut by_slot: HashMap<Slot, Vec<Reach>> = HashMap::new();
    for (&(slot, wants, conversion), &(route, _)) in &reached {
        by_slot.entry(slot).or_default().push(Reach {
            wants,
            conversion,
            route,
        });
    }
    for reaches in by_slot.values_mut() {
        reaches.sort_by_key(|r| (r.route.index(), r.wants, r.conversion));
    }
    let mut seen = HashSet::new();
    for (table, column, slot) in lookups {
        for &reach in by_slot.get(&slot).map_or(&[][..], Vec::as_slice) {
            // One entry per column, want and conversion: the first Route block names them all.
            if !seen.insert((Arc::as_ptr(table), column, reach.wants, reach.conversion)) {
                continue;
            }
            let mut via = vec![slot];
            let key = |slot: Slot| (slot, reach.wants, reach.conversion);
            while let Some((_, Some(next))) = reached.get(&key(*via.last().unwrap_or(&slot))) {
                if via.contains(next) || via.len() > reached.len() {
                    break;
                }
                via.push(*next);
            }
            found.columns.push(ColumnUse {
                table: table.clone(),
                column,
                reach,
                via,
            });
        }
    }
    let mut names = Vec::new();
    for column in &found.columns {
        if column.reach.wants.names() && column.reach.conversion == Conversion::Unchanged {
            // Each distinct value once, where it is first written: a center check names a name once.
            let mut seen = HashSet::new();
            for row in column.table.iter() {
                let value = row.get(column.column);
                if value.is_empty() || !seen.insert(value) {
                    continue;
                }
                let origin = Origin::Cell {
                    table: column.table.clone(),
                    row: row.id(),
                    column: column.column,
                };
                names.push((column.reach, value.to_owned(), origin));
            }
        }
    }
    for (reach, value, origin) in names {
        found.name_of(reach, &value, origin);
    }
    found
}

impl RoutedOn {
    /// Record where a value wanted by `reach` comes from: a variable to follow further, or a name.
    #[allow(clippy::too_many_arguments)]
    fn source(
        &mut self,
        source: Source,
        reach: Reach,
        expression: &Expression,
        at: &YamlPath,
        from: Option<Slot>,
        reached: &mut Reached,
        pending: &mut Vec<(Slot, Reach)>,
    ) {
        match source {
            Source::Slot(slot) => {
                if let std::collections::hash_map::Entry::Vacant(entry) =
                    reached.entry((slot, reach.wants, reach.conversion))
                {
                    entry.insert((reach.route, from));
                    pending.push((slot, reach));
                }
            }
            Source::Constant(value, span) => {
                if reach.conversion == Conversion::Unchanged
                    && let Some(name) = value.as_str().filter(|s| !s.is_empty())
                {
                    let origin = Origin::Flow {
                        path: at.clone(),
                        inside: Some((expression.source().into(), span)),
                    };
                    // A literal written in the Route block itself is checked where it is compiled.
                    if let Some(slot) = from {
                        self.bad_skill(slot, reach, name, &origin);
                    }
                    self.name(reach, name, origin);
                }
            }
        }
    }

    /// Record `text`, a constant assigned to variable `slot` that reaches a skill target, when it does
    /// not parse as a skill expression.
    fn bad_skill(&mut self, slot: Slot, reach: Reach, text: &str, origin: &Origin) {
        if reach.wants == Wants::Skill
            && reach.conversion == Conversion::Unchanged
            && SkillExpression::parse(text).is_err()
        {
            self.bad_skills
                .push((slot, text.into(), origin.clone(), reach.route));
        }
    }

    /// Record `name`, a literal of the flow reaching `reach` (a skill expression gives its skills).
    fn name(&mut self, reach: Reach, name: &str, origin: Origin) {
        if reach.wants.names() && reach.conversion == Conversion::Unchanged {
            self.name_of(reach, name, origin);
        }
    }

    fn name_of(&mut self, reach: Reach, name: &str, origin: Origin) {
        match reach.wants {
            Wants::Agent | Wants::AgentGroup => self.names.push(TargetName {
                wants: reach.wants,
                name: name.into(),
                origin,
                route: reach.route,
            }),
            Wants::Skill => {
                // One that does not parse is reported where it is written (flow or cell).
                if let Ok(skill) = SkillExpression::parse(name) {
                    self.skill_names(&skill, origin, reach.route);
                }
            }
            Wants::Timeout | Wants::Priority => {}
        }
    }

    fn skill_names(&mut self, skill: &SkillExpression, origin: Origin, route: NodeIndex) {
        let mut seen = HashSet::new();
        for name in skill.skills() {
            if seen.insert(name) {
                self.names.push(TargetName {
                    wants: Wants::Skill,
                    name: name.into(),
                    origin: origin.clone(),
                    route,
                });
            }
        }
    }
}

/// The expressions of a block.
fn expressions(kind: &BlockKind) -> Vec<&Expression> {
    match kind {
        BlockKind::Assign { value, .. } | BlockKind::Log { message: value } => vec![value],
        BlockKind::WriteUserdata { key, value, .. } => vec![key, value],
        BlockKind::Segmentation { conditions } => conditions.iter().collect(),
        BlockKind::TableLookup(lookup) => lookup.key.iter().collect(),
        BlockKind::Route(route) => {
            let mut all = vec![&route.timeout];
            all.extend(&route.priority);
            match &route.target {
                Target::Agent(e)
                | Target::AgentGroup(e)
                | Target::Skill(SkillTarget::Computed(e)) => all.push(e),
                Target::Skill(SkillTarget::Literal { .. }) => {}
            }
            all
        }
        BlockKind::ReadUserdata { .. } | BlockKind::Script(_) | BlockKind::Finish => Vec::new(),
    }
}
