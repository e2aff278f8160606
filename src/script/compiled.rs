//! A compiled script: rhai source compiled once, at flow load, against the names it may use; run once
//! per workitem on its flow's sandboxed engine.

use super::budget::{self, Stop};
use super::limits::MAX_NESTING;
use rhai::{AST, Dynamic, Engine, EvalAltResult, ParseError, Position, Scope};
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

/// Where a script's source comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A rhai file, as shown in messages (relative to where routeflow runs, like table files).
    File(Arc<str>),
    /// Inline in the flow file, under a block's `script:`.
    Inline,
}

/// A script error: where in the script (1-based line and column, `0` when rhai gives none) and what,
/// in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    /// Line in the script, from 1.
    pub line: usize,
    /// Column (in characters) in that line, from 1.
    pub col: usize,
    /// What went wrong.
    pub message: String,
    /// The undeclared name it uses, when that is the error (for a did-you-mean).
    pub undeclared: Option<String>,
    /// Whether the message holds nothing the script computed (a limit's, or routeflow's own words
    /// about what the script did): the one thing a script that reads a secure value may show.
    pub public: bool,
}

/// A compiled script.
pub struct Script {
    engine: Arc<Engine>,
    ast: AST,
    origin: Origin,
    /// Every identifier-like word of the source: a superset of the names it uses, so that a run binds
    /// only the variables the script can see (binding costs a conversion each).
    words: HashSet<Box<str>>,
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Script")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Script {
    /// Compile `source` on `engine` (strict: using any name but `names` and its own locals is an
    /// error with its line).
    pub fn compile(
        engine: Arc<Engine>,
        source: &str,
        origin: Origin,
        names: &[&str],
    ) -> Result<Script, ScriptError> {
        let mut scope = Scope::new();
        for name in names {
            // Declared as variables, not constants: the optimiser would fold a constant's stand-in value.
            scope.push_dynamic(*name, Dynamic::UNIT);
        }
        let ast = engine
            .compile_with_scope(&scope, source)
            .map_err(|error| parse_error(&error, source, names))?;
        Ok(Script {
            engine,
            ast,
            origin,
            words: words(source),
        })
    }

    /// Where the source comes from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The compiled form.
    pub fn ast(&self) -> &AST {
        &self.ast
    }

    /// The engine it runs on.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether the source mentions `name` at all (if not, the script cannot use it).
    pub fn mentions(&self, name: &str) -> bool {
        self.words.contains(name)
    }

    /// Run the script's statements with `scope`; its value is the last statement's. The call is
    /// budgeted ([`budget::Call`]), and a panic inside it (a bug of routeflow's or rhai's) is caught
    /// and told as an error of this call, without a line.
    pub fn run(&self, scope: &mut Scope) -> Result<Dynamic, ScriptError> {
        let _budget = budget::Call::start();
        contained(|| {
            self.engine
                .eval_ast_with_scope::<Dynamic>(scope, &self.ast)
                .map_err(|error| self.eval_error(*error))
        })
    }

    /// Call the script's function `name` (no arguments) without running its statements.
    pub fn call(&self, name: &str) -> Result<Dynamic, ScriptError> {
        let options = rhai::CallFnOptions::new().eval_ast(false);
        let mut scope = Scope::new();
        let _budget = budget::Call::start();
        contained(|| {
            self.engine
                .call_fn_with_options::<Dynamic>(options, &mut scope, &self.ast, name, ())
                .map_err(|error| self.eval_error(*error))
        })
    }

    /// A run-time error in one line, located at its innermost position, with the limit that stopped
    /// it named.
    fn eval_error(&self, error: EvalAltResult) -> ScriptError {
        let mut functions = Vec::new();
        let mut error = error;
        while let EvalAltResult::ErrorInFunctionCall(name, _, inner, _) = error {
            functions.push(name);
            error = *inner;
        }
        let position = error.take_position();
        let engine = &self.engine;
        // Only the limits' messages are routeflow's words alone (see `ScriptError::public`).
        let public = matches!(
            &error,
            EvalAltResult::ErrorTooManyOperations(_)
                | EvalAltResult::ErrorStackOverflow(_)
                | EvalAltResult::ErrorDataTooLarge(..)
        ) || matches!(&error, EvalAltResult::ErrorTerminated(token, _) if token.is::<Stop>());
        let mut message = match &error {
            EvalAltResult::ErrorTooManyOperations(_) => format!(
                "the script ran more than {} operations (an endless loop?); the limit is \
                 `script_limits.operations`",
                engine.max_operations()
            ),
            EvalAltResult::ErrorStackOverflow(_) => format!(
                "function calls nested more than {} deep (a runaway recursion?); the limit is \
                 `script_limits.call_depth`",
                engine.max_call_levels()
            ),
            EvalAltResult::ErrorDataTooLarge(what, _) => match what.as_str() {
                "Length of string" => format!(
                    "a string grew beyond {} bytes; the limit is `script_limits.string_size`",
                    engine.max_string_size()
                ),
                "Size of object map" => format!(
                    "a map grew beyond {} entries; the limit is `script_limits.map_size`",
                    engine.max_map_size()
                ),
                _ => format!(
                    "an array grew beyond {} items; the limit is `script_limits.array_size`",
                    engine.max_array_size()
                ),
            },
            EvalAltResult::ErrorTerminated(token, _) if token.is::<Stop>() => {
                match token.clone().cast::<Stop>() {
                    Stop::Operations => format!(
                        "the script ran more than {} operations (an endless loop?); the limit is \
                         `script_limits.operations`",
                        engine.max_operations()
                    ),
                    Stop::Time(ms) => format!(
                        "the script ran longer than {ms} ms; the limit is `script_limits.time_ms`"
                    ),
                    Stop::Memory(bytes) => format!(
                        "the script held more than {bytes} bytes of data; the limit is \
                         `script_limits.memory`"
                    ),
                    Stop::Nesting => format!(
                        "a value nested more than {MAX_NESTING} deep (arrays and maps in one \
                         another); flows hold at most {MAX_NESTING} levels"
                    ),
                }
            }
            EvalAltResult::ErrorRuntime(value, _) if value.is::<super::sandbox::HostError>() => {
                value.clone().cast::<super::sandbox::HostError>().0
            }
            EvalAltResult::ErrorRuntime(value, _) => match value.clone().into_string() {
                Ok(text) => format!("the script threw: {text}"),
                Err(_) => format!("the script threw {}", super::convert::describe(value)),
            },
            EvalAltResult::ErrorFunctionNotFound(signature, _)
                if signature.starts_with("anon$") =>
            {
                self.closure_not_found(signature)
            }
            other => flow_words(&other.to_string()),
        };
        if let Some(innermost) = functions.last() {
            message.push_str(&format!(" (in function `{innermost}`)"));
        }
        ScriptError {
            public,
            ..located(
                position,
                one_line(&super::natives::closures_named(&message)),
            )
        }
    }

    /// rhai's `Function not found: anon$… (integer)` (a closure called with the wrong number of
    /// arguments), in the flow's words: how many it takes, how many it was given.
    fn closure_not_found(&self, signature: &str) -> String {
        let (name, arguments) = signature.split_once(' ').unwrap_or((signature, "()"));
        let given = arguments
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .split(',')
            .filter(|kind| !kind.trim().is_empty())
            .count();
        let takes = self
            .ast
            .iter_functions()
            .find(|function| function.name == name)
            .map(|function| function.params.len());
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        match takes {
            Some(takes) => format!(
                "the closure takes {takes} argument{}, given {given}",
                plural(takes)
            ),
            None => format!("no closure takes {given} argument{}", plural(given)),
        }
    }
}

/// Run `f`, telling a panic inside it as an error without a line: the last line of defence, so that
/// a bug in rhai or in routeflow's natives fails one call, not the process.
fn contained(f: impl FnOnce() -> Result<Dynamic, ScriptError>) -> Result<Dynamic, ScriptError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(ScriptError {
            line: 0,
            col: 0,
            message: one_line(&format!(
                "the script engine failed inside this call ({what}): a bug in routeflow or rhai, \
                 please report it"
            )),
            undeclared: None,
            public: false,
        })
    })
}

/// `message` (one of rhai's) with rhai's Rust type names put in the flow author's words.
pub fn flow_words(message: &str) -> String {
    const WORDS: [(&str, &str); 12] = [
        ("&str | ImmutableString | String", "string"),
        ("core::ops::range::RangeInclusive<i64>", "range"),
        ("core::ops::range::Range<i64>", "range"),
        ("rhai::types::fn_ptr::FnPtr", "Fn"),
        ("rhai::FnPtr", "Fn"),
        ("ImmutableString", "string"),
        ("rhai::Array", "array"),
        ("rhai::Map", "map"),
        ("i64", "integer"),
        ("f64", "float"),
        ("(shared)", ""),
        ("<shared>", ""),
    ];
    let mut text = super::natives::closures_named(message);
    for (rhai, flow) in WORDS {
        text = text.replace(rhai, flow);
    }
    text
}

fn parse_error(error: &ParseError, source: &str, names: &[&str]) -> ScriptError {
    if let rhai::ParseErrorType::VariableUndefined(name) = &*error.0 {
        // A name the script knows elsewhere, used where it is not seen: in a closure or a function,
        // which see their parameters alone (routeflow builds rhai without capturing closures).
        let message = if names.contains(&name.as_str()) || declares(source, name) {
            format!(
                "undeclared variable `{name}`: a closure or a function sees only its parameters \
                 (give it `{name}` as one, or curry it: `|{name}, x| …` then `.curry({name})`)"
            )
        } else {
            format!("undeclared variable `{name}`")
        };
        return ScriptError {
            undeclared: Some(name.clone()),
            ..located(error.1, message)
        };
    }
    located(error.1, one_line(&error.0.to_string()))
}

/// Whether `source` declares `name` with `let` or `const`.
fn declares(source: &str, name: &str) -> bool {
    ["let", "const"].iter().any(|keyword| {
        source.match_indices(keyword).any(|(at, _)| {
            let before = source[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            let rest = &source[at + keyword.len()..];
            let trimmed = rest.trim_start();
            before
                && trimmed.len() < rest.len()
                && trimmed.starts_with(name)
                && !trimmed[name.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        })
    })
}

fn located(position: Position, message: String) -> ScriptError {
    ScriptError {
        line: position.line().unwrap_or(0),
        col: position.position().unwrap_or(0),
        message,
        undeclared: None,
        public: false,
    }
}

/// `text` on one line: messages go into one outcome line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The identifier-like words of `source`.
fn words(source: &str) -> HashSet<Box<str>> {
    source
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with(|c: char| c.is_alphabetic() || c == '_'))
        .map(Box::from)
        .collect()
}

impl ScriptError {
    /// The byte offset in `source` of the error's line and column (the end of the source when the
    /// position is past it; the start when unknown).
    pub fn offset_in(&self, source: &str) -> usize {
        if self.line == 0 {
            return 0;
        }
        let mut start = 0;
        for _ in 1..self.line {
            match source[start..].find('\n') {
                Some(end) => start += end + 1,
                None => return source.len(),
            }
        }
        let line = &source[start..];
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        start
            + line
                .char_indices()
                .nth(self.col.saturating_sub(1))
                .map_or(line.len(), |(at, _)| at)
    }
}

/// The table names `source` passes to `lookup` as string literals (`lookup("ROUTING", …)`), with the
/// bytes of each name: checked against the flow's tables at load, so a typo is a load error, not a
/// run-time one. A computed name is checked when the script runs.
pub fn literal_lookups(source: &str) -> Vec<(String, crate::diagnostic::Span)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = source[from..].find("lookup") {
        let start = from + at;
        from = start + "lookup".len();
        let preceded = source[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let rest = source[from..].trim_start();
        let Some(rest) = rest.strip_prefix('(') else {
            continue;
        };
        let rest_trimmed = rest.trim_start();
        let Some(name) = rest_trimmed.strip_prefix('"') else {
            continue;
        };
        let Some(end) = name.find(['"', '\\']) else {
            continue;
        };
        if preceded || name[end..].starts_with('\\') {
            continue;
        }
        let name_start = source.len() - name.len();
        found.push((
            name[..end].to_owned(),
            crate::diagnostic::Span::new(name_start, name_start + end),
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::{contained, flow_words, literal_lookups};

    #[test]
    fn a_panic_inside_a_call_is_an_error_of_that_call() {
        let error = contained(|| panic!("index out of bounds")).unwrap_err();
        assert_eq!(error.line, 0);
        assert_eq!(
            error.message,
            "the script engine failed inside this call (index out of bounds): a bug in routeflow or rhai, please report it"
        );
    }

    #[test]
    fn rhai_type_names_are_put_in_the_flows_words() {
        assert_eq!(
            flow_words("Function not found: - (&str | ImmutableString | String, i64)"),
            "Function not found: - (string, integer)"
        );
        assert_eq!(
            flow_words("Cannot iterate core::ops::range::Range<i64> (shared)"),
            "Cannot iterate range "
        );
    }

    #[test]
    fn literal_table_names_are_found_with_their_place() {
        let source = "let a = lookup(\"ROUTING\", [x]);\nlet b = lookup( \"OTHER\" , []);\nmy_lookup(\"NOT\"); lookup(name, []);";
        let found: Vec<(String, &str)> = literal_lookups(source)
            .into_iter()
            .map(|(name, span)| (name, &source[span.range()]))
            .collect();
        assert_eq!(
            found,
            [
                ("ROUTING".to_owned(), "ROUTING"),
                ("OTHER".to_owned(), "OTHER")
            ]
        );
    }
}
