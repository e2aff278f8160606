//! Generated workitems for the sample flow, as JSON Lines (SPEC §3.4): Poisson arrivals, lognormal
//! handle times, and a mix of classifications and overrides that takes every path of the flow. The mix is
//! described in `docs/workload.md`.

use super::Workload;
use super::random::Random;
use crate::center::Center;
use rand_distr::{Exp, LogNormal};
use std::fmt::Write as _;
use std::io::{self, Write};

/// A classification of a workitem, as its user data gives it; `None` leaves the key out.
#[derive(Clone, Copy, Debug)]
struct Classification {
    share: f64,
    level1: Option<&'static str>,
    level2: Option<&'static str>,
    segment: Option<&'static str>,
}

const fn class(
    share: f64,
    level1: Option<&'static str>,
    level2: Option<&'static str>,
    segment: Option<&'static str>,
) -> Classification {
    Classification {
        share,
        level1,
        level2,
        segment,
    }
}

/// `GTR_level1`, `GTR_level2`, `CustomerSegment`. Only the first two match a row of
/// OPEN_MEDIA_ROUTING_CONFIG besides the default one; the others take the default row, for a different
/// reason each.
const CLASSIFICATIONS: [Classification; 13] = [
    class(0.15, Some("Insurance"), Some("Health"), Some("Gold")),
    class(0.25, Some("Insurance"), Some("Health"), Some("Bronze")),
    // A segment the table has no row for.
    class(0.10, Some("Insurance"), Some("Health"), Some("Silver")),
    // A segment the table knows, under other levels.
    class(0.05, Some("Insurance"), Some("Auto"), Some("Gold")),
    class(0.05, Some("Insurance"), Some("Home"), Some("Bronze")),
    class(0.05, Some("Banking"), Some("Cards"), Some("Gold")),
    class(0.05, Some("Banking"), Some("Mortgage"), Some("Silver")),
    class(0.05, Some("Telecom"), Some("Mobile"), Some("Bronze")),
    // Levels swapped: exact matching, no wildcard.
    class(0.05, Some("Health"), Some("Insurance"), Some("Gold")),
    // Keys missing: the flow reads '' for them.
    class(0.05, Some("Telecom"), Some("Broadband"), None),
    class(0.05, Some("Insurance"), Some("Health"), None),
    class(0.05, Some("Insurance"), None, None),
    class(0.05, None, None, None),
];

/// Requested skill expressions (`GTR_skillExpression`): narrower than the table's, some with few
/// candidates, all valid Genesys syntax.
const SKILL_EXPRESSIONS: [&str; 5] = [
    "'spanish' > 5",
    "'french' > 2",
    "'english' > 8 & 'french' > 2",
    "'english' > 5 | 'spanish' > 7",
    "'english' >= 9",
];

/// What the third-party system says the workitem is about: carried along, read by no block.
const SUBJECTS: [&str; 8] = [
    "Claim status",
    "Policy renewal",
    "Billing question",
    "Address change",
    "Coverage question",
    "Document upload",
    "Complaint",
    "Cancellation request",
];

/// Prefix of requested agents that do not exist: `retired_agent0042` was an agent once.
pub const UNKNOWN_AGENT_PREFIX: &str = "retired_";

/// The requested group that does not exist.
pub const UNKNOWN_GROUP: &str = "escalations_group";

/// Which overrides a workitem's user data carries.
#[derive(Clone, Copy, Debug)]
struct Requested {
    agent: bool,
    skill: bool,
    group: bool,
}

fn requested(agent: bool, skill: bool, group: bool) -> Requested {
    Requested {
        agent,
        skill,
        group,
    }
}

/// The agents and groups overrides name, taken from the center once.
struct Targets<'a> {
    center: &'a Center,
    groups: Vec<&'a str>,
    unknown_group: String,
}

impl<'a> Targets<'a> {
    fn new(center: &'a Center) -> Targets<'a> {
        let groups = (0..center.group_count())
            .map(|g| center.group_name(crate::center::GroupId(g as u32)))
            .collect();
        let unknown_group = unknown(UNKNOWN_GROUP, |name| center.group(name).is_some());
        Targets {
            center,
            groups,
            unknown_group,
        }
    }

    fn agent(&self, random: &mut Random, unknown_share: f64) -> Option<String> {
        let agents = self.center.agents();
        let unknown_wanted = random.chance(unknown_share);
        if agents.is_empty() {
            return None;
        }
        let id = &agents[random.below(agents.len())].id;
        Some(if unknown_wanted {
            let name = format!("{UNKNOWN_AGENT_PREFIX}{id}");
            unknown(&name, |name| self.center.agent(name).is_some())
        } else {
            id.clone()
        })
    }

    fn group(&self, random: &mut Random, unknown_share: f64) -> &str {
        if random.chance(unknown_share) || self.groups.is_empty() {
            &self.unknown_group
        } else {
            random.pick(&self.groups)
        }
    }
}

/// `name`, prefixed until the center has nothing by that name (a center file may use any name).
pub(super) fn unknown(name: &str, exists: impl Fn(&str) -> bool) -> String {
    let mut name = name.to_owned();
    while exists(&name) {
        name.insert_str(0, UNKNOWN_AGENT_PREFIX);
    }
    name
}

/// Write `count` workitems arriving over about `span_s` seconds for `center` to `out`, one line each.
pub(super) fn write(
    out: &mut impl Write,
    center: &Center,
    workload: &Workload,
    count: usize,
    span_s: f64,
    random: &mut Random,
) -> io::Result<()> {
    if count == 0 {
        return Ok(());
    }
    let arrivals = Exp::new(count as f64 / span_s).map_err(invalid)?;
    // A lognormal with this mean: exp(μ + σ²/2) = mean.
    let sigma = workload.handle_sigma;
    let handle = LogNormal::new(workload.handle_mean_s.ln() - sigma * sigma / 2.0, sigma)
        .map_err(invalid)?;
    let targets = Targets::new(center);
    let o = &workload.overrides;
    let requests = [
        (
            requested(false, false, false),
            1.0 - o.agent - o.skill - o.group - o.combined,
        ),
        (requested(true, false, false), o.agent),
        (requested(false, true, false), o.skill),
        (requested(false, false, true), o.group),
        (requested(true, false, true), o.combined / 3.0),
        (requested(false, true, true), o.combined / 3.0),
        (requested(true, true, true), o.combined / 3.0),
    ];
    let width = count.to_string().len().max(6);
    let mut line: Vec<u8> = Vec::with_capacity(512);
    let mut number = itoa::Buffer::new();
    let mut case = String::with_capacity(16);
    let mut t = 0.0;
    for i in 1..=count {
        t += random.sample(&arrivals);
        let arrive_ms = milliseconds(t);
        line.clear();
        let _ = write!(line, "{{\"id\":\"w{i:0width$}\",\"arrive_s\":");
        push_seconds(&mut line, arrive_ms);
        if random.chance(workload.priority_share) {
            line.extend_from_slice(b",\"priority\":");
            line.extend_from_slice(number.format(random.level(1, 5)).as_bytes());
        }
        if random.chance(workload.handle_given) {
            line.extend_from_slice(b",\"handle_s\":");
            push_seconds(&mut line, milliseconds(random.sample(&handle)));
        }
        if random.chance(workload.stop_share) {
            let (low, high) = workload.stop_after_s;
            line.extend_from_slice(b",\"stop_s\":");
            // Added in whole milliseconds, so the written stop is never before the written arrival.
            push_seconds(
                &mut line,
                arrive_ms + milliseconds(random.between(low, high)),
            );
        }
        line.extend_from_slice(b",\"userdata\":{");
        let mut entries = Entries::new(&mut line);
        let class = CLASSIFICATIONS[random.weighted(CLASSIFICATIONS.iter().map(|c| c.share))];
        entries.optional("GTR_level1", class.level1);
        entries.optional("GTR_level2", class.level2);
        entries.optional("CustomerSegment", class.segment);
        let requested = requests[random.weighted(requests.iter().map(|r| r.1))].0;
        if requested.agent {
            let agent = targets.agent(random, workload.unknown_share);
            entries.optional("GTR_requestedAgent", agent.as_deref());
        }
        if requested.skill {
            entries.entry("GTR_skillExpression", random.pick(&SKILL_EXPRESSIONS));
        }
        if requested.group {
            entries.entry(
                "GTR_requestedAgentGroup",
                targets.group(random, workload.unknown_share),
            );
        }
        entries.entry("subject", random.pick(&SUBJECTS));
        case.clear();
        // Writing to a String cannot fail.
        let _ = write!(case, "CS{:07}", random.below(10_000_000));
        entries.entry("caseNumber", &case);
        line.extend_from_slice(b"}}\n");
        out.write_all(&line)?;
    }
    Ok(())
}

fn invalid(error: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, error.to_string())
}

/// Seconds rounded to whole milliseconds: short, and read back exactly.
pub(super) fn milliseconds(seconds: f64) -> u64 {
    (seconds * 1000.0).round() as u64
}

/// Milliseconds as seconds, the shortest way JavaScript would print them (`12.5`, `300`).
pub(super) fn push_seconds(line: &mut Vec<u8>, ms: u64) {
    // ms / 1000 is correctly rounded, so it is the double nearest to the 3-decimal value, which is what
    // the shortest round-trip form prints back.
    line.extend_from_slice(ryu_js::Buffer::new().format(ms as f64 / 1000.0).as_bytes());
}

/// The `"key":"value"` entries of a JSON object being written.
struct Entries<'a> {
    line: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Entries<'a> {
    fn new(line: &'a mut Vec<u8>) -> Entries<'a> {
        Entries { line, first: true }
    }

    fn entry(&mut self, key: &str, value: &str) {
        if !self.first {
            self.line.push(b',');
        }
        self.first = false;
        push_string(self.line, key);
        self.line.push(b':');
        push_string(self.line, value);
    }

    fn optional(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.entry(key, value);
        }
    }
}

/// A JSON string. Agent ids and group names come from the center file and may hold any character.
pub(super) fn push_string(line: &mut Vec<u8>, text: &str) {
    line.push(b'"');
    for &byte in text.as_bytes() {
        match byte {
            b'"' => line.extend_from_slice(b"\\\""),
            b'\\' => line.extend_from_slice(b"\\\\"),
            0..0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                line.extend_from_slice(b"\\u00");
                line.push(HEX[usize::from(byte >> 4)]);
                line.push(HEX[usize::from(byte & 0xf)]);
            }
            // Other bytes, multi-byte UTF-8 included, are written as they are.
            _ => line.push(byte),
        }
    }
    line.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_from_a_center_file_are_escaped() {
        let mut line = Vec::new();
        push_string(&mut line, "a\"b\\c\nd\u{1}é");
        let text = String::from_utf8(line).expect("UTF-8");
        assert_eq!(text, r#""a\"b\\c\nd\u0001é""#.replace("\\n", "\\u000a"));
        let back: String = serde_json::from_str(&text).expect("a JSON string");
        assert_eq!(back, "a\"b\\c\nd\u{1}é");
    }

    #[test]
    fn seconds_are_written_to_the_millisecond_and_read_back_exactly() {
        for (ms, text) in [
            (0, "0"),
            (12_500, "12.5"),
            (300_000, "300"),
            (1_234_567, "1234.567"),
        ] {
            let mut line = Vec::new();
            push_seconds(&mut line, ms);
            assert_eq!(line, text.as_bytes());
            let back: f64 = serde_json::from_slice(&line).expect("a number");
            assert_eq!(back, ms as f64 / 1000.0);
        }
    }

    #[test]
    fn classification_shares_add_up_to_one() {
        let total: f64 = CLASSIFICATIONS.iter().map(|c| c.share).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }
}
