//! Virtual time has one resolution, the microsecond (docs/routing.md, "Virtual time"). For any workload,
//! with times of up to nine decimals in the workitems and in the center, every outcome line adds up
//! exactly: its times are whole microseconds, `wait_s = routed_s - arrive_s` (or `ended_s - arrive_s`
//! when it was not routed), `done_s = routed_s + handle_s` as read, and nothing ends before it starts.
//! The five cases that used to contradict themselves are in `tests/flows/virtual_time.yaml`.

use proptest::prelude::*;
use routeflow::center::Center;
use routeflow::diagnostic::SourceFile;
use routeflow::flow::load;
use routeflow::replay::{Options, replay};
use routeflow::runtime::Runner;
use routeflow::workitem::WorkitemReader;
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, OnceLock};

fn sample() -> Arc<Runner> {
    static RUNNER: OnceLock<Arc<Runner>> = OnceLock::new();
    RUNNER
        .get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let flow = load(&root.join("flows/gtr_sample.yaml"))
                .flow
                .expect("the sample loads");
            Arc::new(Runner::new(Arc::new(flow)))
        })
        .clone()
}

/// A time in seconds with up to nine decimals, written as text: `whole` seconds and `fraction`
/// billionths.
fn time_text(whole: u32, billionths: u32) -> String {
    format!("{whole}.{billionths:09}")
}

/// A time as a whole number of microseconds, when it is one.
fn micros(value: &Value) -> Option<i128> {
    let seconds = value.as_f64()?;
    let micros = (seconds * 1e6).round();
    assert_eq!(
        micros / 1e6,
        seconds,
        "{seconds} is not a whole number of microseconds"
    );
    Some(micros as i128)
}

/// Microseconds of a time read from a file (rounded to the nearest, as the readers do).
fn read_micros(text: &str) -> i128 {
    let seconds: f64 = text.parse().expect("a number");
    (seconds * 1e6).round() as i128
}

#[derive(Debug, Clone)]
struct Workitem {
    arrive: (u32, u32),
    handle: Option<(u32, u32)>,
    stop_after: Option<(u32, u32)>,
    overrides: u8,
}

fn workitem() -> impl Strategy<Value = Workitem> {
    (
        (0u32..400, 0u32..1_000_000_000),
        prop::option::of((0u32..300, 0u32..1_000_000_000)),
        prop::option::of((0u32..400, 0u32..1_000_000_000)),
        0u8..8,
    )
        .prop_map(|(arrive, handle, stop_after, overrides)| Workitem {
            arrive,
            handle,
            stop_after,
            overrides,
        })
}

fn center(default_handle: (u32, u32), shifts: &[(u32, u32, u32)]) -> String {
    let mut text = format!(
        "default_handle_s: {}\nagents:{}\n",
        time_text(default_handle.0, default_handle.1),
        if shifts.is_empty() { " []" } else { "" }
    );
    for (i, &(start, length, billionths)) in shifts.iter().enumerate() {
        let skills = ["english: 9", "french: 6", "english: 2"][i % 3];
        let groups = ["[workitems]", "[night_shift]", "[]"][i % 3];
        text.push_str(&format!(
            "  - {{ id: a{i}, groups: {groups}, skills: {{ {skills} }}, ready: [[{}, {}]] }}\n",
            time_text(start, billionths),
            time_text(start + length, 999_999_999 - billionths),
        ));
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_outcome_line_adds_up(
        items in prop::collection::vec(workitem(), 1..40),
        default_handle in (0u32..200, 0u32..1_000_000_000),
        shifts in prop::collection::vec((0u32..300, 1u32..600, 0u32..1_000_000_000), 0..4),
    ) {
        let center_text = center(default_handle, &shifts);
        let center = Center::parse(&SourceFile::new("center.yaml", &center_text))
            .map_err(|e| TestCaseError::fail(format!("{e:?}\n{center_text}")))?;
        let mut input = String::new();
        for (i, item) in items.iter().enumerate() {
            let arrive = time_text(item.arrive.0, item.arrive.1);
            input.push_str(&format!(r#"{{"id":"w{i}","arrive_s":{arrive}"#));
            if let Some((whole, fraction)) = item.handle {
                input.push_str(&format!(r#","handle_s":{}"#, time_text(whole, fraction)));
            }
            if let Some((whole, fraction)) = item.stop_after {
                let stop = time_text(item.arrive.0 + whole, fraction.max(item.arrive.1));
                input.push_str(&format!(r#","stop_s":{stop}"#));
            }
            let mut userdata = Vec::new();
            if item.overrides & 1 != 0 {
                userdata.push(r#""GTR_requestedAgent":"a1""#);
            }
            if item.overrides & 2 != 0 {
                userdata.push(r#""GTR_skillExpression":"french > 5""#);
            }
            if item.overrides & 4 != 0 {
                userdata.push(r#""GTR_requestedAgentGroup":"night_shift""#);
            }
            input.push_str(&format!(r#","userdata":{{{}}}}}"#, userdata.join(",")));
            input.push('\n');
        }
        let mut lines = Vec::new();
        replay(
            sample(),
            Arc::new(center),
            WorkitemReader::new(input.as_bytes()),
            Options { trace: false },
            &mut |outcome| {
                let mut line = String::new();
                outcome.write_json(&mut line);
                lines.push(line);
            },
        )
        .expect("an in-memory replay reads");
        prop_assert_eq!(lines.len(), items.len());
        let default_handle = read_micros(&time_text(default_handle.0, default_handle.1));
        for (line, item) in lines.iter().zip(&items) {
            let outcome: Value = serde_json::from_str(line).expect("JSON");
            let kind = outcome["outcome"].as_str().unwrap_or_default();
            prop_assert_ne!(kind, "error", "{}", line);
            let arrive = micros(&outcome["arrive_s"]).expect("arrive_s");
            let ended = micros(&outcome["ended_s"]).expect("ended_s");
            let wait = micros(&outcome["wait_s"]).expect("wait_s");
            prop_assert_eq!(arrive, read_micros(&time_text(item.arrive.0, item.arrive.1)));
            prop_assert!(ended >= arrive, "{}", line);
            if kind == "routed" {
                let routed = micros(&outcome["routed_s"]).expect("routed_s");
                let done = micros(&outcome["done_s"]).expect("done_s");
                let handle = item
                    .handle
                    .map_or(default_handle, |(w, f)| read_micros(&time_text(w, f)));
                prop_assert_eq!(wait, routed - arrive, "{}", line);
                prop_assert_eq!(done, routed + handle, "{}", line);
                prop_assert!(done >= routed && routed == ended, "{}", line);
            } else {
                prop_assert_eq!(wait, ended - arrive, "{}", line);
            }
            if kind == "stopped" {
                let (whole, fraction) = item.stop_after.expect("only a workitem with stop_s stops");
                let stop = read_micros(&time_text(item.arrive.0 + whole, fraction.max(item.arrive.1)));
                prop_assert!(ended <= stop, "{}", line);
            }
        }
    }
}
