//! Syntax tree → compiled [`Expression`]: names bound to variable slots or built-ins, calls checked for
//! arity, constant sub-expressions evaluated once. Collects every error of the expression.

use super::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use super::builtins::{self, Builtin};
use super::methods::Method;
use super::program::{Expression, Node};
use super::suggest::closest;
use super::value::Value;
use crate::diagnostic::{Diagnostic, Span};
use std::collections::HashMap;
use std::sync::Arc;

/// The variables an expression may name, each with its slot in the frame of values it is evaluated on.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    names: Vec<Arc<str>>,
    slots: HashMap<Arc<str>, usize>,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Scope {
        Scope::default()
    }

    /// A scope with `names`, slots in order.
    pub fn with_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Scope {
        let mut scope = Scope::new();
        for name in names {
            scope.declare(name.as_ref());
        }
        scope
    }

    /// Declare `name` (again: same slot) and return its slot.
    pub fn declare(&mut self, name: &str) -> usize {
        if let Some(&slot) = self.slots.get(name) {
            return slot;
        }
        let name: Arc<str> = Arc::from(name);
        let slot = self.names.len();
        self.names.push(name.clone());
        self.slots.insert(name, slot);
        slot
    }

    /// Declare the workitem's own fields (`workitem.id`, `workitem.priority`, `workitem.arrive_s`), in
    /// that order, after the variables: their slots hold each workitem's facts. The first slot.
    pub fn declare_workitem(&mut self) -> usize {
        let first = self.names.len();
        for field in WORKITEM_FIELDS {
            self.declare(&format!("{WORKITEM}.{field}"));
        }
        first
    }

    /// The slot of `name`, if declared.
    pub fn slot(&self, name: &str) -> Option<usize> {
        self.slots.get(name).copied()
    }

    /// The declared names, in slot order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|n| &**n)
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether nothing is declared.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The name under which expressions read the workitem itself.
pub const WORKITEM: &str = "workitem";

/// The workitem's fields an expression may read, in slot order.
pub const WORKITEM_FIELDS: [&str; 3] = ["id", "priority", "arrive_s"];

/// JavaScript words that are not expressions routeflow supports.
const UNSUPPORTED_WORDS: &[&str] = &[
    "this",
    "new",
    "typeof",
    "instanceof",
    "in",
    "void",
    "delete",
    "function",
    "var",
    "let",
    "const",
    "class",
    "return",
    "if",
    "else",
    "for",
    "while",
    "do",
    "switch",
    "case",
    "yield",
    "await",
    "async",
    "import",
    "export",
    "super",
    "throw",
    "try",
    "catch",
    "finally",
    "with",
    "debugger",
    "window",
    "globalThis",
    "eval",
    "Function",
    "Object",
    "Array",
    "JSON",
    "Date",
    "RegExp",
    "Symbol",
    "BigInt",
];

/// Whether `name` cannot be a variable: a literal keyword, a built-in (`Math`, `Number`, `NaN`, …)
/// or a JavaScript word routeflow does not support. A variable so named would hide it.
pub fn is_reserved(name: &str) -> bool {
    matches!(name, "true" | "false" | "null" | "undefined" | "Math")
        || builtins::global_constant(name).is_some()
        || Builtin::global(name).is_some()
        || UNSUPPORTED_WORDS.contains(&name)
}

/// Parse and compile `source` against `scope`. Every error of the expression is returned.
pub fn compile(source: &str, scope: &Scope) -> Result<Expression, Vec<Diagnostic>> {
    let ast = super::parse(source).map_err(|d| vec![d])?;
    compile_ast(&ast, source, scope)
}

/// Compile an already parsed syntax tree (`source` is kept for messages and traces).
pub fn compile_ast(ast: &Expr, source: &str, scope: &Scope) -> Result<Expression, Vec<Diagnostic>> {
    let mut compiler = Compiler {
        scope,
        errors: Vec::new(),
    };
    let root = compiler.node(ast);
    if compiler.errors.is_empty() {
        Ok(Expression {
            root,
            source: Arc::from(source),
        })
    } else {
        Err(compiler.errors)
    }
}

/// `a && b` (or `||`) where `a` may itself be such a chain: one flat list, evaluated in a loop.
fn chain(make: fn(Box<[Node]>, Span) -> Node, lhs: Node, rhs: Node, span: Span) -> Node {
    let mut operands = match (lhs, make(Box::new([]), span)) {
        (Node::All(items, _), Node::All(..)) | (Node::Any(items, _), Node::Any(..)) => {
            items.into_vec()
        }
        (lhs, _) => vec![lhs],
    };
    operands.push(rhs);
    make(operands.into_boxed_slice(), span)
}

/// A comparison, specialised when it compares a variable with a constant.
fn comparison(op: BinaryOp, lhs: Node, rhs: Node, span: Span) -> Node {
    match (lhs, rhs) {
        (Node::Slot(slot, _), Node::Const(constant, _)) => Node::CompareSlot {
            op,
            slot,
            constant,
            flipped: false,
            span,
        },
        (Node::Const(constant, _), Node::Slot(slot, _)) => Node::CompareSlot {
            op,
            slot,
            constant,
            flipped: true,
            span,
        },
        (lhs, rhs) => Node::Compare(op, Box::new(lhs), Box::new(rhs), span),
    }
}

struct Compiler<'s> {
    scope: &'s Scope,
    errors: Vec<Diagnostic>,
}

impl Compiler<'_> {
    fn node(&mut self, expr: &Expr) -> Node {
        let span = expr.span;
        let errors_before = self.errors.len();
        let node = match &expr.kind {
            ExprKind::Null => Node::Const(Value::Null, span),
            ExprKind::Bool(b) => Node::Const(Value::Bool(*b), span),
            ExprKind::Number(n) => Node::Const(Value::Number(*n), span),
            ExprKind::String(s) => Node::Const(Value::from(s.as_str()), span),
            ExprKind::Identifier(name) => self.identifier(name, span),
            ExprKind::Array(items) => Node::Array(self.nodes(items), span),
            ExprKind::Unary(UnaryOp::Not, operand) => Node::Not(Box::new(self.node(operand)), span),
            ExprKind::Unary(UnaryOp::Neg, operand) => {
                Node::Negate(Box::new(self.node(operand)), span)
            }
            ExprKind::Binary(op, lhs, rhs) => {
                let (lhs, rhs) = (self.node(lhs), self.node(rhs));
                match op {
                    BinaryOp::And => chain(Node::All, lhs, rhs, span),
                    BinaryOp::Or => chain(Node::Any, lhs, rhs, span),
                    BinaryOp::Add
                    | BinaryOp::Sub
                    | BinaryOp::Mul
                    | BinaryOp::Div
                    | BinaryOp::Rem => Node::Arithmetic(*op, Box::new(lhs), Box::new(rhs), span),
                    _ => comparison(*op, lhs, rhs, span),
                }
            }
            ExprKind::Conditional(test, consequent, alternate) => Node::Conditional(
                Box::new(self.node(test)),
                Box::new(self.node(consequent)),
                Box::new(self.node(alternate)),
                span,
            ),
            ExprKind::Member(object, name) => self.member(object, &name.text, name.span, span),
            ExprKind::Index(object, index) => Node::Index(
                Box::new(self.node(object)),
                Box::new(self.node(index)),
                span,
            ),
            ExprKind::Call(callee, args) => self.call(callee, args, span),
        };
        // A sub-expression that failed to compile was replaced by null so that compiling could go on
        // and find the other errors: never evaluate around it.
        if self.errors.len() > errors_before {
            return node;
        }
        self.fold(node, span)
    }

    fn nodes(&mut self, exprs: &[Expr]) -> Box<[Node]> {
        exprs.iter().map(|e| self.node(e)).collect()
    }

    /// Evaluate a node whose operands are all constants now, once, instead of for every workitem.
    fn fold(&mut self, node: Node, span: Span) -> Node {
        if matches!(node, Node::Const(..)) || !node.is_foldable() {
            return node;
        }
        match node.eval(&[]) {
            Ok(value) => Node::Const(value.into_owned(), span),
            Err(error) => {
                let mut diagnostic = error.to_diagnostic();
                if diagnostic.span == Span::default() {
                    diagnostic.span = span;
                }
                self.errors.push(diagnostic);
                Node::Const(Value::Null, Span::default())
            }
        }
    }

    fn error(&mut self, diagnostic: Diagnostic) -> Node {
        self.errors.push(diagnostic);
        Node::Const(Value::Null, Span::default())
    }

    fn identifier(&mut self, name: &str, span: Span) -> Node {
        if let Some(slot) = self.scope.slot(name) {
            return Node::Slot(slot, span);
        }
        if let Some(value) = builtins::global_constant(name) {
            return Node::Const(Value::Number(value), span);
        }
        if Builtin::global(name).is_some() {
            return self.error(
                Diagnostic::error(span, format!("`{name}` is a function, not a value"))
                    .with_help(format!("call it, e.g. `{name}(x)`")),
            );
        }
        if name == WORKITEM && self.reads_workitem() {
            return self.error(
                Diagnostic::error(span, "`workitem` is not a value")
                    .with_help("read one of its fields: `workitem.id`, `workitem.priority`, `workitem.arrive_s`"),
            );
        }
        if name == "Math" {
            return self.error(
                Diagnostic::error(span, "`Math` is not a value")
                    .with_help("use one of its functions, e.g. `Math.max(a, b)`"),
            );
        }
        if name == "undefined" {
            return self.error(
                Diagnostic::error(span, "`undefined` is not supported")
                    .with_help("routeflow has no undefined values: use `null` or `''`"),
            );
        }
        if UNSUPPORTED_WORDS.contains(&name) {
            return self.error(
                Diagnostic::error(span, format!("`{name}` is not supported in routeflow expressions"))
                    .with_help("expressions are a safe subset of JavaScript: values, operators and the built-in functions"),
            );
        }
        let mut diagnostic = Diagnostic::error(span, format!("undeclared variable `{name}`"))
            .with_label("not declared");
        let mut candidates: Vec<&str> = self.scope.names().collect();
        for builtin in Builtin::global_names().chain(["Math"]) {
            candidates.push(builtin);
        }
        diagnostic = match closest(name, candidates) {
            Some(close) => diagnostic.with_help(format!("did you mean `{close}`?")),
            None => diagnostic.with_help("declare it as a variable before using it"),
        };
        self.error(diagnostic)
    }

    fn member(&mut self, object: &Expr, name: &str, name_span: Span, span: Span) -> Node {
        if self.is_global(object, "Math") {
            return match builtins::math_constant(name) {
                Some(value) => Node::Const(Value::Number(value), span),
                None if Builtin::math(name).is_some() => self.error(
                    Diagnostic::error(span, format!("`Math.{name}` is a function, not a value"))
                        .with_help(format!("call it, e.g. `Math.{name}(x)`")),
                ),
                None => self.unknown_math(name, name_span),
            };
        }
        if self.is_global(object, WORKITEM) && self.reads_workitem() {
            if let Some(slot) = self.scope.slot(&format!("{WORKITEM}.{name}")) {
                return Node::Slot(slot, span);
            }
            let mut diagnostic =
                Diagnostic::error(name_span, format!("the workitem has no field `{name}`"));
            if let Some(close) = closest(name, WORKITEM_FIELDS) {
                diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
            }
            return self.error(diagnostic.with_help(
                "a flow reads `workitem.id`, `workitem.priority` and `workitem.arrive_s`",
            ));
        }
        let object = Box::new(self.node(object));
        if name == "length" {
            Node::Length(object, span)
        } else {
            Node::Field(object, Arc::from(name), span)
        }
    }

    fn call(&mut self, callee: &Expr, args: &[Expr], span: Span) -> Node {
        match &callee.kind {
            ExprKind::Identifier(name) if self.scope.slot(name).is_none() => {
                let Some(builtin) = Builtin::global(name) else {
                    let mut diagnostic =
                        Diagnostic::error(callee.span, format!("unknown function `{name}`"));
                    if let Some(close) = closest(name, Builtin::global_names()) {
                        diagnostic = diagnostic.with_help(format!("did you mean `{close}`?"));
                    } else {
                        diagnostic = diagnostic.with_help(format!(
                            "the functions are {} and Math.*, plus methods such as `s.trim()`",
                            Builtin::global_names().collect::<Vec<_>>().join(", ")
                        ));
                    }
                    return self.error(diagnostic);
                };
                let args = self.arguments(&builtin.name(), builtin.arity(), args, span);
                Node::Builtin(builtin, args, span)
            }
            ExprKind::Member(object, name) if self.is_global(object, "Math") => {
                if builtins::math_constant(&name.text).is_some() {
                    return self.error(
                        Diagnostic::error(
                            span,
                            format!("`Math.{}` is a constant, not a function", name.text),
                        )
                        .with_help(format!("write `Math.{}` without parentheses", name.text)),
                    );
                }
                let Some(builtin) = Builtin::math(&name.text) else {
                    return self.unknown_math(&name.text, name.span);
                };
                let args = self.arguments(&builtin.name(), builtin.arity(), args, span);
                Node::Builtin(builtin, args, span)
            }
            ExprKind::Member(object, name) => {
                let Some(method) = Method::lookup(&name.text) else {
                    let mut diagnostic =
                        Diagnostic::error(name.span, format!("unknown method `{}`", name.text));
                    if let Some(close) = closest(&name.text, Method::names()) {
                        diagnostic = diagnostic.with_help(format!("did you mean `{close}`?"));
                    }
                    return self.error(diagnostic);
                };
                let receiver = Box::new(self.node(object));
                let args = self.arguments(method.name(), method.arity(), args, span);
                Node::Method(method, receiver, args, span)
            }
            _ => self.error(
                Diagnostic::error(
                    callee.span,
                    "only built-in functions and methods can be called",
                )
                .with_help("call a function such as `Number(x)` or a method such as `s.trim()`"),
            ),
        }
    }

    fn arguments(
        &mut self,
        callee: &str,
        (min, max): (usize, usize),
        args: &[Expr],
        span: Span,
    ) -> Box<[Node]> {
        if args.len() < min || args.len() > max {
            let expected = match (min, max) {
                (0, 0) => "no arguments".to_owned(),
                (lo, hi) if lo == hi => format!("{lo} argument{}", if lo == 1 { "" } else { "s" }),
                (lo, usize::MAX) => format!("at least {lo} arguments"),
                (lo, hi) => format!("{lo} to {hi} arguments"),
            };
            self.errors.push(Diagnostic::error(
                span,
                format!("{callee}() takes {expected}, got {}", args.len()),
            ));
        }
        self.nodes(args)
    }

    fn unknown_math(&mut self, name: &str, span: Span) -> Node {
        let mut diagnostic = Diagnostic::error(span, format!("`Math.{name}` is not supported"));
        diagnostic = match closest(name, Builtin::math_names()) {
            Some(close) => diagnostic.with_help(format!("did you mean `Math.{close}`?")),
            None => diagnostic.with_help(format!(
                "supported: Math.{}",
                Builtin::math_names().collect::<Vec<_>>().join(", Math.")
            )),
        };
        self.error(diagnostic)
    }

    /// Whether the scope holds the workitem's fields.
    fn reads_workitem(&self) -> bool {
        self.scope
            .slot(&format!("{WORKITEM}.{}", WORKITEM_FIELDS[0]))
            .is_some()
    }

    /// Whether `expr` names the global `name` (not shadowed by a variable).
    fn is_global(&self, expr: &Expr, name: &str) -> bool {
        matches!(&expr.kind, ExprKind::Identifier(n) if n == name && self.scope.slot(name).is_none())
    }
}
