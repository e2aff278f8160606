//! Read arbitrary bytes as a workload description (`routeflow gen --spec`); render every diagnostic.
//! Nothing may panic; a description comes back exactly when there is no error; every message is one
//! line. A description that reads is generated from, shrunk to a few agents and workitems: that must
//! not panic either, and what it writes must read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use routeflow::diagnostic::{SourceFile, render};
use routeflow::workitem::WorkitemReader;
use routeflow::workload::spec;

fuzz_target!(|data: &[u8]| {
    let file = SourceFile::new("fuzz.yaml", String::from_utf8_lossy(data).into_owned());
    let mut parsed = match spec::parse(&file) {
        Ok(parsed) => parsed,
        Err(diagnostics) => {
            assert!(diagnostics.iter().any(|d| d.is_error()));
            for diagnostic in &diagnostics {
                assert!(!diagnostic.message.contains(['\n', '\r']), "{diagnostic:?}");
                let _ = render(diagnostic, &file);
            }
            return;
        }
    };
    if !parsed.has_center() {
        return;
    }
    parsed.set_workitems(u64::from(data.len() as u8 % 16));
    parsed.set_agents(usize::from(data.len() as u8 % 5) + 1);
    let dir = std::env::temp_dir().join(format!("routeflow-fuzz-workload-{}", std::process::id()));
    match spec::write(&parsed, 1, None, &dir, "fuzz") {
        Ok(summary) => {
            let text = std::fs::read(&summary.workitems).expect("the workitems written");
            for line in WorkitemReader::new(text.as_slice()) {
                let line = line.expect("reads");
                assert!(line.item.is_ok(), "{:?}", line.item);
            }
        }
        Err(routeflow::workload::Error::GeneratedCenter(problems)) => {
            panic!("a description that checks wrote a center that does not load: {problems}")
        }
        Err(_) => {}
    }
});
