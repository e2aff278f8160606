//! The per-call cost of rhai extensions (issue 5: "per-call cost measured in a criterion bench").
//!
//! Three ways to make the same decision for a workitem, each run through `Runner::initialize` on the
//! same user data: built-in blocks (the baseline: read_userdata + segmentation + assign), a `script`
//! block, and a custom block type. The difference is what a script call costs: binding the variables
//! it mentions, rhai's evaluation, writing back what it changed.

use criterion::{Criterion, criterion_group, criterion_main};
use routeflow::expr::Value;
use routeflow::flow;
use routeflow::runtime::Runner;
use routeflow::workitem::Userdata;
use std::path::Path;
use std::sync::Arc;

const VARIABLES: &str = "variables:\n  tier: {}\n  priority: { default: \"0\" }\n";

const BUILT_IN: &str = "    - type: read_userdata\n      read: { tier: CRM_tier }\n    - type: segmentation\n      branches:\n        - when: \"tier == 'gold'\"\n          blocks:\n            - type: assign\n              variable: priority\n              value: \"priority + 100\"\n";

const SCRIPT: &str = "    - type: script\n      script: |\n        tier = userdata.CRM_tier;\n        if tier == \"gold\" { priority += 100; }\n";

const CUSTOM: &str = "    - type: vip\n      tier: tier\n      priority: priority\n";

const VIP: &str = "fn block_type() {\n    #{ properties: #{ tier: #{ type: \"variable\", required: true }, priority: #{ type: \"variable\", required: true }, boost: #{ type: \"number\", default_value: 100 } }, outputs: [] }\n}\ntier = userdata.CRM_tier;\nif tier == \"gold\" { priority += boost; }\n";

fn runner(dir: &Path, blocks: &str) -> Runner {
    let text = format!(
        "application: bench\n{VARIABLES}extensions:\n  vip: vip.rhai\nphases:\n  initialize:\n{blocks}"
    );
    let loaded = flow::load_str("bench.yaml", &text, dir);
    match loaded.flow {
        Some(flow) => Runner::new(Arc::new(flow)),
        None => panic!("{}", loaded.report.render()),
    }
}

fn scripts(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("routeflow-bench-scripts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    std::fs::write(dir.join("vip.rhai"), VIP).expect("the block type is written");
    let userdata: Userdata = [
        ("CRM_tier", Value::string("gold")),
        ("GTR_level1", Value::string("Insurance")),
    ]
    .into_iter()
    .collect();
    let mut group = c.benchmark_group("initialize");
    for (name, blocks) in [
        ("built_in_blocks", BUILT_IN),
        ("script_block", SCRIPT),
        ("custom_block", CUSTOM),
    ] {
        let runner = runner(&dir, blocks);
        let frame = runner.initialize(&userdata, 0.0).expect("runs");
        let slot = runner.flow().scope.slot("priority").expect("declared");
        assert_eq!(
            frame.slots[slot].to_json(),
            "100",
            "{name} decides as the others"
        );
        group.bench_function(name, |b| b.iter(|| runner.initialize(&userdata, 0.0)));
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, scripts);
criterion_main!(benches);
