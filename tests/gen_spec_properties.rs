//! Properties of `gen --spec` over generated workload descriptions: a valid description is accepted,
//! the same seed writes the same bytes, and every workitem line and the center read back cleanly with
//! the project's own readers.

use proptest::prelude::*;
use routeflow::center::Center;
use routeflow::diagnostic::SourceFile;
use routeflow::workitem::WorkitemReader;
use routeflow::workload::spec;
use std::path::Path;

/// Any text as a YAML scalar (JSON strings are YAML).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string")
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _'\"\\\\é:#{}-]{0,8}"
}

/// A number draw, optionally on a share, as YAML.
fn number_draw(whole: bool) -> impl Strategy<Value = String> {
    let low = if whole { 0.0 } else { -50.0 };
    let kinds = prop_oneof![
        (0u32..20).prop_map(|n| n.to_string()),
        (0u32..20, 0u32..20).prop_map(|(a, b)| format!("{{ integer: [{a}, {}] }}", a + b)),
        (0u32..4, 1u32..5)
            .prop_map(|(a, b)| format!("{{ weights: {{ {a}: {b}, {}: 1 }} }}", a + 1)),
        (low..500.0f64, 0.0..500.0f64)
            .prop_map(|(a, b)| format!("{{ uniform: [{a}, {}] }}", a + b)),
        (low..500.0f64, 0.0..100.0f64)
            .prop_map(|(m, sd)| format!("{{ normal: {{ mean: {m}, sd: {sd} }} }}")),
        (1.0..500.0f64, 0.0..2.0f64)
            .prop_map(|(m, s)| format!("{{ lognormal: {{ mean: {m}, sigma: {s} }} }}")),
        (1.0..500.0f64).prop_map(|m| format!("{{ exponential: {{ mean: {m} }} }}")),
    ];
    (kinds, proptest::option::of(0u32..=100)).prop_map(|(kind, share)| match share {
        Some(share) if kind.starts_with('{') => format!("{{ share: {share}, {}", &kind[1..]),
        _ => kind,
    })
}

/// A user-data draw, as YAML.
fn userdata_draw() -> impl Strategy<Value = String> {
    prop_oneof![
        text().prop_map(|t| quoted(&t)),
        number_draw(false),
        prop::collection::vec((text(), 0u32..5), 1..4).prop_map(|pairs| {
            let entries: Vec<String> = pairs
                .iter()
                .enumerate()
                .map(|(i, (k, w))| format!("{}: {}", quoted(&format!("{i}{k}")), w + 1))
                .collect();
            format!("{{ weights: {{ {} }} }}", entries.join(", "))
        }),
        (text(), 1usize..9).prop_map(|(t, d)| {
            let t = t.replace('{', "{{").replace('}', "}}");
            format!(
                "{{ template: {} }}",
                quoted(&format!("{t}{{n}}-{{digits:{d}}}"))
            )
        }),
        (0u32..=100).prop_map(|u| format!("{{ agent: {{ unknown: {u} }} }}")),
        (0u32..=100).prop_map(|u| format!("{{ group: {{ unknown: {u} }} }}")),
        (-1e6..1e6f64, 0u8..6)
            .prop_map(|(x, d)| format!("{{ uniform: [{x}, {}], decimals: {d} }}", x + 1.0)),
    ]
}

fn fields(prefix: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(userdata_draw(), 0..4).prop_map(move |draws| {
        let entries: Vec<String> = draws
            .iter()
            .enumerate()
            .map(|(i, d)| format!("{prefix}{i}: {d}"))
            .collect();
        format!("{{ {} }}", entries.join(", "))
    })
}

fn agents() -> impl Strategy<Value = String> {
    let profile = (0u32..5, number_draw(true), 0u32..=100).prop_map(
        |(weight, level, share)| {
            format!(
                "{{ weight: {}, groups: {{ g{weight}: {share}, \"tier x\": 100 }}, skills: {{ english: {level} }} }}",
                weight + 1
            )
        },
    );
    let shift = (0u32..5, proptest::option::of((0.0..23.0f64, 0.5..24.0f64))).prop_map(
        |(weight, ready)| match ready {
            None => format!("{{ weight: {weight} }}"),
            Some((start, length)) => format!(
                "{{ weight: {}, ready: [[{start}, {}]] }}",
                weight + 1,
                start + length
            ),
        },
    );
    (
        1u32..12,
        prop::collection::vec(profile, 0..3),
        prop::collection::vec(shift, 0..3),
        proptest::option::of(number_draw(true)),
    )
        .prop_map(|(count, profiles, shifts, capacity)| {
            let mut yaml = format!(
                "center:\n  agents:\n    count: {count}\n    groups: [workitems]\n    profiles: [{}]\n",
                profiles.join(", ")
            );
            if shifts.iter().any(|s| !s.starts_with("{ weight: 0 }")) {
                yaml.push_str(&format!("    shifts: [{}]\n", shifts.join(", ")));
            }
            if let Some(capacity) = capacity {
                yaml.push_str(&format!("    capacity: {capacity}\n"));
            }
            yaml
        })
}

fn arrivals() -> impl Strategy<Value = String> {
    let profile = proptest::option::of(prop::collection::vec(0u32..4, 24)).prop_map(|p| match p {
        Some(mut rates) => {
            // A rate in the first hour: a span of any length brings workitems.
            rates[0] += 1;
            format!(", profile: {rates:?}")
        }
        None => String::new(),
    });
    let amount = prop_oneof![
        (0u32..40, 0.1..100.0f64).prop_map(|(n, h)| format!("count: {n}, hours: {h}")),
        (0u32..40, 0.2..2.0f64).prop_map(|(n, l)| format!("count: {n}, load: {l}")),
        (0.0..20.0f64, 0.5..3.0f64).prop_map(|(r, d)| format!("rate_per_hour: {r}, days: {d}")),
    ];
    (amount, profile).prop_map(|(amount, profile)| format!("{{ {amount}{profile} }}"))
}

fn description() -> impl Strategy<Value = String> {
    (
        agents(),
        arrivals(),
        proptest::option::of(number_draw(true)),
        proptest::option::of(number_draw(false)),
        proptest::option::of(number_draw(false)),
        fields("key"),
        prop::collection::vec(
            (
                1u32..5,
                fields("pick"),
                proptest::option::of(number_draw(true)),
            ),
            1..4,
        ),
    )
        .prop_map(
            |(center, arrivals, priority, handle, patience, userdata, picks)| {
                let mut yaml = center;
                yaml.push_str(&format!(
                    "workitems:\n  arrivals: {arrivals}\n  userdata: {userdata}\n"
                ));
                for (key, draw) in [
                    ("priority", priority),
                    ("handle_s", handle),
                    ("patience_s", patience),
                ] {
                    if let Some(draw) = draw {
                        yaml.push_str(&format!("  {key}: {draw}\n"));
                    }
                }
                let alternatives: Vec<String> = picks
                    .iter()
                    .map(|(w, fields, priority)| {
                        let priority = priority
                            .as_ref()
                            .map_or(String::new(), |p| format!(", priority: {p}"));
                        format!("{{ weight: {w}, userdata: {fields}{priority} }}")
                    })
                    .collect();
                yaml.push_str(&format!(
                    "  choose:\n    one: [{}]\n",
                    alternatives.join(", ")
                ));
                yaml
            },
        )
}

fn generate(spec: &spec::Spec, seed: u64, dir: &Path) -> Option<routeflow::workload::Summary> {
    match spec::write(spec, seed, None, dir, "routeflow gen --spec test") {
        Ok(summary) => Some(summary),
        // A load of workitems that take no time sizes no span: refused, and said so.
        Err(error) if error.to_string().contains(spec::NO_WORK) => None,
        Err(error) => panic!("not written: {error}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_every_line_reads(yaml in description(), seed in 0u64..1000) {
        let file = SourceFile::new("workload.yaml", yaml.clone());
        let spec = spec::parse(&file).unwrap_or_else(|d| panic!("{yaml}\n{d:?}"));
        let (a, b) = (tempfile::tempdir().expect("a folder"), tempfile::tempdir().expect("a folder"));
        let Some(summary) = generate(&spec, seed, a.path()) else {
            return Ok(());
        };
        generate(&spec, seed, b.path());
        for name in ["center.yaml", "workitems.jsonl"] {
            let first = std::fs::read(a.path().join(name)).expect("written");
            prop_assert_eq!(&first, &std::fs::read(b.path().join(name)).expect("written"), "{}", name);
        }
        let text = std::fs::read_to_string(a.path().join("center.yaml")).expect("written");
        let (center, diagnostics) = Center::read(&SourceFile::new("center.yaml", text));
        prop_assert!(diagnostics.iter().all(|d| !d.is_error()), "{:?}", diagnostics);
        prop_assert!(center.is_some());
        let lines = std::fs::File::open(a.path().join("workitems.jsonl")).expect("written");
        let mut reader = WorkitemReader::new(std::io::BufReader::new(lines));
        let mut count = 0;
        let mut last = 0.0;
        for line in reader.by_ref() {
            let item = line.expect("reads").item;
            let item = item.unwrap_or_else(|e| panic!("{yaml}\n{e}"));
            prop_assert!(item.arrive_s >= last);
            prop_assert!(item.stop_s.is_none_or(|s| s >= item.arrive_s));
            last = item.arrive_s;
            count += 1;
        }
        prop_assert_eq!(reader.warnings(), []);
        prop_assert_eq!(count, summary.workitem_count);
    }
}
