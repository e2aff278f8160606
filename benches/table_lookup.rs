//! Data table lookups and loading on a generated 100,000-row, 6-column routing table (SPEC §3.2, §7).
//!
//! Lookups rotate over 1,024 keys so the numbers are not those of one hot cache line. The baseline is a
//! `HashMap<String, usize>` probed with a key joined in advance: the cheapest hash lookup of a string key
//! that std offers, which a table lookup from separate parts cannot beat. `baseline/join_then_get` is what
//! the naive implementation (join the parts, then probe) costs. For loading, the baseline only splits the
//! same text into lines and fields, a lower bound for any CSV reader.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use routeflow::table::DataTable;

const ROWS: usize = 100_000;
const KEY: [&str; 3] = ["Level1", "Level2", "Customer Segment"];
/// The key several rows share.
const SHARED: [&str; 3] = ["Insurance", "Health", "Gold"];
const SHARED_ROWS: usize = 5;
const SEPARATOR: char = '\u{1f}';

/// The key of generated row `i`: 100 × 50 × 20 distinct keys.
fn key_of(i: usize) -> [String; 3] {
    [
        format!("Level1-{}", i % 100),
        format!("Level2-{}", (i / 100) % 50),
        format!("Segment-{}", i / 5_000),
    ]
}

fn csv() -> String {
    let mut text =
        String::from("Level1,Level2,Customer Segment,Agent,Skill Expression,Agent Group\n");
    for i in 0..ROWS - SHARED_ROWS {
        let [l1, l2, segment] = key_of(i);
        let agent = if i % 7 == 0 {
            format!("agent_{i}")
        } else {
            String::new()
        };
        let skill = format!("'english' > {}", i % 10);
        text.push_str(&format!(
            "{l1},{l2},{segment},{agent},{skill},group_{}\n",
            i % 50
        ));
    }
    for i in 0..SHARED_ROWS {
        text.push_str(&format!(
            "{},{},{},,'english' > {i},gold_group\n",
            SHARED[0], SHARED[1], SHARED[2]
        ));
    }
    text
}

fn load(bytes: &[u8]) -> DataTable {
    match DataTable::from_bytes("OPEN_MEDIA_ROUTING_CONFIG", "bench.csv", bytes, &KEY) {
        (_, Ok(table)) => table,
        (_, Err(errors)) => panic!("the generated table loads: {errors:?}"),
    }
}

fn bench(c: &mut Criterion) {
    let text = csv();
    let table = load(text.as_bytes());
    assert_eq!(table.rows(), ROWS);
    let group = table.column("Agent Group").expect("column");

    let mut rng = fastrand::Rng::with_seed(1);
    let keys: Vec<[String; 3]> = (0..1_024)
        .map(|_| key_of(rng.usize(..ROWS - SHARED_ROWS)))
        .collect();
    let joined: Vec<String> = keys
        .iter()
        .map(|key| key.join(&SEPARATOR.to_string()))
        .collect();
    let baseline: HashMap<String, usize> = (0..ROWS - SHARED_ROWS)
        .map(|i| (key_of(i).join(&SEPARATOR.to_string()), i))
        .collect();
    let misses: Vec<[String; 3]> = keys
        .iter()
        .map(|[l1, l2, _]| [l1.clone(), l2.clone(), "Platinum".to_owned()])
        .collect();

    let mut lookups = c.benchmark_group("table_lookup_100k");
    let mut i = 0;
    let mut next = move || {
        i = (i + 1) % 1_024;
        i
    };
    lookups.bench_function("baseline/hashmap_prejoined_key", |b| {
        b.iter(|| baseline.get(black_box(joined[next()].as_str())).copied())
    });
    lookups.bench_function("baseline/join_then_get", |b| {
        b.iter(|| {
            let [l1, l2, segment] = &keys[next()];
            let key = format!("{l1}{SEPARATOR}{l2}{SEPARATOR}{segment}");
            baseline.get(black_box(&key)).copied()
        })
    });
    lookups.bench_function("lookup/hit", |b| {
        b.iter(|| {
            let [l1, l2, segment] = &keys[next()];
            let row = table.lookup(black_box(&[l1, l2, segment])).single();
            row.map(|row| row.get(group).len())
        })
    });
    lookups.bench_function("lookup/miss", |b| {
        b.iter(|| {
            let [l1, l2, segment] = &misses[next()];
            table.lookup(black_box(&[l1, l2, segment])).len()
        })
    });
    lookups.bench_function("lookup/several_rows", |b| {
        b.iter(|| {
            table
                .lookup(black_box(&SHARED))
                .map(|row| row.get(group).len())
                .sum::<usize>()
        })
    });
    lookups.finish();

    let mut loading = c.benchmark_group("table_load_100k");
    loading.sample_size(20);
    loading.throughput(Throughput::Bytes(text.len() as u64));
    loading.bench_function("baseline/split_lines_and_fields", |b| {
        b.iter(|| {
            black_box(&text)
                .lines()
                .map(|line| line.split(',').count())
                .sum::<usize>()
        })
    });
    loading.bench_function("load/from_bytes", |b| {
        b.iter_batched(
            || (),
            |()| load(black_box(text.as_bytes())),
            BatchSize::SmallInput,
        )
    });
    loading.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
