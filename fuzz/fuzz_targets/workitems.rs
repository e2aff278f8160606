//! Read arbitrary bytes as a workitems file (JSON Lines), with the first byte choosing a line-length
//! limit. Nothing may panic, and every line yields exactly one item, numbered in order (SPEC §6): a
//! workitem or one error of one line naming that line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use routeflow::workitem::WorkitemReader;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, input)) = data.split_first() else {
        return;
    };
    let limit = [8, 64, 1 << 20][usize::from(choice) % 3];
    let mut reader = WorkitemReader::new(input).with_max_line_bytes(limit);
    let mut lines = 0;
    for line in reader.by_ref() {
        let line = line.expect("reading from memory does not fail");
        lines += 1;
        assert_eq!(line.number, lines);
        match line.item {
            Ok(workitem) => assert!(workitem.arrive_s.is_finite()),
            Err(error) => {
                assert_eq!(error.line, lines);
                assert!(!error.message.is_empty());
                assert!(!error.message.contains(['\n', '\r']), "{error:?}");
            }
        }
    }
    let breaks = input.iter().filter(|&&b| b == b'\n').count();
    let expected = breaks + usize::from(!input.is_empty() && input.last() != Some(&b'\n'));
    assert_eq!(lines, expected, "one item per line");
    assert_eq!(reader.lines_read(), lines);
    for warning in reader.warnings() {
        assert!((1..=lines).contains(&warning.line()));
    }
});
