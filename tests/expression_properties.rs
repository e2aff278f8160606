//! Properties of the expression language that hold for all inputs.

use proptest::prelude::*;
use routeflow::expr::ast::{BinaryOp, Expr, ExprKind, Name, UnaryOp};
use routeflow::expr::{Scope, Value, compile, parse};

fn e(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Default::default(),
    }
}

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z_$][a-zA-Z0-9_$]{0,6}".prop_filter("keywords are literals", |n| {
        !matches!(n.as_str(), "true" | "false" | "null")
    })
}

fn literal() -> impl Strategy<Value = Expr> {
    prop_oneof![
        Just(e(ExprKind::Null)),
        any::<bool>().prop_map(|b| e(ExprKind::Bool(b))),
        prop_oneof![
            0.0..1e6f64,
            (0u32..1000).prop_map(f64::from),
            Just(1e21),
            Just(5e-324),
            Just(1.7976931348623157e308),
            Just(f64::INFINITY)
        ]
        .prop_map(|n| e(ExprKind::Number(n))),
        any::<String>().prop_map(|s| e(ExprKind::String(s))),
        "[\\\\'\"\n\r\t\u{0}\u{2028}$a😀]{0,6}".prop_map(|s| e(ExprKind::String(s))),
        name().prop_map(|n| e(ExprKind::Identifier(n))),
    ]
}

fn expression() -> impl Strategy<Value = Expr> {
    literal().prop_recursive(6, 64, 4, |inner| {
        let op = proptest::sample::select(BinaryOp::ALL.to_vec());
        prop_oneof![
            (
                prop_oneof![Just(UnaryOp::Not), Just(UnaryOp::Neg)],
                inner.clone()
            )
                .prop_map(|(op, x)| e(ExprKind::Unary(op, Box::new(x)))),
            (op, inner.clone(), inner.clone()).prop_map(|(op, l, r)| e(ExprKind::Binary(
                op,
                Box::new(l),
                Box::new(r)
            ))),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(t, c, a)| e(
                ExprKind::Conditional(Box::new(t), Box::new(c), Box::new(a))
            )),
            (inner.clone(), name()).prop_map(|(o, n)| e(ExprKind::Member(
                Box::new(o),
                Name {
                    text: n,
                    span: Default::default()
                }
            ))),
            (inner.clone(), inner.clone())
                .prop_map(|(o, i)| e(ExprKind::Index(Box::new(o), Box::new(i)))),
            (inner.clone(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(c, args)| e(ExprKind::Call(Box::new(c), args))),
            prop::collection::vec(inner, 0..3).prop_map(|items| e(ExprKind::Array(items))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Printing a syntax tree and parsing the text gives the same tree: the printer's parentheses and
    /// escapes are exactly enough, and the parser's precedence agrees with the printer's.
    #[test]
    fn printing_then_parsing_gives_the_same_tree(expr in expression()) {
        let printed = expr.to_string();
        let reparsed = parse(&printed).map_err(|d| TestCaseError::fail(format!("{printed}: {}", d.message)))?;
        prop_assert_eq!(reparsed, expr, "printed as {}", printed);
    }

    /// No text, however malformed, makes parsing, compiling or evaluating panic.
    #[test]
    fn arbitrary_text_never_panics(source in any::<String>()) {
        exercise(&source);
    }

    /// The same for text made of the language's own tokens, which reaches deeper into the parser.
    #[test]
    fn token_soup_never_panics(source in "([a-c0-9.]|'x'|\"y\"|[-+*/%<>=!&|?:,()\\[\\] ]|length|trim\\(\\)|Math|null|true){0,40}") {
        exercise(&source);
    }
}

fn exercise(source: &str) {
    let scope = Scope::with_names(["a", "b", "c"]);
    let frame = [Value::from("Gold"), Value::Number(3.0), Value::Bool(true)];
    if let Ok(expression) = compile(source, &scope) {
        let _ = expression.eval(&frame);
    }
}

#[test]
fn deep_input_is_rejected_on_a_small_stack() {
    // Tokio worker threads have 2 MiB stacks: the bounds must hold there, not only on the main thread.
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            for depth in [50, 100, 101, 1000, 100_000] {
                for source in [
                    format!("{}a{}", "(".repeat(depth), ")".repeat(depth)),
                    format!("{}a{}", "[".repeat(depth), "]".repeat(depth)),
                    format!("{}a", "!".repeat(depth)),
                    format!("{}a", "- ".repeat(depth)),
                    format!("{}a", "b ? a : ".repeat(depth)),
                    vec!["a"; depth].join(" + "),
                    format!("a{}", ".length".repeat(depth)),
                    format!("a{}", "[0]".repeat(depth)),
                ] {
                    exercise(&source);
                }
            }
        })
        .unwrap()
        .join()
        .unwrap();
}
