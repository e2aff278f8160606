//! The simulated contact center's description (SPEC §3.3): its agents, their groups, skills, capacity and
//! ready intervals, read from a YAML file into an immutable [`Center`].
//!
//! ```yaml
//! default_handle_s: 300
//! agents:
//!   - id: alice
//!     groups: [gold_group, workitems]
//!     skills: { english: 9, spanish: 3 }
//!     capacity: 1
//!     ready: [[0, 28800]]
//! ```
//!
//! Group and skill names are interned at load, so routing works with integers: [`GroupId`], [`SkillId`],
//! [`AgentIndex`]. Group membership is precomputed ([`Center::agents_in_group`]), and so can the candidates
//! of a literal skill target be ([`Center::matching`]). The file format and every choice made where the
//! spec is silent are in `docs/center-format.md`. This is the description only; the simulation is elsewhere.

pub mod popup;
pub(crate) mod read;
pub mod schema;
pub mod setup;

use crate::diagnostic::{Diagnostic, Report, SourceFile};
use crate::skill::{SkillExpression, SkillLevels};
use std::collections::HashMap;
use std::ops::Index;
use std::path::Path;
use std::sync::Arc;

/// How long an agent works a workitem when neither the workitem nor the center file says.
pub const DEFAULT_HANDLE_S: f64 = 300.0;

/// How long a live agent has to accept an offer when the center file does not say (SPEC §9.3).
pub const DEFAULT_OFFER_TIMEOUT_S: f64 = 30.0;

/// An agent group, interned: an index into the center's group names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(pub u32);

/// A skill, interned: an index into the center's skill names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SkillId(pub u32);

/// An agent's position in the center file (0 for the first agent); ties in routing go to the lower one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentIndex(pub u32);

impl AgentIndex {
    /// The index into [`Center::agents`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A contact center as described by its file: immutable once loaded.
#[derive(Debug, Clone)]
pub struct Center {
    default_handle_s: f64,
    offer_timeout_s: f64,
    popups: popup::Popups,
    agents: Vec<Agent>,
    agent_ids: HashMap<Box<str>, AgentIndex>,
    groups: Names,
    skills: Arc<Names>,
    /// Members of each group, in file order, indexed by [`GroupId`].
    members: Vec<Vec<AgentIndex>>,
    /// Agents removed from a live server's setup ([`setup`]): their places stay, empty.
    removed: std::collections::BTreeSet<AgentIndex>,
}

/// One agent of the center.
#[derive(Debug, Clone)]
pub struct Agent {
    /// The agent's id, unique in the center.
    pub id: String,
    /// The groups the agent belongs to, in file order, each once.
    pub groups: Vec<GroupId>,
    /// The agent's skill levels.
    pub skills: AgentSkills,
    /// How many workitems the agent works at once (at least 1).
    pub capacity: u32,
    /// Half-open intervals `[start_s, end_s)` when the agent is logged in and ready: sorted, disjoint and
    /// not touching; `[(0, ∞)]` when the file does not say.
    pub ready: Vec<(f64, f64)>,
    /// Live, the agent takes the workitems routed to it without an offer to accept.
    pub auto_accept: bool,
}

impl Agent {
    /// Whether the agent is logged in and ready at virtual time `t_s`.
    pub fn is_ready_at(&self, t_s: f64) -> bool {
        let after = self.ready.partition_point(|&(start, _)| start <= t_s);
        after > 0 && t_s < self.ready[after - 1].1
    }
}

impl SkillLevels for Agent {
    fn level(&self, skill: &str) -> Option<i64> {
        self.skills.level(skill)
    }
}

/// An agent's skill levels by interned skill, in file order, each skill once.
#[derive(Debug, Clone)]
pub struct AgentSkills {
    levels: Box<[(SkillId, i64)]>,
    names: Arc<Names>,
}

impl AgentSkills {
    /// The level in `skill`, or `None` when the agent lacks it.
    pub fn get(&self, skill: SkillId) -> Option<i64> {
        self.levels
            .iter()
            .find(|(id, _)| *id == skill)
            .map(|&(_, level)| level)
    }

    /// Every `(skill, level)` in file order.
    pub fn iter(&self) -> impl Iterator<Item = (SkillId, i64)> + '_ {
        self.levels.iter().copied()
    }

    /// Every `(skill name, level)` in file order.
    pub fn named(&self) -> impl Iterator<Item = (&str, i64)> + '_ {
        self.levels
            .iter()
            .map(|&(id, level)| (self.names.name(id.0), level))
    }

    /// Number of skills the agent has.
    pub fn len(&self) -> usize {
        self.levels.len()
    }

    /// Whether the agent has no skill.
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }
}

/// By name: agents have a handful of skills, so comparing names beats hashing the name to find its id.
impl SkillLevels for AgentSkills {
    fn level(&self, skill: &str) -> Option<i64> {
        self.levels
            .iter()
            .find(|(id, _)| self.names.name(id.0) == skill)
            .map(|&(_, level)| level)
    }
}

/// Interned names: id → name and name → id.
#[derive(Debug, Clone, Default)]
struct Names {
    names: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl Names {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        // A file small enough to read has far fewer than 2^32 names.
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |name| name)
    }

    fn len(&self) -> usize {
        self.names.len()
    }
}

/// The result of loading a center file: the center when it has no errors, and everything found.
#[derive(Debug)]
pub struct Loaded {
    /// The center, if the file has no errors.
    pub center: Option<Center>,
    /// Errors and warnings, located.
    pub report: Report,
}

/// Load the center file at `path`, keeping its warnings (which [`Center::load`] drops).
pub fn load(path: &Path) -> Loaded {
    match Report::read_text(path, "center") {
        Ok(file) => {
            let (center, diagnostics) = Center::read(&file);
            let mut report = Report::new();
            report.add(&file, diagnostics);
            Loaded { center, report }
        }
        Err(report) => Loaded {
            center: None,
            report,
        },
    }
}

impl Center {
    /// Load and check the center file at `path`; the error holds every problem, located. Warnings of a
    /// valid file are dropped: use [`load`] to show them.
    pub fn load(path: &Path) -> Result<Center, Report> {
        let loaded = load(path);
        loaded.center.ok_or(loaded.report)
    }

    /// Parse center YAML; the error holds every problem (warnings included), located in `file`.
    pub fn parse(file: &SourceFile) -> Result<Center, Vec<Diagnostic>> {
        match Center::read(file) {
            (Some(center), _) => Ok(center),
            (None, diagnostics) => Err(diagnostics),
        }
    }

    /// Parse center YAML: the center when there is no error, and every diagnostic (warnings too).
    pub fn read(file: &SourceFile) -> (Option<Center>, Vec<Diagnostic>) {
        read::read(file)
    }

    /// A center without agents (what `routeflow run` routes against when given no center file: every
    /// Route block waits out its timeout).
    pub fn empty() -> Center {
        Center {
            default_handle_s: DEFAULT_HANDLE_S,
            offer_timeout_s: DEFAULT_OFFER_TIMEOUT_S,
            popups: popup::Popups::default(),
            agents: Vec::new(),
            agent_ids: HashMap::new(),
            groups: Names::default(),
            skills: Arc::default(),
            members: Vec::new(),
            removed: Default::default(),
        }
    }

    /// How long an agent works a workitem whose line has no `handle_s`, in seconds.
    pub fn default_handle_s(&self) -> f64 {
        self.default_handle_s
    }

    /// The screen pop-ups of live assignments.
    pub fn popups(&self) -> &popup::Popups {
        &self.popups
    }

    /// How long a live agent has to accept an offer, in seconds.
    pub fn offer_timeout_s(&self) -> f64 {
        self.offer_timeout_s
    }

    /// Every agent, in file order ([`AgentIndex`] `i` is `agents()[i]`); on a live server, the places of
    /// removed agents too ([`Center::is_removed`]).
    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }

    /// Every agent's index, in file order (removed agents left out).
    pub fn indices(&self) -> impl Iterator<Item = AgentIndex> + '_ {
        (0..self.agents.len())
            .map(|i| AgentIndex(to_u32(i)))
            .filter(|&i| !self.is_removed(i))
    }

    /// The agent with id `id`.
    pub fn agent(&self, id: &str) -> Option<AgentIndex> {
        self.agent_ids.get(id).copied()
    }

    /// The group named `name`, if any agent belongs to it.
    pub fn group(&self, name: &str) -> Option<GroupId> {
        self.groups.get(name).map(GroupId)
    }

    /// The name of group `group`.
    pub fn group_name(&self, group: GroupId) -> &str {
        self.groups.name(group.0)
    }

    /// Number of distinct groups.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Number of distinct skills.
    pub fn skill_count(&self) -> usize {
        self.skills.len()
    }

    /// The members of `group`, in file order.
    pub fn agents_in_group(&self, group: GroupId) -> &[AgentIndex] {
        self.members
            .get(group.0 as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// The skill named `name`, if any agent has it.
    pub fn skill(&self, name: &str) -> Option<SkillId> {
        self.skills.get(name).map(SkillId)
    }

    /// The name of skill `skill`.
    pub fn skill_name(&self, skill: SkillId) -> &str {
        self.skills.name(skill.0)
    }

    /// The agents whose skills satisfy `expression`, in file order: the candidates of a skill target.
    pub fn matching(&self, expression: &SkillExpression) -> Vec<AgentIndex> {
        self.indices()
            .filter(|&i| expression.matches(&self[i]))
            .collect()
    }
}

impl Index<AgentIndex> for Center {
    type Output = Agent;

    fn index(&self, index: AgentIndex) -> &Agent {
        &self.agents[index.index()]
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(ready: Vec<(f64, f64)>) -> Agent {
        Agent {
            id: "a".into(),
            groups: Vec::new(),
            skills: AgentSkills {
                levels: Box::new([]),
                names: Arc::default(),
            },
            capacity: 1,
            ready,
            auto_accept: false,
        }
    }

    #[test]
    fn ready_intervals_are_half_open() {
        let agent = agent(vec![(0.0, 10.0), (20.0, f64::INFINITY)]);
        let ready: Vec<bool> = [0.0, 9.9, 10.0, 15.0, 20.0, 1e12]
            .iter()
            .map(|&t| agent.is_ready_at(t))
            .collect();
        assert_eq!(ready, [true, true, false, false, true, true]);
        assert!(!self::agent(Vec::new()).is_ready_at(0.0));
    }

    #[test]
    fn names_intern_once() {
        let mut names = Names::default();
        assert_eq!(names.intern("gold"), 0);
        assert_eq!(names.intern("bronze"), 1);
        assert_eq!(names.intern("gold"), 0);
        assert_eq!(names.name(1), "bronze");
        assert_eq!(names.get("silver"), None);
    }
}
