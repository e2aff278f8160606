//! Table cells checked like flow text: a column whose values reach a Route block's skill target must
//! hold skill expressions, one converted into a timeout or priority must hold numbers of that kind;
//! and rows with the same compound key are pointed out.

use super::Lowering;
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::expr::Conversion;
use crate::expr::js::number;
use crate::graph::FlowGraph;
use crate::graph::routed_on::{ColumnUse, Guards, RoutedOn, Wants};
use crate::skill::SkillExpression;
use crate::table::DataTable;
use std::collections::HashSet;

/// Most cells of one column reported; the rest are counted in one last diagnostic.
const MAX_CELLS_REPORTED: usize = 20;

impl Lowering<'_> {
    /// Check the cells of every column in `columns` against what its Route block wants of them.
    pub(super) fn check_cells(&mut self, routed_on: &RoutedOn, graph: &FlowGraph) {
        for column in &routed_on.columns {
            let Some(&file) = self.table_files.get(column.table.name()) else {
                continue;
            };
            let diagnostics =
                self.column_problems(column, &routed_on.guards, &self.files[file].0, graph);
            self.files[file].1.extend(diagnostics);
        }
        // The flow's own constants reaching a skill target through a variable are checked the same way.
        for (slot, text, origin, route) in &routed_on.bad_skills {
            if routed_on.guards.may_guard(&[*slot], text) {
                continue;
            }
            let Some(at) = origin.in_flow() else {
                continue;
            };
            let Err(error) = SkillExpression::parse(text) else {
                continue;
            };
            let name = self.scope.names().nth(*slot).unwrap_or_default().to_owned();
            let route = graph
                .block(*route)
                .map(|b| b.id.to_string())
                .unwrap_or_default();
            let diagnostic = Diagnostic::error(
                Span::default(),
                format!("skill expression: {}", error.message),
            )
            .in_block(&*route)
            .with_help(format!(
                "`{name}` reaches the skill target of Route block `{route}`: give it a skill \
                 expression such as 'english' > 3, or test for this value before the Route block"
            ));
            self.push(diagnostic, at);
        }
    }

    fn column_problems(
        &self,
        use_: &ColumnUse,
        guards: &Guards,
        file: &SourceFile,
        graph: &FlowGraph,
    ) -> Vec<Diagnostic> {
        let table = &use_.table;
        let reach = use_.reach;
        // A flow that tests the number it converts keeps what is not one from its Route block.
        if matches!(reach.wants, Wants::Timeout | Wants::Priority) && guards.tests_number(&use_.via)
        {
            return Vec::new();
        }
        let route = graph
            .block(reach.route)
            .map(|block| block.id.clone())
            .unwrap_or_default();
        let names: Vec<String> = use_
            .via
            .iter()
            .filter_map(|slot| self.scope.names().nth(*slot))
            .map(|name| format!("`{name}`"))
            .collect();
        let column_name = table.column_name(use_.column);
        let how = match reach.conversion.function() {
            Some(function) => format!(", converted by `{function}()`,"),
            None => ",".to_owned(),
        };
        let through = match names.split_first() {
            Some((_, [])) | None => String::new(),
            Some((_, rest)) => format!(" through {}", rest.join(" → ")),
        };
        let why = format!(
            "column `{column_name}` of table `{}` fills {}{how} which reaches {} of Route block `{route}`{through}",
            table.name(),
            names.first().map_or("", String::as_str),
            reach.wants.place(),
        );
        let mut problems = Vec::new();
        let mut more = 0;
        let mut first_unreported = None;
        // Tables repeat their values: each distinct value that passes is checked once.
        let mut fine: HashSet<&str> = HashSet::new();
        for row in table.iter() {
            let value = row.get(use_.column);
            if fine.contains(value) {
                continue;
            }
            let Some((message, inside)) = problem(reach.wants, reach.conversion, value) else {
                fine.insert(value);
                continue;
            };
            if guards.may_guard(&use_.via, value) {
                continue;
            }
            let cell = table.cell_span(file, row.id(), use_.column);
            if problems.len() == MAX_CELLS_REPORTED {
                more += 1;
                first_unreported.get_or_insert(cell);
                continue;
            }
            // Point inside the cell when its text in the file is its value (not quoted).
            let raw = file.text().get(cell.range()).unwrap_or_default();
            let span = match inside {
                Some(inside) if raw == value => inside.shifted(cell.start as usize),
                // A quoted cell with no quote inside: its value starts one character in.
                Some(inside)
                    if raw.len() == value.len() + 2 && raw.get(1..raw.len() - 1) == Some(value) =>
                {
                    inside.shifted(cell.start as usize + 1)
                }
                _ => cell,
            };
            let help = match reach.wants {
                Wants::Skill => format!(
                    "{why}: write a skill expression such as `'english' > 3`, or leave the cell empty"
                ),
                Wants::Timeout => format!("{why}: write a number of seconds from 0 to 4000000000"),
                _ => format!("{why}: write a whole number"),
            };
            problems.push(
                Diagnostic::error(span, message)
                    .in_block(&*route)
                    .with_help(help),
            );
        }
        if let Some(at) = first_unreported {
            problems.push(
                Diagnostic::error(
                    at,
                    format!(
                        "{more} more cells of column `{column_name}` are not {}",
                        match reach.wants {
                            Wants::Skill => "skill expressions",
                            Wants::Timeout => "timeouts",
                            _ => "priorities",
                        }
                    ),
                )
                .in_block(&*route)
                .with_help(why),
            );
        }
        problems
    }
}

/// What is wrong with `value` as a cell that `wants` reaches through `conversion`, and where in it.
fn problem(wants: Wants, conversion: Conversion, value: &str) -> Option<(String, Option<Span>)> {
    match (wants, conversion) {
        (Wants::Skill, Conversion::Unchanged) if !value.is_empty() => {
            let error = SkillExpression::parse(value).err()?;
            Some((
                format!("skill expression: {}", error.message),
                Some(error.span),
            ))
        }
        (Wants::Timeout | Wants::Priority, conversion) => {
            let function = conversion.function()?;
            let n = match conversion {
                Conversion::Number => number::string_to_number(value).unwrap_or(f64::NAN),
                Conversion::ParseInt => number::parse_int(value, None).unwrap_or(f64::NAN),
                _ => number::parse_float(value),
            };
            let fits = match wants {
                Wants::Timeout => crate::time::in_range(n),
                _ => n.is_finite() && n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0,
            };
            let wanted = match wants {
                Wants::Timeout => "a Route timeout (seconds, 0 to 4000000000)",
                _ => "a Route priority (a whole number)",
            };
            let shown = match value {
                "" => "an empty cell".to_owned(),
                _ => format!("`{value}`"),
            };
            (!fits).then(|| {
                let n = number::to_string(n);
                (
                    format!("{shown} is not {wanted}: {function}() gives {n}"),
                    None,
                )
            })
        }
        _ => None,
    }
}

/// Rows of `table` with the same compound key as an earlier row: one warning each, naming both lines.
pub(super) fn duplicate_keys(table: &DataTable, file: &SourceFile) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let mut more = 0;
    let mut first_unreported = None;
    for row in table.iter() {
        let key: Vec<&str> = table.key().iter().map(|&column| row.get(column)).collect();
        let Some(first) = table.lookup(&key).next() else {
            continue;
        };
        if first.id() == row.id() {
            continue;
        }
        if warnings.len() == MAX_CELLS_REPORTED {
            more += 1;
            first_unreported.get_or_insert(row.span());
            continue;
        }
        let line = file.line_col(first.span().start as usize).line;
        let shown: Vec<String> = key.iter().map(|part| format!("`{part}`")).collect();
        let found = table.lookup(&key).len();
        warnings.push(
            Diagnostic::warning(
                row.span(),
                format!(
                    "this row has the same key as line {line} in data table `{}`: {}",
                    table.name(),
                    shown.join(", ")
                ),
            )
            .with_label(format!("same key as line {line}"))
            .with_help(format!(
                "a lookup of this key finds {found} rows: `count` is {found}, `found` is false and no column is assigned; remove or change one of the rows"
            )),
        );
    }
    if let Some(at) = first_unreported {
        warnings.push(
            Diagnostic::warning(
                at,
                format!(
                    "{more} more rows of data table `{}` have the same key as an earlier row",
                    table.name()
                ),
            )
            .with_help("the first 20 are reported one by one above"),
        );
    }
    warnings
}
