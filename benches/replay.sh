#!/usr/bin/env bash
# Whole-process replay benchmarks (SPEC §7), with same-run baselines:
#   throughput: the sample flow on `routeflow gen --workitems N --agents M --seed 1`, against the same
#               workitems through an empty flow (read, parse, one task each, write: everything but the
#               blocks and the routing);
#   memory:     the same N workitems all arriving at t=0 while every agent is ready only from t=60 s, so
#               that all N wait at once; peak RSS per workitem, against the throughput run's peak.
# Usage: benches/replay.sh [N] [M]      (defaults: 1000000 2000). Needs python3 and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
M=${2:-2000}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cargo build --release --quiet
BIN=target/release/routeflow
$BIN gen --workitems "$N" --agents "$M" --seed 1 --dir "$DIR" >/dev/null
printf 'application: empty\nphases: { initialize: [], assisted_service: [] }\n' > "$DIR/empty.yaml"

run() { # label, flow, center, workitems
  /usr/bin/time -f "%e %U %S %M" -o "$DIR/time" \
    $BIN replay "$2" --center "$3" --workitems "$4" --out "$DIR/out.jsonl" 2>/dev/null
  read -r wall user sys rss < "$DIR/time"
  cpu=$(python3 -c "print($user + $sys)")
  printf '%-34s wall %6.2f s  cpu %6.2f s  %9.0f workitems/s (cpu)  peak RSS %5.0f MB  %5.0f B/workitem\n' \
    "$1" "$wall" "$cpu" "$(python3 -c "print($N / $cpu)")" "$(python3 -c "print($rss / 1024)")" \
    "$(python3 -c "print($rss * 1024 / $N)")"
}

echo "replay of $N workitems, $M agents ($(nproc) cores; $(uptime | sed 's/.*load/load/'))"
run "sample flow (gen workload)" flows/gtr_sample.yaml "$DIR/center.yaml" "$DIR/workitems.jsonl"
run "baseline: empty flow" "$DIR/empty.yaml" "$DIR/center.yaml" "$DIR/workitems.jsonl"

python3 - "$DIR" <<'PY'
import re, sys
d = sys.argv[1]
with open(f"{d}/workitems.jsonl") as src, open(f"{d}/waiting.jsonl", "w") as dst:
    for line in src:
        dst.write(re.sub(r'"arrive_s":[0-9.e+-]+', '"arrive_s":0', line, count=1)
                  .replace(',"stop_s":', ',"_stop_s":'))
with open(f"{d}/center.yaml") as src, open(f"{d}/waiting_center.yaml", "w") as dst:
    for line in src:
        line = re.sub(r'ready: \[\[.*?\]\]', 'ready: [[60, 86400]]', line)
        if line.lstrip().startswith("- id:") and "ready:" not in line and "{" in line:
            line = line.replace("{ id:", "{ ready: [[60, 86400]], id:", 1)
        dst.write(line)
PY
run "memory: all waiting at t=0" flows/gtr_sample.yaml "$DIR/waiting_center.yaml" "$DIR/waiting.jsonl"
