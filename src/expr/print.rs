//! Syntax tree → source text, with the fewest parentheses that keep its meaning (re-parsing the
//! output gives the same tree).

use super::ast::{Expr, ExprKind, Precedence, UnaryOp};
use super::js;
use std::fmt::{self, Display, Formatter, Write};

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(self, Precedence::Conditional, f)
    }
}

/// Write `expr`, parenthesised if it binds less tightly than `context` requires.
fn write_expr(expr: &Expr, context: Precedence, f: &mut Formatter<'_>) -> fmt::Result {
    if expr.precedence() < context {
        f.write_char('(')?;
        write_bare(expr, f)?;
        return f.write_char(')');
    }
    write_bare(expr, f)
}

fn write_bare(expr: &Expr, f: &mut Formatter<'_>) -> fmt::Result {
    match &expr.kind {
        ExprKind::Null => f.write_str("null"),
        ExprKind::Bool(b) => write!(f, "{b}"),
        // A literal too large for a double (`1e999`) is Infinity; print one that parses back to it.
        ExprKind::Number(n) if n.is_infinite() => f.write_str("1e999"),
        ExprKind::Number(n) => f.write_str(&js::number::to_string(*n)),
        ExprKind::String(s) => write_string_literal(s, f),
        ExprKind::Identifier(name) => f.write_str(name),
        ExprKind::Array(items) => {
            f.write_char('[')?;
            write_list(items, f)?;
            f.write_char(']')
        }
        ExprKind::Unary(op, operand) => {
            f.write_str(op.symbol())?;
            // `- -x` must not print as `--x`, which is JavaScript's decrement.
            if *op == UnaryOp::Neg && matches!(operand.kind, ExprKind::Unary(UnaryOp::Neg, _)) {
                f.write_char(' ')?;
            }
            write_expr(operand, Precedence::Prefix, f)
        }
        ExprKind::Binary(op, lhs, rhs) => {
            let precedence = op.precedence();
            write_expr(lhs, precedence, f)?;
            write!(f, " {} ", op.symbol())?;
            write_right_operand(rhs, precedence, f)
        }
        ExprKind::Conditional(test, consequent, alternate) => {
            write_expr(test, Precedence::Or, f)?;
            f.write_str(" ? ")?;
            write_expr(consequent, Precedence::Conditional, f)?;
            f.write_str(" : ")?;
            write_expr(alternate, Precedence::Conditional, f)
        }
        ExprKind::Member(object, name) => {
            write_object(object, f)?;
            write!(f, ".{}", name.text)
        }
        ExprKind::Index(object, index) => {
            write_object(object, f)?;
            f.write_char('[')?;
            write_expr(index, Precedence::Conditional, f)?;
            f.write_char(']')
        }
        ExprKind::Call(callee, arguments) => {
            write_object(callee, f)?;
            f.write_char('(')?;
            write_list(arguments, f)?;
            f.write_char(')')
        }
    }
}

/// Binary operators are left-associative: an equal-precedence right operand needs parentheses.
fn write_right_operand(rhs: &Expr, precedence: Precedence, f: &mut Formatter<'_>) -> fmt::Result {
    if rhs.precedence() <= precedence {
        f.write_char('(')?;
        write_bare(rhs, f)?;
        return f.write_char(')');
    }
    write_bare(rhs, f)
}

/// The object of `.name`, `[i]` or `(args)`; a number literal is parenthesised (`(1).toFixed(2)`).
fn write_object(object: &Expr, f: &mut Formatter<'_>) -> fmt::Result {
    if matches!(object.kind, ExprKind::Number(_)) {
        f.write_char('(')?;
        write_bare(object, f)?;
        return f.write_char(')');
    }
    write_expr(object, Precedence::Postfix, f)
}

fn write_list(items: &[Expr], f: &mut Formatter<'_>) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_expr(item, Precedence::Conditional, f)?;
    }
    Ok(())
}

/// A single-quoted literal whose unescaping gives back `s`.
pub fn write_string_literal(s: &str, f: &mut impl Write) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        match c {
            '\'' => f.write_str("\\'")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{{{:x}}}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('\'')
}

#[cfg(test)]
mod tests {
    use crate::expr::parse;

    #[test]
    fn prints_with_minimal_parentheses() {
        for (source, printed) in [
            ("(1 + 2) * 3", "(1 + 2) * 3"),
            ("1 + (2 * 3)", "1 + 2 * 3"),
            ("1 - (2 - 3)", "1 - (2 - 3)"),
            ("-(-x)", "- -x"),
            ("(a ? b : c) ? d : e", "(a ? b : c) ? d : e"),
            ("(1).toFixed(2)", "(1).toFixed(2)"),
        ] {
            if let Ok(expr) = parse(source) {
                assert_eq!(expr.to_string(), printed);
            }
        }
        assert_eq!(parse(r"'it\'s\n'").unwrap().to_string(), r"'it\'s\n'");
    }
}
