//! Coverage (docs/coverage.md): per block, the workitems that entered it and how they left it, in
//! `--summary` JSON and on the `--coverage` page. Goldens: `tests/snapshots/coverage__*.snap` (regenerate
//! with `INSTA_UPDATE=always cargo test --test coverage`, then read every changed snapshot).

mod gen_support;

use gen_support::{generate, routeflow};
use proptest::prelude::*;
use routeflow::center::Center;
use routeflow::coverage::{Coverage, ExitKind};
use routeflow::diagnostic::SourceFile;
use routeflow::flow::load;
use routeflow::graph::Edge;
use routeflow::replay::{Kind, Options, Outcome, replay};
use routeflow::runtime::Runner;
use routeflow::workitem::WorkitemReader;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The JSON a coverage page embeds for tools.
fn page_data(page: &str) -> Value {
    let open = r#"<script type="application/json" id="coverage">"#;
    let start = page.find(open).expect("the page embeds its data") + open.len();
    let end = start + page[start..].find("</script>").expect("the element ends");
    serde_json::from_str(&page[start..end]).expect("the embedded data is JSON")
}

/// Replay `flow` with `workitems` (paths from the repository root) against `center`, writing the page
/// and the summary into `dir`: the page and the summary's JSON.
fn replay_with_coverage(flow: &str, center: &str, workitems: &str, dir: &Path) -> (String, Value) {
    let page = dir.join("coverage.html");
    let summary = dir.join("summary.json");
    let (page_arg, summary_arg) = (page.to_string_lossy(), summary.to_string_lossy());
    let output = routeflow(&[
        "replay",
        flow,
        "--center",
        center,
        "--workitems",
        workitems,
        "--out",
        &dir.join("outcomes.jsonl").to_string_lossy(),
        "--coverage",
        &page_arg,
        "--summary",
        &summary_arg,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_str(&text(&summary)).expect("the summary is JSON");
    (text(&page), summary)
}

/// Every block's exits add up to the workitems that entered it, and none is left waiting.
fn assert_exits_add_up(coverage: &Value) {
    for block in coverage["by_block"].as_array().expect("blocks") {
        let exits = block["exits"].as_array().expect("exits");
        let left: u64 = exits.iter().map(|e| e["count"].as_u64().unwrap_or(0)).sum();
        assert_eq!(block["entered"].as_u64(), Some(left), "{block}");
        assert!(exits.iter().all(|e| e["exit"] != "waiting"), "{block}");
    }
}

#[test]
fn the_sample_on_a_generated_workload_is_covered_as_recorded() {
    let generated = generate(&["--workitems", "400", "--agents", "12", "--seed", "17"]);
    let dir = generated.path();
    let center = dir.join("center.yaml");
    let workitems = dir.join("workitems.jsonl");
    let (page, summary) = replay_with_coverage(
        "flows/gtr_sample.yaml",
        &center.to_string_lossy(),
        &workitems.to_string_lossy(),
        dir,
    );
    let data = page_data(&page);
    let flows = data["flows"].as_array().expect("a list of flows");
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0]["flow"], "flows/gtr_sample.yaml");
    // The page and the summary hold the same numbers.
    assert_eq!(flows[0]["coverage"], summary["coverage"]);
    let coverage = &summary["coverage"];
    assert_eq!(coverage["workitems"], 400);
    assert_exits_add_up(coverage);
    insta::assert_snapshot!(
        "sample_generated_400_seed_17",
        serde_json::to_string_pretty(coverage).unwrap_or_default()
    );
}

#[test]
fn the_page_is_self_contained_with_drawing_table_and_data() {
    let scratch = scratch();
    let dir = scratch.path();
    let (page, _) = replay_with_coverage(
        "flows/gtr_sample.yaml",
        "flows/center.yaml",
        "flows/workitems.jsonl",
        dir,
    );
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<svg"), "no drawing");
    assert!(
        !page.contains("<?xml"),
        "the SVG's XML declaration is left in"
    );
    assert!(page.contains("<table>") && page.contains("<code>route_skill</code>"));
    assert!(
        page.contains("entered 300 (100%)"),
        "no counts on the drawing"
    );
    assert!(page.contains(r#"id="coverage""#));
    // Nothing fetched: no address but the SVG namespace, no external script, style or font.
    let without_namespace = page.replace("http://www.w3.org/2000/svg", "");
    assert!(!without_namespace.contains("http://"), "an address");
    assert!(!without_namespace.contains("https://"), "an address");
    for external in ["<script src", "<link", "@import", "src="] {
        assert!(!page.contains(external), "{external}");
    }
    // The drawing's arrowheads are the only `url(…)`s, and they point inside the page.
    assert!(page.contains("url(#"));
    assert!(!page.replace("url(#", "").contains("url("));
}

#[test]
fn blocks_never_reached_and_ways_of_ending_in_a_block_are_reported() {
    let scratch = scratch();
    let dir = scratch.path();
    let (page, summary) = replay_with_coverage(
        "tests/replay_cases/blocks.yaml",
        "tests/replay_cases/center.yaml",
        "tests/coverage_cases/blocks.jsonl",
        dir,
    );
    let coverage = &summary["coverage"];
    assert_exits_add_up(coverage);
    assert_eq!(coverage["unreached"], serde_json::json!(["set_vip"]));
    assert!(page.contains("Never reached: <code>set_vip</code>"));
    assert!(page.contains(r#"<tr class="unreached"><td><code>set_vip</code>"#));
    insta::assert_snapshot!(
        "blocks",
        serde_json::to_string_pretty(coverage).unwrap_or_default()
    );
    let stderr = routeflow(&[
        "replay",
        "tests/replay_cases/blocks.yaml",
        "--center",
        "tests/replay_cases/center.yaml",
        "--workitems",
        "tests/coverage_cases/blocks.jsonl",
    ])
    .stderr;
    let stderr = String::from_utf8_lossy(&stderr);
    assert!(
        stderr.contains("coverage: 6 of 7 blocks reached; never reached: set_vip\n"),
        "{stderr}"
    );
}

#[test]
fn a_flow_of_501_blocks_gets_its_drawing_and_its_table() {
    let scratch = scratch();
    let dir = scratch.path();
    let mut flow = String::from("application: large\nphases:\n  initialize:\n");
    for i in 0..501 {
        flow.push_str(&format!(
            "    - {{ id: log_{i}, type: log, message: \"'x'\" }}\n"
        ));
    }
    let path = dir.join("large.yaml");
    std::fs::write(&path, flow).expect("the flow is written");
    let (page, summary) = replay_with_coverage(
        &path.to_string_lossy(),
        "tests/replay_cases/center.yaml",
        "tests/replay_cases/workitems.jsonl",
        dir,
    );
    // The layout draws flows of any size (it once stopped at 500 blocks).
    assert!(page.contains("<svg"));
    assert!(page.contains("data-block=\"log_500\""));
    assert!(page.contains("<code>log_500</code>"));
    assert_eq!(summary["coverage"]["reached"], 501);
}

#[test]
fn an_unwritable_coverage_path_is_an_error_not_a_panic() {
    let scratch = scratch();
    let dir = scratch.path();
    for path in [
        dir.join("missing/coverage.html"),
        dir.to_path_buf(), // a directory
    ] {
        let path = path.to_string_lossy().into_owned();
        let output = routeflow(&[
            "replay",
            "flows/gtr_sample.yaml",
            "--center",
            "flows/center.yaml",
            "--workitems",
            "flows/workitems.jsonl",
            "--out",
            &dir.join("outcomes.jsonl").to_string_lossy(),
            "--coverage",
            &path,
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(&format!("error: {path}: ")), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// A workitem for the `blocks` flow: what its `amount` says (or a bad line), when it arrives, how long
/// it is handled, and how long after it arrived it is stopped.
#[derive(Debug, Clone)]
struct Workitem {
    amount: Option<u8>,
    arrive_s: u16,
    handle_s: u16,
    stop_s: Option<u16>,
}

fn workitem() -> impl Strategy<Value = Workitem> {
    (
        prop::option::weighted(0.95, 0u8..5),
        0u16..600,
        1u16..400,
        prop::option::of(0u16..700),
    )
        .prop_map(|(amount, arrive_s, handle_s, stop_s)| Workitem {
            amount,
            arrive_s,
            handle_s,
            stop_s,
        })
}

fn line(n: usize, w: &Workitem) -> String {
    let Some(amount) = w.amount else {
        return format!("{{\"id\":\"w{n}\",\"userdata\":");
    };
    let amount = ["x", "vip", "slow", "finish", "5"][usize::from(amount)];
    let stop = w
        .stop_s
        .map_or("null".to_owned(), |s| (w.arrive_s + s).to_string());
    format!(
        "{{\"id\":\"w{n}\",\"arrive_s\":{},\"handle_s\":{},\"stop_s\":{stop},\"userdata\":{{\"amount\":\"{amount}\"}}}}",
        w.arrive_s, w.handle_s
    )
}

/// The exits of every block of `coverage` of `kind`, summed.
fn left_by(coverage: &Coverage, kind: ExitKind) -> u64 {
    coverage
        .blocks
        .iter()
        .flat_map(|b| &b.exits)
        .filter(|e| e.kind == kind)
        .map(|e| e.count)
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// For any workload: every block's exits add up to its entries (nobody is left waiting when a replay
    /// ends), every workitem that ran entered the first block, and the ways workitems ended agree with
    /// their outcomes.
    #[test]
    fn exits_add_up_to_entries_and_agree_with_outcomes(
        workitems in prop::collection::vec(workitem(), 1..40),
        agents in 1usize..3,
    ) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let flow = load(&root.join("tests/replay_cases/blocks.yaml")).flow.expect("the flow loads");
        let runner = Arc::new(Runner::new(Arc::new(flow)));
        let center: String = (0..agents)
            .map(|a| format!("  - {{ id: a{a}, groups: [pool] }}\n"))
            .collect();
        let file = SourceFile::new("center.yaml", format!("agents:\n{center}"));
        let center = Arc::new(Center::parse(&file).expect("a valid center"));
        let input: String = workitems.iter().enumerate().map(|(n, w)| line(n, w) + "\n").collect();
        let mut outcomes: Vec<Outcome> = Vec::new();
        let replayed = replay(
            runner,
            center,
            WorkitemReader::new(input.as_bytes()),
            Options::default(),
            &mut |outcome| outcomes.push(outcome),
        )
        .expect("the replay runs");
        let coverage = &replayed.coverage;
        let ran = workitems.iter().filter(|w| w.amount.is_some()).count() as u64;
        prop_assert_eq!(coverage.workitems, ran);
        prop_assert_eq!(coverage.blocks[0].entered, ran);
        for block in &coverage.blocks {
            let left: u64 = block.exits.iter().map(|e| e.count).sum();
            prop_assert_eq!(block.entered, left, "{:?}", block);
            prop_assert!(block.exits.iter().all(|e| e.kind != ExitKind::Waiting), "{:?}", block);
        }
        let count = |kind: Kind| outcomes.iter().filter(|o| o.kind == kind).count() as u64;
        let bad_lines = workitems.len() as u64 - ran;
        prop_assert_eq!(left_by(coverage, ExitKind::Error), count(Kind::Error) - bad_lines);
        prop_assert_eq!(left_by(coverage, ExitKind::Stopped), count(Kind::Stopped));
        let routed = outcomes.iter().filter(|o| o.agent.is_some()).count() as u64;
        prop_assert_eq!(left_by(coverage, ExitKind::Routed), routed);
        // `amount: finish` takes the `finish` block, and only that does.
        let finish = workitems.iter().filter(|w| w.amount == Some(3)).count() as u64;
        prop_assert_eq!(left_by(coverage, ExitKind::Finish), finish);
    }
}

#[test]
fn test_suites_report_the_coverage_of_each_flow_over_all_their_cases() {
    let scratch = scratch();
    let page = scratch.path().join("coverage.html");
    let output = routeflow(&[
        "test",
        "tests/flows/vip.yaml",
        "tests/flows/cascades.yaml",
        "--coverage",
        &page.to_string_lossy(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("\nflows/gtr_sample.yaml coverage: 19 of 19 blocks reached\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nflows/gtr_vip.yaml coverage: 19 of 21 blocks reached; never reached: "),
        "{stdout}"
    );
    let data = page_data(&text(&page));
    let flows: Vec<&str> = data["flows"]
        .as_array()
        .expect("a list of flows")
        .iter()
        .map(|f| f["flow"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(flows, ["flows/gtr_vip.yaml", "flows/gtr_sample.yaml"]);
    for flow in data["flows"].as_array().into_iter().flatten() {
        assert_exits_add_up(&flow["coverage"]);
    }
    let unwritable = scratch.path().join("missing/coverage.html");
    let unwritable = unwritable.to_string_lossy();
    let output = routeflow(&["test", "tests/flows/vip.yaml", "--coverage", &unwritable]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("error: {unwritable}: ")),
        "{stderr}"
    );
}

#[test]
fn a_rejected_target_is_counted_apart_from_timeouts_and_drawn_on_the_timed_out_edge() {
    let scratch = scratch();
    let (page, summary) = replay_with_coverage(
        "tests/coverage_cases/rejected.yaml",
        "tests/replay_cases/center.yaml",
        "tests/coverage_cases/rejected.jsonl",
        scratch.path(),
    );
    let coverage = &summary["coverage"];
    assert_exits_add_up(coverage);
    let route_skill = &coverage["by_block"][1];
    assert_eq!(route_skill["block"], "route_skill");
    let exits: Vec<(&str, u64)> = route_skill["exits"]
        .as_array()
        .expect("exits")
        .iter()
        .map(|e| {
            (
                e["exit"].as_str().unwrap_or_default(),
                e["count"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        exits,
        [
            ("routed", 0),
            ("timed_out", 1),
            ("rejected", 1),
            ("stopped", 0)
        ]
    );
    assert_eq!(coverage["by_block"][2]["entered"], 2);
    assert!(page.contains("routed 0 · timed out 1 · rejected 1 · stopped 0"));
    // Both went along the timed-out edge: its note on the drawing counts them both.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let flow = load(&root.join("tests/coverage_cases/rejected.yaml"))
        .flow
        .expect("the flow loads");
    let file = SourceFile::new("center.yaml", "agents: [ { id: ann, groups: [pool] } ]");
    let center = Arc::new(Center::parse(&file).expect("a valid center"));
    let input = text(&root.join("tests/coverage_cases/rejected.jsonl"));
    let flow = Arc::new(flow);
    let replayed = replay(
        Arc::new(Runner::new(flow.clone())),
        center,
        WorkitemReader::new(input.as_bytes()),
        Options::default(),
        &mut |_| {},
    )
    .expect("the replay runs");
    let notes = replayed.coverage.notes();
    let graph = &flow.graph.graph;
    let timed_out = graph
        .edge_indices()
        .find(|&e| {
            graph[e] == Edge::TimedOut
                && graph
                    .edge_endpoints(e)
                    .and_then(|(from, _)| flow.graph.block(from))
                    .is_some_and(|b| &*b.id == "route_skill")
        })
        .expect("route_skill's timed-out edge");
    assert_eq!(
        notes.edges.get(&timed_out).map(String::as_str),
        Some("2 (100%)")
    );
}
