# Shared by the whole-process benchmarks (serve.sh, recovery.sh, ui_viewers.sh): source it once BIN (the
# routeflow binary) and DIR (the run's directory) are set.

# tokens ROLE...: a new token per role, in ADMIN, CRM (integration) or VIEWER, and their lines in
# $DIR/tokens.yaml (the second line `routeflow token` prints).
tokens() {
  : > "$DIR/tokens.yaml"
  local role out
  for role in "$@"; do
    out=$($BIN token --role "$role" 2>/dev/null)
    case $role in
      admin) ADMIN=$(sed -n 1p <<<"$out") ;;
      integration) CRM=$(sed -n 1p <<<"$out") ;;
      viewer) VIEWER=$(sed -n 1p <<<"$out") ;;
      *) echo "tokens: no variable for role $role" >&2; exit 2 ;;
    esac
    sed -n 2p <<<"$out" >> "$DIR/tokens.yaml"
  done
}

# create_lua FILE: a wrk script that creates a new workitem per request as $CRM, ids unique across wrk's
# threads (each has its own Lua state, whose `math.random` starts from the same seed) and across runs
# (RUN, set before each); extra Lua (a `response` function) may follow on standard input.
create_lua() {
  cat > "$1" <<LUA
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $CRM"
request = function()
  n = n + 1
  local body = string.format('{"id":"t%s-%d-%d","userdata":{"GTR_level1":"Insurance","caseNumber":"CS%d"}}', os.getenv("RUN") or "", tid, n, n)
  return wrk.format(nil, "/v1/workitems", nil, body)
end
LUA
  if [ ! -t 0 ]; then cat >> "$1"; fi
}
