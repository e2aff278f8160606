//! Properties of skill expressions over generated trees, agents and strings.

use std::collections::HashMap;

use proptest::prelude::*;
use routeflow::diagnostic::{SourceFile, render};
use routeflow::skill::{Chain, Condition, Connective, Expr, Op, SkillExpression};

const POOL: [&str; 6] = [
    "english",
    "spanish",
    "french",
    "customer service",
    "it's",
    "tier-1.voice",
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Gt),
        Just(Op::Ge),
        Just(Op::Lt),
        Just(Op::Le),
        Just(Op::Eq),
        Just(Op::Ne),
    ]
}

fn connective() -> impl Strategy<Value = Connective> {
    prop_oneof![Just(Connective::And), Just(Connective::Or)]
}

/// Any tree with names from `name` and levels from `level`, nested at most a few levels deep.
fn tree(
    name: impl Strategy<Value = String> + Clone + 'static,
    level: impl Strategy<Value = i64> + Clone + 'static,
) -> impl Strategy<Value = Expr> {
    let condition = (name, op(), level)
        .prop_map(|(skill, op, level)| Expr::Condition(Condition { skill, op, level }));
    condition.prop_recursive(5, 48, 5, |term| {
        (
            term.clone(),
            prop::collection::vec((connective(), term), 0..5),
        )
            .prop_map(|(first, rest)| {
                Expr::Chain(Chain {
                    first: Box::new(first),
                    rest,
                })
            })
    })
}

/// Names that exercise quoting: plain identifiers, and anything non-empty including quotes and backslashes.
fn any_name() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_.-]{0,8}",
        "[a-z '\\\\()&|<>=!.é-]{1,10}",
        any::<String>().prop_filter("non-empty", |s| !s.is_empty()),
    ]
}

fn pool_name() -> impl Strategy<Value = String> + Clone {
    prop::sample::select(&POOL[..]).prop_map(str::to_owned)
}

/// 0 to 5 skills from the pool, with levels around the ones the trees compare with.
fn agent() -> impl Strategy<Value = HashMap<String, i64>> {
    prop::collection::hash_map(pool_name(), -2i64..8, 0..=5)
}

/// The specification, written as plainly as possible: a chain is a left fold, absent skills are 0.
fn reference(expr: &Expr, agent: &HashMap<String, i64>) -> bool {
    match expr {
        Expr::Condition(c) => {
            let have = agent.get(&c.skill).copied().unwrap_or(0);
            match c.op {
                Op::Gt => have > c.level,
                Op::Ge => have >= c.level,
                Op::Lt => have < c.level,
                Op::Le => have <= c.level,
                Op::Eq => have == c.level,
                Op::Ne => have != c.level,
            }
        }
        Expr::Chain(chain) => chain.rest.iter().fold(
            reference(&chain.first, agent),
            |so_far, (connective, term)| match connective {
                Connective::And => so_far && reference(term, agent),
                Connective::Or => so_far || reference(term, agent),
            },
        ),
    }
}

/// Our own printer, independent of `Display`: every variation the grammar allows, chosen by `style`.
fn write_loosely(expr: &Expr, style: &mut impl Iterator<Item = u8>, out: &mut String) {
    let mut pick = |n: u8| style.next().unwrap_or(0) % n;
    let space = |choice: u8| [" ", "", "  ", "\t", "\n "][usize::from(choice % 5)];
    match expr {
        Expr::Condition(c) => {
            let wrap = pick(4) == 0;
            if wrap {
                out.push('(');
            }
            let plain = c
                .skill
                .chars()
                .next()
                .is_some_and(|ch| ch.is_ascii_alphabetic())
                && c.skill
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_.-".contains(ch));
            if plain && pick(2) == 0 {
                out.push_str(&c.skill);
            } else {
                out.push('\'');
                out.push_str(&c.skill.replace('\\', "\\\\").replace('\'', "\\'"));
                out.push('\'');
            }
            out.push_str(space(pick(5)));
            out.push_str(match c.op {
                Op::Eq if pick(2) == 0 => "==",
                op => op.as_str(),
            });
            out.push_str(space(pick(5)));
            out.push_str(&c.level.to_string());
            if wrap {
                out.push(')');
            }
        }
        Expr::Chain(chain) => {
            // The first term needs no parentheses under left-to-right evaluation, but may have them.
            write_group(&chain.first, pick(2) == 0, style, out);
            for (connective, term) in &chain.rest {
                out.push_str(space(style.next().unwrap_or(0)));
                out.push_str(connective.as_str());
                out.push_str(space(style.next().unwrap_or(0)));
                write_group(term, true, style, out);
            }
        }
    }
}

fn write_group(
    expr: &Expr,
    parenthesize: bool,
    style: &mut impl Iterator<Item = u8>,
    out: &mut String,
) {
    let parenthesize = parenthesize && matches!(expr, Expr::Chain(_));
    if parenthesize {
        out.push('(');
    }
    write_loosely(expr, style, out);
    if parenthesize {
        out.push(')');
    }
}

fn parsed(source: &str) -> Result<SkillExpression, TestCaseError> {
    SkillExpression::parse(source)
        .map_err(|err| TestCaseError::fail(render(&err, &SourceFile::new("<skill>", source))))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_text_parses_back_to_the_same_expression(ast in tree(any_name(), any::<i64>())) {
        let expr = SkillExpression::from_ast(ast).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let text = expr.to_string();
        prop_assert_eq!(parsed(&text)?, expr, "text: {}", text);
    }

    #[test]
    fn any_spelling_of_a_tree_parses_to_that_tree(
        ast in tree(any_name(), any::<i64>()),
        style in prop::collection::vec(any::<u8>(), 256),
    ) {
        let mut text = String::new();
        write_loosely(&ast, &mut style.into_iter().cycle(), &mut text);
        let expected = SkillExpression::from_ast(ast).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parsed(&text)?, expected, "text: {}", text);
    }

    #[test]
    fn matching_is_a_left_to_right_fold(
        ast in tree(pool_name(), -1i64..6),
        agents in prop::collection::vec(agent(), 1..16),
    ) {
        let compiled = SkillExpression::from_ast(ast.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let reparsed = parsed(&compiled.to_string())?;
        for agent in &agents {
            let want = reference(&ast, agent);
            prop_assert_eq!(compiled.matches(agent), want, "{} with {:?}", compiled, agent);
            prop_assert_eq!(reparsed.matches(agent), want, "{} with {:?}", reparsed, agent);
        }
    }

    #[test]
    fn parse_never_panics_on_arbitrary_text(source in any::<String>()) {
        check_total(&source)?;
    }

    #[test]
    fn parse_never_panics_on_near_miss_text(source in "[a-c' \\\\()&|<>=!0-9.-]{0,40}") {
        check_total(&source)?;
    }
}

/// Parsing either succeeds with text that round-trips, or fails with a span inside the source.
fn check_total(source: &str) -> Result<(), TestCaseError> {
    match SkillExpression::parse(source) {
        Ok(expr) => {
            let again = parsed(&expr.to_string())?;
            prop_assert_eq!(again, expr);
        }
        Err(err) => {
            prop_assert!(
                err.span.end as usize <= source.len(),
                "{:?} in {:?}",
                err.span,
                source
            );
            let text = render(&err, &SourceFile::new("<skill>", source));
            prop_assert!(text.contains(&err.message));
        }
    }
    Ok(())
}
