//! Genesys skill expressions: which agents may take a workitem (SPEC §5.2).
//!
//! ```text
//! 'english' > 7
//! english >= 3 & (spanish > 5 | french > 5)
//! 'customer service' != 0 | tier-1 = 2
//! ```
//!
//! - A **condition** is `skill op level`, with `op` one of `>`, `>=`, `<`, `<=`, `=`, `==` (same as `=`)
//!   and `!=`, and `level` an integer (optionally negative).
//! - A **skill name** is bare (a letter or `_`, then letters, digits, `_`, `.` or `-`) or single-quoted
//!   (`'customer service'`, with `\'` for a quote and `\\` for a backslash). Names are **case-sensitive**:
//!   `English` and `english` are different skills, as they are different skill objects in Genesys.
//! - `&` (and) and `|` (or) have **equal priority and apply left to right**, as in Genesys: `a>1 | b>1 &
//!   c>1` means `(a>1 | b>1) & c>1`, not the `a>1 | (b>1 & c>1)` most programming languages would read.
//!   Parentheses override, up to [`MAX_NESTING`] levels deep.
//! - An agent **without a skill has level 0** in it, so `english < 3` matches an agent without english.
//!
//! An expression is parsed once into a [`SkillExpression`] (the grammar is `grammar/skill.pest`) and
//! compiled to a flat program that matches an agent without allocating. Parse errors are [`Diagnostic`]s
//! located in the source text.
//!
//! ```
//! use routeflow::skill::SkillExpression;
//!
//! let expr = SkillExpression::parse("english >= 3 & (spanish > 5 | french > 5)").unwrap();
//! assert!(expr.matches(&[("english", 4), ("french", 6)]));
//! assert!(!expr.matches(&[("english", 4)]));
//! assert_eq!(expr.skills().collect::<Vec<_>>(), ["english", "spanish", "french"]);
//! ```

mod ast;
mod explain;
mod levels;
mod matcher;
mod parse;
mod scan;

use std::fmt;
use std::str::FromStr;

pub use ast::{AstError, Chain, Condition, Connective, Expr, MAX_NESTING, Op};
pub use levels::SkillLevels;

use crate::diagnostic::Diagnostic;
use matcher::Program;

/// A parsed and compiled skill expression; immutable and cheap to share between threads.
#[derive(Clone, Debug)]
pub struct SkillExpression {
    /// The tree in normal form, kept for display and comparison.
    ast: Expr,
    /// The same tree compiled for matching.
    program: Program,
}

impl SkillExpression {
    /// Parse and compile `source`; an error's span points into `source`.
    pub fn parse(source: &str) -> Result<SkillExpression, Diagnostic> {
        parse::parse(source).map(SkillExpression::compiled)
    }

    /// Compile a tree built in code, provided its text form would parse (non-empty names, bounded nesting).
    pub fn from_ast(expr: Expr) -> Result<SkillExpression, AstError> {
        expr.validated().map(SkillExpression::compiled)
    }

    fn compiled(ast: Expr) -> SkillExpression {
        let program = Program::compile(&ast);
        SkillExpression { ast, program }
    }

    /// Whether `agent` satisfies the expression; a skill the agent lacks counts as level 0.
    pub fn matches(&self, agent: &(impl SkillLevels + ?Sized)) -> bool {
        self.program.matches(agent)
    }

    /// The distinct skill names used, in order of first appearance.
    pub fn skills(&self) -> impl Iterator<Item = &str> {
        self.program.skills()
    }

    /// The syntax tree, in normal form (redundant parentheses removed).
    pub fn ast(&self) -> &Expr {
        &self.ast
    }
}

impl fmt::Display for SkillExpression {
    /// Canonical text, which parses back to an equal expression.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ast.fmt(f)
    }
}

impl PartialEq for SkillExpression {
    /// Structural equality of the normalized trees: `(a > 1)` equals `a>1`, but `a>1 & b>1` does not equal
    /// `b>1 & a>1`.
    fn eq(&self, other: &SkillExpression) -> bool {
        self.ast == other.ast
    }
}

impl Eq for SkillExpression {}

impl FromStr for SkillExpression {
    type Err = Diagnostic;

    fn from_str(source: &str) -> Result<SkillExpression, Diagnostic> {
        SkillExpression::parse(source)
    }
}
