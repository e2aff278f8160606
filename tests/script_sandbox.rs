//! The script sandbox (SPEC §5.4): every limit stops a runaway script with an `error` outcome naming
//! the script's line and the limit, limits are set per flow, and scripts reach no file, process,
//! clock or code outside what the flow loaded.

mod scripts_support;

use routeflow::flow;
use scripts_support::{error, run, variable};
use std::path::Path;

/// The message of the error `script` (one inline line, in block `s`) ends the workitem with, under
/// `limits` (a `script_limits:` body, or empty).
fn fails(limits: &str, script: &str) -> String {
    let runner = scripts_support::flow_with(
        limits,
        "  n: { default: \"0\" }",
        &format!("    - id: s\n      type: script\n      script: |\n        {script}"),
    );
    error(&runner, &[])
}

#[test]
fn an_endless_loop_stops_at_the_operations_limit() {
    assert_eq!(
        fails("", "loop { n += 1; }"),
        "scripts.yaml:11:18: block `s`: the script ran more than 100000 operations (an endless loop?); the limit is `script_limits.operations`"
    );
}

#[test]
fn a_runaway_recursion_stops_at_the_call_depth_limit() {
    let message = fails("", "fn deeper(n) { deeper(n + 1) } deeper(0)");
    assert!(
        message.ends_with("function calls nested more than 32 deep (a runaway recursion?); the limit is `script_limits.call_depth`"),
        "{message}"
    );
}

#[test]
fn a_huge_string_stops_at_the_string_size_limit() {
    let message = fails("", "let s = \"ab\"; loop { s += s; }");
    assert!(
        message.ends_with(
            "a string grew beyond 65536 bytes; the limit is `script_limits.string_size`"
        ),
        "{message}"
    );
}

#[test]
fn a_huge_array_and_map_stop_at_their_limits() {
    let array = fails("", "let a = []; loop { a.push(1); }");
    assert!(
        array
            .ends_with("an array grew beyond 10000 items; the limit is `script_limits.array_size`"),
        "{array}"
    );
    // rhai checks a map's size when a function or operator grows it (`set`, `mixin`, `+`), walking
    // the whole map each time: 10,000 `set`s take seconds in a debug build, past the default
    // wall-clock ceiling, which this test is not about.
    let map = fails(
        "script_limits: { operations: 300000, time_ms: 120000 }",
        "let m = #{}; let i = 0; loop { m.set(`k${i}`, i); i += 1; }",
    );
    assert!(
        map.ends_with("a map grew beyond 10000 entries; the limit is `script_limits.map_size`"),
        "{map}"
    );
}

#[test]
fn a_thrown_error_and_a_type_error_end_the_workitem_with_the_scripts_line() {
    assert_eq!(
        fails("", "throw \"no tier\";"),
        "scripts.yaml:11:9: block `s`: the script threw: no tier"
    );
    let message = fails("", "n = \"a\" - 1;");
    assert!(
        message.starts_with("scripts.yaml:11:") && message.contains("Function not found: -"),
        "{message}"
    );
}

#[test]
fn limits_are_set_per_flow() {
    let counting = "for i in 0..2000 { n += 1; }";
    let runner = scripts_support::flow_with(
        "",
        "  n: { default: \"0\" }",
        &format!("    - type: script\n      script: |\n        {counting}"),
    );
    assert_eq!(variable(&runner, &run(&runner, &[]), "n"), "2000");
    assert!(
        fails("script_limits: { operations: 1000 }", counting)
            .contains("more than 1000 operations")
    );
    let recursion = "fn down(k) { if k == 0 { 0 } else { down(k - 1) } } n = down(10);";
    assert!(fails("script_limits: { call_depth: 4 }", recursion).contains("more than 4 deep"));
    assert!(
        fails(
            "script_limits: { string_size: 10 }",
            "let s = \"0123456789\" + \"x\";"
        )
        .contains("beyond 10 bytes")
    );
}

#[test]
fn a_limit_is_at_least_one_and_nesting_limits_are_capped() {
    let text = "application: limits\nscript_limits:\n  operations: 0\n  call_depth: 1000\n  expression_depth: 500\n  stack: 3\nphases: {}\n";
    let loaded = flow::load_str("limits.yaml", text, Path::new("."));
    assert!(loaded.flow.is_none());
    let messages: Vec<String> = loaded.report.render().lines().map(str::to_owned).collect();
    for expected in [
        "limits.yaml:3:15: error: `operations` must be at least 1",
        "limits.yaml:4:15: error: `call_depth` is at most 64",
        "limits.yaml:5:21: error: `expression_depth` is at most 128",
        "limits.yaml:6:3: error: unknown property `stack` in `script_limits`",
    ] {
        assert!(
            messages.iter().any(|m| m.starts_with(expected)),
            "{expected}\nin {messages:#?}"
        );
    }
}

#[test]
fn scripts_reach_no_module_no_eval_no_clock_no_file() {
    let refused = |script: &str| {
        let text = format!(
            "application: sandbox\nphases:\n  initialize:\n    - type: script\n      script: '{script}'\n"
        );
        let loaded = flow::load_str("sandbox.yaml", &text, Path::new("."));
        match loaded.flow {
            None => loaded.report.render(),
            Some(flow) => {
                let runner = routeflow::runtime::Runner::new(std::sync::Arc::new(flow));
                error(&runner, &[])
            }
        }
    };
    assert!(
        refused("import \"os\" as os;").contains("script:"),
        "import"
    );
    assert!(refused("eval(\"1\")").contains("eval"), "eval");
    assert!(
        refused("timestamp()").contains("Function not found: timestamp"),
        "clock"
    );
    assert!(
        refused("open_file(\"/etc/passwd\")").contains("Function not found"),
        "file"
    );
    assert!(
        refused("system(\"ls\")").contains("Function not found"),
        "process"
    );
}

#[test]
fn the_same_runaway_fails_the_same_way_every_run() {
    let runner = scripts_support::flow_with(
        "",
        "  n: { default: \"0\" }",
        "    - type: script\n      script: |\n        loop { n += 1; }",
    );
    let first = error(&runner, &[]);
    for _ in 0..3 {
        assert_eq!(error(&runner, &[]), first);
    }
}
