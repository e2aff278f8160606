//! Matching compiled skill expressions against 2,000 generated agents (SPEC §5.2, §7).
//!
//! Each agent is a `HashMap<String, i64>` of 0–4 skills from a pool of 10, generated from a fixed seed.
//! `baseline/read_one_skill` only looks one skill up per agent, so the expression benchmarks can be read as
//! a multiple of the unavoidable cost of asking an agent for a level.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use routeflow::skill::SkillExpression;

const AGENTS: usize = 2_000;
const POOL: [&str; 10] = [
    "english", "spanish", "french", "german", "billing", "claims", "sales", "support", "vip",
    "chat",
];

fn agents() -> Vec<HashMap<String, i64>> {
    let mut rng = fastrand::Rng::with_seed(1);
    (0..AGENTS)
        .map(|_| {
            let count = rng.usize(0..=4);
            (0..count)
                .map(|_| (POOL[rng.usize(..POOL.len())].to_owned(), rng.i64(1..=10)))
                .collect()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let agents = agents();
    let mut group = c.benchmark_group("skill_matching_2000_agents");
    group.throughput(Throughput::Elements(AGENTS as u64));

    group.bench_function("baseline/read_one_skill", |b| {
        b.iter(|| {
            black_box(&agents)
                .iter()
                .filter(|agent| agent.get("english").copied().unwrap_or(0) > 7)
                .count()
        })
    });

    for source in [
        "'english' > 7",
        "english >= 3 & (spanish > 5 | french > 5)",
        "english > 1 | spanish > 1 | french > 1 | german > 1 & vip = 0",
    ] {
        let expr = SkillExpression::parse(source).expect("benchmark expressions are valid");
        group.bench_function(format!("match/{source}"), |b| {
            b.iter(|| {
                black_box(&agents)
                    .iter()
                    .filter(|agent| expr.matches(*agent))
                    .count()
            })
        });
    }

    group.finish();

    // Parsing happens once per flow load or per computed expression, not per agent; shown for scale.
    c.bench_function(
        "skill_parse/english >= 3 & (spanish > 5 | french > 5)",
        |b| {
            b.iter(|| {
                SkillExpression::parse(black_box("english >= 3 & (spanish > 5 | french > 5)"))
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
