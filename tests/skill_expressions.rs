//! Genesys skill expressions (SPEC §5.2): syntax, matching, precedence, canonical text and error messages.

use std::collections::{BTreeMap, HashMap};

use routeflow::diagnostic::{SourceFile, render};
use routeflow::skill::{MAX_NESTING, SkillExpression};

fn parse(source: &str) -> SkillExpression {
    SkillExpression::parse(source)
        .unwrap_or_else(|err| panic!("{source:?} should parse:\n{}", rendered(source, &err)))
}

fn rendered(source: &str, err: &routeflow::diagnostic::Diagnostic) -> String {
    render(err, &SourceFile::new("<skill>", source))
}

/// The rendered diagnostic for `source`, which must not parse.
fn error(source: &str) -> String {
    match SkillExpression::parse(source) {
        Ok(expr) => panic!("{source:?} should not parse, got `{expr}`"),
        Err(err) => {
            assert!(
                err.span.end as usize <= source.len(),
                "span {:?} past the end of {source:?}",
                err.span
            );
            rendered(source, &err)
        }
    }
}

fn matches(source: &str, agent: &[(&str, i64)]) -> bool {
    parse(source).matches(agent)
}

// ---------------------------------------------------------------------------------------------------------
// Operators and names

#[test]
fn every_operator_compares_the_agent_level_with_the_condition_level() {
    // (operator, holds for agent level 2, 3, 4 against level 3)
    let table = [
        (">", [false, false, true]),
        (">=", [false, true, true]),
        ("<", [true, false, false]),
        ("<=", [true, true, false]),
        ("=", [false, true, false]),
        ("==", [false, true, false]),
        ("!=", [true, false, true]),
    ];
    for (op, expected) in table {
        let expr = parse(&format!("english {op} 3"));
        for (level, want) in [2, 3, 4].into_iter().zip(expected) {
            assert_eq!(
                expr.matches(&[("english", level)]),
                want,
                "english {op} 3 with english = {level}"
            );
        }
    }
}

#[test]
fn single_and_double_equals_are_the_same_operator() {
    assert_eq!(parse("english = 3"), parse("english == 3"));
    assert_eq!(parse("english == 3").to_string(), "english = 3");
}

#[test]
fn negative_levels_are_integers_too() {
    assert!(matches("english > -1", &[]));
    assert!(!matches("english < -1", &[("english", 0)]));
    assert!(matches("english = -5", &[("english", -5)]));
    assert_eq!(
        parse("a >= -9223372036854775808").to_string(),
        "a >= -9223372036854775808"
    );
    assert!(matches("a <= 9223372036854775807", &[("a", i64::MAX)]));
}

#[test]
fn bare_and_quoted_names_are_the_same_skill() {
    assert_eq!(parse("'english' > 3"), parse("english > 3"));
    assert!(matches("'english' > 3", &[("english", 4)]));
    assert_eq!(parse("'english' > 7").to_string(), "english > 7");
}

#[test]
fn quoted_names_may_hold_spaces_operators_and_escaped_quotes() {
    assert!(matches(
        "'customer service' > 2",
        &[("customer service", 3)]
    ));
    assert!(matches(r"'it\'s' = 1", &[("it's", 1)]));
    assert!(matches(r"'back\\slash' = 1", &[(r"back\slash", 1)]));
    assert!(matches("'a & b | (c)' >= 1", &[("a & b | (c)", 1)]));
    let expr = parse(r"'it\'s' = 1 & 'customer service' > 2");
    assert_eq!(expr.to_string(), r"'it\'s' = 1 & 'customer service' > 2");
}

#[test]
fn bare_names_take_digits_underscores_dots_and_hyphens() {
    let agent = [("tier-1.voice_en", 2), ("_private", 1), ("français", 3)];
    assert!(matches("tier-1.voice_en = 2 & _private = 1", &agent));
    assert!(matches("français > 2", &agent));
    // Non-ASCII names are quoted in canonical text.
    assert_eq!(parse("français > 2").to_string(), "'français' > 2");
}

#[test]
fn skill_names_are_case_sensitive() {
    assert!(!matches("English > 3", &[("english", 5)]));
    assert!(matches("English > 3", &[("English", 5)]));
}

// ---------------------------------------------------------------------------------------------------------
// Absent skills

#[test]
fn an_absent_skill_has_level_zero() {
    assert!(matches("english < 3", &[]));
    assert!(matches("english < 3", &[("spanish", 9)]));
    assert!(matches("english = 0", &[]));
    assert!(matches("english >= 0", &[]));
    assert!(!matches("english > 0", &[]));
    assert!(!matches("english != 0", &[]));
}

// ---------------------------------------------------------------------------------------------------------
// Precedence: & and | have equal priority and apply left to right

#[test]
fn or_then_and_applies_the_and_to_the_whole_left_side() {
    // Left to right: (a | b) & c. And-before-or would read a | (b & c) and match an agent with only a.
    let expr = "a > 1 | b > 1 & c > 1";
    assert!(!matches(expr, &[("a", 2)]));
    assert!(matches(expr, &[("a", 2), ("c", 2)]));
    assert!(matches(expr, &[("b", 2), ("c", 2)]));
    assert!(!matches(expr, &[("b", 2)]));
}

#[test]
fn and_or_and_is_a_left_fold() {
    // ((a & b) | c) & d, not (a & b) | (c & d).
    let expr = "a > 1 & b > 1 | c > 1 & d > 1";
    assert!(!matches(expr, &[("a", 2), ("b", 2)]));
    assert!(matches(expr, &[("a", 2), ("b", 2), ("d", 2)]));
    assert!(matches(expr, &[("c", 2), ("d", 2)]));
    assert!(!matches(expr, &[("c", 2)]));
}

#[test]
fn or_and_or_is_a_left_fold() {
    // ((a | b) & c) | d, not a | (b & c) | d.
    let expr = "a > 1 | b > 1 & c > 1 | d > 1";
    assert!(!matches(expr, &[("a", 2)]));
    assert!(matches(expr, &[("d", 2)]));
    assert!(matches(expr, &[("a", 2), ("c", 2)]));
}

#[test]
fn equal_priority_is_visible_in_the_tree() {
    assert_eq!(parse("a>1 | b>1 & c>1"), parse("(a>1 | b>1) & c>1"));
    assert_ne!(parse("a>1 | b>1 & c>1"), parse("a>1 | (b>1 & c>1)"));
    assert_eq!(
        parse("(a>1 | b>1) & c>1").to_string(),
        "a > 1 | b > 1 & c > 1"
    );
}

#[test]
fn parentheses_override_left_to_right() {
    let expr = "a > 1 | (b > 1 & c > 1)";
    assert!(matches(expr, &[("a", 2)]));
    assert!(!matches(expr, &[("b", 2)]));
    assert!(matches(expr, &[("b", 2), ("c", 2)]));
    assert_eq!(parse(expr).to_string(), expr);

    let nested = "a > 1 & (b > 1 | (c > 1 & d > 1))";
    assert!(matches(nested, &[("a", 2), ("c", 2), ("d", 2)]));
    assert!(!matches(nested, &[("a", 2), ("c", 2)]));
    assert!(!matches(nested, &[("b", 2), ("c", 2), ("d", 2)]));
    assert_eq!(parse(nested).to_string(), nested);
}

#[test]
fn redundant_parentheses_do_not_change_the_expression() {
    assert_eq!(parse("((english > 3))"), parse("english > 3"));
    assert_eq!(parse("(a>1) & (b>1)"), parse("a>1 & b>1"));
    assert_eq!(
        parse("((a>1 & b>1) | c>1) & d>1"),
        parse("a>1 & b>1 | c>1 & d>1")
    );
}

// ---------------------------------------------------------------------------------------------------------
// Whitespace and canonical text

#[test]
fn whitespace_between_tokens_is_optional_and_free() {
    let canonical = parse("english >= 3 & (spanish > 5 | french > 5)");
    for variant in [
        "english>=3&(spanish>5|french>5)",
        "  english   >=   3   &   (  spanish > 5 | french > 5  )  ",
        "english\t>=\t3\n&\r\n(spanish > 5\n| french > 5)",
        "'english'>=3&('spanish'>5|'french'>5)",
        "english >= 3 & ((spanish > 5) | (french > 5))",
    ] {
        assert_eq!(parse(variant), canonical, "{variant:?}");
    }
    assert_eq!(
        canonical.to_string(),
        "english >= 3 & (spanish > 5 | french > 5)"
    );
}

#[test]
fn canonical_text_parses_back_to_an_equal_expression() {
    for source in [
        "'english' > 7",
        "a>=1&b<=2|c!=3&d==4",
        "x > -1 | ('q\\'s' < 2 & (y = 0 | z = 1)) & w > 2",
        "((((a > 1))))",
    ] {
        let expr = parse(source);
        assert_eq!(parse(&expr.to_string()), expr, "{source:?} → {expr}");
    }
}

// ---------------------------------------------------------------------------------------------------------
// Public API details

#[test]
fn skills_lists_each_name_once_in_order_of_use() {
    let expr = parse("english >= 3 & (spanish > 5 | english < 9) | 'customer service' = 1");
    assert_eq!(
        expr.skills().collect::<Vec<_>>(),
        ["english", "spanish", "customer service"]
    );
}

#[test]
fn agents_can_be_maps_or_lists() {
    let expr = parse("english > 3 & spanish < 2");
    let hash: HashMap<String, i64> = [("english".to_owned(), 4)].into_iter().collect();
    let tree: BTreeMap<String, i64> = [("english".to_owned(), 4), ("spanish".to_owned(), 2)]
        .into_iter()
        .collect();
    let list: Vec<(String, i64)> = vec![("english".to_owned(), 4)];
    assert!(expr.matches(&hash));
    assert!(!expr.matches(&tree));
    assert!(expr.matches(&list));
    assert!(expr.matches(&[("english", 4)][..]));
}

#[test]
fn a_compiled_expression_is_shareable() {
    fn shareable<T: Send + Sync + Clone + std::fmt::Debug + 'static>(_: &T) {}
    let expr = parse("english > 3");
    shareable(&expr);
    let copy = expr.clone();
    let handle = std::thread::spawn(move || copy.matches(&[("english", 4)]));
    assert!(handle.join().unwrap());
}

#[test]
fn from_str_is_parse() {
    let expr: SkillExpression = "english > 3".parse().unwrap();
    assert_eq!(expr, parse("'english'>3"));
}

// ---------------------------------------------------------------------------------------------------------
// Nesting limits and long inputs

#[test]
fn nesting_up_to_the_limit_parses() {
    let source = format!(
        "{}a > 1{}",
        "(".repeat(MAX_NESTING),
        ")".repeat(MAX_NESTING)
    );
    assert_eq!(parse(&source), parse("a > 1"));
    let deep_right =
        format!("a > 1{}", " & (b > 1".repeat(MAX_NESTING)) + ")".repeat(MAX_NESTING).as_str();
    let expr = parse(&deep_right);
    assert_eq!(parse(&expr.to_string()), expr);
    assert!(expr.matches(&[("a", 2), ("b", 2)]));
}

#[test]
fn nesting_one_past_the_limit_is_refused() {
    let depth = MAX_NESTING + 1;
    let source = format!("{}a > 1{}", "(".repeat(depth), ")".repeat(depth));
    let err = SkillExpression::parse(&source).unwrap_err();
    assert_eq!(err.message, "parentheses nest deeper than 64 levels");
    assert_eq!(err.span.range(), MAX_NESTING..MAX_NESTING + 1);
}

#[test]
fn a_hundred_thousand_open_parentheses_are_refused_without_overflowing_the_stack() {
    let source = "(".repeat(100_000);
    let err = SkillExpression::parse(&source).unwrap_err();
    assert_eq!(err.message, "parentheses nest deeper than 64 levels");

    let balanced = format!("{source}a > 1{}", ")".repeat(100_000));
    let err = SkillExpression::parse(&balanced).unwrap_err();
    assert_eq!(err.message, "parentheses nest deeper than 64 levels");
}

#[test]
fn a_hundred_thousand_conditions_in_a_row_parse_and_match() {
    // Chains are flat, so length costs no recursion in parsing, display, comparison, matching or drop.
    let mut source = String::from("s0 > 1");
    for i in 1..100_000 {
        source.push_str(if i % 2 == 0 { " & " } else { " | " });
        source.push_str(&format!("s{} > 1", i % 1000));
    }
    let expr = parse(&source);
    assert_eq!(expr.skills().count(), 1000);
    assert_eq!(parse(&expr.to_string()), expr);
    // The last connective is `|` (i = 99,999 is odd), so the last condition alone decides.
    assert!(expr.matches(&[("s999", 2)]));
    assert!(!expr.matches(&[("s0", 2)]));
}

// ---------------------------------------------------------------------------------------------------------
// Error messages (golden)

#[test]
fn error_missing_level_at_the_end() {
    insta::assert_snapshot!("missing_level_at_end", error("english >"));
}

#[test]
fn error_level_that_is_a_name() {
    insta::assert_snapshot!("level_is_a_name", error("english > spanish"));
}

#[test]
fn error_missing_operator() {
    insta::assert_snapshot!("missing_operator", error("english 3"));
}

#[test]
fn error_unknown_operators() {
    insta::assert_snapshot!("unknown_operator_arrow", error("english => 3"));
    insta::assert_snapshot!("unknown_operator_diamond", error("english <> 3"));
    insta::assert_snapshot!("unknown_operator_bang", error("english ! 3"));
}

#[test]
fn error_missing_connective() {
    insta::assert_snapshot!("missing_connective", error("english > 3 spanish > 2"));
    insta::assert_snapshot!(
        "missing_connective_in_group",
        error("(english > 3 spanish > 2)")
    );
}

#[test]
fn error_unbalanced_parentheses() {
    insta::assert_snapshot!("unclosed_paren", error("(english > 3 | spanish > 2"));
    insta::assert_snapshot!(
        "unclosed_inner_paren",
        error("((english > 3) & spanish > 2")
    );
    insta::assert_snapshot!("unmatched_close", error("english > 3) & spanish > 2"));
    insta::assert_snapshot!("empty_parens", error("english > 3 & ()"));
}

#[test]
fn error_empty_input() {
    insta::assert_snapshot!("empty", error(""));
    insta::assert_snapshot!("blank", error("  \t "));
}

#[test]
fn error_level_out_of_range() {
    insta::assert_snapshot!("level_overflow", error("english > 9223372036854775808"));
    insta::assert_snapshot!("level_underflow", error("english > -9223372036854775809"));
}

#[test]
fn error_fractional_level() {
    insta::assert_snapshot!("fractional_level", error("english > 3.5"));
}

#[test]
fn error_trailing_and_doubled_connectives() {
    insta::assert_snapshot!("trailing_and", error("english > 3 &"));
    insta::assert_snapshot!("double_and", error("english > 3 && spanish > 2"));
    insta::assert_snapshot!("double_or", error("english > 3 || spanish > 2"));
}

#[test]
fn error_condition_without_skill() {
    insta::assert_snapshot!("leading_operator", error("> 3"));
    insta::assert_snapshot!("name_starting_with_digit", error("3d > 1"));
}

#[test]
fn error_quoted_names() {
    insta::assert_snapshot!("unterminated_quote", error("'english > 3"));
    insta::assert_snapshot!(
        "unterminated_quote_later",
        error("english > 3 & 'spanish > 2")
    );
    insta::assert_snapshot!("empty_quoted_name", error("'' > 3"));
    insta::assert_snapshot!("unknown_escape", error(r"'eng\lish' > 3"));
}

#[test]
fn error_too_deep() {
    let depth = MAX_NESTING + 1;
    let source = format!("{}a > 1{}", "(".repeat(depth), ")".repeat(depth));
    insta::assert_snapshot!("too_deep", error(&source));
}

#[test]
fn errors_on_later_lines_point_at_the_right_line() {
    insta::assert_snapshot!("second_line", error("english > 3 &\n  spanish 2"));
}
