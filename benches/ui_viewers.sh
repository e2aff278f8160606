#!/usr/bin/env bash
# What watching costs (issue 18): durable create throughput (benches/serve.sh's create run: wrk, 64
# connections) on a fresh server with 0, then 1, then VIEWERS web views open (benches/ui_viewer.py: the
# supervisors' event stream read whole, and the page's five reads once a second), each against the run
# without viewers in the same session; and how long a viewer's refresh takes under that load.
# Usage: benches/ui_viewers.sh [DURATION] [VIEWERS]   (defaults 10 s, 5). ROUTEFLOW=path, NO_BUILD=1
# as for benches/serve.sh. Needs wrk and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
VIEWERS=${2:-5}
DIR=$(mktemp -d)
trap 'kill $(cat "$DIR"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$DIR"' EXIT
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet
BIN=${ROUTEFLOW:-${CARGO_TARGET_DIR:-target}/release/routeflow}
$BIN gen --workitems 1 --agents 200 --seed 1 --dir "$DIR" >/dev/null
. benches/common.sh
tokens integration viewer
create_lua "$DIR/create.lua" < /dev/null

echo "watching costs ($(nproc) cores; $(uptime | sed 's/.*load/load/'))"
for viewers in 0 1 "$VIEWERS"; do
  rm -rf "$DIR/data"
  RUST_LOG=warn $BIN serve --flow flows/gtr_sample.yaml --center "$DIR/center.yaml" --tokens "$DIR/tokens.yaml" \
    --clock test --listen 127.0.0.1:0 --data "$DIR/data" > /dev/null 2> "$DIR/serve.log" &
  echo $! > "$DIR/serve.pid"
  for _ in $(seq 600); do grep -q "listening on" "$DIR/serve.log" && break; sleep 0.1; done
  BASE=$(grep -o 'http://[0-9.:]*' "$DIR/serve.log" | head -1)
  for n in $(seq "$viewers"); do
    [ "$viewers" = 0 ] && break
    python3 benches/ui_viewer.py "$BASE" "$VIEWER" > "$DIR/viewer.$n.out" &
    echo $! > "$DIR/viewer.$n.pid"
  done
  sleep 1
  wrk -t2 -c64 -d"${DURATION}s" --latency -s "$DIR/create.lua" "$BASE" > "$DIR/wrk"
  rps=$(awk '/Requests\/sec/ { print $2 }' "$DIR/wrk")
  p99=$(awk '$1 == "99%" { print $2 }' "$DIR/wrk")
  [ "$viewers" = 0 ] && echo "$rps" > "$DIR/rps.0"
  ratio=$(python3 -c "print(f'{$rps / float(open(\"$DIR/rps.0\").read()):.2f}')")
  printf 'create, 64 connections, %s viewers: %10s requests/s (%s of none)   p99 %8s\n' "$viewers" "$rps" "$ratio" "$p99"
  for n in $(seq "$viewers"); do
    [ "$viewers" = 0 ] && break
    kill "$(cat "$DIR/viewer.$n.pid")"; wait "$(cat "$DIR/viewer.$n.pid")" 2>/dev/null || true
    rm "$DIR/viewer.$n.pid"
    printf '  viewer %s: %s\n' "$n" "$(cat "$DIR/viewer.$n.out")"
  done
  kill "$(cat "$DIR/serve.pid")"; wait "$(cat "$DIR/serve.pid")" 2>/dev/null || true; rm "$DIR/serve.pid"
done
