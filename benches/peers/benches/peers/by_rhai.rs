//! rhai: the same logic as one script (`gtr_initialize.rhai`), compiled once, evaluated per workitem.

use crate::workitems::{Parameters, Workitem};
use rhai::{AST, Array, Dynamic, Engine, ImmutableString, Map, Scope};
use routeflow::table::DataTable;
use std::collections::HashMap;
use std::path::Path;

pub struct Rhai {
    engine: Engine,
    ast: AST,
    /// Holds `table` only; each evaluation pushes `userdata` and its own variables, then rewinds.
    scope: Scope<'static>,
}

impl Rhai {
    pub fn new(root: &Path, table: &DataTable) -> Rhai {
        let engine = Engine::new();
        let script = root.join("benches/peers/gtr_initialize.rhai");
        let ast = engine.compile_file(script).expect("the script compiles");
        let mut scope = Scope::new();
        scope.push_constant("table", index(table));
        Rhai { engine, ast, scope }
    }

    pub fn input(workitem: &Workitem) -> Map {
        workitem
            .userdata
            .iter()
            .map(|&(k, v)| (k.into(), Dynamic::from(ImmutableString::from(v))))
            .collect()
    }

    /// The user data map is cloned into the scope (a script variable owns its value); its strings are
    /// shared, not copied.
    pub fn decide(&mut self, userdata: &Map) -> Array {
        let base = self.scope.len();
        self.scope.push("userdata", userdata.clone());
        let out = self
            .engine
            .eval_ast_with_scope::<Array>(&mut self.scope, &self.ast)
            .expect("the script runs");
        self.scope.rewind(base);
        out
    }

    pub fn parameters(out: &Array) -> Parameters {
        let text = |i: usize| out[i].clone().into_string().expect("a string");
        Parameters::new(&text(0), &text(1), &text(2))
    }
}

/// The table as a rhai map from joined key to `#{agent, skill, group}`: only keys of exactly one row.
fn index(table: &DataTable) -> Map {
    let column = |name: &str| table.column(name).expect("a column of the sample table");
    let [agent, skill, group] = ["Agent", "Skill Expression", "Agent Group"].map(column);
    let mut rows: HashMap<String, Option<Map>> = HashMap::new();
    for row in table.iter() {
        let key: Vec<&str> = table.key().iter().map(|&c| row.get(c)).collect();
        let mut value = Map::new();
        for (name, column) in [("agent", agent), ("skill", skill), ("group", group)] {
            value.insert(
                name.into(),
                Dynamic::from(ImmutableString::from(row.get(column))),
            );
        }
        rows.entry(key.join("\u{1f}"))
            .and_modify(|seen| *seen = None)
            .or_insert(Some(value));
    }
    rows.into_iter()
        .filter_map(|(key, row)| Some((key.into(), Dynamic::from_map(row?))))
        .collect()
}
