//! Number functions and constants of the expression language (SPEC §5.1): `Number`, `String`,
//! `parseInt`, `parseFloat`, `isNaN`, `isFinite`, `Math.*`, `NaN`, `Infinity`, and the number methods
//! `toString(radix)` and `toFixed`. Every expected value is node's.

#[macro_use]
mod expressions_support;

use expressions_support::*;
use routeflow::expr::Value;

// ---------------------------------------------------------------------------------------------------
// Number()

#[test]
fn number_converts_decimal_strings() {
    js("Number('42')", 42.0);
    js("Number('+5')", 5.0);
    js("Number('-0')", -0.0);
    js("Number('1e3')", 1000.0);
    js("Number('1E+5')", 100000.0);
    js("Number('.5')", 0.5);
    js("Number('5.')", 5.0);
    js("Number('1.e1')", 10.0);
    js("Number('-.5e-1')", -0.05);
    js("Number('00012')", 12.0);
    js("Number('0.0000001')", 1e-7);
    js("Number('9007199254740993')", 9007199254740992.0);
    js("Number('1e400')", f64::INFINITY);
    js("Number('1e1000')", f64::INFINITY);
    js("Number('-1e-400')", -0.0);
    js_with("Number(s)", &[("s", "3.5".into())], 3.5);
}

#[test]
fn number_trims_javascript_whitespace() {
    js("Number('  12  ')", 12.0);
    js("Number('')", 0.0);
    js("Number(' \\n\\t ')", 0.0);
    js("Number('\\u00a012\\ufeff')", 12.0);
    js("Number('\\u2028 5')", 5.0);
    // U+0085 is not JavaScript white space.
    js("Number('\\u0085 12')", f64::NAN);
}

#[test]
fn number_converts_hex_octal_binary_and_infinity() {
    js("Number('0x1F')", 31.0);
    js("Number('0X1f')", 31.0);
    js("Number('0b101')", 5.0);
    js("Number('0o17')", 15.0);
    js("Number('0x20000000000001')", 9007199254740992.0);
    js("Number('0xFFFFFFFFFFFFFFFFF')", 295147905179352830000.0);
    js("Number('Infinity')", f64::INFINITY);
    js("Number('+Infinity')", f64::INFINITY);
    js("Number('-Infinity')", f64::NEG_INFINITY);
    js("Number('  -Infinity  ')", f64::NEG_INFINITY);
}

#[test]
fn number_of_malformed_strings_is_nan() {
    for text in [
        ".", "abc", "1_000", "12px", "infinity", "-0x1", "+0x10", "0x", "0x1_0", "0b", "0b2", "1e",
        "-", "+", ".e1",
    ] {
        js_with("Number(s)", &[("s", text.into())], f64::NAN);
    }
}

#[test]
fn number_converts_booleans_null_and_numbers() {
    js("Number(true)", 1.0);
    js("Number(false)", 0.0);
    js("Number(null)", 0.0);
    js("Number(3.5)", 3.5);
    js("Number(-0)", -0.0);
}

#[test]
fn number_refuses_lists_and_maps() {
    // JavaScript gives 1 for `Number([1])`.
    let message = fails_either_way("Number(x)", &[("x", list![1.0])]);
    assert_mentions(&message, &["Number()", "list"]);
    let message = fails_with("Number(m)", &[("m", json("{}"))]);
    assert_mentions(&message, &["Number()", "map"]);
}

// ---------------------------------------------------------------------------------------------------
// String()

#[test]
fn string_prints_values_as_javascript() {
    js("String(1.5)", "1.5");
    js("String(1e21)", "1e+21");
    js("String(123e-20)", "1.23e-18");
    js("String(1e-7)", "1e-7");
    js("String(-1e-7)", "-1e-7");
    js("String(0.000001)", "0.000001");
    js("String(0.1 + 0.2)", "0.30000000000000004");
    js("String(-0)", "0");
    js("String(NaN)", "NaN");
    js("String(null)", "null");
    js("String(true)", "true");
    js("String('a')", "a");
    js("String([1, [2, 3], null])", "1,2,3,");
    js("String([])", "");
    js_with(
        "String(n)",
        &[("n", 9007199254740992.0.into())],
        "9007199254740992",
    );
}

#[test]
fn string_refuses_maps() {
    let message = fails_with("String(m)", &[("m", json(r#"{"name": "Ann"}"#))]);
    assert_mentions(&message, &["String()", "map"]);
}

// ---------------------------------------------------------------------------------------------------
// parseInt()

#[test]
fn parse_int_reads_a_leading_integer() {
    js("parseInt('42')", 42.0);
    js("parseInt('  42px')", 42.0);
    js("parseInt('\\n\\t 7')", 7.0);
    js("parseInt('\\u00a042')", 42.0);
    js("parseInt('-42')", -42.0);
    js("parseInt('+42')", 42.0);
    js("parseInt('1e3')", 1.0);
    js("parseInt('3.9')", 3.0);
    js("parseInt('0')", 0.0);
    js("parseInt('9007199254740993')", 9007199254740992.0);
    js(
        "parseInt('123456789012345678901234567890')",
        1.2345678901234568e29,
    );
    js("parseInt('1'.repeat(400))", f64::INFINITY);
    js_with("parseInt(s)", &[("s", "17 agents".into())], 17.0);
}

#[test]
fn parse_int_keeps_the_sign_of_negative_zero() {
    js("parseInt('-0')", -0.0);
    // A number is printed first, and -0 prints as "0".
    js("parseInt(-0)", 0.0);
}

#[test]
fn parse_int_without_digits_is_nan() {
    for text in [
        "",
        "   ",
        "abc",
        "0x",
        "-0x",
        "-",
        "Infinity",
        "\u{180E}1",
        "١٢",
    ] {
        js_with("parseInt(s)", &[("s", text.into())], f64::NAN);
    }
}

#[test]
fn parse_int_reads_the_0x_prefix() {
    js("parseInt('0x1f')", 31.0);
    js("parseInt('0X1F')", 31.0);
    js("parseInt('-0x1f')", -31.0);
    js("parseInt('  0x1f  ')", 31.0);
    js("parseInt('0x1f', 16)", 31.0);
    js("parseInt('-0X1F', 16)", -31.0);
    js("parseInt('0x', 16)", f64::NAN);
    // Only without a radix or with radix 16.
    js("parseInt('0x1f', 10)", 0.0);
    js("parseInt('0x1f', 8)", 0.0);
    js("parseInt('0x10', 36)", 42804.0);
    // No other prefix.
    js("parseInt('0b11')", 0.0);
}

#[test]
fn parse_int_with_a_radix() {
    js("parseInt('1f', 16)", 31.0);
    js("parseInt('-ff', 16)", -255.0);
    js("parseInt('z', 36)", 35.0);
    js("parseInt('Z', 36)", 35.0);
    js("parseInt('10', 36)", 36.0);
    js("parseInt('101', 2)", 5.0);
    js("parseInt('2', 2)", f64::NAN);
    js(
        "parseInt('11111111111111111111111111111111111111111111111111111', 2)",
        9007199254740991.0,
    );
    js("parseInt('f'.repeat(300), 16)", f64::INFINITY);
    js_with(
        "parseInt(s, r)",
        &[("s", "777".into()), ("r", 8.0.into())],
        511.0,
    );
}

#[test]
fn parse_int_radix_is_converted_to_int32() {
    js("parseInt('10', 0)", 10.0);
    js("parseInt('123', NaN)", 123.0);
    js("parseInt('123', Infinity)", 123.0);
    js("parseInt('12', 4.9)", 6.0);
    js("parseInt('11', 4294967298)", 3.0);
    js("parseInt('9', 1)", f64::NAN);
    js("parseInt('9', 37)", f64::NAN);
    js("parseInt('11', -1)", f64::NAN);
}

#[test]
fn parse_int_of_a_number_parses_how_it_prints() {
    js("parseInt(15.99)", 15.0);
    js("parseInt(-15.5)", -15.0);
    js("parseInt(1e21)", 1.0);
    js("parseInt(0.0000005)", 5.0);
    js("parseInt(1e-7)", 1.0);
    js("parseInt(Infinity)", f64::NAN);
}

#[test]
fn parse_int_refuses_other_types() {
    // JavaScript parses "null" and "true" (NaN) and converts the radix.
    let message = fails_either_way("parseInt(x)", &[("x", Value::Null)]);
    assert_mentions(&message, &["parseInt()", "string", "null"]);
    let message = fails_either_way("parseInt(x)", &[("x", true.into())]);
    assert_mentions(&message, &["parseInt()", "string", "boolean"]);
    let message = fails_either_way("parseInt('5', x)", &[("x", "10".into())]);
    assert_mentions(&message, &["parseInt()", "number", "argument 2", "string"]);
}

#[test]
fn parse_int_refuses_inexact_large_integers() {
    // Above 2^53 in a radix that is not a power of two, routeflow gives no value rather than risk
    // differing from node in the last digit.
    let message = fails("parseInt('zzzzzzzzzzzz', 36)");
    assert_mentions(&message, &["parseInt()", "2^53"]);
}

// ---------------------------------------------------------------------------------------------------
// parseFloat()

#[test]
fn parse_float_reads_a_leading_decimal() {
    js("parseFloat('2.75abc')", 2.75);
    js("parseFloat('  -2.5e3x')", -2500.0);
    js("parseFloat('.5')", 0.5);
    js("parseFloat('-.5')", -0.5);
    js("parseFloat('5.')", 5.0);
    js("parseFloat('1e')", 1.0);
    js("parseFloat('1e+')", 1.0);
    js("parseFloat('1e-2')", 0.01);
    js("parseFloat('1_0')", 1.0);
    js("parseFloat('0x10')", 0.0);
    js("parseFloat('0.1e-400')", 0.0);
    js("parseFloat('1.7976931348623159e308')", f64::INFINITY);
    js("parseFloat('\\u00a0 7')", 7.0);
    js("parseFloat('\\ufeff7')", 7.0);
    js_with("parseFloat(s)", &[("s", "4.5 stars".into())], 4.5);
}

#[test]
fn parse_float_edge_cases() {
    js("parseFloat('-0')", -0.0);
    js("parseFloat(-0)", 0.0);
    js("parseFloat(1e21)", 1e21);
    js("parseFloat('Infinityx')", f64::INFINITY);
    js("parseFloat('+Infinity')", f64::INFINITY);
    js("parseFloat('-Infinity')", f64::NEG_INFINITY);
    for text in ["infinity", "abc", "", ".", "+.e1"] {
        js_with("parseFloat(s)", &[("s", text.into())], f64::NAN);
    }
}

#[test]
fn parse_float_refuses_other_types() {
    let message = fails_either_way("parseFloat(x)", &[("x", Value::Null)]);
    assert_mentions(&message, &["parseFloat()", "string", "null"]);
}

// ---------------------------------------------------------------------------------------------------
// isNaN() and isFinite()

#[test]
fn is_nan_converts_as_javascript() {
    js("isNaN(NaN)", true);
    js("isNaN(0 / 0)", true);
    js("isNaN(1)", false);
    js("isNaN('abc')", true);
    js("isNaN('0x1g')", true);
    js("isNaN('12')", false);
    js("isNaN('')", false);
    js("isNaN(' ')", false);
    js("isNaN(null)", false);
    js("isNaN(true)", false);
    js_with("isNaN(x)", &[("x", "1e3".into())], false);
    let message = fails_either_way("isNaN(x)", &[("x", list![1.0])]);
    assert_mentions(&message, &["isNaN()", "list"]);
}

#[test]
fn is_finite_converts_as_javascript() {
    js("isFinite(1)", true);
    js("isFinite(Infinity)", false);
    js("isFinite(-Infinity)", false);
    js("isFinite(NaN)", false);
    js("isFinite('12')", true);
    js("isFinite('1e400')", false);
    js("isFinite('abc')", false);
    js("isFinite(null)", true);
    js("isFinite(false)", true);
    js_with("isFinite(x)", &[("x", 1e308.into())], true);
}

// ---------------------------------------------------------------------------------------------------
// Math

#[test]
fn math_max_and_min() {
    js("Math.max(1, 3, 2)", 3.0);
    js("Math.min(1, 3, 2)", 1.0);
    js("Math.max(5)", 5.0);
    js("Math.max()", f64::NEG_INFINITY);
    js("Math.min()", f64::INFINITY);
    js("Math.min(-Infinity, 1)", f64::NEG_INFINITY);
    js_with(
        "Math.max(a, b, 0)",
        &[("a", (-1.0).into()), ("b", (-2.0).into())],
        0.0,
    );
}

#[test]
fn math_max_and_min_with_nan_and_negative_zero() {
    js("Math.max(1, NaN)", f64::NAN);
    js("Math.min(NaN, 1)", f64::NAN);
    js("Math.max(0, -0)", 0.0);
    js("Math.max(-0, 0)", 0.0);
    js("Math.max(-0, -0)", -0.0);
    js("Math.min(0, -0)", -0.0);
    js("Math.min(-0, 0)", -0.0);
}

#[test]
fn math_abs() {
    js("Math.abs(-5)", 5.0);
    js("Math.abs(5)", 5.0);
    js("Math.abs(-1.5)", 1.5);
    js("Math.abs(-0)", 0.0);
    js("Math.abs(-Infinity)", f64::INFINITY);
    js("Math.abs(NaN)", f64::NAN);
}

#[test]
fn math_floor() {
    js("Math.floor(1.7)", 1.0);
    js("Math.floor(-1.2)", -2.0);
    js("Math.floor(-0.5)", -1.0);
    js("Math.floor(0.5)", 0.0);
    js("Math.floor(-0)", -0.0);
    js("Math.floor(Infinity)", f64::INFINITY);
    js("Math.floor(NaN)", f64::NAN);
}

#[test]
fn math_ceil() {
    js("Math.ceil(1.2)", 2.0);
    js("Math.ceil(-1.7)", -1.0);
    js("Math.ceil(0.2)", 1.0);
    js("Math.ceil(5)", 5.0);
    js("Math.ceil(-0.5)", -0.0);
    js("Math.ceil(-0)", -0.0);
}

#[test]
fn math_round_rounds_halves_up() {
    js("Math.round(0.5)", 1.0);
    js("Math.round(1.5)", 2.0);
    js("Math.round(2.5)", 3.0);
    js("Math.round(-1.5)", -1.0);
    js("Math.round(-2.5)", -2.0);
    js("Math.round(4503599627370495.5)", 4503599627370496.0);
    js("Math.round(-4503599627370495.5)", -4503599627370495.0);
    js("Math.round(2.4)", 2.0);
    js("Math.round(2.6)", 3.0);
    js("Math.round(-0.6)", -1.0);
    // The largest double below one half is not a half.
    js("Math.round(0.49999999999999994)", 0.0);
}

#[test]
fn math_round_keeps_the_sign_of_zero() {
    js("Math.round(-0.5)", -0.0);
    js("Math.round(-0.4)", -0.0);
    js("Math.round(-0.49999999999999994)", -0.0);
    js("Math.round(-0)", -0.0);
    js("Math.round(0.4)", 0.0);
    js("Math.round(9007199254740991)", 9007199254740991.0);
    js("Math.round(-9007199254740991)", -9007199254740991.0);
    js("Math.round(1e300)", 1e300);
    js("Math.round(NaN)", f64::NAN);
    js("Math.round(-Infinity)", f64::NEG_INFINITY);
}

#[test]
fn math_trunc() {
    js("Math.trunc(4.7)", 4.0);
    js("Math.trunc(-4.7)", -4.0);
    js("Math.trunc(0.5)", 0.0);
    js("Math.trunc(-0.5)", -0.0);
    js("Math.trunc(NaN)", f64::NAN);
    js("Math.trunc(-Infinity)", f64::NEG_INFINITY);
}

#[test]
fn math_sign() {
    js("Math.sign(-3)", -1.0);
    js("Math.sign(3)", 1.0);
    js("Math.sign(1e-300)", 1.0);
    js("Math.sign(-Infinity)", -1.0);
    js("Math.sign(0)", 0.0);
    js("Math.sign(-0)", -0.0);
    js("Math.sign(NaN)", f64::NAN);
}

#[test]
fn math_functions_refuse_non_numbers() {
    // JavaScript converts: `Math.max(1, '2')` is 2, `Math.abs(null)` is 0.
    let message = fails_either_way("Math.max(1, x)", &[("x", "2".into())]);
    assert_mentions(&message, &["Math.max()", "number", "argument 2", "string"]);
    for function in ["abs", "floor", "ceil", "round", "trunc", "sign"] {
        let message = fails_either_way(&format!("Math.{function}(x)"), &[("x", "1".into())]);
        assert_mentions(
            &message,
            &[&format!("Math.{function}()"), "number", "string"],
        );
        let message = fails_either_way(&format!("Math.{function}(x)"), &[("x", Value::Null)]);
        assert_mentions(&message, &[&format!("Math.{function}()"), "number", "null"]);
    }
}

#[test]
fn constants_pi_e_nan_and_infinity() {
    js("Math.PI", std::f64::consts::PI);
    js("Math.E", std::f64::consts::E);
    js("Math.PI * 2", std::f64::consts::TAU);
    js("NaN", f64::NAN);
    js("Infinity", f64::INFINITY);
    js("-Infinity", f64::NEG_INFINITY);
    assert_mentions(&fails("Math.PI.x"), &["number", "`x`"]);
}

// ---------------------------------------------------------------------------------------------------
// Number methods

#[test]
fn number_to_string_prints_as_javascript() {
    js("(255).toString()", "255");
    js("(1e21).toString()", "1e+21");
    js("1.5.toString()", "1.5");
    js("(-0).toString()", "0");
    js_with("n.toString()", &[("n", 0.1.into())], "0.1");
}

#[test]
fn number_to_string_with_radix() {
    js("(255).toString(16)", "ff");
    js("255..toString(16)", "ff");
    js("(255).toString(2)", "11111111");
    js("(255).toString(10)", "255");
    js("(35).toString(36)", "z");
    js("(-7).toString(36)", "-7");
    js("(1).toString(36.9)", "1");
    js("(-255.5).toString(2)", "-11111111.1");
    js("(0.5).toString(2)", "0.1");
    js("(3.75).toString(2)", "11.11");
    js("(1/3).toString(3)", "0.1");
    js("(0.1).toString(3)", "0.0022002200220022002200220022002201");
    js("(0.3).toString(5)", "0.122222222222222222222222");
    js("(4.35).toString(6)", "4.20333333333333333332");
    js("(123.456).toString(8)", "173.3513615237574734");
    js("(-1234.5678).toString(36)", "-ya.kfv9yqdpm");
    js(
        "(0.1).toString(2)",
        "0.0001100110011001100110011001100110011001100110011001101",
    );
    js(
        "(2e-7).toString(2)",
        "0.000000000000000000000011010110101111111001010011010101111001010111101001",
    );
    js("(1e21).toString(16)", "3635c9adc5dea00000");
    js("(1e21).toString(36)", "5v1j4f4ds7c000");
    js(
        "(9007199254740993).toString(3)",
        "1121202011211211122211100012101112",
    );
    js("(5e-324).toString(2).length", 1076.0);
    js("(1e-300).toString(2).length", 1051.0);
    js("NaN.toString(2)", "NaN");
    js("(-Infinity).toString(16)", "-Infinity");
    js("(-0).toString(2)", "0");
}

#[test]
fn number_to_string_radix_must_be_2_to_36() {
    for radix in ["1", "37", "NaN", "-2", "Infinity"] {
        let message = fails(&format!("(1).toString({radix})"));
        assert_mentions(&message, &["toString()", "radix", "between 2 and 36"]);
    }
    let message = fails_either_way("(1).toString(r)", &[("r", "16".into())]);
    assert_mentions(&message, &["toString()", "number", "string"]);
}

#[test]
fn boolean_to_string() {
    js("true.toString()", "true");
    js("false.toString()", "false");
    js_with("b.toString()", &[("b", true.into())], "true");
}

#[test]
fn to_fixed_rounds_half_up_on_exact_ties() {
    js("(0.5).toFixed(0)", "1");
    js("(1.5).toFixed(0)", "2");
    js("(2.5).toFixed(0)", "3");
    js("(-0.5).toFixed(0)", "-1");
    js("(-1.5).toFixed(0)", "-2");
    js("(1.25).toFixed(1)", "1.3");
    js("(0.125).toFixed(2)", "0.13");
    js("(0.375).toFixed(2)", "0.38");
    js("(123456789.125).toFixed(2)", "123456789.13");
}

#[test]
fn to_fixed_rounds_the_exact_binary_value() {
    // 1.005 is 1.00499999999999989…, 1.35 is 1.350000000000000088…
    js("(1.005).toFixed(2)", "1.00");
    js("(-1.005).toFixed(2)", "-1.00");
    js("(1.45).toFixed(1)", "1.4");
    js("(1.35).toFixed(1)", "1.4");
    js("(8.345).toFixed(2)", "8.35");
    js("(2.345).toFixed(2)", "2.35");
    js("(10.235).toFixed(2)", "10.23");
    js("(99.99).toFixed(1)", "100.0");
    js("(1.1).toFixed(20)", "1.10000000000000008882");
    js(
        "(0.1).toFixed(100)",
        "0.1000000000000000055511151231257827021181583404541015625000000000000000000000000000000000000000000000",
    );
    js("(1.0000000000000002).toFixed(16)", "1.0000000000000002");
    js_with("x.toFixed(2)", &[("x", 0.615.into())], "0.61");
}

#[test]
fn to_fixed_of_small_large_and_special_values() {
    js("(123.456).toFixed()", "123");
    js("(1.23).toFixed(2.9)", "1.23");
    js("(0).toFixed(2)", "0.00");
    js("(-0).toFixed(2)", "0.00");
    js("(-0.0001).toFixed(2)", "-0.00");
    js("(0.000001).toFixed(7)", "0.0000010");
    js("(1e-10).toFixed(3)", "0.000");
    js("(5e-324).toFixed(2)", "0.00");
    js("(1e20).toFixed(2)", "100000000000000000000.00");
    js("(1e21).toFixed(2)", "1e+21");
    js("NaN.toFixed(2)", "NaN");
    js("Infinity.toFixed(1)", "Infinity");
    js("(-Infinity).toFixed(1)", "-Infinity");
}

#[test]
fn to_fixed_digits_must_be_0_to_100() {
    for digits in ["101", "-1", "Infinity"] {
        let message = fails(&format!("(1).toFixed({digits})"));
        assert_mentions(&message, &["toFixed()", "between 0 and 100"]);
    }
    let message = fails_either_way("(1).toFixed(d)", &[("d", "2".into())]);
    assert_mentions(&message, &["toFixed()", "number", "string"]);
}

#[test]
fn math_constants_are_not_functions() {
    let message = fails("Math.PI()");
    assert_mentions(&message, &["Math.PI", "constant"]);
    js("Math.PI", std::f64::consts::PI);
    js("Math.E", std::f64::consts::E);
}
