//! The Agent Setup changed while a live server runs (`PUT|DELETE /v1/agents/{id}`): an agent added,
//! replaced or removed. A replay's center never changes; these are for `routeflow serve`, whose
//! center file is the initial setup.
//!
//! An agent keeps its [`AgentIndex`] for good: a replaced agent keeps its place in the tie-break
//! order, a new one comes after every agent so far, and a removed one leaves its place empty (its id
//! is still what the workitems it worked name) rather than moving every later agent down.

use super::{Agent, AgentIndex, AgentSkills, Center, GroupId, SkillId, to_u32};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the Agent Setup says of one live agent: a center file's agent, less its ready intervals
/// (live agents say when they are ready).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSetup {
    /// The groups it belongs to, each once, in the order given.
    pub groups: Vec<String>,
    /// Skill name → level.
    pub skills: BTreeMap<String, i64>,
    /// How many workitems it works at once (at least 1).
    pub capacity: u32,
    /// It takes the workitems routed to it without an offer to accept.
    pub auto_accept: bool,
}

impl AgentSetup {
    /// The same setup with each group once (the first time it is named), as a center file reads it.
    pub fn normalized(mut self) -> AgentSetup {
        let mut seen = std::collections::HashSet::new();
        self.groups.retain(|group| seen.insert(group.clone()));
        self
    }
}

impl Center {
    /// Whether agent `index` was removed (its place is empty).
    pub fn is_removed(&self, index: AgentIndex) -> bool {
        !self.removed.is_empty() && self.removed.contains(&index)
    }

    /// The setup of agent `index`.
    pub fn setup(&self, index: AgentIndex) -> AgentSetup {
        let agent = &self[index];
        AgentSetup {
            groups: agent
                .groups
                .iter()
                .map(|&group| self.group_name(group).to_owned())
                .collect(),
            skills: agent
                .skills
                .named()
                .map(|(name, level)| (name.to_owned(), level))
                .collect(),
            capacity: agent.capacity,
            auto_accept: agent.auto_accept,
        }
    }

    /// Give agent `id` the setup `setup` (its groups each once): a new agent comes last, a known
    /// one is replaced where it is. Returns its index, and whether it is new.
    pub fn put_agent(&mut self, id: &str, setup: &AgentSetup) -> (AgentIndex, bool) {
        let groups: Vec<GroupId> = {
            let mut groups: Vec<GroupId> = Vec::with_capacity(setup.groups.len());
            for name in &setup.groups {
                let group = GroupId(self.groups.intern(name));
                if !groups.contains(&group) {
                    groups.push(group);
                }
            }
            groups
        };
        if self.members.len() < self.groups.len() {
            self.members.resize(self.groups.len(), Vec::new());
        }
        let skills = {
            // Names only grow: the skills of earlier agents keep reading theirs from the table they
            // were made with, and this one from the table now.
            let names = Arc::make_mut(&mut self.skills);
            let levels: Vec<(SkillId, i64)> = setup
                .skills
                .iter()
                .map(|(name, &level)| (SkillId(names.intern(name)), level))
                .collect();
            AgentSkills {
                levels: levels.into_boxed_slice(),
                names: self.skills.clone(),
            }
        };
        let (index, new) = match self.agent(id) {
            Some(index) => {
                self.leave_groups(index);
                (index, false)
            }
            None => {
                let index = AgentIndex(to_u32(self.agents.len()));
                self.agents.push(Agent {
                    id: id.to_owned(),
                    groups: Vec::new(),
                    skills: skills.clone(),
                    capacity: 1,
                    ready: vec![(0.0, f64::INFINITY)],
                    auto_accept: false,
                });
                self.agent_ids.insert(id.into(), index);
                (index, true)
            }
        };
        for &group in &groups {
            let members = &mut self.members[group.0 as usize];
            // File order: agents are listed by index.
            let at = members.partition_point(|&member| member < index);
            members.insert(at, index);
        }
        let agent = &mut self.agents[index.index()];
        agent.groups = groups;
        agent.skills = skills;
        agent.capacity = setup.capacity;
        agent.auto_accept = setup.auto_accept;
        (index, new)
    }

    /// Remove agent `id`: no target names it any more, and its id is free for a new agent. Returns
    /// the index it had.
    pub fn remove_agent(&mut self, id: &str) -> Option<AgentIndex> {
        let index = self.agent_ids.remove(id)?;
        self.leave_groups(index);
        let agent = &mut self.agents[index.index()];
        agent.groups.clear();
        agent.skills.levels = Box::new([]);
        agent.auto_accept = false;
        self.removed.insert(index);
        Some(index)
    }

    /// Agent `index` is in no group.
    fn leave_groups(&mut self, index: AgentIndex) {
        for &group in &self.agents[index.index()].groups {
            if let Some(members) = self.members.get_mut(group.0 as usize) {
                members.retain(|&member| member != index);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::skill::{SkillExpression, SkillLevels};

    fn center() -> Center {
        let yaml = "agents:\n  - { id: a, groups: [g], skills: { english: 5 } }\n  - { id: b, groups: [g, h] }\n";
        Center::parse(&SourceFile::new("center.yaml", yaml)).expect("a center")
    }

    fn setup(groups: &[&str], skills: &[(&str, i64)], capacity: u32) -> AgentSetup {
        AgentSetup {
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            skills: skills.iter().map(|&(s, l)| (s.to_owned(), l)).collect(),
            capacity,
            auto_accept: false,
        }
    }

    #[test]
    fn a_new_agent_comes_last_and_a_replaced_one_keeps_its_place() {
        let mut center = center();
        let english = SkillExpression::parse("english > 3").expect("parses");
        let (c, new) = center.put_agent("c", &setup(&["g", "new"], &[("english", 9)], 2));
        assert_eq!((c, new), (AgentIndex(2), true));
        let g = center.group("g").expect("g");
        assert_eq!(center.agents_in_group(g), [AgentIndex(0), AgentIndex(1), c]);
        assert_eq!(center.matching(&english), [AgentIndex(0), c]);
        assert_eq!(center[c].capacity, 2);
        assert_eq!(center.setup(c), setup(&["g", "new"], &[("english", 9)], 2));

        let (a, new) = center.put_agent("a", &setup(&["h"], &[("french", 1)], 1));
        assert_eq!((a, new), (AgentIndex(0), false));
        assert_eq!(center.agents_in_group(g), [AgentIndex(1), c]);
        let h = center.group("h").expect("h");
        assert_eq!(center.agents_in_group(h), [a, AgentIndex(1)], "file order");
        assert_eq!(center.matching(&english), [c]);
        assert_eq!(center[a].skills.level("french"), Some(1));
    }

    #[test]
    fn a_removed_agent_leaves_its_place_empty_and_its_id_free() {
        let mut center = center();
        let low = SkillExpression::parse("english < 3").expect("parses");
        assert_eq!(center.remove_agent("b"), Some(AgentIndex(1)));
        assert_eq!(center.remove_agent("b"), None);
        assert_eq!(center.agent("b"), None);
        assert!(center.is_removed(AgentIndex(1)));
        assert_eq!(
            center[AgentIndex(1)].id,
            "b",
            "what it worked still names it"
        );
        // Without skills it would match `english < 3`; removed, it matches nothing.
        assert!(center.matching(&low).is_empty());
        let g = center.group("g").expect("g");
        assert_eq!(center.agents_in_group(g), [AgentIndex(0)]);
        assert_eq!(center.indices().collect::<Vec<_>>(), [AgentIndex(0)]);
        let (b, new) = center.put_agent("b", &setup(&["g"], &[], 1));
        assert_eq!((b, new), (AgentIndex(2), true), "a new agent, last");
        assert_eq!(center.agents_in_group(g), [AgentIndex(0), b]);
    }
}
