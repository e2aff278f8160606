//! pest's "expected rule_x" failures, restated in the words an admin writing a skill expression uses.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::parse::Rule;
use super::scan::{Kind, Structure, Token, tokens};
use crate::diagnostic::{Diagnostic, Span};

const CONDITION_HELP: &str = "a condition is `skill op level`, e.g. `english >= 3`";
const OPERATORS: &str = "`>`, `>=`, `<`, `<=`, `=`, `==` or `!=`";

/// What pest was looking for when it gave up, grouped by the advice we can give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expected {
    Level,
    Operator,
    Condition,
    /// `&`, `|`, or the end; `closing` when `)` would also do.
    Connective {
        closing: bool,
    },
}

/// The text around the failure position.
struct Context<'s> {
    source: &'s str,
    pos: usize,
    /// The token (or the part of it) before `pos`.
    previous: Option<&'s str>,
    previous_kind: Option<Kind>,
    /// The token (or the part of it) from `pos` on; `None` at the end of the input.
    found: Option<(Kind, Span)>,
    /// A token that starts before `pos` and ends after it, such as `=>` when pest accepted only `=`.
    straddling: Option<Token>,
}

impl<'s> Context<'s> {
    fn new(source: &'s str, pos: usize) -> Context<'s> {
        let mut previous = None;
        let mut previous_kind = None;
        let mut found = None;
        let mut straddling = None;
        for token in tokens(source) {
            if token.end <= pos {
                previous = Some(token.text(source));
                previous_kind = Some(token.kind);
                continue;
            }
            if token.start < pos {
                straddling = Some(token);
                previous = Some(&source[token.start..pos]);
                previous_kind = Some(token.kind);
            }
            found = Some((token.kind, Span::new(token.start.max(pos), token.end)));
            break;
        }
        Context {
            source,
            pos,
            previous,
            previous_kind,
            found,
            straddling,
        }
    }

    fn found_kind(&self) -> Option<Kind> {
        self.found.map(|(kind, _)| kind)
    }

    /// Where the caret goes: on the unexpected token, or just past the end.
    fn span(&self) -> Span {
        self.found.map_or(
            Span::new(self.source.len(), self.source.len()),
            |(_, span)| span,
        )
    }

    fn found_label(&self) -> String {
        match self.found {
            None => "the expression ends here".to_owned(),
            Some((_, span)) => {
                let text = &self.source[span.range()];
                match text.char_indices().nth(24) {
                    Some((cut, _)) => format!("found `{}…`", &text[..cut]),
                    None => format!("found `{text}`"),
                }
            }
        }
    }

    /// " after `x`", or "" at the start of the input.
    fn after(&self) -> String {
        self.previous
            .map_or_else(String::new, |p| format!(" after `{p}`"))
    }
}

/// Turn pest's failure into a located, actionable diagnostic.
pub(super) fn parse_error(source: &str, structure: &Structure, error: &Error<Rule>) -> Diagnostic {
    let pos = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    let positives: &[Rule] = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => &[],
    };
    let context = Context::new(source, pos.min(source.len()));
    match expected(positives) {
        Expected::Level | Expected::Operator if is_operator(context.straddling) => {
            unknown_operator(&context)
        }
        Expected::Operator if context.found_kind() == Some(Kind::Operator) => {
            unknown_operator(&context)
        }
        Expected::Level => missing_level(&context),
        Expected::Operator => missing_operator(&context),
        Expected::Condition => missing_condition(&context, structure),
        Expected::Connective { closing } => missing_connective(&context, structure, closing),
    }
}

fn expected(positives: &[Rule]) -> Expected {
    let expects = |rule| positives.contains(&rule);
    if expects(Rule::level) {
        Expected::Level
    } else if expects(Rule::op) {
        Expected::Operator
    } else if [
        Rule::chain,
        Rule::condition,
        Rule::open,
        Rule::bare_name,
        Rule::quoted_name,
    ]
    .into_iter()
    .any(expects)
    {
        Expected::Condition
    } else {
        Expected::Connective {
            closing: expects(Rule::close),
        }
    }
}

fn is_operator(token: Option<Token>) -> bool {
    token.is_some_and(|t| t.kind == Kind::Operator)
}

fn unknown_operator(context: &Context<'_>) -> Diagnostic {
    let token = context
        .straddling
        .map(Token::span)
        .unwrap_or_else(|| context.span());
    let text = &context.source[token.range()];
    Diagnostic::error(token, format!("unknown comparison operator `{text}`"))
        .with_help(format!("the comparison operators are {OPERATORS}"))
}

fn missing_level(context: &Context<'_>) -> Diagnostic {
    let help = match context.found_kind() {
        Some(Kind::Name | Kind::Quoted { .. }) => {
            "the skill name goes on the left and the level on the right, e.g. `english >= 3`"
        }
        _ => CONDITION_HELP,
    };
    Diagnostic::error(
        context.span(),
        format!("expected a skill level (an integer){}", context.after()),
    )
    .with_label(context.found_label())
    .with_help(help)
}

fn missing_operator(context: &Context<'_>) -> Diagnostic {
    let skill = context.previous.unwrap_or("");
    Diagnostic::error(
        context.span(),
        format!("missing comparison operator after skill `{skill}`"),
    )
    .with_label(format!("expected {OPERATORS} here"))
    .with_help(CONDITION_HELP)
}

fn missing_condition(context: &Context<'_>, structure: &Structure) -> Diagnostic {
    if let Some(start) = structure.unterminated_quote.filter(|&q| q == context.pos) {
        return Diagnostic::error(
            Span::new(start, context.source.len()),
            "unterminated quoted skill name",
        )
        .with_label("this name is never closed with `'`")
        .with_help(r"end the name with `'`; inside a name, write a quote as `\'`");
    }
    let help = match (context.previous_kind, context.found_kind()) {
        (_, Some(Kind::Number)) => {
            "a skill name starts with a letter or `_`; quote any other name, e.g. `'3d' > 1`"
                .to_owned()
        }
        (Some(Kind::And), Some(Kind::And)) | (Some(Kind::Or), Some(Kind::Or)) => {
            "Genesys uses a single `&` for and and a single `|` for or".to_owned()
        }
        (Some(Kind::Open), Some(Kind::Close)) => {
            "put a condition between the parentheses".to_owned()
        }
        (Some(kind @ (Kind::And | Kind::Or)), None) => {
            let connective = if kind == Kind::And { "&" } else { "|" };
            format!("remove the trailing `{connective}`, or add a condition after it")
        }
        (_, Some(Kind::Operator)) => {
            "a condition starts with the skill name, e.g. `english >= 3`".to_owned()
        }
        _ => format!("{CONDITION_HELP}; quote a name with spaces: `'customer service' > 2`"),
    };
    let message = match context.previous {
        None => "expected a condition at the start of the skill expression".to_owned(),
        Some(_) => format!("expected a condition{}", context.after()),
    };
    Diagnostic::error(context.span(), message)
        .with_label(context.found_label())
        .with_help(help)
}

fn missing_connective(context: &Context<'_>, structure: &Structure, closing: bool) -> Diagnostic {
    if structure.unmatched_close == Some(context.pos) {
        return Diagnostic::error(Span::new(context.pos, context.pos + 1), "unmatched `)`")
            .with_label("no `(` opens this")
            .with_help("remove it, or add the missing `(` where the group starts");
    }
    if let Some(open) = structure
        .unclosed_open
        .filter(|_| closing && context.found.is_none())
    {
        return Diagnostic::error(Span::new(open, open + 1), "unclosed `(`")
            .with_label("this `(` is never closed")
            .with_help("add `)` where the group ends");
    }
    let wanted = if closing {
        "`&`, `|` or `)`"
    } else {
        "`&` or `|`"
    };
    let help = match context.found_kind() {
        Some(Kind::Number) if context.straddling.is_some() => {
            "skill levels are integers, e.g. `english > 3`"
        }
        _ => {
            "join conditions with `&` (and) or `|` (or); both have equal priority and apply left to right"
        }
    };
    Diagnostic::error(
        context.span(),
        format!("expected {wanted}{}", context.after()),
    )
    .with_label(context.found_label())
    .with_help(help)
}
