//! A driver for profiling the live engine without HTTP (see "Live server" in docs/performance.md):
//! creates WAITING workitems shaped as `benches/serve.sh` creates them (the sample flow, a `gen` center),
//! prints the heap's growth per waiting workitem as the process's RSS shows it, then times agent ready
//! → `offer` event inside the engine (subscribe, say ready, receive the offer, reject it) for SAMPLES
//! agents, as `benches/serve_offer.py` does over HTTP.
//!
//! `cargo run --release --example live_waiting -- CENTER [WAITING] [SAMPLES]` (defaults 20,000 and 200);
//! run it under `valgrind --tool=massif` or `--tool=callgrind` to see where the bytes and the
//! instructions go.

use routeflow::center::Center;
use routeflow::live::{AgentStateKind, ClockKind, Engine, NewWorkitem};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let center_path = args
        .first()
        .expect("usage: live_waiting CENTER [WAITING] [SAMPLES]");
    let waiting: usize = args.get(1).map_or(20_000, |n| n.parse().expect("WAITING"));
    let samples: usize = args.get(2).map_or(200, |n| n.parse().expect("SAMPLES"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let flow =
        routeflow::live::from_disk(&root.join("flows/gtr_sample.yaml")).expect("the sample loads");
    let center = Center::load(Path::new(center_path)).expect("the center loads");
    let agents: Vec<String> = center.agents().iter().map(|a| a.id.clone()).collect();
    let engine = Engine::start(flow, Arc::new(center), ClockKind::Test).expect("the engine starts");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let rss0 = rss_kb();
        let started = Instant::now();
        for n in 0..waiting {
            let id = format!("t{n}");
            let userdata = json!({ "GTR_level1": "Insurance", "caseNumber": format!("CS{n}") });
            let body = json!({ "id": id, "userdata": userdata });
            let new = NewWorkitem {
                id: Some(id),
                userdata: userdata.as_object().cloned().unwrap_or_default(),
                body,
                ..NewWorkitem::default()
            };
            engine.create(new).await.expect("created");
        }
        let created_in = started.elapsed();
        let rss1 = rss_kb();
        let queued: usize = engine
            .queues()
            .await
            .expect("queues")
            .iter()
            .map(|q| q.waiting)
            .sum();
        println!(
            "created {waiting} in {:.2} s ({:.1} µs each); {queued} waiting; RSS {rss0} -> {rss1} kB: {:.0} B per waiting workitem",
            created_in.as_secs_f64(),
            created_in.as_secs_f64() * 1e6 / waiting.max(1) as f64,
            (rss1.saturating_sub(rss0) * 1024) as f64 / queued.max(1) as f64
        );
        let mut latencies = Vec::new();
        for agent in agents.iter().take(samples) {
            let (_, mut events) = engine.subscribe(agent, None).await.expect("subscribed");
            let started = Instant::now();
            engine
                .set_agent_state(agent, AgentStateKind::Ready, None)
                .await
                .expect("ready");
            let Ok(event) = events.try_recv() else {
                continue; // matches nothing waiting
            };
            latencies.push(started.elapsed());
            if let Some(offer) = event.offer {
                engine.answer(&offer, false, None).await.expect("rejected");
            }
        }
        latencies.sort();
        let at = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1e6)
        };
        println!(
            "ready -> offer in the engine over {} agents: p50 {:.1} µs, p99 {:.1} µs",
            latencies.len(),
            at(0.5),
            at(0.99)
        );
    });
}
