//! Secure variables (SPEC §3.1): their values never appear in traces, logs or outcome files.

use crate::expr::{Text, Value};
use crate::flow::Flow;
use crate::graph::BlockKind;
use std::sync::Arc;

/// What replaces a secure value wherever it would be shown.
pub const MASK: &str = "****";

/// The shortest string a script that read a secure value writes that is also masked by its value
/// wherever it shows (what it writes is masked where it writes it whatever its length: see
/// [`Taint`]).
pub const TAINT_MIN_LEN: usize = 4;

/// What a workitem's run has made secret beyond the flow's secure variables: what a block that read
/// a secure value wrote (a script that names a secure variable or a tainted one, or that is handed
/// one through a property). Kept for the rest of the run: a tainted variable taints the scripts that
/// read it and is masked where the trace shows variables; a tainted user-data key is hidden from
/// scripts and its value is masked in the outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Taint {
    /// Variables (slots) a tainted block set.
    pub slots: Vec<usize>,
    /// User-data keys a tainted block set.
    pub keys: Vec<Arc<str>>,
}

impl Taint {
    /// Whether the variable in `slot` is tainted (in a run's `taint`, if it has one).
    pub fn has_slot(taint: Option<&Taint>, slot: usize) -> bool {
        taint.is_some_and(|taint| taint.slots.contains(&slot))
    }

    /// Whether the user-data key `key` is tainted.
    pub fn has_key(taint: Option<&Taint>, key: &str) -> bool {
        taint.is_some_and(|taint| taint.keys.iter().any(|k| **k == *key))
    }

    /// Taint `slots` and `keys` in `taint`, made when first needed.
    pub fn add(
        taint: &mut Option<Box<Taint>>,
        slots: impl IntoIterator<Item = usize>,
        keys: impl IntoIterator<Item = Arc<str>>,
    ) {
        let taint = taint.get_or_insert_default();
        for slot in slots {
            if !taint.slots.contains(&slot) {
                taint.slots.push(slot);
            }
        }
        for key in keys {
            if !taint.keys.contains(&key) {
                taint.keys.push(key);
            }
        }
    }
}

/// The secure variables of a flow, and the user-data keys they are read from: worked out once per flow.
///
/// A secure variable's earlier values are secrets too (`pin` read, copied elsewhere, then changed): a
/// workitem's frame keeps every value its secure variables held at the end of a block after the flow's
/// variables ([`Secrets::remember`]), and masking hides them all.
#[derive(Debug, Default)]
pub struct Secrets {
    slots: Vec<usize>,
    keys: Vec<Arc<str>>,
    /// How many variables the flow has: a frame's slots past these are remembered secrets.
    variables: usize,
}

impl Secrets {
    /// The secrets of `flow`: its secure variables, and every user-data key a `read_userdata` block reads
    /// into one of them.
    pub fn new(flow: &Flow) -> Secrets {
        let slots: Vec<usize> = (0..flow.variables.len())
            .filter(|&slot| flow.variables[slot].secure)
            .collect();
        let mut keys: Vec<Arc<str>> = Vec::new();
        for (_, block) in flow.graph.blocks() {
            if let BlockKind::ReadUserdata { reads } = &block.kind {
                for (slot, key) in reads {
                    if slots.contains(slot) && !keys.contains(key) {
                        keys.push(key.clone());
                    }
                }
            }
        }
        Secrets {
            slots,
            keys,
            // Past the variables come the workitem's fields when the flow reads them, then the
            // remembered secrets.
            variables: flow.scope.len(),
        }
    }

    /// Whether the variable in `slot` is secure.
    pub fn is_secure(&self, slot: usize) -> bool {
        self.slots.contains(&slot)
    }

    /// Keep `value` as a secret after the flow's variables in `slots` (what a script that read a
    /// secure variable wrote: it may be the secret transformed). A list or a map is kept as its JSON
    /// text, which [`Secrets::hides`] compares such values by. Numbers, booleans and strings shorter
    /// than [`TAINT_MIN_LEN`] are not kept: masking is by value, also inside any text shown, and a
    /// secret `1` or `a` would mask every such character of every trace and message.
    pub fn remember_value(&self, slots: &mut Vec<Value>, value: Value) {
        let text = match &value {
            Value::String(s) if s.chars().count() >= TAINT_MIN_LEN => s.to_string(),
            Value::List(_) | Value::Map(_) => value.to_json(),
            _ => return,
        };
        let remembered = slots.get(self.variables..).unwrap_or_default();
        if text.is_empty() || remembered.iter().any(|r| r.as_str() == Some(text.as_str())) {
            return;
        }
        slots.push(Value::string(text));
    }

    /// Whether the flow has nothing to hide.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Whether a user-data entry must be masked (in outcomes) and hidden (from scripts): its key is
    /// read into a secure variable or was set by a tainted block (`taint`), or its value is a secure
    /// variable's current value (written to user data by a block, or copied under another key).
    pub fn hides(
        &self,
        key: &str,
        value: &Value,
        variables: &[Value],
        taint: Option<&Taint>,
    ) -> bool {
        if self.is_empty() {
            return false;
        }
        if self.keys.iter().any(|k| **k == *key) || Taint::has_key(taint, key) {
            return true;
        }
        match value {
            Value::String(v) => self.secret_texts(variables).any(|secret| **v == *secret),
            Value::List(_) | Value::Map(_) => {
                let json = value.to_json();
                self.secret_texts(variables).any(|secret| json == secret)
            }
            _ => false,
        }
    }

    /// `text` with every value a secure variable holds or held replaced by [`MASK`].
    pub fn mask_text(&self, text: &str, variables: &[Value]) -> String {
        let mut masked = text.to_owned();
        // Longest first: a secret that contains another (`43219` and `4321`) is masked whole.
        let mut secrets: Vec<String> = self.secret_texts(variables).collect();
        secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        for secret in secrets {
            masked = masked.replace(&*secret, MASK);
        }
        masked
    }

    /// Keep, after the flow's variables in `slots`, each value a secure variable holds now that is not
    /// kept yet: once a secure variable changes, its earlier value must still be masked wherever a
    /// block copied it. Called after every block of a flow that has secure variables.
    pub fn remember(&self, slots: &mut Vec<Value>) {
        for &slot in &self.slots {
            let Some(Value::String(now)) = slots.get(slot) else {
                continue;
            };
            let known =
                |value: &Value| matches!(value, Value::String(s) if Text::same(s, now) || s == now);
            if now.is_empty() || slots[self.variables.min(slots.len())..].iter().any(known) {
                continue;
            }
            let now = Value::String(now.clone());
            slots.push(now);
        }
    }

    /// The values of the secure variables, now and remembered, as text (empty ones are no secret).
    fn secret_texts<'v>(&'v self, variables: &'v [Value]) -> impl Iterator<Item = String> + 'v {
        let remembered = variables.get(self.variables..).unwrap_or_default();
        self.slots
            .iter()
            .filter_map(|&slot| variables.get(slot))
            .chain(remembered)
            .filter_map(|value| match value {
                Value::String(s) => Some(s.to_string()),
                Value::Number(_) => value.to_js_string(),
                _ => None,
            })
            .filter(|text| !text.is_empty())
    }
}
