#!/bin/sh
# Renders the simulation report in headless Chromium (Debian's package) and saves a PNG, to check
# the report by eye: test/report/screenshot.sh [REPORT.html] [OUT.png]
# Not part of `npm test` (needs chromium: apt-get install -y chromium).
set -eu
report=$(realpath "${1:-smartscale-report.html}")
out=$(realpath -m "${2:-smartscale-report.png}")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --screenshot="$out" --window-size=1400,2400 "file://$report" 2>/dev/null
echo "screenshot written to $out"
