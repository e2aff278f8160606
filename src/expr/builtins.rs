//! Global functions (`Number`, `String`, `parseInt`, `parseFloat`, `isNaN`, `isFinite`), `Math`
//! functions, and the global constants (`NaN`, `Infinity`, `Math.PI`, `Math.E`).

use super::arguments::Arguments;
use super::error::Fault;
use super::js::number;
use super::value::Value;

/// A built-in function, resolved at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Builtin {
    Number,
    String,
    ParseInt,
    ParseFloat,
    IsNaN,
    IsFinite,
    MathMin,
    MathMax,
    MathAbs,
    MathFloor,
    MathCeil,
    MathRound,
    MathTrunc,
    MathSign,
}

/// Name as written, function, fewest and most arguments (`usize::MAX`: any number).
const GLOBALS: &[(&str, Builtin, usize, usize)] = &[
    ("Number", Builtin::Number, 1, 1),
    ("String", Builtin::String, 1, 1),
    ("parseInt", Builtin::ParseInt, 1, 2),
    ("parseFloat", Builtin::ParseFloat, 1, 1),
    ("isNaN", Builtin::IsNaN, 1, 1),
    ("isFinite", Builtin::IsFinite, 1, 1),
];

const MATH: &[(&str, Builtin, usize, usize)] = &[
    ("min", Builtin::MathMin, 0, usize::MAX),
    ("max", Builtin::MathMax, 0, usize::MAX),
    ("abs", Builtin::MathAbs, 1, 1),
    ("floor", Builtin::MathFloor, 1, 1),
    ("ceil", Builtin::MathCeil, 1, 1),
    ("round", Builtin::MathRound, 1, 1),
    ("trunc", Builtin::MathTrunc, 1, 1),
    ("sign", Builtin::MathSign, 1, 1),
];

/// The constants `Math.PI` and `Math.E`.
pub fn math_constant(name: &str) -> Option<f64> {
    match name {
        "PI" => Some(std::f64::consts::PI),
        "E" => Some(std::f64::consts::E),
        _ => None,
    }
}

/// The global constants `NaN` and `Infinity`.
pub fn global_constant(name: &str) -> Option<f64> {
    match name {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        _ => None,
    }
}

impl Builtin {
    /// The global function called `name`.
    pub fn global(name: &str) -> Option<Builtin> {
        GLOBALS
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|(_, b, ..)| *b)
    }

    /// The `Math` function called `name`.
    pub fn math(name: &str) -> Option<Builtin> {
        MATH.iter().find(|(n, ..)| *n == name).map(|(_, b, ..)| *b)
    }

    /// Names of the global functions (for suggestions).
    pub fn global_names() -> impl Iterator<Item = &'static str> {
        GLOBALS.iter().map(|(n, ..)| *n)
    }

    /// Names of the `Math` members (for suggestions).
    pub fn math_names() -> impl Iterator<Item = &'static str> {
        MATH.iter().map(|(n, ..)| *n).chain(["PI", "E"])
    }

    fn entry(self) -> (&'static str, usize, usize, bool) {
        if let Some((n, _, lo, hi)) = GLOBALS.iter().find(|(_, b, ..)| *b == self) {
            return (n, *lo, *hi, false);
        }
        MATH.iter()
            .find(|(_, b, ..)| *b == self)
            .map_or(("?", 0, 0, false), |(n, _, lo, hi)| (*n, *lo, *hi, true))
    }

    /// The name as written (`Math.max`, `parseInt`).
    pub fn name(self) -> String {
        match self.entry() {
            (name, _, _, true) => format!("Math.{name}"),
            (name, ..) => name.to_owned(),
        }
    }

    /// Fewest and most arguments.
    pub fn arity(self) -> (usize, usize) {
        let (_, lo, hi, _) = self.entry();
        (lo, hi)
    }

    /// Call the function.
    pub fn call(self, values: &[Value]) -> Result<Value, Fault> {
        let name = self.name();
        let args = Arguments {
            callee: &name,
            values,
        };
        let unary_math = |f: fn(f64) -> f64| args.number(0).map(|x| Value::Number(f(x)));
        match self {
            Builtin::Number => to_number(&args, 0).map(Value::Number),
            Builtin::String => {
                let value = args.get(0).unwrap_or(&Value::Null);
                value.to_js_string().map(Value::from).ok_or_else(|| {
                    Fault::new("String() cannot turn a map into a string")
                        .help("pick a field first, e.g. `m.name`")
                })
            }
            Builtin::ParseInt => {
                let text = string_or_number(&args, 0)?;
                number::parse_int(&text, args.optional_number(1)?)
                    .map(Value::Number)
                    .map_err(|_| inexact(&name))
            }
            Builtin::ParseFloat => Ok(Value::Number(number::parse_float(&string_or_number(
                &args, 0,
            )?))),
            Builtin::IsNaN => to_number(&args, 0).map(|x| Value::Bool(x.is_nan())),
            Builtin::IsFinite => to_number(&args, 0).map(|x| Value::Bool(x.is_finite())),
            Builtin::MathMin => Ok(Value::Number(number::min(args.numbers()?))),
            Builtin::MathMax => Ok(Value::Number(number::max(args.numbers()?))),
            Builtin::MathAbs => unary_math(f64::abs),
            Builtin::MathFloor => unary_math(f64::floor),
            Builtin::MathCeil => unary_math(f64::ceil),
            Builtin::MathRound => unary_math(number::round),
            Builtin::MathTrunc => unary_math(f64::trunc),
            Builtin::MathSign => unary_math(number::sign),
        }
    }
}

/// `ToNumber` for the types where it is a deliberate conversion: strings, numbers, booleans, null.
fn to_number(args: &Arguments, i: usize) -> Result<f64, Fault> {
    match args.get(i) {
        Some(Value::Number(n)) => Ok(*n),
        Some(Value::String(s)) => number::string_to_number(s).map_err(|_| inexact(args.callee)),
        Some(Value::Bool(b)) => Ok(if *b { 1.0 } else { 0.0 }),
        Some(Value::Null) => Ok(0.0),
        other => Err(args.wrong_type(i, "a string, number, boolean or null", other)),
    }
}

fn string_or_number(args: &Arguments, i: usize) -> Result<String, Fault> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(Value::Number(n)) => Ok(number::to_string(*n)),
        other => Err(args.wrong_type(i, "a string", other)),
    }
}

fn inexact(callee: &str) -> Fault {
    Fault::new(format!(
        "{callee}() of an integer above 2^53 in this radix has no exact result"
    ))
    .help("use radix 10, 2, 4, 8, 16 or 32 for large integers")
}
