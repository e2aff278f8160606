//! Differential test against node: routeflow's value for an expression is exactly JavaScript's.
//!
//! Generates well-typed random expressions (numbers, strings, booleans, comparisons, methods, ternaries,
//! mixed concatenation) over a fixed set of variables, evaluates them all in one node process and
//! in-process in Rust, and fails on any difference. node is required: without it the test fails.
//! `ROUTEFLOW_DIFF_CASES` and `ROUTEFLOW_DIFF_SEED` change the count (default 100,000) and seed.

use routeflow::expr::ast::{BinaryOp, Expr, ExprKind, Name, UnaryOp};
use routeflow::expr::{Scope, Value, compile};
use std::io::Write;
use std::process::Command;

fn variables() -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    vec![
        ("level1", json!("Insurance")),
        ("empty", json!("")),
        ("accented", json!("héllo wörld")),
        ("padded", json!("  padded \t")),
        ("csv", json!("a,b,,c")),
        ("emoji", json!("😀 emoji 😀")),
        ("digits", json!("42")),
        ("sci", json!("3.5e2")),
        ("german", json!("ß straße İ ΑΣ")),
        ("hex", json!("0x1F")),
        ("zero", json!(0)),
        ("seven", json!(7)),
        ("negative", json!(-3.5)),
        ("tenth", json!(0.1)),
        ("huge", json!(1e21)),
        ("mixed", json!(123456789.123)),
        ("yes", json!(true)),
        ("no", json!(false)),
        ("nothing", serde_json::Value::Null),
        ("letters", json!(["a", "b", "c"])),
        ("numbers", json!([1, 2.5, -3])),
    ]
}

const STRING_VARS: &[&str] = &[
    "level1", "empty", "accented", "padded", "csv", "emoji", "digits", "sci", "german", "hex",
];
const NUMBER_VARS: &[&str] = &["zero", "seven", "negative", "tenth", "huge", "mixed"];
const BOOL_VARS: &[&str] = &["yes", "no"];
const STRINGS: &[&str] = &[
    "",
    "a",
    "b",
    "Insurance",
    "Health",
    "Gold",
    "x,y",
    ",",
    " ",
    "é",
    "😀",
    "ß",
    "İ",
    "Σ",
    "ΑΣ",
    "$&",
    "$$",
    "$'",
    "$`",
    "a\nb",
    "\u{a0}x\u{feff}",
    "0",
    "12",
    "-3.5",
    "1e3",
    " 42 ",
    "0x1f",
    "0b101",
    "-0",
    "1_000",
    "abc",
    "ABC",
    "Infinity",
    "-Infinity",
    "NaN",
    "null",
    "true",
    "\t",
    "10.50",
    ".5",
    "5.",
    "1e400",
    "z9",
    "\u{2028}",
    "'quote'",
    "back\\slash",
    "ℌ",
    "ﬀ",
    "1e-7",
];
const NUMBERS: &[f64] = &[
    0.0,
    1.0,
    2.0,
    3.0,
    7.0,
    10.0,
    16.0,
    36.0,
    100.0,
    0.1,
    0.2,
    0.5,
    1.5,
    2.5,
    std::f64::consts::PI,
    1e21,
    1e-7,
    123.456,
    1e300,
    5e-324,
    9007199254740993.0,
    4294967296.0,
    0.000001,
    1234.5678,
    0.045,
    1.005,
    8.345,
    255.0,
];

#[derive(Clone, Copy, PartialEq)]
enum Type {
    Number,
    String,
    Bool,
}

struct Generator {
    rng: fastrand::Rng,
}

fn e(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Default::default(),
    }
}
fn ident(name: &str) -> Expr {
    e(ExprKind::Identifier(name.into()))
}
fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
    e(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)))
}
fn method(receiver: Expr, name: &str, args: Vec<Expr>) -> Expr {
    let member = e(ExprKind::Member(
        Box::new(receiver),
        Name {
            text: name.into(),
            span: Default::default(),
        },
    ));
    e(ExprKind::Call(Box::new(member), args))
}
fn member(object: Expr, name: &str) -> Expr {
    e(ExprKind::Member(
        Box::new(object),
        Name {
            text: name.into(),
            span: Default::default(),
        },
    ))
}
fn call(name: &str, args: Vec<Expr>) -> Expr {
    e(ExprKind::Call(Box::new(ident(name)), args))
}
fn math(name: &str, args: Vec<Expr>) -> Expr {
    e(ExprKind::Call(Box::new(member(ident("Math"), name)), args))
}
fn number(n: f64) -> Expr {
    e(ExprKind::Number(n))
}

impl Generator {
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.usize(..items.len())]
    }

    fn of(&mut self, ty: Type, depth: u32) -> Expr {
        if depth == 0 || self.rng.u8(..10) < 2 {
            return self.leaf(ty);
        }
        match ty {
            Type::Number => self.number(depth - 1),
            Type::String => self.string(depth - 1),
            Type::Bool => self.boolean(depth - 1),
        }
    }

    fn leaf(&mut self, ty: Type) -> Expr {
        let literal = self.rng.bool();
        match ty {
            Type::Number if literal => number(self.pick(NUMBERS)),
            // The workitem's own fields, which a flow reads like variables (issue 13).
            Type::Number if self.rng.u8(..8) == 0 => {
                member(ident("workitem"), self.pick(&["priority", "arrive_s"]))
            }
            Type::Number => ident(self.pick(NUMBER_VARS)),
            Type::String if self.rng.u8(..12) == 0 => member(ident("workitem"), "id"),
            Type::String if literal => e(ExprKind::String((self.pick(STRINGS)).into())),
            Type::String => ident(self.pick(STRING_VARS)),
            Type::Bool if literal => e(ExprKind::Bool(self.rng.bool())),
            Type::Bool => ident(self.pick(BOOL_VARS)),
        }
    }

    /// A small integer-ish index argument, sometimes negative or fractional, sometimes computed.
    fn index(&mut self, depth: u32) -> Expr {
        match self.rng.u8(..6) {
            0 => e(ExprKind::Unary(
                UnaryOp::Neg,
                Box::new(number(self.rng.u8(..5) as f64)),
            )),
            1 => number(self.rng.u8(..4) as f64 + 0.5),
            2 => self.of(Type::Number, depth.min(1)),
            _ => number(self.rng.u8(..12) as f64),
        }
    }

    fn number(&mut self, d: u32) -> Expr {
        match self.rng.u8(..22) {
            0 => e(ExprKind::Unary(
                UnaryOp::Neg,
                Box::new(self.of(Type::Number, d)),
            )),
            1..=5 => {
                let op = self.pick(&[
                    BinaryOp::Add,
                    BinaryOp::Sub,
                    BinaryOp::Mul,
                    BinaryOp::Div,
                    BinaryOp::Rem,
                ]);
                binary(op, self.of(Type::Number, d), self.of(Type::Number, d))
            }
            6 => member(self.of(Type::String, d), "length"),
            7 => {
                let name = self.pick(&["indexOf", "lastIndexOf"]);
                let mut args = vec![self.of(Type::String, d)];
                if self.rng.bool() {
                    args.push(self.index(d));
                }
                method(self.of(Type::String, d), name, args)
            }
            8 => method(self.of(Type::String, d), "charCodeAt", vec![self.index(d)]),
            9 => {
                let name = self.pick(&["min", "max"]);
                let count = self.rng.usize(..4);
                math(name, (0..count).map(|_| self.of(Type::Number, d)).collect())
            }
            10 | 11 => {
                let name = self.pick(&["abs", "floor", "ceil", "round", "trunc", "sign"]);
                math(name, vec![self.of(Type::Number, d)])
            }
            12 => call("Number", vec![self.of(Type::String, d)]),
            13 => call("Number", vec![self.of(Type::Bool, d)]),
            14 => {
                let mut args = vec![self.of(Type::String, d)];
                if self.rng.bool() {
                    args.push(number(
                        self.pick(&[2.0, 8.0, 10.0, 16.0, 36.0, 0.0, 1.0, 37.0]),
                    ));
                }
                call("parseInt", args)
            }
            15 => call("parseFloat", vec![self.of(Type::String, d)]),
            16 => self.conditional(Type::Number, d),
            17 => {
                let (list, len) = if self.rng.bool() {
                    (ident("numbers"), 3)
                } else {
                    self.array(Type::Number, d)
                };
                e(ExprKind::Index(
                    Box::new(list),
                    Box::new(number(self.rng.usize(..len) as f64)),
                ))
            }
            18 => member(self.array(Type::String, d).0, "length"),
            19 => method(ident("letters"), "indexOf", vec![self.of(Type::String, d)]),
            20 => call("parseInt", vec![self.of(Type::Number, d)]),
            _ => self.leaf(Type::Number),
        }
    }

    fn string(&mut self, d: u32) -> Expr {
        match self.rng.u8(..26) {
            0..=2 => binary(
                BinaryOp::Add,
                self.of(Type::String, d),
                self.of(Type::String, d),
            ),
            3 => binary(
                BinaryOp::Add,
                self.of(Type::String, d),
                self.of(Type::Number, d),
            ),
            4 => binary(
                BinaryOp::Add,
                self.of(Type::Number, d),
                self.of(Type::String, d),
            ),
            5 => binary(
                BinaryOp::Add,
                self.of(Type::String, d),
                self.of(Type::Bool, d),
            ),
            6 => call("String", vec![self.of(Type::Number, d)]),
            7 => {
                let ty = self.pick(&[Type::Bool, Type::String]);
                call("String", vec![self.of(ty, d)])
            }
            8 | 9 => {
                let name =
                    self.pick(&["toUpperCase", "toLowerCase", "trim", "trimStart", "trimEnd"]);
                method(self.of(Type::String, d), name, vec![])
            }
            10 | 11 => {
                let name = self.pick(&["substring", "slice"]);
                let mut args = vec![self.index(d)];
                if self.rng.bool() {
                    args.push(self.index(d));
                }
                method(self.of(Type::String, d), name, args)
            }
            12 => method(self.of(Type::String, d), "charAt", vec![self.index(d)]),
            13 => {
                let name = self.pick(&["replace", "replaceAll"]);
                method(
                    self.of(Type::String, d),
                    name,
                    vec![self.of(Type::String, d), self.of(Type::String, d)],
                )
            }
            14 => {
                let name = self.pick(&["padStart", "padEnd"]);
                let mut args = vec![number(self.rng.u8(..14) as f64)];
                if self.rng.bool() {
                    args.push(self.of(Type::String, d));
                }
                method(self.of(Type::String, d), name, args)
            }
            15 => method(
                self.of(Type::String, d),
                "repeat",
                vec![number(self.rng.u8(..4) as f64)],
            ),
            16 => {
                let digits = self.rng.u8(..6) as f64;
                method(self.of(Type::Number, d), "toFixed", vec![number(digits)])
            }
            17 => method(self.of(Type::Number, d), "toString", vec![]),
            18 => {
                let list = if self.rng.bool() {
                    ident("letters")
                } else {
                    self.array(Type::String, d).0
                };
                method(list, "join", vec![self.of(Type::String, d)])
            }
            19 => {
                let mut args = vec![self.of(Type::String, d)];
                if self.rng.bool() {
                    args.push(number(self.rng.u8(..4) as f64));
                }
                let parts = method(self.of(Type::String, d), "split", args);
                method(parts, "join", vec![e(ExprKind::String("|".into()))])
            }
            20 => self.conditional(Type::String, d),
            21 => {
                let (list, len) = self.array(Type::String, d);
                e(ExprKind::Index(
                    Box::new(list),
                    Box::new(number(self.rng.usize(..len) as f64)),
                ))
            }
            22 => method(ident("numbers"), "join", vec![]),
            23 => call("String", vec![self.array(Type::Number, d).0]),
            24 => method(
                self.of(Type::Number, d),
                "toString",
                vec![number(self.pick(&[2.0, 16.0, 36.0, 10.0]))],
            ),
            _ => self.leaf(Type::String),
        }
    }

    fn boolean(&mut self, d: u32) -> Expr {
        const ORDER: [BinaryOp; 4] = [BinaryOp::Lt, BinaryOp::Le, BinaryOp::Gt, BinaryOp::Ge];
        const EQUALITY: [BinaryOp; 4] = [
            BinaryOp::Eq,
            BinaryOp::Ne,
            BinaryOp::StrictEq,
            BinaryOp::StrictNe,
        ];
        match self.rng.u8(..18) {
            0 => e(ExprKind::Unary(
                UnaryOp::Not,
                Box::new(self.of(Type::Bool, d)),
            )),
            1 | 2 => {
                let op = self.pick(&[BinaryOp::And, BinaryOp::Or]);
                binary(op, self.of(Type::Bool, d), self.of(Type::Bool, d))
            }
            3 | 4 => {
                let op = self.pick(&[ORDER, EQUALITY].concat());
                binary(op, self.of(Type::Number, d), self.of(Type::Number, d))
            }
            5 | 6 => {
                let op = self.pick(&[ORDER, EQUALITY].concat());
                binary(op, self.of(Type::String, d), self.of(Type::String, d))
            }
            7 => binary(
                self.pick(&EQUALITY),
                self.of(Type::Bool, d),
                self.of(Type::Bool, d),
            ),
            8 => {
                let name = self.pick(&["includes", "startsWith", "endsWith"]);
                let mut args = vec![self.of(Type::String, d)];
                if self.rng.bool() {
                    args.push(self.index(d));
                }
                method(self.of(Type::String, d), name, args)
            }
            9 => {
                let ty = self.pick(&[Type::Number, Type::String]);
                call("isNaN", vec![self.of(ty, d)])
            }
            10 => call("isFinite", vec![self.of(Type::Number, d)]),
            11 => {
                let ty = self.pick(&[Type::Number, Type::String, Type::Bool]);
                let operand = if self.rng.u8(..4) == 0 {
                    ident("nothing")
                } else {
                    self.of(ty, d)
                };
                let op = self.pick(&EQUALITY);
                binary(op, operand, e(ExprKind::Null))
            }
            12 => {
                // `===` across types is well defined (false) in JavaScript and routeflow.
                let op = self.pick(&[BinaryOp::StrictEq, BinaryOp::StrictNe]);
                binary(op, self.of(Type::String, d), self.of(Type::Number, d))
            }
            13 => self.conditional(Type::Bool, d),
            14 => method(ident("letters"), "includes", vec![self.of(Type::String, d)]),
            15 => method(ident("numbers"), "includes", vec![self.of(Type::Number, d)]),
            _ => self.leaf(Type::Bool),
        }
    }

    fn conditional(&mut self, ty: Type, d: u32) -> Expr {
        e(ExprKind::Conditional(
            Box::new(self.of(Type::Bool, d)),
            Box::new(self.of(ty, d)),
            Box::new(self.of(ty, d)),
        ))
    }

    /// An array literal and its length (indexes are generated in range: past the end is `undefined`).
    fn array(&mut self, ty: Type, d: u32) -> (Expr, usize) {
        let len = 1 + self.rng.usize(..3);
        (
            e(ExprKind::Array(
                (0..len).map(|_| self.of(ty, d.min(1))).collect(),
            )),
            len,
        )
    }
}

/// The canonical form the node harness prints.
fn canonical(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("b:{b}"),
        Value::Number(n) if *n == 0.0 && n.is_sign_negative() => "n:-0".into(),
        Value::Number(n) => format!("n:{}", routeflow::expr::js::number::to_string(*n)),
        Value::String(s) => format!("s:{}", serde_json::to_string(&**s).unwrap()),
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        Value::Map(_) => "o:map".into(),
    }
}

#[test]
fn routeflow_agrees_with_node() {
    let cases: usize = std::env::var("ROUTEFLOW_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let seed: u64 = std::env::var("ROUTEFLOW_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261122);
    let mut generator = Generator {
        rng: fastrand::Rng::with_seed(seed),
    };
    let types = [Type::Number, Type::String, Type::Bool];
    let sources: Vec<String> = (0..cases)
        .map(|i| generator.of(types[i % 3], 1 + (i % 4) as u32).to_string())
        .collect();

    let reading_workitem = sources.iter().filter(|s| s.contains("workitem.")).count();
    assert!(
        reading_workitem > 1_000,
        "only {reading_workitem} expressions read the workitem"
    );
    let vars = variables();
    let dir = std::env::temp_dir().join(format!("routeflow-differential-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let vars_path = dir.join("vars.json");
    let exprs_path = dir.join("exprs.jsonl");
    let mut object: serde_json::Map<String, serde_json::Value> = vars
        .iter()
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect();
    // What routeflow reads as `workitem.id`, `workitem.priority`, `workitem.arrive_s` is, for node, an
    // object of those fields.
    let (id, priority, arrive_s) = ("w-17", 7, 12.5);
    object.insert(
        "workitem".into(),
        serde_json::json!({ "id": id, "priority": priority, "arrive_s": arrive_s }),
    );
    std::fs::write(&vars_path, serde_json::to_string(&object).unwrap()).unwrap();
    let mut file = std::io::BufWriter::new(std::fs::File::create(&exprs_path).unwrap());
    for source in &sources {
        writeln!(file, "{}", serde_json::to_string(source).unwrap()).unwrap();
    }
    drop(file);

    let harness = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/differential/eval.js");
    let output = Command::new("node")
        .arg(harness)
        .arg(&vars_path)
        .arg(&exprs_path)
        .output()
        .expect(
            "node is required for the differential test (install Node.js 18+); it is never skipped",
        );
    assert!(
        output.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let node_results: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        node_results.len(),
        sources.len(),
        "node printed one line per expression"
    );
    let _ = std::fs::remove_dir_all(&dir);

    let mut scope = Scope::with_names(vars.iter().map(|(n, _)| *n));
    scope.declare_workitem();
    let mut frame: Vec<Value> = vars.iter().map(|(_, v)| Value::from_json(v)).collect();
    frame.extend([
        Value::from(id),
        Value::Number(priority as f64),
        Value::Number(arrive_s),
    ]);
    let mut mismatches = Vec::new();
    let mut refused = Vec::new();
    // The kind the loader infers from an expression's form (`Expression::kind`) must be the kind of
    // every value it gives: checked on the same expressions.
    let mut kinds_known = 0;
    let mut wrong_kinds = Vec::new();
    for (source, expected) in sources.iter().zip(&node_results) {
        let result = compile(source, &scope)
            .map_err(|errors| errors[0].message.clone())
            .and_then(|expression| {
                let value = expression.eval(&frame).map_err(|error| error.message)?;
                if let Some(kind) = expression.kind() {
                    kinds_known += 1;
                    if kind != value.kind() {
                        wrong_kinds.push(format!("{source}: inferred {kind:?}, gave {value:?}"));
                    }
                }
                Ok(value)
            });
        match result {
            Ok(value) => {
                let actual = canonical(&value);
                if &actual != expected {
                    mismatches.push(format!(
                        "{source}\n    node:      {expected}\n    routeflow: {actual}"
                    ));
                }
            }
            Err(message) => refused.push(format!(
                "{source}\n    node:      {expected}\n    routeflow: error: {message}"
            )),
        }
    }
    assert!(
        wrong_kinds.is_empty(),
        "{} expressions gave a value of another kind than inferred, e.g.:\n{}",
        wrong_kinds.len(),
        wrong_kinds[..wrong_kinds.len().min(20)].join("\n")
    );
    assert!(
        kinds_known > sources.len() / 2,
        "the kind was inferred for {kinds_known} expressions only"
    );
    let refusal_rate = refused.len() as f64 / sources.len() as f64;
    eprintln!(
        "differential: {} expressions, {} mismatches, {} refused ({:.3}%), kind inferred for {}",
        sources.len(),
        mismatches.len(),
        refused.len(),
        refusal_rate * 100.0,
        kinds_known
    );
    for example in refused.iter().take(10) {
        eprintln!("refused: {example}");
    }
    assert!(
        mismatches.is_empty(),
        "{} expressions differ from node, e.g.:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        refusal_rate < 0.01,
        "routeflow refused {:.2}% of well-typed expressions",
        refusal_rate * 100.0
    );
}
