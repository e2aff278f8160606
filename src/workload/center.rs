//! A generated contact center for the sample flow: agents in tiers that match the data table's rows, a
//! few other groups to request, skills on both sides of every threshold, and shifts over the workload's
//! span. Written as center YAML (SPEC §3.3); the mix is described in `docs/workload.md`.

use super::random::{Random, deal};
use std::fmt::Write;

/// The shortest span shifts are laid over: a workload of a few seconds still gets breaks and late starts
/// of whole seconds and minutes, rather than intervals too short to write.
const MIN_SHIFT_SPAN_S: f64 = 3600.0;

/// The tier of an agent: which table row's skill expression and group it serves.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Tier {
    /// `gold_group`, english 8–10: candidates of `'english' > 7`.
    Gold,
    /// `bronze_group`, english 3–7: mostly candidates of `'english' > 3`, some just below.
    Bronze,
    /// The default group `workitems` only, english 1–9: mostly candidates of `'english' > 1`.
    General,
}

const TIERS: [(Tier, f64); 3] = [
    (Tier::Gold, 0.15),
    (Tier::Bronze, 0.25),
    (Tier::General, 0.60),
];

/// Gold and bronze agents outside the default group `workitems`: specialists, reached only by their
/// group or skill (as `carol` and `frank` in `flows/center.yaml`).
const SPECIALIST_SHARE: f64 = 0.2;

/// Groups that only requested-group overrides reach (`GTR_requestedAgentGroup`), each on this share of
/// agents.
const REQUESTABLE_GROUPS: [(&str, f64); 2] = [("claims_group", 0.10), ("billing_group", 0.10)];

const SPANISH_SHARE: f64 = 0.20;
const FRENCH_SHARE: f64 = 0.10;
const CAPACITY_2_SHARE: f64 = 0.10;

/// When an agent is ready, as fractions of the span: scaled to seconds once the span is known.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Shift {
    /// From the start, for good.
    Always,
    /// From this fraction of the span on.
    LateStart(f64),
    /// From the start up to this fraction of the span.
    EarlyEnd(f64),
    /// A break of `length` from `start`, both fractions of the span.
    Break { start: f64, length: f64 },
}

/// Kinds of shifts, dealt in these shares before drawing their times.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ShiftKind {
    Always,
    LateStart,
    EarlyEnd,
    Break,
}

const SHIFTS: [(ShiftKind, f64); 4] = [
    (ShiftKind::Always, 0.60),
    (ShiftKind::LateStart, 0.15),
    (ShiftKind::EarlyEnd, 0.10),
    (ShiftKind::Break, 0.15),
];

impl Shift {
    fn draw(kind: ShiftKind, random: &mut Random) -> Shift {
        // Starts in the first tenth and ends in the last tenth keep the capacity at any moment close to
        // the average, so the chosen load holds through the span.
        match kind {
            ShiftKind::Always => Shift::Always,
            ShiftKind::LateStart => Shift::LateStart(random.between(0.0, 0.1)),
            ShiftKind::EarlyEnd => Shift::EarlyEnd(random.between(0.9, 1.0)),
            ShiftKind::Break => Shift::Break {
                start: random.between(0.2, 0.7),
                length: random.between(0.02, 0.06),
            },
        }
    }

    /// The fraction of the span the agent is ready.
    fn ready_share(self) -> f64 {
        match self {
            Shift::Always => 1.0,
            Shift::LateStart(start) => 1.0 - start,
            Shift::EarlyEnd(end) => end,
            Shift::Break { length, .. } => 1.0 - length,
        }
    }

    /// The `ready:` value in whole seconds for a span of `span_s`, or `None` for always.
    fn ready(self, span_s: f64) -> Option<String> {
        let at = |fraction: f64| (fraction * span_s).round();
        match self {
            Shift::Always => None,
            Shift::LateStart(start) => Some(format!("[[{}, .inf]]", at(start))),
            Shift::EarlyEnd(end) => Some(format!("[[0, {}]]", at(end))),
            Shift::Break { start, length } => Some(format!(
                "[[0, {}], [{}, .inf]]",
                at(start),
                at(start + length)
            )),
        }
    }
}

/// One generated agent, before it is written.
#[derive(Clone, Debug)]
struct AgentPlan {
    groups: Vec<&'static str>,
    english: u8,
    spanish: Option<u8>,
    french: Option<u8>,
    capacity: u32,
    shift: Shift,
}

/// A generated center: its agents, and the capacity they offer per second of span on average.
pub(super) struct CenterPlan {
    agents: Vec<AgentPlan>,
}

impl CenterPlan {
    /// Draw `agents` agents.
    pub(super) fn draw(agents: usize, random: &mut Random) -> CenterPlan {
        // Each attribute is dealt in exact shares, in its own shuffled order, so attributes are independent
        // of each other and every share is present even in a small center.
        let tiers = deal(random, agents, &TIERS);
        let shifts = deal(random, agents, &SHIFTS);
        let capacities = deal(
            random,
            agents,
            &[(2, CAPACITY_2_SHARE), (1, 1.0 - CAPACITY_2_SHARE)],
        );
        let requestable: Vec<Vec<bool>> = REQUESTABLE_GROUPS
            .iter()
            .map(|&(_, share)| deal(random, agents, &[(true, share), (false, 1.0 - share)]))
            .collect();
        let plans = (0..agents)
            .map(|i| {
                let tier = tiers[i];
                let mut groups = match tier {
                    Tier::Gold => vec!["gold_group"],
                    Tier::Bronze => vec!["bronze_group"],
                    Tier::General => vec![],
                };
                if tier == Tier::General || !random.chance(SPECIALIST_SHARE) {
                    groups.push("workitems");
                }
                for (g, &(name, _)) in REQUESTABLE_GROUPS.iter().enumerate() {
                    if requestable[g][i] {
                        groups.push(name);
                    }
                }
                let english = match tier {
                    Tier::Gold => random.level(8, 10),
                    Tier::Bronze if random.chance(0.15) => 3,
                    Tier::Bronze => random.level(4, 7),
                    Tier::General => match random.unit() {
                        x if x < 0.10 => 1,
                        x if x < 0.15 => random.level(8, 9),
                        _ => random.level(2, 7),
                    },
                };
                let spanish = random.chance(SPANISH_SHARE).then(|| random.level(1, 10));
                let french = random.chance(FRENCH_SHARE).then(|| random.level(1, 10));
                AgentPlan {
                    groups,
                    english,
                    spanish,
                    french,
                    capacity: capacities[i],
                    shift: Shift::draw(shifts[i], random),
                }
            })
            .collect();
        CenterPlan { agents: plans }
    }

    /// Capacity ready on average over the span: Σ capacity × share of the span ready.
    pub(super) fn mean_capacity(&self) -> f64 {
        self.agents
            .iter()
            .map(|agent| f64::from(agent.capacity) * agent.shift.ready_share())
            .sum()
    }

    /// The center file, with shifts laid over `span_s` seconds (at least an hour); `command` goes into
    /// the header comment.
    pub(super) fn to_yaml(&self, span_s: f64, default_handle_s: f64, command: &str) -> String {
        let span_s = span_s.max(MIN_SHIFT_SPAN_S);
        let width = self.agents.len().to_string().len();
        let mut yaml = String::with_capacity(128 * self.agents.len() + 512);
        // Writing to a String cannot fail.
        let _ = writeln!(
            yaml,
            "# A generated contact center for the sample flow (flows/gtr_sample.yaml), written by\n\
             # `{command}`; the mix is described in docs/workload.md.\n\
             # Shifts are laid over {span_s:.0} s of virtual time: the span of the workitems, at least an hour.\n\
             default_handle_s: {default_handle_s}\n\nagents:"
        );
        for (i, agent) in self.agents.iter().enumerate() {
            let _ = writeln!(yaml, "  - id: agent{:0width$}", i + 1);
            let _ = writeln!(yaml, "    groups: [{}]", agent.groups.join(", "));
            let _ = write!(yaml, "    skills: {{ english: {}", agent.english);
            if let Some(level) = agent.spanish {
                let _ = write!(yaml, ", spanish: {level}");
            }
            if let Some(level) = agent.french {
                let _ = write!(yaml, ", french: {level}");
            }
            yaml.push_str(" }\n");
            if agent.capacity != 1 {
                let _ = writeln!(yaml, "    capacity: {}", agent.capacity);
            }
            if let Some(ready) = agent.shift.ready(span_s) {
                let _ = writeln!(yaml, "    ready: {ready}");
            }
        }
        yaml
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::center::Center;
    use crate::diagnostic::SourceFile;
    use crate::skill::SkillExpression;
    use crate::workload::random::Stream;

    fn center(agents: usize, span_s: f64) -> Center {
        let plan = CenterPlan::draw(agents, &mut Random::new(1, Stream::Center));
        let yaml = plan.to_yaml(span_s, 300.0, "routeflow gen");
        let (center, diagnostics) = Center::read(&SourceFile::new("center.yaml", yaml));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        center.expect("a valid center")
    }

    #[test]
    fn every_threshold_of_the_table_has_candidates_and_non_candidates() {
        let center = center(200, 36_000.0);
        for threshold in ["'english' > 1", "'english' > 3", "'english' > 7"] {
            let expression = SkillExpression::parse(threshold).expect("a skill expression");
            let candidates = center.matching(&expression).len();
            assert!(
                0 < candidates && candidates < 200,
                "{threshold}: {candidates}"
            );
        }
    }

    #[test]
    fn groups_capacities_and_shifts_are_dealt_in_their_shares() {
        let center = center(200, 36_000.0);
        let members = |name| {
            center
                .group(name)
                .map_or(0, |g| center.agents_in_group(g).len())
        };
        assert_eq!(members("gold_group"), 30);
        assert_eq!(members("bronze_group"), 50);
        assert_eq!(members("claims_group"), 20);
        assert_eq!(members("billing_group"), 20);
        assert!(members("workitems") > 160);
        let twos = center.agents().iter().filter(|a| a.capacity == 2).count();
        assert_eq!(twos, 20);
        let always = center
            .agents()
            .iter()
            .filter(|a| a.ready == [(0.0, f64::INFINITY)]);
        assert_eq!(always.count(), 120);
    }

    #[test]
    fn short_spans_still_give_valid_shifts() {
        for agents in [1, 2, 9, 50] {
            center(agents, 0.0);
        }
    }
}
