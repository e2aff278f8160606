#!/usr/bin/env bash
# Recovery of a durable `routeflow serve` (SPEC §7 and §9.5, issue 16): for each COUNT, a server on a fresh
# --data directory (test clock, the sample flow, a `gen` center whose agents are all logged out, so that
# every workitem stays waiting) is given COUNT workitems (wrk, 64 connections, each acknowledged only once
# journaled), then killed with `kill -9` and started again RESTARTS times on the same directory. Timed:
# from the process's start until `GET /readyz` answers 200 (polled every 2 ms), beside the same for a
# server on an empty directory (the baseline: loading the flow, the center and the tokens, and binding).
# Also printed: the journal's size per workitem (journal.sqlite and its WAL after the kill, then after a
# graceful stop, when SQLite has checkpointed the WAL into the database), and what the server says it
# recovered.
# Usage: benches/recovery.sh [COUNTS] [RESTARTS]   (defaults "10000 100000", 3). Needs wrk and python3.
# ROUTEFLOW=path runs another routeflow binary; NO_BUILD=1 skips the build; the build goes where
# CARGO_TARGET_DIR says (default target/).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNTS=${1:-10000 100000}
RESTARTS=${2:-3}
DIR=$(mktemp -d)
trap 'kill -9 $(cat "$DIR"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$DIR"' EXIT
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet
TARGET=${CARGO_TARGET_DIR:-target}
BIN=${ROUTEFLOW:-$TARGET/release/routeflow}
$BIN gen --workitems 1 --agents 2000 --seed 1 --dir "$DIR" >/dev/null
. benches/common.sh
tokens admin integration

# Each of wrk's threads stops after PER replies (a few more may be in flight: the count that matters is
# the one the server recovers); wrk itself only ends after its duration, so it is stopped once the
# server holds COUNT workitems. Ids unique across threads and runs (RUN).
create_lua "$DIR/create.lua" <<'LUA'
local done = 0
local per = tonumber(os.getenv("PER"))
response = function(status, headers, body)
  done = done + 1
  if done >= per then wrk.thread:stop() end
end
LUA

# start DATA_DIR: starts the server on DATA_DIR, waits until /readyz says 200; prints the seconds from the
# process's start until then and the server's "recovered" line; its pid goes to $DIR/serve.pid.
cat > "$DIR/start.py" <<'PY'
import http.client, os, re, subprocess, sys, time
binary, data, tokens, center, token, log = sys.argv[1:]
command = [binary, "serve", "--flow", "flows/gtr_sample.yaml", "--center", center, "--tokens", tokens,
           "--clock", "test", "--listen", "127.0.0.1:0", "--data", data]
err = open(log, "w+")
started = time.perf_counter()
server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
open(os.path.join(os.path.dirname(log), "serve.pid"), "w").write(str(server.pid))
port = None
while True:
    if server.poll() is not None:
        err.seek(0)
        sys.exit(f"the server stopped: {err.read()}")
    if port is None:
        err.seek(0)
        found = re.search(r"listening on http://[0-9.]+:([0-9]+)", err.read())
        if found:
            port = int(found.group(1))
    if port is not None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/readyz", headers={"Authorization": f"Bearer {token}"})
            if connection.getresponse().status == 200:
                break
        except OSError:
            pass
    time.sleep(0.002)
ready = time.perf_counter() - started
err.seek(0)
said = [line.strip() for line in err if "recovered" in line]
print(f"{ready:.3f} {port} {said[0] if said else '(nothing recovered)'}")
PY
start() { python3 "$DIR/start.py" "$BIN" "$1" "$DIR/tokens.yaml" "$DIR/center.yaml" "$CRM" "$DIR/serve.log"; }
stop() { # signal
  local pid; pid=$(cat "$DIR/serve.pid")
  kill "-$1" "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
  rm -f "$DIR/serve.pid"
}
waiting() { # port: the workitems waiting on the server
  curl -s "http://127.0.0.1:$1/v1/queues" -H "Authorization: Bearer $ADMIN" |
    python3 -c 'import json,sys; print(sum(q["waiting"] for q in json.load(sys.stdin)))'
}
bytes() { du -cb "$@" 2>/dev/null | tail -1 | cut -f1; }
median() { tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "routeflow serve recovery ($(nproc) cores; $(uptime | sed 's/.*load/load/'))"
empty=()
for _ in $(seq "$RESTARTS"); do
  rm -rf "$DIR/empty"
  read -r seconds _ _ < <(start "$DIR/empty")
  empty+=("$seconds")
  stop 9
done
BASE=$(echo "${empty[*]}" | median)
printf '%-34s ready in %s s (median of %s: %s)\n' "baseline: empty journal" "$BASE" "$RESTARTS" "${empty[*]}"
for count in $COUNTS; do
  data="$DIR/data-$count"
  read -r _ port _ < <(start "$data")
  created=$(date +%s.%N)
  PER=$(( (count + 1) / 2 )) RUN=$count wrk -t2 -c64 -d3600s -s "$DIR/create.lua" "http://127.0.0.1:$port" > "$DIR/wrk.log" &
  wrk=$!
  while [ "$(waiting "$port")" -lt "$count" ]; do sleep 0.2; done
  kill -INT "$wrk"; wait "$wrk" || true
  created=$(python3 -c "import time; print(f'{time.time() - $created:.1f}')")
  non2xx=$(awk '/Non-2xx/ { print $5 }' "$DIR/wrk.log")
  stop 9
  killed=$(bytes "$data"/journal.sqlite*)
  times=()
  for _ in $(seq "$RESTARTS"); do
    read -r seconds _ said < <(start "$data")
    times+=("$seconds")
    stop 9
  done
  read -r _ _ said < <(start "$data")
  stop TERM
  stopped=$(bytes "$data"/journal.sqlite*)
  workitems=$(echo "$said" | grep -o 'recovered [0-9,]*' | tr -dc 0-9)
  median_s=$(echo "${times[*]}" | median)
  printf '%-34s ready in %s s (median of %s: %s; baseline %s s)\n' "$count workitems waiting" \
    "$median_s" "$RESTARTS" "${times[*]}" "$BASE"
  echo "  created in $created s (non-2xx: ${non2xx:-0}); $said"
  python3 -c "print(f'  journal: {$killed} B after kill -9 ({$killed / $workitems:.0f} B per workitem), {$stopped} B after a graceful stop ({$stopped / $workitems:.0f} B per workitem)')"
done
