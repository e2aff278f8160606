//! [`SpecFile`] → [`Spec`]: every value checked and every draw compiled, all problems recorded.

use super::draw::{Drawer, Purpose, Template, compile, share};
use super::format::{AgentsSpec, Alternative, Draw, Groups, SpecFile, WorkitemsSpec};
use super::{
    AgentsPlan, Amount, ArrivalsPlan, Choice, Pick, Shift, SpanRule, Spec, Traits, WorkitemsPlan,
};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::path::YamlPath;
use crate::model::read::{Anchor, Problems};
use indexmap::IndexMap;
use std::collections::HashMap;

/// The most workitems or agents a description may ask for: beyond, a typo is likelier than a need.
pub(super) const MAX_WORKITEMS: f64 = 1e9;
/// The most ready intervals a shift gives a day.
const MAX_SHIFT_INTERVALS: usize = 48;
/// The most agents.
pub(super) const MAX_AGENTS: u64 = 1_000_000;

fn error(problems: &mut Problems, at: Anchor, message: impl Into<String>, help: impl Into<String>) {
    problems.push(
        Diagnostic::error(Span::default(), message).with_help(help),
        at,
    );
}

/// Check `file`; `None` when a problem was recorded.
pub(super) fn check(file: &SpecFile, problems: &mut Problems) -> Option<Spec> {
    let root = YamlPath::root();
    let center = file.center.as_ref().and_then(|center| {
        let path = root.key("center");
        let default_handle_s = match center.default_handle_s {
            None => crate::center::DEFAULT_HANDLE_S,
            Some(s) if crate::time::in_range(s) => s,
            Some(_) => {
                error(
                    problems,
                    Anchor::Value(path.key("default_handle_s")),
                    "`default_handle_s` must be a number of seconds from 0 up",
                    "e.g. `default_handle_s: 300`",
                );
                return None;
            }
        };
        agents(
            &center.agents,
            &path.key("agents"),
            default_handle_s,
            problems,
        )
    });
    let workitems = workitems(&file.workitems, &root.key("workitems"), problems);
    if problems.has_errors() {
        return None;
    }
    Some(Spec {
        center,
        workitems: workitems?,
    })
}

fn agents(
    spec: &AgentsSpec,
    path: &YamlPath,
    default_handle_s: f64,
    problems: &mut Problems,
) -> Option<AgentsPlan> {
    if !(1..=MAX_AGENTS).contains(&spec.count) {
        error(
            problems,
            Anchor::Value(path.key("count")),
            format!("`count` must be from 1 to {MAX_AGENTS} agents"),
            "e.g. `count: 200`",
        );
    }
    let id = id_template(
        spec.id.as_deref().unwrap_or("agent{n}"),
        &path.key("id"),
        problems,
    );
    let everyone = traits(
        spec.groups.as_ref(),
        spec.skills.as_ref(),
        spec.capacity.as_ref(),
        path,
        problems,
    );
    let mut profiles = Vec::new();
    let profiles_path = path.key("profiles");
    for (i, profile) in spec.profiles.iter().flatten().enumerate() {
        let at = profiles_path.index(i);
        let weight = weight(profile.weight, &at, problems);
        let traits = traits(
            profile.groups.as_ref(),
            profile.skills.as_ref(),
            profile.capacity.as_ref(),
            &at,
            problems,
        );
        profiles.push((weight?, traits?));
    }
    positive_total(profiles.iter().map(|p| p.0), &profiles_path, problems);
    let mut shifts = Vec::new();
    let shifts_path = path.key("shifts");
    for (i, shift) in spec.shifts.iter().flatten().enumerate() {
        let at = shifts_path.index(i);
        let weight = weight(shift.weight, &at, problems);
        let ready = shift.ready.as_ref().map(|intervals| {
            let mut ok = true;
            if intervals.len() > MAX_SHIFT_INTERVALS {
                error(
                    problems,
                    Anchor::Value(at.key("ready")),
                    format!("a shift has at most {MAX_SHIFT_INTERVALS} intervals a day"),
                    "merge the intervals that follow each other",
                );
                ok = false;
            }
            for (j, &[start, end]) in intervals.iter().enumerate() {
                if !((0.0..24.0).contains(&start) && start < end && end <= start + 24.0) {
                    error(
                        problems,
                        Anchor::Value(at.key("ready").index(j)),
                        format!("`[{start}, {end}]` is not an interval of a day in hours"),
                        "a start from 0 to 24 (excluded) and a later end, at most 24 hours later: `[8, 16]`, or `[22, 30]` for 22:00 to 06:00",
                    );
                    ok = false;
                }
            }
            ok.then(|| intervals.iter().map(|&[s, e]| (s, e)).collect::<Vec<_>>())
        });
        match (weight, ready) {
            (Some(weight), None) => shifts.push(Shift {
                weight,
                ready: None,
            }),
            (Some(weight), Some(Some(ready))) => shifts.push(Shift {
                weight,
                ready: Some(ready),
            }),
            _ => {}
        }
    }
    positive_total(shifts.iter().map(|s| s.weight), &shifts_path, problems);
    Some(AgentsPlan {
        count: spec.count.min(MAX_AGENTS) as usize,
        id: id?,
        default_handle_s,
        everyone: everyone?,
        profiles,
        shifts,
    })
}

fn traits(
    groups: Option<&Groups>,
    skills: Option<&IndexMap<String, Draw>>,
    capacity: Option<&Draw>,
    path: &YamlPath,
    problems: &mut Problems,
) -> Option<Traits> {
    let mut ok = true;
    let mut names = Vec::new();
    let groups_path = path.key("groups");
    match groups {
        None => {}
        Some(Groups::All(list)) => {
            for (i, name) in list.iter().enumerate() {
                ok &= valid_name(name, "group", Anchor::Value(groups_path.index(i)), problems);
                names.push((name.clone(), None));
            }
        }
        Some(Groups::Shares(map)) => {
            for (name, &percent) in map {
                ok &= valid_name(name, "group", Anchor::Key(groups_path.key(name)), problems);
                match share(Some(percent), &groups_path.key(name), problems) {
                    Some(share) => names.push((name.clone(), share)),
                    None => ok = false,
                }
            }
        }
    }
    let mut levels = Vec::new();
    let skills_path = path.key("skills");
    for (name, draw) in skills.into_iter().flatten() {
        ok &= valid_name(name, "skill", Anchor::Key(skills_path.key(name)), problems);
        match compile(draw, &skills_path.key(name), Purpose::Level, problems) {
            Some(drawer) => levels.push((name.clone(), drawer)),
            None => ok = false,
        }
    }
    let capacity = match capacity {
        None => None,
        Some(draw) => {
            let drawer = compile(draw, &path.key("capacity"), Purpose::Capacity, problems);
            ok &= drawer.is_some();
            drawer
        }
    };
    ok.then_some(Traits {
        groups: names,
        skills: levels,
        capacity,
    })
}

/// Group and skill names are written into the center: they must be names the center reader takes.
fn valid_name(name: &str, what: &str, at: Anchor, problems: &mut Problems) -> bool {
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        error(
            problems,
            at,
            format!("a {what} name must be text without line breaks or control characters"),
            "e.g. `gold_group`, `english`",
        );
        return false;
    }
    true
}

fn weight(weight: f64, at: &YamlPath, problems: &mut Problems) -> Option<f64> {
    if weight.is_finite() && weight >= 0.0 {
        return Some(weight);
    }
    error(
        problems,
        Anchor::Value(at.key("weight")),
        "a weight must be a number from 0 up",
        "weights are relative: `weight: 15` next to `weight: 85` is 15 %",
    );
    None
}

fn positive_total(weights: impl Iterator<Item = f64>, at: &YamlPath, problems: &mut Problems) {
    let mut any = false;
    let mut total = 0.0;
    for w in weights {
        any = true;
        total += w;
    }
    if any && !(total > 0.0 && total.is_finite()) {
        error(
            problems,
            Anchor::Value(at.clone()),
            "the weights must add up to more than 0",
            "give at least one of them a positive `weight`",
        );
    }
}

fn id_template(text: &str, at: &YamlPath, problems: &mut Problems) -> Option<Template> {
    match Template::parse(text) {
        Ok(template) if template.has_number() && !template.has_digits() => Some(template),
        Ok(_) => {
            error(
                problems,
                Anchor::Value(at.clone()),
                "an id template must hold the number `{n}` and no random `{digits:W}`",
                "ids are unique by their number: `agent{n}`, `w{n}`",
            );
            None
        }
        Err(message) => {
            error(
                problems,
                Anchor::Value(at.clone()),
                message,
                "e.g. `id: \"agent{n}\"`",
            );
            None
        }
    }
}

fn workitems(
    spec: &WorkitemsSpec,
    path: &YamlPath,
    problems: &mut Problems,
) -> Option<WorkitemsPlan> {
    let id = id_template(
        spec.id.as_deref().unwrap_or("w{n}"),
        &path.key("id"),
        problems,
    );
    let arrivals = arrivals(spec, &path.key("arrivals"), problems);
    let drawn = |draw: &Option<Draw>, key: &str, purpose, problems: &mut Problems| match draw {
        None => Some(None),
        Some(draw) => compile(draw, &path.key(key), purpose, problems).map(Some),
    };
    let priority = drawn(&spec.priority, "priority", Purpose::Priority, problems);
    let handle = drawn(&spec.handle_s, "handle_s", Purpose::Seconds, problems);
    let patience = drawn(&spec.patience_s, "patience_s", Purpose::Seconds, problems);
    // Which part of the file sets each user-data key: a key set in two places would be written twice.
    let mut owners: HashMap<String, String> = HashMap::new();
    let userdata = userdata(
        spec.userdata.as_ref(),
        &path.key("userdata"),
        "userdata",
        &mut owners,
        problems,
    );
    let mut choices = Vec::new();
    let choose_path = path.key("choose");
    for (name, alternatives) in spec.choose.iter().flatten() {
        let at = choose_path.key(name);
        if alternatives.is_empty() {
            error(
                problems,
                Anchor::Value(at.clone()),
                format!("`choose.{name}` has no alternatives"),
                "e.g. `- { weight: 60, userdata: { GTR_level1: Insurance } }`",
            );
            continue;
        }
        let mut options = Vec::new();
        let mut keys_here: HashMap<String, String> = HashMap::new();
        for (i, alternative) in alternatives.iter().enumerate() {
            if let Some(option) = alternative_plan(
                alternative,
                &at.index(i),
                name,
                &owners,
                &mut keys_here,
                problems,
            ) {
                options.push(option);
            }
        }
        positive_total(alternatives.iter().map(|a| a.weight), &at, problems);
        owners.extend(keys_here);
        let total: f64 = options.iter().map(|o: &(f64, Pick)| o.0).sum();
        choices.push(Choice {
            shares: options.iter().map(|o| o.0 / total).collect(),
            options: options.into_iter().map(|o| o.1).collect(),
        });
    }
    Some(WorkitemsPlan {
        id: id?,
        arrivals: arrivals?,
        priority: priority?,
        handle: handle?,
        patience: patience?,
        userdata: userdata?,
        choices,
    })
}

fn alternative_plan(
    alternative: &Alternative,
    at: &YamlPath,
    choice: &str,
    owners: &HashMap<String, String>,
    keys_here: &mut HashMap<String, String>,
    problems: &mut Problems,
) -> Option<(f64, Pick)> {
    let weight = weight(alternative.weight, at, problems);
    let mut owners_here = owners.clone();
    let userdata = userdata(
        alternative.userdata.as_ref(),
        &at.key("userdata"),
        &format!("choose.{choice}"),
        &mut owners_here,
        problems,
    );
    for (key, owner) in owners_here {
        keys_here.entry(key).or_insert(owner);
    }
    let priority = match &alternative.priority {
        None => Some(None),
        Some(draw) => compile(draw, &at.key("priority"), Purpose::Priority, problems).map(Some),
    };
    Some((
        weight?,
        Pick {
            userdata: userdata?,
            priority: priority?,
        },
    ))
}

fn userdata(
    fields: Option<&IndexMap<String, Draw>>,
    path: &YamlPath,
    owner: &str,
    owners: &mut HashMap<String, String>,
    problems: &mut Problems,
) -> Option<Vec<(String, Drawer)>> {
    let mut ok = true;
    let mut drawers = Vec::new();
    for (key, draw) in fields.into_iter().flatten() {
        let at = path.key(key);
        if let Some(other) = owners.get(key).filter(|other| *other != owner) {
            error(
                problems,
                Anchor::Key(at.clone()),
                format!("user-data key `{key}` is also set by `{other}`"),
                "set each key in one place: in `userdata`, or in the alternatives of one `choose`",
            );
            ok = false;
        }
        owners.insert(key.clone(), owner.to_owned());
        match compile(draw, &at, Purpose::UserData, problems) {
            Some(drawer) => drawers.push((key.clone(), drawer)),
            None => ok = false,
        }
    }
    ok.then_some(drawers)
}

fn arrivals(
    spec: &WorkitemsSpec,
    path: &YamlPath,
    problems: &mut Problems,
) -> Option<ArrivalsPlan> {
    let a = &spec.arrivals;
    let here = Anchor::Value(path.clone());
    let amount = match (a.count, a.rate_per_hour) {
        (Some(count), None) if count as f64 <= MAX_WORKITEMS => Some(Amount::Count(count)),
        (Some(_), None) => {
            error(
                problems,
                Anchor::Value(path.key("count")),
                "`count` may be at most 1,000,000,000 workitems",
                "write fewer",
            );
            None
        }
        (None, Some(rate)) if rate.is_finite() && rate >= 0.0 => Some(Amount::Rate(rate)),
        (None, Some(_)) => {
            error(
                problems,
                Anchor::Value(path.key("rate_per_hour")),
                "`rate_per_hour` must be a number from 0 up",
                "e.g. `rate_per_hour: 120`",
            );
            None
        }
        (None, None) => {
            error(
                problems,
                here.clone(),
                "the arrivals need `count` or `rate_per_hour`",
                "e.g. `arrivals: { count: 1000, hours: 8 }`",
            );
            None
        }
        (Some(_), Some(_)) => {
            error(
                problems,
                Anchor::Key(path.key("rate_per_hour")),
                "give `count` or `rate_per_hour`, not both",
                "`count` is exact; `rate_per_hour` draws how many arrive",
            );
            None
        }
    };
    let span = match (a.days, a.hours, a.load) {
        (Some(days), None, None) => {
            seconds(days * 86_400.0, path.key("days"), problems).map(SpanRule::Seconds)
        }
        (None, Some(hours), None) => {
            seconds(hours * 3_600.0, path.key("hours"), problems).map(SpanRule::Seconds)
        }
        (None, None, Some(load)) => {
            if !(load > 0.0 && load.is_finite()) {
                error(
                    problems,
                    Anchor::Value(path.key("load")),
                    "`load` must be a number above 0",
                    "0.9 keeps the agents 90 % busy",
                );
                None
            } else if a.rate_per_hour.is_some() {
                error(
                    problems,
                    Anchor::Key(path.key("load")),
                    "`load` sizes the span for a `count` of workitems, not for a rate",
                    "give `count` with `load`, or `days`/`hours` with `rate_per_hour`",
                );
                None
            } else {
                Some(SpanRule::Load(load))
            }
        }
        (None, None, None) => {
            error(
                problems,
                here,
                "the arrivals need a span: `days`, `hours` or `load`",
                "e.g. `days: 1`, or `load: 0.9` to size it on the center",
            );
            None
        }
        _ => {
            error(
                problems,
                here,
                "give one of `days`, `hours` and `load`",
                "`days` and `hours` are the span; `load` solves it from the center's capacity",
            );
            None
        }
    };
    let weights = match &a.profile {
        None => Some([1.0; 24]),
        Some(profile) => {
            let at = Anchor::Value(path.key("profile"));
            match <[f64; 24]>::try_from(profile.as_slice()) {
                Ok(weights)
                    if weights.iter().all(|w| w.is_finite() && *w >= 0.0)
                        && weights.iter().sum::<f64>() > 0.0 =>
                {
                    Some(weights)
                }
                Ok(_) => {
                    error(
                        problems,
                        at,
                        "the profile's rates must be numbers from 0 up, not all 0",
                        "one relative rate per hour: `[0, 0, 0, 0, 0, 0, 1, 3, ...]`",
                    );
                    None
                }
                Err(_) => {
                    error(
                        problems,
                        at,
                        format!(
                            "the profile has {} values: it needs 24, one per hour from midnight",
                            profile.len()
                        ),
                        "e.g. `profile: [0, 0, 0, 0, 0, 0, 1, 3, 6, 8, 8, 7, 6, 7, 8, 7, 5, 3, 2, 1, 1, 0, 0, 0]`",
                    );
                    None
                }
            }
        }
    };
    if let (Some(Amount::Rate(rate)), Some(SpanRule::Seconds(s))) = (&amount, &span)
        && rate * s / 3600.0 > MAX_WORKITEMS
    {
        error(
            problems,
            here_value(path),
            "these arrivals would bring over 1,000,000,000 workitems",
            "lower the rate or the span",
        );
        return None;
    }
    if let (Some(Amount::Count(n)), Some(SpanRule::Seconds(s)), Some(weights)) =
        (&amount, &span, &weights)
        && *n > 0
        && super::arrivals::Profile::new(weights, 1.0).expected_until(*s) <= 0.0
    {
        error(
            problems,
            Anchor::Value(path.key("profile")),
            "the profile's rates are 0 throughout the span, which starts at midnight: no workitem could arrive",
            "lengthen the span, or give the first hours a rate above 0",
        );
        return None;
    }
    Some(ArrivalsPlan {
        amount: amount?,
        span: span?,
        weights: weights?,
    })
}

fn here_value(path: &YamlPath) -> Anchor {
    Anchor::Value(path.clone())
}

fn seconds(s: f64, at: YamlPath, problems: &mut Problems) -> Option<f64> {
    if s > 0.0 && crate::time::in_range(s) {
        return Some(s);
    }
    error(
        problems,
        Anchor::Value(at),
        "the span must be above 0 and within the time limit (4,000,000,000 s, about 126 years)",
        "e.g. `days: 1` or `hours: 8`",
    );
    None
}
