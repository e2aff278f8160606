//! The shared input set: the user data every implementation decides on, and the answer they must agree on.
//!
//! A deterministic cartesian product, so that every path of the sample's Initialize is taken: the two
//! published rows found by classification, misses of every kind (unknown, partial, empty, case differing,
//! the default row's own key), every override alone and together, an empty override (which is no
//! override), with and without unrelated user data around the keys the flow reads.

/// Which way through Initialize a workitem goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// No override; the classification finds exactly one published row.
    Classified,
    /// No override; the classification finds no row, so the default row serves.
    DefaultRow,
    /// An agent, skill or agent group given: no classification, the default row fills the rest.
    Overridden,
}

/// One workitem's user data, as key and string value pairs in the order the third-party system wrote them.
#[derive(Clone, Debug)]
pub struct Workitem {
    pub userdata: Vec<(&'static str, &'static str)>,
    pub path: Path,
}

/// The three routing parameters Initialize leaves for the Route cascades.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parameters {
    pub requested_agent: String,
    pub skill_expression: String,
    pub requested_agent_group: String,
}

impl Parameters {
    pub fn new(agent: &str, skill: &str, group: &str) -> Parameters {
        Parameters {
            requested_agent: agent.to_owned(),
            skill_expression: skill.to_owned(),
            requested_agent_group: group.to_owned(),
        }
    }
}

type Keys = &'static [(&'static str, &'static str)];

/// Classification user data, and whether it names a published row (other than the default one).
const CLASSIFICATIONS: [(Keys, bool); 12] = [
    (
        &[
            ("GTR_level1", "Insurance"),
            ("GTR_level2", "Health"),
            ("CustomerSegment", "Bronze"),
        ],
        true,
    ),
    (
        &[
            ("GTR_level1", "Insurance"),
            ("GTR_level2", "Health"),
            ("CustomerSegment", "Gold"),
        ],
        true,
    ),
    (
        &[
            ("GTR_level1", "Insurance"),
            ("GTR_level2", "Health"),
            ("CustomerSegment", "Silver"),
        ],
        false,
    ),
    (
        &[
            ("GTR_level1", "Banking"),
            ("GTR_level2", "Health"),
            ("CustomerSegment", "Gold"),
        ],
        false,
    ),
    (
        &[
            ("GTR_level1", "Insurance"),
            ("GTR_level2", "Auto"),
            ("CustomerSegment", "Gold"),
        ],
        false,
    ),
    (&[("GTR_level1", "Insurance")], false),
    (
        &[("GTR_level1", "Insurance"), ("GTR_level2", "Health")],
        false,
    ),
    (&[], false),
    (
        &[
            ("GTR_level1", ""),
            ("GTR_level2", ""),
            ("CustomerSegment", ""),
        ],
        false,
    ),
    (
        &[
            ("GTR_level1", "insurance"),
            ("GTR_level2", "health"),
            ("CustomerSegment", "gold"),
        ],
        false,
    ),
    (
        &[
            ("GTR_level1", "_ANY-LEVEL1_"),
            ("GTR_level2", "_ANY-LEVEL2_"),
            ("CustomerSegment", "_ANY-SEGMENT_"),
        ],
        false,
    ),
    (
        &[("GTR_level2", "Health"), ("CustomerSegment", "Gold")],
        false,
    ),
];

/// Override user data, and whether it overrides anything (an empty value does not).
const OVERRIDES: [(Keys, bool); 6] = [
    (&[], false),
    (&[("GTR_requestedAgent", "")], false),
    (&[("GTR_requestedAgent", "alice")], true),
    (&[("GTR_skillExpression", "'spanish' > 5")], true),
    (&[("GTR_requestedAgentGroup", "silver_group")], true),
    (
        &[
            ("GTR_requestedAgent", "bob"),
            ("GTR_skillExpression", "'french' > 2"),
            ("GTR_requestedAgentGroup", "gold_group"),
        ],
        true,
    ),
];

/// User data the flow does not read, as real workitems carry.
const OTHER: Keys = &[("CustomerId", "C-1042"), ("Subject", "Claim 7731")];

/// How the keys are laid out in the user data.
#[derive(Clone, Copy)]
enum Layout {
    ClassificationFirst,
    OverridesFirst,
    /// Unrelated keys first, then the classification and overrides.
    WithOtherKeys,
}

/// Every combination of classification, override and layout: 12 × 6 × 3 = 216 workitems.
pub fn all() -> Vec<Workitem> {
    let mut workitems = Vec::new();
    for layout in [
        Layout::ClassificationFirst,
        Layout::OverridesFirst,
        Layout::WithOtherKeys,
    ] {
        for &(classification, published) in &CLASSIFICATIONS {
            for &(overrides, overridden) in &OVERRIDES {
                let parts: [Keys; 3] = match layout {
                    Layout::ClassificationFirst => [classification, overrides, &[]],
                    Layout::OverridesFirst => [overrides, classification, &[]],
                    Layout::WithOtherKeys => [OTHER, classification, overrides],
                };
                let path = match (overridden, published) {
                    (true, _) => Path::Overridden,
                    (false, true) => Path::Classified,
                    (false, false) => Path::DefaultRow,
                };
                workitems.push(Workitem {
                    userdata: parts.concat(),
                    path,
                });
            }
        }
    }
    workitems
}
