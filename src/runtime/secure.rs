//! Secure variables (SPEC §3.1): their values never appear in traces, logs or outcome files.

use crate::expr::Value;
use crate::flow::Flow;
use crate::graph::BlockKind;
use std::sync::Arc;

/// What replaces a secure value wherever it would be shown.
pub const MASK: &str = "****";

/// The secure variables of a flow, and the user-data keys they are read from: worked out once per flow.
#[derive(Debug, Default)]
pub struct Secrets {
    slots: Vec<usize>,
    keys: Vec<Arc<str>>,
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
        Secrets { slots, keys }
    }

    /// Whether the flow has nothing to hide.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Whether a user-data entry must be masked: its key is read into a secure variable, or its value is
    /// a secure variable's current value (written to user data by a block, or copied under another key).
    pub fn hides(&self, key: &str, value: &Value, variables: &[Value]) -> bool {
        if self.is_empty() {
            return false;
        }
        self.keys.iter().any(|k| **k == *key)
            || self
                .secret_texts(variables)
                .any(|secret| value.as_str().is_some_and(|v| v == secret))
    }

    /// `text` with every secure variable's current value replaced by [`MASK`].
    pub fn mask_text(&self, text: &str, variables: &[Value]) -> String {
        let mut masked = text.to_owned();
        for secret in self.secret_texts(variables) {
            masked = masked.replace(&*secret, MASK);
        }
        masked
    }

    /// The current values of the secure variables, as text (empty ones are no secret).
    fn secret_texts<'v>(&'v self, variables: &'v [Value]) -> impl Iterator<Item = String> + 'v {
        self.slots
            .iter()
            .filter_map(|&slot| variables.get(slot))
            .filter_map(|value| match value {
                Value::String(s) => Some(s.to_string()),
                Value::Number(_) => value.to_js_string(),
                _ => None,
            })
            .filter(|text| !text.is_empty())
    }
}
