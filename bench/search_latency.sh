#!/usr/bin/env bash
# Search latency on a large room (the goal: "search on 1M stored messages answers in
# under 50 ms"). Fills #bench0 of a fresh standalone store with COUNT messages:
# 'history message <n>', and every tenth in Japanese written without spaces
# ('明日の会議資料 第<n>号です'); starts pchatd and times SEARCH requests from one
# client, one at a time: request to the closing NOTE SEARCH END.
#
#   bench/search_latency.sh [COUNT=1000000] [REPEAT=20]
#
# Binaries from PCHAT_BIN_DIR (default build/release/bin); PCHAT_KEEP=1 keeps the
# store (its path is printed) for EXPLAIN and reruns. Prints one table row per
# query: matches on the first page, median, p95 and max in ms.
set -euo pipefail

COUNT=${1:-1000000}
REPEAT=${2:-20}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${PCHAT_BIN_DIR:-$REPO/build/release/bin}
WORK=$(mktemp -d /tmp/pchat-search-XXXXXX)
chmod 755 "$WORK"
PID=""
cleanup() {
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  if [[ -n "${PCHAT_KEEP:-}" ]]; then echo "search_latency: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() {
  IRC=$(port)
  "$BIN/pchatd" --data-dir "$WORK/data" --irc-listen "127.0.0.1:$IRC" --http-listen "127.0.0.1:$(port)" \
    --allow-guests >"$WORK/pchatd.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$IRC") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "search_latency: pchatd did not start; log:" >&2
  tail -20 "$WORK/pchatd.log" >&2
  exit 1
}
stop() { kill "$PID"; wait "$PID" || true; PID=""; }

start && stop  # creates the store
"$REPO/bench/populate_history.sh" "$WORK/data" "$COUNT" '#bench0' \
  "CASE WHEN g % 10 = 0 THEN '明日の会議資料 第' || g || '号です' ELSE 'history message ' || g END"
start
python3 "$REPO/bench/search_latency.py" 127.0.0.1 "$IRC" "$REPEAT" "$COUNT"
stop
