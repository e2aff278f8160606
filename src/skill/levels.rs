//! Where an agent's skill levels come from: anything that can answer "what is your level in `skill`?".

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// An agent's skill levels, looked up by exact (case-sensitive) skill name.
pub trait SkillLevels {
    /// The agent's level in `skill`, or `None` when the agent lacks it (matching treats that as level 0).
    fn level(&self, skill: &str) -> Option<i64>;
}

impl<T: SkillLevels + ?Sized> SkillLevels for &T {
    fn level(&self, skill: &str) -> Option<i64> {
        (**self).level(skill)
    }
}

impl<S: BuildHasher> SkillLevels for HashMap<String, i64, S> {
    fn level(&self, skill: &str) -> Option<i64> {
        self.get(skill).copied()
    }
}

impl<S: BuildHasher> SkillLevels for HashMap<&str, i64, S> {
    fn level(&self, skill: &str) -> Option<i64> {
        self.get(skill).copied()
    }
}

impl SkillLevels for BTreeMap<String, i64> {
    fn level(&self, skill: &str) -> Option<i64> {
        self.get(skill).copied()
    }
}

impl SkillLevels for BTreeMap<&str, i64> {
    fn level(&self, skill: &str) -> Option<i64> {
        self.get(skill).copied()
    }
}

/// A list of `(skill, level)` pairs; the first pair naming a skill wins.
impl<N: AsRef<str>> SkillLevels for [(N, i64)] {
    fn level(&self, skill: &str) -> Option<i64> {
        self.iter()
            .find(|(name, _)| name.as_ref() == skill)
            .map(|&(_, level)| level)
    }
}

impl<N: AsRef<str>, const K: usize> SkillLevels for [(N, i64); K] {
    fn level(&self, skill: &str) -> Option<i64> {
        self.as_slice().level(skill)
    }
}

impl<N: AsRef<str>> SkillLevels for Vec<(N, i64)> {
    fn level(&self, skill: &str) -> Option<i64> {
        self.as_slice().level(skill)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_container_answers_by_exact_name() {
        let pairs = [("english", 5), ("english", 9)];
        let owned: Vec<(String, i64)> = vec![("english".into(), 5)];
        let hash: HashMap<String, i64> = owned.iter().cloned().collect();
        let tree: BTreeMap<&str, i64> = [("english", 5)].into_iter().collect();
        let slice = &pairs[..];
        let sources: [&dyn SkillLevels; 5] = [&pairs, &slice, &owned, &hash, &tree];
        for source in sources {
            assert_eq!(source.level("english"), Some(5));
            assert_eq!(source.level("English"), None);
        }
    }
}
