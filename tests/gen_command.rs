//! `routeflow gen` (SPEC §4), through the binary: deterministic files, a center that loads, workitems
//! that read cleanly and take every path of the sample flow, and the shipped `flows/workitems.jsonl`.

mod gen_support;

use gen_support::{generate, read, routeflow, stderr, workitems};
use routeflow::center::Center;
use routeflow::workitem::Workitem;
use routeflow::workload::{UNKNOWN_AGENT_PREFIX, UNKNOWN_GROUP};
use std::path::Path;
use std::process::Output;

fn text<'a>(item: &'a Workitem, key: &str) -> Option<&'a str> {
    item.userdata.get(key).map(|value| {
        value
            .as_str()
            .unwrap_or_else(|| panic!("{}: {key} is not a string", item.id))
    })
}

/// The path through the flow's Initialize phase a workitem takes, in the words of docs/workload.md.
fn kinds(item: &Workitem) -> Vec<&'static str> {
    let mut kinds = Vec::new();
    let requested = [
        "GTR_requestedAgent",
        "GTR_skillExpression",
        "GTR_requestedAgentGroup",
    ]
    .map(|key| text(item, key).is_some());
    match requested {
        [false, false, false] => {
            let class = [
                text(item, "GTR_level1"),
                text(item, "GTR_level2"),
                text(item, "CustomerSegment"),
            ];
            kinds.push(match class {
                [Some("Insurance"), Some("Health"), Some("Gold")] => "Gold row",
                [Some("Insurance"), Some("Health"), Some("Bronze")] => "Bronze row",
                [Some(_), Some(_), Some(_)] => "default row",
                _ => "default row, keys missing",
            });
        }
        [true, false, false] => kinds.push("agent requested"),
        [false, true, false] => kinds.push("skill requested"),
        [false, false, true] => kinds.push("group requested"),
        _ => kinds.push("overrides combined"),
    }
    if text(item, "GTR_requestedAgent").is_some_and(|a| a.starts_with(UNKNOWN_AGENT_PREFIX)) {
        kinds.push("unknown agent");
    }
    if text(item, "GTR_requestedAgentGroup") == Some(UNKNOWN_GROUP) {
        kinds.push("unknown group");
    }
    if item.priority != 0 {
        kinds.push("priority");
    }
    if item.stop_s.is_some() {
        kinds.push("stop");
    }
    if item.handle_s.is_none() {
        kinds.push("center's handle time");
    }
    kinds
}

const EVERY_KIND: [&str; 13] = [
    "Gold row",
    "Bronze row",
    "default row",
    "default row, keys missing",
    "agent requested",
    "skill requested",
    "group requested",
    "overrides combined",
    "unknown agent",
    "unknown group",
    "priority",
    "stop",
    "center's handle time",
];

fn assert_every_kind(items: &[Workitem]) {
    for kind in EVERY_KIND {
        assert!(
            items.iter().any(|item| kinds(item).contains(&kind)),
            "no workitem of kind {kind}"
        );
    }
}

/// Overrides name the center's agents and groups, or the deliberately unknown ones.
fn assert_overrides_fit(items: &[Workitem], center: &Center) {
    for item in items {
        if let Some(agent) = text(item, "GTR_requestedAgent") {
            let deliberate = agent.starts_with(UNKNOWN_AGENT_PREFIX);
            assert!(
                center.agent(agent).is_some() != deliberate,
                "{}: {agent}",
                item.id
            );
        }
        if let Some(group) = text(item, "GTR_requestedAgentGroup") {
            let deliberate = group == UNKNOWN_GROUP;
            assert!(
                center.group(group).is_some() != deliberate,
                "{}: {group}",
                item.id
            );
        }
    }
}

fn assert_sorted_and_sane(items: &[Workitem]) {
    for pair in items.windows(2) {
        assert!(pair[0].arrive_s <= pair[1].arrive_s, "{}", pair[1].id);
    }
    for item in items {
        // A whole number of milliseconds: the double nearest to it.
        let millis = (item.arrive_s * 1000.0).round();
        assert_eq!(millis / 1000.0, item.arrive_s, "{}", item.id);
        assert!((0..=5).contains(&item.priority));
        assert!(item.stop_s.is_none_or(|stop| stop >= item.arrive_s));
    }
}

/// Sorted, to the millisecond, every kind present, overrides naming the center's agents and groups or
/// the deliberately unknown ones.
fn assert_a_realistic_workload(items: &[Workitem], center: &Center) {
    assert_sorted_and_sane(items);
    assert_every_kind(items);
    assert_overrides_fit(items, center);
}

/// Work offered over the capacity ready until the last arrival (docs/workload.md).
fn offered_load(items: &[Workitem], center: &Center) -> f64 {
    let end = items.last().map_or(0.0, |item| item.arrive_s);
    let work: f64 = items
        .iter()
        .map(|item| item.handle_s_or(center.default_handle_s()))
        .sum();
    let capacity: f64 = center
        .agents()
        .iter()
        .map(|agent| {
            let ready: f64 = agent
                .ready
                .iter()
                .map(|&(start, stop)| (stop.min(end) - start).max(0.0))
                .sum();
            f64::from(agent.capacity) * ready
        })
        .sum();
    work / capacity
}

#[test]
fn same_arguments_write_the_same_bytes_and_another_seed_does_not() {
    let args = ["--workitems", "500", "--agents", "40", "--seed", "7"];
    let (first, second) = (generate(&args), generate(&args));
    let other = generate(&["--workitems", "500", "--agents", "40", "--seed", "8"]);
    for file in ["center.yaml", "workitems.jsonl"] {
        let bytes = read(&first.path().join(file));
        assert_eq!(bytes, read(&second.path().join(file)), "{file}");
        assert_ne!(bytes, read(&other.path().join(file)), "{file}");
    }
}

#[test]
fn the_center_loads_without_a_diagnostic() {
    let dir = generate(&["--workitems", "100", "--agents", "120", "--seed", "3"]);
    let loaded = routeflow::center::load(&dir.path().join("center.yaml"));
    assert!(loaded.report.is_empty(), "{}", loaded.report.render());
    let center = loaded.center.expect("a center");
    assert_eq!(center.agents().len(), 120);
    assert_eq!(center.agents()[0].id, "agent001");
    assert_eq!(center.agents()[119].id, "agent120");
    assert_eq!(center.default_handle_s(), 300.0);
    for group in [
        "gold_group",
        "bronze_group",
        "workitems",
        "claims_group",
        "billing_group",
    ] {
        assert!(center.group(group).is_some(), "{group}");
    }
    let in_default_group = center
        .group("workitems")
        .map_or(0, |g| center.agents_in_group(g).len());
    assert!(in_default_group > 100, "{in_default_group}");
    assert!(center.agents().iter().any(|agent| agent.capacity == 2));
    assert!(center.agents().iter().any(|agent| agent.ready.len() == 2));
}

#[test]
fn every_workitem_reads_cleanly_in_arrival_order_with_every_kind_in_the_mix() {
    let dir = generate(&["--workitems", "3000", "--agents", "60", "--seed", "1"]);
    let center = Center::load(&dir.path().join("center.yaml")).expect("a center");
    let items = workitems(&dir.path().join("workitems.jsonl"));
    assert_eq!(items.len(), 3000);
    assert_eq!(&*items[0].id, "w000001");
    assert_eq!(&*items[2999].id, "w003000");
    assert_a_realistic_workload(&items, &center);
    let load = offered_load(&items, &center);
    assert!((0.85..=0.95).contains(&load), "offered load {load}");
}

#[test]
fn workitems_for_an_existing_center_request_its_agents_and_groups() {
    let dir = generate(&[
        "--center",
        "flows/center.yaml",
        "--workitems",
        "2000",
        "--seed",
        "5",
    ]);
    assert!(!dir.path().join("center.yaml").exists());
    let center = Center::load(Path::new("flows/center.yaml")).expect("the shipped center");
    let items = workitems(&dir.path().join("workitems.jsonl"));
    assert_eq!(items.len(), 2000);
    assert_a_realistic_workload(&items, &center);
    let load = offered_load(&items, &center);
    assert!((0.85..=0.95).contains(&load), "offered load {load}");
}

#[test]
fn the_folder_is_created_and_a_width_of_six_holds_up_to_a_million() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let nested = dir.path().join("a/b");
    let out = nested.to_str().expect("UTF-8");
    let output = routeflow(&["gen", "--workitems", "3", "--agents", "1", "--dir", out]);
    assert!(output.status.success(), "{}", stderr(&output));
    let items = workitems(&nested.join("workitems.jsonl"));
    let ids: Vec<&str> = items.iter().map(|item| &*item.id).collect();
    assert_eq!(ids, ["w000001", "w000002", "w000003"]);
    let center = Center::load(&nested.join("center.yaml")).expect("a center");
    assert_eq!(center.agents()[0].id, "agent1");
}

#[test]
fn no_workitems_is_an_empty_file() {
    let dir = generate(&["--workitems", "0", "--agents", "5"]);
    assert_eq!(read(&dir.path().join("workitems.jsonl")), b"");
    Center::load(&dir.path().join("center.yaml")).expect("a center");
}

#[test]
fn a_folder_that_cannot_be_made_is_exit_1_naming_it() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("file");
    std::fs::write(&file, "not a folder").expect("written");
    let under = file.join("out");
    let out = under.to_str().expect("UTF-8");
    let output = routeflow(&["gen", "--workitems", "3", "--agents", "2", "--dir", out]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains(out), "{}", stderr(&output));
}

/// Run `gen --center` on a center file holding `yaml`, writing into the same temporary folder.
fn generate_for_center(yaml: &str, workitems: &str) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let center = dir.path().join("center.yaml");
    std::fs::write(&center, yaml).expect("written");
    let (center, out) = (
        center.to_str().expect("UTF-8"),
        dir.path().to_str().expect("UTF-8"),
    );
    let output = routeflow(&[
        "gen",
        "--workitems",
        workitems,
        "--center",
        center,
        "--dir",
        out,
    ]);
    (output, dir)
}

#[test]
fn a_center_file_with_errors_is_exit_1_with_its_diagnostics() {
    let (output, dir) = generate_for_center("agents:\n  - id: a\n    capacity: 0\n", "3");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("capacity"), "{}", stderr(&output));
    assert!(!dir.path().join("workitems.jsonl").exists());
}

#[test]
fn a_center_that_stops_being_ready_too_soon_is_exit_1() {
    let (output, _dir) = generate_for_center("agents:\n  - id: a\n    ready: [[0, 60]]\n", "100");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot serve"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn usage_errors_are_exit_2() {
    for args in [
        &["gen", "--workitems", "3", "--dir", "x"][..],
        &["gen", "--workitems", "3", "--agents", "0", "--dir", "x"],
        &["gen", "--workitems", "-1", "--agents", "2", "--dir", "x"],
        &["gen", "--workitems", "3", "--agents", "2"],
        &[
            "gen",
            "--workitems",
            "3",
            "--agents",
            "2",
            "--center",
            "flows/center.yaml",
            "--dir",
            "x",
        ],
    ] {
        let output = routeflow(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

/// A tiny workload, byte for byte: a new version of `rand_distr` (or of anything else) that changes what
/// a seed writes shows here rather than in a benchmark that quietly measures another workload.
#[test]
fn a_tiny_workload_is_what_it_was() {
    let dir = generate(&["--workitems", "6", "--agents", "3", "--seed", "1"]);
    let center = String::from_utf8(read(&dir.path().join("center.yaml"))).expect("UTF-8");
    let items = String::from_utf8(read(&dir.path().join("workitems.jsonl"))).expect("UTF-8");
    insta::assert_snapshot!(format!("{center}---\n{items}"));
}

/// The README's demo: `flows/workitems.jsonl` fits `flows/center.yaml` and is what the command in
/// docs/workload.md writes.
#[test]
fn the_shipped_workitems_fit_the_shipped_center() {
    let center = Center::load(Path::new("flows/center.yaml")).expect("the shipped center");
    let items = workitems(Path::new("flows/workitems.jsonl"));
    assert!((200..=300).contains(&items.len()), "{}", items.len());
    assert_a_realistic_workload(&items, &center);
    let again = generate(&[
        "--center",
        "flows/center.yaml",
        "--workitems",
        "300",
        "--seed",
        "3",
    ]);
    assert!(
        read(&again.path().join("workitems.jsonl")) == read(Path::new("flows/workitems.jsonl")),
        "flows/workitems.jsonl is not what docs/workload.md's command writes"
    );
}
