//! Draws: a value of a workload description checked once ([`compile`]) into a [`Drawer`] that draws
//! from the workload's seeded generator. Every problem is recorded against its YAML path.

use super::format::{Draw, DrawSpec, KeyKind, Scalar};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::path::YamlPath;
use crate::model::read::{Anchor, Problems};
use crate::workload::random::Random;
use rand_distr::{Exp, LogNormal, Normal};

/// What a drawn value is for: which kinds of draws fit, and how the value is bounded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Purpose {
    /// A user-data value: text, a number, true or false, a template, an agent or group of the center.
    UserData,
    /// A workitem's priority: a whole number.
    Priority,
    /// A time in seconds, from 0 up.
    Seconds,
    /// A skill level: a whole number.
    Level,
    /// An agent's capacity: a whole number from 1 up.
    Capacity,
}

impl Purpose {
    fn what(self) -> &'static str {
        match self {
            Purpose::UserData => "a user-data value",
            Purpose::Priority => "a priority",
            Purpose::Seconds => "a time in seconds",
            Purpose::Level => "a skill level",
            Purpose::Capacity => "a capacity",
        }
    }

    /// The bounds a number is kept in, and whether it is rounded to a whole number.
    fn bounds(self) -> (f64, f64, bool) {
        // Whole numbers stay within 2^53, where a double holds every integer exactly.
        const WHOLE: f64 = 9_007_199_254_740_992.0;
        match self {
            Purpose::UserData => (f64::MIN, f64::MAX, false),
            Purpose::Priority | Purpose::Level => (-WHOLE, WHOLE, true),
            Purpose::Seconds => (0.0, crate::time::LIMIT_S, false),
            Purpose::Capacity => (1.0, f64::from(u32::MAX), true),
        }
    }
}

/// A value as written or drawn.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
}

/// How a value is drawn.
#[derive(Clone, Debug)]
enum Kind {
    Fixed(Value),
    Weights {
        values: Vec<Value>,
        shares: Vec<f64>,
    },
    Uniform(f64, f64),
    Integer(f64, f64),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
    Exponential(Exp<f64>),
    Template(Template),
    Agent {
        unknown: f64,
    },
    Group {
        unknown: f64,
    },
}

/// A checked draw.
#[derive(Clone, Debug)]
pub(super) struct Drawer {
    /// Probability that the value is there at all.
    share: Option<f64>,
    kind: Kind,
    min: f64,
    max: f64,
    whole: bool,
    decimals: Option<u8>,
}

/// What a drawn user-data value may refer to: the center's agents and groups.
pub(super) struct Targets {
    pub agents: Vec<String>,
    pub groups: Vec<String>,
    /// A group name no group of the center has.
    pub unknown_group: String,
    /// Whether an agent of this id exists (for names made unknown on purpose).
    pub agent_exists: Box<dyn Fn(&str) -> bool>,
}

impl Drawer {
    /// Whether the value is there this time (a draw only when `share` was given).
    pub(super) fn present(&self, random: &mut Random) -> bool {
        self.share.is_none_or(|p| random.chance(p))
    }

    /// The share of draws with a value, from 0 to 1.
    pub(super) fn share(&self) -> f64 {
        self.share.unwrap_or(1.0)
    }

    /// When the values are one of a few (fixed or weighted), those values and their shares: agents deal
    /// them exactly rather than drawing each.
    pub(super) fn discrete(&self) -> Option<(Vec<f64>, Vec<f64>)> {
        let numbers = |values: &[Value]| {
            values
                .iter()
                .map(|v| match v {
                    Value::Number(n) => self.shape(*n),
                    _ => 0.0,
                })
                .collect::<Vec<f64>>()
        };
        match &self.kind {
            Kind::Fixed(value) => Some((numbers(std::slice::from_ref(value)), vec![1.0])),
            Kind::Weights { values, shares } => Some((numbers(values), shares.clone())),
            _ => None,
        }
    }

    /// A number (the drawer was compiled for a numeric purpose), ignoring `share`.
    pub(super) fn number(&self, random: &mut Random) -> f64 {
        let raw = match &self.kind {
            Kind::Fixed(Value::Number(n)) => *n,
            Kind::Weights { values, shares } => {
                match &values[random.weighted(shares.iter().copied())] {
                    Value::Number(n) => *n,
                    _ => 0.0,
                }
            }
            Kind::Uniform(low, high) => random.between(*low, *high),
            Kind::Integer(low, high) => integer_between(random, *low, *high),
            Kind::Normal(d) => random.sample(d),
            Kind::LogNormal(d) => random.sample(d),
            Kind::Exponential(d) => random.sample(d),
            _ => 0.0,
        };
        self.shape(raw)
    }

    /// Clamp, round and keep finite.
    fn shape(&self, raw: f64) -> f64 {
        let mut x = if raw.is_nan() { 0.0 } else { raw };
        x = x.clamp(self.min, self.max);
        if self.whole {
            x = x.round();
        } else if let Some(decimals) = self.decimals {
            let scale = 10f64.powi(i32::from(decimals));
            let rounded = (x * scale).round() / scale;
            if rounded.is_finite() {
                x = rounded;
            }
        }
        // Rounding may step over a bound that is not itself whole.
        x.clamp(self.min, self.max)
    }

    /// Append the JSON of a user-data value to `line`; false when there is none to give (a requested
    /// agent of a center without agents).
    pub(super) fn write_json(
        &self,
        random: &mut Random,
        n: u64,
        targets: &Targets,
        line: &mut Vec<u8>,
    ) -> bool {
        match &self.kind {
            Kind::Fixed(value) => write_value(value, line),
            Kind::Weights { values, shares } => {
                let value = &values[random.weighted(shares.iter().copied())];
                match value {
                    Value::Number(x) => push_number(line, self.shape(*x)),
                    other => write_value(other, line),
                }
            }
            Kind::Template(template) => {
                let mut text = String::with_capacity(16);
                template.render(random, n, &mut text);
                super::super::workitems::push_string(line, &text);
            }
            Kind::Agent { unknown } => {
                let unknown_wanted = random.chance(*unknown);
                if targets.agents.is_empty() {
                    return false;
                }
                let id = &targets.agents[random.below(targets.agents.len())];
                if unknown_wanted {
                    let mut name = format!("{}{id}", crate::workload::UNKNOWN_AGENT_PREFIX);
                    while (targets.agent_exists)(&name) {
                        name.insert_str(0, crate::workload::UNKNOWN_AGENT_PREFIX);
                    }
                    super::super::workitems::push_string(line, &name);
                } else {
                    super::super::workitems::push_string(line, id);
                }
            }
            Kind::Group { unknown } => {
                let name = if random.chance(*unknown) || targets.groups.is_empty() {
                    &targets.unknown_group
                } else {
                    &targets.groups[random.below(targets.groups.len())]
                };
                super::super::workitems::push_string(line, name);
            }
            _ => push_number(line, self.number(random)),
        }
        true
    }
}

/// A whole number in `[low, high]`, both whole.
fn integer_between(random: &mut Random, low: f64, high: f64) -> f64 {
    let width = high - low + 1.0;
    if width <= u64::MAX as f64 {
        low + ((u128::from(random.raw()) * width as u128) >> 64) as f64
    } else {
        random.between(low, high).round()
    }
}

fn write_value(value: &Value, line: &mut Vec<u8>) {
    match value {
        Value::Text(text) => super::super::workitems::push_string(line, text),
        Value::Number(x) => push_number(line, *x),
        Value::Bool(b) => line.extend_from_slice(if *b { b"true" } else { b"false" }),
    }
}

/// A finite number as JavaScript prints it (which JSON reads back exactly).
pub(super) fn push_number(line: &mut Vec<u8>, x: f64) {
    line.extend_from_slice(ryu_js::Buffer::new().format(x).as_bytes());
}

/// A text template: literal text, the workitem's number, random digits.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Template(Vec<Piece>);

#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    Number { width: usize },
    Digits(usize),
}

/// The widest number or run of digits a template may ask for.
const MAX_WIDTH: usize = 40;

impl Template {
    /// Parse `text`: `{n}`, `{n:W}`, `{digits:W}`, `{{`, `}}`.
    pub(super) fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if rest.starts_with("{{") || rest.starts_with("}}") {
                literal.push(c);
                rest = &rest[2..];
                continue;
            }
            if c == '}' {
                return Err("a lone `}`: write `}}` for a brace".into());
            }
            if c != '{' {
                literal.push(c);
                rest = &rest[c.len_utf8()..];
                continue;
            }
            let Some(end) = rest.find('}') else {
                return Err("a `{` without its `}`: write `{{` for a brace".into());
            };
            let inside = &rest[1..end];
            rest = &rest[end + 1..];
            let (name, width) = match inside.split_once(':') {
                Some((name, width)) => match width.trim().parse::<usize>() {
                    Ok(w) if (1..=MAX_WIDTH).contains(&w) => (name.trim(), Some(w)),
                    _ => {
                        return Err(format!(
                            "`{{{inside}}}`: the width after `:` must be a whole number from 1 to {MAX_WIDTH}"
                        ));
                    }
                },
                None => (inside.trim(), None),
            };
            let piece = match (name, width) {
                ("n", width) => Piece::Number {
                    width: width.unwrap_or(0),
                },
                ("digits", Some(width)) => Piece::Digits(width),
                ("digits", None) => {
                    return Err("`{digits}` needs a count: `{digits:7}`".into());
                }
                _ => {
                    return Err(format!(
                        "a template has no field `{{{inside}}}`: its fields are `{{n}}`, `{{n:W}}` and `{{digits:W}}` (`{{{{` and `}}}}` for braces)"
                    ));
                }
            };
            if !literal.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut literal)));
            }
            pieces.push(piece);
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template(pieces))
    }

    /// Whether the template uses the number `{n}`.
    pub(super) fn has_number(&self) -> bool {
        self.0.iter().any(|p| matches!(p, Piece::Number { .. }))
    }

    /// Whether the template draws random digits.
    pub(super) fn has_digits(&self) -> bool {
        self.0.iter().any(|p| matches!(p, Piece::Digits(_)))
    }

    /// Write the template for number `n`, with `{n}` padded to at least `pad` digits when it gives no
    /// width of its own.
    pub(super) fn render_padded(&self, random: &mut Random, n: u64, pad: usize, out: &mut String) {
        use std::fmt::Write as _;
        for piece in &self.0 {
            // Writing to a String cannot fail.
            let _ = match piece {
                Piece::Text(text) => {
                    out.push_str(text);
                    Ok(())
                }
                Piece::Number { width: 0 } => write!(out, "{n:0pad$}"),
                Piece::Number { width } => write!(out, "{n:0width$}"),
                Piece::Digits(width) => {
                    for _ in 0..*width {
                        out.push(char::from(b'0' + random.below(10) as u8));
                    }
                    Ok(())
                }
            };
        }
    }

    fn render(&self, random: &mut Random, n: u64, out: &mut String) {
        self.render_padded(random, n, 0, out);
    }
}

/// The kinds of draw, the keys of a draw mapping.
const KINDS: [&str; 10] = [
    "value",
    "weights",
    "uniform",
    "integer",
    "normal",
    "lognormal",
    "exponential",
    "template",
    "agent",
    "group",
];

fn error(problems: &mut Problems, path: &YamlPath, message: String, help: impl Into<String>) {
    problems.push(
        Diagnostic::error(Span::default(), message).with_help(help),
        Anchor::Value(path.clone()),
    );
}

/// Check `draw`, at `path`, for `purpose`.
pub(super) fn compile(
    draw: &Draw,
    path: &YamlPath,
    purpose: Purpose,
    problems: &mut Problems,
) -> Option<Drawer> {
    let (min, max, whole) = purpose.bounds();
    let drawer = |kind| Drawer {
        share: None,
        kind,
        min,
        max,
        whole,
        decimals: None,
    };
    match draw {
        Draw::Fixed(scalar) => {
            let value = fixed(scalar, path, purpose, problems)?;
            Some(drawer(Kind::Fixed(value)))
        }
        Draw::Drawn(spec) => compile_spec(spec, path, purpose, problems),
    }
}

fn fixed(
    scalar: &Scalar,
    path: &YamlPath,
    purpose: Purpose,
    problems: &mut Problems,
) -> Option<Value> {
    match scalar {
        Scalar::Number(x) if x.is_finite() => Some(Value::Number(*x)),
        Scalar::Number(_) => {
            error(
                problems,
                path,
                "a value must be a finite number".into(),
                "write a number such as `300`",
            );
            None
        }
        Scalar::Text(text) if purpose == Purpose::UserData => Some(Value::Text(text.clone())),
        Scalar::Bool(b) if purpose == Purpose::UserData => Some(Value::Bool(*b)),
        Scalar::Text(_) | Scalar::Bool(_) => {
            error(
                problems,
                path,
                format!("{} must be a number", purpose.what()),
                "write a number, or a draw of one such as `{ uniform: [1, 5] }`",
            );
            None
        }
    }
}

fn finite(problems: &mut Problems, path: &YamlPath, values: &[f64]) -> bool {
    if values.iter().all(|x| x.is_finite()) {
        return true;
    }
    error(
        problems,
        path,
        "the numbers of a draw must be finite".into(),
        "write numbers, not `.inf` or `.nan`",
    );
    false
}

fn compile_spec(
    spec: &DrawSpec,
    path: &YamlPath,
    purpose: Purpose,
    problems: &mut Problems,
) -> Option<Drawer> {
    let given: Vec<&str> = KINDS
        .iter()
        .copied()
        .filter(|kind| match *kind {
            "value" => spec.value.is_some(),
            "weights" => spec.weights.is_some(),
            "uniform" => spec.uniform.is_some(),
            "integer" => spec.integer.is_some(),
            "normal" => spec.normal.is_some(),
            "lognormal" => spec.lognormal.is_some(),
            "exponential" => spec.exponential.is_some(),
            "template" => spec.template.is_some(),
            "agent" => spec.agent.is_some(),
            _ => spec.group.is_some(),
        })
        .collect();
    let kind_name = match given.as_slice() {
        [one] => *one,
        [] => {
            error(
                problems,
                path,
                "a draw needs one kind of draw".into(),
                format!("add one of: {}", KINDS.join(", ")),
            );
            return None;
        }
        [first, second, ..] => {
            problems.push(
                Diagnostic::error(
                    Span::default(),
                    format!("a draw has one kind of draw, found `{first}` and `{second}`"),
                )
                .with_help("keep one of them; use `choose` to mix values drawn differently"),
                Anchor::Key(path.key(second)),
            );
            return None;
        }
    };
    let at = path.key(kind_name);
    let numeric = purpose != Purpose::UserData;
    let (bound_min, bound_max, whole) = purpose.bounds();
    let mut ok = true;
    let kind = match kind_name {
        "value" => Kind::Fixed(fixed(spec.value.as_ref()?, &at, purpose, problems)?),
        "weights" => {
            let weights = spec.weights.as_ref()?;
            let mut values = Vec::with_capacity(weights.len());
            let mut raw = Vec::with_capacity(weights.len());
            for (key, &weight) in weights {
                let value = match key.kind {
                    KeyKind::Number => key.text.parse::<f64>().ok().map(Value::Number),
                    KeyKind::Text if numeric => {
                        key.text.trim().parse::<f64>().ok().map(Value::Number)
                    }
                    KeyKind::Text => Some(Value::Text(key.text.clone())),
                    KeyKind::Bool if numeric => None,
                    KeyKind::Bool => Some(Value::Bool(key.text == "true")),
                };
                let Some(value) = value else {
                    problems.push(
                        Diagnostic::error(
                            Span::default(),
                            format!(
                                "`{}` is not a number, and {} must be one",
                                key.text,
                                purpose.what()
                            ),
                        )
                        .with_help("weigh numbers: `weights: { 1: 90, 2: 10 }`"),
                        Anchor::Key(at.key(&key.text)),
                    );
                    ok = false;
                    continue;
                };
                if !(weight.is_finite() && weight >= 0.0) {
                    problems.push(
                        Diagnostic::error(
                            Span::default(),
                            format!("the weight of `{}` must be a number from 0 up", key.text),
                        )
                        .with_help("weights are relative: `{ Insurance: 60, Claims: 40 }`"),
                        Anchor::Value(at.key(&key.text)),
                    );
                    ok = false;
                    continue;
                }
                values.push(value);
                raw.push(weight);
            }
            let total: f64 = raw.iter().sum();
            if ok && !(total > 0.0 && total.is_finite()) {
                error(
                    problems,
                    &at,
                    "the weights must add up to more than 0".into(),
                    "give at least one value a positive weight: `{ Insurance: 60, Claims: 40 }`",
                );
                ok = false;
            }
            Kind::Weights {
                values,
                shares: raw.iter().map(|w| w / total).collect(),
            }
        }
        "uniform" => {
            let [low, high] = spec.uniform?;
            ok &= finite(problems, &at, &[low, high]);
            if ok && low > high {
                error(
                    problems,
                    &at,
                    format!("`uniform: [{low}, {high}]` runs backwards"),
                    "write the low end first: `uniform: [low, high]`",
                );
                ok = false;
            }
            Kind::Uniform(low, high)
        }
        "integer" => {
            let [low, high] = spec.integer?;
            ok &= finite(problems, &at, &[low, high]);
            if ok && (low.fract() != 0.0 || high.fract() != 0.0 || low > high) {
                error(
                    problems,
                    &at,
                    format!(
                        "`integer: [{low}, {high}]` must be two whole numbers, the low one first"
                    ),
                    "e.g. `integer: [1, 5]` gives 1, 2, 3, 4 or 5",
                );
                ok = false;
            }
            if ok && (low.abs() > 1e15 || high.abs() > 1e15) {
                error(
                    problems,
                    &at,
                    "the ends of `integer` must stay within ±10^15".into(),
                    "use `uniform` for larger numbers",
                );
                ok = false;
            }
            Kind::Integer(low, high)
        }
        "normal" => {
            let normal = spec.normal.as_ref()?;
            ok &= finite(problems, &at, &[normal.mean, normal.sd]);
            match Normal::new(normal.mean, normal.sd) {
                Ok(d) if ok && normal.sd >= 0.0 => Kind::Normal(d),
                _ => {
                    if ok {
                        error(
                            problems,
                            &at.key("sd"),
                            "the standard deviation `sd` must be a number from 0 up".into(),
                            "e.g. `normal: { mean: 300, sd: 60 }`",
                        );
                    }
                    return None;
                }
            }
        }
        "lognormal" => {
            let lognormal = spec.lognormal.as_ref()?;
            ok &= finite(problems, &at, &[lognormal.mean, lognormal.sigma]);
            let (mean, sigma) = (lognormal.mean, lognormal.sigma);
            if ok && mean <= 0.0 {
                error(
                    problems,
                    &at.key("mean"),
                    "the mean of a lognormal draw must be above 0".into(),
                    "e.g. `lognormal: { mean: 300, sigma: 0.5 }`",
                );
                ok = false;
            }
            if ok && !(0.0..=10.0).contains(&sigma) {
                error(
                    problems,
                    &at.key("sigma"),
                    "the spread `sigma` of a lognormal draw must be from 0 to 10".into(),
                    "σ is the standard deviation of the logarithm: 0.5 is a usual spread",
                );
                ok = false;
            }
            // exp(μ + σ²/2) = mean.
            match LogNormal::new(mean.ln() - sigma * sigma / 2.0, sigma) {
                Ok(d) if ok => Kind::LogNormal(d),
                _ => return None,
            }
        }
        "exponential" => {
            let mean = spec.exponential.as_ref()?.mean;
            match Exp::new(1.0 / mean) {
                Ok(d) if mean.is_finite() && mean > 0.0 => Kind::Exponential(d),
                _ => {
                    error(
                        problems,
                        &at.key("mean"),
                        "the mean of an exponential draw must be a number above 0".into(),
                        "e.g. `exponential: { mean: 600 }`",
                    );
                    return None;
                }
            }
        }
        "template" if !numeric => match Template::parse(spec.template.as_deref()?) {
            Ok(template) => Kind::Template(template),
            Err(message) => {
                error(
                    problems,
                    &at,
                    message,
                    "e.g. `template: \"CS{digits:7}\"` or `template: \"case-{n}\"`",
                );
                return None;
            }
        },
        "agent" | "group" if !numeric => {
            let request = if kind_name == "agent" {
                spec.agent.as_ref()?
            } else {
                spec.group.as_ref()?
            };
            let unknown = share(request.unknown, &at.key("unknown"), problems)?.unwrap_or(0.0);
            if kind_name == "agent" {
                Kind::Agent { unknown }
            } else {
                Kind::Group { unknown }
            }
        }
        other => {
            problems.push(
                Diagnostic::error(
                    Span::default(),
                    format!("{} cannot be drawn with `{other}`", purpose.what()),
                )
                .with_help("it is a number: use value, weights, uniform, integer, normal, lognormal or exponential"),
                Anchor::Key(at),
            );
            return None;
        }
    };
    let share = share(spec.share, &path.key("share"), problems);
    let min = spec.min.unwrap_or(bound_min);
    let max = spec.max.unwrap_or(bound_max);
    if !finite(
        problems,
        path,
        &[spec.min.unwrap_or(0.0), spec.max.unwrap_or(0.0)],
    ) {
        ok = false;
    } else if min > max {
        error(
            problems,
            &path.key("min"),
            format!("`min` ({min}) is above `max` ({max})"),
            "swap them",
        );
        ok = false;
    }
    if spec.decimals.is_some() && numeric {
        problems.push(
            Diagnostic::error(
                Span::default(),
                format!("`decimals` is for user data, not {}", purpose.what()),
            )
            .with_help(if whole {
                "it is a whole number already"
            } else {
                "times are written to the millisecond"
            }),
            Anchor::Key(path.key("decimals")),
        );
        ok = false;
    }
    if spec.decimals.is_some_and(|d| d > 15) {
        error(
            problems,
            &path.key("decimals"),
            "`decimals` must be from 0 to 15".into(),
            "a double holds about 15 significant digits",
        );
        ok = false;
    }
    let share = share?;
    ok.then_some(Drawer {
        share,
        kind,
        min: min.max(bound_min),
        max: max.min(bound_max),
        whole,
        decimals: spec.decimals,
    })
}

/// A share in %, as a probability.
pub(super) fn share(
    share: Option<f64>,
    path: &YamlPath,
    problems: &mut Problems,
) -> Option<Option<f64>> {
    match share {
        None => Some(None),
        Some(s) if (0.0..=100.0).contains(&s) => Some(Some(s / 100.0)),
        Some(_) => {
            error(
                problems,
                path,
                "a share is a percentage from 0 to 100".into(),
                "e.g. `share: 5` for 5 % of them",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::random::Stream;

    fn drawer(yaml: &str, purpose: Purpose) -> Result<Drawer, Vec<String>> {
        let draw: Draw = serde_yaml::from_str(yaml).expect("a draw");
        let mut problems = Problems::default();
        let compiled = compile(&draw, &YamlPath::root(), purpose, &mut problems);
        let file = crate::diagnostic::SourceFile::new("t.yaml", yaml);
        let messages: Vec<String> = problems
            .locate(&file)
            .into_iter()
            .map(|d| d.message)
            .collect();
        compiled.filter(|_| messages.is_empty()).ok_or(messages)
    }

    fn numbers(yaml: &str, purpose: Purpose, count: usize) -> Vec<f64> {
        let drawer = drawer(yaml, purpose).expect("a valid draw");
        let mut random = Random::new(5, Stream::Workitems);
        (0..count).map(|_| drawer.number(&mut random)).collect()
    }

    fn mean(xs: &[f64]) -> f64 {
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    #[test]
    fn continuous_draws_have_their_means() {
        let n = 200_000;
        let cases = [
            ("{ uniform: [10, 20] }", 15.0),
            ("{ normal: { mean: 300, sd: 60 } }", 300.0),
            ("{ lognormal: { mean: 300, sigma: 0.5 } }", 300.0),
            ("{ exponential: { mean: 600 } }", 600.0),
        ];
        for (yaml, expected) in cases {
            let m = mean(&numbers(yaml, Purpose::Seconds, n));
            assert!((m - expected).abs() < expected * 0.01, "{yaml}: mean {m}");
        }
    }

    #[test]
    fn integers_cover_both_ends_and_nothing_else() {
        let xs = numbers("{ integer: [1, 5] }", Purpose::Priority, 10_000);
        for k in 1..=5 {
            let count = xs.iter().filter(|&&x| x == f64::from(k)).count();
            assert!((1_700..2_300).contains(&count), "{k}: {count}");
        }
        assert!(xs.iter().all(|x| (1.0..=5.0).contains(x)));
    }

    #[test]
    fn weights_give_values_in_proportion() {
        let xs = numbers("{ weights: { 1: 90, 2: 10 } }", Purpose::Capacity, 100_000);
        let twos = xs.iter().filter(|&&x| x == 2.0).count();
        assert!((9_500..10_500).contains(&twos), "{twos}");
    }

    #[test]
    fn bounds_clamp_and_times_never_go_below_zero() {
        let xs = numbers("{ normal: { mean: 0, sd: 100 } }", Purpose::Seconds, 10_000);
        assert!(xs.iter().all(|&x| x >= 0.0));
        assert!(xs.contains(&0.0));
        let xs = numbers(
            "{ uniform: [0, 100], min: 20, max: 30 }",
            Purpose::Seconds,
            1_000,
        );
        assert!(xs.iter().all(|x| (20.0..=30.0).contains(x)));
        let xs = numbers("{ uniform: [-5, 5] }", Purpose::Capacity, 1_000);
        assert!(xs.iter().all(|&x| x >= 1.0 && x.fract() == 0.0));
    }

    #[test]
    fn a_share_leaves_the_value_out_of_the_others() {
        let drawer = drawer("{ share: 25, value: 3 }", Purpose::Priority).expect("valid");
        let mut random = Random::new(1, Stream::Workitems);
        let present = (0..100_000).filter(|_| drawer.present(&mut random)).count();
        assert!((24_000..26_000).contains(&present), "{present}");
    }

    #[test]
    fn user_data_values_keep_their_types() {
        let targets = Targets {
            agents: vec!["a1".into()],
            groups: vec!["g".into()],
            unknown_group: "escalations_group".into(),
            agent_exists: Box::new(|id| id == "a1"),
        };
        let mut random = Random::new(1, Stream::Workitems);
        let json = |yaml: &str, random: &mut Random| {
            let drawer = drawer(yaml, Purpose::UserData).expect("valid");
            let mut line = Vec::new();
            assert!(drawer.write_json(random, 42, &targets, &mut line));
            String::from_utf8(line).expect("UTF-8")
        };
        assert_eq!(json("Insurance", &mut random), "\"Insurance\"");
        assert_eq!(json("'5'", &mut random), "\"5\"");
        assert_eq!(json("5", &mut random), "5");
        assert_eq!(json("true", &mut random), "true");
        assert_eq!(json("{ weights: { 7: 1 } }", &mut random), "7");
        assert_eq!(json("{ weights: { x: 1 } }", &mut random), "\"x\"");
        assert_eq!(json("{ template: 'case-{n}' }", &mut random), "\"case-42\"");
        assert_eq!(json("{ template: '{n:5}' }", &mut random), "\"00042\"");
        let digits = json("{ template: 'CS{digits:7}' }", &mut random);
        assert_eq!(digits.len(), 11, "{digits}");
        assert!(
            digits[3..10].bytes().all(|b| b.is_ascii_digit()),
            "{digits}"
        );
        assert_eq!(
            json("{ uniform: [1, 2], decimals: 0 }", &mut random).len(),
            1
        );
        assert_eq!(json("{ agent: {} }", &mut random), "\"a1\"");
        assert_eq!(
            json("{ agent: { unknown: 100 } }", &mut random),
            "\"retired_a1\""
        );
        assert_eq!(
            json("{ group: { unknown: 100 } }", &mut random),
            "\"escalations_group\""
        );
        assert_eq!(json("{ template: '{{n}}' }", &mut random), "\"{n}\"");
    }

    #[test]
    fn bad_draws_are_refused_with_a_reason() {
        let cases = [
            ("{ uniform: [5, 1] }", Purpose::Seconds, "runs backwards"),
            ("{ integer: [1.5, 3] }", Purpose::Priority, "whole numbers"),
            (
                "{ normal: { mean: 1, sd: -1 } }",
                Purpose::Seconds,
                "standard deviation",
            ),
            (
                "{ lognormal: { mean: 0, sigma: 1 } }",
                Purpose::Seconds,
                "above 0",
            ),
            ("{ exponential: { mean: 0 } }", Purpose::Seconds, "above 0"),
            ("{ weights: { a: 0 } }", Purpose::UserData, "more than 0"),
            ("{ weights: { a: -1 } }", Purpose::UserData, "from 0 up"),
            (
                "{ weights: { gold: 1 } }",
                Purpose::Capacity,
                "not a number",
            ),
            (
                "{ template: 'x{m}' }",
                Purpose::UserData,
                "a template has no field `{m}`",
            ),
            (
                "{ template: 'x{digits}' }",
                Purpose::UserData,
                "needs a count",
            ),
            ("{ template: '{' }", Purpose::UserData, "without its"),
            ("{ template: 'x' }", Purpose::Seconds, "cannot be drawn"),
            ("{ agent: {} }", Purpose::Level, "cannot be drawn"),
            ("{ share: 120, value: 1 }", Purpose::Priority, "percentage"),
            (
                "{ uniform: [1, 2], integer: [1, 2] }",
                Purpose::Seconds,
                "one kind",
            ),
            ("{ min: 1 }", Purpose::Seconds, "needs one kind"),
            (
                "{ uniform: [1, 2], min: 3, max: 2 }",
                Purpose::Seconds,
                "above `max`",
            ),
            (
                "{ uniform: [1, 2], decimals: 2 }",
                Purpose::Seconds,
                "for user data",
            ),
            ("{ uniform: [0, .inf] }", Purpose::UserData, "finite"),
            ("Gold", Purpose::Capacity, "must be a number"),
        ];
        for (yaml, purpose, expected) in cases {
            let messages = drawer(yaml, purpose).expect_err(yaml);
            assert!(
                messages.iter().any(|m| m.contains(expected)),
                "{yaml}: {messages:?}"
            );
        }
    }
}
