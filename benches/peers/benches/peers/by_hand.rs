//! Plain Rust: the same decision written by hand, the data table as a `HashMap` built once.

use crate::workitems::{Parameters, Workitem};
use routeflow::table::DataTable;
use std::collections::HashMap;

/// Joins key parts; the unit separator cannot be typed into a classification.
const SEPARATOR: char = '\u{1f}';

/// The value columns of one row.
#[derive(Clone, Debug, Default)]
struct Row {
    agent: String,
    skill_expression: String,
    agent_group: String,
}

pub struct ByHand {
    /// Rows by joined key; only keys held by exactly one row, since only those assign the columns.
    rows: HashMap<String, Row>,
    /// The row of key (`_ANY-LEVEL1_`, `_ANY-LEVEL2_`, `_ANY-SEGMENT_`), empty values if there is none.
    default: Row,
}

/// User data as a hand-written service would hold it: string pairs, scanned by key.
pub type Input = Vec<(String, String)>;

impl ByHand {
    pub fn new(table: &DataTable) -> ByHand {
        let column = |name: &str| table.column(name).expect("a column of the sample table");
        let [agent, skill, group] = ["Agent", "Skill Expression", "Agent Group"].map(column);
        let mut rows: HashMap<String, Option<Row>> = HashMap::new();
        for row in table.iter() {
            let key = joined(table.key().iter().map(|&c| row.get(c)));
            let value = Row {
                agent: row.get(agent).to_owned(),
                skill_expression: row.get(skill).to_owned(),
                agent_group: row.get(group).to_owned(),
            };
            // A key held by several rows is `count != 1` in the flow: it never assigns.
            rows.entry(key)
                .and_modify(|seen| *seen = None)
                .or_insert(Some(value));
        }
        let mut rows: HashMap<String, Row> = rows
            .into_iter()
            .filter_map(|(key, row)| Some((key, row?)))
            .collect();
        rows.shrink_to_fit();
        let default = rows
            .get(&joined(["_ANY-LEVEL1_", "_ANY-LEVEL2_", "_ANY-SEGMENT_"]))
            .cloned()
            .unwrap_or_default();
        ByHand { rows, default }
    }

    pub fn input(workitem: &Workitem) -> Input {
        workitem
            .userdata
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    /// `key` is a buffer reused from one workitem to the next, so that joining the key allocates only
    /// the first time.
    pub fn decide<'a>(&'a self, userdata: &'a Input, key: &mut String) -> [&'a str; 3] {
        let get = |name: &str| {
            userdata
                .iter()
                .find(|(k, _)| k == name)
                .map_or("", |(_, v)| v.as_str())
        };
        let agent = get("GTR_requestedAgent");
        let skill = get("GTR_skillExpression");
        let group = get("GTR_requestedAgentGroup");
        let mut row = None;
        if agent.is_empty() && skill.is_empty() && group.is_empty() {
            join_into(
                key,
                ["GTR_level1", "GTR_level2", "CustomerSegment"].map(get),
            );
            row = self.rows.get(key.as_str());
        }
        let row = row.unwrap_or(&self.default);
        let or = |given: &'a str, table: &'a str| if given.is_empty() { table } else { given };
        [
            or(agent, &row.agent),
            or(skill, &row.skill_expression),
            or(group, &row.agent_group),
        ]
    }

    pub fn parameters(out: &[&str; 3]) -> Parameters {
        Parameters::new(out[0], out[1], out[2])
    }
}

fn joined<'k>(parts: impl IntoIterator<Item = &'k str>) -> String {
    let mut key = String::new();
    join_into(&mut key, parts);
    key
}

fn join_into<'k>(key: &mut String, parts: impl IntoIterator<Item = &'k str>) {
    key.clear();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            key.push(SEPARATOR);
        }
        key.push_str(part);
    }
}
