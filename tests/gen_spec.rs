//! `routeflow gen --spec FILE`, through the binary: located diagnostics for a bad description, the
//! shipped sample description replayed by the sample flow, the same bytes for the same seed, workitems
//! for an existing center, and the mix the sample description promises.

mod gen_support;

use gen_support::{generate, read, routeflow, stderr, workitems};
use routeflow::center::Center;
use routeflow::workitem::Workitem;
use std::path::Path;

const SAMPLE: &str = "flows/gtr_sample.workload.yaml";

/// A description written into a temporary folder.
fn spec_file(yaml: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("workload.yaml");
    std::fs::write(&path, yaml).expect("written");
    let path = path.to_str().expect("a UTF-8 path").to_owned();
    (dir, path)
}

fn text<'a>(item: &'a Workitem, key: &str) -> Option<&'a str> {
    item.userdata.get(key).and_then(|v| v.as_str())
}

#[test]
fn a_typo_in_a_key_is_a_located_diagnostic() {
    let (_dir, path) = spec_file(
        "center:\n  agents: { count: 3 }\nworkitems:\n  arrivals: { count: 10, hours: 1 }\n  handle_s: { lognormal: { mean: 300, sigam: 0.5 } }\n",
    );
    let output = routeflow(&["gen", "--spec", &path, "--dir", "unused"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.starts_with(&format!(
            "{path}:5:39: error: unknown property `sigam` in `lognormal`"
        )),
        "{err}"
    );
    assert!(err.contains("did you mean `sigma`?"), "{err}");
    assert!(err.contains("the properties are: mean, sigma"), "{err}");
    assert!(
        !Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("unused")
            .exists()
    );
}

#[test]
fn every_bad_value_is_reported_at_once() {
    let (_dir, path) = spec_file(
        "center:\n  agents:\n    count: 0\n    profiles: [{ weight: -1 }]\nworkitems:\n  arrivals: { count: 10 }\n  priority: { uniform: [5, 1] }\n  userdata: { tier: { weights: {} } }\n",
    );
    let output = routeflow(&["gen", "--spec", &path]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    for expected in [
        ":3:12: error: `count` must be from 1",
        ":4:26: error: a weight must be a number from 0 up",
        ":6:13: error: the arrivals need a span",
        ":7:24: error: `uniform: [5, 1]` runs backwards",
        ":8:32: error: the weights must add up to more than 0",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}

#[test]
fn the_shipped_sample_description_replays_through_the_sample_flow() {
    let dir = generate(&["--spec", SAMPLE, "--seed", "1"]);
    let center = dir.path().join("center.yaml");
    let items = dir.path().join("workitems.jsonl");
    let loaded = routeflow::center::load(&center);
    assert!(loaded.report.is_empty(), "{}", loaded.report.render());
    assert_eq!(workitems(&items).len(), 10_000);
    let output = routeflow(&[
        "replay",
        "flows/gtr_sample.yaml",
        "--center",
        center.to_str().expect("UTF-8"),
        "--workitems",
        items.to_str().expect("UTF-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let outcomes = String::from_utf8_lossy(&output.stdout);
    assert_eq!(outcomes.lines().count(), 10_000);
    assert!(!outcomes.contains("\"outcome\":\"error\""));
    // Every cascade of the sample routes some of them.
    for block in [
        "route_agent",
        "route_skill",
        "route_group",
        "route_default_group",
    ] {
        assert!(
            outcomes.contains(&format!("\"block\":\"{block}\"")),
            "{block}"
        );
    }
}

#[test]
fn the_same_seed_writes_the_same_bytes_and_another_seed_does_not() {
    let args = ["--spec", SAMPLE, "--workitems", "500", "--agents", "30"];
    let seeded = |seed: &str| {
        let mut all = args.to_vec();
        all.extend(["--seed", seed]);
        generate(&all)
    };
    let (a, b, c) = (seeded("7"), seeded("7"), seeded("8"));
    for file in ["center.yaml", "workitems.jsonl"] {
        assert_eq!(
            read(&a.path().join(file)),
            read(&b.path().join(file)),
            "{file}"
        );
        assert_ne!(
            read(&a.path().join(file)),
            read(&c.path().join(file)),
            "{file}"
        );
    }
}

#[test]
fn the_sample_description_gives_the_documented_mix() {
    let dir = generate(&["--spec", SAMPLE, "--workitems", "20000", "--agents", "200"]);
    let center = Center::load(&dir.path().join("center.yaml")).expect("the center loads");
    assert_eq!(center.agents().len(), 200);
    let members = |name| {
        center
            .group(name)
            .map_or(0, |g| center.agents_in_group(g).len())
    };
    assert_eq!(members("gold_group"), 30);
    assert_eq!(members("bronze_group"), 50);
    assert_eq!(members("claims_group"), 20);
    assert_eq!(members("billing_group"), 20);
    assert_eq!(
        center.agents().iter().filter(|a| a.capacity == 2).count(),
        20
    );
    let always = center
        .agents()
        .iter()
        .filter(|a| a.ready == [(0.0, f64::INFINITY)]);
    assert_eq!(always.count(), 120);

    let items = workitems(&dir.path().join("workitems.jsonl"));
    assert_eq!(items.len(), 20_000);
    assert!(
        items.windows(2).all(|w| w[0].arrive_s <= w[1].arrive_s),
        "arrivals in order"
    );
    let share = |f: &dyn Fn(&Workitem) -> bool| {
        items.iter().filter(|i| f(i)).count() as f64 / items.len() as f64
    };
    let near = |got: f64, want: f64| (got - want).abs() < 0.015;
    let gold = share(&|i| {
        text(i, "CustomerSegment") == Some("Gold")
            && text(i, "GTR_level2") == Some("Health")
            && text(i, "GTR_level1") == Some("Insurance")
    });
    assert!(near(gold, 0.15), "{gold}");
    let overridden = share(&|i| {
        [
            "GTR_requestedAgent",
            "GTR_skillExpression",
            "GTR_requestedAgentGroup",
        ]
        .iter()
        .any(|k| i.userdata.get(k).is_some())
    });
    assert!(near(overridden, 0.15), "{overridden}");
    assert!(near(share(&|i| i.priority != 0), 0.05));
    assert!(near(share(&|i| i.stop_s.is_some()), 0.03));
    assert!(near(share(&|i| i.handle_s.is_none()), 0.10));
    assert!(
        items
            .iter()
            .all(|i| i.stop_s.is_none_or(|s| s >= i.arrive_s + 60.0 - 1e-9))
    );
    let unknown_agent =
        share(&|i| text(i, "GTR_requestedAgent").is_some_and(|a| a.starts_with("retired_")));
    assert!(
        unknown_agent > 0.0 && unknown_agent < 0.02,
        "{unknown_agent}"
    );
    assert!(
        items
            .iter()
            .all(|i| text(i, "caseNumber").is_some_and(|c| c.len() == 9 && c.starts_with("CS")))
    );
    // The span is solved for 90 % load: the work offered over the capacity ready until the last arrival.
    let last = items.last().map_or(0.0, |i| i.arrive_s);
    let work: f64 = items.iter().map(|i| i.handle_s.unwrap_or(300.0)).sum();
    let capacity: f64 = center
        .agents()
        .iter()
        .map(|a| {
            let ready: f64 = a
                .ready
                .iter()
                .map(|&(s, e)| (e.min(last) - s.min(last)).max(0.0))
                .sum();
            f64::from(a.capacity) * ready
        })
        .sum();
    let load = work / capacity;
    assert!((0.85..0.95).contains(&load), "{load}");
}

#[test]
fn arrivals_follow_the_hourly_profile_over_the_days() {
    let mut profile = vec!["0"; 24];
    profile[9] = "1";
    profile[15] = "3";
    let yaml = format!(
        "center:\n  agents: {{ count: 2 }}\nworkitems:\n  arrivals: {{ rate_per_hour: 100, days: 3, profile: [{}] }}\n",
        profile.join(", ")
    );
    let (_spec_dir, path) = spec_file(&yaml);
    let dir = generate(&["--spec", &path]);
    let items = workitems(&dir.path().join("workitems.jsonl"));
    // 100 an hour on average: 2,400 a day, 7,200 over three days.
    assert!((6_800..7_600).contains(&items.len()), "{}", items.len());
    let mut by_hour = [0usize; 24];
    for item in &items {
        assert!(item.arrive_s < 3.0 * 86_400.0);
        by_hour[((item.arrive_s % 86_400.0) / 3_600.0) as usize] += 1;
    }
    assert_eq!(by_hour[9] + by_hour[15], items.len());
    let ratio = by_hour[15] as f64 / by_hour[9] as f64;
    assert!((2.6..3.4).contains(&ratio), "{ratio}");
}

#[test]
fn a_description_without_a_center_writes_workitems_for_a_given_one() {
    let (_spec_dir, path) = spec_file(
        "workitems:\n  arrivals: { count: 50, load: 0.9 }\n  userdata:\n    GTR_requestedAgent: { agent: {} }\n",
    );
    let dir = generate(&["--spec", &path, "--center", "flows/center.yaml"]);
    assert!(!dir.path().join("center.yaml").exists());
    let center = Center::load(Path::new("flows/center.yaml")).expect("the shipped center");
    let items = workitems(&dir.path().join("workitems.jsonl"));
    assert_eq!(items.len(), 50);
    for item in &items {
        let agent = text(item, "GTR_requestedAgent").expect("an agent");
        assert!(center.agent(agent).is_some(), "{agent}");
    }
    let output = routeflow(&["gen", "--spec", &path, "--dir", "unused"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("has no `center`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_schema_of_descriptions_names_their_keys() {
    let output = routeflow(&["schema", "--workload"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let keys: Vec<&String> = schema["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .collect();
    assert_eq!(keys, ["center", "description", "workitems"]);
    assert_eq!(schema["additionalProperties"], false);
}

/// The first example of docs/workload.md's description section generates as it says.
#[test]
fn the_documented_example_generates() {
    let docs = std::fs::read_to_string("docs/workload.md").expect("the docs");
    let section = &docs[docs.find("## Workload descriptions").expect("the section")..];
    let start = section.find("```yaml\n").expect("an example") + "```yaml\n".len();
    let example = &section[start..start + section[start..].find("```").expect("its end")];
    let (_spec_dir, path) = spec_file(example);
    let dir = generate(&["--spec", &path]);
    let items = workitems(&dir.path().join("workitems.jsonl"));
    assert_eq!(items.len(), 5000);
    assert!(
        items
            .iter()
            .all(|i| i.arrive_s >= 7.0 * 3600.0 && i.arrive_s < 19.0 * 3600.0)
    );
    assert!(items.iter().all(|i| i.stop_s.is_some()));
    let center = Center::load(&dir.path().join("center.yaml")).expect("the center loads");
    let members = |name| {
        center
            .group(name)
            .map_or(0, |g| center.agents_in_group(g).len())
    };
    assert_eq!((members("insurance"), members("claims")), (28, 12));
    assert!(
        center.agents().iter().all(|a| a.ready.len() == 2),
        "ready on two days"
    );
}
