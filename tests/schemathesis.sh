#!/usr/bin/env bash
# Fuzz `routeflow serve` from its own OpenAPI document with schemathesis (SPEC §9.6): every operation
# of /openapi.json gets generated requests, valid and invalid, one at a time and in sequences (the
# stateful phase follows the links it infers: create a workitem, then read, patch, stop it...), and
# every reply is checked (all of schemathesis's checks, tests/schemathesis.toml): no 5xx, a status,
# content type, headers and body the document declares, invalid data refused, valid data accepted,
# auth enforced, response time. One pass per role, on one server: admin, then integration.
#
#   bash tests/schemathesis.sh                                   # ~2 minutes on 2 cores, once built
#   ROUTEFLOW_FUZZ_EXAMPLES=150 ROUTEFLOW_FUZZ_SEED=7 bash tests/schemathesis.sh   # deeper, ~4 minutes
#   ROUTEFLOW_FUZZ_ROLES="admin integration viewer agent:alice" bash tests/schemathesis.sh
#
# The server runs on the shipped sample with a test clock, on a free loopback port, from a debug build;
# schemathesis is installed, pinned, in a venv under target/ (reused when present). Runs are
# reproducible: a fixed seed, one worker, no example database. Exit 1 if schemathesis finds anything
# or the server dies. Its reports (JUnit, and NDJSON of the run) are left in target/schemathesis/;
# `schemathesis replay` needs a run's cassette, see `schemathesis run --help` (--report vcr).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES=${ROUTEFLOW_FUZZ_EXAMPLES:-50}
SEED=${ROUTEFLOW_FUZZ_SEED:-20240615}
read -r -a ROLES <<<"${ROUTEFLOW_FUZZ_ROLES:-admin integration}"
VENV=target/schemathesis-venv
REPORTS=target/schemathesis

step() { printf '\n== %s\n' "$*" >&2; }

step "build routeflow (debug)"
cargo build --quiet
ROUTEFLOW=target/debug/routeflow

step "schemathesis $SCHEMATHESIS_VERSION in $VENV"
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -qF "version $SCHEMATHESIS_VERSION"; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
"$VENV/bin/schemathesis" --version

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# A token per role: the first line of `routeflow token` is the token, the second its tokens-file line.
declare -A TOKEN
for role in "${ROLES[@]}"; do
  out=$("$ROUTEFLOW" token --role "$role" 2>/dev/null)
  TOKEN[$role]=$(sed -n 1p <<<"$out")
  sed -n 2p <<<"$out" >>"$WORK/tokens.yaml"
done

step "start routeflow serve (test clock)"
"$ROUTEFLOW" serve --flow flows/gtr_sample.yaml --center flows/center.yaml --clock test \
  --listen 127.0.0.1:0 --tokens "$WORK/tokens.yaml" --data "$WORK/data" 2>"$WORK/stderr" &
SERVER_PID=$!
BASE=
for _ in $(seq 600); do
  BASE=$(sed -n 's|^routeflow: listening on \(http://.*\)$|\1|p' "$WORK/stderr")
  [[ -n "$BASE" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$BASE" ]]; then
  echo "routeflow serve did not start:" >&2
  cat "$WORK/stderr" >&2
  exit 1
fi
echo "serving at $BASE" >&2

mkdir -p "$REPORTS"
status=0 passed=0 failed=0
for role in "${ROLES[@]}"; do
  name=${role//:/-}
  step "schemathesis as $role: $EXAMPLES examples per operation, seed $SEED"
  # One worker: reproducible, and hypothesis's lambda descriptions race in CPython 3.11's ast.parse
  # with several threads ("AST constructor recursion depth mismatch").
  "$VENV/bin/schemathesis" --config-file tests/schemathesis.toml run "$BASE/openapi.json" \
    --header "Authorization: Bearer ${TOKEN[$role]}" \
    --max-examples "$EXAMPLES" \
    --seed "$SEED" \
    --generation-database none \
    --workers 1 \
    --request-timeout 10 \
    --no-color \
    --report junit,ndjson \
    --report-junit-path "$REPORTS/$name.junit.xml" \
    --report-ndjson-path "$REPORTS/$name.ndjson" \
    && passed=$((passed + 1)) || { failed=$((failed + 1)); status=1; }
done

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "routeflow serve died during the run:" >&2
  cat "$WORK/stderr" >&2
  status=1
fi
if grep -q "panicked" "$WORK/stderr"; then
  echo "routeflow serve panicked during the run:" >&2
  grep -A5 "panicked" "$WORK/stderr" >&2
  status=1
fi
# One line a CI log reader counts: a pass per role.
echo "schemathesis: $passed passed, $failed failed"
exit "$status"
