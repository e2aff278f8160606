//! The compiled form of an expression and its evaluation.
//!
//! A [`Expression`] is a tree of [`Node`]s in which names are already variable slots or built-ins and
//! constant sub-expressions are already values. Evaluation borrows variables and constants instead of
//! cloning them, so a comparison like `requestedAgent == ''` touches no reference count.

use super::ast::{BinaryOp, UnaryOp};
use super::builtins::Builtin;
use super::error::{EvalError, Fault};
use super::js;
use super::methods::Method;
use super::operators;
use super::value::Value;
use crate::diagnostic::Span;
use std::borrow::Cow;
use std::sync::Arc;

/// A compiled expression: parsed and resolved once, evaluated many times, shared across threads.
#[derive(Clone, Debug)]
pub struct Expression {
    pub(crate) root: Node,
    pub(crate) source: Arc<str>,
}

/// A node of a compiled expression.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    Const(Value),
    Slot(usize, Span),
    Array(Box<[Node]>),
    Unary(UnaryOp, Box<Node>, Span),
    Binary(BinaryOp, Box<Node>, Box<Node>, Span),
    And(Box<Node>, Box<Node>, Span),
    Or(Box<Node>, Box<Node>, Span),
    Conditional(Box<Node>, Box<Node>, Box<Node>, Span),
    Length(Box<Node>, Span),
    Field(Box<Node>, Arc<str>, Span),
    Index(Box<Node>, Box<Node>, Span),
    Method(Method, Box<Node>, Box<[Node]>, Span),
    Builtin(Builtin, Box<[Node]>, Span),
}

impl Expression {
    /// Evaluate with `variables` laid out as the [`super::Scope`] it was compiled against.
    pub fn eval(&self, variables: &[Value]) -> Result<Value, EvalError> {
        self.root.eval(variables).map(Cow::into_owned)
    }

    /// Evaluate a condition: the result must be a boolean.
    pub fn eval_bool(&self, variables: &[Value]) -> Result<bool, EvalError> {
        match self.root.eval(variables)?.as_ref() {
            Value::Bool(b) => Ok(*b),
            other => Err(
                operators::needs_boolean("a condition", "the value", other.kind())
                    .at(self.root.span()),
            ),
        }
    }

    /// The value, when the expression is a constant (folded at compile time).
    pub fn constant(&self) -> Option<&Value> {
        match &self.root {
            Node::Const(value) => Some(value),
            _ => None,
        }
    }

    /// The source text it was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

static TRUE: Value = Value::Bool(true);
static FALSE: Value = Value::Bool(false);

fn boolean(b: bool) -> Cow<'static, Value> {
    Cow::Borrowed(if b { &TRUE } else { &FALSE })
}

impl Node {
    /// Where the node is in the source (for constants, the caller knows better).
    pub(crate) fn span(&self) -> Span {
        match self {
            Node::Const(_) | Node::Array(_) => Span::default(),
            Node::Slot(_, span)
            | Node::Unary(_, _, span)
            | Node::Binary(_, _, _, span)
            | Node::And(_, _, span)
            | Node::Or(_, _, span)
            | Node::Conditional(_, _, _, span)
            | Node::Length(_, span)
            | Node::Field(_, _, span)
            | Node::Index(_, _, span)
            | Node::Method(_, _, _, span)
            | Node::Builtin(_, _, span) => *span,
        }
    }

    /// Whether every child is a constant, so the node can be evaluated at compile time.
    pub(crate) fn is_foldable(&self) -> bool {
        let constant = |node: &Node| matches!(node, Node::Const(_));
        match self {
            Node::Const(_) => true,
            Node::Slot(..) => false,
            Node::Array(items) | Node::Builtin(_, items, _) => items.iter().all(constant),
            Node::Unary(_, operand, _) | Node::Length(operand, _) | Node::Field(operand, _, _) => {
                constant(operand)
            }
            Node::Binary(_, lhs, rhs, _)
            | Node::And(lhs, rhs, _)
            | Node::Or(lhs, rhs, _)
            | Node::Index(lhs, rhs, _) => constant(lhs) && constant(rhs),
            Node::Conditional(test, consequent, alternate, _) => {
                constant(test) && constant(consequent) && constant(alternate)
            }
            Node::Method(_, receiver, args, _) => constant(receiver) && args.iter().all(constant),
        }
    }

    pub(crate) fn eval<'a>(&'a self, vars: &'a [Value]) -> Result<Cow<'a, Value>, EvalError> {
        match self {
            Node::Const(value) => Ok(Cow::Borrowed(value)),
            Node::Slot(slot, span) => vars.get(*slot).map(Cow::Borrowed).ok_or_else(|| {
                Fault::new("internal error: variable slot out of range (please report this)")
                    .at(*span)
            }),
            Node::Array(items) => {
                let values = items
                    .iter()
                    .map(|item| item.eval(vars).map(Cow::into_owned));
                Ok(Cow::Owned(Value::List(values.collect::<Result<_, _>>()?)))
            }
            Node::Unary(op, operand, span) => {
                let operand = operand.eval(vars)?;
                let result = match op {
                    UnaryOp::Not => operators::not(&operand),
                    UnaryOp::Neg => operators::negate(&operand),
                };
                result.map(Cow::Owned).map_err(|fault| fault.at(*span))
            }
            Node::Binary(op, lhs, rhs, span) => {
                let lhs = lhs.eval(vars)?;
                let rhs = rhs.eval(vars)?;
                operators::binary(*op, &lhs, &rhs)
                    .map(Cow::Owned)
                    .map_err(|fault| fault.at(*span))
            }
            Node::And(lhs, rhs, _) => match lhs.eval_condition("&&", "the left side", vars)? {
                false => Ok(boolean(false)),
                true => rhs
                    .eval_condition("&&", "the right side", vars)
                    .map(boolean),
            },
            Node::Or(lhs, rhs, _) => match lhs.eval_condition("||", "the left side", vars)? {
                true => Ok(boolean(true)),
                false => rhs
                    .eval_condition("||", "the right side", vars)
                    .map(boolean),
            },
            Node::Conditional(test, consequent, alternate, _) => {
                if test.eval_condition("?:", "the condition", vars)? {
                    consequent.eval(vars)
                } else {
                    alternate.eval(vars)
                }
            }
            Node::Length(object, span) => {
                let object = object.eval(vars)?;
                let length = match object.as_ref() {
                    Value::String(s) => js::string::utf16_len(s),
                    Value::List(items) => items.len(),
                    Value::Map(map) => {
                        return map
                            .get("length")
                            .cloned()
                            .map(Cow::Owned)
                            .ok_or_else(|| missing_property(&object, "length").at(*span));
                    }
                    other => return Err(missing_property(other, "length").at(*span)),
                };
                Ok(Cow::Owned(Value::Number(length as f64)))
            }
            Node::Field(object, name, span) => match object.eval(vars)? {
                Cow::Borrowed(Value::Map(map)) => map
                    .get(name)
                    .map(Cow::Borrowed)
                    .ok_or_else(|| missing_property(&Value::Map(map.clone()), name).at(*span)),
                object => match object.as_ref() {
                    Value::Map(map) => map.get(name).cloned().map(Cow::Owned),
                    _ => None,
                }
                .ok_or_else(|| missing_property(&object, name).at(*span)),
            },
            Node::Index(object, index, span) => {
                let object = object.eval(vars)?;
                let index = index.eval(vars)?;
                index_into(&object, &index)
                    .map(Cow::Owned)
                    .map_err(|fault| fault.at(*span))
            }
            Node::Method(method, receiver, args, span) => {
                let receiver = receiver.eval(vars)?;
                let args = eval_all(args, vars)?;
                method
                    .call(&receiver, &args)
                    .map(Cow::Owned)
                    .map_err(|fault| fault.at(*span))
            }
            Node::Builtin(builtin, args, span) => {
                let args = eval_all(args, vars)?;
                builtin
                    .call(&args)
                    .map(Cow::Owned)
                    .map_err(|fault| fault.at(*span))
            }
        }
    }

    fn eval_condition(
        &self,
        operator: &str,
        which: &str,
        vars: &[Value],
    ) -> Result<bool, EvalError> {
        match self.eval(vars)?.as_ref() {
            Value::Bool(b) => Ok(*b),
            other => Err(operators::needs_boolean(operator, which, other.kind()).at(self.span())),
        }
    }
}

fn eval_all(nodes: &[Node], vars: &[Value]) -> Result<Vec<Value>, EvalError> {
    nodes
        .iter()
        .map(|node| node.eval(vars).map(Cow::into_owned))
        .collect()
}

fn missing_property(object: &Value, name: &str) -> Fault {
    match object {
        Value::Map(map) => {
            let fault = Fault::new(format!("the map has no key `{name}`"));
            match crate::expr::suggest::closest(name, map.keys().map(|k| &**k)) {
                Some(close) => fault.help(format!("did you mean `{close}`?")),
                None => fault.help("JavaScript would give `undefined`; check the key exists first"),
            }
        }
        other => Fault::new(format!("a {} has no property `{name}`", other.kind())),
    }
}

fn index_into(object: &Value, index: &Value) -> Result<Value, Fault> {
    match (object, index) {
        (Value::String(s), Value::Number(i)) => {
            let unit = position(*i).and_then(|i| js::string::code_unit_at(s, i));
            match unit {
                Some(Ok(unit)) => Ok(Value::from(unit)),
                Some(Err(_)) => Err(Fault::new(
                    "this index falls inside an emoji or other astral character",
                )
                .help("JavaScript counts such characters as two units")),
                None => Err(out_of_range(*i, js::string::utf16_len(s), "string")),
            }
        }
        (Value::List(items), Value::Number(i)) => position(*i)
            .and_then(|i| items.get(i))
            .cloned()
            .ok_or_else(|| out_of_range(*i, items.len(), "list")),
        (Value::Map(map), Value::String(key)) => map
            .get(&**key)
            .cloned()
            .ok_or_else(|| missing_property(object, key)),
        (Value::String(_) | Value::List(_), other) => Err(Fault::new(format!(
            "a {} is indexed by a number, got a {}",
            object.kind(),
            other.kind()
        ))),
        (Value::Map(_), other) => Err(Fault::new(format!(
            "a map is indexed by a string, got a {}",
            other.kind()
        ))),
        (other, _) => Err(Fault::new(format!("a {} cannot be indexed", other.kind()))),
    }
}

fn position(i: f64) -> Option<usize> {
    (i >= 0.0 && i.fract() == 0.0 && i < usize::MAX as f64).then_some(i as usize)
}

fn out_of_range(i: f64, len: usize, what: &str) -> Fault {
    Fault::new(format!(
        "index {} is out of range for a {what} of length {len}",
        js::number::to_string(i)
    ))
    .help("JavaScript would give `undefined`; check the length first")
}
