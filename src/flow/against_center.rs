//! A flow checked against a contact center: every literal agent, group and skill name that its Route
//! targets may use — written in the flow, or in a table cell that reaches a target — should exist in the
//! center, or every workitem routed on it waits out the whole timeout.

use super::Flow;
use crate::center::{Center, GroupId, SkillId};
use crate::diagnostic::{Diagnostic, Report, Span};
use crate::expr::closest;
use crate::graph::routed_on::{Origin, TargetName, Wants};
use crate::model::read::Problems;
use std::collections::HashMap;

/// Most unknown names of one kind reported one by one; the rest are counted in one more warning.
const MAX_REPORTED: usize = 20;

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
        // The center's names of each kind, listed once, for the did-you-means.
        let mut candidates: HashMap<Wants, Vec<&str>> = HashMap::new();
        // How many names of each kind were reported: past MAX_REPORTED, one more warning counts them.
        let mut reported: HashMap<Wants, usize> = HashMap::new();
        let mut unreported: HashMap<Wants, (&TargetName, Vec<&str>)> = HashMap::new();
        for (name, more) in first {
            let count = reported.entry(name.wants).or_default();
            if *count == MAX_REPORTED {
                let (_, names) = unreported.entry(name.wants).or_insert((name, Vec::new()));
                names.push(&name.name);
                continue;
            }
            *count += 1;
            let route = self
                .graph
                .block(name.route)
                .map(|block| block.id.to_string())
                .unwrap_or_default();
            let mut warning = Diagnostic::warning(Span::default(), message(name, center_name))
                .in_block(route)
                .with_help(help(center, name, more));
            let names = candidates
                .entry(name.wants)
                .or_insert_with(|| center_names(center, name.wants));
            if let Some(close) = closest(&name.name, names.iter().copied()) {
                warning = warning.with_label(format!("did you mean `{close}`?"));
            }
            self.place(warning, name, &mut in_flow, &mut in_tables);
        }
        let mut unreported: Vec<_> = unreported.into_values().collect();
        unreported.sort_by_key(|(name, _)| name.wants);
        for (first, names) in unreported {
            let shown: Vec<String> = names.iter().take(5).map(|n| format!("`{n}`")).collect();
            let kind = match first.wants {
                Wants::Agent => "agent ids",
                Wants::AgentGroup => "group names",
                _ => "skill names",
            };
            let warning = Diagnostic::warning(
                Span::default(),
                format!(
                    "{} more {kind} that center `{center_name}` does not have, from here on: {}{}",
                    names.len(),
                    shown.join(", "),
                    if names.len() > shown.len() { ", …" } else { "" }
                ),
            )
            .with_help(format!(
                "the first {MAX_REPORTED} are reported one by one above; the center may be the wrong one"
            ));
            self.place(warning, first, &mut in_flow, &mut in_tables);
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

    /// Record `warning` about `name` where it is written: in the flow file, or in a table's file
    /// (under the skill's name itself, in a skill expression).
    fn place<'a>(
        &'a self,
        mut warning: Diagnostic,
        name: &'a TargetName,
        in_flow: &mut Problems,
        in_tables: &mut HashMap<&'a str, Vec<Diagnostic>>,
    ) {
        match &name.origin {
            origin @ Origin::Flow { .. } => {
                if let Some(at) = origin.in_flow() {
                    in_flow.push(warning, at);
                }
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
        Wants::Agent => "agent",
        Wants::AgentGroup => "group",
        _ => "skill",
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
    format!(
        "{waits} (the center has {}){elsewhere}",
        crate::diagnostic::counted(count, names)
    )
}

/// The center's names of one kind.
fn center_names(center: &Center, wants: Wants) -> Vec<&str> {
    match wants {
        Wants::Agent => center.agents().iter().map(|a| a.id.as_str()).collect(),
        Wants::AgentGroup => (0..center.group_count())
            .map(|i| center.group_name(GroupId(i as u32)))
            .collect(),
        _ => (0..center.skill_count())
            .map(|i| center.skill_name(SkillId(i as u32)))
            .collect(),
    }
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
