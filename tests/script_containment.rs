//! A script can never take the runtime down (issue 14): for each way an adversarial script found
//! to abort the process, overflow its stack, panic, run unbounded or hold unbounded memory, a replay
//! where some workitems take that way ends each of them with an `error` outcome naming the place,
//! gives every other workitem exactly the outcome of a replay without them, and stays under a bound
//! of peak memory, read from `/proc/<pid>/status` (VmHWM) while the `routeflow` binary runs.
//!
//! The flow is `tests/scripts_support/containment/flow.yaml`: one inline script block whose user
//! data `mode` picks the bomb, a script file block and a custom block type for errors rhai gives no
//! line for.

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DIR: &str = "tests/scripts_support/containment";

/// Peak resident memory a replay of these flows may reach, in KiB: the failures it guards against
/// reached gigabytes; a healthy debug binary stays near 40 MiB.
const PEAK_KIB: u64 = 160 * 1024;

/// Longest a replay may take (a debug build on a shared machine).
const TIMEOUT: Duration = Duration::from_secs(120);

/// A replay's outcome lines by workitem id, and its peak memory in KiB.
struct Replay {
    outcomes: BTreeMap<String, Value>,
    lines: BTreeMap<String, String>,
    peak_kib: u64,
}

/// Replay `modes` (one workitem each, a healthy one before and after every bomb) with `--trace`.
fn replay(modes: &[&str]) -> Replay {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let workitems = dir.path().join("workitems.jsonl");
    let mut file = std::fs::File::create(&workitems).expect("workitems written");
    for (i, mode) in modes.iter().enumerate() {
        let id = if mode.is_empty() {
            format!("w{i}")
        } else {
            format!("w{i}-{mode}")
        };
        let line = serde_json::json!({"id": id, "arrive_s": i, "userdata": {"mode": mode}});
        writeln!(file, "{line}").expect("workitems written");
    }
    drop(file);
    let out = dir.path().join("outcomes.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_routeflow"))
        .args(["replay", &format!("{DIR}/flow.yaml"), "--center"])
        .arg(format!("{DIR}/center.yaml"))
        .arg("--workitems")
        .arg(&workitems)
        .arg("--out")
        .arg(&out)
        .arg("--trace")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("routeflow starts");
    let status_file = format!("/proc/{}/status", child.id());
    let started = Instant::now();
    let mut peak_kib = 0;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            peak_kib = peak_kib.max(high_water_mark(&status));
        }
        if peak_kib > PEAK_KIB || started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the replay of {modes:?} reached {peak_kib} KiB after {:?}: stopped",
                started.elapsed()
            );
        }
        match child.try_wait().expect("the replay can be waited for") {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    assert!(
        status.success(),
        "the replay of {modes:?} failed: {status}\n{stderr}"
    );
    let text = std::fs::read_to_string(&out).expect("outcomes written");
    let mut outcomes = BTreeMap::new();
    let mut lines = BTreeMap::new();
    for line in text.lines() {
        let outcome: Value = serde_json::from_str(line).expect("an outcome is JSON");
        let id = outcome["id"].as_str().expect("an id").to_owned();
        lines.insert(id.clone(), line.to_owned());
        outcomes.insert(id, outcome);
    }
    assert_eq!(outcomes.len(), modes.len(), "one outcome per workitem");
    Replay {
        outcomes,
        lines,
        peak_kib,
    }
}

fn high_water_mark(status: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Replay `bombs` among healthy workitems; check each bomb's error (its message contains each of
/// its `expected` parts), every healthy outcome against a replay of the healthy workitems alone,
/// every line's size, and the peak memory.
fn contained(bombs: &[(&str, &[&str])]) {
    let mut modes = vec![""];
    for (mode, _) in bombs {
        modes.push(mode);
        modes.push("");
    }
    let mixed = replay(&modes);
    let healthy = replay(&vec![""; modes.len()]);
    for (i, mode) in modes.iter().enumerate() {
        if mode.is_empty() {
            let id = format!("w{i}");
            assert_eq!(
                mixed.lines[&id], healthy.lines[&id],
                "a healthy workitem's outcome changed"
            );
        }
    }
    for (i, (mode, expected)) in bombs.iter().enumerate() {
        let id = format!("w{}-{mode}", 2 * i + 1);
        let outcome = &mixed.outcomes[&id];
        let line = &mixed.lines[&id];
        assert!(
            line.len() < 100_000,
            "{id}: a {} byte outcome line",
            line.len()
        );
        assert_eq!(outcome["outcome"], "error", "{id}: {line}");
        let message = outcome["error"].as_str().expect("an error message");
        assert!(
            message.starts_with(&format!("{DIR}/")) && message.contains(".yaml:"),
            "{id}: located in the flow: {message}"
        );
        for part in *expected {
            assert!(message.contains(part), "{id}: {part:?} in {message}");
        }
    }
    for replay in [&mixed, &healthy] {
        assert!(
            replay.peak_kib > 0 && replay.peak_kib < PEAK_KIB,
            "peak {} KiB",
            replay.peak_kib
        );
    }
}

const OPERATIONS: &str = "the script ran more than 100000 operations";

#[test]
fn nothing_a_script_does_aborts_the_process_or_overflows_its_stack() {
    contained(&[
        // rhai's own size check of `pad` wrapped around (2^51 copies of an 8,191-item array count as
        // 2^64 items: 0): a 32 PiB allocation, and the abort.
        ("pad_wrap", &[":25:", "an array grew beyond 50000 items"]),
        // A value nested 20,000 deep, written to user data, overflowed the conversion's recursion.
        ("deep", &[":27:", "a value nested more than 128 deep"]),
        // Every message of an endless `print` was kept under --trace: gigabytes.
        ("print_loop", &[":28:", OPERATIONS]),
        // 9,000 user-data keys of 60 KB each: a 585 MB outcome line.
        ("userdata_loop", &[":29:", "held more than 16777216 bytes"]),
    ]);
}

#[test]
fn nothing_a_script_does_panics() {
    contained(&[
        // `sleep` is not registered (it panicked on 1e300); `pad`'s capacity overflowed.
        ("sleep_huge", &[":30:", "Function not found: sleep (float)"]),
        (
            "pad_capacity",
            &[":26:", "an array grew beyond 50000 items"],
        ),
    ]);
}

#[test]
fn the_operations_limit_bounds_time() {
    contained(&[
        ("sleep", &[":31:", "Function not found: sleep (integer)"]),
        // One operation each, until natives were charged by the items they go through.
        ("contains", &[":32:", OPERATIONS]),
        ("debug_big", &[":33:", OPERATIONS]),
        ("log_big", &[":34:", OPERATIONS]),
    ]);
}

#[test]
fn memory_is_bounded_per_call_not_only_per_value() {
    contained(&[
        // Curried arguments and map keys grown by indexing escaped rhai's size checks.
        ("curry", &[":35:", "held more than 16777216 bytes"]),
        ("map_index", &[":36:", "held more than 16777216 bytes"]),
        // Each function frame was measured alone: 30 frames of 14 MB each held 432 MB.
        ("frames", &[":45:", "held more than 16777216 bytes"]),
    ]);
}

#[test]
fn no_single_operation_builds_far_beyond_the_limits() {
    contained(&[
        // rhai checked `replace`'s result after building it: 60,000 copies of 60,000 bytes, 3.6 GB
        // (an allocation failure, the process aborted).
        ("replace", &[":38:", "a string grew beyond 65536 bytes"]),
        (
            "replace_char",
            &[":39:", "a string grew beyond 65536 bytes"],
        ),
        // What a closure returns inside `map`, `zip`, `for_each` was gathered unchecked until the
        // native returned: 10,000 arrays of 10,000 items (1.6 GB), or of 60 KB of text (600 MB).
        ("map_build", &[":40:", "an array grew beyond 50000 items"]),
        ("map_text", &[":41:", "a string grew beyond 65536 bytes"]),
        ("zip_build", &[":42:", "an array grew beyond 50000 items"]),
        (
            "for_each_build",
            &[":43:", "an array grew beyond 50000 items"],
        ),
        (
            "object_map_build",
            &[":44:", "an array grew beyond 50000 items"],
        ),
    ]);
}

#[test]
fn a_replay_with_closures_is_byte_identical_run_to_run() {
    // rhai named each closure `anon$` and a hash seeded per process: its name, its text and the
    // error of a wrong call differed from run to run.
    let modes = ["", "closure_name", "closure_call", ""];
    let first = replay(&modes);
    let second = replay(&modes);
    assert_eq!(first.lines, second.lines);
    for line in first.lines.values() {
        for internal in ["anon$", "Fn*", "<shared>", "Data race"] {
            assert!(!line.contains(internal), "{internal} in {line}");
        }
    }
    let named = &first.outcomes["w1-closure_name"];
    assert_ne!(named["outcome"], "error", "{named}");
    let call = first.outcomes["w2-closure_call"]["error"]
        .as_str()
        .expect("an error");
    assert!(
        call.contains(":47:") && call.contains("the closure takes 2 arguments, given 1"),
        "{call}"
    );
}

#[test]
fn an_error_rhai_gives_no_line_for_is_located_at_the_block_with_its_file() {
    let file =
        format!("{DIR}/flow.yaml:51:7 (script {DIR}/scripts/unlocated.rhai): block `from_file`");
    let custom = format!("{DIR}/flow.yaml:56:7 (block type {DIR}/tagger.rhai): block `tag`");
    contained(&[
        (
            "file_output",
            &[&file, "the script's value is the number 3"],
        ),
        (
            "file_fn_pointer",
            &[&file, "left a function pointer in variable `priority`"],
        ),
        (
            "file_userdata",
            &[&file, "replaced `userdata` with the number 3"],
        ),
        (
            "type_output",
            &[
                &custom,
                "chose output `bronze`, which is not one of the block's outputs",
            ],
        ),
        ("type_range", &[&custom, "set user data `r` to a range"]),
    ]);
}

#[test]
fn what_a_script_makes_of_a_secure_variable_is_masked() {
    let mixed = replay(&["", "secret", ""]);
    let line = &mixed.lines["w1-secret"];
    assert!(
        !line.to_lowercase().contains("s3cret-token"),
        "the secret leaks: {line}"
    );
    // A script that reads a secure value may set keys the user data has, not add any: a key's name
    // is shown.
    assert_eq!(
        mixed.outcomes["w1-secret"]["userdata"]["mode"], "****",
        "{line}"
    );
}
