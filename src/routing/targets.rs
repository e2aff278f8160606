//! Route targets, interned: each distinct target (an agent id, a group name, a skill expression's text)
//! gets its candidate agents worked out once, the first time a Route block names it, and keeps two
//! ordered sets: its available candidates (longest idle first) and its waiting workitems (highest
//! priority, then oldest, then first in the input).

use crate::center::{AgentIndex, Center};
use crate::runtime::RouteTarget;
use crate::skill::SkillExpression;
use crate::time::Instant;
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// A target, interned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetId(pub u32);

/// A waiting workitem's place in line: higher priority first, then earlier arrival, then input order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// Priority, highest first.
    pub priority: Reverse<i64>,
    /// Arrival time: the workitem's age, kept as its cascade widens.
    pub arrive: Instant,
    /// The workitem's number (input order).
    pub item: u32,
}

/// An available candidate's place: idle longest first, then file order.
pub type IdlePlace = (Instant, AgentIndex);

/// One interned target.
#[derive(Debug, Default)]
pub struct Target {
    /// Agents that match it, in file order.
    pub candidates: Vec<AgentIndex>,
    /// Candidates ready with free capacity.
    pub idle: BTreeSet<IdlePlace>,
    /// Workitems waiting for it.
    pub waiting: BTreeSet<Place>,
}

/// Every target named so far.
#[derive(Debug, Default)]
pub struct Targets {
    agents: HashMap<Box<str>, TargetId, ByWords>,
    groups: HashMap<Box<str>, TargetId, ByWords>,
    skills: HashMap<Box<str>, Result<TargetId, String>, ByWords>,
    all: Vec<Target>,
    /// What each target asks of an agent, indexed by [`TargetId`], so that its candidates can be
    /// worked out again when a live server's setup changes ([`Targets::matches`]).
    rules: Vec<Rule>,
}

/// What a target asks of an agent.
#[derive(Debug)]
enum Rule {
    /// This id.
    Agent(Box<str>),
    /// Membership of this group.
    Group(Box<str>),
    /// Skills that satisfy this expression.
    Skill(SkillExpression),
}

/// Every Route request looks its target's text up here, so the hash is a cheap multiply-and-rotate over
/// eight bytes at a time (as rustc's FxHasher) instead of SipHash, which cost a tenth of the simulation's
/// time. The texts come from the replay's own flow, tables and workitems, and a collision only costs a
/// longer probe. The workitem reader shares user-data values the same way.
pub type ByWords = BuildHasherDefault<WordHasher>;

/// See [`ByWords`].
#[derive(Clone, Copy, Debug, Default)]
pub struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut last = [0; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(last));
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Targets {
    /// The target `target` names, interning it (and working out its candidates in `center`) when it is
    /// new. A skill expression that does not parse is an error, remembered as such.
    pub fn intern(
        &mut self,
        target: &RouteTarget<'_>,
        center: &Center,
    ) -> Result<(TargetId, bool), String> {
        let (map_hit, candidates) = match *target {
            RouteTarget::Agent(id) => {
                if let Some(&found) = self.agents.get(id) {
                    return Ok((found, false));
                }
                let candidates = center.agent(id).into_iter().collect();
                (Kind::Agent(id), candidates)
            }
            RouteTarget::AgentGroup(name) => {
                if let Some(&found) = self.groups.get(name) {
                    return Ok((found, false));
                }
                let candidates = center
                    .group(name)
                    .map_or_else(Vec::new, |g| center.agents_in_group(g).to_vec());
                (Kind::Group(name), candidates)
            }
            RouteTarget::Skill { text, parsed } => {
                if let Some(found) = self.skills.get(text) {
                    return found.clone().map(|id| (id, false));
                }
                let parsed_now;
                let expression = match parsed {
                    Some(expression) => expression,
                    None => match SkillExpression::parse(text) {
                        Ok(expression) => {
                            parsed_now = expression;
                            &parsed_now
                        }
                        Err(error) => {
                            let message = format!(
                                "the skill expression {text:?} does not parse: {}",
                                error.message
                            );
                            self.skills.insert(text.into(), Err(message.clone()));
                            return Err(message);
                        }
                    },
                };
                (
                    Kind::Skill(text, expression.clone()),
                    center.matching(expression),
                )
            }
        };
        let id = TargetId(u32::try_from(self.all.len()).unwrap_or(u32::MAX));
        self.all.push(Target {
            candidates,
            ..Target::default()
        });
        let rule = match map_hit {
            Kind::Agent(name) => {
                self.agents.insert(name.into(), id);
                Rule::Agent(name.into())
            }
            Kind::Group(name) => {
                self.groups.insert(name.into(), id);
                Rule::Group(name.into())
            }
            Kind::Skill(text, expression) => {
                self.skills.insert(text.into(), Ok(id));
                Rule::Skill(expression)
            }
        };
        self.rules.push(rule);
        Ok((id, true))
    }

    /// Whether agent `agent` of `center` is a candidate of target `id` (as it is now: a live server's
    /// setup changes).
    pub fn matches(&self, id: TargetId, center: &Center, agent: AgentIndex) -> bool {
        if center.is_removed(agent) {
            return false;
        }
        match &self.rules[id.0 as usize] {
            Rule::Agent(name) => center[agent].id == **name,
            Rule::Group(name) => center
                .group(name)
                .is_some_and(|group| center[agent].groups.contains(&group)),
            Rule::Skill(expression) => expression.matches(&center[agent]),
        }
    }

    /// Every target's id, in the order they were named.
    pub fn ids(&self) -> impl Iterator<Item = TargetId> + use<> {
        (0..self.all.len()).map(|i| TargetId(u32::try_from(i).unwrap_or(u32::MAX)))
    }

    /// The target `id`.
    pub fn get(&self, id: TargetId) -> &Target {
        &self.all[id.0 as usize]
    }

    /// The target `id`, to change.
    pub fn get_mut(&mut self, id: TargetId) -> &mut Target {
        &mut self.all[id.0 as usize]
    }

    /// Number of distinct targets named.
    pub fn len(&self) -> usize {
        self.all.len()
    }

    /// Whether no target was named yet.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }
}

enum Kind<'a> {
    Agent(&'a str),
    Group(&'a str),
    Skill(&'a str, SkillExpression),
}
