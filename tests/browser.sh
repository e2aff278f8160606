#!/usr/bin/env bash
# The browser test of the web view, GET /ui (issue 18): headless Debian chromium, driven by playwright-core
# (npm, pinned in tests/browser/package-lock.json), loads /ui from a `routeflow serve` that a script
# drives over HTTP, waits for the page to show the numbers the script makes, follows it live (no reload),
# and saves a screenshot. What it checks, step by step: tests/browser/ui.mjs.
#
#   bash tests/browser.sh                                  # ~10 s once built and installed
#   ROUTEFLOW=/path/to/routeflow bash tests/browser.sh     # test that binary (no cargo build)
#
# It installs what it needs when missing: Debian's `chromium` (apt-get; as root, or through sudo), and
# tests/browser/node_modules (`npm ci`, again whenever package-lock.json changed). The server runs on the
# shipped sample with a test clock on a free loopback port, from a debug build. Left in target/browser/:
# ui.png (the page as a 1400×1000 window shows it), server.log, and failure.png when the page did not show
# what it should. Exit 1 on any failure, each saying what was expected and what the page showed.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=/usr/bin/chromium
DRIVER=tests/browser

step() { printf '\n== %s\n' "$*" >&2; }

step "chromium ($CHROMIUM)"
if [[ ! -x "$CHROMIUM" ]]; then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "chromium is missing and installing it needs root (apt-get install chromium)" >&2
      exit 1
    fi
  fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# (Debian's launcher script may print a harmless "[: ...: unexpected operator" about memory here.)
"$CHROMIUM" --version 2>/dev/null

step "playwright-core ($DRIVER/node_modules, npm ci)"
# Installed again when the lock file names other packages than the last install (npm keeps what it
# installed in node_modules/.package-lock.json).
installed() {
  node -e '
    const fs = require("fs"), [want, have] = process.argv.slice(1);
    const packages = (file) => { const { "": _, ...rest } = JSON.parse(fs.readFileSync(file, "utf8")).packages; return rest; };
    const strip = (all) => JSON.stringify(Object.entries(all).sort().map(([k, v]) => [k, v.version, v.integrity]));
    process.exit(fs.existsSync(have) && strip(packages(want)) === strip(packages(have)) ? 0 : 1);
  ' "$DRIVER/package-lock.json" "$DRIVER/node_modules/.package-lock.json"
}
if ! installed; then
  (cd "$DRIVER" && npm ci --no-audit --no-fund --loglevel=error)
fi
node -e "console.log('playwright-core ' + require('./$DRIVER/node_modules/playwright-core/package.json').version)"

if [[ -n "${ROUTEFLOW:-}" ]]; then
  step "routeflow: $ROUTEFLOW"
else
  step "build routeflow (debug)"
  cargo build --quiet
  ROUTEFLOW=target/debug/routeflow
fi
[[ -x "$ROUTEFLOW" ]] || { echo "no routeflow binary at $ROUTEFLOW" >&2; exit 1; }

step "the web view in chromium (tests/browser/ui.mjs)"
ROUTEFLOW="$ROUTEFLOW" node "$DRIVER/ui.mjs"
