//! Evaluation of the sample flow's Segmentation conditions, compiled once, against the same decision
//! written by hand in Rust over the same frame of values (the baseline, measured in the same run).
//!
//! `cargo bench --bench expressions`

use criterion::{Criterion, criterion_group, criterion_main};
use routeflow::expr::{Scope, Value, compile};
use std::hint::black_box;

const NAMES: [&str; 5] = [
    "requestedAgent",
    "skillExpression",
    "requestedAgentGroup",
    "isSearchValid",
    "searchRowsCount",
];

fn frame() -> Vec<Value> {
    vec![
        Value::from(""),
        Value::from(""),
        Value::from(""),
        Value::Bool(false),
        Value::Number(1.0),
    ]
}

/// A condition written by hand in Rust: the baseline.
type ByHand = fn(&[Value]) -> bool;

fn none_requested(frame: &[Value]) -> bool {
    [&frame[0], &frame[1], &frame[2]]
        .iter()
        .all(|v| v.as_str() == Some(""))
}

fn search_invalid(frame: &[Value]) -> bool {
    frame[3].as_bool() == Some(false) || frame[4].as_number() != Some(1.0)
}

fn conditions(c: &mut Criterion) {
    let scope = Scope::with_names(NAMES);
    let frame = frame();
    let cases: [(&str, &str, ByHand); 2] = [
        (
            "none_requested",
            "requestedAgent == '' && skillExpression == '' && requestedAgentGroup == ''",
            none_requested,
        ),
        (
            "search_invalid",
            "!isSearchValid || searchRowsCount != 1",
            search_invalid,
        ),
    ];
    for (name, source, by_hand) in cases {
        let expression = compile(source, &scope).expect("compiles");
        assert_eq!(expression.eval_bool(&frame).unwrap(), by_hand(&frame));
        let mut group = c.benchmark_group(name);
        group.bench_function("routeflow", |b| {
            b.iter(|| expression.eval_bool(black_box(&frame)))
        });
        group.bench_function("rust_by_hand", |b| b.iter(|| by_hand(black_box(&frame))));
        group.finish();
    }
}

fn compile_once(c: &mut Criterion) {
    let scope = Scope::with_names(NAMES);
    c.bench_function("compile/none_requested", |b| {
        b.iter(|| {
            compile(
                black_box(
                    "requestedAgent == '' && skillExpression == '' && requestedAgentGroup == ''",
                ),
                &scope,
            )
        })
    });
}

criterion_group!(benches, conditions, compile_once);
criterion_main!(benches);
