//! Writing a described workload: the center (when the description has one), then the workitems.
//!
//! Four streams of one seed: the center's agents, the workitems' draws, their arrival times (drawn twice:
//! once to count them and find the last, once to write them) and the estimate of the mean handle time a
//! `load` needs.

use super::agents::{self, Drafted};
use super::arrivals::{Arrivals, Profile};
use super::draw::{Drawer, Targets};
use super::{AgentsPlan, Amount, SpanRule, Spec, WorkitemsPlan, check::MAX_WORKITEMS};
use crate::center::Center;
use crate::diagnostic::SourceFile;
use crate::workload::random::{Random, Stream};
use crate::workload::workitems::{milliseconds, push_seconds, push_string, unknown};
use crate::workload::{CENTER_FILE, Error, Summary, UNKNOWN_GROUP, WORKITEMS_FILE};
use std::io::{self, Write};
use std::path::Path;

const DAY_S: f64 = 86_400.0;

/// The most ready intervals a generated center lists (about 200 MB of YAML).
const MAX_INTERVALS: f64 = 1e7;

/// How many handle times are drawn to estimate their mean for a `load`.
const ESTIMATE_DRAWS: usize = 1 << 16;

/// Write the workload `spec` describes into `dir` (created if missing) with `seed`: [`CENTER_FILE`]
/// unless `existing` gives the center, and [`WORKITEMS_FILE`]. `command` goes into the center's header.
/// Why a `load` cannot size the span of workitems that take no time.
pub const NO_WORK: &str = "the workitems take no time (handle times of 0 s), so `load` cannot size the span: give `days` or `hours`";

pub fn write(
    spec: &Spec,
    seed: u64,
    existing: Option<&Center>,
    dir: &Path,
    command: &str,
) -> Result<Summary, Error> {
    let drafted = match (existing, &spec.center) {
        (Some(_), _) => None,
        (None, Some(plan)) => Some((
            plan,
            agents::draw(plan, &mut Random::new(seed, Stream::Center)),
        )),
        (None, None) => return Err(Error::NoCenter),
    };
    let default_handle_s = match (existing, &drafted) {
        (Some(center), _) => center.default_handle_s(),
        (None, Some((plan, _))) => plan.default_handle_s,
        (None, None) => crate::center::DEFAULT_HANDLE_S,
    };
    let items = &spec.workitems;
    let span_s = match items.arrivals.span {
        SpanRule::Seconds(span) => span,
        SpanRule::Load(load) => {
            let count = match items.arrivals.amount {
                Amount::Count(count) => count as f64,
                Amount::Rate(_) => 0.0,
            };
            let mean = mean_handle_s(items, default_handle_s, seed);
            if count > 0.0 && mean <= 0.0 {
                return Err(Error::Workload(NO_WORK));
            }
            let work = count * mean / load;
            let span = match (existing, &drafted) {
                (Some(center), _) => {
                    crate::workload::arrivals::span_for_work(center.agents(), work)
                }
                (None, Some((plan, drafted))) => drafted.span_for_work(plan, work),
                (None, None) => None,
            };
            span.filter(|s| crate::time::in_range(*s))
                .ok_or(Error::Unservable {
                    workitems: count as usize,
                    load_percent: load * 100.0,
                    work_s: work,
                })?
        }
    };
    let weights = &items.arrivals.weights;
    let per_day = match items.arrivals.amount {
        Amount::Count(count) => {
            let expected = Profile::new(weights, 1.0).expected_until(span_s);
            if count > 0 && (expected.is_nan() || expected <= 0.0) {
                return Err(Error::Workload(
                    "the arrival profile's rates are 0 throughout the span the load gives, which starts at midnight: give the first hours a rate above 0",
                ));
            }
            if count == 0 {
                0.0
            } else {
                count as f64 / expected
            }
        }
        Amount::Rate(rate) => rate * 24.0,
    };
    let profile = Profile::new(weights, per_day);
    let (count, last_s) = count_arrivals(&profile, items.arrivals.amount, span_s, seed)?;
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let generated;
    let (center, center_path) = match (existing, drafted) {
        (Some(center), _) => (center, None),
        (None, Some((plan, drafted))) => {
            // Shifts run through the day of the last arrival and one more, to serve what still waits.
            let days = ((span_s.max(last_s) / DAY_S).ceil() as u64).saturating_add(1);
            if drafted.interval_count(plan, days) > MAX_INTERVALS {
                return Err(Error::Workload(
                    "the center would list over 10,000,000 ready intervals: fewer agents on shifts, \
                     fewer days, or fewer intervals a day",
                ));
            }
            let (file, center) = write_center(plan, &drafted, days, dir, command)?;
            generated = center;
            (&generated, Some(file))
        }
        (None, None) => return Err(Error::NoCenter),
    };
    let path = dir.join(WORKITEMS_FILE);
    crate::workload::write_file(&path, |out| {
        write_workitems(out, items, center, &profile, count, seed)
    })?;
    Ok(Summary::new(
        center_path,
        path,
        center.agents().len(),
        count as usize,
        span_s,
    ))
}

/// The mean handle time of the described workitems, estimated from their own draws.
fn mean_handle_s(items: &WorkitemsPlan, default_handle_s: f64, seed: u64) -> f64 {
    let Some(handle) = &items.handle else {
        return default_handle_s;
    };
    let mut random = Random::new(seed, Stream::Estimate);
    let total: f64 = (0..ESTIMATE_DRAWS)
        .map(|_| {
            if handle.present(&mut random) {
                handle.number(&mut random)
            } else {
                default_handle_s
            }
        })
        .sum();
    total / ESTIMATE_DRAWS as f64
}

/// How many workitems arrive, and when the last one does.
fn count_arrivals(
    profile: &Profile,
    amount: Amount,
    span_s: f64,
    seed: u64,
) -> Result<(u64, f64), Error> {
    let mut random = Random::new(seed, Stream::Arrivals);
    let mut arrivals = Arrivals::new(profile);
    let (mut count, mut last) = (0u64, 0.0);
    match amount {
        Amount::Count(n) => {
            for _ in 0..n {
                last = arrivals.next(&mut random);
            }
            count = n;
        }
        Amount::Rate(rate) if rate > 0.0 => loop {
            let t = arrivals.next(&mut random);
            if t >= span_s {
                break;
            }
            last = t;
            count += 1;
            if count as f64 > MAX_WORKITEMS {
                return Err(Error::Workload(
                    "the arrivals would bring over 1,000,000,000 workitems",
                ));
            }
        },
        Amount::Rate(_) => {}
    }
    if !crate::time::in_range(last) {
        return Err(Error::Workload(
            "the arrivals run past the time limit (4,000,000,000 s): ask for fewer workitems or a higher rate",
        ));
    }
    Ok((count, last))
}

fn write_center(
    plan: &AgentsPlan,
    drafted: &Drafted,
    days: u64,
    dir: &Path,
    command: &str,
) -> Result<(std::path::PathBuf, Center), Error> {
    let header = format!(
        "A generated contact center, written by\n`{command}`.\nShifts are written over {days} days of virtual time."
    );
    let yaml = drafted.to_yaml(plan, days, &header);
    let path = dir.join(CENTER_FILE);
    let file = SourceFile::new(path.display().to_string(), yaml);
    let center = Center::parse(&file).map_err(|diagnostics| {
        let messages: Vec<String> = diagnostics.iter().map(|d| d.message.clone()).collect();
        Error::GeneratedCenter(messages.join("\n"))
    })?;
    debug_assert_eq!(center.agents().len(), drafted.len());
    std::fs::write(&path, file.text()).map_err(|source| Error::Write {
        path: path.clone(),
        source,
    })?;
    Ok((path, center))
}

fn targets(center: &Center) -> Targets {
    let agents = center.agents().iter().map(|a| a.id.clone()).collect();
    let groups = (0..center.group_count())
        .map(|g| {
            center
                .group_name(crate::center::GroupId(g as u32))
                .to_owned()
        })
        .collect();
    let unknown_group = unknown(UNKNOWN_GROUP, |name| center.group(name).is_some());
    let ids: std::collections::HashSet<String> =
        center.agents().iter().map(|a| a.id.clone()).collect();
    Targets {
        agents,
        groups,
        unknown_group,
        agent_exists: Box::new(move |id| ids.contains(id)),
    }
}

/// A number drawn by `drawer` when there is one.
fn maybe(drawer: Option<&Drawer>, random: &mut Random) -> Option<f64> {
    let drawer = drawer?;
    drawer.present(random).then(|| drawer.number(random))
}

fn write_workitems(
    out: &mut impl Write,
    items: &WorkitemsPlan,
    center: &Center,
    profile: &Profile,
    count: u64,
    seed: u64,
) -> io::Result<()> {
    let targets = targets(center);
    let mut times = Random::new(seed, Stream::Arrivals);
    let mut arrivals = Arrivals::new(profile);
    let mut random = Random::new(seed, Stream::Workitems);
    let pad = count.to_string().len().max(6);
    let mut line: Vec<u8> = Vec::with_capacity(512);
    let mut id = String::with_capacity(16);
    let mut number = itoa::Buffer::new();
    for n in 1..=count {
        let arrive_ms = milliseconds(arrivals.next(&mut times));
        line.clear();
        id.clear();
        items.id.render_padded(&mut random, n, pad, &mut id);
        line.extend_from_slice(b"{\"id\":");
        push_string(&mut line, &id);
        line.extend_from_slice(b",\"arrive_s\":");
        push_seconds(&mut line, arrive_ms);
        let mut priority = maybe(items.priority.as_ref(), &mut random).unwrap_or(0.0);
        let priority_at = line.len();
        if let Some(handle) = maybe(items.handle.as_ref(), &mut random) {
            line.extend_from_slice(b",\"handle_s\":");
            push_seconds(&mut line, milliseconds(handle));
        }
        if let Some(patience) = maybe(items.patience.as_ref(), &mut random) {
            line.extend_from_slice(b",\"stop_s\":");
            // Added in whole milliseconds, so the written stop is never before the written arrival.
            push_seconds(&mut line, arrive_ms + milliseconds(patience));
        }
        line.extend_from_slice(b",\"userdata\":{");
        let mut first = true;
        let mut field = |line: &mut Vec<u8>, random: &mut Random, key: &str, drawer: &Drawer| {
            if !drawer.present(random) {
                return;
            }
            let start = line.len();
            if !first {
                line.push(b',');
            }
            push_string(line, key);
            line.push(b':');
            if drawer.write_json(random, n, &targets, line) {
                first = false;
            } else {
                line.truncate(start);
            }
        };
        for (key, drawer) in &items.userdata {
            field(&mut line, &mut random, key, drawer);
        }
        for choice in &items.choices {
            let pick = &choice.options[random.weighted(choice.shares.iter().copied())];
            for (key, drawer) in &pick.userdata {
                field(&mut line, &mut random, key, drawer);
            }
            if let Some(p) = maybe(pick.priority.as_ref(), &mut random) {
                priority = p;
            }
        }
        line.extend_from_slice(b"}}\n");
        if priority != 0.0 {
            let mut text = b",\"priority\":".to_vec();
            text.extend_from_slice(number.format(priority as i64).as_bytes());
            line.splice(priority_at..priority_at, text);
        }
        out.write_all(&line)?;
    }
    Ok(())
}
