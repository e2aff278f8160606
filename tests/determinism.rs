//! Replays are deterministic (SPEC §5.3): the same flow, center and workitems always give byte-identical
//! outcome lines, whatever tokio does. A busy workload with every routing rule in play (waits, priorities,
//! stops, capacity, ready intervals, bad lines) is replayed several times and compared byte for byte.

use routeflow::center::Center;
use routeflow::flow::load;
use routeflow::replay::{Options, replay};
use routeflow::runtime::Runner;
use routeflow::workitem::WorkitemReader;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

/// Workitems for the sample flow: classifications, overrides, priorities, stops, handle times, some
/// arriving at the same instant, and a few bad lines.
fn workload(seed: u64, count: usize) -> String {
    let mut rng = fastrand::Rng::with_seed(seed);
    let segments = ["Gold", "Bronze", "Silver"];
    let agents = ["alice", "bob", "ivan", "nobody"];
    let mut out = String::new();
    let mut arrive = 0.0;
    for i in 0..count {
        if rng.u8(..10) < 7 {
            arrive += f64::from(rng.u16(..40));
        }
        if rng.u16(..100) == 0 {
            out.push_str("{not json\n");
            continue;
        }
        let mut userdata = format!(
            r#""GTR_level1":"Insurance","GTR_level2":"Health","CustomerSegment":"{}""#,
            segments[rng.usize(..segments.len())]
        );
        if rng.u8(..10) == 0 {
            let _ = write!(
                userdata,
                r#","GTR_requestedAgent":"{}""#,
                agents[rng.usize(..agents.len())]
            );
        }
        let _ = write!(
            out,
            r#"{{"id":"w{i}","arrive_s":{arrive},"priority":{},"handle_s":{}"#,
            rng.i64(0..3),
            rng.u16(30..900)
        );
        if rng.u8(..10) == 0 {
            let _ = write!(out, r#","stop_s":{}"#, arrive + f64::from(rng.u16(..400)));
        }
        let _ = writeln!(out, r#","userdata":{{{userdata}}}}}"#);
    }
    out
}

fn outcomes(runner: &Arc<Runner>, center: &Arc<Center>, input: &str, trace: bool) -> String {
    let mut out = String::new();
    replay(
        runner.clone(),
        center.clone(),
        WorkitemReader::new(input.as_bytes()),
        Options { trace },
        &mut |outcome| outcome.write_json(&mut out),
    )
    .expect("an in-memory replay reads");
    out
}

#[test]
fn the_same_inputs_give_byte_identical_outcomes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let flow = load(&root.join("flows/gtr_sample.yaml"))
        .flow
        .expect("the sample loads");
    let runner = Arc::new(Runner::new(Arc::new(flow)));
    let center = Arc::new(Center::load(&root.join("flows/center.yaml")).expect("the center loads"));
    let input = workload(7, 3000);
    for trace in [false, true] {
        let first = outcomes(&runner, &center, &input, trace);
        assert_eq!(first.lines().count(), input.lines().count());
        for kind in ["\"routed\"", "\"unrouted\"", "\"stopped\"", "\"error\""] {
            assert!(first.contains(kind), "the workload has {kind} outcomes");
        }
        for _ in 0..3 {
            assert!(first == outcomes(&runner, &center, &input, trace));
        }
        // A fresh runner and center (nothing cached from earlier replays) give the same too.
        let flow = load(&root.join("flows/gtr_sample.yaml"))
            .flow
            .expect("loads");
        let again = Arc::new(Runner::new(Arc::new(flow)));
        let center_again = Arc::new(Center::load(&root.join("flows/center.yaml")).expect("loads"));
        assert!(first == outcomes(&again, &center_again, &input, trace));
    }
}
