//! Load arbitrary bytes as a flow file (its tables are the check corpus's CSV files); render the
//! report. Nothing may panic or overflow the stack; a flow comes back exactly when there is no error,
//! and every message is one line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use routeflow::flow::load_str;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let base_dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/check_cases"));
    let loaded = load_str("fuzz.yaml", &text, base_dir);
    let _ = loaded.report.render();
    assert_eq!(loaded.flow.is_some(), loaded.report.errors() == 0);
    for message in loaded.report.messages() {
        assert!(!message.contains(['\n', '\r']), "{message:?}");
    }
});
