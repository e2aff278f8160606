//! The sample's Initialize decision (SPEC §7, §8) four ways, side by side in one run, on the same user
//! data: routeflow running the shipped flow, one precompiled rhai script, a zen-engine (GoRules) JDM graph,
//! and plain Rust. Each gets the user data in its own form, built before timing; what a call must copy
//! (routeflow and rhai take the user data by value) is timed. All four are checked to agree on every
//! workitem before anything is timed.
//!
//! `cargo bench --manifest-path benches/peers/Cargo.toml`
//!
//! Each iteration decides one workitem, rotating over the set, so criterion's time is per workitem.
//! Results and what they mean: `docs/performance.md`, "Peer benchmark".

mod by_hand;
mod by_rhai;
mod by_routeflow;
mod by_zen;
mod workitems;

use by_hand::ByHand;
use by_rhai::Rhai;
use by_routeflow::Routeflow;
use by_zen::Zen;
use criterion::{Criterion, criterion_group, criterion_main};
use futures::executor::block_on;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;
use workitems::{Parameters, Path as Way, Workitem};

/// The repository root, wherever cargo runs the bench from.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Contenders {
    routeflow: Routeflow,
    rhai: Rhai,
    zen: Zen,
    by_hand: ByHand,
}

impl Contenders {
    fn new() -> Contenders {
        let root = root();
        let routeflow = Routeflow::load(&root);
        // rhai and plain Rust index the very table the flow loaded.
        let table = routeflow.table();
        let rhai = Rhai::new(&root, table);
        let by_hand = ByHand::new(table);
        Contenders {
            rhai,
            by_hand,
            zen: Zen::new(&root),
            routeflow,
        }
    }

    /// Every contender's answer for every workitem, compared; panics on the first disagreement.
    fn check(&mut self, workitems: &[Workitem]) {
        let mut key = String::new();
        for workitem in workitems {
            let routeflow =
                Routeflow::parameters(&self.routeflow.decide(&Routeflow::input(workitem)));
            let by_hand =
                ByHand::parameters(&self.by_hand.decide(&ByHand::input(workitem), &mut key));
            let rhai = Rhai::parameters(&self.rhai.decide(&Rhai::input(workitem)));
            let zen_input = Zen::input(workitem);
            let before = zen_input.to_value();
            let zen = Zen::parameters(&block_on(self.zen.decide(&zen_input)));
            assert_eq!(
                zen_input.to_value(),
                before,
                "zen-engine changed its input: cloning the shared object would not do"
            );
            let context = format!("user data {:?}", workitem.userdata);
            assert_eq!(routeflow, by_hand, "routeflow vs plain Rust, {context}");
            assert_eq!(rhai, by_hand, "rhai vs plain Rust, {context}");
            assert_eq!(zen, by_hand, "zen-engine vs plain Rust, {context}");
            assert_eq!(
                expected_default_row(workitem, &by_hand),
                workitem.path != Way::Classified,
                "the set labels its paths right, {context}"
            );
        }
    }
}

/// Whether `answer` is what the default row gives for what the workitem did not override.
fn expected_default_row(workitem: &Workitem, answer: &Parameters) -> bool {
    let given = |key: &str| {
        workitem
            .userdata
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |(_, v)| v)
    };
    let or = |key: &str, table: &str| match given(key) {
        "" => table.to_owned(),
        value => value.to_owned(),
    };
    *answer
        == Parameters {
            requested_agent: or("GTR_requestedAgent", ""),
            skill_expression: or("GTR_skillExpression", "'english' > 1"),
            requested_agent_group: or("GTR_requestedAgentGroup", "workitems"),
        }
}

/// The next index, going round `len`.
fn rotate(i: &mut usize, len: usize) -> usize {
    *i = if *i + 1 == len { 0 } else { *i + 1 };
    *i
}

fn peers(c: &mut Criterion) {
    let mut contenders = Contenders::new();
    let all = workitems::all();
    contenders.check(&all);
    let on =
        |way: Way| -> Vec<Workitem> { all.iter().filter(|w| w.path == way).cloned().collect() };
    for way in [Way::Classified, Way::DefaultRow, Way::Overridden] {
        assert!(!on(way).is_empty(), "the set takes every way: {way:?}");
    }
    let sets = [
        ("all", all.clone()),
        ("classified", on(Way::Classified)),
        ("default_row", on(Way::DefaultRow)),
        ("overridden", on(Way::Overridden)),
    ];
    for (name, workitems) in sets {
        let n = workitems.len();
        let mut group = c.benchmark_group(format!("initialize/{name}"));

        let inputs: Vec<_> = workitems.iter().map(Routeflow::input).collect();
        let mut i = 0;
        group.bench_function("routeflow", |b| {
            b.iter(|| {
                contenders
                    .routeflow
                    .decide(black_box(&inputs[rotate(&mut i, n)]))
            })
        });

        let inputs: Vec<_> = workitems.iter().map(Rhai::input).collect();
        group.bench_function("rhai", |b| {
            b.iter(|| {
                contenders
                    .rhai
                    .decide(black_box(&inputs[rotate(&mut i, n)]))
            })
        });

        let inputs: Vec<_> = workitems.iter().map(Zen::input).collect();
        group.bench_function("zen_engine", |b| {
            b.iter(|| block_on(contenders.zen.decide(black_box(&inputs[rotate(&mut i, n)]))))
        });

        let inputs: Vec<_> = workitems.iter().map(ByHand::input).collect();
        let mut key = String::new();
        group.bench_function("rust_by_hand", |b| {
            b.iter(|| {
                contenders
                    .by_hand
                    .decide(black_box(&inputs[rotate(&mut i, n)]), &mut key)
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    targets = peers
}
criterion_main!(benches);
