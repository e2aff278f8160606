//! A driver for instruction profiles of the peer benchmark: one contender decides the bench's workitems
//! `N` times over, nothing else, so that `valgrind --tool=callgrind` counts what one workitem costs
//! (a count that, unlike time, does not move with the load of a shared machine).
//!
//! ```sh
//! cargo build --release --manifest-path benches/peers/Cargo.toml --example initialize_loop
//! valgrind --tool=callgrind benches/peers/target/release/examples/initialize_loop \
//!     routeflow|rhai|zen_engine|rust_by_hand  N  [all|classified|default_row|overridden]  [FLOW]
//! ```
//! Run it with `N` = 0 too: the difference is the decisions alone, without the setup. `FLOW` (routeflow
//! only; default: the sample) lets a profile compare cut-down variants of the sample block by block.

// Shared with the bench, which uses all of them.
#[allow(dead_code)]
#[path = "../benches/peers/by_hand.rs"]
mod by_hand;
#[allow(dead_code)]
#[path = "../benches/peers/by_rhai.rs"]
mod by_rhai;
#[allow(dead_code)]
#[path = "../benches/peers/by_routeflow.rs"]
mod by_routeflow;
#[allow(dead_code)]
#[path = "../benches/peers/by_zen.rs"]
mod by_zen;
#[allow(dead_code)]
#[path = "../benches/peers/workitems.rs"]
mod workitems;

use by_hand::ByHand;
use by_rhai::Rhai;
use by_routeflow::Routeflow;
use by_zen::Zen;
use futures::executor::block_on;
use std::hint::black_box;
use std::path::Path;
use workitems::{Path as Way, Workitem};

fn main() {
    let usage = "usage: initialize_loop routeflow|rhai|zen_engine|rust_by_hand N [SET] [FLOW]";
    let mut args = std::env::args().skip(1);
    let contender = args.next().expect(usage);
    let rounds: usize = args.next().expect(usage).parse().expect(usage);
    let way = match args.next().as_deref() {
        None | Some("all") => None,
        Some("classified") => Some(Way::Classified),
        Some("default_row") => Some(Way::DefaultRow),
        Some("overridden") => Some(Way::Overridden),
        Some(other) => panic!("unknown set {other}; {usage}"),
    };
    let flow = args.next();
    let workitems: Vec<Workitem> = workitems::all()
        .into_iter()
        .filter(|w| way.is_none_or(|way| w.path == way))
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let routeflow = match &flow {
        Some(flow) => Routeflow::load_flow(Path::new(flow)),
        None => Routeflow::load(&root),
    };
    match contender.as_str() {
        "routeflow" => {
            let inputs: Vec<_> = workitems.iter().map(Routeflow::input).collect();
            for _ in 0..rounds {
                for userdata in &inputs {
                    black_box(routeflow.decide(black_box(userdata)));
                }
            }
        }
        "rhai" => {
            let mut rhai = Rhai::new(&root, routeflow.table());
            let inputs: Vec<_> = workitems.iter().map(Rhai::input).collect();
            for _ in 0..rounds {
                for userdata in &inputs {
                    black_box(rhai.decide(black_box(userdata)));
                }
            }
        }
        "zen_engine" => {
            let zen = Zen::new(&root);
            let inputs: Vec<_> = workitems.iter().map(Zen::input).collect();
            for _ in 0..rounds {
                for userdata in &inputs {
                    black_box(block_on(zen.decide(black_box(userdata))));
                }
            }
        }
        "rust_by_hand" => {
            let by_hand = ByHand::new(routeflow.table());
            let inputs: Vec<_> = workitems.iter().map(ByHand::input).collect();
            let mut key = String::new();
            for _ in 0..rounds {
                for userdata in &inputs {
                    black_box(by_hand.decide(black_box(userdata), &mut key));
                }
            }
        }
        other => panic!("unknown contender {other}; {usage}"),
    }
    println!("{} decisions", rounds * workitems.len());
}
