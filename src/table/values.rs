//! The distinct cell values of a table, stored once each in one string.
//!
//! Routing tables repeat few values many times (segments, groups, skill expressions), so each distinct
//! value is stored once and a cell is the 8-byte position of its value: a 100,000-row table costs a few
//! megabytes and a handful of allocations, not one allocation per cell, and reading a cell is one step.

use std::borrow::Cow;
use std::collections::HashMap;

/// Where a value is in [`Values`]; equal values have equal positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Value {
    start: u32,
    end: u32,
    /// The value's rank among the distinct values (its index in [`Values::shared`]).
    id: u32,
}

/// The distinct values of a table.
#[derive(Clone, Debug, Default)]
pub(super) struct Values {
    text: Box<str>,
    /// Each distinct value as a shared string, so that a lookup hands a cell to a flow variable without
    /// copying it.
    shared: Box<[crate::expr::Text]>,
}

impl Values {
    /// The text of `value`.
    pub fn get(&self, value: Value) -> &str {
        &self.text[value.start as usize..value.end as usize]
    }

    /// `value` as a shared string.
    pub fn shared(&self, value: Value) -> &crate::expr::Text {
        &self.shared[value.id as usize]
    }

    /// Number of distinct values.
    pub fn len(&self) -> usize {
        self.shared.len()
    }
}

/// Builds [`Values`], giving equal values the same position.
#[derive(Default)]
pub(super) struct Interner<'a> {
    positions: HashMap<Cow<'a, str>, Value>,
    text: String,
}

impl<'a> Interner<'a> {
    /// The position of `value`, adding it if it is new. The caller keeps the total text under 4 GiB.
    pub fn intern(&mut self, value: Cow<'a, str>) -> Value {
        if let Some(&position) = self.positions.get(value.as_ref()) {
            return position;
        }
        let start = self.text.len() as u32;
        self.text.push_str(&value);
        let position = Value {
            start,
            end: self.text.len() as u32,
            id: self.positions.len() as u32,
        };
        self.positions.insert(value, position);
        position
    }

    /// The values interned so far.
    pub fn finish(self) -> Values {
        let mut shared = vec![crate::expr::Text::empty(); self.positions.len()];
        for (value, position) in &self.positions {
            shared[position.id as usize] = crate::expr::Text::new(value);
        }
        Values {
            text: self.text.into_boxed_str(),
            shared: shared.into_boxed_slice(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_a_position() {
        let mut interner = Interner::default();
        let cells: Vec<Value> = ["gold", "", "gold", "é"]
            .into_iter()
            .map(|v| interner.intern(Cow::Borrowed(v)))
            .collect();
        assert_eq!(cells[0], cells[2]);
        assert_ne!(cells[0], cells[1]);
        let values = interner.finish();
        assert_eq!(values.len(), 3);
        let texts: Vec<&str> = cells.iter().map(|&cell| values.get(cell)).collect();
        assert_eq!(texts, ["gold", "", "gold", "é"]);
    }
}
