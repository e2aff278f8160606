//! Custom block types: a rhai file that declares its properties and outputs in `fn block_type()`, and
//! whose statements are the block's body, run once per workitem.
//!
//! ```rhai
//! fn block_type() {
//!     #{
//!         description: "Raise the priority of VIP customers",
//!         properties: #{
//!             tier: #{ type: "expression", required: true },
//!             priority: #{ type: "variable", required: true },
//!             boost: #{ type: "number", default_value: 100 },
//!         },
//!         outputs: ["vip", "standard"],
//!     }
//! }
//!
//! if tier == "gold" { priority += boost; "vip" } else { "standard" }
//! ```

use super::compiled::{Origin, Script, ScriptError};
use super::sandbox;
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::expr::closest;
use rhai::{Dynamic, Engine, Map};
use std::sync::Arc;

/// The function a custom block type declares itself in.
pub const DECLARATION: &str = "block_type";

/// What a property of a custom block holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyKind {
    /// Literal text.
    String,
    /// A literal number.
    Number,
    /// `true` or `false`.
    Bool,
    /// An expression of the flow's language, evaluated for each workitem before the block runs.
    Expression,
    /// The name of a flow variable, which the block reads and may set.
    Variable,
}

impl PropertyKind {
    /// Every kind, by the name a declaration uses.
    pub const ALL: [(&'static str, PropertyKind); 5] = [
        ("string", PropertyKind::String),
        ("number", PropertyKind::Number),
        ("bool", PropertyKind::Bool),
        ("expression", PropertyKind::Expression),
        ("variable", PropertyKind::Variable),
    ];

    /// The name a declaration uses.
    pub fn name(self) -> &'static str {
        PropertyKind::ALL
            .iter()
            .find(|(_, kind)| *kind == self)
            .map_or("?", |(name, _)| name)
    }
}

/// A declared property.
#[derive(Clone, Debug)]
pub struct Property {
    /// Its name: the key in the flow, and the variable the body sees.
    pub name: String,
    /// What it holds.
    pub kind: PropertyKind,
    /// Whether a block must give it.
    pub required: bool,
    /// Its value when a block does not give it: a literal of its kind, or for an expression or a
    /// variable property, the expression's text or the variable's name.
    pub default: Option<Dynamic>,
    /// What it is for.
    pub description: Option<String>,
}

/// A custom block type, loaded and compiled.
#[derive(Debug)]
pub struct BlockType {
    /// The name flows use as `type:`.
    pub name: String,
    /// What it does.
    pub description: Option<String>,
    /// Its properties, in declaration order.
    pub properties: Vec<Property>,
    /// The outputs its body may choose.
    pub outputs: Vec<Arc<str>>,
    /// The body, compiled on the flow's engine.
    pub script: Arc<Script>,
}

/// Names a property cannot take: the keys every block has, and the body's `userdata`.
const RESERVED: [&str; 6] = [
    "id",
    "type",
    "name",
    "next",
    "outputs",
    super::call::USERDATA,
];

impl BlockType {
    /// Load the block type `name` from `file` (its rhai source), compiling its body on `engine`.
    /// Problems are located in `file`.
    pub fn load(
        name: &str,
        file: &SourceFile,
        engine: Arc<Engine>,
    ) -> Result<BlockType, Vec<Diagnostic>> {
        let source = file.text();
        let origin = Origin::File(Arc::from(file.name()));
        let at = |error: &ScriptError| {
            let offset = error.offset_in(source);
            Span::new(offset, offset)
        };
        let located =
            |error: ScriptError| vec![Diagnostic::error(at(&error), error.message.clone())];
        // The declaration is read before the body is compiled strictly: the body uses the properties.
        let reader = Script::compile(sandbox::declaration_engine(), source, origin.clone(), &[])
            .map_err(located)?;
        let declared = reader
            .ast()
            .iter_functions()
            .any(|f| f.name == DECLARATION && f.params.is_empty());
        let declaration_span =
            find_word(source, 0, &format!("fn {DECLARATION}")).unwrap_or(Span::new(0, 0));
        if !declared {
            return Err(vec![
                Diagnostic::error(
                    Span::new(0, 0),
                    format!("block type `{name}` does not declare itself: no `fn {DECLARATION}()`"),
                )
                .with_help(format!(
                    "add `fn {DECLARATION}() {{ #{{ properties: #{{ … }}, outputs: [ … ] }} }}`; see docs/extensions.md"
                )),
            ]);
        }
        // rhai gives a limit's error inside a function the position of the call, and this call has
        // none: such an error is located at the function itself.
        let declaration = reader.call(DECLARATION).map_err(|error| {
            let span = if error.line == 0 {
                declaration_span
            } else {
                at(&error)
            };
            vec![Diagnostic::error(span, error.message)]
        })?;
        let mut problems = Vec::new();
        let (description, properties, outputs) =
            read_declaration(declaration, source, declaration_span, &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut names: Vec<&str> = properties.iter().map(|p| p.name.as_str()).collect();
        names.push(super::call::USERDATA);
        let script = Script::compile(engine, source, origin, &names).map_err(|error| {
            let Some(undeclared) = &error.undeclared else {
                return located(error);
            };
            let offset = error.offset_in(source);
            let span = Span::new(offset, (offset + undeclared.len()).min(source.len()));
            let mut diagnostic = Diagnostic::error(span, error.message.clone()).with_help(
                "the body sees the block's properties and `userdata`: declare it as a property, \
                 or make it local with `let`",
            );
            if let Some(close) = closest(undeclared, names.iter().copied()) {
                diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
            }
            vec![diagnostic]
        })?;
        Ok(BlockType {
            name: name.to_owned(),
            description,
            properties,
            outputs,
            script: Arc::new(script),
        })
    }

    /// The property `name`.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }
}

type Declaration = (Option<String>, Vec<Property>, Vec<Arc<str>>);

/// Read what `fn block_type()` returned, reporting each problem near the name it is about.
fn read_declaration(
    declaration: Dynamic,
    source: &str,
    at: Span,
    problems: &mut Vec<Diagnostic>,
) -> Declaration {
    // A name where it is declared as a key (`name:`), not where a description mentions it.
    let near = |word: &str| {
        let mut from = at.start as usize;
        while let Some(span) = find_word(source, from, word) {
            let rest = source[span.end as usize..].trim_start();
            if rest.starts_with(':') && !rest.starts_with("::") {
                return span;
            }
            from = span.end as usize;
        }
        find_word(source, at.start as usize, word).unwrap_or(at)
    };
    // A name declared twice: point at its second place.
    let near_again = |word: &str| {
        let first = find_word(source, at.start as usize, word).unwrap_or(at);
        find_word(source, first.end as usize, word).unwrap_or(first)
    };
    let fail = |problems: &mut Vec<Diagnostic>, span: Span, message: String, help: &str| {
        problems.push(Diagnostic::error(span, message).with_help(help.to_owned()));
    };
    let shape = "`fn block_type()` returns a map: #{ description: \"…\", properties: #{ name: #{ type: \"string\" } }, outputs: [\"…\"] }";
    let shown = super::convert::describe(&declaration);
    let Some(mut map) = declaration.try_cast::<Map>() else {
        fail(
            problems,
            at,
            format!("`fn {DECLARATION}()` returns {shown}, not a map"),
            shape,
        );
        return (None, Vec::new(), Vec::new());
    };
    for key in map.keys() {
        if !["description", "properties", "outputs"].contains(&key.as_str()) {
            let mut diagnostic =
                Diagnostic::error(near(key), format!("unknown key `{key}` in the declaration"));
            if let Some(close) = closest(key, ["description", "properties", "outputs"]) {
                diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
            }
            problems.push(diagnostic.with_help("the keys are: description, properties, outputs"));
        }
    }
    let description = map.remove("description").and_then(|d| d.into_string().ok());
    let mut properties = Vec::new();
    match map
        .remove("properties")
        .map(|p| (p.type_name(), p.try_cast::<Map>()))
    {
        None => {}
        Some((_, Some(declared))) => {
            // rhai maps are sorted by name: put the properties back in the order the file declares
            // them, which is the order people wrote them in and read them in messages.
            let mut declared: Vec<_> = declared.into_iter().collect();
            declared.sort_by_key(|(name, _)| near(name).start);
            for (name, def) in declared {
                if let Some(property) = read_property(name.as_str(), def, near(&name), problems) {
                    properties.push(property);
                }
            }
        }
        Some((kind, None)) => fail(
            problems,
            near("properties"),
            format!("`properties` is a {kind}, not a map of property name → #{{ type: … }}"),
            shape,
        ),
    }
    let mut outputs: Vec<Arc<str>> = Vec::new();
    match map
        .remove("outputs")
        .map(|o| (o.type_name(), o.try_cast::<rhai::Array>()))
    {
        None => {}
        Some((_, Some(declared))) => {
            for output in declared {
                let kind = output.type_name();
                match output.into_string() {
                    Ok(name) if valid_name(&name) => {
                        if outputs.iter().any(|o| **o == *name) {
                            fail(
                                problems,
                                near_again(&name),
                                format!("output `{name}` is declared twice"),
                                "outputs are unique",
                            );
                        } else {
                            outputs.push(Arc::from(name));
                        }
                    }
                    Ok(name) => fail(
                        problems,
                        near(&name),
                        format!("`{name}` is not a valid output name"),
                        "output names are letters, digits and `_`, not starting with a digit",
                    ),
                    Err(_) => fail(
                        problems,
                        near("outputs"),
                        format!("an output is a {kind}, not a name"),
                        shape,
                    ),
                }
            }
        }
        Some((kind, None)) => fail(
            problems,
            near("outputs"),
            format!("`outputs` is a {kind}, not a list of names"),
            shape,
        ),
    }
    (description, properties, outputs)
}

fn read_property(
    name: &str,
    def: Dynamic,
    at: Span,
    problems: &mut Vec<Diagnostic>,
) -> Option<Property> {
    let mut fail = |message: String, help: String| {
        problems.push(Diagnostic::error(at, message).with_help(help));
        None
    };
    if !valid_name(name) {
        return fail(
            format!("`{name}` is not a valid property name"),
            "property names are letters, digits and `_`, not starting with a digit: the body sees each as a variable".into(),
        );
    }
    if RESERVED.contains(&name) {
        return fail(
            format!("a property cannot be named `{name}`"),
            format!("these names are taken: {}", RESERVED.join(", ")),
        );
    }
    let kinds: Vec<&str> = PropertyKind::ALL.iter().map(|(n, _)| *n).collect();
    let kind_help = format!(
        "declare it as #{{ type: \"string\" }}; the types are: {}",
        kinds.join(", ")
    );
    let def_kind = def.type_name();
    let Some(mut def) = def.try_cast::<Map>() else {
        return fail(
            format!("property `{name}` is declared as a {def_kind}, not a map"),
            kind_help,
        );
    };
    for key in def.keys() {
        if !["type", "required", "default_value", "description"].contains(&key.as_str()) {
            return fail(
                format!("property `{name}`: unknown key `{key}`"),
                "a property's keys are: type, required, default_value, description (rhai reserves `default`)".into(),
            );
        }
    }
    let kind_name = def.remove("type").and_then(|t| t.into_string().ok());
    let Some(kind_name) = kind_name else {
        return fail(format!("property `{name}` has no `type`"), kind_help);
    };
    let Some(kind) = PropertyKind::ALL
        .iter()
        .find(|(n, _)| *n == kind_name)
        .map(|(_, k)| *k)
    else {
        let close = closest(&kind_name, kinds.iter().copied())
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        return fail(
            format!("property `{name}`: unknown type `{kind_name}`{close}"),
            kind_help,
        );
    };
    let required = match def.remove("required").map(|r| r.as_bool()) {
        None => false,
        Some(Ok(required)) => required,
        Some(Err(_)) => {
            return fail(
                format!("property `{name}`: `required` is true or false"),
                kind_help,
            );
        }
    };
    let default = def.remove("default_value");
    if let Some(default) = &default {
        let fits = match kind {
            PropertyKind::Number => default.is_int() || default.is_float(),
            PropertyKind::Bool => default.is_bool(),
            _ => default.is_string(),
        };
        if !fits {
            let wanted = match kind {
                PropertyKind::Number => "a number",
                PropertyKind::Bool => "true or false",
                PropertyKind::String => "a string",
                PropertyKind::Expression => "the expression's text, a string",
                PropertyKind::Variable => "a variable's name, a string",
            };
            return fail(
                format!(
                    "property `{name}`: its default is a {}, not {wanted}",
                    default.type_name()
                ),
                format!("a `{kind_name}` property's default is {wanted}"),
            );
        }
        if required {
            return fail(
                format!("property `{name}` is required and has a default"),
                "a default is for a property a block may leave out: remove one of the two".into(),
            );
        }
    }
    Some(Property {
        name: name.to_owned(),
        kind,
        required,
        default,
        description: def.remove("description").and_then(|d| d.into_string().ok()),
    })
}

/// A name a script can use as a variable.
fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The first occurrence of `word` in `source` from `from`, as a whole word.
fn find_word(source: &str, from: usize, word: &str) -> Option<Span> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut start = from.min(source.len());
    while let Some(found) = source[start..].find(word) {
        let at = start + found;
        let end = at + word.len();
        let before = source[..at].chars().next_back().is_none_or(|c| !is_word(c));
        let after = source[end..].chars().next().is_none_or(|c| !is_word(c));
        if before && after {
            return Some(Span::new(at, end));
        }
        start = end;
    }
    None
}
