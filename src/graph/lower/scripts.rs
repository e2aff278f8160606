//! Lowering the rhai parts of a flow: `script_limits`, the custom block types under `extensions:`,
//! `script` blocks and custom blocks. Scripts are compiled here, once, on the flow's engine.

use super::Lowering;
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::expr::{Value, closest};
use crate::graph::block::ScriptBlock;
use crate::model::path::YamlPath;
use crate::model::read::{Anchor, BLOCK_TYPES, FlowDoc, OutputDoc, ScriptSource};
use crate::model::types::Text;
use crate::script::{
    Binding, BlockType, Bound, Origin, PropertyKind, Script, ScriptCall, ScriptError, ScriptLimits,
};
use std::sync::Arc;

impl Lowering<'_> {
    /// Read `script_limits:`, each limit at least 1 and at most its cap.
    pub(super) fn script_limits(&mut self, doc: &FlowDoc) {
        let Some(declared) = &doc.script_limits else {
            return;
        };
        let def = &declared.def;
        let given = [
            ("operations", def.operations),
            ("call_depth", def.call_depth),
            ("expression_depth", def.expression_depth),
            ("string_size", def.string_size),
            ("array_size", def.array_size),
            ("map_size", def.map_size),
            ("memory", def.memory),
            ("time_ms", def.time_ms),
            ("log_size", def.log_size),
            ("userdata_keys", def.userdata_keys),
            ("userdata_size", def.userdata_size),
        ];
        for (key, value) in given {
            let Some(value) = value else { continue };
            let at = Anchor::Value(declared.path.key(key));
            if value == 0 {
                self.push(
                    Diagnostic::error(Span::default(), format!("`{key}` must be at least 1"))
                        .with_help("leave it out for the default"),
                    at,
                );
            } else if let Some(cap) = ScriptLimits::cap(key).filter(|cap| value > *cap) {
                self.push(
                    Diagnostic::error(Span::default(), format!("`{key}` is at most {cap}"))
                        .with_help("deeper nesting could overflow the process's stack"),
                    at,
                );
            } else {
                self.limits.set(key, value);
            }
        }
    }

    /// The flow's engine (made on first use, after the tables: `lookup` reads them).
    fn engine(&mut self) -> Arc<rhai::Engine> {
        if let Some(engine) = &self.engine {
            return engine.clone();
        }
        let tables: Vec<_> = self.tables.values().cloned().collect();
        let engine = Arc::new(crate::script::sandbox::engine(&self.limits, &tables));
        self.engine = Some(engine.clone());
        engine
    }

    /// Read a file named in the flow (relative to it), reporting at `at` when it cannot be read.
    fn read_file(
        &mut self,
        file: &Text,
        at: Anchor,
        what: &str,
        block: Option<&str>,
    ) -> Option<SourceFile> {
        let path = crate::flow::files::normalised(&self.base_dir.join(file.as_str()));
        let shown = path.display().to_string();
        let failed = |message: String| {
            let diagnostic = Diagnostic::error(Span::default(), message)
                .with_help("the path is relative to the flow file");
            match block {
                Some(id) => diagnostic.in_block(id),
                None => diagnostic,
            }
        };
        match self.source.read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => Some(SourceFile::new(shown, text)),
            Ok(Err(_)) => {
                self.push(failed(format!("{what} `{shown}` is not UTF-8 text")), at);
                None
            }
            Err(error) => {
                self.push(failed(format!("cannot read {what} `{shown}`: {error}")), at);
                None
            }
        }
    }

    /// Load every custom block type under `extensions:`.
    pub(super) fn extensions(&mut self, doc: &FlowDoc) {
        for declared in &doc.extensions {
            let name = declared.name.as_str();
            if BLOCK_TYPES.contains(&name) {
                self.push(
                    Diagnostic::error(
                        Span::default(),
                        format!("`{name}` is a built-in block type"),
                    )
                    .with_help("give the custom type another name"),
                    Anchor::Key(declared.path.clone()),
                );
                continue;
            }
            let valid = name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                self.push(
                    Diagnostic::error(
                        Span::default(),
                        format!("`{name}` is not a valid block type name"),
                    )
                    .with_help("type names start with a letter, then letters, digits and `_`"),
                    Anchor::Key(declared.path.clone()),
                );
                continue;
            }
            let at = Anchor::Value(declared.path.clone());
            let Some(file) = self.read_file(&declared.def, at, "block type file", None) else {
                continue;
            };
            let engine = self.engine();
            match BlockType::load(name, &file, engine) {
                Ok(block_type) => {
                    self.block_types
                        .insert(name.to_owned(), Arc::new(block_type));
                    let diagnostics = self.unknown_tables(file.text());
                    self.files.push((file, diagnostics));
                }
                Err(diagnostics) => self.files.push((file, diagnostics)),
            }
        }
    }

    /// A `script` block: its source compiled against the flow's variables and `userdata`.
    pub(super) fn script_block(
        &mut self,
        source: &ScriptSource,
        outputs: &[OutputDoc],
        path: &YamlPath,
        id: &str,
    ) -> Option<ScriptBlock> {
        if self.scope.slot(crate::script::call::USERDATA).is_some() {
            self.push(
                Diagnostic::error(
                    Span::default(),
                    "a script sees the workitem's user data as `userdata`, which hides the flow variable `userdata`",
                )
                .in_block(id)
                .with_help("rename the variable"),
                Anchor::Value(path.key("type")),
            );
            return None;
        }
        // The workitem's fields (`workitem.id`) are the flow's expressions' own, not a script's.
        let mut names: Vec<String> = self
            .scope
            .names()
            .filter(|name| !name.contains('.'))
            .map(str::to_owned)
            .collect();
        names.push(crate::script::call::USERDATA.to_owned());
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let engine = self.engine();
        let (script, inline) = match source {
            ScriptSource::Inline(text) => {
                match Script::compile(engine, text.as_str(), Origin::Inline, &names) {
                    Ok(script) => {
                        for diagnostic in self.unknown_tables(text.as_str()) {
                            let span = diagnostic.span;
                            self.push(
                                diagnostic.in_block(id),
                                Anchor::Inside {
                                    path: path.key("script"),
                                    text: text.0.clone(),
                                    span,
                                },
                            );
                        }
                        (Arc::new(script), Some(Arc::from(text.as_str())))
                    }
                    Err(error) => {
                        let span = error_span(&error, text.as_str());
                        let diagnostic = self.script_diagnostic(error, span, id);
                        self.push(
                            diagnostic,
                            Anchor::Inside {
                                path: path.key("script"),
                                text: text.0.clone(),
                                span,
                            },
                        );
                        return None;
                    }
                }
            }
            ScriptSource::File(file) => (self.script_file(file, path, id, &names)?, None),
        };
        let bindings = self
            .scope
            .names()
            .enumerate()
            .filter(|(_, name)| !name.contains('.'))
            .map(|(slot, name)| Binding {
                name: name.to_owned(),
                bound: Bound::Variable(slot),
            })
            .collect();
        let outputs = outputs.iter().map(|o| Arc::from(o.name.as_str())).collect();
        Some(ScriptBlock {
            call: ScriptCall::new(script, bindings, outputs),
            type_name: None,
            inline,
        })
    }

    /// A script file, compiled once however many blocks run it.
    fn script_file(
        &mut self,
        file: &Text,
        path: &YamlPath,
        id: &str,
        names: &[&str],
    ) -> Option<Arc<Script>> {
        let key = self.base_dir.join(file.as_str());
        if let Some(compiled) = self.script_files.get(&key) {
            return compiled.clone();
        }
        let source = self.read_file(
            file,
            Anchor::Value(path.key("file")),
            "script file",
            Some(id),
        )?;
        let engine = self.engine();
        let origin = Origin::File(Arc::from(source.name()));
        let compiled = match Script::compile(engine, source.text(), origin, names) {
            Ok(script) => {
                let diagnostics = self.unknown_tables(source.text());
                let diagnostics = diagnostics.into_iter().map(|d| d.in_block(id)).collect();
                self.files.push((source, diagnostics));
                Some(Arc::new(script))
            }
            Err(error) => {
                let span = error_span(&error, source.text());
                let diagnostic = self.script_diagnostic(error, span, id);
                self.files.push((source, vec![diagnostic]));
                None
            }
        };
        self.script_files.insert(key, compiled.clone());
        compiled
    }

    /// A diagnostic for each table `source` looks up by a literal name that the flow does not declare.
    fn unknown_tables(&self, source: &str) -> Vec<Diagnostic> {
        crate::script::literal_lookups(source)
            .into_iter()
            .filter(|(name, _)| !self.declared_tables.contains(name))
            .map(|(name, span)| {
                let mut diagnostic =
                    Diagnostic::error(span, format!("lookup: table `{name}` is not declared"));
                if let Some(close) = closest(&name, self.declared_tables.iter().map(String::as_str))
                {
                    diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
                }
                diagnostic.with_help("declare it under the flow's `tables:`")
            })
            .collect()
    }

    /// A compile error of a script block's source, with a did-you-mean for an undeclared variable.
    fn script_diagnostic(&self, error: ScriptError, span: Span, id: &str) -> Diagnostic {
        let mut diagnostic =
            Diagnostic::error(span, format!("script: {}", error.message)).in_block(id);
        if let Some(name) = &error.undeclared {
            if let Some(close) = closest(name, self.scope.names()) {
                diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
            }
            diagnostic = diagnostic.with_help(
                "a script sees the flow's variables and `userdata`: declare it under `variables:`, \
                 or make it local with `let`",
            );
        }
        diagnostic
    }

    /// A block of a custom type: its properties and outputs checked against the type's declaration.
    pub(super) fn custom_block(
        &mut self,
        type_name: &str,
        properties: &[(String, Text)],
        outputs: &[OutputDoc],
        path: &YamlPath,
        id: &str,
    ) -> Option<ScriptBlock> {
        // A type that did not load has its problems reported in its file.
        let block_type = self.block_types.get(type_name)?.clone();
        let declared: Vec<&str> = block_type
            .properties
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        let mut valid = true;
        for (name, _) in properties {
            if block_type.property(name).is_none() {
                let mut diagnostic = Diagnostic::error(
                    Span::default(),
                    format!("unknown property `{name}` of a `{type_name}` block"),
                )
                .in_block(id);
                if let Some(close) = closest(name, declared.iter().copied()) {
                    diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
                }
                let help = match declared.is_empty() {
                    true => format!("block type `{type_name}` has no properties"),
                    false => format!(
                        "the properties of `{type_name}` are: {}",
                        declared.join(", ")
                    ),
                };
                self.push(diagnostic.with_help(help), Anchor::Key(path.key(name)));
                valid = false;
            }
        }
        let mut bindings = Vec::new();
        for property in &block_type.properties {
            let given = properties.iter().find(|(name, _)| *name == property.name);
            let bound = match given {
                Some((name, text)) => {
                    self.property_value(property.kind, name, text, path, id, type_name)
                }
                None if property.required => {
                    let about = property
                        .description
                        .as_deref()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default();
                    self.push(
                        Diagnostic::error(
                            Span::default(),
                            format!(
                                "missing property `{}` of a `{type_name}` block",
                                property.name
                            ),
                        )
                        .in_block(id)
                        .with_help(format!(
                            "add `{}:` ({}{about})",
                            property.name,
                            property.kind.name()
                        )),
                        Anchor::Value(path.clone()),
                    );
                    None
                }
                None => self.property_default(property, path, id, type_name),
            };
            match bound {
                Some(bound) => bindings.push(Binding {
                    name: property.name.clone(),
                    bound,
                }),
                None => valid = false,
            }
        }
        for output in outputs {
            if !block_type.outputs.iter().any(|o| **o == *output.name) {
                let mut diagnostic = Diagnostic::error(
                    Span::default(),
                    format!("block type `{type_name}` has no output `{}`", output.name),
                )
                .in_block(id);
                if let Some(close) = closest(&output.name, block_type.outputs.iter().map(|o| &**o))
                {
                    diagnostic = diagnostic.with_label(format!("did you mean `{close}`?"));
                }
                let names: Vec<&str> = block_type.outputs.iter().map(|o| &**o).collect();
                let help = match names.is_empty() {
                    true => format!("block type `{type_name}` declares no outputs"),
                    false => format!("its outputs are: {}", names.join(", ")),
                };
                self.push(diagnostic.with_help(help), Anchor::Key(output.path.clone()));
                valid = false;
            }
        }
        if !valid {
            return None;
        }
        Some(ScriptBlock {
            call: ScriptCall::new(
                block_type.script.clone(),
                bindings,
                block_type.outputs.clone(),
            ),
            type_name: Some(Arc::from(type_name)),
            inline: None,
        })
    }

    /// A property's value as written in the flow, checked against its kind.
    fn property_value(
        &mut self,
        kind: PropertyKind,
        name: &str,
        text: &Text,
        block_path: &YamlPath,
        id: &str,
        type_name: &str,
    ) -> Option<Bound> {
        let path = block_path.key(name);
        let literal =
            |value: Value| Some(Bound::Constant(crate::script::convert::to_dynamic(&value)));
        let wrong = |this: &mut Self, wanted: &str| {
            this.push(
                Diagnostic::error(
                    Span::default(),
                    format!(
                        "property `{name}` of a `{type_name}` block is {wanted}, found `{}`",
                        text.as_str()
                    ),
                )
                .in_block(id),
                Anchor::Value(path.clone()),
            );
            None
        };
        match kind {
            PropertyKind::String => literal(Value::string(text.as_str())),
            PropertyKind::Number => match text.as_str().trim().parse::<f64>() {
                Ok(n) if n.is_finite() => literal(Value::Number(n)),
                _ => wrong(self, "a number"),
            },
            PropertyKind::Bool => match text.as_str() {
                "true" => literal(Value::Bool(true)),
                "false" => literal(Value::Bool(false)),
                _ => wrong(self, "true or false"),
            },
            PropertyKind::Expression => {
                let expression = self.compile(text, &path, Some(id))?;
                Some(match expression.constant() {
                    Some(value) => Bound::Constant(crate::script::convert::to_dynamic(value)),
                    None => Bound::Expression(expression),
                })
            }
            PropertyKind::Variable => self
                .target_variable(text.as_str(), Anchor::Value(path.clone()), id)
                .map(Bound::Variable),
        }
    }

    /// The value of a property the block leaves out: its default, or nothing (`()`).
    fn property_default(
        &mut self,
        property: &crate::script::Property,
        path: &YamlPath,
        id: &str,
        type_name: &str,
    ) -> Option<Bound> {
        let Some(default) = &property.default else {
            return Some(Bound::Constant(rhai::Dynamic::UNIT));
        };
        let text = default.clone().into_string().unwrap_or_default();
        let problem = |message: String| {
            Diagnostic::error(Span::default(), message)
                .in_block(id)
                .with_help(format!("give the block `{}:`", property.name))
        };
        match property.kind {
            PropertyKind::Expression => match crate::expr::compile(&text, &self.scope) {
                Ok(expression) => Some(Bound::Expression(expression)),
                Err(diagnostics) => {
                    let why = diagnostics
                        .first()
                        .map(|d| d.message.clone())
                        .unwrap_or_default();
                    self.push(
                        problem(format!(
                            "the default of property `{}` of `{type_name}`, `{text}`, does not compile in this flow: {why}",
                            property.name
                        )),
                        Anchor::Value(path.clone()),
                    );
                    None
                }
            },
            PropertyKind::Variable => match self.scope.slot(&text) {
                Some(slot) => Some(Bound::Variable(slot)),
                None => {
                    self.push(
                        problem(format!(
                            "property `{}` of `{type_name}` defaults to variable `{text}`, which this flow does not declare",
                            property.name
                        )),
                        Anchor::Value(path.clone()),
                    );
                    None
                }
            },
            _ => Some(Bound::Constant(default.clone())),
        }
    }
}

/// Where a compile error is in `source`: the undeclared name it is about, or its position.
fn error_span(error: &ScriptError, source: &str) -> Span {
    let offset = error.offset_in(source);
    let length = error.undeclared.as_ref().map_or(0, String::len);
    Span::new(offset, (offset + length).min(source.len()))
}
