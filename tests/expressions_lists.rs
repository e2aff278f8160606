//! Lists in the expression language (SPEC §5.1): array literals, indexing, `length`, and the list
//! methods `includes`, `indexOf`, `join` and `slice`. Every expected value is node's.

#[macro_use]
mod expressions_support;

use expressions_support::*;
use routeflow::expr::Value;

#[test]
fn array_literals() {
    js("[]", list![]);
    js("[1, 'a', true, null]", list![1.0, "a", true, Value::Null]);
    js("[1, 2,]", list![1.0, 2.0]);
    js("[[]]", list![list![]]);
    js("[1 + 1, 'a' + 'b']", list![2.0, "ab"]);
    js("[-0, NaN]", list![-0.0, f64::NAN]);
    js_with("[x, x * 2]", &[("x", 3.0.into())], list![3.0, 6.0]);
}

#[test]
fn array_literal_elements_are_evaluated() {
    let message = fails_either_way("[1, s - 1]", &[("s", "a".into())]);
    assert_mentions(&message, &["`-`", "string", "number"]);
}

#[test]
fn indexing_lists() {
    js("[1, 2, 3][0]", 1.0);
    js("[1, 2, 3][2]", 3.0);
    js("[[1, 2], [3]][0][1]", 2.0);
    js_with("l[i]", &[("l", list!["en", "fr"]), ("i", 1.0.into())], "fr");
    js_with("l[l.length - 1]", &[("l", list![1.0, 2.0, 3.0])], 3.0);
}

#[test]
fn indexing_a_list_out_of_range_is_an_error() {
    // JavaScript gives `undefined`.
    let cases: [(Value, f64, &str); 5] = [
        (list![1.0, 2.0], 2.0, "length 2"),
        (list![], 0.0, "length 0"),
        (list![1.0], -1.0, "length 1"),
        (list![1.0, 2.0], 0.5, "length 2"),
        (list![1.0], f64::NAN, "length 1"),
    ];
    for (items, index, length) in cases {
        let message = fails_either_way("l[i]", &[("l", items), ("i", index.into())]);
        assert_mentions(&message, &["out of range", length]);
    }
}

#[test]
fn includes_on_lists_finds_nan() {
    js("[1, 2, 3].includes(2)", true);
    js("[NaN].includes(NaN)", true);
    js("[0].includes(-0)", true);
    js("['a', 1].includes('1')", false);
    js("[null].includes(null)", true);
    js("[1, 2, 3].includes(1, 1)", false);
    js("[1, 2, 3].includes(3, -1)", true);
    js("[1, 2, 3].includes(1, -100)", true);
    js("[1, 2, 3].includes(3, 100)", false);
    js_with(
        "skills.includes('billing')",
        &[("skills", list!["english", "billing"])],
        true,
    );
}

#[test]
fn index_of_on_lists_uses_strict_equality() {
    js("[1, 2, 3].indexOf(3)", 2.0);
    js("[1, 2, 3].indexOf(4)", -1.0);
    js("[NaN].indexOf(NaN)", -1.0);
    js("[-0].indexOf(0)", 0.0);
    js("[true, 'true'].indexOf('true')", 1.0);
    js("[[1], 1].indexOf(1)", 1.0);
    js("[1, 2, 1].indexOf(1, 1)", 2.0);
    js("[1, 2, 3].indexOf(3, -1)", 2.0);
    js("[1, 2, 3].indexOf(1, -10)", 0.0);
    js_with(
        "l.indexOf(x)",
        &[("l", list!["a", "b"]), ("x", "b".into())],
        1.0,
    );
}

#[test]
fn searching_a_list_for_a_list_or_map_is_an_error() {
    // JavaScript compares them by identity, so a new list is never found.
    let message = fails_either_way(
        "l.includes(x)",
        &[("l", list![list![1.0]]), ("x", list![1.0])],
    );
    assert_mentions(&message, &["includes()", "list"]);
    let message = fails_either_way(
        "l.indexOf(x)",
        &[("l", list![list![1.0]]), ("x", list![1.0])],
    );
    assert_mentions(&message, &["indexOf()", "list"]);
    let message = fails_with("l.includes(m)", &[("l", list![]), ("m", json("{}"))]);
    assert_mentions(&message, &["includes()", "map"]);
}

#[test]
fn join() {
    js("[1, 2, 3].join()", "1,2,3");
    js("[1, 2, 3].join('-')", "1-2-3");
    js("[1, 2, 3].join('')", "123");
    js("['a'].join('-')", "a");
    js("[].join()", "");
    js("[null, 1].join()", ",1");
    js("[[1, 2], [3]].join(';')", "1,2;3");
    js("[[null], 1].join()", ",1");
    js("[true, 'a', 1.5].join(' ')", "true a 1.5");
    js(
        "[1e21, -0, 0.1 + 0.2].join()",
        "1e+21,0,0.30000000000000004",
    );
    js_with("l.join(' / ')", &[("l", list!["en", "😀"])], "en / 😀");
}

#[test]
fn join_refuses_maps_and_non_string_separators() {
    // JavaScript prints "[object Object]" and converts the separator.
    let message = fails_with("l.join()", &[("l", Value::List(vec![json("{}")].into()))]);
    assert_mentions(&message, &["join()", "map"]);
    let message = fails_either_way("l.join(x)", &[("l", list![1.0, 2.0]), ("x", 0.0.into())]);
    assert_mentions(&message, &["join()", "string", "number"]);
}

#[test]
fn slice_on_lists() {
    js("[1, 2, 3, 4].slice(1, 3)", list![2.0, 3.0]);
    js("[1, 2, 3, 4].slice(-2)", list![3.0, 4.0]);
    js("[1, 2, 3, 4].slice()", list![1.0, 2.0, 3.0, 4.0]);
    js("[1, 2, 3, 4].slice(3, 1)", list![]);
    js("[1, 2, 3, 4].slice(1, -1)", list![2.0, 3.0]);
    js(
        "[1, 2, 3, 4].slice(NaN, Infinity)",
        list![1.0, 2.0, 3.0, 4.0],
    );
    js("[1, 2, 3, 4].slice(10)", list![]);
    js("[1, 2, 3].slice(0.5, 2.5)", list![1.0, 2.0]);
    js_with("l.slice(-1)[0]", &[("l", list!["a", "b"])], "b");
}

#[test]
fn string_methods_are_not_list_methods() {
    let message = fails_either_way("l.trim()", &[("l", list!["a"])]);
    assert_mentions(&message, &["trim() is not a method of a list"]);
    let message = fails_either_way("l.lastIndexOf(1)", &[("l", list![1.0])]);
    assert_mentions(&message, &["lastIndexOf() is not a method of a list"]);
}

#[test]
fn split_then_list_methods() {
    js_with(
        "s.split(',').slice(1).join('|')",
        &[("s", "a,b,c".into())],
        "b|c",
    );
    js_with("s.split(',').includes('b')", &[("s", "a,b,c".into())], true);
    js_with("s.split(',').indexOf('')", &[("s", "a,,b".into())], 1.0);
}

#[test]
fn to_string_of_a_list_joins_with_commas() {
    js("[1, 'a', null, [2, 3]].toString()", "1,a,,2,3");
    js_with("l.toString()", &[("l", list![1.5, 2.0])], "1.5,2");
}

#[test]
fn split_stops_at_its_list_limit_instead_of_building_everything() {
    let message = fails_with(
        "s.split('')",
        &[("s", "a".repeat(routeflow::expr::MAX_LIST_LEN + 1).into())],
    );
    assert_mentions(&message, &["split()", "limit"]);
}
