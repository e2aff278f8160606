#!/usr/bin/env bash
# Whole-process benchmarks of `routeflow serve` (SPEC §7, issues 15 and 16), each against a baseline in the
# same run:
#   create:  durable POST /v1/workitems (the sample flow runs into its first Route block, and the create is
#            journaled and committed to DIR/data/journal.sqlite, fsync included, before the reply; the
#            data directory is new at each run of this script) at 64 connections for DURATION seconds with
#            wrk, against a bare axum endpoint that parses the same JSON and does nothing else
#            (examples/bare_create.rs): requests/s and p50/p90/p99 of both, and their ratio;
#   journal: the bytes of the journal's files per workitem created (benches/recovery.sh measures
#            restarts);
#   memory:  the server's RSS growth per workitem left waiting by the create run;
#   offer:   agent ready -> `offer` event latency (p50/p99) with AGENTS agents and the workitems of the
#            create run waiting (benches/serve_offer.py), beside the round trip of `GET /healthz` on a
#            new connection (the client's floor), measured in the same loop.
# Usage: benches/serve.sh [DURATION] [AGENTS] [WAITING]   (defaults 10 s, 2000, 0). With WAITING (the
# SPEC's 100000), more workitems are created after the timed run (wrk, untimed) until at least WAITING
# wait, before memory and offers are measured. Needs wrk and python3.
# ROUTEFLOW=path runs another routeflow binary (an older build, to compare in one session);
# NO_BUILD=1 skips the build; the build goes where CARGO_TARGET_DIR says (default target/).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
AGENTS=${2:-2000}
WAITING_WANTED=${3:-0}
DIR=$(mktemp -d)
trap 'kill $(cat "$DIR"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$DIR"' EXIT
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --example bare_create
TARGET=${CARGO_TARGET_DIR:-target}
BIN=${ROUTEFLOW:-$TARGET/release/routeflow}
$BIN gen --workitems 1 --agents "$AGENTS" --seed 1 --dir "$DIR" >/dev/null
. benches/common.sh
tokens admin integration

start() { # name, command...; the base URL goes to $DIR/<name>.url
  local name=$1; shift
  "$@" > /dev/null 2> "$DIR/$name.log" &
  echo "$!" > "$DIR/$name.pid"
  for _ in $(seq 600); do
    if grep -q "listening on" "$DIR/$name.log"; then
      grep -o 'http://[0-9.:]*' "$DIR/$name.log" | head -1 > "$DIR/$name.url"
      return
    fi
    sleep 0.1
  done
  echo "$name did not start" >&2; cat "$DIR/$name.log" >&2; exit 1
}
rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$(cat "$DIR/$1.pid")/status"; }

create_lua "$DIR/create.lua" < /dev/null

start bare "$TARGET/release/examples/bare_create" 127.0.0.1:0
start serve $BIN serve --flow flows/gtr_sample.yaml --center "$DIR/center.yaml" \
  --tokens "$DIR/tokens.yaml" --clock test --listen 127.0.0.1:0 --data "$DIR/data"
BARE=$(cat "$DIR/bare.url")
SERVE=$(cat "$DIR/serve.url")

echo "routeflow serve benchmarks ($(nproc) cores; $(uptime | sed 's/.*load/load/'))"
RSS0=$(rss_kb serve)
for target in bare serve; do
  base=$BARE; [ "$target" = serve ] && base=$SERVE
  RUN=$target wrk -t2 -c64 -d"${DURATION}s" --latency -s "$DIR/create.lua" "$base" > "$DIR/wrk.$target"
  rps=$(awk '/Requests\/sec/ { print $2 }' "$DIR/wrk.$target")
  p50=$(awk '$1 == "50%" { print $2 }' "$DIR/wrk.$target")
  p90=$(awk '$1 == "90%" { print $2 }' "$DIR/wrk.$target")
  p99=$(awk '$1 == "99%" { print $2 }' "$DIR/wrk.$target")
  non2xx=$(awk '/Non-2xx/ { print $5 }' "$DIR/wrk.$target")
  printf '%-38s %10s requests/s   p50 %7s   p90 %7s   p99 %8s   non-2xx %s\n' "create, 64 connections: $target" \
    "$rps" "$p50" "$p90" "$p99" "${non2xx:-0}"
  echo "$rps" > "$DIR/rps.$target"
done
python3 -c "print(f'create: serve / bare = {float(open(\"$DIR/rps.serve\").read()) / float(open(\"$DIR/rps.bare\").read()):.2f}')"
waiting() {
  curl -s "$SERVE/v1/queues" -H "Authorization: Bearer $ADMIN" | python3 -c 'import json,sys; print(sum(q["waiting"] for q in json.load(sys.stdin)))'
}
JOURNAL=$(du -cb "$DIR"/data/journal.sqlite* | tail -1 | cut -f1)
CREATED=$(waiting)
python3 -c "print(f'journal: {$JOURNAL} B (database and WAL) for {$CREATED} workitems: {$JOURNAL / max($CREATED, 1):.0f} B per workitem')"
fill=0
while [ "$(waiting)" -lt "$WAITING_WANTED" ]; do
  fill=$((fill + 1))
  RUN=fill$fill wrk -t2 -c64 -d2s -s "$DIR/create.lua" "$SERVE" > /dev/null
done
RSS1=$(rss_kb serve)
WAITING=$(waiting)
python3 -c "print(f'memory: {$WAITING} waiting, RSS {$RSS0} -> {$RSS1} kB: {($RSS1 - $RSS0) * 1024 / max($WAITING, 1):.0f} B per waiting workitem')"
python3 benches/serve_offer.py "$SERVE" "$ADMIN" "$DIR/center.yaml"
