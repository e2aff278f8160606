//! One block's call of a script: which flow state the script sees under which names, and what it may
//! change. Decided at load; a run binds only what the script mentions, runs it, and writes back what
//! it changed.

use super::compiled::{Script, ScriptError};
use super::convert::{from_dynamic, to_dynamic};
use super::log;
use crate::expr::{Expression, Value};
use crate::workitem::Userdata;
use rhai::{Dynamic, Map, Scope};
use std::sync::Arc;

/// The name under which scripts see the workitem's user data, as a map they may change.
pub const USERDATA: &str = "userdata";

/// What a name in a script's scope stands for.
#[derive(Debug)]
pub enum Bound {
    /// The flow variable in this slot: read before the run, written back after it.
    Variable(usize),
    /// A property's expression, evaluated before each run (the script cannot change it).
    Expression(Expression),
    /// A property's literal value (the script cannot change it).
    Constant(Dynamic),
}

/// A name of the script's scope and what it stands for.
#[derive(Debug)]
pub struct Binding {
    /// The name the script uses.
    pub name: String,
    /// What it stands for.
    pub bound: Bound,
}

/// A script as one block calls it.
#[derive(Debug)]
pub struct ScriptCall {
    /// The compiled script.
    pub script: Arc<Script>,
    /// The names it sees (only those its source mentions).
    bindings: Vec<Binding>,
    /// Whether it sees `userdata`.
    userdata: bool,
    /// The outputs it may choose, by name.
    outputs: Vec<Arc<str>>,
}

/// How a run ended, when the script did not fail.
#[derive(Debug, Default)]
pub struct Ran {
    /// The output the script chose (its index among the call's outputs), if it chose one.
    pub output: Option<usize>,
    /// Slots of the variables it changed, in binding order.
    pub assigned: Vec<usize>,
    /// What it logged (only kept when asked).
    pub log: Vec<String>,
}

/// Why a run failed.
#[derive(Debug)]
pub enum Failed {
    /// In the script, at its line.
    Script {
        /// What went wrong, where in the script.
        error: ScriptError,
        /// What the script logged before it failed (only kept when asked).
        log: Vec<String>,
    },
    /// A property's expression failed before the script ran.
    Property {
        /// The property.
        name: String,
        /// Why.
        message: String,
    },
}

impl ScriptCall {
    /// `script` seeing `bindings` (those its source never mentions are dropped: they cost a
    /// conversion per run for nothing) and the user data if it mentions `userdata`, choosing among
    /// `outputs`.
    pub fn new(script: Arc<Script>, bindings: Vec<Binding>, outputs: Vec<Arc<str>>) -> ScriptCall {
        let bindings = bindings
            .into_iter()
            .filter(|b| script.mentions(&b.name))
            .collect();
        let userdata = script.mentions(USERDATA);
        ScriptCall {
            script,
            bindings,
            userdata,
            outputs,
        }
    }

    /// Run the script on a workitem's variables (`slots`) and `userdata`; keep what it logs when
    /// `keep_log`.
    pub fn run(
        &self,
        slots: &mut [Value],
        userdata: &mut Userdata,
        keep_log: bool,
    ) -> Result<Ran, Failed> {
        let mut scope = Scope::with_capacity(self.bindings.len() + 1);
        // What each variable held before the run, to write back only those it changed.
        let mut before: Vec<Dynamic> = Vec::with_capacity(self.bindings.len());
        for binding in &self.bindings {
            let name = binding.name.as_str();
            match &binding.bound {
                Bound::Variable(slot) => {
                    let value = to_dynamic(&slots[*slot]);
                    before.push(value.clone());
                    scope.push_dynamic(name, value);
                }
                Bound::Expression(expression) => {
                    let value = expression.eval(slots).map_err(|error| Failed::Property {
                        name: binding.name.clone(),
                        message: error.message,
                    })?;
                    before.push(Dynamic::UNIT);
                    scope.push_constant_dynamic(name, to_dynamic(&value));
                }
                Bound::Constant(value) => {
                    before.push(Dynamic::UNIT);
                    scope.push_constant_dynamic(name, value.clone());
                }
            }
        }
        let userdata_before = self.userdata.then(|| userdata_map(userdata));
        if let Some(map) = &userdata_before {
            scope.push_dynamic(USERDATA, Dynamic::from_map(map.clone()));
        }
        let (result, log) = log::capture(keep_log, || self.script.run(&mut scope));
        let mut assigned = Vec::new();
        let output = result
            .and_then(|returned| self.output(returned))
            .and_then(|output| {
                self.write_back(
                    &scope,
                    &before,
                    userdata_before.as_ref(),
                    slots,
                    userdata,
                    &mut assigned,
                )
                .map(|()| output)
            });
        match output {
            Ok(output) => Ok(Ran {
                output,
                assigned,
                log,
            }),
            Err(error) => Err(Failed::Script { error, log }),
        }
    }

    /// Write back the variables and user data the script changed.
    fn write_back(
        &self,
        scope: &Scope,
        before: &[Dynamic],
        userdata_before: Option<&Map>,
        slots: &mut [Value],
        userdata: &mut Userdata,
        assigned: &mut Vec<usize>,
    ) -> Result<(), ScriptError> {
        // The bindings are the scope's first entries, in order (a script's own `let`s come after);
        // rhai lists the entries last first.
        let mut entries: Vec<&Dynamic> = scope.iter_raw().map(|(_, _, value)| value).collect();
        entries.reverse();
        let mut values = entries.into_iter();
        for (binding, before) in self.bindings.iter().zip(before) {
            let Some(after) = values.next() else { break };
            let Bound::Variable(slot) = binding.bound else {
                continue;
            };
            if unchanged(before, after) {
                continue;
            }
            slots[slot] = from_dynamic(after.clone()).map_err(|kind| {
                unlocated(format!(
                    "the script left a {kind} in variable `{}`, which flows cannot hold",
                    binding.name
                ))
            })?;
            assigned.push(slot);
        }
        if let Some(before) = userdata_before
            && let Some(after) = values.next()
            && !same_map(before, after)
        {
            *userdata = changed_userdata(userdata, before, after.clone())?;
        }
        Ok(())
    }
}

impl ScriptCall {
    /// The outputs it may choose.
    pub fn outputs(&self) -> &[Arc<str>] {
        &self.outputs
    }

    /// The script's value as the output it chose: the name of one of its outputs, or nothing (`()`)
    /// to go on to the next block. A block without outputs ignores the value: a script's value is its
    /// last statement's, semicolon or not, and `userdata.remove("k");` is not meant as a choice.
    fn output(&self, returned: Dynamic) -> Result<Option<usize>, ScriptError> {
        if returned.is_unit() || self.outputs.is_empty() {
            return Ok(None);
        }
        let error = unlocated;
        let shown = super::convert::describe(&returned);
        let Ok(name) = returned.into_immutable_string() else {
            return Err(error(format!(
                "the script's value is {shown}: a script ends with the name of an output (a \
                 string), or with nothing to go on to the next block"
            )));
        };
        match self.outputs.iter().position(|o| **o == *name) {
            Some(index) => Ok(Some(index)),
            None => {
                let names: Vec<&str> = self.outputs.iter().map(|o| &**o).collect();
                Err(error(format!(
                    "the script chose output `{name}`, which is not one of the block's outputs: {}",
                    names.join(", ")
                )))
            }
        }
    }
}

/// Whether the script left `after` as it found `before` (cheaply: a string it never touched is still
/// the same shared string).
fn unchanged(before: &Dynamic, after: &Dynamic) -> bool {
    if let (Ok(a), Ok(b)) = (
        before.as_immutable_string_ref(),
        after.as_immutable_string_ref(),
    ) {
        return a.ptr_eq(&b);
    }
    if let (Ok(a), Ok(b)) = (before.as_int(), after.as_int()) {
        return a == b;
    }
    if let (Ok(a), Ok(b)) = (before.as_float(), after.as_float()) {
        return a.to_bits() == b.to_bits();
    }
    if let (Ok(a), Ok(b)) = (before.as_bool(), after.as_bool()) {
        return a == b;
    }
    before.is_unit() && after.is_unit()
}

fn userdata_map(userdata: &Userdata) -> Map {
    userdata
        .iter()
        .map(|(key, value)| (key.into(), to_dynamic(value)))
        .collect()
}

/// Whether the script left the user-data map `after` as it was (`before`): most scripts only read it,
/// and rebuilding the user data costs an allocation per key.
fn same_map(before: &Map, after: &Dynamic) -> bool {
    let Some(after) = after.read_lock::<Map>() else {
        return false;
    };
    after.len() == before.len()
        && before
            .iter()
            .zip(after.iter())
            .all(|((k1, v1), (k2, v2))| k1 == k2 && unchanged(v1, v2))
}

/// The user data after the script's changes to its map: keys keep their order, removed keys go, new
/// keys come last (in name order, as rhai maps keep them). `userdata` is left as it was on an error.
fn changed_userdata(
    userdata: &Userdata,
    before: &Map,
    after: Dynamic,
) -> Result<Userdata, ScriptError> {
    let shown = super::convert::describe(&after);
    let Some(mut after) = after.try_cast::<Map>() else {
        return Err(unlocated(format!(
            "the script replaced `userdata` with {shown}; it must stay a map"
        )));
    };
    let convert = |key: &str, value: Dynamic| {
        from_dynamic(value).map_err(|kind| {
            unlocated(format!(
                "the script set user data `{key}` to a {kind}, which user data cannot hold"
            ))
        })
    };
    let mut entries: Vec<(Arc<str>, Value)> = Vec::with_capacity(after.len());
    for (key, value) in userdata.iter() {
        let Some(new) = after.remove(key) else {
            continue;
        };
        let same = before.get(key).is_some_and(|old| unchanged(old, &new));
        let value = if same {
            value.clone()
        } else {
            convert(key, new)?
        };
        entries.push((Arc::from(key), value));
    }
    for (key, value) in after {
        let value = convert(&key, value)?;
        entries.push((Arc::from(key.as_str()), value));
    }
    Ok(entries.into_iter().collect())
}

/// An error the script caused without a position in it (its value, what it left behind).
fn unlocated(message: String) -> ScriptError {
    ScriptError {
        line: 0,
        col: 0,
        message,
        undeclared: None,
    }
}
