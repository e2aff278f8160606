//! The compiled form of an expression and its evaluation.
//!
//! A [`Expression`] is a tree of [`Node`]s in which names are already variable slots or built-ins and
//! constant sub-expressions are already values. Evaluation borrows variables and constants instead of
//! cloning them, so a comparison like `requestedAgent == ''` touches no reference count.

use super::ast::BinaryOp;
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
    Const(Value, Span),
    Slot(usize, Span),
    Array(Box<[Node]>, Span),
    Not(Box<Node>, Span),
    Negate(Box<Node>, Span),
    /// `+ - * / %`
    Arithmetic(BinaryOp, Box<Node>, Box<Node>, Span),
    /// `< <= > >= == != === !==`
    Compare(BinaryOp, Box<Node>, Box<Node>, Span),
    /// A comparison of a variable with a constant, the usual Segmentation condition (`segment == 'Gold'`),
    /// read straight from the slot. `flipped`: the constant is the left operand.
    CompareSlot {
        op: BinaryOp,
        slot: usize,
        constant: Value,
        flipped: bool,
        span: Span,
    },
    /// `a && b && …`, flattened: true when every operand is.
    All(Box<[Node]>, Span),
    /// `a || b || …`, flattened: true when one operand is.
    Any(Box<[Node]>, Span),
    Conditional(Box<Node>, Box<Node>, Box<Node>, Span),
    Length(Box<Node>, Span),
    Field(Box<Node>, Arc<str>, Span),
    Index(Box<Node>, Box<Node>, Span),
    Method(Method, Box<Node>, Box<[Node]>, Span),
    Builtin(Builtin, Box<[Node]>, Span),
}

/// Errors travel boxed on the hot path so that results stay two words wide.
pub(crate) type Failure = Box<EvalError>;
type Evaluated<'a> = Result<Cow<'a, Value>, Failure>;

impl Expression {
    /// Evaluate with `variables` laid out as the [`super::Scope`] it was compiled against.
    pub fn eval(&self, variables: &[Value]) -> Result<Value, EvalError> {
        // Most expressions a flow evaluates for a value are a bare variable or a constant (assignments,
        // table keys, user-data keys and values): copy it out directly, without the general path's `Cow`
        // and error plumbing (about a third of their cost in the sample's Initialize profile).
        match &self.root {
            Node::Const(value, _) => return Ok(value.clone()),
            Node::Slot(slot, _) => {
                if let Some(value) = variables.get(*slot) {
                    return Ok(value.clone());
                }
            }
            _ => {}
        }
        self.root
            .eval(variables)
            .map(Cow::into_owned)
            .map_err(|e| *e)
    }

    /// Evaluate a condition: the result must be a boolean.
    pub fn eval_bool(&self, variables: &[Value]) -> Result<bool, EvalError> {
        if let Some(answer) = self.root.quick_test(variables) {
            return Ok(answer);
        }
        self.root
            .condition("a condition", "the value", variables)
            .map_err(|e| *e)
    }

    /// The value in place, when the expression is a bare variable or a constant: what a caller that
    /// only reads the value can use without copying it.
    pub fn in_place<'a>(&'a self, variables: &'a [Value]) -> Option<&'a Value> {
        match &self.root {
            Node::Const(value, _) => Some(value),
            Node::Slot(slot, _) => variables.get(*slot),
            _ => None,
        }
    }

    /// The value, when the expression is a constant (folded at compile time).
    pub fn constant(&self) -> Option<&Value> {
        match &self.root {
            Node::Const(value, _) => Some(value),
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

fn located(fault: Fault, span: Span) -> Failure {
    Box::new(fault.at(span))
}

impl Node {
    /// Where the node is in the source.
    pub(crate) fn span(&self) -> Span {
        match self {
            Node::Const(_, span)
            | Node::Slot(_, span)
            | Node::Array(_, span)
            | Node::Not(_, span)
            | Node::Negate(_, span)
            | Node::Arithmetic(_, _, _, span)
            | Node::Compare(_, _, _, span)
            | Node::CompareSlot { span, .. }
            | Node::All(_, span)
            | Node::Any(_, span)
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
        let constant = |node: &Node| matches!(node, Node::Const(..));
        match self {
            Node::Const(..) => true,
            Node::Slot(..) | Node::CompareSlot { .. } => false,
            Node::Array(items, _)
            | Node::Builtin(_, items, _)
            | Node::All(items, _)
            | Node::Any(items, _) => items.iter().all(constant),
            Node::Not(operand, _)
            | Node::Negate(operand, _)
            | Node::Length(operand, _)
            | Node::Field(operand, _, _) => constant(operand),
            Node::Arithmetic(_, lhs, rhs, _)
            | Node::Compare(_, lhs, rhs, _)
            | Node::Index(lhs, rhs, _) => constant(lhs) && constant(rhs),
            Node::Conditional(test, consequent, alternate, _) => {
                constant(test) && constant(consequent) && constant(alternate)
            }
            Node::Method(_, receiver, args, _) => constant(receiver) && args.iter().all(constant),
        }
    }

    /// Evaluate to a value, borrowing constants and variables rather than copying them.
    pub(crate) fn eval<'a>(&'a self, vars: &'a [Value]) -> Evaluated<'a> {
        match self {
            Node::Const(value, _) => Ok(Cow::Borrowed(value)),
            Node::Slot(slot, span) => match vars.get(*slot) {
                Some(value) => Ok(Cow::Borrowed(value)),
                None => Err(slot_out_of_range(*span)),
            },
            Node::Not(..)
            | Node::Compare(..)
            | Node::CompareSlot { .. }
            | Node::All(..)
            | Node::Any(..) => self.test(vars).map(boolean),
            Node::Conditional(test, consequent, alternate, _) => {
                if test.condition("?:", "the condition", vars)? {
                    consequent.eval(vars)
                } else {
                    alternate.eval(vars)
                }
            }
            _ => self.eval_compound(vars).map(Cow::Owned),
        }
    }

    /// The answer of the tests flows are made of, when they cannot fail: a boolean variable, its
    /// negation, and a variable compared for (in)equality with a constant of its own kind (string or
    /// number). `None` sends everything else, errors included, down the general path.
    ///
    /// Inline and without the general path's error plumbing: in the sample's Initialize, six
    /// Segmentation conditions made of these cost 90 to 400 instructions each through
    /// [`Node::condition`] and [`Node::test`], a fifth of the phase.
    #[inline(always)]
    fn quick_test(&self, vars: &[Value]) -> Option<bool> {
        match self {
            Node::Slot(slot, _) => vars.get(*slot)?.as_bool(),
            Node::Not(operand, _) => match &**operand {
                Node::Slot(slot, _) => vars.get(*slot)?.as_bool().map(|b| !b),
                _ => None,
            },
            Node::CompareSlot {
                op, slot, constant, ..
            } => {
                let equal = match (vars.get(*slot)?, constant) {
                    (Value::String(a), Value::String(b)) => a == b,
                    // As JavaScript: IEEE equality, so NaN equals nothing and -0 equals 0.
                    (Value::Number(a), Value::Number(b)) => a == b,
                    _ => return None,
                };
                match op {
                    BinaryOp::Eq | BinaryOp::StrictEq => Some(equal),
                    BinaryOp::Ne | BinaryOp::StrictNe => Some(!equal),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A boolean where `operator` needs one (`which` operand, for the message).
    pub(crate) fn condition(
        &self,
        operator: &str,
        which: &str,
        vars: &[Value],
    ) -> Result<bool, Failure> {
        match self {
            Node::Not(..)
            | Node::Compare(..)
            | Node::CompareSlot { .. }
            | Node::All(..)
            | Node::Any(..) => self.test(vars),
            Node::Slot(slot, span) => match vars.get(*slot) {
                Some(Value::Bool(b)) => Ok(*b),
                Some(other) => Err(located(
                    operators::needs_boolean(operator, which, other.kind()),
                    *span,
                )),
                None => Err(slot_out_of_range(*span)),
            },
            _ => match self.eval(vars)?.as_ref() {
                Value::Bool(b) => Ok(*b),
                other => Err(located(
                    operators::needs_boolean(operator, which, other.kind()),
                    self.span(),
                )),
            },
        }
    }

    /// The boolean operators, computed without building values.
    fn test(&self, vars: &[Value]) -> Result<bool, Failure> {
        match self {
            Node::All(operands, _) => {
                for (i, operand) in operands.iter().enumerate() {
                    let answer = match operand.quick_test(vars) {
                        Some(answer) => answer,
                        None => operand.condition("&&", side(i), vars)?,
                    };
                    if !answer {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Node::Any(operands, _) => {
                for (i, operand) in operands.iter().enumerate() {
                    let answer = match operand.quick_test(vars) {
                        Some(answer) => answer,
                        None => operand.condition("||", side(i), vars)?,
                    };
                    if answer {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Node::CompareSlot {
                op,
                slot,
                constant,
                flipped,
                span,
            } => {
                let Some(variable) = vars.get(*slot) else {
                    return Err(slot_out_of_range(*span));
                };
                let result = if *flipped {
                    operators::compare(*op, constant, variable)
                } else {
                    operators::compare(*op, variable, constant)
                };
                result.map_err(|fault| located(fault, *span))
            }
            Node::Not(operand, _) => Ok(!operand.condition("!", "the operand", vars)?),
            Node::Compare(op, lhs, rhs, span) => {
                let lhs = lhs.eval(vars)?;
                let rhs = rhs.eval(vars)?;
                operators::compare(*op, &lhs, &rhs).map_err(|fault| located(fault, *span))
            }
            other => other.condition("a condition", "the value", vars),
        }
    }

    /// Everything that builds a new value; kept out of line so the hot paths above stay small.
    #[inline(never)]
    fn eval_compound(&self, vars: &[Value]) -> Result<Value, Failure> {
        match self {
            Node::Array(items, _) => {
                let values = items
                    .iter()
                    .map(|item| item.eval(vars).map(Cow::into_owned));
                Ok(Value::List(Arc::new(values.collect::<Result<_, _>>()?)))
            }
            Node::Negate(operand, span) => {
                operators::negate(&*operand.eval(vars)?).map_err(|fault| located(fault, *span))
            }
            Node::Arithmetic(op, lhs, rhs, span) => {
                let lhs = lhs.eval(vars)?;
                let rhs = rhs.eval(vars)?;
                operators::binary(*op, &lhs, &rhs).map_err(|fault| located(fault, *span))
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
                            .ok_or_else(|| located(missing_property(&object, "length"), *span));
                    }
                    other => return Err(located(missing_property(other, "length"), *span)),
                };
                Ok(Value::Number(length as f64))
            }
            Node::Field(object, name, span) => {
                let object = object.eval(vars)?;
                match object.as_ref() {
                    Value::Map(map) => map.get(name).cloned(),
                    _ => None,
                }
                .ok_or_else(|| located(missing_property(&object, name), *span))
            }
            Node::Index(object, index, span) => {
                let object = object.eval(vars)?;
                let index = index.eval(vars)?;
                index_into(&object, &index).map_err(|fault| located(fault, *span))
            }
            Node::Method(method, receiver, args, span) => {
                let receiver = receiver.eval(vars)?;
                let args = eval_all(args, vars)?;
                method
                    .call(&receiver, &args)
                    .map_err(|fault| located(fault, *span))
            }
            Node::Builtin(builtin, args, span) => {
                let args = eval_all(args, vars)?;
                builtin.call(&args).map_err(|fault| located(fault, *span))
            }
            _ => self.eval(vars).map(Cow::into_owned),
        }
    }
}

/// Which operand of a flattened `&&` / `||` chain, for messages: the first is the left side of the
/// innermost operator, every other the right side of its own.
fn side(i: usize) -> &'static str {
    if i == 0 {
        "the left side"
    } else {
        "the right side"
    }
}

#[cold]
fn slot_out_of_range(span: Span) -> Failure {
    located(
        Fault::new("internal error: variable slot out of range (please report this)"),
        span,
    )
}

fn eval_all(nodes: &[Node], vars: &[Value]) -> Result<Vec<Value>, Failure> {
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
