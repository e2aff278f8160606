//! What one script call may still spend, beyond what rhai counts itself.
//!
//! rhai counts one operation per statement, expression and function call, whatever a native
//! function does with its arguments. Natives whose work grows with their input are charged here in
//! proportion ([`charge`]), and [`progress`] (rhai's `on_progress`, called at every operation) stops
//! the call once its operations and its charges together pass the limit, or once its wall-clock
//! ceiling has passed. The data a call holds in its variables is measured every so often as it reads
//! them ([`scan`], from rhai's `on_var`), so that memory is bounded per call, not only per value:
//! each function a call is inside (rhai gives a function a scope of its own) is counted at its last
//! measurement, and the call is stopped when all of them together pass the limit.
//!
//! A call is synchronous (it never awaits), so its counters live in a thread-local that
//! [`Call::start`] sets up around one call.

use super::limits::{MAX_NESTING, ScriptLimits};
use rhai::{Dynamic, EvalAltResult, Position, Scope};
use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

/// Why a call was stopped by its budget (carried in rhai's `ErrorTerminated`, which a script's
/// `try … catch` cannot catch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Operations and charges together passed `operations`.
    Operations,
    /// The call ran past `time_ms` of wall-clock time (the limit).
    Time(u64),
    /// The call's variables held more than `memory` bytes beyond what it was given (the limit).
    Memory(usize),
    /// A value nested deeper than [`MAX_NESTING`].
    Nesting,
}

/// The counters of the call running on this thread.
struct Counters {
    /// Operations rhai counted so far (as last told to [`progress`]).
    operations: Cell<u64>,
    /// Operations charged by native functions.
    charged: Cell<u64>,
    /// When the call started (`None`: no call is running, nothing is checked).
    started: Cell<Option<Instant>>,
    /// Variable reads so far, and at how many the next scan is due.
    reads: Cell<u64>,
    next_scan: Cell<u64>,
    /// The size of what the call was given, measured at its first scan (`usize::MAX` before).
    given: Cell<usize>,
    /// The most the call held at a scan, beyond what it was given.
    peak: Cell<usize>,
    /// What each function the call is inside held at its last scan, by call level (the script's
    /// statements are level 0): the levels below the one scanned are still running.
    frames: RefCell<Vec<usize>>,
}

thread_local! {
    static COUNTERS: Counters = const {
        Counters {
            operations: Cell::new(0),
            charged: Cell::new(0),
            started: Cell::new(None),
            reads: Cell::new(0),
            next_scan: Cell::new(0),
            given: Cell::new(0),
            peak: Cell::new(0),
            frames: RefCell::new(Vec::new()),
        }
    };
}

/// How often the wall clock is read: every this many operations (a power of two).
const CLOCK_EVERY: u64 = 64;

/// The fewest variable reads between two scans of a call's variables.
const SCAN_EVERY: u64 = 32;

/// One script call's budget, set up on this thread for as long as it lives.
pub struct Call {
    outer: (u64, u64, Option<Instant>, u64, u64, usize, usize),
    outer_frames: Vec<usize>,
}

impl Call {
    /// Start counting a call. What it was given (its scope's values) is measured at its first scan:
    /// most calls read fewer than [`SCAN_EVERY`] variables and are never measured.
    pub fn start() -> Call {
        let given = usize::MAX;
        COUNTERS.with(|c| {
            let outer = (
                c.operations.replace(0),
                c.charged.replace(0),
                c.started.replace(Some(Instant::now())),
                c.reads.replace(0),
                c.next_scan.replace(SCAN_EVERY),
                c.given.replace(given),
                c.peak.replace(0),
            );
            let outer_frames = c.frames.replace(Vec::new());
            Call {
                outer,
                outer_frames,
            }
        })
    }

    /// The most the call held at a scan beyond what it was given, in bytes.
    pub fn peak(&self) -> usize {
        COUNTERS.with(|c| c.peak.get())
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        let (operations, charged, started, reads, next_scan, given, peak) = self.outer;
        COUNTERS.with(|c| {
            c.operations.set(operations);
            c.charged.set(charged);
            c.started.set(started);
            c.reads.set(reads);
            c.next_scan.set(next_scan);
            c.given.set(given);
            c.peak.set(peak);
            c.frames.replace(std::mem::take(&mut self.outer_frames));
        });
    }
}

/// rhai's `on_progress`: stop the call when its operations and charges pass the limit, or when it has
/// run past its wall-clock ceiling.
pub fn progress(operations: u64, limits: &ScriptLimits) -> Option<Dynamic> {
    COUNTERS.with(|c| {
        c.operations.set(operations);
        let started = c.started.get()?;
        if operations.saturating_add(c.charged.get()) > limits.operations {
            return Some(Dynamic::from(Stop::Operations));
        }
        (operations.is_multiple_of(CLOCK_EVERY) && late(started, limits.time_ms))
            .then(|| Dynamic::from(Stop::Time(limits.time_ms)))
    })
}

fn late(started: Instant, time_ms: u64) -> bool {
    started.elapsed() > Duration::from_millis(time_ms)
}

/// Charge the running call `units` operations for work a native function does (one per item it
/// goes through, one per 64 bytes it reads or writes); an error once the call has spent its
/// operations, before the work is done. `limit` is the engine's operations limit.
pub fn charge(units: usize, limit: u64) -> Result<(), Box<EvalAltResult>> {
    COUNTERS.with(|c| {
        if c.started.get().is_none() {
            return Ok(());
        }
        let charged = c.charged.get().saturating_add(units as u64);
        c.charged.set(charged);
        if c.operations.get().saturating_add(charged) > limit {
            return Err(stop(Stop::Operations));
        }
        Ok(())
    })
}

/// The error that stops a call for `why` (uncatchable by the script).
pub fn stop(why: Stop) -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated(Dynamic::from(why), Position::NONE).into()
}

/// rhai's `on_var`, at every variable read at call level `level` (in `scope`, that level's
/// variables): now and then, measure what the scope holds, and stop the call when what every level
/// held at its last measurement passes `limits.memory` (beyond what the call was given), or when a
/// value nests past [`MAX_NESTING`].
///
/// A scan costs a visit per item held, so scans are spaced by the size last measured: at least
/// [`SCAN_EVERY`] reads apart, and at least an eighth as many reads as items last visited (at most 8
/// visits per read on average). Between two scans a call can grow by what those reads' statements
/// build: a value each at most, within the size limits.
pub fn scan(scope: &Scope, level: usize, limits: &ScriptLimits) -> Result<(), Box<EvalAltResult>> {
    COUNTERS.with(|c| {
        let reads = c.reads.get() + 1;
        c.reads.set(reads);
        if reads < c.next_scan.get() || c.started.get().is_none() {
            return Ok(());
        }
        let mut held = Measure::default();
        for (_, _, value) in scope.iter_raw() {
            held.add(measure(value));
        }
        let held_in_all = {
            let mut frames = c.frames.borrow_mut();
            // Deeper levels have returned: what they held is gone.
            frames.resize(level + 1, 0);
            frames[level] = held.bytes;
            frames
                .iter()
                .fold(0usize, |all, bytes| all.saturating_add(*bytes))
        };
        if c.given.get() == usize::MAX {
            // The first scan: what the call holds now is what it was given, give or take what its
            // first reads built (a few values, within the size limits).
            c.given.set(held_in_all);
        }
        c.next_scan
            .set(reads + SCAN_EVERY.max(held.visited as u64 / 8));
        if held.depth > MAX_NESTING {
            return Err(stop(Stop::Nesting));
        }
        let beyond = held_in_all.saturating_sub(c.given.get());
        c.peak.set(c.peak.get().max(beyond));
        if beyond > limits.memory {
            return Err(stop(Stop::Memory(limits.memory)));
        }
        Ok(())
    })
}

/// What a value holds, as a scan counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Measure {
    /// Bytes: text (map keys included), 16 per array item, 64 per map entry, 32 per curried argument.
    pub bytes: usize,
    /// The deepest nesting of arrays, maps and function pointers' curried arguments (a scalar is 0).
    pub depth: usize,
    /// Values visited to measure it.
    pub visited: usize,
}

impl Measure {
    fn add(&mut self, other: Measure) {
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.depth = self.depth.max(other.depth);
        self.visited = self.visited.saturating_add(other.visited);
    }
}

/// Measure `value`, stopping early once it nests deeper than [`MAX_NESTING`] (the caller refuses it
/// then), so that the recursion stays shallow however deep the value.
pub fn measure(value: &Dynamic) -> Measure {
    let mut measure = Measure::default();
    visit(value, 0, &mut measure);
    measure
}

fn visit(value: &Dynamic, depth: usize, measure: &mut Measure) {
    measure.visited += 1;
    measure.depth = measure.depth.max(depth);
    if depth > MAX_NESTING {
        return;
    }
    if let Ok(text) = value.as_immutable_string_ref() {
        measure.bytes += text.len();
    } else if let Some(array) = value.read_lock::<rhai::Array>() {
        measure.bytes += 16 * array.len();
        for item in array.iter() {
            visit(item, depth + 1, measure);
        }
    } else if let Some(map) = value.read_lock::<rhai::Map>() {
        for (key, item) in map.iter() {
            measure.bytes += 64 + key.len();
            visit(item, depth + 1, measure);
        }
    } else if let Some(pointer) = value.read_lock::<rhai::FnPtr>() {
        measure.bytes += pointer.fn_name().len();
        for item in pointer.iter_curry() {
            measure.bytes += 32;
            visit(item, depth + 1, measure);
        }
    } else if let Some(blob) = value.read_lock::<rhai::Blob>() {
        measure.bytes += blob.len();
    }
}
