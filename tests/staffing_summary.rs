//! What a replay's summary tells staffing decisions (issue 17, item 5): per Route block and target,
//! offered, routed, timed out, stopped, average and p90 wait; per agent group, occupancy (busy time over
//! ready time). Checked against numbers worked out by hand for `tests/staffing_cases`:
//!
//! - w1 arrives at 10: ann (group a) takes it at once, done at 110.
//! - w2 arrives at 20: ann is busy; it waits in `route_a` until ann is done, routed at 110 (wait 90),
//!   done at 210. ann's ready interval ends at 150, but she finishes w2.
//! - w3 arrives at 30 and is stopped at 50 while waiting in `route_a`.
//! - w4 arrives at 135: ann is busy, then no longer ready; `route_a` times out at 255, and bea (group b,
//!   capacity 2, always ready) takes it in `route_b` (wait 120, from its arrival), done at 355.
//!
//! Time is measured from the first arrival (10) to the end of the replay (355). ann is busy 200 s and
//! could work 200 s (ready 10–150, then working w2 until 210): 100 %. bea could work 2 × 345 = 690 s and
//! worked 100 s.

use std::process::Command;

fn summary() -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().expect("a scratch directory");
    let path = dir.path().join("summary.json");
    let output = Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["replay", "tests/staffing_cases/flow.yaml"])
        .args(["--center", "tests/staffing_cases/center.yaml"])
        .args(["--workitems", "tests/staffing_cases/workitems.jsonl"])
        .args(["--summary", path.to_str().expect("a UTF-8 path")])
        .output()
        .expect("routeflow runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let text = std::fs::read_to_string(&path).expect("the summary file");
    (serde_json::from_str(&text).expect("JSON"), stderr)
}

#[test]
fn route_blocks_report_how_their_requests_ended_and_their_waits() {
    let (json, stderr) = summary();
    let blocks = json["route_blocks"].as_array().expect("a list");
    let facts: Vec<serde_json::Value> = blocks
        .iter()
        .map(|b| {
            serde_json::json!([
                b["block"],
                b["kind"],
                b["offered"],
                b["routed"],
                b["timed_out"],
                b["stopped"],
                b["rejected"],
                b["wait_s"]["mean"],
                b["wait_s"]["p90"]
            ])
        })
        .collect();
    assert_eq!(
        facts,
        [
            serde_json::json!(["route_a", "agent_group", 4, 2, 1, 1, 0, 45.0, 90.0]),
            serde_json::json!(["route_b", "agent_group", 1, 1, 0, 0, 0, 120.0, 120.0]),
        ]
    );
    let target = &blocks[0]["targets"][0];
    assert_eq!(target["value"], "a");
    assert_eq!(
        (&target["offered"], &target["stopped"]),
        (&4.into(), &1.into())
    );
    assert!(
        stderr.contains(
            "  route_a                  4        2         1        1        0    45.0 s    90.0 s\n"
        ),
        "{stderr}"
    );
}

#[test]
fn agent_groups_report_occupancy_over_the_replay() {
    let (json, stderr) = summary();
    assert_eq!(
        json["occupancy_measured_s"],
        serde_json::json!({"from": 10.0, "to": 355.0})
    );
    let groups: Vec<serde_json::Value> = json["agent_groups"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|g| serde_json::json!([g["group"], g["agents"], g["busy_s"], g["ready_s"]]))
        .collect();
    assert_eq!(
        groups,
        [
            serde_json::json!(["a", 1, 200.0, 200.0]),
            serde_json::json!(["b", 1, 100.0, 690.0]),
        ]
    );
    assert_eq!(json["agent_groups"][0]["occupancy"], 1.0);
    assert_eq!(json["agents"]["busy_s"], 300.0);
    assert_eq!(json["agents"]["ready_s"], 890.0);
    assert!(
        stderr.contains("  b             1 agent   14.5%  busy 100.0 s of 690.0 s\n"),
        "{stderr}"
    );
}

/// The fields the summary had before these were added are still there, with the same meaning.
#[test]
fn the_earlier_summary_fields_are_kept() {
    let (json, _) = summary();
    assert_eq!(json["workitems"], 4);
    assert_eq!(json["outcomes"]["stopped"], 1);
    assert_eq!(
        json["routed_by_block"],
        serde_json::json!({"route_a": 2, "route_b": 1})
    );
    assert_eq!(json["wait_s"]["p50"], 90.0);
    assert!(json["service_level"].is_object() && json["warnings"] == 0);
}

/// A target computed from a secure variable shows in the summary as outcomes show it: masked.
#[test]
fn a_secret_target_is_masked_in_the_summary() {
    let dir = tempfile::tempdir().expect("a scratch directory");
    let flow = dir.path().join("secret.yaml");
    std::fs::write(
        &flow,
        "application: secret\nvariables:\n  team: { default: \"'hidden_team'\", secure: true }\n\
         phases:\n  assisted_service:\n    - id: route_team\n      type: route\n\
         \x20     target: { agent_group: \"team\" }\n      timeout: \"120\"\n",
    )
    .expect("the flow written");
    let summary = dir.path().join("summary.json");
    let output = Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("replay")
        .arg(&flow)
        .args(["--center", "tests/staffing_cases/center.yaml"])
        .args(["--workitems", "tests/staffing_cases/workitems.jsonl"])
        .arg("--summary")
        .arg(&summary)
        .output()
        .expect("routeflow runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    // (`check`'s warning about the group quotes the flow's own line; the summary shows no value.)
    let shown = stderr.split("4 workitems").nth(1).unwrap_or_default();
    assert!(shown.contains("agent_group \"****\""), "{stderr}");
    assert!(!shown.contains("hidden_team"), "{stderr}");
    let text = std::fs::read_to_string(&summary).expect("the summary file");
    assert!(!text.contains("hidden_team"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(json["route_blocks"][0]["targets"][0]["value"], "****");
}
