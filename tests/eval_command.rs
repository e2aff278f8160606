//! `routeflow eval`, end to end through the binary: one golden snapshot per case in `tests/eval_cases/`
//! (`NAME.expr`, optional `NAME.vars.json`), holding exit code, standard output and standard error.
//! Regenerate with `INSTA_UPDATE=always cargo test --test eval_command`, then review the diff.

use std::process::Command;

fn run_eval(expression: &str, vars: Option<&str>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_routeflow"));
    command.arg("eval").arg(expression);
    if let Some(vars) = vars {
        command.arg("--vars").arg(vars);
    }
    command.output().expect("routeflow runs")
}

fn transcript(output: &std::process::Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output
            .status
            .code()
            .map_or("signal".into(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn golden_cases() {
    insta::glob!("eval_cases/*.expr", |path| {
        let expression = std::fs::read_to_string(path).unwrap();
        let vars_path = path.with_extension("vars.json");
        let vars = std::fs::read_to_string(&vars_path).ok();
        let output = run_eval(&expression, vars.as_deref());
        insta::assert_snapshot!(transcript(&output));
    });
}

#[test]
fn value_is_printed_as_json_with_exit_zero() {
    let output = run_eval(
        "level1 + ' ' + searchRowsCount",
        Some(r#"{"level1": "Insurance", "searchRowsCount": 1}"#),
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "\"Insurance 1\"\n");
    assert!(output.stderr.is_empty());
}

#[test]
fn sample_flow_conditions_evaluate() {
    let vars = r#"{"requestedAgent": "", "skillExpression": "", "requestedAgentGroup": "", "isSearchValid": false, "searchRowsCount": 1}"#;
    for (expression, expected) in [
        (
            "requestedAgent == '' && skillExpression == '' && requestedAgentGroup == ''",
            "true",
        ),
        ("!isSearchValid || searchRowsCount != 1", "true"),
    ] {
        let output = run_eval(expression, Some(vars));
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            expected,
            "{expression}"
        );
    }
}

#[test]
fn usage_errors_exit_two() {
    let output = Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .arg("eval")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .args(["eval", "1", "--nope"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn an_expression_starting_with_a_minus_is_not_an_option() {
    let output = run_eval("-1 - 1", None);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "-2\n");
}
