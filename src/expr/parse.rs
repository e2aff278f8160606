//! Source text → syntax tree: the pest grammar `grammar/expr.pest`, folded with a Pratt parser.
//!
//! Parsing is bounded: pest and the tree walkers after it are recursive, so nesting is limited before
//! pest runs (brackets, `?:`, runs of prefix operators) and while the tree is built (its depth). Any input,
//! however deep, gets an error instead of a stack overflow.

use super::ast::{BinaryOp, Expr, ExprKind, Name, UnaryOp};
use super::js;
use crate::diagnostic::{Diagnostic, Span};
use pest::Parser as _;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::LazyLock;

/// Most nested brackets, conditionals and prefix operators accepted before parsing.
pub const MAX_NESTING: usize = 100;
/// Deepest syntax tree accepted (a chain `a + b + … ` of this many terms nests this deep).
pub const MAX_DEPTH: u32 = 500;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/expr.pest"]
struct Grammar;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or, Assoc::Left))
        .op(Op::infix(Rule::and, Assoc::Left))
        .op(Op::infix(Rule::eq, Assoc::Left)
            | Op::infix(Rule::ne, Assoc::Left)
            | Op::infix(Rule::strict_eq, Assoc::Left)
            | Op::infix(Rule::strict_ne, Assoc::Left))
        .op(Op::infix(Rule::lt, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::ge, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left)
            | Op::infix(Rule::div, Assoc::Left)
            | Op::infix(Rule::rem, Assoc::Left))
        .op(Op::prefix(Rule::not) | Op::prefix(Rule::neg))
        .op(Op::postfix(Rule::member) | Op::postfix(Rule::index) | Op::postfix(Rule::call))
});

/// Parse one expression.
pub fn parse(source: &str) -> Result<Expr, Diagnostic> {
    if let Some(expr) = shortcut(source) {
        return Ok(expr);
    }
    full_parse(source)
}

/// Parse with the grammar, always (the shortcut's oracle in tests).
fn full_parse(source: &str) -> Result<Expr, Diagnostic> {
    check_nesting(source)?;
    let mut pairs =
        Grammar::parse(Rule::expression, source).map_err(|e| syntax_error(source, e))?;
    let conditional = pairs
        .next()
        .and_then(|expression| expression.into_inner().next())
        .ok_or_else(|| Diagnostic::error(Span::new(0, source.len()), "empty expression"))?;
    Ok(build_conditional(conditional)?.0)
}

/// The most common expressions in flows, a bare name or a plain literal (`requestedAgent`,
/// `'workitems'`, `120`, `false`), recognised without running the grammar: the same tree the grammar
/// builds, spans included (a property test holds the two equal), at a fraction of the cost.
fn shortcut(source: &str) -> Option<Expr> {
    let trimmed = source.trim_matches([' ', '\t', '\n', '\r']);
    let start = source.len() - source.trim_start_matches([' ', '\t', '\n', '\r']).len();
    let span = Span::new(start, start + trimmed.len());
    let bytes = trimmed.as_bytes();
    let is_name_char = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$';
    let kind = match *bytes.first()? {
        quote @ (b'\'' | b'"') => {
            let body = trimmed.get(1..trimmed.len().checked_sub(1)?)?;
            if bytes.len() < 2
                || bytes[bytes.len() - 1] != quote
                || body
                    .bytes()
                    .any(|b| b == quote || b == b'\\' || b == b'\n' || b == b'\r')
            {
                return None;
            }
            ExprKind::String(body.to_owned())
        }
        first if first.is_ascii_alphabetic() || first == b'_' || first == b'$' => {
            if !bytes.iter().all(is_name_char) {
                return None;
            }
            match trimmed {
                "true" => ExprKind::Bool(true),
                "false" => ExprKind::Bool(false),
                "null" => ExprKind::Null,
                name => ExprKind::Identifier(name.to_owned()),
            }
        }
        b'0'..=b'9' => {
            if !bytes.iter().all(u8::is_ascii_digit) || (bytes.len() > 1 && bytes[0] == b'0') {
                return None;
            }
            ExprKind::Number(trimmed.parse().ok()?)
        }
        _ => return None,
    };
    Some(Expr { kind, span })
}

type Built = Result<(Expr, u32), Diagnostic>;

fn span_of(pair: &Pair<Rule>) -> Span {
    Span::new(pair.as_span().start(), pair.as_span().end())
}

fn node(kind: ExprKind, span: Span, depth: u32) -> Built {
    if depth > MAX_DEPTH {
        return Err(
            Diagnostic::error(span, "expression is too deeply nested").with_help(format!(
                "split it: routeflow accepts at most {MAX_DEPTH} levels of operators"
            )),
        );
    }
    Ok((Expr { kind, span }, depth))
}

fn build_conditional(pair: Pair<Rule>) -> Built {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let test = inner.next().ok_or_else(|| internal(span))?;
    let (test, test_depth) = build_binary(test)?;
    match (inner.next(), inner.next()) {
        (Some(consequent), Some(alternate)) => {
            let (consequent, cd) = build_conditional(consequent)?;
            let (alternate, ad) = build_conditional(alternate)?;
            let depth = 1 + test_depth.max(cd).max(ad);
            node(
                ExprKind::Conditional(Box::new(test), Box::new(consequent), Box::new(alternate)),
                span,
                depth,
            )
        }
        _ => Ok((test, test_depth)),
    }
}

fn build_binary(pair: Pair<Rule>) -> Built {
    PRATT
        .map_primary(build_primary)
        .map_prefix(|op, operand| {
            let (operand, depth) = operand?;
            let unary = if op.as_rule() == Rule::not {
                UnaryOp::Not
            } else {
                UnaryOp::Neg
            };
            let span = span_of(&op).to(operand.span);
            node(ExprKind::Unary(unary, Box::new(operand)), span, depth + 1)
        })
        .map_postfix(|object, op| {
            let (object, depth) = object?;
            let span = object.span.to(span_of(&op));
            let op_span = span_of(&op);
            match op.as_rule() {
                Rule::member => {
                    let name = op.into_inner().next().ok_or_else(|| internal(op_span))?;
                    let name = Name {
                        text: name.as_str().to_owned(),
                        span: span_of(&name),
                    };
                    node(ExprKind::Member(Box::new(object), name), span, depth + 1)
                }
                Rule::index => {
                    let index = op.into_inner().next().ok_or_else(|| internal(op_span))?;
                    let (index, index_depth) = build_conditional(index)?;
                    let depth = 1 + depth.max(index_depth);
                    node(
                        ExprKind::Index(Box::new(object), Box::new(index)),
                        span,
                        depth,
                    )
                }
                _ => {
                    let arguments = op.into_inner().next().ok_or_else(|| internal(op_span))?;
                    let (arguments, args_depth) = build_list(arguments)?;
                    let depth = 1 + depth.max(args_depth);
                    node(ExprKind::Call(Box::new(object), arguments), span, depth)
                }
            }
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, lhs_depth) = lhs?;
            let (rhs, rhs_depth) = rhs?;
            let op = binary_op(op.as_rule());
            let span = lhs.span.to(rhs.span);
            let depth = 1 + lhs_depth.max(rhs_depth);
            node(
                ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
                depth,
            )
        })
        .parse(pair.into_inner())
}

fn binary_op(rule: Rule) -> BinaryOp {
    match rule {
        Rule::mul => BinaryOp::Mul,
        Rule::div => BinaryOp::Div,
        Rule::rem => BinaryOp::Rem,
        Rule::add => BinaryOp::Add,
        Rule::sub => BinaryOp::Sub,
        Rule::lt => BinaryOp::Lt,
        Rule::le => BinaryOp::Le,
        Rule::gt => BinaryOp::Gt,
        Rule::ge => BinaryOp::Ge,
        Rule::eq => BinaryOp::Eq,
        Rule::ne => BinaryOp::Ne,
        Rule::strict_eq => BinaryOp::StrictEq,
        Rule::strict_ne => BinaryOp::StrictNe,
        Rule::and => BinaryOp::And,
        _ => BinaryOp::Or,
    }
}

fn build_list(pair: Pair<Rule>) -> Result<(Vec<Expr>, u32), Diagnostic> {
    let mut depth = 0;
    let mut items = Vec::new();
    for item in pair.into_inner() {
        let (item, item_depth) = build_conditional(item)?;
        depth = depth.max(item_depth);
        items.push(item);
    }
    Ok((items, depth))
}

fn build_primary(pair: Pair<Rule>) -> Built {
    let span = span_of(&pair);
    match pair.as_rule() {
        Rule::number => node(
            ExprKind::Number(number_literal(pair.as_str(), span)?),
            span,
            1,
        ),
        Rule::string => {
            let body = pair.into_inner().next().ok_or_else(|| internal(span))?;
            let text = unescape(body.as_str(), body.as_span().start())?;
            node(ExprKind::String(text), span, 1)
        }
        Rule::keyword_literal => {
            let kind = match pair.as_str() {
                "true" => ExprKind::Bool(true),
                "false" => ExprKind::Bool(false),
                _ => ExprKind::Null,
            };
            node(kind, span, 1)
        }
        Rule::identifier => node(ExprKind::Identifier(pair.as_str().to_owned()), span, 1),
        Rule::parenthesized => {
            let inner = pair.into_inner().next().ok_or_else(|| internal(span))?;
            let (mut expr, depth) = build_conditional(inner)?;
            // The parentheses belong to the expression: a caret under `(a + b)` covers them.
            expr.span = span;
            Ok((expr, depth))
        }
        _ => {
            let (items, depth) = build_list(pair)?;
            node(ExprKind::Array(items), span, depth + 1)
        }
    }
}

fn internal(span: Span) -> Diagnostic {
    Diagnostic::error(
        span,
        "internal error: unexpected syntax tree shape (please report this)",
    )
}

fn number_literal(text: &str, span: Span) -> Result<f64, Diagnostic> {
    let value = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        js::number::parse_int(hex, Some(16.0)).ok()
    } else {
        text.parse::<f64>().ok()
    };
    value.ok_or_else(|| Diagnostic::error(span, format!("`{text}` is not a valid number")))
}

/// Unescape the body of a string literal that starts at byte `offset` of the source.
fn unescape(body: &str, offset: usize) -> Result<String, Diagnostic> {
    if !body.contains('\\') {
        return Ok(body.to_owned());
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, escaped)) = chars.next() else {
            break;
        };
        let escape_span = |end: usize| Span::new(offset + at, offset + end);
        match escaped {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '0' if !chars.peek().is_some_and(|(_, c)| c.is_ascii_digit()) => out.push('\0'),
            '0'..='9' => {
                return Err(Diagnostic::error(
                    escape_span(at + 2),
                    "octal escapes are not allowed",
                )
                .with_help("write the character itself, or use \\x41 / \\u0041"));
            }
            // A backslash before a line break continues the string on the next line.
            '\r' => {
                if chars.peek().is_some_and(|(_, c)| *c == '\n') {
                    chars.next();
                }
            }
            '\n' | '\u{2028}' | '\u{2029}' => {}
            'x' => {
                let code = hex_digits(&mut chars, 2).ok_or_else(|| {
                    bad_escape(escape_span(at + 2), "\\x needs exactly two hex digits")
                })?;
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            'u' => {
                let code = unicode_escape(&mut chars)
                    .ok_or_else(|| bad_escape(escape_span(at + 2), "malformed \\u escape"))?;
                let c = if (0xD800..0xDC00).contains(&code) {
                    // A high surrogate must be followed by an escaped low surrogate: together, one character.
                    let mut lookahead = chars.clone();
                    let low = match (lookahead.next(), lookahead.next()) {
                        (Some((_, '\\')), Some((_, 'u'))) => unicode_escape(&mut lookahead),
                        _ => None,
                    };
                    match low {
                        Some(low) if (0xDC00..0xE000).contains(&low) => {
                            chars = lookahead;
                            char::from_u32(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
                        }
                        _ => None,
                    }
                } else {
                    char::from_u32(code)
                };
                let end = chars.peek().map_or(body.len(), |(i, _)| *i);
                let c = c.ok_or_else(|| {
                    bad_escape(escape_span(end), "this escape is half of a surrogate pair")
                        .with_help(
                            "routeflow strings hold whole characters: write the character itself",
                        )
                })?;
                out.push(c);
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

fn bad_escape(span: Span, message: &str) -> Diagnostic {
    Diagnostic::error(span, message.to_owned())
}

type CharStream<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

fn hex_digits(chars: &mut CharStream<'_>, count: usize) -> Option<u32> {
    let mut code = 0;
    for _ in 0..count {
        let (_, c) = chars.next()?;
        code = code * 16 + c.to_digit(16)?;
    }
    Some(code)
}

fn unicode_escape(chars: &mut CharStream<'_>) -> Option<u32> {
    if chars.peek().is_some_and(|(_, c)| *c == '{') {
        chars.next();
        let mut code: u32 = 0;
        let mut digits = 0;
        loop {
            let (_, c) = chars.next()?;
            if c == '}' {
                break;
            }
            code = code.checked_mul(16)?.checked_add(c.to_digit(16)?)?;
            digits += 1;
        }
        (digits > 0 && code <= 0x10FFFF).then_some(code)
    } else {
        hex_digits(chars, 4)
    }
}

/// Advance past a string literal's body and its closing `quote` (or to the end of the text).
fn skip_string(chars: &mut std::str::CharIndices<'_>, quote: char) {
    while let Some((_, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == quote {
            break;
        }
    }
}

/// Reject input nested deeper than [`MAX_NESTING`] before the recursive parser sees it.
fn check_nesting(source: &str) -> Result<(), Diagnostic> {
    let mut brackets = 0usize;
    let mut conditionals = 0usize;
    let mut prefix_run = 0usize;
    let mut chars = source.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\'' | '"' => skip_string(&mut chars, c),
            '(' | '[' => brackets += 1,
            ')' | ']' => brackets = brackets.saturating_sub(1),
            '?' => conditionals += 1,
            '!' | '-' => prefix_run += 1,
            _ => {}
        }
        if brackets + conditionals + prefix_run > MAX_NESTING {
            return Err(Diagnostic::error(Span::new(at, at + c.len_utf8()), "expression is too deeply nested")
                .with_help(format!(
                    "routeflow accepts at most {MAX_NESTING} nested brackets, conditionals and prefix operators"
                )));
        }
        if !matches!(c, '!' | '-') && !c.is_whitespace() {
            prefix_run = 0;
        }
    }
    Ok(())
}

/// Turn pest's error into a located diagnostic in the words of the language.
fn syntax_error(source: &str, error: pest::error::Error<Rule>) -> Diagnostic {
    let at = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((start, _)) => start,
    };
    let expected = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    let rest = &source[at.min(source.len())..];
    let Some(found) = rest.chars().next() else {
        if let Some(open) = unclosed_bracket(source) {
            let (bracket, close) = open;
            return Diagnostic::error(
                Span::new(bracket, bracket + 1),
                "this bracket is never closed",
            )
            .with_help(format!("add `{close}` at the end"));
        }
        return Diagnostic::error(
            Span::new(at, at),
            format!("unexpected end of expression, expected {expected}"),
        );
    };
    const OPERATORS: [&str; 10] = ["===", "!==", "==", "!=", "<=", ">=", "&&", "||", "++", "--"];
    let token_len = if let Some(operator) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
        operator.len()
    } else if found.is_alphanumeric() || found == '_' || found == '$' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(rest.len())
    } else {
        found.len_utf8()
    };
    let token = &rest[..token_len];
    if let Some((word, span)) = unsupported_word_near(source, at, token) {
        return Diagnostic::error(span, format!("`{word}` is not supported in routeflow expressions"))
            .with_help("expressions are a safe subset of JavaScript: values, operators and the built-in functions");
    }
    if matches!(found, '\'' | '"') && !closes(&rest[1..], found) {
        return Diagnostic::error(Span::new(at, at + 1), "this string is never closed")
            .with_help(format!("end it with {found} on the same line"));
    }
    let span = Span::new(at, at + token_len);
    let shown = if token == "`" {
        "backtick".to_owned()
    } else {
        format!("`{token}`")
    };
    let diagnostic = Diagnostic::error(span, format!("unexpected {shown}, expected {expected}"));
    match token {
        "=" if !rest.starts_with("==") => diagnostic.with_help(
            "assignment is not allowed in an expression; to compare, write `==` or `===`",
        ),
        "++" | "--" => diagnostic
            .with_help("`++` and `--` are not supported; write `x + 1`, or put a space in `- -x`"),
        _ if rest.starts_with("**") => diagnostic.with_help("`**` is not supported"),
        _ if rest.starts_with("??") || rest.starts_with("?.") => {
            diagnostic.with_help("`??` and `?.` are not supported; compare with `null` explicitly")
        }
        _ if rest.starts_with("=>") => {
            diagnostic.with_help("functions are not supported in expressions")
        }
        "&&" | "||" | "==" | "===" | "!=" | "!==" | "<=" | ">=" => {
            diagnostic.with_help("a value is missing before this operator")
        }
        "&" | "|" => diagnostic
            .with_help("bitwise operators are not supported; for logic, write `&&` or `||`"),
        "`" => diagnostic.with_help("template literals are not supported; join strings with `+`"),
        _ => diagnostic,
    }
}

/// JavaScript keywords routeflow does not support (`typeof x`, `new Date()`, `a in b`): the word at the
/// error, or the word just before it.
fn unsupported_word_near<'a>(
    source: &'a str,
    at: usize,
    token: &'a str,
) -> Option<(&'a str, Span)> {
    const WORDS: &[&str] = &[
        "typeof",
        "new",
        "void",
        "delete",
        "in",
        "instanceof",
        "function",
        "await",
        "yield",
    ];
    if WORDS.contains(&token) {
        return Some((token, Span::new(at, at + token.len())));
    }
    let before = source[..at].trim_end();
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '$'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &before[start..];
    WORDS
        .contains(&word)
        .then(|| (word, Span::new(start, before.len())))
}

/// Whether `rest` (after an opening quote) holds the closing `quote` before the end of the line.
fn closes(rest: &str, quote: char) -> bool {
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '\n' | '\r' => return false,
            c if c == quote => return true,
            _ => {}
        }
    }
    false
}

fn unclosed_bracket(source: &str) -> Option<(usize, char)> {
    let mut open = Vec::new();
    let mut chars = source.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\'' | '"' => skip_string(&mut chars, c),
            '(' => open.push((at, ')')),
            '[' => open.push((at, ']')),
            ')' | ']' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

fn describe_expected(positives: &[Rule]) -> String {
    let mut words: Vec<&str> = Vec::new();
    for rule in positives {
        let word = match rule {
            Rule::EOI => "the end of the expression",
            Rule::member | Rule::index | Rule::call => "an operator",
            Rule::strict_eq
            | Rule::strict_ne
            | Rule::eq
            | Rule::ne
            | Rule::le
            | Rule::ge
            | Rule::lt
            | Rule::gt
            | Rule::and
            | Rule::or
            | Rule::add
            | Rule::sub
            | Rule::mul
            | Rule::div
            | Rule::rem => "an operator",
            Rule::name => "a property or method name",
            _ => "a value (a number, a string, a name, `(` or `[`)",
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    match words.as_slice() {
        [] => "a value".to_owned(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(source: &str) -> ExprKind {
        parse(source)
            .unwrap_or_else(|e| panic!("{source}: {}", e.message))
            .kind
    }

    #[test]
    fn precedence_is_javascripts() {
        assert_eq!(parse("1 + 2 * 3").unwrap(), parse("1 + (2 * 3)").unwrap());
        assert_eq!(
            parse("a || b && c").unwrap(),
            parse("a || (b && c)").unwrap()
        );
        assert_eq!(parse("a == b < c").unwrap(), parse("a == (b < c)").unwrap());
        assert_eq!(parse("1 - 2 - 3").unwrap(), parse("(1 - 2) - 3").unwrap());
        assert_eq!(parse("-a.length").unwrap(), parse("-(a.length)").unwrap());
        assert_eq!(
            parse("a ? b : c ? d : e").unwrap(),
            parse("a ? b : (c ? d : e)").unwrap()
        );
        assert_eq!(parse("!a == b").unwrap(), parse("(!a) == b").unwrap());
    }

    #[test]
    fn literals() {
        assert_eq!(kind("0x1F"), ExprKind::Number(31.0));
        assert_eq!(kind(".5"), ExprKind::Number(0.5));
        assert_eq!(kind("5."), ExprKind::Number(5.0));
        assert_eq!(kind("1e3"), ExprKind::Number(1000.0));
        assert_eq!(kind(r"'a\'b'"), ExprKind::String("a'b".into()));
        assert_eq!(
            kind(r#""\u{1F600}\x41\uD83D\uDE00""#),
            ExprKind::String("😀A😀".into())
        );
        assert_eq!(kind("'a\\\nb'"), ExprKind::String("ab".into()));
        assert_eq!(kind("trueish"), ExprKind::Identifier("trueish".into()));
    }

    #[test]
    fn javascript_syntax_errors_stay_errors() {
        for source in [
            "a--b",
            "a++",
            "a = 1",
            "1.toString()",
            "017",
            "'\\1'",
            "'\\uD800'",
            "a ?? b",
            "3in",
            "1 +",
            "",
        ] {
            assert!(parse(source).is_err(), "{source} should not parse");
        }
    }

    #[test]
    fn shortcut_takes_names_and_plain_literals_only() {
        assert_eq!(
            shortcut("requestedAgent").map(|e| e.kind),
            Some(ExprKind::Identifier("requestedAgent".into()))
        );
        assert_eq!(
            shortcut("'workitems'").map(|e| e.kind),
            Some(ExprKind::String("workitems".into()))
        );
        assert_eq!(shortcut(" 120 ").map(|e| e.span), Some(Span::new(1, 4)));
        assert_eq!(
            shortcut("false").map(|e| e.kind),
            Some(ExprKind::Bool(false))
        );
        for other in ["017", "a.b", "'a\\'b'", "'a", "1.5", "a b", "", "'it''s'"] {
            assert!(shortcut(other).is_none(), "{other:?}");
        }
    }

    proptest::proptest! {
        /// The shortcut for names and plain literals builds exactly the grammar's tree, spans included.
        #[test]
        fn shortcut_agrees_with_the_grammar(source in "[ \t]{0,2}(('[^'\\\\\n\r]{0,8}')|(\"[^\"\\\\\n\r]{0,8}\")|([A-Za-z_$][A-Za-z0-9_$]{0,8})|([0-9]{1,6})|true|false|null|[ -~]{1,6})[ \t]{0,2}") {
            if let Some(fast) = shortcut(&source) {
                let full = full_parse(&source);
                proptest::prop_assert!(full.is_ok(), "{source:?}: shortcut accepted what the grammar rejects");
                let full = full.unwrap();
                proptest::prop_assert_eq!(&fast, &full);
                proptest::prop_assert_eq!(fast.span, full.span);
            }
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(
            parse(&deep)
                .unwrap_err()
                .message
                .contains("too deeply nested")
        );
        let long_chain = vec!["1"; 100_000].join(" + ");
        assert!(
            parse(&long_chain)
                .unwrap_err()
                .message
                .contains("too deeply nested")
        );
        let nots = format!("{}true", "!".repeat(100_000));
        assert!(parse(&nots).is_err());
        let conditionals = "a ? b : ".repeat(100_000) + "c";
        assert!(parse(&conditionals).is_err());
    }
}
