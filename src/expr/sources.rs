//! Where an expression's value may come from unchanged: the loader follows a table column into the
//! variables it fills and on to the Route targets they reach, so that the column's cells can be checked
//! at load like the flow's own text.

use super::builtins::Builtin;
use super::program::{Expression, Node};
use super::value::Value;
use crate::diagnostic::Span;

/// One place an expression's value may be taken from as it is, or converted to a number.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// The value of a variable (its slot).
    Slot(usize),
    /// A constant, and where it is in the expression's text.
    Constant(Value, Span),
}

/// How a source's value reaches the expression's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Conversion {
    /// Unchanged.
    Unchanged,
    /// Through `Number(…)`.
    Number,
    /// Through `parseInt(…)`.
    ParseInt,
    /// Through `parseFloat(…)`.
    ParseFloat,
}

impl Conversion {
    /// The function that converts, as a flow writes it.
    pub fn function(self) -> Option<&'static str> {
        match self {
            Conversion::Unchanged => None,
            Conversion::Number => Some("Number"),
            Conversion::ParseInt => Some("parseInt"),
            Conversion::ParseFloat => Some("parseFloat"),
        }
    }
}

impl Expression {
    /// The variables and constants this expression's value may be, unchanged or through one number
    /// conversion: `v` is `v`; `c ? a : 'x'` is `a` or `'x'`; `Number(t)` is `t` converted. Anything
    /// computed (`a + b`, `s.trim()`) is no source: its value is not any one input's.
    pub fn sources(&self) -> Vec<(Source, Conversion)> {
        let mut found = Vec::new();
        collect(&self.root, Conversion::Unchanged, &mut found);
        found
    }
}

impl Expression {
    /// The variables (slots) read inside `span` of the source, each once, in source order: those a
    /// failing part of the expression was given, for a message that names them.
    pub fn slots_within(&self, span: Span) -> Vec<usize> {
        let mut found: Vec<(u32, usize)> = Vec::new();
        let mut pending = vec![&self.root];
        while let Some(node) = pending.pop() {
            let read = match node {
                Node::Slot(slot, at) => Some((slot, at)),
                // `level1 == 'Gold'`, compiled to read the slot directly: the comparison's span.
                Node::CompareSlot { slot, span: at, .. } => Some((slot, at)),
                _ => None,
            };
            if let Some((slot, at)) = read
                && at.start >= span.start
                && at.end <= span.end
                && !found.iter().any(|(_, s)| s == slot)
            {
                found.push((at.start, *slot));
            }
            node.for_each_child(|child| pending.push(child));
        }
        found.sort();
        found.into_iter().map(|(_, slot)| slot).collect()
    }
}

impl Expression {
    /// The string constants each variable is compared with (`s != 'NONE'`, `'x' == s`): a flow that
    /// tests a variable for a value guards its Route blocks from that value.
    pub fn compared_constants(&self) -> Vec<(usize, String)> {
        let mut found = Vec::new();
        let mut pending = vec![&self.root];
        while let Some(node) = pending.pop() {
            match node {
                Node::CompareSlot { slot, constant, .. } => {
                    if let Some(text) = constant.as_str() {
                        found.push((*slot, text.to_owned()));
                    }
                }
                Node::Compare(_, lhs, rhs, _) => {
                    if let (Node::Slot(slot, _), Node::Const(value, _))
                    | (Node::Const(value, _), Node::Slot(slot, _)) = (&**lhs, &**rhs)
                        && let Some(text) = value.as_str()
                    {
                        found.push((*slot, text.to_owned()));
                    }
                }
                _ => {}
            }
            node.for_each_child(|child| pending.push(child));
        }
        found
    }

    /// The variables whose conversion to a number this expression tests (`isNaN(Number(t))`,
    /// `isFinite(parseInt(t))`): a flow that tests them guards its Route blocks from what is not one.
    pub fn tested_numbers(&self) -> Vec<usize> {
        let mut found = Vec::new();
        let mut pending = vec![&self.root];
        while let Some(node) = pending.pop() {
            if let Node::Builtin(Builtin::IsNaN | Builtin::IsFinite, arguments, _) = node {
                for argument in arguments.iter() {
                    let mut inner = Vec::new();
                    collect(argument, Conversion::Unchanged, &mut inner);
                    found.extend(inner.into_iter().filter_map(|(source, _)| match source {
                        Source::Slot(slot) => Some(slot),
                        Source::Constant(..) => None,
                    }));
                }
            }
            node.for_each_child(|child| pending.push(child));
        }
        found
    }
}

impl Node {
    /// Call `f` on each operand of this node.
    fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Node)) {
        match self {
            Node::Const(..) | Node::Slot(..) => {}
            Node::Array(items, _) | Node::All(items, _) | Node::Any(items, _) => {
                items.iter().for_each(f)
            }
            Node::Builtin(_, arguments, _) => arguments.iter().for_each(f),
            Node::Not(operand, _) | Node::Negate(operand, _) | Node::Length(operand, _) => {
                f(operand)
            }
            Node::Field(object, ..) => f(object),
            Node::CompareSlot { .. } => {}
            Node::Arithmetic(_, lhs, rhs, _)
            | Node::Compare(_, lhs, rhs, _)
            | Node::Index(lhs, rhs, _) => {
                f(lhs);
                f(rhs);
            }
            Node::Conditional(test, then, otherwise, _) => {
                f(test);
                f(then);
                f(otherwise);
            }
            Node::Method(_, receiver, arguments, _) => {
                f(receiver);
                arguments.iter().for_each(f);
            }
        }
    }
}

fn collect(node: &Node, conversion: Conversion, found: &mut Vec<(Source, Conversion)>) {
    // An explicit stack: expressions nest at most a few hundred levels, but nothing here needs recursion.
    let mut pending = vec![(node, conversion)];
    while let Some((node, conversion)) = pending.pop() {
        match node {
            Node::Slot(slot, _) => found.push((Source::Slot(*slot), conversion)),
            Node::Const(value, span) => {
                found.push((Source::Constant(value.clone(), *span), conversion))
            }
            Node::Conditional(_, then, otherwise, _) => {
                pending.push((otherwise, conversion));
                pending.push((then, conversion));
            }
            Node::Builtin(builtin, arguments, _) if conversion == Conversion::Unchanged => {
                let conversion = match builtin {
                    Builtin::Number => Conversion::Number,
                    Builtin::ParseInt if arguments.len() == 1 => Conversion::ParseInt,
                    Builtin::ParseFloat => Conversion::ParseFloat,
                    _ => continue,
                };
                if let Some(argument) = arguments.first() {
                    pending.push((argument, conversion));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Scope, compile};

    fn sources(text: &str) -> Vec<(String, Conversion)> {
        let scope = Scope::with_names(["a", "b", "c"]);
        let names = ["a", "b", "c"];
        compile(text, &scope)
            .expect("compiles")
            .sources()
            .into_iter()
            .map(|(source, conversion)| {
                let shown = match source {
                    Source::Slot(slot) => names[slot].to_owned(),
                    Source::Constant(value, _) => format!("{value:?}"),
                };
                (shown, conversion)
            })
            .collect()
    }

    #[test]
    fn a_value_comes_from_variables_constants_and_conversions_only() {
        use Conversion::*;
        assert_eq!(sources("a"), [("a".into(), Unchanged)]);
        assert_eq!(
            sources("c == '' ? a : 'x'").len(),
            2,
            "both branches, not the test"
        );
        assert_eq!(sources("Number(a)"), [("a".into(), Number)]);
        assert_eq!(sources("parseInt(b)"), [("b".into(), ParseInt)]);
        assert_eq!(
            sources("parseInt(b, 16)"),
            [],
            "a radix changes the reading"
        );
        assert_eq!(
            sources("c ? Number(a) : parseFloat(b)"),
            [("a".into(), Number), ("b".into(), ParseFloat)]
        );
        assert_eq!(sources("Number(Number(a))"), [], "one conversion at most");
        assert_eq!(sources("a + b"), []);
        assert_eq!(sources("a.trim()"), []);
    }
}
