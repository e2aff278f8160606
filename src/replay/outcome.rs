//! Outcome lines (SPEC §3.5), the stable contract of replays: one JSON object per input workitem.

use crate::expr::{Value, write_json_string};
use crate::runtime::secure::MASK;
use std::sync::Arc;

/// How a workitem's run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An agent took it.
    Routed,
    /// The flow ended without routing it.
    Unrouted,
    /// The third-party system stopped it while it waited.
    Stopped,
    /// Its input line was bad, or a block failed.
    Error,
}

impl Kind {
    /// The word outcome files use.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Routed => "routed",
            Kind::Unrouted => "unrouted",
            Kind::Stopped => "stopped",
            Kind::Error => "error",
        }
    }

    /// Every kind, in the order summaries list them.
    pub const ALL: [Kind; 4] = [Kind::Routed, Kind::Unrouted, Kind::Stopped, Kind::Error];
}

/// One executed block, as `--trace` shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Traced {
    /// The block's id.
    pub block: Arc<str>,
    /// When it ran.
    pub at_s: f64,
    /// What happened there, when there is more to say.
    pub note: Option<String>,
}

/// One workitem's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The workitem's id (`None` for a line too broken to have one).
    pub id: Option<crate::expr::Text>,
    /// How it ended.
    pub kind: Kind,
    /// The agent that took it.
    pub agent: Option<Arc<str>>,
    /// The Route block that routed it.
    pub block: Option<Arc<str>>,
    /// That block's target: kind (`agent`, `agent_group`, `skill`) and value.
    pub target: Option<(&'static str, crate::expr::Text)>,
    /// When it arrived.
    pub arrive_s: Option<f64>,
    /// When it was routed.
    pub routed_s: Option<f64>,
    /// How long it waited: until routed, stopped, or the flow ended.
    pub wait_s: Option<f64>,
    /// When the agent was done with it.
    pub done_s: Option<f64>,
    /// When the flow ended for it.
    pub ended_s: Option<f64>,
    /// The user data when the flow ended, secure values already masked (`None`: no user data to show).
    pub userdata: Option<Vec<(crate::workitem::Key, Shown)>>,
    /// The error, one line.
    pub error: Option<String>,
    /// Errors the flow logged without failing (a computed skill expression that does not parse).
    pub warnings: Vec<String>,
    /// The blocks executed, with `--trace`.
    pub trace: Option<Vec<Traced>>,
}

/// A user-data value as an outcome shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum Shown {
    /// The value.
    Value(Value),
    /// A secure value, masked.
    Masked,
}

impl Outcome {
    /// The outcome of an input line that is not a valid workitem.
    pub fn bad_line(id: Option<crate::expr::Text>, error: String) -> Outcome {
        Outcome {
            id,
            kind: Kind::Error,
            agent: None,
            block: None,
            target: None,
            arrive_s: None,
            routed_s: None,
            wait_s: None,
            done_s: None,
            ended_s: None,
            userdata: None,
            error: Some(error),
            warnings: Vec::new(),
            trace: None,
        }
    }

    /// Append the outcome as one JSON line (with its `\n`).
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"id\":");
        optional_string(self.id.as_deref(), out);
        out.push_str(",\"outcome\":\"");
        out.push_str(self.kind.as_str());
        out.push_str("\",\"agent\":");
        optional_string(self.agent.as_deref(), out);
        out.push_str(",\"block\":");
        optional_string(self.block.as_deref(), out);
        out.push_str(",\"target\":");
        match &self.target {
            Some((kind, value)) => {
                out.push_str("{\"kind\":\"");
                out.push_str(kind);
                out.push_str("\",\"value\":");
                write_json_string(value, out);
                out.push('}');
            }
            None => out.push_str("null"),
        }
        for (name, time) in [
            ("arrive_s", self.arrive_s),
            ("routed_s", self.routed_s),
            ("wait_s", self.wait_s),
            ("done_s", self.done_s),
        ] {
            out.push_str(",\"");
            out.push_str(name);
            out.push_str("\":");
            optional_seconds(time, out);
        }
        out.push_str(",\"userdata\":");
        match &self.userdata {
            Some(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(key, out);
                    out.push(':');
                    match value {
                        Shown::Value(value) => value.write_json_stringify(out),
                        Shown::Masked => write_json_string(MASK, out),
                    }
                }
                out.push('}');
            }
            None => out.push_str("null"),
        }
        out.push_str(",\"error\":");
        optional_string(self.error.as_deref(), out);
        if self.ended_s.is_some() {
            out.push_str(",\"ended_s\":");
            optional_seconds(self.ended_s, out);
        }
        if !self.warnings.is_empty() {
            out.push_str(",\"warnings\":[");
            for (i, warning) in self.warnings.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(warning, out);
            }
            out.push(']');
        }
        if let Some(trace) = &self.trace {
            out.push_str(",\"trace\":[");
            for (i, step) in trace.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"block\":");
                write_json_string(&step.block, out);
                out.push_str(",\"at_s\":");
                optional_seconds(Some(step.at_s), out);
                if let Some(note) = &step.note {
                    out.push_str(",\"note\":");
                    write_json_string(note, out);
                }
                out.push('}');
            }
            out.push(']');
        }
        out.push_str("}\n");
    }

    /// The outcome as one JSON line (with its `\n`).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write_json(&mut out);
        out
    }
}

fn optional_string(value: Option<&str>, out: &mut String) {
    match value {
        Some(value) => write_json_string(value, out),
        None => out.push_str("null"),
    }
}

/// Seconds as JSON numbers with a decimal point (`0.0`, `120.0`, `0.125`), as the spec's example shows
/// them; infinity (which JSON lacks) as `null`.
fn optional_seconds(value: Option<f64>, out: &mut String) {
    match value {
        Some(seconds) if seconds.is_finite() => {
            // Most times are whole milliseconds (inputs are, and so are sums of them): print those
            // from integers. Below 2^53 thousandths such a decimal reads back as the same double and no
            // shorter one does, so this is exactly what the shortest-representation printer gives.
            let thousandths = (seconds * 1000.0).round();
            if thousandths.abs() < 9e15 && thousandths / 1000.0 == seconds {
                let thousandths = thousandths as i64;
                if thousandths < 0 {
                    out.push('-');
                }
                let (whole, fraction) = (
                    thousandths.unsigned_abs() / 1000,
                    thousandths.unsigned_abs() % 1000,
                );
                // itoa and three digits by hand: `format!` cost more than the rest of the outcome line.
                out.push_str(itoa::Buffer::new().format(whole));
                out.push('.');
                let digits = [fraction / 100, fraction / 10 % 10, fraction % 10];
                let shown = match fraction {
                    0 => 1,
                    f if f % 100 == 0 => 1,
                    f if f % 10 == 0 => 2,
                    _ => 3,
                };
                for digit in &digits[..shown] {
                    out.push(char::from(b'0' + *digit as u8));
                }
                return;
            }
            let mut buffer = ryu_js::Buffer::new();
            let text = buffer.format_finite(seconds);
            out.push_str(text);
            if !text.contains(['.', 'e']) {
                out.push_str(".0");
            }
        }
        _ => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seconds_print_with_a_decimal_point() {
        let mut out = String::new();
        for s in [0.0, 120.0, 0.125, 1e21, 86400.5] {
            optional_seconds(Some(s), &mut out);
            out.push(' ');
        }
        out.push('|');
        assert_eq!(out, "0.0 120.0 0.125 1e+21 86400.5 |");
    }

    fn shortest(seconds: f64) -> String {
        let mut out = String::new();
        optional_seconds(Some(seconds), &mut out);
        out
    }

    proptest! {
        /// The integer fast path prints exactly what the shortest-representation printer prints.
        #[test]
        fn seconds_print_as_ryu_does(thousandths in 0i64..100_000_000_000, raw in any::<f64>()) {
            for seconds in [thousandths as f64 / 1000.0, raw] {
                if !seconds.is_finite() {
                    continue;
                }
                let mut buffer = ryu_js::Buffer::new();
                let mut expected = buffer.format_finite(seconds).to_owned();
                if !expected.contains(['.', 'e']) {
                    expected.push_str(".0");
                }
                prop_assert_eq!(shortest(seconds), expected);
            }
        }
    }
}
