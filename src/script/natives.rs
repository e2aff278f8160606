//! Native functions routeflow registers over rhai's own, where rhai's would abort, panic or take time
//! out of proportion to the one operation it counts for a call.
//!
//! rhai finds a function registered on the engine before one of its packages with the same
//! signature, so each of these replaces rhai's for its signature; the behaviour is rhai's, plus a
//! checked size or a charge ([`budget::charge`]). The review of every package the sandbox registers
//! is in [`super::sandbox`].

use super::budget::{self, measure};
use rhai::{
    Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, NativeCallContext, Position,
};
use std::cmp::Ordering;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// What one operation buys of a native function's work: this many bytes read or written.
pub const BYTES_PER_OPERATION: usize = 64;

/// Charge the call for going through `value`: one operation per item and per 64 bytes.
fn charge_for(context: &NativeCallContext, value: &Dynamic) -> Result<()> {
    let size = measure(value);
    charge(context, size.visited + size.bytes / BYTES_PER_OPERATION)
}

fn charge(context: &NativeCallContext, units: usize) -> Result<()> {
    budget::charge(units, context.engine().max_operations())
}

/// Register the replacements on `engine`.
pub fn register(engine: &mut Engine) {
    // `==` as native functions call it for each item they compare (`contains`, `index_of`, `in`,
    // `dedup`, `==` of arrays and maps): one operation per comparison. A script's own `a == b` on
    // these types takes rhai's built-in operator and is counted as one operation by rhai.
    macro_rules! equals {
        ($($t:ty),*) => {$(
            engine.register_fn("==", |context: NativeCallContext, a: $t, b: $t| -> Result<bool> {
                charge(&context, 1)?;
                Ok(a == b)
            });
        )*};
    }
    equals!(rhai::INT, rhai::FLOAT, bool, char, ImmutableString);
    engine.register_fn(
        "==",
        |context: NativeCallContext, _: (), _: ()| -> Result<bool> {
            charge(&context, 1)?;
            Ok(true)
        },
    );
    engine.register_fn(
        "==",
        |context: NativeCallContext, a: rhai::INT, b: rhai::FLOAT| -> Result<bool> {
            charge(&context, 1)?;
            Ok(a as rhai::FLOAT == b)
        },
    );
    engine.register_fn(
        "==",
        |context: NativeCallContext, a: rhai::FLOAT, b: rhai::INT| -> Result<bool> {
            charge(&context, 1)?;
            Ok(a == b as rhai::FLOAT)
        },
    );

    // Any other pair (a string and a number, two function pointers): rhai finds no `==` and the
    // comparing native takes values of two kinds as unequal, after a lookup that costs as much as a
    // comparison; two values of one kind without `==` stay an error, as in rhai.
    engine.register_fn(
        "==",
        |context: NativeCallContext, a: Dynamic, b: Dynamic| -> Result<bool> {
            charge(&context, 1)?;
            if a.type_id() == b.type_id() {
                let kind = super::convert::kind(&a);
                return Err(EvalAltResult::ErrorFunctionNotFound(
                    format!("== ({kind}, {kind})"),
                    Position::NONE,
                )
                .into());
            }
            Ok(false)
        },
    );

    engine.register_fn("pad", pad);

    // Sorting with rhai's built-in order: O(n log n) comparisons for one operation.
    engine.register_fn("sort", |context: NativeCallContext, array: &mut Array| {
        sort(&context, array, false)
    });
    engine.register_fn(
        "sort_desc",
        |context: NativeCallContext, array: &mut Array| sort(&context, array, true),
    );
    engine.register_fn("order", |context: NativeCallContext, array: &mut Array| {
        let mut sorted = array.clone();
        sort(&context, &mut sorted, false).map(|()| sorted)
    });
    engine.register_fn(
        "order_desc",
        |context: NativeCallContext, array: &mut Array| {
            let mut sorted = array.clone();
            sort(&context, &mut sorted, true).map(|()| sorted)
        },
    );

    // Text of an array or a map: rhai's format, charged for every item and every 64 bytes.
    for name in ["print", "to_string", "debug", "to_debug"] {
        engine.register_fn(name, |context: NativeCallContext, array: &mut Array| {
            let value = Dynamic::from_array(std::mem::take(array));
            let text = format_charged(&context, &value);
            if let Ok(taken) = value.into_array() {
                *array = taken;
            }
            text
        });
        engine.register_fn(name, |context: NativeCallContext, map: &mut Map| {
            let value = Dynamic::from_map(std::mem::take(map));
            let text = format_charged(&context, &value);
            if let Some(taken) = value.try_cast::<Map>() {
                *map = taken;
            }
            text
        });
    }

    // Copies of a map's keys, values or entries: an allocation per item.
    engine.register_fn("keys", |context: NativeCallContext, map: &mut Map| {
        charge(&context, map.len())?;
        Ok::<Array, Box<EvalAltResult>>(map.keys().map(|k| Dynamic::from(k.clone())).collect())
    });
    engine.register_fn("values", |context: NativeCallContext, map: &mut Map| {
        charge(&context, map.len())?;
        Ok::<Array, Box<EvalAltResult>>(map.values().cloned().collect())
    });
}

/// `array.pad(len, item)`: rhai's, with its size check done without overflow (rhai's multiplies the
/// item's size by the count, which wraps: `a.pad(2251799813685248, [1])` asked for 32 PiB).
fn pad(
    context: NativeCallContext,
    array: &mut Array,
    len: rhai::INT,
    item_value: Dynamic,
) -> Result<()> {
    let Ok(len) = usize::try_from(len) else {
        return Ok(());
    };
    if len <= array.len() {
        return Ok(());
    }
    let engine = context.engine();
    let added = len - array.len();
    let item = measure(&item_value);
    // What the array holds now, nested items and text included (as rhai counts them).
    let (mut items, mut text) = (0usize, 0usize);
    for existing in array.iter() {
        let size = measure(existing);
        items = items.saturating_add(size.visited);
        text = text.saturating_add(size.bytes);
    }
    let items = items.saturating_add(added.saturating_mul(item.visited));
    let text = text.saturating_add(added.saturating_mul(item.bytes));
    let too_large = |what: &str| -> Box<EvalAltResult> {
        EvalAltResult::ErrorDataTooLarge(what.to_owned(), Position::NONE).into()
    };
    if engine.max_array_size() > 0 && items > engine.max_array_size() {
        return Err(too_large("Size of array/BLOB"));
    }
    if engine.max_string_size() > 0 && text > engine.max_string_size() {
        return Err(too_large("Length of string"));
    }
    charge(&context, added.saturating_mul(item.visited))?;
    array.resize(len, item_value);
    Ok(())
}

/// Sort `array` by rhai's built-in order (integers, floats, characters, strings, booleans; all of
/// one kind), charging a comparison per item and level.
fn sort(context: &NativeCallContext, array: &mut Array, descending: bool) -> Result<()> {
    if array.len() <= 1 {
        return Ok(());
    }
    let levels = usize::BITS - array.len().leading_zeros();
    charge(context, array.len() * levels as usize)?;
    let kind = array[0].type_id();
    if array.iter().any(|a| a.type_id() != kind) {
        return Err(EvalAltResult::ErrorFunctionNotFound(
            "elements of different types cannot be sorted".into(),
            Position::NONE,
        )
        .into());
    }
    let order = |a: &Dynamic, b: &Dynamic| -> Ordering {
        if let (Ok(a), Ok(b)) = (a.as_int(), b.as_int()) {
            a.cmp(&b)
        } else if let (Ok(a), Ok(b)) = (a.as_float(), b.as_float()) {
            a.partial_cmp(&b).unwrap_or(Ordering::Equal)
        } else if let (Ok(a), Ok(b)) = (a.as_char(), b.as_char()) {
            a.cmp(&b)
        } else if let (Ok(a), Ok(b)) = (a.as_bool(), b.as_bool()) {
            a.cmp(&b)
        } else if let (Ok(a), Ok(b)) = (a.as_immutable_string_ref(), b.as_immutable_string_ref()) {
            a.as_str().cmp(b.as_str())
        } else {
            Ordering::Equal
        }
    };
    let first = &array[0];
    if first.is_unit() {
        return Ok(());
    }
    let sortable = first.is_int()
        || first.is_float()
        || first.is_char()
        || first.is_bool()
        || first.is_string();
    if !sortable {
        return Err(EvalAltResult::ErrorFunctionNotFound(
            format!(
                "elements of {} cannot be sorted",
                super::convert::kind(first)
            ),
            Position::NONE,
        )
        .into());
    }
    if descending {
        array.sort_by(|a, b| order(b, a));
    } else {
        array.sort_by(order);
    }
    Ok(())
}

/// `value` as rhai's `print` and `debug` show an array or a map, charged first.
fn format_charged(context: &NativeCallContext, value: &Dynamic) -> Result<ImmutableString> {
    charge_for(context, value)?;
    Ok(format!("{value:?}").into())
}

/// Charge a `log` of `message` (its text is made only when a trace keeps it).
pub fn charge_log(context: &NativeCallContext, message: &Dynamic) -> Result<()> {
    charge_for(context, message)
}
