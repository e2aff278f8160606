//! One block's call of a script: which flow state the script sees under which names, and what it may
//! change. Decided at load; a run binds only what the script mentions, runs it, and writes back what
//! it changed.

use super::budget::measure;
use super::compiled::{Script, ScriptError};
use super::convert::{from_dynamic, to_dynamic};
use super::limits::ScriptLimits;
use super::log::{self, Log};
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
    /// The limits of its engine (what it may write is checked when it ends).
    limits: ScriptLimits,
    /// The flow variables whose values it can see: those bound to its names, and those its
    /// properties' expressions read.
    reads: Vec<usize>,
}

/// What a run must keep from a script, for the flow's secure values: the user-data keys it may not
/// see, and whether it can reach a secret (then it may not add user-data keys, whose names would
/// show).
#[derive(Debug, Default)]
pub struct Secrecy<'a> {
    /// User-data keys left out of its `userdata` (they keep their values and places).
    pub hidden: &'a [Arc<str>],
    /// Whether it can reach a secure value.
    pub tainted: bool,
}

/// How a run ended, when the script did not fail.
#[derive(Debug, Default)]
pub struct Ran {
    /// The output the script chose (its index among the call's outputs), if it chose one.
    pub output: Option<usize>,
    /// Slots of the variables it changed, in binding order.
    pub assigned: Vec<usize>,
    /// The user-data keys it set or added.
    pub written: Vec<Arc<str>>,
    /// What it logged (only kept when asked).
    pub log: Log,
}

/// Why a run failed.
#[derive(Debug)]
pub enum Failed {
    /// In the script, at its line.
    Script {
        /// What went wrong, where in the script.
        error: ScriptError,
        /// What the script logged before it failed (only kept when asked).
        log: Log,
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
        let bindings: Vec<Binding> = bindings
            .into_iter()
            .filter(|b| script.mentions(&b.name))
            .collect();
        let userdata = script.mentions(USERDATA);
        let limits = super::sandbox::limits_of(script.engine());
        let mut reads: Vec<usize> = Vec::new();
        for binding in &bindings {
            let slots = match &binding.bound {
                Bound::Variable(slot) => vec![*slot],
                Bound::Expression(expression) => expression
                    .slots_within(crate::diagnostic::Span::new(0, expression.source.len())),
                Bound::Constant(_) => Vec::new(),
            };
            for slot in slots {
                if !reads.contains(&slot) {
                    reads.push(slot);
                }
            }
        }
        ScriptCall {
            script,
            bindings,
            userdata,
            outputs,
            limits,
            reads,
        }
    }

    /// The slots of every flow variable whose value the script can see: through its names, and
    /// through its properties' expressions.
    pub fn reads(&self) -> impl Iterator<Item = usize> + '_ {
        self.reads.iter().copied()
    }

    /// Whether it sees the user data.
    pub fn sees_userdata(&self) -> bool {
        self.userdata
    }

    /// The slots of the flow variables the script reads and may change.
    pub fn variables(&self) -> impl Iterator<Item = usize> + '_ {
        self.bindings.iter().filter_map(|b| match b.bound {
            Bound::Variable(slot) => Some(slot),
            _ => None,
        })
    }

    /// The limits it runs under.
    pub fn limits(&self) -> &ScriptLimits {
        &self.limits
    }

    /// Run the script on a workitem's variables (`slots`) and `userdata`, keeping from it what
    /// `secrecy` says; keep up to `log_room` bytes of what it logs when given some.
    pub fn run(
        &self,
        slots: &mut [Value],
        userdata: &mut Userdata,
        log_room: Option<usize>,
        secrecy: &Secrecy,
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
        let userdata_before = self
            .userdata
            .then(|| userdata_map(userdata, secrecy.hidden));
        if let Some(map) = &userdata_before {
            scope.push_dynamic(USERDATA, Dynamic::from_map(map.clone()));
        }
        let (result, log) = log::capture(log_room, || self.script.run(&mut scope));
        let mut assigned = Vec::new();
        let mut written = Vec::new();
        let output = result
            .and_then(|returned| self.output(returned))
            .and_then(|output| {
                self.write_back(
                    &scope,
                    &before,
                    userdata_before.as_ref(),
                    (slots, userdata),
                    secrecy,
                    (&mut assigned, &mut written),
                )
                .map(|()| output)
            });
        match output {
            Ok(output) => Ok(Ran {
                output,
                assigned,
                written,
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
        (slots, userdata): (&mut [Value], &mut Userdata),
        secrecy: &Secrecy,
        (assigned, written): (&mut Vec<usize>, &mut Vec<Arc<str>>),
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
                    "the script left {kind} in variable `{}`, which flows cannot hold",
                    binding.name
                ))
            })?;
            assigned.push(slot);
        }
        if let Some(before) = userdata_before
            && let Some(after) = values.next()
            && !same_map(before, after)
        {
            *userdata = changed_userdata(
                userdata,
                before,
                after.clone(),
                &self.limits,
                secrecy,
                written,
            )?;
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

/// The user data as a script sees it: every entry but the `hidden` ones.
fn userdata_map(userdata: &Userdata, hidden: &[Arc<str>]) -> Map {
    userdata
        .iter()
        .filter(|(key, _)| !hidden.iter().any(|h| **h == **key))
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
/// keys come last (in name order, as rhai maps keep them), the entries it did not see
/// (`secrecy.hidden`) stay as they were unless it set them. `userdata` is left as it was on an error.
/// The keys set or added are pushed on `written`; how many keys it adds and how many bytes it writes
/// are bounded by `limits`, and a script that can reach a secret may add none.
fn changed_userdata(
    userdata: &Userdata,
    before: &Map,
    after: Dynamic,
    limits: &ScriptLimits,
    secrecy: &Secrecy,
    written: &mut Vec<Arc<str>>,
) -> Result<Userdata, ScriptError> {
    let shown = super::convert::describe(&after);
    let Some(mut after) = after.flatten().try_cast::<Map>() else {
        return Err(unlocated(format!(
            "the script replaced `userdata` with {shown}; it must stay a map"
        )));
    };
    let added = after
        .keys()
        .filter(|key| userdata.get(key.as_str()).is_none())
        .count();
    if added > 0 && secrecy.tainted {
        return Err(ScriptError {
            public: true,
            ..unlocated(
                "the script added a user-data key, which a block that reads a secure value may \
                 not do (its name could show the secret)"
                    .to_owned(),
            )
        });
    }
    if added > limits.userdata_keys {
        return Err(unlocated(format!(
            "the script added {added} user-data keys; the limit is `script_limits.userdata_keys` \
             ({})",
            limits.userdata_keys
        )));
    }
    // What it writes, as a scan counts it (a number or a bool as 8 bytes).
    let mut bytes = 0usize;
    for (key, value) in after.iter() {
        let same = before
            .get(key.as_str())
            .is_some_and(|old| unchanged(old, value));
        if !same {
            bytes = bytes.saturating_add(key.len() + measure(value).bytes.max(8));
        }
    }
    if bytes > limits.userdata_size {
        return Err(unlocated(format!(
            "the script wrote {bytes} bytes of user data; the limit is \
             `script_limits.userdata_size` ({})",
            limits.userdata_size
        )));
    }
    let convert = |key: &str, value: Dynamic| {
        from_dynamic(value).map_err(|kind| {
            unlocated(format!(
                "the script set user data `{key}` to {kind}, which user data cannot hold"
            ))
        })
    };
    let mut entries: Vec<(Arc<str>, Value)> = Vec::with_capacity(after.len());
    for (key, value) in userdata.iter() {
        let Some(new) = after.remove(key) else {
            if secrecy.hidden.iter().any(|h| **h == *key) {
                entries.push((Arc::from(key), value.clone()));
            }
            continue;
        };
        let same = before.get(key).is_some_and(|old| unchanged(old, &new));
        let value = if same {
            value.clone()
        } else {
            written.push(Arc::from(key));
            convert(key, new)?
        };
        entries.push((Arc::from(key), value));
    }
    for (key, value) in after {
        let value = convert(&key, value)?;
        written.push(Arc::from(key.as_str()));
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
        public: false,
    }
}
