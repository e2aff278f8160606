//! The syntax tree of a skill expression, its canonical text, and its normal form.
//!
//! A skill expression is a *chain*: a first term followed by `(connective, term)` pairs, evaluated left to
//! right with `&` and `|` at equal priority. A term is a condition or a parenthesized chain. Chains are flat
//! vectors, so a long run of conditions costs no recursion; only parentheses nest.

use std::fmt;

/// The deepest parenthesis nesting a skill expression may have.
pub const MAX_NESTING: usize = 64;

/// A comparison between an agent's level for a skill and a condition's level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `=` or `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// The operator as written in canonical text (`=` for equality).
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ne => "!=",
        }
    }

    /// Whether `agent_level op level` holds.
    #[inline]
    pub fn holds(self, agent_level: i64, level: i64) -> bool {
        match self {
            Op::Gt => agent_level > level,
            Op::Ge => agent_level >= level,
            Op::Lt => agent_level < level,
            Op::Le => agent_level <= level,
            Op::Eq => agent_level == level,
            Op::Ne => agent_level != level,
        }
    }

    /// The operator spelled `text`, if it is one.
    pub fn from_text(text: &str) -> Option<Op> {
        Some(match text {
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "<" => Op::Lt,
            "<=" => Op::Le,
            "=" | "==" => Op::Eq,
            "!=" => Op::Ne,
            _ => return None,
        })
    }
}

/// How a term combines with the result of everything to its left.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Connective {
    /// `&`
    And,
    /// `|`
    Or,
}

impl Connective {
    /// The connective as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Connective::And => "&",
            Connective::Or => "|",
        }
    }
}

/// One `skill op level` test.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Condition {
    /// The skill name, unquoted and unescaped; compared case-sensitively.
    pub skill: String,
    /// The comparison.
    pub op: Op,
    /// The level the agent's level is compared with.
    pub level: i64,
}

/// A skill expression tree.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// A single condition.
    Condition(Condition),
    /// Terms joined by connectives, evaluated left to right at equal priority.
    Chain(Chain),
}

/// A first term followed by `(connective, term)` pairs; a nested chain among `rest` is a parenthesized group.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Chain {
    /// The leftmost term.
    pub first: Box<Expr>,
    /// The following terms, each with the connective that joins it to the result so far.
    pub rest: Vec<(Connective, Expr)>,
}

/// Why a hand-built [`Expr`] cannot become a [`SkillExpression`](super::SkillExpression).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AstError {
    /// A condition names the empty skill, which the text form cannot express.
    #[error("a condition has an empty skill name")]
    EmptySkillName,
    /// Chains nest deeper than [`MAX_NESTING`] parentheses allow.
    #[error("the expression nests deeper than {MAX_NESTING} levels of parentheses")]
    TooDeep,
}

impl Expr {
    /// Check that the text form of `self` would parse, then bring it to normal form.
    ///
    /// The depth is measured without recursion so that a hostile, deeply nested tree is refused rather than
    /// overflowing the stack; one extra level is allowed for the outermost chain, which has no parentheses.
    pub(super) fn validated(self) -> Result<Expr, AstError> {
        let mut stack = vec![(&self, 0usize)];
        while let Some((expr, depth)) = stack.pop() {
            match expr {
                Expr::Condition(c) if c.skill.is_empty() => return Err(AstError::EmptySkillName),
                Expr::Condition(_) => {}
                Expr::Chain(_) if depth > MAX_NESTING => return Err(AstError::TooDeep),
                Expr::Chain(chain) => {
                    stack.push((&chain.first, depth + 1));
                    stack.extend(chain.rest.iter().map(|(_, term)| (term, depth + 1)));
                }
            }
        }
        Ok(self.normalized())
    }

    /// The normal form: no single-term chains, and no chain as the first term of a chain.
    ///
    /// Under left-to-right evaluation `(a | b) & c` is the same chain as `a | b & c`, so both parse to the
    /// same tree; that makes structural equality ignore redundant parentheses, and the canonical text free
    /// of them.
    pub(super) fn normalized(self) -> Expr {
        match self {
            Expr::Condition(_) => self,
            Expr::Chain(chain) => {
                let first = chain.first.normalized();
                let rest = chain.rest.into_iter().map(|(c, t)| (c, t.normalized()));
                match first {
                    Expr::Chain(mut head) => {
                        head.rest.extend(rest);
                        Expr::Chain(head)
                    }
                    first => {
                        let rest: Vec<_> = rest.collect();
                        if rest.is_empty() {
                            first
                        } else {
                            Expr::Chain(Chain {
                                first: Box::new(first),
                                rest,
                            })
                        }
                    }
                }
            }
        }
    }
}

impl fmt::Display for Expr {
    /// Canonical text: single spaces, `=` for equality, bare names where possible, parentheses only where
    /// the grouping needs them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Condition(c) => c.fmt(f),
            Expr::Chain(chain) => {
                chain.first.fmt(f)?;
                for (connective, term) in &chain.rest {
                    match term {
                        Expr::Condition(c) => write!(f, " {} {c}", connective.as_str())?,
                        Expr::Chain(_) => write!(f, " {} ({term})", connective.as_str())?,
                    }
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_skill_name(f, &self.skill)?;
        write!(f, " {} {}", self.op.as_str(), self.level)
    }
}

/// Bare when the name is a plain ASCII identifier, quoted otherwise.
///
/// The grammar also accepts non-ASCII letters bare, but pest's and std's Unicode tables may differ in
/// version, so quoting every non-ASCII name keeps the round trip exact.
fn write_skill_name(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    let mut chars = name.chars();
    let bare = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if bare {
        return f.write_str(name);
    }
    f.write_str("'")?;
    for c in name.chars() {
        if matches!(c, '\'' | '\\') {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(skill: &str) -> Expr {
        Expr::Condition(Condition {
            skill: skill.into(),
            op: Op::Gt,
            level: 1,
        })
    }

    fn chain(first: Expr, rest: Vec<(Connective, Expr)>) -> Expr {
        Expr::Chain(Chain {
            first: Box::new(first),
            rest,
        })
    }

    #[test]
    fn leading_group_is_spliced_into_its_chain() {
        let grouped = chain(
            chain(cond("a"), vec![(Connective::Or, cond("b"))]),
            vec![(Connective::And, cond("c"))],
        );
        let flat = chain(
            cond("a"),
            vec![(Connective::Or, cond("b")), (Connective::And, cond("c"))],
        );
        assert_eq!(grouped.normalized(), flat);
    }

    #[test]
    fn single_term_chain_is_its_term() {
        assert_eq!(
            chain(chain(cond("a"), vec![]), vec![]).normalized(),
            cond("a")
        );
    }

    #[test]
    fn quotes_names_that_are_not_plain_identifiers() {
        assert_eq!(
            cond("customer service").to_string(),
            "'customer service' > 1"
        );
        assert_eq!(cond("it's\\").to_string(), r"'it\'s\\' > 1");
        assert_eq!(cond("français").to_string(), "'français' > 1");
        assert_eq!(cond("tier-1.voice").to_string(), "tier-1.voice > 1");
    }

    #[test]
    fn too_deep_and_empty_names_are_refused() {
        let mut deep = cond("a");
        for _ in 0..=MAX_NESTING + 1 {
            deep = chain(cond("x"), vec![(Connective::And, deep)]);
        }
        assert_eq!(deep.validated(), Err(AstError::TooDeep));
        assert_eq!(cond("").validated(), Err(AstError::EmptySkillName));
    }
}
