//! The agents of a description: profiles, groups, skills, capacity and shifts dealt among them, and the
//! center file they are written as.
//!
//! Whatever comes in proportions (profiles, shifts, a group's share, a skill's share, weighted levels
//! and capacities) is **dealt** exactly (largest remainder, then shuffled), as the sample's generator
//! does, so a small center still has its 10 % of capacity-2 agents; other draws are drawn per agent.

use super::draw::Drawer;
use super::{AgentsPlan, Traits};
use crate::workload::random::{Random, deal};
use std::fmt::Write as _;

const DAY_S: f64 = 86_400.0;

/// One agent before it is written.
#[derive(Clone, Debug, Default)]
struct Draft {
    /// Indexes into [`Drafted::groups`], each once, in the order given.
    groups: Vec<usize>,
    /// Indexes into [`Drafted::skills`] and levels.
    skills: Vec<(usize, f64)>,
    capacity: f64,
    shift: Option<usize>,
}

/// The agents drawn for a plan.
pub(super) struct Drafted {
    agents: Vec<Draft>,
    groups: Vec<String>,
    skills: Vec<String>,
}

/// Draw the agents of `plan`.
pub(super) fn draw(plan: &AgentsPlan, random: &mut Random) -> Drafted {
    let n = plan.count;
    let mut drafted = Drafted {
        agents: vec![
            Draft {
                capacity: 1.0,
                ..Draft::default()
            };
            n
        ],
        groups: Vec::new(),
        skills: Vec::new(),
    };
    let profile_of: Vec<usize> = if plan.profiles.is_empty() {
        Vec::new()
    } else {
        let shares: Vec<(usize, f64)> = plan.profiles.iter().map(|p| p.0).enumerate().collect();
        deal(random, n, &shares)
    };
    if !plan.shifts.is_empty() {
        let shares: Vec<(usize, f64)> = plan.shifts.iter().map(|s| s.weight).enumerate().collect();
        for (agent, shift) in drafted.agents.iter_mut().zip(deal(random, n, &shares)) {
            agent.shift = Some(shift);
        }
    }
    let everyone: Vec<usize> = (0..n).collect();
    drafted.apply(&plan.everyone, &everyone, random);
    for (p, (_, traits)) in plan.profiles.iter().enumerate() {
        let members: Vec<usize> = (0..n).filter(|&i| profile_of[i] == p).collect();
        drafted.apply(traits, &members, random);
    }
    drafted
}

/// The members that get a value with presence `share` (dealt exactly).
fn present(random: &mut Random, members: &[usize], share: f64) -> Vec<usize> {
    if share >= 1.0 {
        return members.to_vec();
    }
    let dealt = deal(
        random,
        members.len(),
        &[(true, share), (false, 1.0 - share)],
    );
    members
        .iter()
        .zip(dealt)
        .filter_map(|(&i, has)| has.then_some(i))
        .collect()
}

/// One value of `drawer` per member: dealt when the values are one of a few, drawn otherwise.
fn values(random: &mut Random, members: &[usize], drawer: &Drawer) -> Vec<f64> {
    match drawer.discrete() {
        Some((values, shares)) => {
            let indexed: Vec<(usize, f64)> = shares.into_iter().enumerate().collect();
            deal(random, members.len(), &indexed)
                .into_iter()
                .map(|k| values[k])
                .collect()
        }
        None => members.iter().map(|_| drawer.number(random)).collect(),
    }
}

fn index_of(names: &mut Vec<String>, name: &str) -> usize {
    match names.iter().position(|n| n == name) {
        Some(i) => i,
        None => {
            names.push(name.to_owned());
            names.len() - 1
        }
    }
}

impl Drafted {
    fn apply(&mut self, traits: &Traits, members: &[usize], random: &mut Random) {
        for (name, share) in &traits.groups {
            let g = index_of(&mut self.groups, name);
            for i in present(random, members, share.unwrap_or(1.0)) {
                let groups = &mut self.agents[i].groups;
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
        }
        for (name, drawer) in &traits.skills {
            let s = index_of(&mut self.skills, name);
            let with = present(random, members, drawer.share());
            for (i, level) in with.iter().zip(values(random, &with, drawer)) {
                let skills = &mut self.agents[*i].skills;
                match skills.iter_mut().find(|(k, _)| *k == s) {
                    Some(entry) => entry.1 = level,
                    None => skills.push((s, level)),
                }
            }
        }
        if let Some(drawer) = &traits.capacity {
            let with = present(random, members, drawer.share());
            for (i, capacity) in with.iter().zip(values(random, &with, drawer)) {
                self.agents[*i].capacity = capacity;
            }
        }
    }

    /// Number of agents.
    pub(super) fn len(&self) -> usize {
        self.agents.len()
    }

    /// Each shift's ready intervals in seconds over `days` days (`None`: always ready), merged.
    fn shift_intervals(plan: &AgentsPlan, days: u64) -> Vec<Option<Vec<(f64, f64)>>> {
        plan.shifts
            .iter()
            .map(|shift| {
                shift.ready.as_ref().map(|hours| {
                    let mut intervals: Vec<(f64, f64)> = (0..days)
                        .flat_map(|d| {
                            hours.iter().map(move |&(s, e)| {
                                let day = d as f64 * DAY_S;
                                let end = (day + e * 3600.0).round().min(crate::time::LIMIT_S);
                                ((day + s * 3600.0).round(), end)
                            })
                        })
                        // Center files hold times up to the limit.
                        .filter(|(s, e)| s < e)
                        .collect();
                    intervals.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(intervals.len());
                    for (s, e) in intervals {
                        match merged.last_mut() {
                            Some(last) if s <= last.1 => last.1 = last.1.max(e),
                            _ => merged.push((s, e)),
                        }
                    }
                    merged
                })
            })
            .collect()
    }

    /// The span at which the agents, ready as their shifts say, have offered `work` agent-seconds.
    ///
    /// Shifts repeat every day, so from the second day on (when the intervals that run past midnight
    /// have come in) every day offers the same work: the span is found in the first three days, or by
    /// counting whole days and then walking a window of that repeating pattern.
    pub(super) fn span_for_work(&self, plan: &AgentsPlan, work: f64) -> Option<f64> {
        // The capacity of the agents of each shift (the last: always ready), so that the work is
        // walked over one set of intervals per shift, not per agent.
        let mut capacity = vec![0.0; plan.shifts.len() + 1];
        for agent in &self.agents {
            capacity[agent.shift.unwrap_or(plan.shifts.len())] += agent.capacity;
        }
        let shifts = Drafted::shift_intervals(plan, 4);
        let always = vec![(0.0, f64::INFINITY)];
        // The intervals from day `from` on, moved to start at 0.
        let window = |from: f64| -> Vec<(f64, Vec<(f64, f64)>)> {
            capacity
                .iter()
                .enumerate()
                .map(|(s, &capacity)| {
                    let intervals = shifts.get(s).and_then(Option::as_ref).unwrap_or(&always);
                    let moved = intervals
                        .iter()
                        .filter(|&&(_, end)| end > from)
                        .map(|&(start, end)| (start.max(from) - from, end - from))
                        .collect();
                    (capacity, moved)
                })
                .collect()
        };
        let solve = |sets: &[(f64, Vec<(f64, f64)>)], work: f64| {
            let sets = sets.iter().map(|(c, intervals)| (*c, intervals.as_slice()));
            crate::workload::arrivals::span_for_ready(sets, work)
        };
        let work_until = |sets: &[(f64, Vec<(f64, f64)>)], t: f64| -> f64 {
            sets.iter()
                .map(|(c, intervals)| {
                    let ready: f64 = intervals
                        .iter()
                        .map(|&(s, e)| (e.min(t) - s.min(t)).max(0.0))
                        .sum();
                    c * ready
                })
                .sum()
        };
        let from_start = window(0.0);
        let first_day = work_until(&from_start, DAY_S);
        let daily = work_until(&from_start, 2.0 * DAY_S) - first_day;
        if work <= first_day + 2.0 * daily || daily <= 0.0 {
            return solve(&from_start, work).filter(|&span| span <= 4.0 * DAY_S);
        }
        // Whole days of the repeating pattern after the first, then the rest within a window of it.
        let days = ((work - first_day) / daily).floor() - 1.0;
        let done = first_day + days * daily;
        let rest = solve(&window(DAY_S), work - done)?;
        Some((1.0 + days) * DAY_S + rest)
    }

    /// How many ready intervals the center file would list over `days` days.
    pub(super) fn interval_count(&self, plan: &AgentsPlan, days: u64) -> f64 {
        let per_day: Vec<f64> = plan
            .shifts
            .iter()
            .map(|s| s.ready.as_ref().map_or(0.0, |r| r.len() as f64))
            .collect();
        self.agents
            .iter()
            .filter_map(|a| a.shift.map(|s| per_day[s]))
            .sum::<f64>()
            * days as f64
    }

    /// The center file, shifts written over `days` days; `header` is its comment.
    pub(super) fn to_yaml(&self, plan: &AgentsPlan, days: u64, header: &str) -> String {
        let shifts = Drafted::shift_intervals(plan, days);
        let width = self.agents.len().to_string().len();
        let mut yaml = String::with_capacity(128 * self.agents.len() + 512);
        let mut scratch = Random::new(0, crate::workload::random::Stream::Center);
        for line in header.lines() {
            let _ = writeln!(yaml, "# {line}");
        }
        let _ = writeln!(
            yaml,
            "default_handle_s: {}\n\nagents:",
            plan.default_handle_s
        );
        let mut id = String::new();
        for (i, agent) in self.agents.iter().enumerate() {
            id.clear();
            // Id templates draw nothing (checked), so the scratch generator is never used.
            plan.id
                .render_padded(&mut scratch, i as u64 + 1, width, &mut id);
            let _ = writeln!(yaml, "  - id: {}", name(&id));
            if !agent.groups.is_empty() {
                let groups: Vec<String> = agent
                    .groups
                    .iter()
                    .map(|&g| name(&self.groups[g]))
                    .collect();
                let _ = writeln!(yaml, "    groups: [{}]", groups.join(", "));
            }
            if !agent.skills.is_empty() {
                let skills: Vec<String> = agent
                    .skills
                    .iter()
                    .map(|&(s, level)| format!("{}: {}", name(&self.skills[s]), level as i64))
                    .collect();
                let _ = writeln!(yaml, "    skills: {{ {} }}", skills.join(", "));
            }
            if agent.capacity != 1.0 {
                let _ = writeln!(yaml, "    capacity: {}", agent.capacity as u32);
            }
            if let Some(intervals) = agent.shift.and_then(|s| shifts[s].as_ref()) {
                let pairs: Vec<String> = intervals
                    .iter()
                    .map(|(s, e)| format!("[{s}, {e}]"))
                    .collect();
                let _ = writeln!(yaml, "    ready: [{}]", pairs.join(", "));
            }
        }
        yaml
    }
}

/// A name as YAML: plain when it reads back as the same text, JSON-quoted otherwise.
fn name(text: &str) -> String {
    let plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        text.to_owned()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::workload::random::Stream;

    #[test]
    fn spans_of_many_days_are_what_walking_every_day_gives() {
        let yaml = "center:\n  agents:\n    count: 5\n    capacity: { weights: { 1: 3, 2: 2 } }\n    \
                    shifts: [{ weight: 2, ready: [[8, 16]] }, { weight: 2, ready: [[22, 30]] }, \
                    { weight: 1, ready: [[0, 4], [5.5, 12]] }]\nworkitems:\n  arrivals: { count: 1, hours: 1 }\n";
        let spec = crate::workload::spec::parse(&SourceFile::new("w.yaml", yaml)).expect("valid");
        let plan = spec.center.as_ref().expect("a center");
        let drafted = draw(plan, &mut Random::new(1, Stream::Center));
        let days = 60;
        let shifts = Drafted::shift_intervals(plan, days);
        let every_day = |work: f64| {
            let sets = drafted.agents.iter().map(|a| {
                let intervals = a.shift.and_then(|s| shifts[s].as_deref()).unwrap_or(&[]);
                (a.capacity, intervals)
            });
            crate::workload::arrivals::span_for_ready(sets, work)
        };
        for work in [
            1.0,
            3_600.0,
            50_000.0,
            400_000.0,
            1_000_000.0,
            5_432_100.0,
            9_999_999.0,
        ] {
            let walked = every_day(work).expect("within 60 days");
            let counted = drafted.span_for_work(plan, work).expect("a span");
            assert!(
                (walked - counted).abs() < 1e-6,
                "{work}: {walked} != {counted}"
            );
        }
    }

    #[test]
    fn names_are_quoted_when_yaml_would_read_them_otherwise() {
        assert_eq!(name("gold_group"), "gold_group");
        assert_eq!(name("agent0001"), "agent0001");
        assert_eq!(name("0042"), "\"0042\"");
        assert_eq!(name("yes"), "\"yes\"");
        assert_eq!(name("a b: c"), "\"a b: c\"");
        assert_eq!(name("é\"x"), "\"é\\\"x\"");
    }
}
