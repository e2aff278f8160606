//! Load and check a generated 10,000-block flow (SPEC §7: ≤ 50 ms), against parsing the same YAML into
//! a plain `serde_yaml::Value` in the same run (the baseline: what any YAML-based tool pays), and against
//! routeflow's own YAML reader doing the same.
//!
//! `cargo bench --bench flow_load`

use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write;
use std::hint::black_box;
use std::path::Path;

const VARIABLES: usize = 50;

/// A flow of exactly `blocks` blocks: assignments, segmentations with nested branches, table lookups,
/// logs and, in Assisted Service, a cascade of Route blocks.
fn generated_flow(blocks: usize) -> String {
    let mut yaml = String::from("application: generated\nvariables:\n");
    for v in 0..VARIABLES {
        let _ = writeln!(yaml, "  v{v}: {{ default: \"'{v}'\" }}");
    }
    yaml.push_str("  found: { default: \"false\" }\n  count: { default: \"0\" }\n");
    yaml.push_str(
        "tables:\n  T:\n    file: table.csv\n    key: [K1, K2]\nphases:\n  initialize:\n",
    );
    let routes = blocks / 10;
    let mut made = 0;
    let mut i = 0;
    while made < blocks - routes {
        let a = i % VARIABLES;
        let b = (i + 7) % VARIABLES;
        match i % 4 {
            0 if made + 3 <= blocks - routes => {
                let _ = write!(
                    yaml,
                    "    - id: s{i}\n      type: segmentation\n      name: Segment {i}\n      branches:\n        - when: \"v{a} == 'x' && v{b} != ''\"\n          blocks:\n            - {{ id: s{i}a, type: assign, variable: v{a}, value: \"v{b} + '-' + v{a}.toUpperCase()\" }}\n      otherwise:\n        - {{ id: s{i}o, type: assign, variable: v{b}, value: \"v{a}.length > 3 ? v{a} : 'short'\" }}\n"
                );
                made += 3;
            }
            1 => {
                let _ = write!(
                    yaml,
                    "    - id: t{i}\n      type: table_lookup\n      table: T\n      key: [v{a}, v{b}]\n      columns: {{ V: v{a} }}\n      found: found\n      count: count\n"
                );
                made += 1;
            }
            2 => {
                let _ = writeln!(
                    yaml,
                    "    - {{ id: l{i}, type: log, message: \"'block {i}: ' + v{a}\" }}"
                );
                made += 1;
            }
            _ => {
                let _ = writeln!(
                    yaml,
                    "    - {{ id: a{i}, type: assign, variable: v{a}, value: \"v{b}.trim()\" }}"
                );
                made += 1;
            }
        }
        i += 1;
    }
    yaml.push_str("  assisted_service:\n");
    for r in 0..blocks - made {
        let _ = writeln!(
            yaml,
            "    - {{ id: r{r}, type: route, target: {{ agent_group: \"'group{r}'\" }}, timeout: 120 }}"
        );
    }
    yaml
}

fn load(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("routeflow-bench-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("table.csv"), "K1,K2,V\na,b,c\n'0','7',x\n").unwrap();
    let yaml = generated_flow(10_000);
    let path = dir.join("flow.yaml");
    std::fs::write(&path, &yaml).unwrap();
    let loaded = routeflow::flow::load(&path);
    assert!(loaded.report.is_empty(), "{}", loaded.report.render());
    let flow = loaded.flow.expect("the generated flow is valid");
    assert_eq!(flow.graph.blocks().count(), 10_000);

    let mut group = c.benchmark_group("load_10000_blocks");
    group.sample_size(20);
    group.bench_function("routeflow_load_and_check", |b| {
        b.iter(|| routeflow::flow::load(black_box(&path)))
    });
    group.bench_function("baseline_yaml_to_value", |b| {
        b.iter(|| {
            serde_yaml::from_str::<serde_yaml::Value>(black_box(
                &std::fs::read_to_string(&path).unwrap(),
            ))
        })
    });
    // What routeflow's own reader (saphyr-parser, no recursion, issue 13) takes for the same step.
    group.bench_function("routeflow_yaml_to_value", |b| {
        b.iter(|| {
            routeflow::model::yaml::parse(black_box(&std::fs::read_to_string(&path).unwrap()))
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}

criterion_group!(benches, load);
criterion_main!(benches);
