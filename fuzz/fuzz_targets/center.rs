//! Read arbitrary bytes as a contact-center file; render every diagnostic. Nothing may panic; a center
//! comes back exactly when there is no error; every message is one line; and a center that loads keeps
//! the promises the simulation relies on (ids findable, groups' members and ready intervals well formed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use routeflow::center::{Center, GroupId};
use routeflow::diagnostic::{SourceFile, render};

fuzz_target!(|data: &[u8]| {
    let file = SourceFile::new("fuzz.yaml", String::from_utf8_lossy(data).into_owned());
    let (center, diagnostics) = Center::read(&file);
    assert_eq!(center.is_some(), !diagnostics.iter().any(|d| d.is_error()));
    for diagnostic in &diagnostics {
        assert!(!diagnostic.message.contains(['\n', '\r']), "{diagnostic:?}");
        let _ = render(diagnostic, &file);
    }
    let Some(center) = center else { return };
    assert!(center.default_handle_s().is_finite() && center.default_handle_s() >= 0.0);
    for (i, agent) in center.agents().iter().enumerate() {
        assert_eq!(center.agent(&agent.id).map(|a| a.index()), Some(i));
        assert!(agent.capacity >= 1);
        for pair in agent.ready.windows(2) {
            assert!(pair[0].1 < pair[1].0, "ready intervals sorted, disjoint, not touching");
        }
        for &(start, end) in &agent.ready {
            assert!(start < end, "{start} < {end}");
        }
        for &group in &agent.groups {
            assert!(center.agents_in_group(group).iter().any(|a| a.index() == i));
        }
    }
    for group in 0..center.group_count() {
        let members = center.agents_in_group(GroupId(group as u32));
        assert!(members.windows(2).all(|pair| pair[0] < pair[1]), "file order, each once");
        assert!(members.iter().all(|a| a.index() < center.agents().len()));
    }
});
