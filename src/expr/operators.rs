//! Unary and binary operators: JavaScript's result where JavaScript does not convert types silently,
//! a type error naming the operator and both types where it would.

use super::ast::BinaryOp;
use super::error::{Fault, check_string_len};
use super::js;
use super::value::{Kind, Value};
use std::cmp::Ordering;

/// `-x`
pub fn negate(operand: &Value) -> Result<Value, Fault> {
    match operand {
        Value::Number(n) => Ok(Value::Number(-n)),
        other => Err(
            Fault::new(format!("`-` needs a number, got {}", other.kind()))
                .help(conversion_help(other.kind())),
        ),
    }
}

/// The error for a non-boolean where `!`, `&&`, `||` or `?:` need a boolean.
pub fn needs_boolean(operator: &str, which: &str, kind: Kind) -> Fault {
    let example = match kind {
        Kind::String => "x != ''",
        Kind::Number => "x != 0",
        Kind::Null => "x !== null",
        _ => "x.length > 0",
    };
    Fault::new(format!(
        "`{operator}` needs a boolean, but {which} is a {kind}"
    ))
    .help(format!(
        "routeflow does not guess truthiness; compare explicitly, e.g. `{example}`"
    ))
}

/// Every binary operator except the short-circuiting `&&` and `||`.
pub fn binary(op: BinaryOp, lhs: &Value, rhs: &Value) -> Result<Value, Fault> {
    match op {
        BinaryOp::Add => add(lhs, rhs),
        BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
            let (Value::Number(a), Value::Number(b)) = (lhs, rhs) else {
                return Err(arithmetic_error(op, lhs.kind(), rhs.kind()));
            };
            Ok(Value::Number(match op {
                BinaryOp::Sub => a - b,
                BinaryOp::Mul => a * b,
                BinaryOp::Div => a / b,
                _ => a % b,
            }))
        }
        _ => compare(op, lhs, rhs).map(Value::Bool),
    }
}

/// The comparison operators `< <= > >= == != === !==`, straight to a boolean.
#[inline]
pub fn compare(op: BinaryOp, lhs: &Value, rhs: &Value) -> Result<bool, Fault> {
    // The common case of a Segmentation condition, `variable == 'literal'`, inline; the rest out of line.
    if let (Value::String(a), Value::String(b)) = (lhs, rhs) {
        match op {
            BinaryOp::Eq | BinaryOp::StrictEq => return Ok(a == b),
            BinaryOp::Ne | BinaryOp::StrictNe => return Ok(a != b),
            _ => {}
        }
    }
    compare_any(op, lhs, rhs)
}

#[inline(never)]
fn compare_any(op: BinaryOp, lhs: &Value, rhs: &Value) -> Result<bool, Fault> {
    match op {
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            let ordering = match (lhs, rhs) {
                (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
                (Value::String(a), Value::String(b)) => Some(js::string::compare(a, b)),
                _ => {
                    return Err(Fault::new(format!(
                        "`{}` compares two numbers or two strings, got {} and {}",
                        op.symbol(),
                        lhs.kind(),
                        rhs.kind()
                    ))
                    .help(mixed_help(lhs.kind(), rhs.kind())));
                }
            };
            Ok(match (op, ordering) {
                (_, None) => false,
                (BinaryOp::Lt, Some(o)) => o == Ordering::Less,
                (BinaryOp::Le, Some(o)) => o != Ordering::Greater,
                (BinaryOp::Gt, Some(o)) => o == Ordering::Greater,
                (_, Some(o)) => o != Ordering::Less,
            })
        }
        BinaryOp::Eq | BinaryOp::Ne => {
            let equal = match (lhs, rhs) {
                (Value::Null, _) | (_, Value::Null) => {
                    matches!(lhs, Value::Null) && matches!(rhs, Value::Null)
                }
                _ if lhs.kind() != rhs.kind() => {
                    return Err(Fault::new(format!(
                        "`{}` compares a {} with a {}: JavaScript would convert one of them first",
                        op.symbol(),
                        lhs.kind(),
                        rhs.kind()
                    ))
                    .help(format!(
                        "convert explicitly (e.g. `String(x) == s` or `Number(s) == x`), or use `{}`, which never converts",
                        if op == BinaryOp::Eq { "===" } else { "!==" }
                    )));
                }
                _ => strict_equals(lhs, rhs).map_err(|kinds| identity_error(op, kinds))?,
            };
            Ok(equal == (op == BinaryOp::Eq))
        }
        BinaryOp::StrictEq | BinaryOp::StrictNe => {
            let equal = strict_equals(lhs, rhs).map_err(|kinds| identity_error(op, kinds))?;
            Ok(equal == (op == BinaryOp::StrictEq))
        }
        _ => Err(Fault::new(format!(
            "internal error: `{}` is not a comparison",
            op.symbol()
        ))),
    }
}

/// `===`. Lists and maps are compared by identity in JavaScript, which has no meaning for routeflow's
/// values, so comparing them is an error (`Err` names the kind).
pub fn strict_equals(lhs: &Value, rhs: &Value) -> Result<bool, (Kind, Kind)> {
    Ok(match (lhs, rhs) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Number(a), Value::Number(b)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::List(_) | Value::Map(_), Value::List(_) | Value::Map(_)) => {
            return Err((lhs.kind(), rhs.kind()));
        }
        // Different kinds (a list and null included) are never strictly equal.
        _ => false,
    })
}

fn identity_error(op: BinaryOp, (lhs, rhs): (Kind, Kind)) -> Fault {
    Fault::new(format!("`{}` cannot compare a {lhs} with a {rhs}", op.symbol()))
        .help("JavaScript compares lists and maps by identity, not by content; compare their elements instead")
}

fn add(lhs: &Value, rhs: &Value) -> Result<Value, Fault> {
    match (lhs, rhs) {
        (Value::Number(a), Value::Number(b)) => Ok(Value::Number(a + b)),
        (Value::String(a), Value::String(b)) => concat(a, b),
        (Value::String(a), Value::Number(_) | Value::Bool(_)) => {
            concat(a, &rhs.to_js_string().unwrap_or_default())
        }
        (Value::Number(_) | Value::Bool(_), Value::String(b)) => {
            concat(&lhs.to_js_string().unwrap_or_default(), b)
        }
        _ => Err(
            Fault::new(format!("`+` cannot add {} and {}", lhs.kind(), rhs.kind()))
                .help(mixed_help(lhs.kind(), rhs.kind())),
        ),
    }
}

fn concat(a: &str, b: &str) -> Result<Value, Fault> {
    check_string_len(a.len() + b.len())?;
    let mut joined = String::with_capacity(a.len() + b.len());
    joined.push_str(a);
    joined.push_str(b);
    Ok(Value::from(joined))
}

fn arithmetic_error(op: BinaryOp, lhs: Kind, rhs: Kind) -> Fault {
    let fault = Fault::new(format!(
        "`{}` needs two numbers, got {lhs} and {rhs}",
        op.symbol()
    ));
    let odd = if lhs == Kind::Number { rhs } else { lhs };
    fault.help(conversion_help(odd))
}

fn conversion_help(kind: Kind) -> String {
    match kind {
        Kind::String => {
            "JavaScript would convert the string silently; convert it explicitly with Number(...)"
                .into()
        }
        Kind::Bool => {
            "JavaScript would treat true as 1 and false as 0; write `b ? 1 : 0` if that is meant"
                .into()
        }
        Kind::Null => {
            "JavaScript would treat null as 0; check for null first, e.g. `x === null ? 0 : x`"
                .into()
        }
        _ => format!("a {kind} is not a number"),
    }
}

fn mixed_help(lhs: Kind, rhs: Kind) -> String {
    if lhs == Kind::Null || rhs == Kind::Null {
        "check for null first, e.g. `x === null ? '' : x`".into()
    } else if lhs == Kind::List || rhs == Kind::List {
        "turn the list into a string first, e.g. `list.join(',')`".into()
    } else if lhs == Kind::String || rhs == Kind::String {
        "convert explicitly: `Number(s)` for a number, `String(n)` for a string".into()
    } else {
        "convert explicitly, e.g. with `Number(...)` or `String(...)`".into()
    }
}
