#!/usr/bin/env bash
# How the time of `routeflow render --format svg` grows with the flow (issue 17: our own layout, no
# cap on blocks).
#
#   bash benches/render_scaling.sh                 # 500, 1,000, 2,000, 5,000 and 10,000 blocks
#   SIZES="1000" bash benches/render_scaling.sh
#
# Whole-process runs (release build, load included), one each, wall time and peak RSS from
# /usr/bin/time. The flows repeat the shape of the sample's phases: in Initialize, Segmentations with
# two branches (one holding a nested Segmentation) and an otherwise; in Assisted Service, a cascade of
# Segmentations guarding Route blocks, every `routed` edge running to Finalize (the long edges that
# cost layout-rs most).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"500 1000 2000 5000 10000"}
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/routeflow
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

generate() { # blocks file
  python3 - "$1" "$2" <<'PY'
import sys
blocks, path = int(sys.argv[1]), sys.argv[2]
out = ["application: drawn", "variables:", "  v: {}", "phases:", "  initialize:"]
made = i = 0
half = blocks // 2
while made < half:
    out += [f"    - id: s{i}", "      type: segmentation", f"      name: Which kind of workitem {i}?",
            "      branches:",
            f"        - when: \"v == 'a{i}'\"", "          blocks:",
            f"            - {{ id: a{i}, type: assign, name: Mark it {i}, variable: v, value: \"'x'\" }}",
            f"            - id: n{i}", "              type: segmentation", "              branches:",
            f"                - when: \"v == 'x{i}'\"", "                  blocks:",
            f"                    - {{ id: l{i}, type: log, message: \"'nested {i}'\" }}",
            f"        - when: \"v == 'b{i}'\"", "          blocks:",
            f"            - {{ id: b{i}, type: log, message: \"'second branch {i}'\" }}",
            "      otherwise:",
            f"        - {{ id: o{i}, type: assign, variable: v, value: \"'other'\" }}"]
    made += 6
    i += 1
out.append("  assisted_service:")
r = 0
while made < blocks:
    out += [f"    - id: c{r}", "      type: segmentation", f"      name: Is cascade {r} wanted?",
            "      branches:", f"        - when: \"v != 'r{r}'\"", "          blocks:",
            f"            - {{ id: r{r}, type: route, name: Route to group {r}, target: {{ agent_group: \"'g{r}'\" }} }}"]
    made += 2
    r += 1
open(path, "w").write("\n".join(out) + "\n")
PY
}

echo "machine: $(nproc) cores, $(uname -srm); routeflow $(git rev-parse --short HEAD)"
printf '%8s %10s %10s %12s\n' blocks seconds "peak MiB" "SVG bytes"
for n in $SIZES; do
  generate "$n" "$dir/flow.yaml"
  /usr/bin/time -f '%e %M' -o "$dir/time" "$bin" render "$dir/flow.yaml" --format svg --out "$dir/flow.svg" 2>/dev/null
  read -r seconds kib <"$dir/time"
  printf '%8s %10s %10s %12s\n' "$n" "$seconds" "$((kib / 1024))" "$(wc -c <"$dir/flow.svg")"
done
