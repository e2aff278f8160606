//! Text to syntax tree: pest parses `grammar/skill.pest`, then the pairs become an [`Expr`] in normal form.

use pest::Parser;
use pest::iterators::Pair;

use super::ast::{Chain, Condition, Connective, Expr, Op};
use super::{explain, scan};
use crate::diagnostic::{Diagnostic, Span};

// pest_derive looks for the grammar relative to the crate root first, then to `src/`; naming it from the
// crate root avoids the `../` form, which would silently pick up a `grammar/` beside the crate if one existed.
#[derive(pest_derive::Parser)]
#[grammar = "grammar/skill.pest"]
struct SkillParser;

/// Parse `source` into a normalized tree, or the first problem, located in `source`.
pub(super) fn parse(source: &str) -> Result<Expr, Diagnostic> {
    let structure = scan::prescan(source)?;
    let mut pairs = SkillParser::parse(Rule::expression, source)
        .map_err(|error| explain::parse_error(source, &structure, &error))?;
    let chain = pairs
        .next()
        .and_then(|expression| expression.into_inner().next())
        .ok_or_else(|| Diagnostic::error(Span::new(0, source.len()), "empty skill expression"))?;
    build_chain(chain).map(Expr::normalized)
}

/// `chain = { term ~ (connective ~ term)* }`
fn build_chain(pair: Pair<'_, Rule>) -> Result<Expr, Diagnostic> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let first = inner
        .next()
        .ok_or_else(|| Diagnostic::error(span, "expected a condition"))?;
    let first = build_term(first)?;
    let mut rest = Vec::new();
    while let (Some(connective), Some(term)) = (inner.next(), inner.next()) {
        let connective = match connective.as_rule() {
            Rule::and => Connective::And,
            _ => Connective::Or,
        };
        rest.push((connective, build_term(term)?));
    }
    Ok(Expr::Chain(Chain {
        first: Box::new(first),
        rest,
    }))
}

/// `term = _{ condition | group }`, `group = { open ~ chain ~ close }`
fn build_term(pair: Pair<'_, Rule>) -> Result<Expr, Diagnostic> {
    match pair.as_rule() {
        Rule::condition => build_condition(pair).map(Expr::Condition),
        _ => {
            let span = span_of(&pair);
            let chain = pair
                .into_inner()
                .find(|p| p.as_rule() == Rule::chain)
                .ok_or_else(|| Diagnostic::error(span, "expected a condition inside `(` `)`"))?;
            build_chain(chain)
        }
    }
}

/// `condition = { skill ~ op ~ level }`
fn build_condition(pair: Pair<'_, Rule>) -> Result<Condition, Diagnostic> {
    let span = span_of(&pair);
    let missing = || Diagnostic::error(span, "expected a condition `skill op level`");
    let mut inner = pair.into_inner();
    let (name, op, level) = match (inner.next(), inner.next(), inner.next()) {
        (Some(name), Some(op), Some(level)) => (name, op, level),
        _ => return Err(missing()),
    };
    Ok(Condition {
        skill: skill_name(name)?,
        op: Op::from_text(op.as_str()).ok_or_else(missing)?,
        level: skill_level(&level)?,
    })
}

fn skill_name(pair: Pair<'_, Rule>) -> Result<String, Diagnostic> {
    if pair.as_rule() == Rule::bare_name {
        return Ok(pair.as_str().to_owned());
    }
    let span = span_of(&pair);
    let text = pair.into_inner().next();
    let (raw, offset) = text.map_or(("", 0), |t| (t.as_str(), t.as_span().start()));
    if raw.is_empty() {
        return Err(Diagnostic::error(span, "empty skill name")
            .with_label("nothing between the quotes")
            .with_help("write the skill's name between the quotes, e.g. `'english'`"));
    }
    unescape(raw, offset)
}

/// Resolve `\'` and `\\`; any other backslash is refused so that a typo does not silently become a name.
fn unescape(raw: &str, offset: usize) -> Result<String, Diagnostic> {
    let mut name = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            name.push(c);
            continue;
        }
        match chars.next() {
            Some((_, escaped @ ('\'' | '\\'))) => name.push(escaped),
            other => {
                let end = other.map_or(i + 1, |(j, e)| j + e.len_utf8());
                return Err(Diagnostic::error(
                    Span::new(offset + i, offset + end),
                    format!("unknown escape `{}` in a quoted skill name", &raw[i..end]),
                )
                .with_help(
                    r"only `\'` (a quote) and `\\` (a backslash) are escapes in a skill name",
                ));
            }
        }
    }
    Ok(name)
}

fn skill_level(pair: &Pair<'_, Rule>) -> Result<i64, Diagnostic> {
    let text = pair.as_str();
    let span = span_of(pair);
    if text.contains('.') {
        return Err(
            Diagnostic::error(span, format!("skill level `{text}` is not an integer"))
                .with_help("skill levels are whole numbers, e.g. `english > 3`"),
        );
    }
    text.parse::<i64>().map_err(|_| {
        Diagnostic::error(span, format!("skill level `{text}` is out of range"))
            .with_label("does not fit in a 64-bit integer")
            .with_help(format!(
                "skill levels lie between {} and {}",
                i64::MIN,
                i64::MAX
            ))
    })
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let span = pair.as_span();
    Span::new(span.start(), span.end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_resolve_and_unknown_ones_are_located() {
        assert_eq!(unescape(r"it\'s a \\", 0).unwrap(), r"it's a \");
        let err = unescape(r"ab\x", 10).unwrap_err();
        assert_eq!(
            (err.span, err.message.as_str()),
            (
                Span::new(12, 14),
                r"unknown escape `\x` in a quoted skill name"
            )
        );
    }
}
