//! Typed access to the arguments of a built-in function or method call.

use super::error::Fault;
use super::value::Value;

/// The evaluated arguments of one call, with the callee's name for messages.
pub struct Arguments<'a> {
    /// The function or method, as written (`indexOf`, `Math.max`).
    pub callee: &'a str,
    /// The values passed.
    pub values: &'a [Value],
}

impl<'a> Arguments<'a> {
    /// Argument `i`, if passed.
    pub fn get(&self, i: usize) -> Option<&'a Value> {
        self.values.get(i)
    }

    /// Argument `i`, which must be a string.
    pub fn string(&self, i: usize) -> Result<&'a str, Fault> {
        match self.values.get(i) {
            Some(Value::String(s)) => Ok(s),
            other => Err(self.wrong_type(i, "a string", other)),
        }
    }

    /// Argument `i`, which must be a number.
    pub fn number(&self, i: usize) -> Result<f64, Fault> {
        match self.values.get(i) {
            Some(Value::Number(n)) => Ok(*n),
            other => Err(self.wrong_type(i, "a number", other)),
        }
    }

    /// Argument `i` if passed (then a number).
    pub fn optional_number(&self, i: usize) -> Result<Option<f64>, Fault> {
        match self.values.get(i) {
            None => Ok(None),
            Some(_) => self.number(i).map(Some),
        }
    }

    /// Argument `i` if passed (then a string).
    pub fn optional_string(&self, i: usize) -> Result<Option<&'a str>, Fault> {
        match self.values.get(i) {
            None => Ok(None),
            Some(_) => self.string(i).map(Some),
        }
    }

    /// Every argument, each a number.
    pub fn numbers(&self) -> Result<Vec<f64>, Fault> {
        (0..self.values.len()).map(|i| self.number(i)).collect()
    }

    /// The error for argument `i` of the wrong type.
    pub fn wrong_type(&self, i: usize, expected: &str, got: Option<&Value>) -> Fault {
        let got = got.map_or("nothing", |v| v.kind().name());
        Fault::new(format!(
            "{}() needs {expected} as argument {}, got {got}",
            self.callee,
            i + 1
        ))
        .help(match expected {
            "a number" => "convert explicitly with Number(...)",
            "a string" => "convert explicitly with String(...)",
            _ => "JavaScript would convert it silently; convert it explicitly",
        })
    }
}
