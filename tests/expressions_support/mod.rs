//! Helpers shared by the `expressions*` tests (SPEC §5.1).
//!
//! Every value a test expects was checked against node. To check them again, run
//! `ROUTEFLOW_CHECK_WITH_NODE=1 cargo test --test 'expressions*'`: each [`js`] / [`js_with`] assertion
//! then also evaluates the expression in node (strict mode, same variables) and fails if node's value
//! is not the expected one.
//!
//! [`js_with`] evaluates an expression twice: with its variables in a frame (evaluated at run time),
//! and with each variable replaced by its value as a literal (folded when compiling). Both must give
//! the value; likewise [`fails_either_way`] wants the same error from both.

#![allow(dead_code)] // each test crate uses some of the helpers

use routeflow::diagnostic::Diagnostic;
use routeflow::expr::{EvalError, Expression, Scope, Value, compile};
use std::process::Command;

/// A list value: `list![1.0, "a", true, Value::Null]`.
macro_rules! list {
    ($($item:expr),* $(,)?) => {
        routeflow::expr::Value::List(vec![$(routeflow::expr::Value::from($item)),*].into())
    };
}

/// A value from JSON text, e.g. a map: `json(r#"{"name": "Ann"}"#)`.
pub fn json(text: &str) -> Value {
    Value::from_json(&serde_json::from_str(text).expect("valid JSON in a test"))
}

/// Compile `src` against the variables `vars`, or panic with the diagnostics.
#[track_caller]
pub fn compile_with(src: &str, vars: &[(&str, Value)]) -> Expression {
    let scope = Scope::with_names(vars.iter().map(|(name, _)| *name));
    compile(src, &scope)
        .unwrap_or_else(|errors| panic!("`{src}` does not compile: {}", describe(&errors)))
}

/// The value of `src`, which names no variable.
#[track_caller]
pub fn eval(src: &str) -> Value {
    eval_with(src, &[])
}

/// The value of `src` with the variables `vars`.
#[track_caller]
pub fn eval_with(src: &str, vars: &[(&str, Value)]) -> Value {
    let frame: Vec<Value> = vars.iter().map(|(_, value)| value.clone()).collect();
    compile_with(src, vars)
        .eval(&frame)
        .unwrap_or_else(|error| panic!("`{src}` fails: {}", describe_eval(&error)))
}

/// Assert that `src` (no variables) is `expected`, exactly: `-0` is not `0`, `NaN` is `NaN`. A constant
/// expression must be folded when compiling.
#[track_caller]
pub fn js(src: &str, expected: impl Into<Value>) {
    let expected = expected.into();
    node_agrees(src, &[], &expected);
    let compiled = compile_with(src, &[]);
    let Some(value) = compiled.constant() else {
        panic!("`{src}` has no variable but was not folded when compiling");
    };
    assert_same(src, value, &expected);
}

/// Assert that `src` with the variables `vars` is `expected`, both evaluated at run time and with the
/// variables written as literals (folded when compiling).
#[track_caller]
pub fn js_with(src: &str, vars: &[(&str, Value)], expected: impl Into<Value>) {
    let expected = expected.into();
    node_agrees(src, vars, &expected);
    assert_same(src, &eval_with(src, vars), &expected);
    if let Some(constant) = with_literals(src, vars) {
        js(&constant, expected);
    }
}

/// The error of `src` (no variables), found when compiling: every diagnostic's message and help.
#[track_caller]
pub fn fails(src: &str) -> String {
    fails_to_compile(src, &[])
}

/// The diagnostics of `src`, which must not compile with the variables `names` declared.
#[track_caller]
pub fn fails_to_compile(src: &str, names: &[&str]) -> String {
    describe(&diagnostics(src, names))
}

/// The diagnostics of `src`, which must not compile with the variables `names` declared.
#[track_caller]
pub fn diagnostics(src: &str, names: &[&str]) -> Vec<Diagnostic> {
    match compile(src, &Scope::with_names(names)) {
        Ok(expr) => panic!(
            "`{src}` compiled (to {:?}) but should not",
            expr.constant().map(Value::to_json)
        ),
        Err(errors) => errors,
    }
}

/// The error of `src` with the variables `vars`: it must compile and fail when evaluated.
#[track_caller]
pub fn fails_with(src: &str, vars: &[(&str, Value)]) -> String {
    describe_eval(&eval_error(src, vars))
}

/// The evaluation error of `src` with the variables `vars`.
#[track_caller]
pub fn eval_error(src: &str, vars: &[(&str, Value)]) -> EvalError {
    let frame: Vec<Value> = vars.iter().map(|(_, value)| value.clone()).collect();
    match compile_with(src, vars).eval(&frame) {
        Ok(value) => panic!("`{src}` gave {} but should fail", value.to_json()),
        Err(error) => error,
    }
}

/// The error of `src` with the variables `vars` when evaluated, which must also be the error when the
/// variables are written as literals (then found when compiling).
#[track_caller]
pub fn fails_either_way(src: &str, vars: &[(&str, Value)]) -> String {
    let at_run_time = fails_with(src, vars);
    if let Some(constant) = with_literals(src, vars) {
        let at_compile_time = fails(&constant);
        assert_eq!(
            at_compile_time, at_run_time,
            "`{constant}` fails when compiling with another error than `{src}` when evaluating"
        );
    }
    at_run_time
}

/// Assert that `message` contains each of `words`.
#[track_caller]
pub fn assert_mentions(message: &str, words: &[&str]) {
    for word in words {
        assert!(
            message.contains(word),
            "the error does not mention {word:?}:\n{message}"
        );
    }
}

#[track_caller]
fn assert_same(src: &str, actual: &Value, expected: &Value) {
    assert_eq!(
        actual.to_json(),
        expected.to_json(),
        "`{src}` (left: routeflow, right: JavaScript)"
    );
}

fn describe(errors: &[Diagnostic]) -> String {
    let lines: Vec<String> = errors
        .iter()
        .map(|d| match &d.help {
            Some(help) => format!("{}\nhelp: {help}", d.message),
            None => d.message.clone(),
        })
        .collect();
    lines.join("\n")
}

fn describe_eval(error: &EvalError) -> String {
    match &error.help {
        Some(help) => format!("{}\nhelp: {help}", error.message),
        None => error.message.clone(),
    }
}

/// `src` with each variable replaced by its value as a literal, or `None` when a value has no literal
/// (a map).
fn with_literals(src: &str, vars: &[(&str, Value)]) -> Option<String> {
    if vars.is_empty() {
        return None;
    }
    let mut out = String::new();
    let mut chars = src.char_indices().peekable();
    let mut quote: Option<char> = None;
    let mut after_dot = false;
    while let Some((start, c)) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' {
                if let Some((_, escaped)) = chars.next() {
                    out.push(escaped);
                }
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c == '\'' || c == '"' {
            quote = Some(c);
            out.push(c);
            after_dot = false;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' || c == '$' {
            let mut end = start + c.len_utf8();
            while let Some(&(i, next)) = chars.peek() {
                if !(next.is_ascii_alphanumeric() || next == '_' || next == '$') {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
            let word = &src[start..end];
            match vars.iter().find(|(name, _)| *name == word) {
                Some((_, value)) if !after_dot => out.push_str(&format!("({})", literal(value)?)),
                _ => out.push_str(word),
            }
            after_dot = false;
            continue;
        }
        if c.is_ascii_digit() {
            // A number literal such as `1e3` or `0x1F`: its letters are not names.
            let mut end = start + 1;
            while let Some(&(i, next)) = chars.peek() {
                if !(next.is_ascii_alphanumeric() || next == '.') {
                    break;
                }
                end = i + 1;
                chars.next();
            }
            out.push_str(&src[start..end]);
            after_dot = false;
            continue;
        }
        if !c.is_whitespace() {
            after_dot = c == '.';
        }
        out.push(c);
    }
    Some(out)
}

/// `value` as an expression literal.
fn literal(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => value.to_json(),
        Value::List(items) => {
            let items: Option<Vec<String>> = items.iter().map(literal).collect();
            format!("[{}]", items?.join(", "))
        }
        Value::Map(_) => return None,
    })
}

/// With `ROUTEFLOW_CHECK_WITH_NODE` set: assert that node gives `expected` for `src` with `vars`.
#[track_caller]
fn node_agrees(src: &str, vars: &[(&str, Value)], expected: &Value) {
    if std::env::var_os("ROUTEFLOW_CHECK_WITH_NODE").is_none() {
        return;
    }
    let names: Vec<&str> = vars.iter().map(|(name, _)| *name).collect();
    // `to_json` writes NaN, Infinity and -0 as JavaScript literals, so each value is a JavaScript expression.
    let values: Vec<String> = vars.iter().map(|(_, value)| value.to_json()).collect();
    let input = serde_json::json!({ "src": src, "names": names, "values": values }).to_string();
    let output = Command::new("node")
        .args(["-e", NODE_ORACLE, &input])
        .output()
        .expect("ROUTEFLOW_CHECK_WITH_NODE is set but node does not run");
    let from_node = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        from_node.trim_end(),
        expected.to_json(),
        "`{src}` (left: node, right: the test's expected value)"
    );
}

/// Prints the value of an expression the way `Value::to_json` does.
const NODE_ORACLE: &str = r#"
'use strict';
const { src, names, values } = JSON.parse(process.argv[1]);
function show(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  switch (typeof v) {
    case 'boolean': return String(v);
    case 'number': return Object.is(v, -0) ? '-0' : String(v);
    case 'string': return JSON.stringify(v);
  }
  if (Array.isArray(v)) return '[' + v.map(show).join(',') + ']';
  return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + show(v[k])).join(',') + '}';
}
let result;
try {
  const f = new Function(...names, '"use strict"; return (' + src + '\n);');
  result = show(f(...values.map((text) => (0, eval)('(' + text + ')'))));
} catch (e) {
  result = 'throws ' + e.name + ': ' + e.message;
}
console.log(result);
"#;
