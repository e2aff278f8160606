//! Load arbitrary bytes as a data table, keyed by the first byte's choice of key; render every diagnostic;
//! look every loaded row up by its own key. Nothing may panic, and each row must be found.
#![no_main]

use libfuzzer_sys::fuzz_target;
use routeflow::diagnostic::render;
use routeflow::table::DataTable;

const KEYS: [&[&str]; 4] = [
    &[],
    &["a"],
    &["a", "b"],
    &["Level1", "Level2", "Customer Segment"],
];

fuzz_target!(|data: &[u8]| {
    let Some((&choice, bytes)) = data.split_first() else {
        return;
    };
    let key = KEYS[usize::from(choice) % KEYS.len()];
    let (file, table) = DataTable::from_bytes("FUZZ", "fuzz.csv", bytes, key);
    match table {
        Ok(table) => {
            for row in table.iter() {
                let values: Vec<&str> = table.key().iter().map(|&column| row.get(column)).collect();
                assert!(table.lookup(&values).any(|found| found.id() == row.id()));
                for column in table.key() {
                    let span = table.cell_span(&file, row.id(), *column);
                    assert!(span.end as usize <= file.text().len());
                }
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for error in &errors {
                let _ = render(error, &file);
            }
        }
    }
});
