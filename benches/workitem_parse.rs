//! Reading workitems from JSON Lines (SPEC §3.4, §7): 100,000 generated lines shaped like a replay of the
//! sample flow, read from memory.
//!
//! Every contender reads lines the same way (`BufRead::read_until` into one reused buffer), so the numbers
//! differ only in what is done with a line:
//! - `split_lines_only`: nothing, the floor for any reader;
//! - `routeflow_reader`: [`WorkitemReader`], checks, defaults and warnings (repeated ids too) included;
//! - `serde_json_value`: `serde_json::from_slice::<serde_json::Value>`, the usual untyped way;
//! - `serde_derive_struct`: `#[derive(Deserialize)]` into a struct of owned fields, the usual typed way
//!   (no checks, no warnings, first error only).

use std::hint::black_box;
use std::io::BufRead;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use indexmap::IndexMap;
use routeflow::workitem::WorkitemReader;
use serde::Deserialize;

const LINES: usize = 100_000;

/// Lines as `routeflow gen` would write them for the sample flow: the classification in user data, a few
/// overrides, a customer id, times in milliseconds, half the lines with their own handling time.
fn lines() -> String {
    let mut rng = fastrand::Rng::with_seed(1);
    let mut text = String::with_capacity(LINES * 200);
    let mut arrive_ms: u64 = 0;
    for i in 0..LINES {
        arrive_ms += rng.u64(0..500);
        let arrive_s = arrive_ms as f64 / 1000.0;
        let level1 = ["Insurance", "Banking", "Retail"][rng.usize(..3)];
        let level2 = ["Health", "Auto", "Home", "Loans"][rng.usize(..4)];
        let segment = ["Bronze", "Silver", "Gold"][rng.usize(..3)];
        text.push_str(&format!("{{\"id\":\"w{i:07}\",\"arrive_s\":{arrive_s}"));
        if rng.u8(..10) == 0 {
            text.push_str(&format!(",\"priority\":{}", rng.u8(1..6)));
        }
        if rng.bool() {
            text.push_str(&format!(",\"handle_s\":{}", rng.u16(60..900)));
        }
        match rng.u8(..10) {
            0..=6 => text.push_str(",\"stop_s\":null"),
            7 => text.push_str(&format!(",\"stop_s\":{}", arrive_s + 600.0)),
            _ => {}
        }
        text.push_str(&format!(
            ",\"userdata\":{{\"GTR_level1\":\"{level1}\",\"GTR_level2\":\"{level2}\",\"CustomerSegment\":\"{segment}\",\"CustomerId\":\"C{:06}\"",
            rng.u32(..1_000_000)
        ));
        match rng.u8(..20) {
            0 => text.push_str(",\"GTR_requestedAgent\":\"alice\""),
            1 => text.push_str(",\"GTR_skillExpression\":\"'english' > 5\""),
            2 => text.push_str(",\"GTR_requestedAgentGroup\":\"gold_group\""),
            _ => {}
        }
        text.push_str("}}\n");
    }
    text
}

/// Call `each` with every line of `text`, read as the workitem reader reads them.
fn for_each_line(text: &str, mut each: impl FnMut(&[u8])) {
    let mut input = text.as_bytes();
    let mut buffer = Vec::with_capacity(256);
    loop {
        buffer.clear();
        match input.read_until(b'\n', &mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(_) => each(&buffer),
        }
    }
}

/// The workitem as a derived struct would read it.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Derived {
    id: String,
    #[serde(default)]
    arrive_s: f64,
    #[serde(default)]
    priority: i64,
    handle_s: Option<f64>,
    stop_s: Option<f64>,
    userdata: IndexMap<String, String>,
}

fn bench(c: &mut Criterion) {
    let text = lines();
    let read = WorkitemReader::new(text.as_bytes())
        .filter(|line| line.as_ref().is_ok_and(|line| line.item.is_ok()))
        .count();
    assert_eq!(read, LINES);
    println!(
        "{LINES} lines, {:.0} bytes per line on average",
        text.len() as f64 / LINES as f64
    );

    let mut group = c.benchmark_group("workitem_parse");
    group.throughput(Throughput::Elements(LINES as u64));
    group.sample_size(20);
    group.bench_function("split_lines_only", |b| {
        b.iter(|| {
            let mut bytes = 0;
            for_each_line(&text, |line| bytes += line.len());
            black_box(bytes)
        })
    });
    group.bench_function("routeflow_reader", |b| {
        b.iter(|| {
            let mut reader = WorkitemReader::new(text.as_bytes());
            for line in reader.by_ref() {
                black_box(line.ok());
            }
            black_box(reader.warnings())
        })
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| {
            for_each_line(&text, |line| {
                black_box(serde_json::from_slice::<serde_json::Value>(line).ok());
            })
        })
    });
    group.bench_function("serde_derive_struct", |b| {
        b.iter(|| {
            for_each_line(&text, |line| {
                black_box(serde_json::from_slice::<Derived>(line).ok());
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
