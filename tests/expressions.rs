//! The expression language (SPEC §5.1): operators, member access, indexing, names and compilation.
//!
//! The rule: whenever an expression evaluates without error, its value is exactly what JavaScript (node)
//! gives; where JavaScript would silently convert a type, routeflow raises a type error naming the
//! operator and the types. Functions and methods are in `expressions_numbers.rs`,
//! `expressions_strings.rs` and `expressions_lists.rs`; the helpers in `expressions_support/`.

#[macro_use]
mod expressions_support;

use expressions_support::*;
use routeflow::expr::{Expression, Scope, Value, compile};

// ---------------------------------------------------------------------------------------------------
// Unary operators

#[test]
fn logical_not_negates_booleans() {
    js("!true", false);
    js("!false", true);
    js("!!true", true);
    js_with("!flag", &[("flag", false.into())], true);
}

#[test]
fn logical_not_refuses_to_guess_truthiness() {
    for (value, kind) in [
        (Value::from(0.0), "number"),
        (Value::from(""), "string"),
        (Value::Null, "null"),
        (list![1.0], "list"),
    ] {
        let message = fails_either_way("!x", &[("x", value)]);
        assert_mentions(&message, &["`!`", "boolean", kind]);
    }
    assert_mentions(&fails_with("!m", &[("m", json("{}"))]), &["`!`", "map"]);
}

#[test]
fn unary_minus_negates_numbers_including_zero() {
    js("-5", -5.0);
    js("-(-5)", 5.0);
    js("- -1", 1.0);
    js("-0", -0.0);
    js("-(0)", -0.0);
    js_with("-x", &[("x", 0.0.into())], -0.0);
    js_with("-x", &[("x", (-0.0).into())], 0.0);
    js("-NaN", f64::NAN);
    js("-Infinity", f64::NEG_INFINITY);
}

#[test]
fn unary_minus_refuses_non_numbers() {
    for (value, kind) in [
        (Value::from("1"), "string"),
        (Value::from(true), "boolean"),
        (Value::Null, "null"),
        (list![1.0], "list"),
    ] {
        let message = fails_either_way("-x", &[("x", value)]);
        assert_mentions(&message, &["`-`", "number", kind]);
    }
}

// ---------------------------------------------------------------------------------------------------
// Arithmetic

#[test]
fn multiplication_of_numbers() {
    js("2 * 3", 6.0);
    js("0.1 * 3", 0.30000000000000004);
    js("-1 * 0", -0.0);
    js("0 * -5", -0.0);
    js("Infinity * 0", f64::NAN);
    js("1e308 * 10", f64::INFINITY);
    js("-1e308 * 10", f64::NEG_INFINITY);
    js_with("a * b", &[("a", 1.5.into()), ("b", (-4.0).into())], -6.0);
}

#[test]
fn division_follows_ieee_754() {
    js("7 / 2", 3.5);
    js("1 / 3", 0.3333333333333333);
    js("1 / 0", f64::INFINITY);
    js("-1 / 0", f64::NEG_INFINITY);
    js("1 / -0", f64::NEG_INFINITY);
    js("0 / 0", f64::NAN);
    js("0 / -3", -0.0);
    js_with(
        "a / b",
        &[("a", 1.0.into()), ("b", (-0.0).into())],
        f64::NEG_INFINITY,
    );
}

#[test]
fn remainder_takes_the_sign_of_the_dividend() {
    js("7 % 3", 1.0);
    js("-7 % 3", -1.0);
    js("7 % -3", 1.0);
    js("5.5 % 2", 1.5);
    js("-4 % 2", -0.0);
    js("-0 % 5", -0.0);
    js("1 % 0", f64::NAN);
    js("Infinity % 1", f64::NAN);
    js("1 % Infinity", 1.0);
    js("0.3 % 0.1", 0.09999999999999998);
    js_with("a % b", &[("a", 10.0.into()), ("b", 4.0.into())], 2.0);
}

#[test]
fn addition_of_numbers() {
    js("1 + 2", 3.0);
    js("0.1 + 0.2", 0.30000000000000004);
    js("0.1 + 0.7", 0.7999999999999999);
    js("-0 + -0", -0.0);
    js("-0 + 0", 0.0);
    js("Infinity + -Infinity", f64::NAN);
    js("9007199254740992 + 1", 9007199254740992.0);
    js_with("a + b", &[("a", (-0.0).into()), ("b", (-0.0).into())], -0.0);
}

#[test]
fn addition_joins_strings_and_numbers_as_javascript_prints_them() {
    js("'a' + 'b'", "ab");
    js("'a' + 1", "a1");
    js("1 + 'a'", "1a");
    js("'x' + 1e21", "x1e+21");
    js("'x' + 1e-7", "x1e-7");
    js("'x' + 0.000001", "x0.000001");
    js("'x' + -0", "x0");
    js("'x' + 0.1 * 3", "x0.30000000000000004");
    js("'n' + 123456789.123", "n123456789.123");
    js("'n' + 1/3", "n0.3333333333333333");
    js("'n' + 100", "n100");
    js("'n' + 1e300", "n1e+300");
    js("'n' + 2e-323", "n2e-323");
    js("'' + NaN", "NaN");
    js("'' + -Infinity", "-Infinity");
    js("'' + true", "true");
    js("false + 'x'", "falsex");
    // Left to right: numbers add until a string is met.
    js("1 + 2 + 'a'", "3a");
    js("'a' + 1 + 2", "a12");
    js("'a' + (1 + 2)", "a3");
    js_with(
        "'Agent ' + id + ': ' + score",
        &[("id", "A7".into()), ("score", 0.5.into())],
        "Agent A7: 0.5",
    );
    js_with("s + n", &[("s", "😀".into()), ("n", (-0.0).into())], "😀0");
}

#[test]
fn addition_refuses_null_booleans_alone_lists_and_maps() {
    let cases: [(Value, Value, &str, &str); 6] = [
        (Value::Null, 1.0.into(), "null", "number"),
        ("a".into(), Value::Null, "string", "null"),
        (true.into(), 1.0.into(), "boolean", "number"),
        (true.into(), true.into(), "boolean", "boolean"),
        (list![1.0], "a".into(), "list", "string"),
        ("a".into(), list![1.0], "string", "list"),
    ];
    for (x, y, x_kind, y_kind) in cases {
        let message = fails_either_way("x + y", &[("x", x), ("y", y)]);
        assert_mentions(&message, &["`+`", x_kind, y_kind]);
    }
    let message = fails_with("m + ''", &[("m", json(r#"{"a": 1}"#))]);
    assert_mentions(&message, &["`+`", "map", "string"]);
}

#[test]
fn subtraction_of_numbers() {
    js("5 - 3", 2.0);
    js("0.3 - 0.1", 0.19999999999999998);
    js("0 - 0", 0.0);
    js("-0 - 0", -0.0);
    js("-0 - -0", 0.0);
    js("Infinity - Infinity", f64::NAN);
    js_with("a - b", &[("a", 1.0.into()), ("b", 1.0.into())], 0.0);
}

#[test]
fn arithmetic_on_non_numbers_is_a_type_error() {
    let cases: [(&str, Value, Value, &str, &str); 7] = [
        ("-", "a".into(), 1.0.into(), "string", "number"),
        ("-", "5".into(), "2".into(), "string", "string"),
        ("*", "2".into(), 3.0.into(), "string", "number"),
        ("*", 2.0.into(), true.into(), "number", "boolean"),
        ("*", Value::Null, 1.0.into(), "null", "number"),
        ("/", "6".into(), "2".into(), "string", "string"),
        ("%", 1.0.into(), Value::Null, "number", "null"),
    ];
    for (op, x, y, x_kind, y_kind) in cases {
        let message = fails_either_way(&format!("x {op} y"), &[("x", x), ("y", y)]);
        assert_mentions(&message, &[&format!("`{op}`"), x_kind, y_kind]);
    }
    // Constant operands are checked when compiling.
    assert_mentions(&fails("'a' - 1"), &["`-`", "string", "number"]);
    assert_mentions(&fails("[1] * 2"), &["`*`", "list", "number"]);
}

// ---------------------------------------------------------------------------------------------------
// Comparison

#[test]
fn relational_operators_compare_numbers() {
    js("1 < 2", true);
    js("2 < 1", false);
    js("1 < 1", false);
    js("1 <= 1", true);
    js("2 > 1", true);
    js("1 >= 2", false);
    js("-0 < 0", false);
    js("-0 <= 0", true);
    js("-0 >= 0", true);
    js("Infinity > 1e308", true);
    js("-Infinity < -1e308", true);
    // Every comparison with NaN is false.
    js("NaN < 1", false);
    js("1 > NaN", false);
    js("NaN >= NaN", false);
    js_with(
        "x <= y",
        &[("x", f64::NAN.into()), ("y", f64::NAN.into())],
        false,
    );
    js_with("x >= 3", &[("x", 3.0.into())], true);
}

#[test]
fn relational_operators_compare_strings_by_utf16_code_units() {
    js("'a' < 'b'", true);
    js("'B' < 'a'", true);
    js("'a' < 'B'", false);
    js("'Z' > 'a'", false);
    js("'10' < '9'", true);
    js("'abc' < 'abd'", true);
    js("'ab' < 'abc'", true);
    js("'' < 'a'", true);
    js("'a' <= 'a'", true);
    js("'a' >= 'b'", false);
    js("'é' > 'z'", true);
    // U+FF5E comes after U+1F600 by code point but before it by UTF-16 code unit (0xD83D).
    js("'\\uFF5E' > '😀'", true);
    js("'\\uFF5E' > '\\u{10000}'", true);
    js_with(
        "a < b",
        &[("a", "😀".into()), ("b", "\u{FF5E}".into())],
        true,
    );
}

#[test]
fn relational_operators_refuse_mixed_types() {
    let cases: [(&str, Value, Value, &str, &str); 5] = [
        ("<", "a".into(), 1.0.into(), "string", "number"),
        ("<=", 1.0.into(), "2".into(), "number", "string"),
        (">", Value::Null, 1.0.into(), "null", "number"),
        (">=", true.into(), false.into(), "boolean", "boolean"),
        ("<", list![1.0], list![2.0], "list", "list"),
    ];
    for (op, x, y, x_kind, y_kind) in cases {
        let message = fails_either_way(&format!("x {op} y"), &[("x", x), ("y", y)]);
        assert_mentions(&message, &[&format!("`{op}`"), x_kind, y_kind]);
    }
}

#[test]
fn loose_equality_of_values_of_one_type() {
    js("1 == 1", true);
    js("0 == -0", true);
    js("NaN == NaN", false);
    js("NaN != NaN", true);
    js("'a' == 'a'", true);
    js("'a' == 'A'", false);
    js("'a' != 'b'", true);
    js("true == true", true);
    js("true != false", true);
    js_with("s == 'Gold'", &[("s", "Gold".into())], true);
    js_with("x != y", &[("x", 0.0.into()), ("y", (-0.0).into())], false);
}

#[test]
fn loose_equality_with_null_never_converts() {
    js("null == null", true);
    js("null != null", false);
    js("null == 0", false);
    js("0 == null", false);
    js("null == ''", false);
    js("null != 0", true);
    js_with("x == null", &[("x", "".into())], false);
    js_with("x != null", &[("x", Value::Null)], false);
}

#[test]
fn loose_equality_refuses_to_convert() {
    let cases: [(&str, Value, Value, &str, &str); 4] = [
        ("==", 1.0.into(), "1".into(), "number", "string"),
        ("==", true.into(), 1.0.into(), "boolean", "number"),
        ("!=", "true".into(), true.into(), "string", "boolean"),
        ("!=", 0.0.into(), false.into(), "number", "boolean"),
    ];
    for (op, x, y, x_kind, y_kind) in cases {
        let message = fails_either_way(&format!("x {op} y"), &[("x", x), ("y", y)]);
        assert_mentions(&message, &[&format!("`{op}`"), x_kind, y_kind]);
    }
}

#[test]
fn strict_equality_never_converts() {
    js("1 === 1", true);
    js("1 === '1'", false);
    js("'1' !== 1", true);
    js("null === 0", false);
    js("null === null", true);
    js("true === 1", false);
    js("NaN === NaN", false);
    js("NaN !== NaN", true);
    js("0 === -0", true);
    js("'a' === 'a'", true);
    js("'a' !== 'a'", false);
    js("'\\u{1F600}' === '😀'", true);
    js_with("x === y", &[("x", "1".into()), ("y", 1.0.into())], false);
    js_with("x !== null", &[("x", "".into())], true);
}

#[test]
fn equality_refuses_lists_and_maps() {
    for op in ["==", "!=", "===", "!=="] {
        let message = fails_either_way(
            &format!("x {op} y"),
            &[("x", list![1.0]), ("y", list![1.0])],
        );
        assert_mentions(&message, &[&format!("`{op}`"), "list"]);
        let message = fails_with(&format!("m {op} m"), &[("m", json(r#"{"a": 1}"#))]);
        assert_mentions(&message, &[&format!("`{op}`"), "map"]);
    }
    // `==` would convert the list to a primitive first: refused.
    for op in ["==", "!="] {
        let message = fails_either_way(
            &format!("x {op} y"),
            &[("x", list![1.0]), ("y", 1.0.into())],
        );
        assert_mentions(&message, &[&format!("`{op}`"), "list"]);
    }
}

#[test]
fn strict_equality_of_a_list_with_another_kind_is_false() {
    // No identity and no conversion involved: JavaScript's answer is well defined.
    js_with("x === y", &[("x", list![1.0]), ("y", 1.0.into())], false);
    js_with("x !== y", &[("x", list![1.0]), ("y", 1.0.into())], true);
    js_with("x === null", &[("x", list![1.0])], false);
    js_with("x !== null", &[("x", list![1.0])], true);
    js_with("x == null", &[("x", list![1.0])], false);
    js_with("m !== null", &[("m", json(r#"{"a": 1}"#))], true);
}

// ---------------------------------------------------------------------------------------------------
// Logical operators and the conditional

#[test]
fn logical_and_of_booleans() {
    js("true && true", true);
    js("true && false", false);
    js("false && true", false);
    js_with("a && b", &[("a", true.into()), ("b", true.into())], true);
}

#[test]
fn logical_and_short_circuits() {
    // `bad` is a string: evaluating it as a condition would fail.
    let vars = [("no", Value::from(false)), ("bad", Value::from("x"))];
    assert_eq!(eval_with("no && bad", &vars), Value::from(false));
    assert_eq!(eval_with("no && bad - 1 > 0", &vars), Value::from(false));
    assert_mentions(
        &fails_with("!no && bad", &vars),
        &["`&&`", "right side", "string"],
    );
}

#[test]
fn logical_and_needs_booleans() {
    let message = fails_either_way("x && true", &[("x", 1.0.into())]);
    assert_mentions(&message, &["`&&`", "left side", "boolean", "number"]);
    let message = fails_either_way("true && x", &[("x", "a".into())]);
    assert_mentions(&message, &["`&&`", "right side", "boolean", "string"]);
}

#[test]
fn logical_or_of_booleans() {
    js("false || false", false);
    js("false || true", true);
    js("true || false", true);
    js_with("a || b", &[("a", false.into()), ("b", false.into())], false);
}

#[test]
fn logical_or_short_circuits() {
    let vars = [("yes", Value::from(true)), ("bad", Value::from("x"))];
    assert_eq!(eval_with("yes || bad", &vars), Value::from(true));
    assert_eq!(eval_with("yes || bad * 2 == 0", &vars), Value::from(true));
    assert_mentions(
        &fails_with("!yes || bad", &vars),
        &["`||`", "right side", "string"],
    );
}

#[test]
fn logical_or_needs_booleans() {
    let message = fails_either_way("x || true", &[("x", Value::Null)]);
    assert_mentions(&message, &["`||`", "left side", "boolean", "null"]);
    let message = fails_either_way("false || x", &[("x", 0.0.into())]);
    assert_mentions(&message, &["`||`", "right side", "boolean", "number"]);
}

#[test]
fn conditional_picks_one_branch() {
    js("true ? 1 : 2", 1.0);
    js("false ? 1 : 2", 2.0);
    // Right-associative, and looser than every binary operator.
    js("false ? 1 : true ? 2 : 3", 2.0);
    js("true ? false ? 1 : 2 : 3", 2.0);
    js("1 + 1 == 2 ? 'y' : 'n'", "y");
    js_with(
        "tier == 'Gold' ? 10 : tier == 'Silver' ? 5 : 1",
        &[("tier", "Silver".into())],
        5.0,
    );
    // Only the chosen branch is evaluated: the other would fail.
    let vars = [("ok", Value::from(true)), ("bad", Value::from("x"))];
    assert_eq!(
        eval_with("ok ? 'fine' : bad - 1", &vars),
        Value::from("fine")
    );
    assert_eq!(
        eval_with("!ok ? bad - 1 : 'fine'", &vars),
        Value::from("fine")
    );
}

#[test]
fn conditional_needs_a_boolean() {
    let message = fails_either_way("x ? 2 : 3", &[("x", 1.0.into())]);
    assert_mentions(&message, &["`?:`", "condition", "boolean", "number"]);
    let message = fails_either_way("x ? 2 : 3", &[("x", "".into())]);
    assert_mentions(&message, &["`?:`", "condition", "boolean", "string"]);
}

#[test]
fn precedence_and_associativity_are_javascripts() {
    js("1 + 2 * 3", 7.0);
    js("(1 + 2) * 3", 9.0);
    js("2 - 3 - 4", -5.0);
    js("12 / 3 / 2", 2.0);
    js("2 * 3 % 4", 2.0);
    js("-2 * -3", 6.0);
    js("!true == false", true);
    js("1 < 2 == true", true);
    js("true || false && false", true);
    js("(true || false) && false", false);
}

// ---------------------------------------------------------------------------------------------------
// Member access and indexing

#[test]
fn length_counts_utf16_code_units_and_list_items() {
    js("'abc'.length", 3.0);
    js("''.length", 0.0);
    js("'é'.length", 1.0);
    js("'e\\u0301'.length", 2.0);
    js("'😀'.length", 2.0);
    js("'a😀b'.length", 4.0);
    js("[1, 2, 3].length", 3.0);
    js("[].length", 0.0);
    js_with("s.length", &[("s", "ß straße 😀".into())], 11.0);
    js_with("l.length", &[("l", list!["a", Value::Null])], 2.0);
    // A map's `length` is its key of that name.
    js_with("m.length", &[("m", json(r#"{"length": 5}"#))], 5.0);
}

#[test]
fn length_of_other_values_is_an_error() {
    for (value, kind) in [
        (Value::from(5.0), "number"),
        (Value::from(true), "boolean"),
        (Value::Null, "null"),
    ] {
        let message = fails_either_way("x.length", &[("x", value)]);
        assert_mentions(&message, &[kind, "length"]);
    }
    let message = fails_with("m.length", &[("m", json(r#"{"size": 5}"#))]);
    assert_mentions(&message, &["no key `length`"]);
}

#[test]
fn field_access_on_maps() {
    let item = json(r#"{"name": "Ann", "tier": {"level": 2}, "tags": ["x", "y"], "none": null}"#);
    let vars = [("item", item)];
    js_with("item.name", &vars, "Ann");
    js_with("item.tier.level + 1", &vars, 3.0);
    js_with("item.tags[1]", &vars, "y");
    js_with("item.name.length", &vars, 3.0);
    js_with("item.none === null", &vars, true);
    js_with("item.name.toUpperCase()", &vars, "ANN");
}

#[test]
fn missing_map_key_is_an_error_with_a_suggestion() {
    let vars = [("item", json(r#"{"name": "Ann"}"#))];
    let message = fails_with("item.nmae", &vars);
    assert_mentions(&message, &["no key `nmae`", "did you mean `name`?"]);
    let message = fails_with("item.zzz", &vars);
    assert_mentions(&message, &["no key `zzz`", "undefined"]);
    let message = fails_with("item['nmae']", &vars);
    assert_mentions(&message, &["no key `nmae`", "did you mean `name`?"]);
}

#[test]
fn fields_of_other_values_are_errors() {
    let message = fails_either_way("x.foo", &[("x", "a".into())]);
    assert_mentions(&message, &["string", "`foo`"]);
    let message = fails_either_way("x.foo", &[("x", 5.0.into())]);
    assert_mentions(&message, &["number", "`foo`"]);
    let message = fails_either_way("x.foo", &[("x", Value::Null)]);
    assert_mentions(&message, &["null", "`foo`"]);
}

#[test]
fn indexing_strings_by_utf16_code_unit() {
    js("'abc'[0]", "a");
    js("'abc'[2]", "c");
    js("'é'[0]", "é");
    js("'a😀b'[3]", "b");
    js_with("s[i]", &[("s", "Gold".into()), ("i", 1.0.into())], "o");
    js_with("s[s.length - 1]", &[("s", "Gold".into())], "d");
}

#[test]
fn indexing_a_string_out_of_range_is_an_error() {
    // JavaScript gives `undefined`.
    for index in [3.0, -1.0, 1.5, f64::NAN] {
        let message = fails_either_way("s[i]", &[("s", "abc".into()), ("i", index.into())]);
        assert_mentions(&message, &["out of range", "length 3"]);
    }
}

#[test]
fn indexing_into_a_surrogate_pair_is_an_error() {
    // JavaScript gives a lone surrogate ("\ud83d", "\ude00"), which a routeflow string cannot hold.
    for index in [1.0, 2.0] {
        let message = fails_either_way("s[i]", &[("s", "a😀b".into()), ("i", index.into())]);
        assert_mentions(&message, &["emoji"]);
    }
}

#[test]
fn indexing_maps_by_string_key() {
    let vars = [("m", json(r#"{"a b": 1, "x": [true]}"#)), ("k", "x".into())];
    js_with("m['a b']", &vars, 1.0);
    js_with("m[k][0]", &vars, true);
    let message = fails_with("m[1]", &vars);
    assert_mentions(&message, &["map", "string", "number"]);
}

#[test]
fn indexing_by_the_wrong_type_is_an_error() {
    // JavaScript converts the key: `[1]['0']` is 1, `'abc'['0']` is 'a'.
    let message = fails_either_way("x['0']", &[("x", list![1.0])]);
    assert_mentions(&message, &["list", "number", "string"]);
    let message = fails_either_way("x['0']", &[("x", "abc".into())]);
    assert_mentions(&message, &["string", "number"]);
    let message = fails_either_way("x[0]", &[("x", 5.0.into())]);
    assert_mentions(&message, &["number", "cannot be indexed"]);
    let message = fails_either_way("x[0]", &[("x", Value::Null)]);
    assert_mentions(&message, &["null", "cannot be indexed"]);
}

// ---------------------------------------------------------------------------------------------------
// Literals

#[test]
fn string_literals_and_escapes() {
    js("'it\\'s'", "it's");
    js("\"a\\\"b\"", "a\"b");
    js("\"it's\"", "it's");
    js("'\\n'.length", 1.0);
    js("'tab\\there'", "tab\there");
    js("'\\x41'", "A");
    js("'\\u00e9'", "é");
    js("'\\u{1F600}'.length", 2.0);
    js("'\\uD83D\\uDE00'", "😀");
    js("'\\0'.length", 1.0);
}

#[test]
fn string_literals_cannot_hold_half_a_surrogate_pair() {
    // JavaScript makes a string with a lone surrogate.
    for src in ["'\\uD83D'", "'\\uDE00'", "'\\u{D83D}'", "'\\uD83Dx'"] {
        assert_mentions(&fails(src), &["surrogate"]);
    }
    // As in strict mode JavaScript.
    assert_mentions(&fails("'\\1'"), &["octal"]);
}

#[test]
fn number_literals() {
    js("0x1F", 31.0);
    js(".5", 0.5);
    js("5.", 5.0);
    js("1E+3", 1000.0);
    js("0.1e-2", 0.001);
    js("1e21", 1e21);
    js("1e-7", 1e-7);
    js("123456789012345680000", 123456789012345680000.0);
    js("Infinity", f64::INFINITY);
    js("NaN", f64::NAN);
}

// ---------------------------------------------------------------------------------------------------
// Names, calls and compilation

#[test]
fn arity_is_checked_at_compile_time() {
    assert_mentions(&fails("'a'.trim(1)"), &["trim()", "no arguments", "got 1"]);
    assert_mentions(&fails("Math.abs()"), &["Math.abs()", "1 argument", "got 0"]);
    assert_mentions(
        &fails("parseInt('1', 2, 3)"),
        &["parseInt()", "1 to 2 arguments", "got 3"],
    );
    assert_mentions(
        &fails("'a'.replace('a')"),
        &["replace()", "2 arguments", "got 1"],
    );
    assert_mentions(
        &fails("'a'.indexOf()"),
        &["indexOf()", "1 to 2 arguments", "got 0"],
    );
    assert_mentions(&fails("Number()"), &["Number()", "1 argument", "got 0"]);
    assert_mentions(&fails("(1).toFixed(1, 2)"), &["toFixed()", "got 2"]);
    // Also when the receiver or the arguments are variables: nothing is evaluated.
    let message = fails_to_compile("s.trim(s)", &["s"]);
    assert_mentions(&message, &["trim()", "no arguments", "got 1"]);
}

#[test]
fn every_compile_error_is_reported() {
    let errors = diagnostics("'a'.trim(1) + Math.abs() + nope", &[]);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_mentions(&errors[0].message, &["trim()"]);
    assert_mentions(&errors[1].message, &["Math.abs()"]);
    assert_mentions(&errors[2].message, &["undeclared variable `nope`"]);
}

#[test]
fn unknown_function_suggests_the_closest_name() {
    let message = fails("parseInteger('1')");
    assert_mentions(
        &message,
        &[
            "unknown function `parseInteger`",
            "did you mean `parseInt`?",
        ],
    );
    let message = fails("Numbr('1')");
    assert_mentions(
        &message,
        &["unknown function `Numbr`", "did you mean `Number`?"],
    );
    let message = fails("foo(1)");
    assert_mentions(&message, &["unknown function `foo`", "parseInt"]);
}

#[test]
fn unknown_math_function_suggests_the_closest_name() {
    assert_mentions(
        &fails("Math.mx(1, 2)"),
        &["`Math.mx`", "did you mean `Math.max`?"],
    );
    assert_mentions(
        &fails("Math.flor(1.5)"),
        &["`Math.flor`", "did you mean `Math.floor`?"],
    );
    assert_mentions(
        &fails("Math.pow(2, 3)"),
        &["`Math.pow` is not supported", "Math.round"],
    );
}

#[test]
fn unknown_method_suggests_the_closest_name() {
    let message = fails("'a'.toUppercase()");
    assert_mentions(
        &message,
        &[
            "unknown method `toUppercase`",
            "did you mean `toUpperCase`?",
        ],
    );
    let message = fails("'a'.spilt(',')");
    assert_mentions(
        &message,
        &["unknown method `spilt`", "did you mean `split`?"],
    );
    let message = fails_to_compile("s.startWith('a')", &["s"]);
    assert_mentions(
        &message,
        &["unknown method `startWith`", "did you mean `startsWith`?"],
    );
    assert_mentions(&fails("'a'.trimLeft()"), &["unknown method `trimLeft`"]);
}

#[test]
fn method_of_another_type_is_an_error() {
    let cases: [(&str, Value, &str); 6] = [
        ("x.trim()", 5.0.into(), "number"),
        ("x.trim()", list!["a"], "list"),
        ("x.trim()", Value::Null, "null"),
        ("x.toFixed(2)", "1".into(), "string"),
        ("x.toFixed()", true.into(), "boolean"),
        ("x.join()", "abc".into(), "string"),
    ];
    for (src, value, kind) in cases {
        let message = fails_either_way(src, &[("x", value)]);
        assert_mentions(&message, &["is not a method of a", kind]);
    }
    let message = fails_with("m.trim()", &[("m", json("{}"))]);
    assert_mentions(
        &message,
        &["trim() is not a method of a map", "works on a string"],
    );
}

#[test]
fn undeclared_variable_suggests_a_declared_one() {
    let names = ["level1", "segment", "requestedAgent"];
    let message = fails_to_compile("levl1 == 'Insurance'", &names);
    assert_mentions(
        &message,
        &["undeclared variable `levl1`", "did you mean `level1`?"],
    );
    let message = fails_to_compile("requestedagent != ''", &names);
    assert_mentions(&message, &["did you mean `requestedAgent`?"]);
    let message = fails_to_compile("xyz", &names);
    assert_mentions(&message, &["undeclared variable `xyz`", "declare it"]);
    // The error points at the name, with its line and column.
    let errors = diagnostics("segment == 'a' && levl1", &names);
    assert_eq!(errors[0].span.range(), 18..23);
}

#[test]
fn unsupported_words_and_functions_as_values_are_errors() {
    assert_mentions(
        &fails("undefined"),
        &["`undefined` is not supported", "null"],
    );
    assert_mentions(&fails("this"), &["`this` is not supported"]);
    assert_mentions(&fails("Number"), &["`Number` is a function, not a value"]);
    assert_mentions(&fails("Math"), &["`Math` is not a value"]);
    assert_mentions(
        &fails("Math.abs"),
        &["`Math.abs` is a function, not a value"],
    );
    assert_mentions(
        &fails("(1)(2)"),
        &["only built-in functions and methods can be called"],
    );
    // Operators JavaScript has and routeflow does not.
    for src in ["2 ** 3", "typeof 1", "x = 1", "x++", "{}"] {
        let _ = fails_to_compile(src, &["x"]);
    }
}

#[test]
fn a_variable_may_shadow_a_built_in_name() {
    js_with("Math.max", &[("Math", json(r#"{"max": 3}"#))], 3.0);
}

#[test]
fn constant_subexpressions_are_folded_at_compile_time() {
    let expr = compile("1 + 2 * 3", &Scope::new()).expect("compiles");
    assert_eq!(expr.constant(), Some(&Value::from(7.0)));
    assert_eq!(expr.source(), "1 + 2 * 3");
    let scope = Scope::with_names(["x"]);
    let expr = compile("x + 2 * 3", &scope).expect("compiles");
    assert_eq!(expr.constant(), None);
    assert_eq!(expr.eval(&[Value::from(1.0)]), Ok(Value::from(7.0)));
    // A constant sub-expression that fails is an error when compiling, where it is.
    let errors = diagnostics("x + ('a' - 1)", &["x"]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].span.range(), 4..13); // `('a' - 1)`
}

#[test]
fn errors_point_at_the_failing_subexpression() {
    let vars = [("n", Value::from(1.0)), ("s", Value::from("a"))];
    let error = eval_error("n + (s - 1) * 2", &vars);
    assert_eq!(error.span.range(), 4..11); // `(s - 1)`
    let error = eval_error("n > 0 && s.repeat(-1) == ''", &vars);
    assert_eq!(error.span.range(), 9..21);
}

#[test]
fn eval_bool_needs_a_boolean_result() {
    let scope = Scope::with_names(["tier"]);
    let expr = compile("tier == 'Gold'", &scope).expect("compiles");
    assert_eq!(expr.eval_bool(&[Value::from("Gold")]), Ok(true));
    assert_eq!(expr.eval_bool(&[Value::from("Lead")]), Ok(false));
    let expr = compile("tier", &scope).expect("compiles");
    let error = expr.eval_bool(&[Value::from("Gold")]).unwrap_err();
    assert_mentions(&error.message, &["boolean", "string"]);
}

/// Conditions answer as their values do: `eval_bool` (which Segmentations use, with shortcuts for the
/// usual shapes) gives `Ok(b)` exactly when `eval` gives the boolean `b`, and fails when it fails or
/// gives something else.
#[test]
fn conditions_answer_as_their_values_do() {
    let scope = Scope::with_names(["v", "w"]);
    let conditions = [
        "v",
        "!v",
        "v == ''",
        "'' == v",
        "v != 'a'",
        "v === 'a'",
        "v !== ''",
        "v == 1",
        "1 != v",
        "v === 0",
        "v !== 1",
        "v == null",
        "v < 1",
        "v == '' && w == 1",
        "!v || w != 1",
        "v != 'a' && !w",
        "v === '' || w === 0 || !v",
    ];
    let values = [
        Value::from(""),
        Value::from("a"),
        Value::from(0.0),
        Value::from(-0.0),
        Value::from(1.0),
        Value::from(f64::NAN),
        Value::Bool(true),
        Value::Bool(false),
        Value::Null,
        list![1.0],
    ];
    for source in conditions {
        let expr = compile(source, &scope).expect("compiles");
        for v in &values {
            for w in &values {
                let frame = [v.clone(), w.clone()];
                let as_value = expr.eval(&frame);
                let as_condition = expr.eval_bool(&frame);
                let context = format!("`{source}` with v = {}, w = {}", v.to_json(), w.to_json());
                match as_value {
                    Ok(Value::Bool(b)) => assert_eq!(as_condition, Ok(b), "{context}"),
                    _ => assert!(as_condition.is_err(), "{context}: {as_condition:?}"),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Compiled once, evaluated many times

#[test]
fn compiled_expression_evaluates_on_many_frames() {
    let scope = Scope::with_names(["tier", "waited", "language"]);
    let expr = compile(
        "tier == 'Gold' || waited > 60 ? 'priority-' + language.toLowerCase() : 'normal'",
        &scope,
    )
    .expect("compiles");
    let frames: [([Value; 3], Value); 4] = [
        (
            ["Gold".into(), 0.0.into(), "EN".into()],
            "priority-en".into(),
        ),
        (
            ["Silver".into(), 61.0.into(), "Fr".into()],
            "priority-fr".into(),
        ),
        (["Silver".into(), 60.0.into(), "DE".into()], "normal".into()),
        (
            ["Bronze".into(), f64::NAN.into(), "".into()],
            "normal".into(),
        ),
    ];
    for _ in 0..3 {
        for (frame, expected) in &frames {
            assert_eq!(&expr.eval(frame).expect("evaluates"), expected, "{frame:?}");
        }
    }
    // A failing frame does not affect the next ones.
    let bad = [Value::from("Gold"), Value::from(0.0), Value::from(5.0)];
    assert!(expr.eval(&bad).is_err());
    assert_eq!(expr.eval(&frames[0].0), Ok(frames[0].1.clone()));
}

#[test]
fn a_frame_too_short_for_the_scope_is_an_error_not_a_panic() {
    let scope = Scope::with_names(["a", "b"]);
    let expr = compile("a + b", &scope).expect("compiles");
    assert!(expr.eval(&[Value::from(1.0)]).is_err());
}

#[test]
fn deeply_nested_expressions_are_errors_not_crashes() {
    for src in [
        format!("{}1{}", "(".repeat(1000), ")".repeat(1000)),
        format!("{}1", "- ".repeat(1000)),
        format!("{}true", "!".repeat(1000)),
        vec!["1"; 5000].join(" + "),
        format!("{}0{}", "[".repeat(1000), "]".repeat(1000)),
    ] {
        assert_mentions(&fails(&src), &["too deeply nested"]);
    }
}

#[test]
fn expression_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Expression>();
    assert_send_sync::<Value>();

    let scope = Scope::with_names(["n"]);
    let expr = compile("(n * 2).toFixed(1) + '/' + String(n % 3 == 0)", &scope).expect("compiles");
    std::thread::scope(|threads| {
        for t in 0..4 {
            let expr = &expr;
            threads.spawn(move || {
                for i in 0..250 {
                    let n = f64::from(t * 250 + i);
                    let expected = format!("{:.1}/{}", n * 2.0, n % 3.0 == 0.0);
                    assert_eq!(expr.eval(&[Value::from(n)]), Ok(Value::from(expected)));
                }
            });
        }
    });
}

#[test]
fn workitem_values_from_json() {
    let workitem = json(
        r#"{"customer": {"tier": "Gold", "skills": ["english", "billing"], "score": 4.5, "vip": true, "note": null}}"#,
    );
    let vars = [("wi", workitem)];
    let expr =
        "wi.customer.skills.includes('billing') && wi.customer.score >= 4 && wi.customer.vip";
    js_with(expr, &vars, true);
    js_with(
        "wi.customer.skills.join('+') + ':' + wi.customer.tier",
        &vars,
        "english+billing:Gold",
    );
    js_with("wi.customer.note == null", &vars, true);
    js_with("wi.customer.skills", &vars, list!["english", "billing"]);
    // Values print as JSON, with JavaScript's numbers, and the words JSON lacks.
    assert_eq!(
        eval("[-0, 0.1 + 0.2, 1e21, NaN, -Infinity, 'a\"\\n']").to_json(),
        r#"[-0,0.30000000000000004,1e+21,NaN,-Infinity,"a\"\n"]"#
    );
}
