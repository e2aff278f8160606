//! The sandboxed rhai engine a flow's scripts run on.
//!
//! Built from `Engine::new_raw` plus rhai's standard package (shared by every flow, built once): no
//! file, network or process access (routeflow builds rhai without modules and without time), no
//! `eval`, and every limit of [`ScriptLimits`] set. A flow's engine also knows its data tables, for
//! `lookup`.

use super::limits::ScriptLimits;
use super::log;
use crate::table::DataTable;
use rhai::packages::{Package, StandardPackage};
use rhai::{Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, NativeCallContext};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// rhai's standard library (strings, arrays, maps, maths), built once and shared by every engine.
static STANDARD: LazyLock<StandardPackage> = LazyLock::new(StandardPackage::new);

/// The engine that reads custom block types' declarations (`fn block_type()`): sandboxed with the
/// default limits, not strict (a declaration is read before its body's names are known), no tables.
pub fn declaration_engine() -> Arc<Engine> {
    static ENGINE: LazyLock<Arc<Engine>> = LazyLock::new(|| {
        let mut engine = sandboxed(&ScriptLimits::default());
        engine.set_strict_variables(false);
        Arc::new(engine)
    });
    ENGINE.clone()
}

/// An error of a function routeflow gives scripts (`lookup`), told apart from what a script throws.
#[derive(Clone, Debug)]
pub struct HostError(pub String);

/// A flow's engine: `limits` apply to every run, `lookup` reads `tables`.
pub fn engine(limits: &ScriptLimits, tables: &[Arc<DataTable>]) -> Engine {
    let mut engine = sandboxed(limits);
    let tables: Arc<BTreeMap<String, Arc<DataTable>>> = Arc::new(
        tables
            .iter()
            .map(|t| (t.name().to_owned(), t.clone()))
            .collect(),
    );
    engine.register_fn(
        "lookup",
        move |context: NativeCallContext, table: &str, keys: Array| {
            lookup(&context, &tables, table, keys)
        },
    );
    engine
}

fn sandboxed(limits: &ScriptLimits) -> Engine {
    let mut engine = Engine::new_raw();
    engine.register_global_module(STANDARD.as_shared_module());
    // An undeclared variable is a compile error (with its line), not a surprise at run time.
    engine.set_strict_variables(true);
    // `eval` would compile code per run, outside the load-time checks.
    engine.disable_symbol("eval");
    engine
        .set_max_operations(limits.operations)
        .set_max_call_levels(limits.call_depth)
        .set_max_expr_depths(limits.expression_depth, limits.expression_depth)
        .set_max_string_size(limits.string_size)
        .set_max_array_size(limits.array_size)
        .set_max_map_size(limits.map_size);
    engine.on_print(log::write);
    engine.on_debug(|text, _, _| log::write(text));
    engine.register_fn("log", |message: &str| log::write(message));
    engine.register_fn("log", |message: Dynamic| log::write(&message.to_string()));
    engine
}

/// `lookup(table, [keys])`: every row whose key columns equal `keys`, each a map of column → text.
fn lookup(
    context: &NativeCallContext,
    tables: &BTreeMap<String, Arc<DataTable>>,
    name: &str,
    keys: Array,
) -> Result<Array, Box<EvalAltResult>> {
    let fail = |message: String| -> Box<EvalAltResult> {
        EvalAltResult::ErrorRuntime(Dynamic::from(HostError(message)), context.call_position())
            .into()
    };
    let Some(table) = tables.get(name) else {
        let declared: Vec<&str> = tables.keys().map(String::as_str).collect();
        return Err(fail(match declared.as_slice() {
            [] => format!("lookup: no table `{name}`: the flow declares no tables"),
            names => format!(
                "lookup: no table `{name}`; the flow declares: {}",
                names.join(", ")
            ),
        }));
    };
    if keys.len() != table.key().len() {
        let columns: Vec<&str> = table.key().iter().map(|c| table.column_name(*c)).collect();
        return Err(fail(format!(
            "lookup: table `{name}` is keyed by {} columns ({}), this gives {} keys",
            columns.len(),
            columns.join(", "),
            keys.len()
        )));
    }
    let mut key = Vec::with_capacity(keys.len());
    for (i, value) in keys.iter().enumerate() {
        match value.clone().into_immutable_string() {
            Ok(text) => key.push(text),
            Err(_) => {
                return Err(fail(format!(
                    "lookup: key {} of table `{name}` must be a string; this is {}",
                    i + 1,
                    super::convert::describe(value)
                )));
            }
        }
    }
    let key: Vec<&str> = key.iter().map(ImmutableString::as_str).collect();
    let columns: Vec<&str> = table.columns().collect();
    Ok(table
        .lookup(&key)
        .map(|row| {
            let map: Map = columns
                .iter()
                .zip(row.values())
                .map(|(column, value)| ((*column).into(), Dynamic::from(value.to_owned())))
                .collect();
            Dynamic::from_map(map)
        })
        .collect())
}
