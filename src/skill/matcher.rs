//! The compiled form: a flat program of tests and short-circuit jumps over one boolean register.
//!
//! Left-to-right evaluation means a parenthesized group is only evaluated when the result so far no longer
//! matters (`false |` or `true &` before it), so the group's result simply replaces the register: no value
//! stack, no recursion and no allocation while matching.

use std::collections::HashMap;

use super::ast::{Connective, Expr, Op};
use super::levels::SkillLevels;

#[derive(Clone, Copy, Debug)]
enum Instr {
    /// `register = agent.level(skills[skill]).unwrap_or(0) op level`
    Test { skill: u32, op: Op, level: i64 },
    /// Jump to the target when the register is false (an `&` whose left side already failed).
    SkipIfFalse(u32),
    /// Jump to the target when the register is true (an `|` whose left side already holds).
    SkipIfTrue(u32),
}

/// A compiled skill expression.
#[derive(Clone, Debug)]
pub(super) struct Program {
    code: Vec<Instr>,
    /// Distinct skill names, in order of first use; `Test` instructions index into it.
    skills: Vec<Box<str>>,
}

impl Program {
    pub fn compile(expr: &Expr) -> Program {
        let mut compiler = Compiler::default();
        compiler.emit(expr);
        Program {
            code: compiler.code,
            skills: compiler.skills,
        }
    }

    /// Whether `agent` satisfies the program; an absent skill counts as level 0.
    #[inline]
    pub fn matches<A: SkillLevels + ?Sized>(&self, agent: &A) -> bool {
        let mut register = false;
        let mut pc = 0;
        while let Some(instr) = self.code.get(pc) {
            pc = match *instr {
                Instr::Test { skill, op, level } => {
                    let have = agent.level(&self.skills[skill as usize]).unwrap_or(0);
                    register = op.holds(have, level);
                    pc + 1
                }
                Instr::SkipIfFalse(target) if !register => target as usize,
                Instr::SkipIfTrue(target) if register => target as usize,
                Instr::SkipIfFalse(_) | Instr::SkipIfTrue(_) => pc + 1,
            };
        }
        register
    }

    /// The distinct skill names, in order of first use.
    pub fn skills(&self) -> impl Iterator<Item = &str> {
        self.skills.iter().map(|s| &**s)
    }
}

/// Program under construction, with an index from skill name to slot so long chains compile in linear time.
#[derive(Default)]
struct Compiler<'e> {
    code: Vec<Instr>,
    skills: Vec<Box<str>>,
    slots: HashMap<&'e str, u32>,
}

impl<'e> Compiler<'e> {
    fn emit(&mut self, expr: &'e Expr) {
        match expr {
            Expr::Condition(condition) => {
                let skill = self.slot(&condition.skill);
                self.code.push(Instr::Test {
                    skill,
                    op: condition.op,
                    level: condition.level,
                });
            }
            Expr::Chain(chain) => {
                self.emit(&chain.first);
                let mut jumps = Vec::with_capacity(chain.rest.len());
                for (connective, term) in &chain.rest {
                    jumps.push((self.code.len(), *connective));
                    self.code.push(Instr::SkipIfFalse(0));
                    self.emit(term);
                }
                // A failed `&` keeps the chain false until the next `|`, and a satisfied `|` keeps it true
                // until the next `&`, so each jump lands on the next jump of the other kind (or the end).
                let end = to_u32(self.code.len());
                let (mut next_and, mut next_or) = (end, end);
                for &(at, connective) in jumps.iter().rev() {
                    self.code[at] = match connective {
                        Connective::And => Instr::SkipIfFalse(next_or),
                        Connective::Or => Instr::SkipIfTrue(next_and),
                    };
                    match connective {
                        Connective::And => next_and = to_u32(at),
                        Connective::Or => next_or = to_u32(at),
                    }
                }
            }
        }
    }

    fn slot(&mut self, name: &'e str) -> u32 {
        let next = to_u32(self.skills.len());
        *self.slots.entry(name).or_insert_with(|| {
            self.skills.push(name.into());
            next
        })
    }
}

/// Expressions come from source text at most 4 GiB long (spans are `u32`), so indices fit.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skill::parse::parse;

    fn compile(source: &str) -> Program {
        Program::compile(&parse(source).unwrap())
    }

    #[test]
    fn failed_and_skips_to_the_next_or() {
        let program = compile("a > 1 & b > 1 & c > 1 | d > 1");
        let targets: Vec<_> = program
            .code
            .iter()
            .filter_map(|i| match i {
                Instr::SkipIfFalse(t) | Instr::SkipIfTrue(t) => Some(*t),
                Instr::Test { .. } => None,
            })
            .collect();
        // Both `&` jumps land on the `|` jump (index 5), which lands on the end (7).
        assert_eq!(targets, vec![5, 5, 7]);
        assert!(program.matches(&[("d", 2)]));
        assert!(!program.matches(&[("a", 2), ("b", 2)]));
    }

    #[test]
    fn skills_are_listed_once_in_order_of_use() {
        let program = compile("b > 1 & a > 1 | (b < 5 & 'c' = 2)");
        assert_eq!(program.skills().collect::<Vec<_>>(), vec!["b", "a", "c"]);
    }
}
