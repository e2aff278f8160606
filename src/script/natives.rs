//! Native functions routeflow registers over rhai's own, where rhai's would abort, panic or take time
//! out of proportion to the one operation it counts for a call.
//!
//! rhai finds a function registered on the engine before one of its packages with the same
//! signature, so each of these replaces rhai's for its signature; the behaviour is rhai's, plus a
//! checked size or a charge ([`budget::charge`]). The review of every package the sandbox registers
//! is in [`super::sandbox`].

use super::budget::{self, measure};
use rhai::{
    Array, Dynamic, Engine, EvalAltResult, FnPtr, ImmutableString, Map, NativeCallContext, Position,
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

    changing("pad").register_into_engine(engine, pad);

    // Sorting with rhai's built-in order: O(n log n) comparisons for one operation.
    changing("sort")
        .register_into_engine(engine, |context: NativeCallContext, array: &mut Array| {
            sort(&context, array, false)
        });
    changing("sort_desc")
        .register_into_engine(engine, |context: NativeCallContext, array: &mut Array| {
            sort(&context, array, true)
        });
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

    // `replace`: rhai checked the result's size after building it (60,000 copies of a 60 KB
    // string: 3.6 GB, an allocation failure and the abort). Its size is worked out first here.
    changing("replace").register_into_engine(
        engine,
        |context: NativeCallContext, text: &mut ImmutableString, find: &str, with: &str| {
            replace(&context, text, find, with)
        },
    );
    changing("replace").register_into_engine(
        engine,
        |context: NativeCallContext, text: &mut ImmutableString, find: &str, with: char| {
            replace(&context, text, find, with.encode_utf8(&mut [0; 4]))
        },
    );
    changing("replace").register_into_engine(
        engine,
        |context: NativeCallContext, text: &mut ImmutableString, find: char, with: &str| {
            replace(&context, text, find.encode_utf8(&mut [0; 4]), with)
        },
    );
    changing("replace").register_into_engine(
        engine,
        |context: NativeCallContext, text: &mut ImmutableString, find: char, with: char| {
            replace(
                &context,
                text,
                find.encode_utf8(&mut [0; 4]),
                with.encode_utf8(&mut [0; 4]),
            )
        },
    );

    // Natives that gather what a closure returns (`map`, `zip`, `for_each`, a map's `map`): rhai
    // checked the whole only when the native returned (10,000 results of 10,000 items each: 1.6
    // GB). These check the sizes after each result, as rhai's own checks count them.
    engine.register_fn(
        "map",
        |context: NativeCallContext, array: &mut Array, mapper: FnPtr| -> Result<Array> {
            let mut gathered = Gathered::default();
            let mut out = Array::with_capacity(array.len().min(1024));
            for (i, item) in array.iter_mut().enumerate() {
                let value = call_with_index(&context, &mapper, "map", Some(item), vec![], i, 0)?;
                gathered.add(&context, &value)?;
                out.push(value);
            }
            Ok(out)
        },
    );
    engine.register_fn(
        "zip",
        |context: NativeCallContext,
         array: &mut Array,
         other: Array,
         mapper: FnPtr|
         -> Result<Array> {
            let mut gathered = Gathered::default();
            let mut out = Array::with_capacity(array.len().min(other.len()).min(1024));
            for (i, (x, y)) in array.iter().zip(other).enumerate() {
                let args = vec![x.clone(), y];
                let value = call_with_index(&context, &mapper, "zip", None, args, i, 0)?;
                gathered.add(&context, &value)?;
                out.push(value);
            }
            Ok(out)
        },
    );
    changing("for_each").register_into_engine(
        engine,
        |context: NativeCallContext, array: &mut Array, process: FnPtr| -> Result<()> {
            // Each item may be replaced through `this`: the array is measured as it changes.
            let mut gathered = Gathered::default();
            for (i, item) in array.iter_mut().enumerate() {
                let _ = call_with_index(
                    &context,
                    &process,
                    "for_each",
                    Some(&mut *item),
                    vec![],
                    i,
                    usize::MAX,
                )?;
                gathered.add(&context, item)?;
            }
            Ok(())
        },
    );
    engine.register_fn(
        "map",
        |context: NativeCallContext, map: &mut Map, mapper: FnPtr| -> Result<Map> {
            let mut gathered = Gathered::default();
            let mut out = Map::new();
            for (key, item) in map.iter_mut() {
                let args = vec![Dynamic::from(key.clone())];
                let value = call_moving_this(&context, &mapper, "map", Some(item), args, 1)?;
                // An entry's key counts as text, as a map's do.
                gathered.add(&context, &Dynamic::from(key.clone()))?;
                gathered.add(&context, &value)?;
                gathered.maps += 1;
                out.insert(key.clone(), value);
            }
            Ok(out)
        },
    );

    // A function pointer's name and text: a closure's name is rhai's `anon$` and a hash of its
    // code, which told rhai's internals and (before the hashing seed was fixed) differed from run
    // to run.
    engine.register_fn("name", |pointer: &mut FnPtr| -> ImmutableString {
        shown_name(pointer).into()
    });
    engine.register_get("name", |pointer: &mut FnPtr| -> ImmutableString {
        shown_name(pointer).into()
    });
    for name in ["print", "to_string", "debug", "to_debug"] {
        engine.register_fn(name, |pointer: &mut FnPtr| -> ImmutableString {
            format!("Fn({})", shown_name(pointer)).into()
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

/// The registration of a native that changes its first argument: rhai refuses to call it on a
/// constant (a function registered with `register_fn` is taken as pure, and would change one).
fn changing(name: &str) -> rhai::FuncRegistration {
    rhai::FuncRegistration::new(name).with_purity(false)
}

/// What a closure is called in a script's text and messages (rhai's `anon$…` names are its own).
pub const CLOSURE: &str = "<closure>";

/// The name of `pointer` as scripts see it: a function's, or [`CLOSURE`].
fn shown_name(pointer: &FnPtr) -> String {
    if pointer.is_anonymous() {
        CLOSURE.to_owned()
    } else {
        pointer.fn_name().to_owned()
    }
}

/// `text` with rhai's names of closures (`anon$` and 16 hex digits) put as [`CLOSURE`].
pub fn closures_named(text: &str) -> String {
    const PREFIX: &str = "anon$";
    let mut shown = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PREFIX) {
        shown.push_str(&rest[..at]);
        let after = &rest[at + PREFIX.len()..];
        let hex = after
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(after.len());
        shown.push_str(CLOSURE);
        rest = &after[hex..];
    }
    shown.push_str(rest);
    shown
}

/// `text.replace(find, with)`, refused before it is built when the result would pass the string
/// limit, and charged per 64 bytes it goes through and makes.
fn replace(
    context: &NativeCallContext,
    text: &mut ImmutableString,
    find: &str,
    with: &str,
) -> Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    let count = if find.is_empty() {
        text.chars().count() + 1
    } else {
        text.matches(find).count()
    };
    let size = (text.len() - count.saturating_mul(find.len()).min(text.len()))
        .saturating_add(count.saturating_mul(with.len()));
    let engine = context.engine();
    if engine.max_string_size() > 0 && size > engine.max_string_size() {
        return Err(
            EvalAltResult::ErrorDataTooLarge("Length of string".into(), Position::NONE).into(),
        );
    }
    charge(context, (text.len() + size) / BYTES_PER_OPERATION)?;
    *text = text.replace(find, with).into();
    Ok(())
}

/// What a native gathered of a closure's results so far, counted as rhai's size checks count a
/// value: items of arrays, entries of maps, bytes of text.
#[derive(Default)]
struct Gathered {
    items: usize,
    maps: usize,
    text: usize,
}

impl Gathered {
    /// Count `value` in, as one more item; an error once the whole passes a size limit.
    fn add(&mut self, context: &NativeCallContext, value: &Dynamic) -> Result<()> {
        let (items, maps, text) = rhai_sizes(value, 0);
        self.items = self.items.saturating_add(items + 1);
        self.maps = self.maps.saturating_add(maps);
        self.text = self.text.saturating_add(text);
        let engine = context.engine();
        let too_large = |what: &str| -> Box<EvalAltResult> {
            EvalAltResult::ErrorDataTooLarge(what.to_owned(), Position::NONE).into()
        };
        if engine.max_string_size() > 0 && self.text > engine.max_string_size() {
            return Err(too_large("Length of string"));
        }
        if engine.max_array_size() > 0 && self.items > engine.max_array_size() {
            return Err(too_large("Size of array/BLOB"));
        }
        if engine.max_map_size() > 0 && self.maps > engine.max_map_size() {
            return Err(too_large("Size of object map"));
        }
        Ok(())
    }
}

/// The sizes of `value` as rhai's checks count them: (array items, map entries, text bytes), nested
/// ones included. What a closure returns was checked by rhai, so it nests at most as deep as a
/// value may.
fn rhai_sizes(value: &Dynamic, depth: usize) -> (usize, usize, usize) {
    if depth > super::limits::MAX_NESTING {
        return (0, 0, 0);
    }
    let add = |a: (usize, usize, usize), b: (usize, usize, usize)| {
        (
            a.0.saturating_add(b.0),
            a.1.saturating_add(b.1),
            a.2.saturating_add(b.2),
        )
    };
    if let Ok(text) = value.as_immutable_string_ref() {
        (0, 0, text.len())
    } else if let Some(array) = value.read_lock::<Array>() {
        array.iter().fold((0, 0, 0), |sum, item| {
            add(add(sum, (1, 0, 0)), rhai_sizes(item, depth + 1))
        })
    } else if let Some(map) = value.read_lock::<Map>() {
        map.values().fold((0, 0, 0), |sum, item| {
            add(add(sum, (0, 1, 0)), rhai_sizes(item, depth + 1))
        })
    } else {
        (0, 0, 0)
    }
}

/// Call `function` as rhai's array natives do: with `this` bound to `item` (when given) and `args`;
/// failing that with the item as an argument (at `move_this`, unless `usize::MAX`) and then with
/// the index `index` added.
fn call_with_index(
    context: &NativeCallContext,
    function: &FnPtr,
    caller: &str,
    item: Option<&mut Dynamic>,
    args: Vec<Dynamic>,
    index: usize,
    move_this: usize,
) -> Result<Dynamic> {
    let index = Dynamic::from_int(rhai::INT::try_from(index).unwrap_or(rhai::INT::MAX));
    call_extra(
        context,
        function,
        caller,
        item,
        args,
        Some(index),
        move_this,
    )
}

/// [`call_with_index`] without an index.
fn call_moving_this(
    context: &NativeCallContext,
    function: &FnPtr,
    caller: &str,
    item: Option<&mut Dynamic>,
    args: Vec<Dynamic>,
    move_this: usize,
) -> Result<Dynamic> {
    call_extra(context, function, caller, item, args, None, move_this)
}

/// rhai's `FnPtr::call_raw_with_extra_args` (not public without its `internals` feature): the
/// same three tries, in the same order, and the error wrapped as rhai wraps it.
fn call_extra(
    context: &NativeCallContext,
    function: &FnPtr,
    caller: &str,
    mut item: Option<&mut Dynamic>,
    args: Vec<Dynamic>,
    extra: Option<Dynamic>,
    move_this: usize,
) -> Result<Dynamic> {
    let not_found = |error: &EvalAltResult| {
        matches!(error, EvalAltResult::ErrorFunctionNotFound(signature, _)
            if signature.starts_with(function.fn_name()))
    };
    let with_item = |item: &Dynamic, args: &[Dynamic], extra: Option<&Dynamic>| {
        let mut all: Vec<Dynamic> = args.to_vec();
        all.insert(move_this.min(all.len()), item.clone());
        all.extend(extra.cloned());
        all
    };
    let mut result = function.call_raw(context, item.as_deref_mut(), args.clone());
    if move_this != usize::MAX
        && let (Err(error), Some(this)) = (&result, item.as_deref())
        && not_found(error)
    {
        result = function.call_raw(context, None, with_item(this, &args, None));
    }
    if let Err(error) = &result
        && not_found(error)
        && let Some(extra) = &extra
    {
        result = match item {
            Some(this) if move_this != usize::MAX => {
                function.call_raw(context, None, with_item(this, &args, Some(extra)))
            }
            this => {
                let mut all = args.clone();
                all.push(extra.clone());
                function.call_raw(context, this, all)
            }
        };
    }
    result.map_err(|error| {
        EvalAltResult::ErrorInFunctionCall(
            caller.to_owned(),
            context.call_source().unwrap_or("").to_owned(),
            error,
            Position::NONE,
        )
        .into()
    })
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

/// `value` as rhai's `print` and `debug` show an array or a map, charged first; a function pointer
/// in it is shown as `Fn(name)` (rhai's form told a closure's internal name and its curried
/// values).
fn format_charged(context: &NativeCallContext, value: &Dynamic) -> Result<ImmutableString> {
    charge_for(context, value)?;
    let mut text = String::new();
    write_debug(value, 0, &mut text);
    Ok(text.into())
}

/// Write `value` in rhai's debug form, but for function pointers (see [`format_charged`]).
fn write_debug(value: &Dynamic, depth: usize, out: &mut String) {
    use std::fmt::Write;
    if depth > super::limits::MAX_NESTING {
        out.push('…');
    } else if let Some(array) = value.read_lock::<Array>() {
        out.push('[');
        for (i, item) in array.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_debug(item, depth + 1, out);
        }
        out.push(']');
    } else if let Some(map) = value.read_lock::<Map>() {
        out.push_str("#{");
        for (i, (key, item)) in map.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{:?}: ", key.as_str());
            write_debug(item, depth + 1, out);
        }
        out.push('}');
    } else if let Some(pointer) = value.read_lock::<FnPtr>() {
        let _ = write!(out, "Fn({})", shown_name(&pointer));
    } else {
        let _ = write!(out, "{value:?}");
    }
}

/// Charge a `log` of `message` (its text is made only when a trace keeps it).
pub fn charge_log(context: &NativeCallContext, message: &Dynamic) -> Result<()> {
    charge_for(context, message)
}
