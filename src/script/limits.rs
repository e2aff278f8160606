//! The sandbox's limits: how much one script call may do before it is stopped with an error.

/// Limits on one call of a script (a `script` block or a custom block), set per flow under
/// `script_limits:`. Every limit but `time_ms` is counted, not timed, so a replay stays
/// deterministic: the same workitem hits the same limit at the same place on every run. `time_ms` is
/// a wall-clock ceiling behind the counted ones, for what counting cannot price (see
/// docs/extensions.md, "What a script call costs").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScriptLimits {
    /// rhai operations per call, native functions charged in proportion to the data they go through
    /// (an endless loop stops here).
    pub operations: u64,
    /// Nested function calls (a runaway recursion stops here).
    pub call_depth: usize,
    /// Nesting of expressions and statements, when a script is compiled.
    pub expression_depth: usize,
    /// Bytes of text in one value.
    pub string_size: usize,
    /// Items in one value's arrays.
    pub array_size: usize,
    /// Entries in one value's object maps.
    pub map_size: usize,
    /// Bytes of data a call may hold in its variables beyond what it was given.
    pub memory: usize,
    /// Wall-clock milliseconds per call: a ceiling behind `operations`.
    pub time_ms: u64,
    /// Bytes of log messages (`log`, `print`, `debug`) a workitem's trace keeps, over all its calls.
    pub log_size: usize,
    /// User-data keys a call may add.
    pub userdata_keys: usize,
    /// Bytes of user data (keys and values) a call may add or change.
    pub userdata_size: usize,
}

/// The deepest call nesting a flow may allow: each rhai call level takes native stack, and deeper
/// recursion could overflow a 2 MiB thread stack (measured in a debug build at 128 levels).
pub const MAX_CALL_DEPTH: usize = 64;

/// The deepest expression nesting a flow may allow (the parser recurses per level as well).
pub const MAX_EXPRESSION_DEPTH: usize = 128;

/// The deepest a value a script builds may nest (arrays and maps in one another): as deep as a JSON
/// input may (serde_json's limit), so that every value converts back without deep recursion.
pub const MAX_NESTING: usize = 128;

/// The default wall-clock ceiling of a call, in ms. A debug build (the test suites) runs rhai some
/// twenty times slower and shares a loaded machine, so it gets sixty times the ceiling: the counted limits, not the machine,
/// then decide the outcomes that the tests check, as they do in a release build.
pub const DEFAULT_TIME_MS: u64 = if cfg!(debug_assertions) {
    60_000
} else {
    1_000
};

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
            memory: 16 * 1024 * 1024,
            time_ms: DEFAULT_TIME_MS,
            log_size: 64 * 1024,
            userdata_keys: 64,
            userdata_size: 64 * 1024,
        }
    }
}

impl ScriptLimits {
    /// The name of each limit in the flow file, with what it bounds.
    pub const KEYS: [(&'static str, &'static str); 11] = [
        ("operations", "rhai operations per call"),
        ("call_depth", "nested function calls"),
        ("expression_depth", "nesting of expressions"),
        ("string_size", "bytes of text in a value"),
        ("array_size", "items in a value's arrays"),
        ("map_size", "entries in a value's maps"),
        ("memory", "bytes a call may hold"),
        ("time_ms", "wall-clock milliseconds per call"),
        ("log_size", "bytes of log messages per workitem"),
        ("userdata_keys", "user-data keys a call may add"),
        ("userdata_size", "bytes of user data a call may write"),
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
            "memory" => self.memory = size,
            "time_ms" => self.time_ms = value,
            "log_size" => self.log_size = size,
            "userdata_keys" => self.userdata_keys = size,
            "userdata_size" => self.userdata_size = size,
            _ => return false,
        }
        true
    }
}
