//! The contact center file (SPEC §3.3): what a valid file becomes, and the located diagnostics every bad
//! one gets. One golden snapshot per case in `tests/center_cases/`; regenerate with
//! `INSTA_UPDATE=always cargo test --test center_file`, then review the diff.

use routeflow::center::{AgentIndex, Center, DEFAULT_HANDLE_S};
use routeflow::diagnostic::{Report, SourceFile};
use routeflow::skill::SkillExpression;
use std::path::Path;
use std::sync::Arc;

fn parse(text: &str) -> Center {
    let file = SourceFile::new("center.yaml", text);
    Center::parse(&file).unwrap_or_else(|diagnostics| {
        let mut report = Report::new();
        report.add(&Arc::new(file), diagnostics);
        panic!("the center should load:\n{}", report.render())
    })
}

/// Every diagnostic of `text`, rendered, with whether the center loaded.
fn diagnose(name: &str, text: &str) -> String {
    let file = Arc::new(SourceFile::new(name, text));
    let (center, diagnostics) = Center::read(&file);
    assert!(!diagnostics.is_empty(), "{name}: no diagnostic");
    for diagnostic in &diagnostics {
        assert!(
            diagnostic.help.is_some(),
            "{name}: no help in {diagnostic:?}"
        );
        assert!(
            diagnostic.span.end as usize <= file.text().len(),
            "{name}: span past the end: {diagnostic:?}"
        );
    }
    let has_errors = diagnostics.iter().any(|d| d.is_error());
    assert_eq!(center.is_none(), has_errors, "{name}: loads despite errors");
    let mut report = Report::new();
    report.add(&file, diagnostics);
    format!(
        "loads: {}\n{}",
        if has_errors { "no" } else { "yes" },
        report.render()
    )
}

#[test]
fn golden_cases() {
    insta::glob!("center_cases/*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        insta::assert_snapshot!(diagnose(&name, &text));
    });
}

fn ids(center: &Center, agents: &[AgentIndex]) -> Vec<String> {
    agents.iter().map(|&i| center[i].id.clone()).collect()
}

fn matching(center: &Center, expression: &str) -> Vec<String> {
    let expression = SkillExpression::parse(expression).expect("a valid skill expression");
    ids(center, &center.matching(&expression))
}

const SMALL: &str = "\
default_handle_s: 240.5
agents:
  - id: alice
    groups: [gold_group, workitems]
    skills: { english: 9, spanish: 3 }
    capacity: 1
    ready: [[0, 28800]]
  - id: bob
    groups: [workitems]
    skills: { english: 2 }
    capacity: 3
  - id: carol
";

#[test]
fn a_valid_center_reads_into_its_structure() {
    let center = parse(SMALL);
    assert_eq!(center.default_handle_s(), 240.5);
    assert_eq!(center.agents().len(), 3);

    let alice = &center[center.agent("alice").expect("alice")];
    assert_eq!(alice.id, "alice");
    let groups: Vec<&str> = alice.groups.iter().map(|&g| center.group_name(g)).collect();
    assert_eq!(groups, ["gold_group", "workitems"]);
    let skills: Vec<(&str, i64)> = alice.skills.named().collect();
    assert_eq!(skills, [("english", 9), ("spanish", 3)]);
    let english = center.skill("english").expect("english is interned");
    assert_eq!(alice.skills.get(english), Some(9));
    assert_eq!(center.skill_name(english), "english");
    assert_eq!(alice.capacity, 1);
    assert_eq!(alice.ready, [(0.0, 28800.0)]);

    let bob = &center[center.agent("bob").expect("bob")];
    assert_eq!(bob.capacity, 3);
    assert_eq!(bob.groups, [center.group("workitems").expect("group")]);
}

#[test]
fn omitted_properties_take_their_defaults() {
    let center = parse("agents:\n  - id: carol\n");
    assert_eq!(center.default_handle_s(), DEFAULT_HANDLE_S);
    assert_eq!(DEFAULT_HANDLE_S, 300.0);
    let carol = &center.agents()[0];
    assert!(carol.groups.is_empty());
    assert!(carol.skills.is_empty());
    assert_eq!(carol.capacity, 1);
    assert_eq!(carol.ready, [(0.0, f64::INFINITY)]);
    assert!(carol.is_ready_at(0.0) && carol.is_ready_at(1e9));

    // `null` is the same as leaving the property out.
    let center = parse("default_handle_s:\nagents:\n  - { id: dan, capacity: ~, ready: ~ }\n");
    assert_eq!(center.default_handle_s(), DEFAULT_HANDLE_S);
    assert_eq!(center.agents()[0].capacity, 1);
    assert_eq!(center.agents()[0].ready, [(0.0, f64::INFINITY)]);
}

#[test]
fn names_are_interned_once_per_center() {
    let center = parse(SMALL);
    assert_eq!(center.group_count(), 2);
    let workitems = center.group("workitems").expect("group");
    let alice = &center[center.agent("alice").expect("alice")];
    let bob = &center[center.agent("bob").expect("bob")];
    assert!(alice.groups.contains(&workitems) && bob.groups.contains(&workitems));
    assert_eq!(center.group("Workitems"), None, "names are case-sensitive");
    assert_eq!(center.group("nobody's_group"), None);
    assert_eq!(center.agent("dave"), None);
    assert_eq!(center.skill("french"), None);
}

#[test]
fn agents_in_group_are_in_file_order() {
    let center = parse(SMALL);
    let workitems = center.group("workitems").expect("group");
    assert_eq!(
        ids(&center, center.agents_in_group(workitems)),
        ["alice", "bob"]
    );
    let gold = center.group("gold_group").expect("group");
    assert_eq!(ids(&center, center.agents_in_group(gold)), ["alice"]);
}

#[test]
fn matching_finds_the_agents_a_skill_expression_selects_in_file_order() {
    let center = parse(SMALL);
    assert_eq!(matching(&center, "'english' > 7"), ["alice"]);
    assert_eq!(matching(&center, "english > 1"), ["alice", "bob"]);
    // An agent without a skill has level 0 in it.
    assert_eq!(matching(&center, "english < 3"), ["bob", "carol"]);
    assert_eq!(matching(&center, "spanish = 0"), ["bob", "carol"]);
    assert_eq!(matching(&center, "french > 0"), Vec::<String>::new());
    // Left to right, equal precedence.
    assert_eq!(
        matching(&center, "english > 5 | english = 2 & spanish > 1"),
        ["alice"]
    );
}

#[test]
fn ready_intervals_are_sorted_and_touching_ones_merged() {
    let center = parse("agents:\n  - id: a\n    ready: [[7200, 9000], [0, 3600], [3600, 5400]]\n");
    assert_eq!(center.agents()[0].ready, [(0.0, 5400.0), (7200.0, 9000.0)]);
    let a = &center.agents()[0];
    assert!(a.is_ready_at(3600.0) && !a.is_ready_at(5400.0) && a.is_ready_at(8000.0));
}

#[test]
fn times_are_read_to_the_microsecond_and_intervals_touching_then_merged() {
    let file = SourceFile::new(
        "center.yaml",
        "default_handle_s: 0.0000006\nagents:\n  - id: a\n    ready: [[0, 10.0000001], [10.0000002, 20]]\n",
    );
    let (center, diagnostics) = Center::read(&file);
    let center = center.expect("a warning does not stop the center loading");
    assert_eq!(center.default_handle_s(), 0.000001);
    assert_eq!(center.agents()[0].ready, [(0.0, 20.0)]);
    assert_eq!(diagnostics.len(), 1, "one warning for all the finer times");
    assert!(!diagnostics[0].is_error());
}

#[test]
fn overlapping_ready_intervals_load_merged_with_a_warning() {
    let file = SourceFile::new(
        "center.yaml",
        "agents:\n  - id: a\n    ready: [[0, 100], [50, 200], [300, .inf]]\n",
    );
    let (center, diagnostics) = Center::read(&file);
    let center = center.expect("a warning does not stop the center loading");
    assert_eq!(
        center.agents()[0].ready,
        [(0.0, 200.0), (300.0, f64::INFINITY)]
    );
    assert_eq!(diagnostics.len(), 1);
    assert!(!diagnostics[0].is_error());
    assert!(Center::parse(&file).is_ok());
}

#[test]
fn the_shipped_center_loads_and_suits_the_sample_flow() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows/center.yaml");
    let loaded = routeflow::center::load(&path);
    assert!(loaded.report.is_empty(), "{}", loaded.report.render());
    let center = loaded.center.expect("flows/center.yaml loads");
    assert_eq!(center.default_handle_s(), 300.0);
    for group in ["bronze_group", "gold_group", "workitems"] {
        let group = center.group(group).expect("the sample flow's groups exist");
        assert!(!center.agents_in_group(group).is_empty());
    }
    // Each threshold of the sample table has agents above it and agents at or below it.
    for threshold in [1, 3, 7] {
        let above = matching(&center, &format!("'english' > {threshold}"));
        assert!(!above.is_empty() && above.len() < center.agents().len());
    }
    assert!(center.agents().iter().any(|a| a.capacity == 2));
    assert!(center.agents().iter().any(|a| a.ready.len() > 1));
    assert_eq!(
        Center::load(&path).map(|c| c.agents().len()).ok(),
        Some(center.agents().len())
    );
}

#[test]
fn an_unreadable_file_is_reported_by_name() {
    let report = Center::load(Path::new("no/such/center.yaml")).expect_err("no file");
    assert_eq!(report.errors(), 1);
    assert!(
        report
            .render()
            .starts_with("no/such/center.yaml: error: cannot read the center file:"),
        "{}",
        report.render()
    );
}

#[test]
fn a_file_that_is_not_utf8_is_located() {
    let path = std::env::temp_dir().join(format!("routeflow-center-{}.yaml", std::process::id()));
    std::fs::write(&path, b"agents:\n  - id: al\xffice\n").expect("temp file");
    let report = Center::load(&path).expect_err("not UTF-8");
    let _ = std::fs::remove_file(&path);
    let text = report.render();
    assert!(
        text.contains(":2:11: error: the center file is not UTF-8 text"),
        "{text}"
    );
}

#[test]
fn a_byte_order_mark_is_allowed() {
    let center = parse("\u{feff}agents:\n  - id: alice\n");
    assert_eq!(center.agents()[0].id, "alice");
}
