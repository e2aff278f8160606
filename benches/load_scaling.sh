#!/usr/bin/env bash
# How the time to load and check a flow grows with its size (issue 13: no input goes superlinear).
#
#   bash benches/load_scaling.sh            # 10k, 100k and 1M blocks; YAML nested 10k, 100k and 1M deep
#   SIZES="1000 10000" bash benches/load_scaling.sh
#
# Whole-process runs of `routeflow check` (release build) on generated files, one run each, wall time
# and peak RSS from /usr/bin/time. The flows mix the block types of benches/flow_load.rs (segmentations
# with nested branches, table lookups, logs, assignments, a tenth Route blocks); the nested files are
# `[[[…]]]`, `{a: {a: …}}` and `- - - …` under `initialize:`, which must fail at once with one error.
# Time per block should stay flat as the flows grow.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10000 100000 1000000"}
DEPTHS=${DEPTHS:-"10000 100000 1000000"}
cargo build --release --quiet
bin=$PWD/target/release/routeflow
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'K1,K2,V\na,b,c\n' >"$dir/table.csv"

generate_flow() { # blocks file
  python3 - "$1" "$2" <<'EOF'
import sys
blocks, path = int(sys.argv[1]), sys.argv[2]
V = 50
out = ["application: generated", "variables:"]
out += [f"  v{v}: {{ default: \"'{v}'\" }}" for v in range(V)]
out += ['  found: { default: "false" }', '  count: { default: "0" }',
        "tables:", "  T:", "    file: table.csv", "    key: [K1, K2]", "phases:", "  initialize:"]
routes = blocks // 10
made = i = 0
while made < blocks - routes:
    a, b = i % V, (i + 7) % V
    kind = i % 4
    if kind == 0 and made + 3 <= blocks - routes:
        out += [f"    - id: s{i}", "      type: segmentation", f"      name: Segment {i}", "      branches:",
                f"        - when: \"v{a} == 'x' && v{b} != ''\"", "          blocks:",
                f"            - {{ id: s{i}a, type: assign, variable: v{a}, value: \"v{b} + '-' + v{a}.toUpperCase()\" }}",
                "      otherwise:",
                f"        - {{ id: s{i}o, type: assign, variable: v{b}, value: \"v{a}.length > 3 ? v{a} : 'short'\" }}"]
        made += 3
    elif kind == 1:
        out += [f"    - id: t{i}", "      type: table_lookup", "      table: T", f"      key: [v{a}, v{b}]",
                f"      columns: {{ V: v{a} }}", "      found: found", "      count: count"]
        made += 1
    elif kind == 2:
        out.append(f"    - {{ id: l{i}, type: log, message: \"'block {i}: ' + v{a}\" }}")
        made += 1
    else:
        out.append(f"    - {{ id: a{i}, type: assign, variable: v{a}, value: \"v{b}.trim()\" }}")
        made += 1
    i += 1
out.append("  assisted_service:")
out += [f"    - {{ id: r{r}, type: route, target: {{ agent_group: \"'group{r}'\" }}, timeout: 120 }}"
        for r in range(blocks - made)]
open(path, "w").write("\n".join(out) + "\n")
EOF
}

generate_nesting() { # shape depth file
  python3 - "$1" "$2" "$3" <<'EOF'
import sys
shape, depth, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
body = {"sequences": "[" * depth + "]" * depth,
        "mappings": "{a: " * depth + "x" + "}" * depth,
        "dashes": "\n    " + "- " * depth + "x"}[shape]
open(path, "w").write("application: deep\nphases:\n  initialize: " + body + "\n")
EOF
}

measure() { # file -> "seconds peak_kib exit"
  local code=0
  /usr/bin/time -f '%e %M' -o "$dir/time" "$bin" check "$1" >/dev/null 2>"$dir/stderr" || code=$?
  echo "$(tail -1 "$dir/time") $code"
}

echo "machine: $(nproc) cores, $(uname -srm); routeflow $(git rev-parse --short HEAD)"
echo
echo "| flow | file | wall | µs per block | peak RSS | exit |"
echo "|---|---:|---:|---:|---:|---:|"
for n in $SIZES; do
  generate_flow "$n" "$dir/flow.yaml"
  read -r secs kib code < <(measure "$dir/flow.yaml")
  size=$(du -h "$dir/flow.yaml" | cut -f1)
  per=$(python3 -c "print(f'{$secs * 1e6 / $n:.1f}')")
  echo "| $n blocks | $size | ${secs} s | $per | $((kib / 1024)) MiB | $code |"
done
echo
echo "| nesting | file | wall | peak RSS | exit | first line of stderr |"
echo "|---|---:|---:|---:|---:|---|"
for shape in sequences mappings dashes; do
  for depth in $DEPTHS; do
    generate_nesting "$shape" "$depth" "$dir/deep.yaml"
    read -r secs kib code < <(measure "$dir/deep.yaml")
    size=$(du -h "$dir/deep.yaml" | cut -f1)
    echo "| $shape $depth deep | $size | ${secs} s | $((kib / 1024)) MiB | $code | $(head -c 90 "$dir/stderr" | head -1) |"
  done
done
