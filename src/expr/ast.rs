//! The syntax tree of an expression, as written, with spans. Resolution turns it into a [`super::Expression`].

use crate::diagnostic::Span;

/// One expression node and where it is in the source.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Trees compare by structure only: the same expression written with other spacing or redundant
/// parentheses is equal.
impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.kind == other.kind
    }
}

/// The kinds of expression nodes.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A numeric literal (never negative: `-1` is a negation).
    Number(f64),
    /// A string literal, unescaped.
    String(String),
    /// A name: a variable or a built-in.
    Identifier(String),
    /// `[a, b]`
    Array(Vec<Expr>),
    /// `!a`, `-a`
    Unary(UnaryOp, Box<Expr>),
    /// `a + b`, `a && b`, ...
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `test ? consequent : alternate`
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `object.name`
    Member(Box<Expr>, Name),
    /// `object[index]`
    Index(Box<Expr>, Box<Expr>),
    /// `callee(arguments)`
    Call(Box<Expr>, Vec<Expr>),
}

/// A property or method name after a dot.
#[derive(Clone, Debug)]
pub struct Name {
    /// The name.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.text == other.text
    }
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!`
    Not,
    /// `-`
    Neg,
}

/// Infix operators, including the short-circuiting `&&` and `||`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `===`
    StrictEq,
    /// `!==`
    StrictNe,
    /// `&&`
    And,
    /// `||`
    Or,
}

/// Binding strength, as in JavaScript (higher binds tighter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precedence {
    /// `?:`
    Conditional,
    /// `||`
    Or,
    /// `&&`
    And,
    /// `== != === !==`
    Equality,
    /// `< <= > >=`
    Relational,
    /// `+ -`
    Additive,
    /// `* / %`
    Multiplicative,
    /// `! -`
    Prefix,
    /// `.name [i] (args)`
    Postfix,
    /// literals, names, parenthesised expressions
    Primary,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::StrictEq => "===",
            BinaryOp::StrictNe => "!==",
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
        }
    }

    /// How tightly the operator binds.
    pub fn precedence(self) -> Precedence {
        match self {
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => Precedence::Multiplicative,
            BinaryOp::Add | BinaryOp::Sub => Precedence::Additive,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => Precedence::Relational,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::StrictEq | BinaryOp::StrictNe => {
                Precedence::Equality
            }
            BinaryOp::And => Precedence::And,
            BinaryOp::Or => Precedence::Or,
        }
    }

    /// Every binary operator (for generators and tests).
    pub const ALL: [BinaryOp; 15] = [
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Rem,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::StrictEq,
        BinaryOp::StrictNe,
        BinaryOp::And,
        BinaryOp::Or,
    ];
}

impl UnaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Not => "!",
            UnaryOp::Neg => "-",
        }
    }
}

impl Expr {
    /// How tightly this node binds, for printing with the fewest parentheses.
    pub fn precedence(&self) -> Precedence {
        match &self.kind {
            ExprKind::Conditional(..) => Precedence::Conditional,
            ExprKind::Binary(op, ..) => op.precedence(),
            ExprKind::Unary(..) => Precedence::Prefix,
            ExprKind::Member(..) | ExprKind::Index(..) | ExprKind::Call(..) => Precedence::Postfix,
            _ => Precedence::Primary,
        }
    }
}
