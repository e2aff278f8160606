#!/usr/bin/env bash
# Whole-process replay benchmarks (SPEC §7), with same-run baselines:
#   throughput: the sample flow on `routeflow gen --workitems N --agents M --seed 1`, against the same
#               workitems through an empty flow (read, parse, one task each, write: everything but the
#               blocks and the routing);
#   memory:     the same N workitems all arriving at t=0 while every agent is ready only from t=60 s, so
#               that all N wait at once; peak RSS per workitem, against the throughput run's peak.
# Usage: benches/replay.sh [N] [M]      (defaults: 1000000 2000). Needs python3 and GNU time.
# RUNS=K (default 3): the throughput runs alternate K times, and the least CPU time of each counts (the
# machines are shared: other processes only ever add CPU time, through caches and descheduling).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
M=${2:-2000}
RUNS=${RUNS:-3}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cargo build --release --quiet
BIN=target/release/routeflow
$BIN gen --workitems "$N" --agents "$M" --seed 1 --dir "$DIR" >/dev/null
printf 'application: empty\nphases: { initialize: [], assisted_service: [] }\n' > "$DIR/empty.yaml"

run() { # label, flow, center, workitems; prints one line, and leaves the CPU time in $DIR/cpu.<label>
  /usr/bin/time -f "%e %U %S %M" -o "$DIR/time" \
    $BIN replay "$2" --center "$3" --workitems "$4" --out "$DIR/out.jsonl" 2>/dev/null
  read -r wall user sys rss < "$DIR/time"
  cpu=$(python3 -c "print($user + $sys)")
  echo "$cpu" >> "$DIR/cpu.${1%% *}"
  printf '%-34s wall %6.2f s  cpu %6.2f s  %9.0f workitems/s (cpu)  peak RSS %5.0f MB  %5.0f B/workitem\n' \
    "$1" "$wall" "$cpu" "$(python3 -c "print($N / $cpu)")" "$(python3 -c "print($rss / 1024)")" \
    "$(python3 -c "print($rss * 1024 / $N)")"
}

echo "replay of $N workitems, $M agents ($(nproc) cores; $(uptime | sed 's/.*load/load/'))"
for _ in $(seq "$RUNS"); do
  run "sample flow (gen workload)" flows/gtr_sample.yaml "$DIR/center.yaml" "$DIR/workitems.jsonl"
  run "baseline: empty flow" "$DIR/empty.yaml" "$DIR/center.yaml" "$DIR/workitems.jsonl"
done
python3 - "$DIR" "$N" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
least = {k: min(float(x) for x in open(f"{d}/cpu.{k}")) for k in ("sample", "baseline:")}
print(f"least CPU time: sample flow {least['sample']:.2f} s = {n / least['sample']:,.0f} workitems/s; "
      f"empty flow {least['baseline:']:.2f} s = {n / least['baseline:']:,.0f} workitems/s; "
      f"the flow costs {least['sample'] / least['baseline:']:.2f}x the baseline")
PY

python3 - "$DIR" <<'PY'
import re, sys
d = sys.argv[1]
with open(f"{d}/workitems.jsonl") as src, open(f"{d}/waiting.jsonl", "w") as dst:
    for line in src:
        dst.write(re.sub(r'"arrive_s":[0-9.e+-]+', '"arrive_s":0', line, count=1)
                  .replace(',"stop_s":', ',"_stop_s":'))
# Every agent ready only from t = 60 s: an agent's own `ready:` line is dropped, and one is added under
# its `- id:` line (`routeflow gen` writes agents in block style).
with open(f"{d}/center.yaml") as src, open(f"{d}/waiting_center.yaml", "w") as dst:
    for line in src:
        if line.lstrip().startswith("ready:"):
            continue
        dst.write(line)
        if line.lstrip().startswith("- id:"):
            dst.write(" " * (line.index("-") + 2) + "ready: [[60, 86400]]\n")
PY
run "memory: all waiting at t=0" flows/gtr_sample.yaml "$DIR/waiting_center.yaml" "$DIR/waiting.jsonl"
