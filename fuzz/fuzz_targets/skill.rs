//! Fuzz the skill expression parser: no input may panic, and whatever parses must print to text that
//! parses back to the same expression.
#![no_main]

use libfuzzer_sys::fuzz_target;
use routeflow::skill::SkillExpression;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(expr) = SkillExpression::parse(source) else {
        return;
    };
    // Level the expression's own skills at 1 so that matching runs through tests that can hold.
    let agent: Vec<(&str, i64)> = expr.skills().map(|skill| (skill, 1)).collect();
    let _ = expr.matches(&agent);
    let _ = expr.matches(&[] as &[(&str, i64)]);
    let text = expr.to_string();
    match SkillExpression::parse(&text) {
        Ok(again) => assert_eq!(again, expr, "canonical text {text:?} of {source:?}"),
        Err(err) => panic!("canonical text {text:?} of {source:?} does not parse: {err:?}"),
    }
});
