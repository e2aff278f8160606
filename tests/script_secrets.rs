//! Secure values and scripts (issue 14, docs/extensions.md "Secure values"): nothing a script makes
//! of a secret shows in an outcome or a trace, however it transforms, encodes, slices or hides it in
//! keys, output names, errors, logs and later blocks.
//!
//! Each case runs `routeflow run --trace` on a small flow, in a temporary directory, and looks for the
//! secret in everything the process printed: as written, in any case, with every character that is
//! not a letter or a digit taken out (so that `p a 5 5` and `p\"a55` are found too), and reversed.

use serde_json::Value;
use std::process::Command;

/// The secret of every case: a secure variable's default, or a user-data value read into one.
const SECRET: &str = "pa55-W0rd-xyz";

const CENTER: &str = "default_handle_s: 100\nagents:\n  - { id: ann, groups: [pool] }\n";

/// A flow whose variables are `variables` (YAML body) and whose Initialize phase is `blocks`.
fn flow(variables: &str, blocks: &str) -> String {
    format!(
        "application: secrets\nvariables:\n{variables}\nextensions:\n  leaky: leaky.rhai\nphases:\n  initialize:\n{blocks}\n  assisted_service:\n    - {{ id: route_pool, type: route, target: {{ agent_group: \"'pool'\" }}, timeout: 120 }}\n"
    )
}

/// A block type whose `value` is an expression property and `slot` a variable property; its body is
/// `body`.
fn block_type(body: &str) -> String {
    format!(
        "fn block_type() {{\n    #{{\n        properties: #{{\n            value: #{{ type: \"expression\" }},\n            slot: #{{ type: \"variable\" }},\n        }},\n        outputs: [\"a\", \"b\"],\n    }}\n}}\n{body}\n"
    )
}

const TOKEN: &str = "  token: { default: \"'pa55-W0rd-xyz'\", secure: true }\n  tmp: { trace: true }\n  n: { default: \"0\", trace: true }";

/// What `routeflow run --trace` printed for `flow` (with `leaky.rhai` of body `body`), given
/// `userdata` (`key=value` pairs).
fn run(flow: &str, body: &str, userdata: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("flow.yaml"), flow).expect("flow written");
    std::fs::write(dir.path().join("leaky.rhai"), block_type(body)).expect("type written");
    std::fs::write(dir.path().join("center.yaml"), CENTER).expect("center written");
    let mut command = Command::new(env!("CARGO_BIN_EXE_routeflow"));
    command.current_dir(dir.path()).args([
        "run",
        "flow.yaml",
        "--trace",
        "--center",
        "center.yaml",
    ]);
    for pair in userdata {
        command.args(["--userdata", pair]);
    }
    let output = command.output().expect("routeflow runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.contains("\"outcome\""),
        "the flow ran to an outcome:\n{text}"
    );
    text
}

/// The outcome line of what [`run`] printed.
fn outcome(text: &str) -> Value {
    let line = text
        .lines()
        .find(|line| line.starts_with('{'))
        .expect("an outcome line");
    serde_json::from_str(line).expect("an outcome is JSON")
}

fn letters_and_digits(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Panic if `text` shows [`SECRET`] in any of the ways the module comment lists, and any part of 5
/// letters and digits of it in a row.
fn assert_hidden(text: &str) {
    let secret = letters_and_digits(SECRET);
    let reversed: String = secret.chars().rev().collect();
    let shown = letters_and_digits(text);
    for (what, needle) in [("the secret", &secret), ("the secret reversed", &reversed)] {
        assert!(!shown.contains(needle.as_str()), "{what} shows in:\n{text}");
    }
    // Any 5 consecutive letters and digits of it, between other text taken out (`r d - x y z`).
    let normal: Vec<char> = secret.chars().collect();
    for window in normal.windows(5) {
        let part: String = window.iter().collect();
        assert!(
            !shown.contains(&part),
            "`{part}` of the secret shows in:\n{text}"
        );
    }
    // Any 6 consecutive characters of it, as written (a prefix cut by a message, a slice).
    let chars: Vec<char> = SECRET.to_lowercase().chars().collect();
    let lower = text.to_lowercase();
    for window in chars.windows(6) {
        let part: String = window.iter().collect();
        assert!(
            !lower.contains(&part),
            "`{part}` of the secret shows in:\n{text}"
        );
    }
}

fn script(id: &str, source: &str) -> String {
    let indented: String = source
        .lines()
        .map(|line| format!("        {line}\n"))
        .collect();
    format!("    - id: {id}\n      type: script\n      script: |\n{indented}")
}

#[test]
fn an_expression_property_that_reads_a_secret_taints_the_block() {
    let text = run(
        &flow(TOKEN, "    - { id: b, type: leaky, value: \"token + ''\" }"),
        "userdata.copy = value.to_upper();\nlog(`value is ${value.to_upper()}`);",
        &["copy=x"],
    );
    assert_hidden(&text);
    assert_eq!(outcome(&text)["userdata"]["copy"], "****", "{text}");
}

#[test]
fn a_user_data_key_read_into_a_secure_variable_is_not_visible_to_scripts() {
    let variables = "  token: { secure: true }";
    let blocks = format!(
        "    - {{ id: read, type: read_userdata, read: {{ token: Token }} }}\n{}",
        script(
            "s",
            "userdata.copy = `${userdata.Token}`.to_upper();\nlog(`${userdata.Token}`.to_upper());"
        )
    );
    let text = run(&flow(variables, &blocks), "", &["Token=pa55-W0rd-xyz"]);
    assert_hidden(&text);
}

#[test]
fn a_long_or_escaped_secret_is_never_shown_cut_or_escaped() {
    let long = format!("{SECRET}{}", "-0123456789".repeat(12));
    let variables = "  token: { secure: true }";
    let blocks = format!(
        "    - {{ id: read, type: read_userdata, read: {{ token: Token }} }}\n{}",
        script("s", "userdata = token;")
    );
    let token = format!("Token={long}");
    assert_hidden(&run(&flow(variables, &blocks), "", &[&token]));
    let quoted = "Token=pa55-\"W0rd\\-xyz";
    let text = run(&flow(variables, &blocks), "", &[quoted]);
    assert!(!text.contains("W0rd"), "{text}");
}

#[test]
fn every_error_of_a_script_that_reads_a_secret_hides_its_message() {
    let cases = [
        "token.to_upper()",
        "lookup(token.to_upper(), [\"a\"]);",
        "parse_int(token.to_upper());",
        "parse_float(token.to_upper());",
        "Fn(token.to_upper());",
        "userdata[token.to_upper()] = Fn(\"max\");",
        "throw token.to_upper();",
        "throw [token.to_upper()];",
        "throw #{ t: token.to_upper() };",
        "let x = token.to_upper(); x.bad_call();",
    ];
    for case in cases {
        let blocks = format!(
            "{}      outputs:\n        gold:\n",
            script("s", &format!("n = 1;\n{case}"))
        );
        let text = run(&flow(TOKEN, &blocks), "", &[]);
        assert_hidden(&text);
        let error = outcome(&text)["error"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_default();
        let expected = if case.starts_with("userdata[") {
            "block `s`: the script added a user-data key, which a block that reads a secure value may not do (its name could show the secret)"
        } else {
            "block `s`: the script failed (its message is hidden: the block reads a secure value)"
        };
        assert!(error.ends_with(expected), "{case}: {error}");
        // What the script left behind (its value, its user data) is located at the block.
        let line = if case.starts_with("token") || case.starts_with("userdata[") {
            "flow.yaml:10:7:"
        } else {
            "flow.yaml:14:"
        };
        assert!(error.starts_with(line), "{case}: on its line: {error}");
    }
}

#[test]
fn a_script_that_reads_a_secret_cannot_write_it_into_a_user_data_key() {
    let text = run(
        &flow(TOKEN, &script("s", "userdata[token.to_upper()] = 1;")),
        "",
        &[],
    );
    assert_hidden(&text);
}

#[test]
fn taint_carries_through_variables_to_later_scripts() {
    let blocks = format!(
        "{}{}",
        script("a", "tmp = token.to_upper();"),
        script(
            "b",
            "let r = tmp; r.replace(\"-\", \"_\"); userdata.copy = r; n = r.len();\nlog(r);"
        )
    );
    let text = run(&flow(TOKEN, &blocks), "", &["copy=x"]);
    assert_hidden(&text);
    assert_eq!(outcome(&text)["userdata"]["copy"], "****", "{text}");
    // What a tainted block set is masked where the trace shows variables, whatever its length.
    assert!(text.contains("n = ****"), "{text}");
}

#[test]
fn taint_carries_through_user_data_to_later_scripts() {
    let blocks = format!(
        "{}{}",
        script("a", "userdata.copy = token.to_upper();"),
        script(
            "b",
            "userdata.again = `${userdata.copy}`.to_lower();\nlog(userdata.again);"
        )
    );
    let text = run(&flow(TOKEN, &blocks), "", &["copy=x", "again=y"]);
    assert_hidden(&text);
}

#[test]
fn a_script_that_reads_a_secret_logs_nothing_of_what_it_computed() {
    // Every letter is a word of the script's own source (the comment), which the former filter let
    // through.
    let source = "// a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9\nlet out = \"\";\nfor c in token.chars() { out += c; out += \" \"; }\nlog(out);\nthrow out;";
    let text = run(&flow(TOKEN, &script("s", source)), "", &[]);
    assert_hidden(&text);
}

#[test]
fn short_slices_and_char_codes_of_a_secret_are_masked_too() {
    let source = "userdata.a = token.sub_string(0, 3);\nuserdata.b = token.sub_string(3, 3);\nuserdata.c = token.sub_string(6, 3);\nuserdata.d = token.to_chars().map(|c| c.to_int());\nuserdata.e = token.len();\ntmp = token.sub_string(0, 2);";
    let text = run(
        &flow(TOKEN, &script("s", source)),
        "",
        &["a=1", "b=1", "c=1", "d=1", "e=1"],
    );
    let userdata = &outcome(&text)["userdata"];
    for key in ["a", "b", "c", "d", "e"] {
        assert_eq!(userdata[key], "****", "{key}: {text}");
    }
    assert!(text.contains("tmp = ****"), "{text}");
    assert_hidden(&text);
}

#[test]
fn an_output_named_from_a_secret_is_not_shown() {
    let blocks = format!(
        "{}      outputs:\n        gold:\n",
        script("s", "token.to_upper()")
    );
    let text = run(&flow(TOKEN, &blocks), "", &[]);
    assert_hidden(&text);
}
