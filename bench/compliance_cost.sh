#!/usr/bin/env bash
# compliance_cost.sh: commit throughput of a standalone pchatd with and without
# compliance capture (docs/compliance.md), same scenario, alternating, N rounds.
#
#   bench/compliance_cost.sh [--bin-dir DIR] [--rounds N] [--duration S] [--senders N] [--window W]
#
# Default 40 senders (each alone in its room) with 16 messages in flight each: big
# group commits. `--senders 1 --window 1`: one message per commit (fsync-bound).
#
# Scenario: closed loop (every sender keeps --window messages not yet echoed; an
# echo is pchat's commit acknowledgement), so echoes/s is the committed message rate.
# Modes: off (no --compliance), capture (--compliance; RunInterval 15 min, so the
# service does not run during the window: the hot-path cost alone), service
# (--compliance with a 1 s RunInterval: the service moves and writes while the
# writer commits). Each mode gets a fresh data directory.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${PCHAT_BIN_DIR:-$REPO/build/release/bin}
ROUNDS=2
DURATION=10
CLIENTS=40 ROOMS=40 SENDERS=40 WINDOW=16  # one sender per room: no fan-out, commit-bound
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin-dir) BIN=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --senders) CLIENTS=$2; ROOMS=$2; SENDERS=$2; shift 2 ;;
    --window) WINDOW=$2; shift 2 ;;
    *) echo "usage: $0 [--bin-dir DIR] [--rounds N] [--duration S] [--senders N] [--window W]" >&2; exit 2 ;;
  esac
done
TMP=$(mktemp -d /tmp/pchat-compcost-XXXXXX)
chmod 0755 "$TMP"
PID=
cleanup() { [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_mode() {  # mode round
  local mode=$1 round=$2 args=() irc http
  case "$mode" in
    capture) args=(--compliance) ;;
    service) args=(--compliance --compliance-run-interval-ms 1000) ;;
  esac
  irc=$(free_port); http=$(free_port)
  "$BIN/pchatd" --data-dir "$TMP/$mode-$round" --irc-listen 127.0.0.1:$irc \
    --http-listen 127.0.0.1:$http --allow-guests --flood-burst 0 --log-level warn \
    "${args[@]}" > "$TMP/$mode-$round.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http/healthz" > /dev/null && break; sleep 0.2; done
  "$BIN/pchat-bench" --port "$irc" --scenario fanout --clients $CLIENTS --rooms $ROOMS \
    --senders $SENDERS --rate 0 --window $WINDOW --duration "$DURATION" --warmup 2 \
    --json "$TMP/$mode-$round.json" > /dev/null
  local metrics batches msgs events commit_sum
  metrics=$(curl -s "http://127.0.0.1:$http/metrics")
  batches=$(awk '/^pchat_commit_batches_total /{print $2}' <<< "$metrics")
  msgs=$(awk '/^pchat_messages_committed_total /{print $2}' <<< "$metrics")
  events=$(awk '/^pchat_compliance_events_recorded_total /{print $2}' <<< "$metrics")
  commit_sum=$(awk '/^pchat_commit_seconds_sum /{print $2}' <<< "$metrics")
  kill "$PID"; wait "$PID" || true; PID=
  python3 - "$TMP/$mode-$round.json" "$mode" "$round" "$DURATION" "$batches" "$msgs" "${events:-0}" "$commit_sum" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); d = float(sys.argv[4])
b, m, e, cs = float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8])
print(f"| {sys.argv[2]:8} | {sys.argv[3]} | {r['echoes']/d:10.0f} "
      f"| {m/b:6.1f} | {1000*cs/b:6.2f} | {1e6*cs/m:6.1f} | {int(e):8d} |")
PY
}

echo "| mode | round | commits/s (echoes) | msgs/batch | ms/commit | µs/msg in commits | events recorded |"
echo "|---|---|---|---|---|---|---|"
for round in $(seq "$ROUNDS"); do
  for mode in off capture service; do run_mode "$mode" "$round"; done
done
