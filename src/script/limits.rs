//! The sandbox's limits: how much one script run may do before it is stopped with an error.

/// Limits on one run of a script (a `script` block or a custom block), set per flow under
/// `script_limits:`. Every limit is counted, not timed, so a replay stays deterministic: the same
/// workitem hits the same limit at the same place on every run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScriptLimits {
    /// rhai operations per run (an endless loop stops here).
    pub operations: u64,
    /// Nested function calls (a runaway recursion stops here).
    pub call_depth: usize,
    /// Nesting of expressions and statements, when a script is compiled.
    pub expression_depth: usize,
    /// Bytes in one string.
    pub string_size: usize,
    /// Items in one array.
    pub array_size: usize,
    /// Entries in one object map.
    pub map_size: usize,
}

/// The deepest call nesting a flow may allow: each rhai call level takes native stack, and deeper
/// recursion could overflow a 2 MiB thread stack (measured in a debug build at 128 levels).
pub const MAX_CALL_DEPTH: usize = 64;

/// The deepest expression nesting a flow may allow (the parser recurses per level as well).
pub const MAX_EXPRESSION_DEPTH: usize = 128;

impl Default for ScriptLimits {
    /// Safe defaults: generous for routing logic (a few hundred operations is typical), small enough
    /// that a runaway script costs milliseconds, not the replay.
    fn default() -> ScriptLimits {
        ScriptLimits {
            operations: 100_000,
            call_depth: 32,
            expression_depth: 64,
            string_size: 64 * 1024,
            array_size: 10_000,
            map_size: 10_000,
        }
    }
}

impl ScriptLimits {
    /// The name of each limit in the flow file, with its default and the most a flow may set.
    pub const KEYS: [(&'static str, &'static str); 6] = [
        ("operations", "rhai operations per run"),
        ("call_depth", "nested function calls"),
        ("expression_depth", "nesting of expressions"),
        ("string_size", "bytes in a string"),
        ("array_size", "items in an array"),
        ("map_size", "entries in an object map"),
    ];

    /// The highest value `key` may take, if it is capped.
    pub fn cap(key: &str) -> Option<u64> {
        match key {
            "call_depth" => Some(MAX_CALL_DEPTH as u64),
            "expression_depth" => Some(MAX_EXPRESSION_DEPTH as u64),
            _ => None,
        }
    }

    /// Set the limit named `key` (one of [`ScriptLimits::KEYS`]); false if there is no such limit.
    pub fn set(&mut self, key: &str, value: u64) -> bool {
        let size = usize::try_from(value).unwrap_or(usize::MAX);
        match key {
            "operations" => self.operations = value,
            "call_depth" => self.call_depth = size,
            "expression_depth" => self.expression_depth = size,
            "string_size" => self.string_size = size,
            "array_size" => self.array_size = size,
            "map_size" => self.map_size = size,
            _ => return false,
        }
        true
    }
}
