#!/usr/bin/env bash
# What counting coverage costs a replay (docs/coverage.md): whole-process `routeflow replay` of the sample
# flow on `routeflow gen --workitems N --agents M --seed 1`, by a build without coverage (BEFORE) and one
# with it (AFTER, also run with --summary and --coverage), alternating in one run; the least CPU time of
# each counts (shared machines only ever add time). The outcome files must be byte-identical.
# Usage: BEFORE=path/to/old/routeflow AFTER=path/to/new/routeflow benches/coverage_cost.sh [N] [M]
# (defaults: 1000000 2000; RUNS=K alternations, default 3). Needs python3 and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
M=${2:-2000}
RUNS=${RUNS:-3}
: "${BEFORE:?set BEFORE to the routeflow binary without coverage}"
: "${AFTER:?set AFTER to the routeflow binary with coverage}"
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$AFTER" gen --workitems "$N" --agents "$M" --seed 1 --dir "$DIR" >/dev/null

run() { # label, binary, extra arguments...; leaves the CPU time in $DIR/cpu.<label>
  local label=$1 bin=$2
  shift 2
  /usr/bin/time -f "%e %U %S %M" -o "$DIR/time" "$bin" replay flows/gtr_sample.yaml \
    --center "$DIR/center.yaml" --workitems "$DIR/workitems.jsonl" --out "$DIR/out.$label.jsonl" "$@" 2>/dev/null
  read -r wall user sys rss < "$DIR/time"
  cpu=$(python3 -c "print($user + $sys)")
  echo "$cpu" >> "$DIR/cpu.$label"
  printf '%-10s wall %6.2f s  cpu %6.2f s  %9.0f workitems/s (cpu)  peak RSS %5.0f MB\n' \
    "$label" "$wall" "$cpu" "$(python3 -c "print($N / $cpu)")" "$(python3 -c "print($rss / 1024)")"
}

echo "replay of $N workitems, $M agents ($(nproc) cores; $(uptime | sed 's/.*load/load/'))"
for _ in $(seq "$RUNS"); do
  run before "$BEFORE"
  run after "$AFTER"
  run page "$AFTER" --summary "$DIR/summary.json" --coverage "$DIR/coverage.html"
done
cmp "$DIR/out.before.jsonl" "$DIR/out.after.jsonl"
cmp "$DIR/out.before.jsonl" "$DIR/out.page.jsonl"
echo "outcomes byte-identical"
python3 - "$DIR" <<'PY'
import sys
d = sys.argv[1]
least = {k: min(float(x) for x in open(f"{d}/cpu.{k}")) for k in ("before", "after", "page")}
print(f"least CPU time: before {least['before']:.2f} s, after {least['after']:.2f} s "
      f"({least['after'] / least['before']:.3f}x), after with --summary --coverage {least['page']:.2f} s "
      f"({least['page'] / least['before']:.3f}x)")
PY
