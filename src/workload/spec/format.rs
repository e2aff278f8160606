//! The workload description as written (`routeflow gen --spec FILE`): serde types with no unknown
//! keys allowed, from which the JSON Schema (`routeflow schema --workload`) is also generated. What each
//! key means, with examples, is in `docs/workload.md`; [`super::check`] turns these into draws.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

/// A workload: the contact center to generate and the workitems that arrive at it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "routeflow workload")]
pub struct SpecFile {
    /// What the workload is for (not used by the generator).
    #[serde(default)]
    pub description: Option<String>,
    /// The contact center to write as `center.yaml`. Leave it out to give an existing center with
    /// `--center FILE`.
    #[serde(default)]
    pub center: Option<CenterSpec>,
    /// The workitems to write as `workitems.jsonl`.
    pub workitems: WorkitemsSpec,
}

/// The generated contact center.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CenterSpec {
    /// Seconds an agent works a workitem that gives no `handle_s` (default 300).
    #[serde(default)]
    pub default_handle_s: Option<f64>,
    /// The agents.
    pub agents: AgentsSpec,
}

/// How many agents, and what they are like.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentsSpec {
    /// Number of agents (at least 1).
    pub count: u64,
    /// The agents' ids: a template where `{n}` is the agent's number, zero-padded to the width of
    /// `count` (default `agent{n}`).
    #[serde(default)]
    pub id: Option<String>,
    /// Groups of every agent: a list (all of them), or group → share of the agents in % (dealt exactly).
    #[serde(default)]
    pub groups: Option<Groups>,
    /// Skills of every agent: skill → level (a whole number, or a draw of one; with `share`, only that %
    /// of the agents have the skill).
    #[serde(default)]
    pub skills: Option<IndexMap<String, Draw>>,
    /// Concurrent workitems per agent (default 1): a whole number or a draw of one.
    #[serde(default)]
    pub capacity: Option<Draw>,
    /// Kinds of agents, dealt among the agents in proportion to their weights; each adds its groups and
    /// sets its skills and capacity over the ones above.
    #[serde(default)]
    pub profiles: Option<Vec<ProfileSpec>>,
    /// When agents are ready, dealt among the agents in proportion to their weights (default: always).
    #[serde(default)]
    pub shifts: Option<Vec<ShiftSpec>>,
}

/// One kind of agent.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    /// A name for people reading the file.
    #[serde(default)]
    pub name: Option<String>,
    /// Relative weight: the share of the agents of this kind is its weight over the sum of weights.
    pub weight: f64,
    /// Groups added to these agents (a list, or group → share in %).
    #[serde(default)]
    pub groups: Option<Groups>,
    /// Skills of these agents (skill → level or a draw of one).
    #[serde(default)]
    pub skills: Option<IndexMap<String, Draw>>,
    /// Capacity of these agents.
    #[serde(default)]
    pub capacity: Option<Draw>,
}

/// One kind of working day.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftSpec {
    /// A name for people reading the file.
    #[serde(default)]
    pub name: Option<String>,
    /// Relative weight among the shifts.
    pub weight: f64,
    /// Ready intervals in hours of the day, `[start, end]`, repeated every day (an end past 24 runs into
    /// the next day). Left out: always ready.
    #[serde(default)]
    pub ready: Option<Vec<[f64; 2]>>,
}

/// Groups: a list of names, or name → share of the agents in %.
#[derive(Debug, JsonSchema)]
#[schemars(untagged)]
pub enum Groups {
    /// Every agent is in each of these groups.
    All(Vec<String>),
    /// Group → share of the agents in the group, in % (dealt exactly).
    Shares(IndexMap<String, f64>),
}

impl<'de> Deserialize<'de> for Groups {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Groups, D::Error> {
        struct GroupsVisitor;
        impl<'de> Visitor<'de> for GroupsVisitor {
            type Value = Groups;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of group names, or a mapping of group name to share in %")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Groups, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Groups::All)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Groups, A::Error> {
                IndexMap::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(Groups::Shares)
            }
        }
        deserializer.deserialize_any(GroupsVisitor)
    }
}

/// The workitems.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkitemsSpec {
    /// The workitems' ids: a template where `{n}` is the workitem's number, zero-padded to at least 6
    /// digits (default `w{n}`).
    #[serde(default)]
    pub id: Option<String>,
    /// How many workitems arrive, and when.
    pub arrivals: ArrivalsSpec,
    /// Priority (default 0): a whole number or a draw of one.
    #[serde(default)]
    pub priority: Option<Draw>,
    /// Handle time in seconds; left out (or where `share` leaves it out), the center's
    /// `default_handle_s`.
    #[serde(default)]
    pub handle_s: Option<Draw>,
    /// How long a workitem waits before the third party stops it, in seconds: becomes `stop_s`
    /// (arrival + patience). Left out: never stopped.
    #[serde(default)]
    pub patience_s: Option<Draw>,
    /// User-data keys drawn each on its own: key → value or draw.
    #[serde(default)]
    pub userdata: Option<IndexMap<String, Draw>>,
    /// User-data keys drawn together: name → alternatives, one of which each workitem takes (by weight).
    #[serde(default)]
    pub choose: Option<IndexMap<String, Vec<Alternative>>>,
}

/// When workitems arrive: how many (`count` or `rate_per_hour`), over how long (`days`, `hours`, or
/// `load`), shaped by hour of day (`profile`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrivalsSpec {
    /// Exactly this many workitems.
    #[serde(default)]
    pub count: Option<u64>,
    /// Instead of `count`: this many workitems per hour on average (a Poisson process).
    #[serde(default)]
    pub rate_per_hour: Option<f64>,
    /// The span arrivals are spread over, in days.
    #[serde(default)]
    pub days: Option<f64>,
    /// The span arrivals are spread over, in hours.
    #[serde(default)]
    pub hours: Option<f64>,
    /// Instead of a span (with `count`): the offered load, e.g. 0.9; the span is solved so that the
    /// work the workitems bring is this share of the capacity the agents offer meanwhile.
    #[serde(default)]
    pub load: Option<f64>,
    /// 24 relative arrival rates, one per hour of the day from midnight (default: all equal).
    #[serde(default)]
    pub profile: Option<Vec<f64>>,
}

/// One alternative of a `choose`: its weight, and the user data (and priority) it sets.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    /// A name for people reading the file.
    #[serde(default)]
    pub name: Option<String>,
    /// Relative weight among the alternatives.
    pub weight: f64,
    /// User-data keys this alternative sets: key → value or draw.
    #[serde(default)]
    pub userdata: Option<IndexMap<String, Draw>>,
    /// The priority of the workitems taking this alternative (over `workitems.priority`).
    #[serde(default)]
    pub priority: Option<Draw>,
}

/// A value: written as it is (`Insurance`, `300`, `true`), or drawn (a mapping with one kind of draw).
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub enum Draw {
    /// This value every time.
    Fixed(Scalar),
    /// A draw.
    Drawn(Box<DrawSpec>),
}

impl<'de> Deserialize<'de> for Draw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Draw, D::Error> {
        struct DrawVisitor;
        impl<'de> Visitor<'de> for DrawVisitor {
            type Value = Draw;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value (text, a number, true or false) or a draw such as `{ uniform: [1, 5] }`")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Draw, E> {
                Ok(Draw::Fixed(Scalar::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Draw, E> {
                Ok(Draw::Fixed(Scalar::Number(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Draw, E> {
                Ok(Draw::Fixed(Scalar::Number(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Draw, E> {
                Ok(Draw::Fixed(Scalar::Number(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Draw, E> {
                Ok(Draw::Fixed(Scalar::Text(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Draw, E> {
                Ok(Draw::Fixed(Scalar::Text(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Draw, A::Error> {
                DrawSpec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|spec| Draw::Drawn(Box::new(spec)))
            }
        }
        deserializer.deserialize_any(DrawVisitor)
    }
}

/// A value written as it is.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(untagged)]
pub enum Scalar {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// true or false.
    Bool(bool),
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Scalar, D::Error> {
        match Draw::deserialize(deserializer)? {
            Draw::Fixed(scalar) => Ok(scalar),
            Draw::Drawn(_) => Err(de::Error::custom(
                "expected one value (text, a number, true or false), found a mapping",
            )),
        }
    }
}

/// A drawn value: exactly one of `value`, `weights`, `uniform`, `integer`, `normal`, `lognormal`,
/// `exponential`, `template`, `agent`, `group`; then `min`, `max`, `decimals` shape a number, and
/// `share` leaves the value out of the other workitems (or agents).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawSpec {
    /// Only on this share of workitems (or agents), in %; the others go without.
    #[serde(default)]
    pub share: Option<f64>,
    /// This value (with `share`).
    #[serde(default)]
    pub value: Option<Scalar>,
    /// One of these values, each with its relative weight: `{ Insurance: 60, Claims: 40 }`.
    #[serde(default)]
    pub weights: Option<IndexMap<Key, f64>>,
    /// A number uniformly in `[low, high)`.
    #[serde(default)]
    pub uniform: Option<[f64; 2]>,
    /// A whole number uniformly in `[low, high]`, both included.
    #[serde(default)]
    pub integer: Option<[f64; 2]>,
    /// A normal distribution.
    #[serde(default)]
    pub normal: Option<NormalSpec>,
    /// A lognormal distribution, given by its mean and the σ of its logarithm.
    #[serde(default)]
    pub lognormal: Option<LogNormalSpec>,
    /// An exponential distribution, given by its mean.
    #[serde(default)]
    pub exponential: Option<ExponentialSpec>,
    /// Text: `{n}` is the workitem's number (`{n:7}` zero-padded to 7 digits), `{digits:7}` seven random
    /// digits, `{{` and `}}` braces.
    #[serde(default)]
    pub template: Option<String>,
    /// One of the center's agents, uniformly (user data only).
    #[serde(default)]
    pub agent: Option<RequestSpec>,
    /// One of the center's groups, uniformly (user data only).
    #[serde(default)]
    pub group: Option<RequestSpec>,
    /// Numbers below are raised to this.
    #[serde(default)]
    pub min: Option<f64>,
    /// Numbers above are lowered to this.
    #[serde(default)]
    pub max: Option<f64>,
    /// Numbers are rounded to this many decimals (user data; default: as drawn).
    #[serde(default)]
    pub decimals: Option<u8>,
}

/// A normal distribution.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NormalSpec {
    /// Its mean.
    pub mean: f64,
    /// Its standard deviation.
    pub sd: f64,
}

/// A lognormal distribution.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogNormalSpec {
    /// The mean of the values (not of their logarithm).
    pub mean: f64,
    /// The standard deviation σ of their logarithm: the spread.
    pub sigma: f64,
}

/// An exponential distribution.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExponentialSpec {
    /// Its mean.
    pub mean: f64,
}

/// An agent or group of the center, drawn for user data that requests one.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// Share in % of names that no agent or group of the center has (`retired_agent0042`,
    /// `escalations_group`), to exercise what a flow does when the one requested does not exist.
    #[serde(default)]
    pub unknown: Option<f64>,
}

/// A key of `weights`: text, a number or a boolean, kept as written (a number stays a number in user
/// data).
#[derive(Debug, Clone, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(with = "String")]
pub struct Key {
    /// The key as text (a number as JavaScript prints it).
    pub text: String,
    /// What it was written as.
    pub kind: KeyKind,
}

/// What a key of `weights` was written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// Text.
    Text,
    /// A number.
    Number,
    /// true or false.
    Bool,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        let (text, kind) = match Draw::deserialize(deserializer)? {
            Draw::Fixed(Scalar::Text(text)) => (text, KeyKind::Text),
            Draw::Fixed(Scalar::Number(n)) => {
                (crate::expr::js::number::to_string(n), KeyKind::Number)
            }
            Draw::Fixed(Scalar::Bool(b)) => (b.to_string(), KeyKind::Bool),
            Draw::Drawn(_) => {
                return Err(de::Error::custom(
                    "expected a value (text, a number, true or false) as a key of `weights`",
                ));
            }
        };
        Ok(Key { text, kind })
    }
}
