//! The sandboxed rhai engine a flow's scripts run on.
//!
//! Built from `Engine::new_raw` plus the rhai packages listed below, each reviewed (shared by every
//! flow, built once): no file, network or process access (routeflow builds rhai without modules and
//! without time), no `eval`, no capturing closures (rhai's `no_closure`: no value is shared, so none
//! can hold itself), a fixed hashing seed, and every limit of [`ScriptLimits`] set. Native functions whose work
//! grows with their input are either bounded by the size limits (rhai checks every value a function
//! returns) or replaced by a charged or checked version ([`super::natives`]). A flow's engine also
//! knows its data tables, for `lookup`.
//!
//! The review, package by package:
//!
//! | package | what | verdict |
//! |---|---|---|
//! | `ArithmeticPackage`, `LogicPackage` | `+ - * / % **`, comparisons, `min`/`max` on numbers | constant cost, overflow is an error |
//! | `BasicMathPackage` | `floor`, `round`, `sqrt`, `parse_int`, `to_float`… | constant cost (parsing: bounded by `string_size`) |
//! | `BasicStringPackage` | `print`, `debug`, `to_string` of each type | arrays and maps: charged per item (natives) |
//! | `MoreStringPackage` | `len`, `trim`, `to_upper`, `contains`, `sub_string`, `split`, `replace`, `pad`… | linear in a string of at most `string_size` bytes; every result size-checked by rhai; `pad` checks its length first; `replace` replaced (its result is sized before it is built: rhai's built 3.6 GB, then checked) |
//! | `BasicArrayPackage` | `push`, `insert`, `contains`, `index_of`, `sort`, `map`, `filter`… | `pad` replaced (its check overflowed: abort); `sort`, `order` charged; comparisons (`contains`, `index_of`, `dedup`, `==`) charged per item through `==`; closures (`map`, `filter`, `sort_by`…) count their own operations; `map`, `zip`, `for_each` replaced (what they gather is size-checked after each result) |
//! | `BasicMapPackage` | `len`, `keys`, `values`, `mixin`, `remove`… | `keys`, `values` charged per entry; merges size-checked by rhai; `map` replaced as an array's |
//! | `BasicIteratorPackage` | `range`, `chars`, `bits` | lazy: one operation per step |
//! | `BasicFnPackage` | a function pointer's `name`, `is_anonymous` | constant cost; `name` (and the text of a pointer) replaced: a closure is `<closure>`, not rhai's `anon$` and a hash |
//!
//! Left out: `LanguageCorePackage` (`sleep` blocks the thread and panics on `sleep(1e300)`; `exit`,
//! `take`, tags, `parse_json`, reflection), `BasicTimePackage` (clocks), `BasicBlobPackage` (byte
//! buffers: routeflow has none to give), `BitFieldPackage` (not routing logic), `DebuggingPackage`.

use super::budget;
use super::limits::ScriptLimits;
use super::log;
use crate::table::DataTable;
use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicFnPackage, BasicIteratorPackage, BasicMapPackage,
    BasicMathPackage, BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{
    Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, Module, NativeCallContext,
};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// The seed of rhai's hashing. rhai names a closure after a hash of its code, seeded per process
/// unless a seed is set: its name (`f.name`, `${f}`) and errors naming it changed from run to run,
/// and a replay must be byte-identical. Any fixed value will do.
const HASHING_SEED: [u64; 4] = [0x726f_7574, 0x6566_6c6f, 0x7720_7268, 0x6169_0001];

/// Fix rhai's hashing seed before anything is hashed: it must be set before rhai first hashes in
/// this process (function lookups are hashed when functions are registered and when scripts are
/// compiled, so every engine is made after it). Setting it again fails harmlessly.
fn fix_hashing() {
    static FIXED: LazyLock<()> = LazyLock::new(|| {
        let _ = rhai::config::hashing::set_hashing_seed(Some(HASHING_SEED));
    });
    LazyLock::force(&FIXED);
}

/// The reviewed packages (see the table above), built once and shared by every engine.
static PACKAGES: LazyLock<Vec<Arc<Module>>> = LazyLock::new(|| {
    fix_hashing();
    vec![
        ArithmeticPackage::new().as_shared_module(),
        LogicPackage::new().as_shared_module(),
        BasicMathPackage::new().as_shared_module(),
        BasicStringPackage::new().as_shared_module(),
        MoreStringPackage::new().as_shared_module(),
        BasicArrayPackage::new().as_shared_module(),
        BasicMapPackage::new().as_shared_module(),
        BasicIteratorPackage::new().as_shared_module(),
        BasicFnPackage::new().as_shared_module(),
    ]
});

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

/// The limits `engine` was made with (the defaults for an engine not made here).
pub fn limits_of(engine: &Engine) -> ScriptLimits {
    engine
        .default_tag()
        .clone()
        .try_cast::<ScriptLimits>()
        .unwrap_or_default()
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
    fix_hashing();
    let mut engine = Engine::new_raw();
    for package in PACKAGES.iter() {
        engine.register_global_module(package.clone());
    }
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
    // The limits ride with the engine, for what a call checks after it ran (`limits_of`).
    engine.set_default_tag(Dynamic::from(*limits));
    let budget_limits = *limits;
    engine.on_progress(move |operations| budget::progress(operations, &budget_limits));
    let scan_limits = *limits;
    // `on_var` is marked volatile by rhai (not deprecated): it is the one hook that sees a call's
    // variables while it runs.
    #[allow(deprecated)]
    engine.on_var(move |_, _, context| {
        budget::scan(context.scope(), context.call_level(), &scan_limits)?;
        Ok(None)
    });
    super::natives::register(&mut engine);
    engine.on_print(log::write);
    engine.on_debug(|text, _, _| log::write(text));
    engine.register_fn("log", |context: NativeCallContext, message: &str| {
        budget::charge(
            message.len() / super::natives::BYTES_PER_OPERATION,
            context.engine().max_operations(),
        )?;
        log::write(message);
        Ok::<(), Box<EvalAltResult>>(())
    });
    engine.register_fn("log", |context: NativeCallContext, message: Dynamic| {
        super::natives::charge_log(&context, &message)?;
        if log::keeping() {
            log::write(&message.to_string());
        }
        Ok::<(), Box<EvalAltResult>>(())
    });
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
