#!/usr/bin/env bash
# The long crash test of routeflow serve (issue 16, SPEC §9.5): tests/serve_crash.rs with KILLS kill -9s
# at random instants under a mixed load (default 200), in a release build; every 2xx reply checked
# against the state after each restart. Prints the test's summary line and how long it took; exits 1
# when the test fails.
# Usage: benches/crash.sh [KILLS]
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS=${1:-200}
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
cargo build --release --quiet --tests
start=$(date +%s)
status=0
ROUTEFLOW_CRASHES="$KILLS" cargo nextest run --release --test serve_crash --success-output final \
  > "$LOG" 2>&1 || status=$?
grep -E "crash test:|panicked|FAIL" "$LOG" || true
echo "kills: $KILLS, seconds: $(( $(date +%s) - start )), exit: $status"
exit "$status"
