//! String methods of the expression language (SPEC §5.1). JavaScript strings are UTF-16: lengths and
//! indexes count code units (an emoji counts 2), and a result that would hold half of a surrogate pair
//! is an error in routeflow. Every expected value is node's.

#[macro_use]
mod expressions_support;

use expressions_support::*;
use routeflow::expr::{MAX_STRING_LEN, Value};

#[test]
fn char_at() {
    js("'abc'.charAt(1)", "b");
    js("'abc'.charAt()", "a");
    js("'abc'.charAt(1.9)", "b");
    js("'abc'.charAt(NaN)", "a");
    js("'abc'.charAt(-0.5)", "a");
    js("'abc'.charAt(3)", "");
    js("'abc'.charAt(-1)", "");
    js("''.charAt(0)", "");
    js("'a😀b'.charAt(3)", "b");
    js("'😀'.charAt(2)", "");
    js_with(
        "s.charAt(i)",
        &[("s", "Gold".into()), ("i", 3.0.into())],
        "d",
    );
}

#[test]
fn char_code_at() {
    js("'abc'.charCodeAt(0)", 97.0);
    js("'abc'.charCodeAt()", 97.0);
    js("'é'.charCodeAt(0)", 233.0);
    js("'😀'.charCodeAt(0)", 55357.0);
    js("'😀'.charCodeAt(1)", 56832.0);
    js("'a😀b'.charCodeAt(3)", 98.0);
    js("'abc'.charCodeAt(5)", f64::NAN);
    js("'abc'.charCodeAt(-1)", f64::NAN);
    js("'abc'.charCodeAt(Infinity)", f64::NAN);
    js_with("s.charCodeAt(1)", &[("s", "a😀".into())], 55357.0);
}

#[test]
fn index_of() {
    js("'hello'.indexOf('l')", 2.0);
    js("'hello'.indexOf('l', 3)", 3.0);
    js("'hello'.indexOf('z')", -1.0);
    js("'hello'.indexOf('')", 0.0);
    js("'abc'.indexOf('', 10)", 3.0);
    js("'abc'.indexOf('', Infinity)", 3.0);
    js("'abc'.indexOf('c', -5)", 2.0);
    js("'abc'.indexOf('a', NaN)", 0.0);
    js("'abc'.indexOf('a', Infinity)", -1.0);
    js("'aaa'.indexOf('aa', 1)", 1.0);
    js_with("s.indexOf(',')", &[("s", "a,b".into())], 1.0);
}

#[test]
fn index_of_counts_utf16_code_units() {
    js("'😀x😀'.indexOf('x')", 2.0);
    js("'a😀b😀'.indexOf('😀', 2)", 4.0);
    js("'😀😀'.indexOf('😀', 1)", 2.0);
    js_with("s.indexOf('b')", &[("s", "é😀b".into())], 3.0);
}

#[test]
fn last_index_of() {
    js("'abcabc'.lastIndexOf('b')", 4.0);
    js("'abcabc'.lastIndexOf('b', 3)", 1.0);
    js("'abcabc'.lastIndexOf('b', -5)", -1.0);
    js("'abcabc'.lastIndexOf('a', -5)", 0.0);
    js("'abcabc'.lastIndexOf('')", 6.0);
    js("'abcabc'.lastIndexOf('', 2)", 2.0);
    js("'abcabc'.lastIndexOf('c', NaN)", 5.0);
    js("'abcabc'.lastIndexOf('c', Infinity)", 5.0);
    js("'abcabc'.lastIndexOf('z')", -1.0);
    js("'abab'.lastIndexOf('ab', 1)", 0.0);
    js("'😀😀😀'.lastIndexOf('😀')", 4.0);
    js("'😀😀😀'.lastIndexOf('😀', 3)", 2.0);
    js("'a😀'.lastIndexOf('😀', 2)", 1.0);
}

#[test]
fn last_index_of_finds_overlapping_occurrences() {
    js("'aaaa'.lastIndexOf('aa')", 2.0);
    js("'aaa'.lastIndexOf('aa')", 1.0);
    js("'aaa'.lastIndexOf('aa', 1)", 1.0);
    js("'ababa'.lastIndexOf('aba')", 2.0);
    js("'xaaa'.lastIndexOf('aa', 2)", 2.0);
    js_with("s.lastIndexOf('00')", &[("s", "1000".into())], 2.0);
}

#[test]
fn includes_on_strings() {
    js("'hello'.includes('ell')", true);
    js("'hello'.includes('')", true);
    js("'Hello'.includes('hello')", false);
    js("'hello'.includes('h', 1)", false);
    js("'abc'.includes('c', -10)", true);
    js("'abc'.includes('', 99)", true);
    js_with("s.includes('😀')", &[("s", "hi 😀!".into())], true);
}

#[test]
fn starts_with() {
    js("'hello'.startsWith('he')", true);
    js("'hello'.startsWith('')", true);
    js("'hello'.startsWith('l', 2)", true);
    js("'abc'.startsWith('abc', -1)", true);
    js("'abc'.startsWith('abcd')", false);
    js("'abc'.startsWith('c', 10)", false);
    js("'abc'.startsWith('', 10)", true);
    js("'😀a'.startsWith('a', 2)", true);
    js_with("s.startsWith('VIP-')", &[("s", "VIP-42".into())], true);
}

#[test]
fn ends_with() {
    js("'hello'.endsWith('lo')", true);
    js("'hello'.endsWith('l', 4)", true);
    js("'hello'.endsWith('he', 2)", true);
    js("'abc'.endsWith('a', -1)", false);
    js("'abc'.endsWith('', 0)", true);
    js("'abc'.endsWith('abc', 99)", true);
    js("'abc'.endsWith('xabc')", false);
    js("'abc'.endsWith('c', NaN)", false);
    js("'abc'.endsWith('', NaN)", true);
    js("'a😀'.endsWith('😀')", true);
    js("'😀a'.endsWith('😀', 1)", false);
    js_with(
        "s.endsWith('.com')",
        &[("s", "ann@example.com".into())],
        true,
    );
}

#[test]
fn substring_clamps_and_swaps() {
    js("'hello'.substring(1, 3)", "el");
    js("'hello'.substring(3, 1)", "el");
    js("'hello'.substring(2)", "llo");
    js("'hello'.substring(-2)", "hello");
    js("'hello'.substring(1, 100)", "ello");
    js("'hello'.substring(NaN, 2)", "he");
    js("'hello'.substring(2, NaN)", "he");
    js("'hello'.substring(Infinity)", "");
    js("'hello'.substring(-5, -1)", "");
    js("'hello'.substring(1.9, 3.9)", "el");
    js("'a😀b'.substring(1, 3)", "😀");
    js("'a😀b'.substring(3)", "b");
    js_with(
        "s.substring(0, n)",
        &[("s", "routeflow".into()), ("n", 5.0.into())],
        "route",
    );
}

#[test]
fn slice_counts_negative_indexes_from_the_end() {
    js("'hello'.slice(1, 3)", "el");
    js("'hello'.slice(-3)", "llo");
    js("'hello'.slice(-3, -1)", "ll");
    js("'hello'.slice(3, 1)", "");
    js("'hello'.slice()", "hello");
    js("'hello'.slice(10)", "");
    js("'hello'.slice(-100)", "hello");
    js("'hello'.slice(0, -100)", "");
    js("'hello'.slice(NaN)", "hello");
    js("'hello'.slice(1, Infinity)", "ello");
    js("'😀x'.slice(-1)", "x");
    js("'😀x'.slice(0, 2)", "😀");
    js_with("s.slice(-4)", &[("s", "+1 555 0199".into())], "0199");
}

#[test]
fn to_upper_case_uses_full_unicode_case_mapping() {
    js("'abc'.toUpperCase()", "ABC");
    js("'straße'.toUpperCase()", "STRASSE");
    js("'ß'.toUpperCase()", "SS");
    js("'ﬁ'.toUpperCase()", "FI");
    js("'ﬀ'.toUpperCase()", "FF");
    js("'ŉ'.toUpperCase()", "ʼN");
    js("'ǆ'.toUpperCase()", "Ǆ");
    js("'ǈ'.toUpperCase()", "Ǉ");
    js("'ı'.toUpperCase()", "I");
    js("'ΐ'.toUpperCase()", "\u{399}\u{308}\u{301}");
    js("'ᾳ'.toUpperCase()", "ΑΙ");
    js("'é😀z'.toUpperCase()", "É😀Z");
    js_with("s.toUpperCase().length", &[("s", "ß".into())], 2.0);
}

#[test]
fn to_lower_case_uses_final_sigma() {
    js("'ABC'.toLowerCase()", "abc");
    js("'ΑΣ'.toLowerCase()", "ας");
    js("'ΣΑ'.toLowerCase()", "σα");
    js("'Σ'.toLowerCase()", "σ");
    js("'ΑΣΑ'.toLowerCase()", "ασα");
    js("'ΑΣ Β'.toLowerCase()", "ας β");
    js("'ΑΣ.'.toLowerCase()", "ας.");
    js("'ΑΣ1'.toLowerCase()", "ας1");
    js("'1Σ'.toLowerCase()", "1σ");
    js("'Α.Σ'.toLowerCase()", "α.ς");
    js("'ΑΣ\\u0301'.toLowerCase()", "ας\u{301}");
    js("'Α\\u0301Σ'.toLowerCase()", "α\u{301}ς");
    js("'ΑΣ\\'Α'.toLowerCase()", "ασ'α");
    js("'ΑΣ\\u00adΑ'.toLowerCase()", "ασ\u{ad}α");
    js_with("s.toLowerCase()", &[("s", "ΟΔΥΣΣΕΥΣ".into())], "οδυσσευς");
}

#[test]
fn to_lower_case_of_special_letters() {
    js("'ß'.toLowerCase()", "ß");
    js("'ẞ'.toLowerCase()", "ß");
    js("'İ'.toLowerCase()", "i\u{307}");
    js("'İ'.toLowerCase().length", 2.0);
    js("'ǅ'.toLowerCase()", "ǆ");
    js("'Ω'.toLowerCase()", "ω");
    js("'K'.toLowerCase()", "k");
}

#[test]
fn trim_removes_javascript_whitespace() {
    js("'  a b  '.trim()", "a b");
    js("'\\t\\n\\v\\f\\r a'.trim()", "a");
    js("''.trim()", "");
    js("'   '.trim()", "");
    js("'\\u00a0a\\ufeff'.trim()", "a");
    js("'\\u2028a\\u2029'.trim()", "a");
    js("'\\u3000a\\u1680'.trim()", "a");
    js("'\\u2000\\u200aa\\u202f\\u205f'.trim()", "a");
    js_with(
        "s.trim()",
        &[("s", "\u{feff}\u{a0} Gold \r\n".into())],
        "Gold",
    );
}

#[test]
fn trim_keeps_what_javascript_does_not_call_whitespace() {
    // NEL (U+0085) is Unicode white space but not JavaScript's; neither are U+200B, U+180E, U+001C.
    js("'\\u0085a\\u0085'.trim()", "\u{85}a\u{85}");
    js("'\\u200ba'.trim()", "\u{200b}a");
    js("'\\u180ea'.trim()", "\u{180e}a");
    js("'\\u001ca'.trim()", "\u{1c}a");
    js("'a\\ufeffb'.trim()", "a\u{feff}b");
}

#[test]
fn trim_start_and_trim_end() {
    js("'  a  '.trimStart()", "a  ");
    js("'  a  '.trimEnd()", "  a");
    js("'\\ufeffa\\ufeff'.trimStart()", "a\u{feff}");
    js("'\\ufeffa\\ufeff'.trimEnd()", "\u{feff}a");
    js("'\\u0085a\\u0085'.trimEnd()", "\u{85}a\u{85}");
    js_with("s.trimEnd()", &[("s", "\tx \u{a0}".into())], "\tx");
}

#[test]
fn split_on_a_separator() {
    js("'a,b,,c'.split(',')", list!["a", "b", "", "c"]);
    js("'a--b--'.split('--')", list!["a", "b", ""]);
    js("'aaa'.split('aa')", list!["", "a"]);
    js("'abc'.split('abc')", list!["", ""]);
    js("'abc'.split('abcd')", list!["abc"]);
    js("'abc'.split()", list!["abc"]);
    js("''.split(',')", list![""]);
    js("'é,ü'.split(',')", list!["é", "ü"]);
    js("'😀,😀'.split(',')", list!["😀", "😀"]);
    js_with("s.split(';').length", &[("s", "en;fr;de".into())], 3.0);
}

#[test]
fn split_with_an_empty_separator() {
    js("'abc'.split('')", list!["a", "b", "c"]);
    js("''.split('')", list![]);
    js("'abc'.split('', 2)", list!["a", "b"]);
    js("'a😀'.split('', 1)", list!["a"]);
}

#[test]
fn split_with_a_limit() {
    js("'a,b,c'.split(',', 2)", list!["a", "b"]);
    js("'a,b,c'.split(',', 0)", list![]);
    js("'a,b'.split(',', 1.5)", list!["a"]);
    // The limit is converted to an unsigned 32-bit integer.
    js("'a,b'.split(',', -1)", list!["a", "b"]);
    js("'a,b'.split(',', 4294967297)", list!["a"]);
    js("'a,b'.split(',', NaN)", list![]);
    js("'a,b'.split(',', Infinity)", list![]);
}

#[test]
fn replace_replaces_the_first_occurrence() {
    js("'aXbX'.replace('X', '-')", "a-bX");
    js("'abc'.replace('z', 'y')", "abc");
    js("'abc'.replace('', '-')", "-abc");
    js("'a.b.c'.replace('.', '/')", "a/b.c");
    js_with(
        "s.replace('{name}', name)",
        &[("s", "Hi {name}!".into()), ("name", "Ann".into())],
        "Hi Ann!",
    );
}

#[test]
fn replace_substitutes_dollar_patterns() {
    js("'abc'.replace('b', '[$&]')", "a[b]c");
    js("'abc'.replace('b', '$$')", "a$c");
    js("'abc'.replace('b', '$`')", "aac");
    js("'abc'.replace('b', \"$'\")", "acc");
    js("'abc'.replace('b', '$$$&')", "a$bc");
    // Without capture groups, these are literal text.
    js("'abc'.replace('b', '$1')", "a$1c");
    js("'abc'.replace('b', '$0')", "a$0c");
    js("'abc'.replace('b', '$<n>')", "a$<n>c");
    js("'abc'.replace('b', '$')", "a$c");
}

#[test]
fn replace_all_replaces_every_occurrence() {
    js("'aXbX'.replaceAll('X', '-')", "a-b-");
    js("'a.b.c'.replaceAll('.', '/')", "a/b/c");
    js("'aaa'.replaceAll('aa', 'b')", "ba");
    js("'aaaa'.replaceAll('aa', 'b')", "bb");
    js("'abc'.replaceAll('', '-')", "-a-b-c-");
    js("'é'.replaceAll('', '-')", "-é-");
    js("'xax'.replaceAll('x', \"[$`|$']\")", "[|ax]a[xa|]");
    js("'abc'.replaceAll('', '[$&]')", "[]a[]b[]c[]");
    js("'abc'.replaceAll('', \"$'\")", "abcabcbcc");
    js("'😀b😀'.replaceAll('😀', '$`')", "b😀b");
    js_with(
        "s.replaceAll(' ', '_')",
        &[("s", "a b  c".into())],
        "a_b__c",
    );
}

#[test]
fn replace_needs_string_arguments() {
    // JavaScript converts: `'a'.replace('a', 1)` is '1'.
    let message = fails_either_way("s.replace('a', x)", &[("s", "a".into()), ("x", 1.0.into())]);
    assert_mentions(&message, &["replace()", "string", "argument 2", "number"]);
    let message = fails_either_way(
        "s.replaceAll(x, 'b')",
        &[("s", "a".into()), ("x", Value::Null)],
    );
    assert_mentions(&message, &["replaceAll()", "string", "argument 1", "null"]);
}

#[test]
fn pad_start() {
    js("'5'.padStart(3, '0')", "005");
    js("'abc'.padStart(6, '12')", "121abc");
    js("'abc'.padStart(5)", "  abc");
    js("'abc'.padStart(5.9, '*')", "**abc");
    js("'abc'.padStart(2)", "abc");
    js("'abc'.padStart(6, '')", "abc");
    js("'abc'.padStart(NaN)", "abc");
    js("'abc'.padStart(-1)", "abc");
    js("'a'.padStart(5, '😀')", "😀😀a");
    js("'😀'.padStart(3, '-')", "-😀");
    js_with("String(n).padStart(4, '0')", &[("n", 42.0.into())], "0042");
}

#[test]
fn pad_end() {
    js("'abc'.padEnd(6, '12')", "abc121");
    js("'abc'.padEnd(5)", "abc  ");
    js("'x'.padEnd(3, 'ab')", "xab");
    js("'x'.padEnd(4, 'é')", "xééé");
    js("'ab'.padEnd(1, 'x')", "ab");
    js_with("s.padEnd(6, '.')", &[("s", "Ann".into())], "Ann...");
}

#[test]
fn padding_to_an_impossible_length_is_an_error() {
    // JavaScript throws "RangeError: Invalid string length"; routeflow must fail too, not allocate or panic.
    for src in [
        "'abc'.padStart(1e9)",
        "'abc'.padEnd(1e9)",
        "'abc'.padStart(Infinity)",
        "'abc'.padEnd(Infinity)",
        "'abc'.padStart(1e20, 'xy')",
    ] {
        let _ = fails(src);
    }
    let message = fails_with(
        "s.padStart(n)",
        &[("s", "abc".into()), ("n", f64::INFINITY.into())],
    );
    assert_mentions(&message, &["limit"]);
}

#[test]
fn repeat() {
    js("'ab'.repeat(3)", "ababab");
    js("'ab'.repeat(0)", "");
    js("'é'.repeat(2)", "éé");
    js("'a'.repeat(2.9)", "aa");
    js("'a'.repeat(NaN)", "");
    js("'a'.repeat(-0.5)", "");
    js("''.repeat(1e9)", "");
    js_with("'-'.repeat(n)", &[("n", 4.0.into())], "----");
}

#[test]
fn repeat_needs_a_count_of_zero_or_more() {
    // JavaScript throws "RangeError: Invalid count value".
    for count in ["-1", "Infinity", "-Infinity"] {
        let message = fails(&format!("'a'.repeat({count})"));
        assert_mentions(&message, &["repeat()", "count"]);
    }
    assert_mentions(&fails("''.repeat(Infinity)"), &["repeat()", "count"]);
}

#[test]
fn repeat_beyond_the_size_limit_is_an_error_not_an_allocation() {
    // JavaScript throws "RangeError: Invalid string length".
    let message = fails("'a'.repeat(1e9)");
    assert_mentions(&message, &["over the limit"]);
    let message = fails_with("s.repeat(n)", &[("s", "abc".into()), ("n", 1e15.into())]);
    assert_mentions(&message, &["over the limit"]);
    let message = fails_with("s.repeat(n)", &[("s", "ab".into()), ("n", 1.8e19.into())]);
    assert_mentions(&message, &["over the limit"]);
    // Up to the limit is fine.
    let n = (MAX_STRING_LEN / 2) as f64;
    let big = eval_with("'ab'.repeat(n)", &[("n", n.into())]);
    assert_eq!(big.as_str().map(str::len), Some(MAX_STRING_LEN));
}

#[test]
fn string_to_string() {
    js("'abc'.toString()", "abc");
    js_with("s.toString()", &[("s", "😀".into())], "😀");
}

#[test]
fn results_with_half_a_surrogate_pair_are_errors() {
    // node gives strings holding a lone surrogate, e.g. '😀'.charAt(0) is "\ud83d".
    let emoji = [("s", Value::from("a😀b"))];
    for src in [
        "s.charAt(1)",
        "s.charAt(2)",
        "s.substring(2)",
        "s.substring(0, 2)",
        "s.slice(1, 2)",
        "s.slice(-2)",
        "s.split('')",
        "s.padStart(5, '😀')",
        "s.padEnd(5, '😀')",
        "s.replaceAll('', '-')",
    ] {
        let message = fails_either_way(src, &emoji);
        assert_mentions(&message, &["emoji"]);
    }
}

#[test]
fn string_methods_need_arguments_of_their_types() {
    let s = ("s", Value::from("a1"));
    let cases: [(&str, Value, &str, &str); 7] = [
        ("s.charAt(x)", "1".into(), "charAt()", "string"),
        ("s.indexOf(x)", 1.0.into(), "indexOf()", "number"),
        ("s.includes(x)", Value::Null, "includes()", "null"),
        ("s.startsWith(x)", list!["a"], "startsWith()", "list"),
        ("s.split(x)", 1.0.into(), "split()", "number"),
        ("s.repeat(x)", "2".into(), "repeat()", "string"),
        ("s.padStart(4, x)", 0.0.into(), "padStart()", "number"),
    ];
    for (src, x, method, kind) in cases {
        let message = fails_either_way(src, &[s.clone(), ("x", x)]);
        assert_mentions(&message, &[method, kind]);
    }
}

#[test]
fn to_string_of_strings_and_booleans_ignores_arguments_as_javascript_does() {
    js("'abc'.toString(2)", "abc");
    js("true.toString()", "true");
    js_with("b.toString(16)", &[("b", false.into())], "false");
}
