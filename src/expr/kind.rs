//! The kind of value an expression gives, when its form alone decides it: what the loader checks a
//! computed target, key or condition against before any workitem runs (a comparison written where a
//! string belongs, as in `skill: english > 3` with `english` a variable, is a mistake found at load).

use super::ast::BinaryOp;
use super::builtins::Builtin;
use super::methods::Method;
use super::program::{Expression, Node};
use super::value::Kind;

impl Expression {
    /// The kind of every value this expression can give, when its form decides it (`a == 'x'` is a
    /// boolean, `n * 2` a number, `s.trim()` a string); `None` when it depends on the values (a
    /// variable, `a + b`, `c ? 1 : 'x'`). Evaluation may still fail; when it succeeds, the value is
    /// of this kind.
    pub fn kind(&self) -> Option<Kind> {
        self.root.kind()
    }
}

impl Node {
    fn kind(&self) -> Option<Kind> {
        match self {
            Node::Const(value, _) => Some(value.kind()),
            Node::Not(..)
            | Node::Compare(..)
            | Node::CompareSlot { .. }
            | Node::All(..)
            | Node::Any(..) => Some(Kind::Bool),
            Node::Negate(..) => Some(Kind::Number),
            // A map's `length` is whatever its `length` key holds, as in JavaScript.
            Node::Length(object, _) => match object.kind() {
                Some(Kind::String | Kind::List) => Some(Kind::Number),
                _ => None,
            },
            Node::Array(..) => Some(Kind::List),
            Node::Arithmetic(BinaryOp::Add, lhs, rhs, _) => match (lhs.kind(), rhs.kind()) {
                // `+` concatenates as soon as one side is a string, and adds two numbers.
                (Some(Kind::String), _) | (_, Some(Kind::String)) => Some(Kind::String),
                (Some(Kind::Number), Some(Kind::Number)) => Some(Kind::Number),
                _ => None,
            },
            Node::Arithmetic(..) => Some(Kind::Number),
            Node::Conditional(_, then, otherwise, _) => {
                let kind = then.kind()?;
                (otherwise.kind()? == kind).then_some(kind)
            }
            Node::Method(method, ..) => method_kind(*method),
            Node::Builtin(builtin, ..) => Some(builtin_kind(*builtin)),
            Node::Slot(..) | Node::Field(..) | Node::Index(..) => None,
        }
    }
}

/// What a method gives, whatever it is called on (a string, a number or a list).
fn method_kind(method: Method) -> Option<Kind> {
    match method {
        Method::CharCodeAt | Method::IndexOf | Method::LastIndexOf => Some(Kind::Number),
        Method::Includes | Method::StartsWith | Method::EndsWith => Some(Kind::Bool),
        Method::Split => Some(Kind::List),
        // A string's slice is a string, a list's a list.
        Method::Slice => None,
        Method::CharAt
        | Method::Substring
        | Method::ToUpperCase
        | Method::ToLowerCase
        | Method::Trim
        | Method::TrimStart
        | Method::TrimEnd
        | Method::Replace
        | Method::ReplaceAll
        | Method::PadStart
        | Method::PadEnd
        | Method::Repeat
        | Method::ToString
        | Method::ToFixed
        | Method::Join => Some(Kind::String),
    }
}

fn builtin_kind(builtin: Builtin) -> Kind {
    match builtin {
        Builtin::String => Kind::String,
        Builtin::IsNaN | Builtin::IsFinite => Kind::Bool,
        Builtin::Number
        | Builtin::ParseInt
        | Builtin::ParseFloat
        | Builtin::MathMin
        | Builtin::MathMax
        | Builtin::MathAbs
        | Builtin::MathFloor
        | Builtin::MathCeil
        | Builtin::MathRound
        | Builtin::MathTrunc
        | Builtin::MathSign => Kind::Number,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Scope, Value, compile};

    fn kind_of(source: &str) -> Option<Kind> {
        let scope = Scope::with_names(["s", "n", "b", "l", "m"]);
        let expression = compile(source, &scope).expect("compiles");
        let frame = [
            Value::from("Gold"),
            Value::Number(2.0),
            Value::Bool(true),
            Value::List(std::sync::Arc::new(vec![Value::from("a")])),
            Value::Map(std::sync::Arc::new(
                [(std::sync::Arc::from("length"), Value::from("alice"))].into(),
            )),
        ];
        // Whatever is inferred is what evaluation gives.
        if let (Some(kind), Ok(value)) = (expression.kind(), expression.eval(&frame)) {
            assert_eq!(kind, value.kind(), "{source}");
        }
        expression.kind()
    }

    #[test]
    fn the_form_decides_the_kind_only_where_it_must() {
        assert_eq!(kind_of("s == 'x' && b"), Some(Kind::Bool));
        assert_eq!(kind_of("!b"), Some(Kind::Bool));
        assert_eq!(kind_of("n * 2"), Some(Kind::Number));
        assert_eq!(kind_of("s.length"), None, "s may hold a map");
        assert_eq!(
            kind_of("m.length"),
            None,
            "a map's length is its `length` key"
        );
        assert_eq!(kind_of("s.trim().length"), Some(Kind::Number));
        assert_eq!(kind_of("[1, n].length"), Some(Kind::Number));
        assert_eq!(kind_of("s + n"), None, "either may be a number");
        assert_eq!(kind_of("n + '!'"), Some(Kind::String));
        assert_eq!(kind_of("n + 1 + 1"), None, "n may be a string");
        assert_eq!(kind_of("s.split(',')"), Some(Kind::List));
        assert_eq!(kind_of("s.slice(1)"), None, "a list's slice is a list");
        assert_eq!(kind_of("l.slice(1)"), None);
        assert_eq!(kind_of("l.join('-')"), Some(Kind::String));
        assert_eq!(kind_of("l.indexOf('a')"), Some(Kind::Number));
        assert_eq!(kind_of("b ? 'x' : 'y'"), Some(Kind::String));
        assert_eq!(kind_of("b ? 'x' : 1"), None);
        assert_eq!(kind_of("Math.max(n, 3)"), Some(Kind::Number));
        assert_eq!(kind_of("String(n)"), Some(Kind::String));
        assert_eq!(kind_of("isNaN(n)"), Some(Kind::Bool));
        assert_eq!(kind_of("s"), None);
        assert_eq!(kind_of("'a' + 'b'"), Some(Kind::String));
    }
}
