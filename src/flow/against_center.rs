//! A flow checked against a contact center: every literal agent, group and skill name that its Route
//! targets may use — written in the flow, or in a table cell that reaches a target — should exist in the
//! center, or every workitem routed on it waits out the whole timeout.

use super::Flow;
use crate::center::{Center, GroupId, SkillId};
use crate::diagnostic::{Diagnostic, Report, Span};
use crate::expr::closest;
use crate::graph::routed_on::{Origin, TargetName, Wants};
use crate::model::read::{Anchor, Problems};
use std::collections::HashMap;

impl Flow {
    /// Warnings for the names of agents, groups and skills that the flow's Route targets may use and
    /// that no agent of `center` has (each name once, where it is first written), with a did-you-mean.
    /// `center_name` is how the center is shown (its file).
    pub fn check_against(&self, center: &Center, center_name: &str) -> Report {
        // Each unknown name where it is first written, and how many more places write it.
        let mut first: Vec<(&TargetName, usize)> = Vec::new();
        // Name → its place in `first`, or `None` when the center knows it.
        let mut seen: HashMap<(Wants, &str), Option<usize>> = HashMap::new();
        for name in &self.routed_on.names {
            match seen.get(&(name.wants, &*name.name)) {
                Some(Some(at)) => first[*at].1 += 1,
                Some(None) => {}
                None => {
                    let unknown = !known(center, name);
                    seen.insert((name.wants, &name.name), unknown.then_some(first.len()));
                    if unknown {
                        first.push((name, 0));
                    }
                }
            }
        }
        let mut report = Report::new();
        let mut in_flow = Problems::default();
        let mut in_tables: HashMap<&str, Vec<Diagnostic>> = HashMap::new();
        for (name, more) in first {
            let route = self
                .graph
                .block(name.route)
                .map(|block| block.id.to_string())
                .unwrap_or_default();
            let mut warning = Diagnostic::warning(Span::default(), message(name, center_name))
                .in_block(route)
                .with_help(help(center, name, more));
            if let Some(close) = suggestion(center, name) {
                warning = warning.with_label(format!("did you mean `{close}`?"));
            }
            match &name.origin {
                Origin::Flow { path, inside } => {
                    let at = match inside {
                        Some((text, span)) => Anchor::Inside {
                            path: path.clone(),
                            text: text.to_string(),
                            span: *span,
                        },
                        None => Anchor::Value(path.clone()),
                    };
                    in_flow.push(warning, at);
                }
                Origin::Cell { table, row, column } => {
                    if let Some(file) = self.table_files.get(table.name()) {
                        let cell = table.cell_span(file, *row, *column);
                        warning.span = match name.wants {
                            Wants::Skill => skill_in(file.text(), cell, &name.name),
                            _ => cell,
                        };
                        in_tables.entry(table.name()).or_default().push(warning);
                    }
                }
            }
        }
        report.add(&self.file, in_flow.locate(&self.file));
        let mut tables: Vec<_> = in_tables.into_iter().collect();
        tables.sort_by_key(|(name, _)| *name);
        for (table, warnings) in tables {
            if let Some(file) = self.table_files.get(table) {
                report.add(file, warnings);
            }
        }
        report
    }
}

fn known(center: &Center, name: &TargetName) -> bool {
    match name.wants {
        Wants::Agent => center.agent(&name.name).is_some(),
        Wants::AgentGroup => center.group(&name.name).is_some(),
        Wants::Skill => center.skill(&name.name).is_some(),
        Wants::Timeout | Wants::Priority => true,
    }
}

fn message(name: &TargetName, center: &str) -> String {
    let what = &name.name;
    match name.wants {
        Wants::Agent => format!("no agent `{what}` in center `{center}`"),
        Wants::AgentGroup => format!("no agent of center `{center}` is in group `{what}`"),
        _ => format!("no agent of center `{center}` has skill `{what}`"),
    }
}

fn help(center: &Center, name: &TargetName, more: usize) -> String {
    let waits = match name.wants {
        // An agent without the skill has level 0: `x < 3` still matches, `x > 3` never does.
        Wants::Skill => "every agent has level 0 in it, so a condition asking for more never holds",
        _ => "a workitem routed to it waits out the Route block's whole timeout",
    };
    let names = match name.wants {
        Wants::Agent => "agents",
        Wants::AgentGroup => "groups",
        _ => "skills",
    };
    let count = match name.wants {
        Wants::Agent => center.agents().len(),
        Wants::AgentGroup => center.group_count(),
        _ => center.skill_count(),
    };
    let elsewhere = match more {
        0 => String::new(),
        1 => "; it is written in 1 more place".to_owned(),
        n => format!("; it is written in {n} more places"),
    };
    format!("{waits} (the center has {count} {names}){elsewhere}")
}

fn suggestion(center: &Center, name: &TargetName) -> Option<String> {
    let candidates: Vec<&str> = match name.wants {
        Wants::Agent => center.agents().iter().map(|a| a.id.as_str()).collect(),
        Wants::AgentGroup => (0..center.group_count())
            .map(|i| center.group_name(GroupId(i as u32)))
            .collect(),
        _ => (0..center.skill_count())
            .map(|i| center.skill_name(SkillId(i as u32)))
            .collect(),
    };
    closest(&name.name, candidates.iter().copied()).map(str::to_owned)
}

/// Where skill `name` is written in the skill expression spanning `cell` of `text`: quoted (`'name'`),
/// else bare and whole; the whole cell when neither is found.
fn skill_in(text: &str, cell: Span, name: &str) -> Span {
    let raw = text.get(cell.range()).unwrap_or_default();
    let is_name_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '-');
    let quoted = format!("'{name}'");
    let found = raw.find(&quoted).map(|at| (at, quoted.len())).or_else(|| {
        raw.match_indices(name)
            .find(|(at, _)| {
                let before = raw[..*at].chars().next_back();
                let after = raw[at + name.len()..].chars().next();
                !before.is_some_and(is_name_char) && !after.is_some_and(is_name_char)
            })
            .map(|(at, _)| (at, name.len()))
    });
    match found {
        Some((at, len)) => Span::new(cell.start as usize + at, cell.start as usize + at + len),
        None => cell,
    }
}
