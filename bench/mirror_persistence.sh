#!/usr/bin/env bash
# mirror_persistence.sh: durably committed messages per second with and without the
# synchronous mirror, on the lab's datacenter A (docs/lab.md).
#
#   bench/mirror_persistence.sh [--bin-dir DIR] [--rounds N] [--duration S] [--senders N] [--window W]
#                               [--wal-segsize MB] [--without-dc-b]
#
# One lab (1 server per datacenter, flood limit off, 16 MB WAL segments: PostgreSQL's
# default; the lab's own default of 1 MB means one archive-wal process per MB of WAL).
# --without-dc-b SIGKILLs datacenter B (lab kill-dc B) before measuring: its stores,
# server and copy job replay and copy everything A writes, which on a deployment is
# another site's machines and here takes the same 2 cores. pchat-bench runs a closed loop
# against server a1: every sender keeps --window messages not yet echoed, and pchat
# echoes a message only once it is committed, so echoes/s is the committed rate.
# Modes, alternating, same lab and data:
#   mirror   synchronous_commit = on with the mirror in synchronous_standby_names:
#            a commit returns once the mirror has flushed it (the lab's default)
#   local    synchronous_commit = local on the primary: a commit returns once the
#            primary has flushed it (no mirror wait)
# Default 40 senders, each alone in its room (no fan-out: commit-bound), 16 in flight.
# Prints one table; --json-dir keeps pchat-bench's JSON per run.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${PCHAT_BIN_DIR:-$REPO/build/release/bin}
ROUNDS=2
DURATION=10
CLIENTS=40 ROOMS=40 SENDERS=40 WINDOW=16
JSON_DIR=
SEGSIZE=16
B_STATE=running  # datacenter B: running, or killed (--without-dc-b)
usage() {
  echo "usage: $0 [--bin-dir DIR] [--rounds N] [--duration S] [--senders N] [--window W] [--wal-segsize MB] [--without-dc-b] [--json-dir DIR]" >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin-dir) BIN=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --senders) CLIENTS=$2; ROOMS=$2; SENDERS=$2; shift 2 ;;
    --window) WINDOW=$2; shift 2 ;;
    --json-dir) JSON_DIR=$2; shift 2 ;;
    --wal-segsize) SEGSIZE=$2; shift 2 ;;
    --without-dc-b) B_STATE=killed; shift ;;
    *) usage ;;
  esac
done
for b in pchatctl pchatd pchat-bench; do
  [[ -x "$BIN/$b" ]] || { echo "$0: $BIN/$b missing (build: see bench/README.md)" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/pchat-mirrorbench-XXXXXX)
chmod 0755 "$TMP"
LAB="$TMP/lab"
cleanup() {
  "$BIN/pchatctl" lab down --dir "$LAB" > /dev/null 2>&1 || true
  if [[ -z "$JSON_DIR" ]]; then rm -rf "$TMP"; fi
}
trap cleanup EXIT

"$BIN/pchatctl" lab up --dir "$LAB" --servers-per-dc 1 --allow-guests --wal-segsize "$SEGSIZE" \
  --server-arg=--flood-burst --server-arg=0 > "$TMP/lab-up.log"
if [[ "$B_STATE" == killed ]]; then "$BIN/pchatctl" lab kill-dc B --dir "$LAB" > /dev/null; fi
read -r IRC PGPORT < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
irc = next(s["irc_port"] for s in d["servers"] if s["dc"] == "A")
pg = next(s["port"] for s in d["stores"] if s["role"] == "primary")
print(irc, pg)' "$LAB/lab.json")
psql_primary() {
  psql "host=$LAB/stores/primary/run port=$PGPORT user=pchat dbname=mgc" -X -A -t -q \
    -v ON_ERROR_STOP=1 -c "$1"
}
set_mode() {
  case "$1" in
    mirror) psql_primary "ALTER SYSTEM RESET synchronous_commit" > /dev/null ;;
    local) psql_primary "ALTER SYSTEM SET synchronous_commit = 'local'" > /dev/null ;;
  esac
  psql_primary "SELECT pg_reload_conf()" > /dev/null
  sleep 0.5
}

declare -A RATE
run() {  # mode round
  local mode=$1 round=$2 json="$TMP/$1-$2.json"
  set_mode "$mode"
  local sync
  sync=$(psql_primary "SELECT current_setting('synchronous_commit') || ' / ' || coalesce((SELECT string_agg(application_name || ':' || sync_state, ',') FROM pg_stat_replication), 'no standby')")
  "$BIN/pchat-bench" --port "$IRC" --scenario fanout --clients $CLIENTS --rooms $ROOMS \
    --senders $SENDERS --rate 0 --window $WINDOW --duration "$DURATION" --warmup 2 \
    --nick-prefix "b$mode$round" --json "$json" > /dev/null
  echoes=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(round(d["echoes"]/d["duration_s"]))' "$json")
  RATE[$mode]+="$echoes "
  printf '%-7s round %d  %10.0f committed msg/s   (synchronous_commit %s)\n' "$mode" "$round" "$echoes" "$sync"
  if [[ -n "$JSON_DIR" ]]; then mkdir -p "$JSON_DIR"; cp "$json" "$JSON_DIR/"; fi
}

echo "mirror_persistence: $SENDERS senders x window $WINDOW, ${DURATION} s per run, $ROUNDS round(s);" \
  "${SEGSIZE} MB WAL segments; datacenter B $B_STATE; lab in $LAB"
for r in $(seq "$ROUNDS"); do
  run mirror "$r"
  run local "$r"
done
set_mode mirror
python3 - "${RATE[mirror]}" "${RATE[local]}" <<'EOF'
import statistics, sys
m = [float(x) for x in sys.argv[1].split()]
l = [float(x) for x in sys.argv[2].split()]
print()
print("| mode | committed messages/s (median of rounds) | runs |")
print("|---|---|---|")
print(f"| synchronous mirror | {statistics.median(m):,.0f} | {', '.join(f'{x:,.0f}' for x in m)} |")
print(f"| primary only (synchronous_commit = local) | {statistics.median(l):,.0f} | {', '.join(f'{x:,.0f}' for x in l)} |")
print(f"| mirror / primary only | {statistics.median(m) / statistics.median(l):.2f} | |")
EOF
