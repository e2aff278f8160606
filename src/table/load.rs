//! Loading a data table: CSV text → checked header and key → interned cells → key index.
//!
//! Every problem of the file is collected before failing; each diagnostic spans what is wrong (a header
//! cell, a row, a quote) and says how to fix it.

use std::collections::HashMap;

use super::index::Index;
use super::scan::{Field, Malformed, Scanner};
use super::values::{Interner, Value, Values};
use super::{Column, DataTable};
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::expr::closest;

const BOM: &str = "\u{feff}";

/// Longest field quoted back in a help message; longer ones get a general hint.
const MAX_QUOTED_HELP: usize = 60;

pub(super) fn parse(
    name: &str,
    file: &SourceFile,
    key: &[&str],
) -> Result<DataTable, Vec<Diagnostic>> {
    let text = file.text();
    let start = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let mut errors = Vec::new();
    if u32::try_from(text.len()).is_err() {
        let message = format!("data table `{name}` is too large: over 4 GiB");
        errors.push(Diagnostic::error(Span::new(0, 0), message).with_help("split the table"));
        return Err(errors);
    }
    if text.len() == start {
        let message = format!("data table `{name}` is empty");
        errors.push(at_start(start, message, key));
        return Err(errors);
    }

    let mut scanner = Scanner::new(text, start);
    let (mut fields, mut problems) = (Vec::new(), Vec::new());
    let Some(header_span) = scanner.record(&mut fields, &mut problems) else {
        let message = format!("data table `{name}` has no header: the file holds only blank lines");
        errors.push(at_start(start, message, key));
        return Err(errors);
    };
    let header = Header {
        table: name,
        span: header_span,
        columns: fields
            .iter()
            .map(|field| field.value.as_ref().into())
            .collect(),
        cells: fields.iter().map(|field| field.span).collect(),
    };
    let header_is_readable = problems.is_empty();
    errors.extend(problems.drain(..).map(|problem| malformed(text, problem)));
    header.check_names(&mut errors);
    // A header with broken quoting is not worth comparing key names with: its cells are garbage.
    let key = match header_is_readable {
        true => header.resolve(key, &mut errors),
        false => Vec::new(),
    };

    let width = header.columns.len();
    let mut interner = Interner::default();
    let mut cells = Vec::new();
    let mut spans = Vec::new();
    while let Some(span) = scanner.record(&mut fields, &mut problems) {
        if !problems.is_empty() {
            // The field count of a row with broken quoting says nothing more: report the quoting only.
            errors.extend(problems.drain(..).map(|problem| malformed(text, problem)));
        } else if fields.len() != width {
            errors.push(ragged(span, width, fields.len()));
        } else if errors.is_empty() {
            cells.extend(
                fields
                    .drain(..)
                    .map(|Field { value, .. }| interner.intern(value)),
            );
            spans.push(span);
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|diagnostic| diagnostic.span.start);
        return Err(errors);
    }

    let values = interner.finish();
    let index = build_index(&values, &cells, width, &key, spans.len());
    Ok(DataTable {
        name: name.into(),
        columns: header.columns,
        key: key.into_boxed_slice(),
        cells: cells.into_boxed_slice(),
        values,
        spans: spans.into_boxed_slice(),
        index,
    })
}

fn build_index(
    values: &Values,
    cells: &[Value],
    width: usize,
    key: &[Column],
    rows: usize,
) -> Index {
    let cell = |row: u32, column: Column| cells[row as usize * width + column.0];
    // Row numbers fit in u32 below the index's end marker: each row, and the header, takes at least one
    // byte of a text under 4 GiB.
    Index::build(
        rows as u32,
        |hasher, row| hasher.hash(key.iter().map(|&column| values.get(cell(row, column)))),
        |a, b| key.iter().all(|&column| cell(a, column) == cell(b, column)),
    )
}

/// The header row: the column names and where each is.
struct Header<'a> {
    table: &'a str,
    span: Span,
    columns: Box<[Box<str>]>,
    cells: Vec<Span>,
}

impl Header<'_> {
    /// Every column needs a name, and a different one: a lookup could not tell two `Agent` columns apart.
    fn check_names(&self, errors: &mut Vec<Diagnostic>) {
        let mut first_seen: HashMap<&str, usize> = HashMap::new();
        for (i, (column, &span)) in self.columns.iter().zip(&self.cells).enumerate() {
            if column.is_empty() {
                let help = if i + 1 == self.columns.len() && i > 0 {
                    "the header ends with a comma: remove it, or name the last column"
                } else {
                    "name every column in the header (the first line of the file)"
                };
                let message = format!(
                    "column {} of data table `{}` has no name",
                    i + 1,
                    self.table
                );
                errors.push(
                    Diagnostic::error(span, message)
                        .with_label("empty column name")
                        .with_help(help),
                );
            } else if let Some(&first) = first_seen.get(&**column) {
                errors.push(
                    Diagnostic::error(span, format!("duplicate column `{column}`"))
                        .with_label(format!("column {} has the same name", first + 1))
                        .with_help(format!(
                            "rename or remove one of the columns named `{column}`: lookups could not \
                             tell them apart"
                        )),
                );
            } else {
                first_seen.insert(column, i);
            }
        }
    }

    /// The key columns, in key order; each must be a column of the header, named once.
    fn resolve(&self, key: &[&str], errors: &mut Vec<Diagnostic>) -> Vec<Column> {
        if key.is_empty() {
            let message = format!("data table `{}` has no key columns", self.table);
            errors.push(
                Diagnostic::error(self.span, message)
                    .with_label("the columns")
                    .with_help(
                        "declare the columns that form the key in the flow, for example \
                         `key: [Level1, Level2, Customer Segment]`",
                    ),
            );
            return Vec::new();
        }
        let mut resolved = Vec::with_capacity(key.len());
        for (i, &name) in key.iter().enumerate() {
            let Some(column) = self.columns.iter().position(|column| **column == *name) else {
                let message = format!(
                    "key column `{name}` is not in the header of data table `{}`",
                    self.table
                );
                errors.push(
                    Diagnostic::error(self.span, message)
                        .with_label("the columns")
                        .with_help(self.missing_help(name)),
                );
                continue;
            };
            if key[..i].contains(&name) {
                let message = format!(
                    "key column `{name}` is named twice in the key of data table `{}`",
                    self.table
                );
                errors.push(
                    Diagnostic::error(self.cells[column], message)
                        .with_label("this column")
                        .with_help("name each key column once"),
                );
                continue;
            }
            resolved.push(Column(column));
        }
        resolved
    }

    fn missing_help(&self, name: &str) -> String {
        if let Some(padded) = self.columns.iter().find(|column| column.trim() == name) {
            return format!(
                "the header writes it `{padded}`; names are compared exactly, so remove the spaces"
            );
        }
        if let Some(near) = closest(name, self.columns.iter().map(|column| &**column)) {
            return format!("did you mean `{near}`?");
        }
        if let [only] = &*self.columns {
            for separator in [";", "\t", "|"] {
                if only.contains(separator) {
                    let shown = separator.replace('\t', "\\t");
                    return format!(
                        "the header is a single column: the file seems to separate fields with `{shown}`; \
                         data tables separate them with `,`"
                    );
                }
            }
        }
        let names: Vec<String> = self
            .columns
            .iter()
            .map(|column| format!("`{column}`"))
            .collect();
        format!("the columns are {}", names.join(", "))
    }
}

/// The diagnostic for a file with no header row at all.
fn at_start(start: usize, message: String, key: &[&str]) -> Diagnostic {
    let help = match key {
        [] => "the first line is the header: the column names, separated by commas".to_owned(),
        _ => format!(
            "the first line is the header: the column names, separated by commas, such as `{}`",
            key.join(",")
        ),
    };
    Diagnostic::error(Span::new(start, start), message)
        .with_label("no header row")
        .with_help(help)
}

fn ragged(row: Span, expected: usize, got: usize) -> Diagnostic {
    let help = if got < expected {
        format!(
            "the header has {expected} columns: add the missing values (an empty value is nothing between \
             two commas, as in `a,,c`)"
        )
    } else {
        format!(
            "the header has {expected} columns: remove the extra fields, or quote a value that holds a comma \
             (`\"a, b\"`)"
        )
    };
    Diagnostic::error(
        row,
        format!("wrong number of fields: expected {expected}, got {got}"),
    )
    .with_label(match got {
        1 => "1 field".to_owned(),
        _ => format!("{got} fields"),
    })
    .with_help(help)
}

fn malformed(text: &str, problem: Malformed) -> Diagnostic {
    match problem {
        Malformed::Unterminated { quote } => Diagnostic::error(
            Span::new(quote, quote + 1),
            "unterminated quoted field",
        )
        .with_label("this quote is never closed, so the field runs to the end of the file")
        .with_help(
            "close the field with `\"`; a quote inside a quoted field is written twice: `\"\"`",
        ),
        Malformed::StrayQuote { quote, field } => {
            let before = text.get(field.start as usize..quote).unwrap_or_default();
            let help = if before.trim().is_empty() {
                "a quoted field starts right after the comma: remove the spaces before the quote"
                    .to_owned()
            } else {
                quote_whole_field(text, field)
            };
            Diagnostic::error(
                Span::new(quote, quote + 1),
                "quote inside an unquoted field",
            )
            .with_label("stray quote")
            .with_help(help)
        }
        Malformed::AfterClosingQuote { after, field } => {
            let help = if text
                .get(after.range())
                .unwrap_or_default()
                .trim()
                .is_empty()
            {
                "remove the spaces after the closing quote".to_owned()
            } else {
                format!(
                    "a quoted field ends at its closing quote; to keep the quotes in the value, {}",
                    quote_whole_field(text, field)
                )
            };
            Diagnostic::error(after, "text after the closing quote of a field")
                .with_label("after the closing quote")
                .with_help(help)
        }
    }
}

/// How to write the raw text of `field` as one quoted field, shown in full when it is short.
fn quote_whole_field(text: &str, field: Span) -> String {
    let raw = text.get(field.range()).unwrap_or_default();
    if raw.chars().count() <= MAX_QUOTED_HELP && !raw.contains(['`', '\n']) {
        format!(
            "quote the whole field and write each quote inside it twice: `\"{}\"`",
            raw.replace('"', "\"\"")
        )
    } else {
        "quote the whole field and write each quote inside it twice (`\"\"`)".to_owned()
    }
}
