#!/usr/bin/env bash
# compare.sh: pchatd and InspIRCd side by side, in one run, on the same scenarios.
#
# Installs InspIRCd 3 from Debian if it is missing (without leaving the package's
# own daemon running), starts one InspIRCd (own config, flood limits off) and one
# standalone pchatd (fresh data dir, --allow-guests --flood-burst 0) on free
# loopback ports, runs pchat-bench against both -- alternating which server goes
# first -- and prints one table with both servers and the ratio pchat/InspIRCd.
# Everything it starts is stopped by PID when it exits.
#
# Server logs are copied to the --out dir.
#
# Usage: bench/compare.sh [--quick] [--duration S] [--warmup S] [--out DIR]
#                         [--bin-dir DIR] [--idle-clients N] [--only NAMES] [--keep]
#   --quick         small scale, a few seconds per scenario (a smoke run)
#   --duration S    seconds measured per scenario and server (default 10)
#   --warmup S      seconds of traffic before measuring (default 2)
#   --out DIR       where the JSON results, logs and table go
#                   (default bench-results/<date-time> under the current dir)
#   --bin-dir DIR   directory with pchatd and pchat-bench (default: env
#                   PCHAT_BIN_DIR, else build/release/bin of this checkout)
#   --idle-clients N  connections for the idle scenario (default 20000, lowered
#                   to fit the open-files limit)
#   --only NAMES    run only these scenarios (comma-separated, e.g. fanout-r400,idle)
#   --keep          keep the temp dir (configs, server logs, pchat data dir)
#
# Scenarios (full scale; --quick shrinks them):
#   fanout-r100..r1200     100 clients, 1 room, 10 senders at 100/200/300/400/600/800/
#                          1000/1200 msg/s each (the best rate at p99 <= 10 ms is the
#                          goal's figure; r1200 is 1.5x the deliveries of r800)
#   fanout-closed          same room, senders as fast as the echoes allow (window 32)
#   rooms-r2               5,000 clients in 1,000 rooms (5 each), 1,000 senders
#                          (one per room) at 2 msg/s each: 2,000 msg/s, 8,000 deliveries/s
#   rooms-closed           the same rooms, each sender as fast as echoes allow (window 4)
#   idle                   N idle clients (10 per room); server RSS per client
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QUICK=0
DURATION=10
WARMUP=2
OUT=""
BIN_DIR="${PCHAT_BIN_DIR:-$REPO/build/release/bin}"
IDLE_CLIENTS=20000
ONLY=""
KEEP=0

die() { echo "compare.sh: $*" >&2; exit 2; }
log() { echo "== $*" >&2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --duration) DURATION="${2:?}"; shift ;;
    --warmup) WARMUP="${2:?}"; shift ;;
    --out) OUT="${2:?}"; shift ;;
    --bin-dir) BIN_DIR="${2:?}"; shift ;;
    --idle-clients) IDLE_CLIENTS="${2:?}"; shift ;;
    --only) ONLY="${2:?}"; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
  shift
done
if [[ $QUICK == 1 ]]; then
  [[ $DURATION == 10 ]] && DURATION=2
  [[ $WARMUP == 2 ]] && WARMUP=0.5
  [[ $IDLE_CLIENTS == 20000 ]] && IDLE_CLIENTS=1000
fi
[[ -z "$OUT" ]] && OUT="bench-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

PCHATD="$BIN_DIR/pchatd"
BENCH="$BIN_DIR/pchat-bench"
[[ -x "$PCHATD" && -x "$BENCH" ]] ||
  die "no pchatd/pchat-bench in $BIN_DIR; build them: cmake -G Ninja -S . -B build/release" \
      "-DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build/release pchatd pchat-bench"
command -v python3 >/dev/null || die "python3 is needed (free ports, the table)"

SUDO=""
if [[ $(id -u) != 0 ]]; then
  command -v sudo >/dev/null && SUDO="sudo" || SUDO="__none__"
fi

# -- InspIRCd from Debian ------------------------------------------------------

INSPIRCD=/usr/sbin/inspircd

# The package's init script starts a system InspIRCd on 127.0.0.1:6667.  A
# policy-rc.d that denies starts is put in place for the install (when there is
# none already); should a daemon start anyway, it is stopped by its PID file.
stop_package_daemon() {
  local f pid
  for f in /run/inspircd/inspircd.pid /var/run/inspircd/inspircd.pid; do
    pid="$(cat "$f" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    if [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$INSPIRCD" ]]; then
      log "stopping the system InspIRCd the package started (pid $pid)"
      $SUDO kill "$pid" || true
      for _ in $(seq 1 50); do [[ -e /proc/$pid ]] || break; sleep 0.1; done
    fi
  done
}

ensure_inspircd() {
  [[ -x "$INSPIRCD" ]] && return
  [[ "$SUDO" == "__none__" ]] && die "InspIRCd is not installed and there is no root or sudo"
  log "installing InspIRCd from Debian (apt-get install -y inspircd)"
  local made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# compare.sh: no daemon starts during the inspircd install\nexit 101\n' |
      $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y inspircd >"$OUT/apt.log" 2>&1 || rc=$?
  if [[ $rc != 0 ]]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get update >>"$OUT/apt.log" 2>&1 || true
    rc=0
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y inspircd >>"$OUT/apt.log" 2>&1 || rc=$?
  fi
  [[ $made_policy == 1 ]] && $SUDO rm -f /usr/sbin/policy-rc.d
  stop_package_daemon
  [[ $rc == 0 && -x "$INSPIRCD" ]] || die "apt-get install inspircd failed; see $OUT/apt.log"
}

ensure_inspircd

# -- Limits, ports, temp dir ---------------------------------------------------

# Each connection is one descriptor in the bench and one in the server.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE="$(ulimit -n)"
if (( IDLE_CLIENTS > NOFILE - 300 )); then
  log "open-files limit is $NOFILE (hard limit $(ulimit -Hn)): idle scenario uses $((NOFILE - 300)) clients, not $IDLE_CLIENTS"
  IDLE_CLIENTS=$((NOFILE - 300))
fi

read -r INSP_PORT PCHAT_PORT PCHAT_HTTP < <(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
EOF
)

TMP="$(mktemp -d /tmp/pchat-compare.XXXXXX)"
chmod 755 "$TMP"  # pchatd's PostgreSQL runs as `postgres` and must traverse it

PIDS=()
declare -A NAMES=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  done
  local rc
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "compare.sh: pid $pid ignored SIGTERM for 30 s; SIGKILL" >&2
      kill -9 "$pid" 2>/dev/null || true
    fi
    rc=0
    wait "$pid" 2>/dev/null || rc=$?
    # 143: ended by SIGTERM before installing a handler; 10: InspIRCd's own
    # status for a SIGTERM shutdown.  Anything else is news.
    if [[ $rc != 0 && $rc != 143 && ! ($pid == "${INSP_PID:-}" && $rc == 10) ]]; then
      echo "compare.sh: ${NAMES[$pid]:-pid $pid} exited with status $rc on SIGTERM" >&2
    fi
  done
  # pchatd stops its PostgreSQL on exit; after a crash the postmaster may remain.
  local pm
  pm="$(head -1 "$TMP/pchat/data/pg/postmaster.pid" 2>/dev/null || true)"
  if [[ "$pm" =~ ^[0-9]+$ ]] && grep -qa postgres "/proc/$pm/cmdline" 2>/dev/null; then
    echo "compare.sh: stopping leftover postmaster $pm" >&2
    kill "$pm" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pm" 2>/dev/null || break; sleep 0.1; done
  fi
  cp "$TMP/pchat/pchatd.log" "$OUT/pchatd.log" 2>/dev/null || true
  cp "$TMP/inspircd/ircd.log" "$OUT/inspircd.log" 2>/dev/null || true
  if [[ $KEEP == 1 ]]; then
    echo "compare.sh: temp dir kept: $TMP" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_port() {  # PORT PID NAME LOG
  for _ in $(seq 1 600); do
    kill -0 "$2" 2>/dev/null || { tail -20 "$4" >&2; die "$3 exited during start-up"; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return; fi
    sleep 0.1
  done
  tail -20 "$4" >&2
  die "$3 did not listen on 127.0.0.1:$1 within 60 s"
}

# -- InspIRCd: own config, no flood limits, loopback only ----------------------

mkdir -p "$TMP/inspircd"
cat >"$TMP/inspircd/inspircd.conf" <<EOF
# InspIRCd 3 for pchat's benchmarks: loopback only, flood limits off.
<server name="inspircd.bench" description="benchmark" network="bench">
<admin name="bench" nick="bench" email="bench@localhost">
<bind address="127.0.0.1" port="$INSP_PORT" type="clients">
<connect name="bench" allow="127.0.0.1"
         timeout="300" pingfreq="10m"
         recvq="64M" softsendq="64M" hardsendq="64M"
         threshold="1000000000" commandrate="1000000000" fakelag="no"
         localmax="1000000" globalmax="1000000" limit="1000000" maxchans="100"
         resolvehostnames="no" useident="no">
<cidr ipv4clone="32" ipv6clone="128">
<performance netbuffersize="65536" somaxconn="4096" softlimit="$NOFILE"
             clonesonconnect="no" quietbursts="yes">
<options syntaxhints="no">
<module name="cap">
<module name="ircv3">
<module name="ircv3_echomessage">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default"
     target="$TMP/inspircd/ircd.log">
EOF
chmod 644 "$TMP/inspircd/inspircd.conf"

# InspIRCd refuses to run as root: drop to the package's `irc` user (or nobody).
# setpriv and env exec, so $! is InspIRCd's own PID.
INSP_CMD=(env LD_LIBRARY_PATH=/usr/lib/inspircd "$INSPIRCD" --nofork --nopid
          --config "$TMP/inspircd/inspircd.conf")
if [[ $(id -u) == 0 ]]; then
  RUN_AS=irc
  id -u irc >/dev/null 2>&1 || RUN_AS=nobody
  chown "$RUN_AS" "$TMP/inspircd"
  INSP_CMD=(setpriv --reuid="$RUN_AS" --regid="$(id -g "$RUN_AS")" --init-groups "${INSP_CMD[@]}")
fi
"${INSP_CMD[@]}" >"$TMP/inspircd/stdout.log" 2>&1 </dev/null &
INSP_PID=$!
PIDS+=("$INSP_PID")
NAMES[$INSP_PID]="InspIRCd (pid $INSP_PID)"
wait_port "$INSP_PORT" "$INSP_PID" InspIRCd "$TMP/inspircd/stdout.log"

# -- pchatd standalone -----------------------------------------------------------

mkdir -p "$TMP/pchat"
"$PCHATD" --data-dir "$TMP/pchat/data" --irc-listen "127.0.0.1:$PCHAT_PORT" \
  --http-listen "127.0.0.1:$PCHAT_HTTP" --allow-guests --flood-burst 0 --log-level warn \
  >"$TMP/pchat/pchatd.log" 2>&1 </dev/null &
PCHAT_PID=$!
PIDS+=("$PCHAT_PID")
NAMES[$PCHAT_PID]="pchatd (pid $PCHAT_PID; log copied to $OUT/pchatd.log)"
wait_port "$PCHAT_PORT" "$PCHAT_PID" pchatd "$TMP/pchat/pchatd.log"

log "InspIRCd $("$INSPIRCD" --version 2>/dev/null | head -1) pid $INSP_PID on 127.0.0.1:$INSP_PORT"
log "pchatd pid $PCHAT_PID on 127.0.0.1:$PCHAT_PORT; open-files limit $NOFILE; results in $OUT"

# -- Scenarios -------------------------------------------------------------------

# name|bench arguments
if [[ $QUICK == 1 ]]; then
  SCENARIOS=(
    "fanout-r50|--scenario fanout --clients 50 --rooms 1 --senders 5 --rate 50"
    "fanout-closed|--scenario fanout --clients 50 --rooms 1 --senders 5 --rate 0 --window 32"
    "rooms-r2|--scenario fanout --clients 500 --rooms 100 --senders 100 --rate 2"
    "rooms-closed|--scenario fanout --clients 500 --rooms 100 --senders 100 --rate 0 --window 4"
    "idle|--scenario idle --clients $IDLE_CLIENTS --rooms $(( (IDLE_CLIENTS + 9) / 10 ))"
  )
else
  SCENARIOS=(
    "fanout-r100|--scenario fanout --clients 100 --rooms 1 --senders 10 --rate 100"
    "fanout-r200|--scenario fanout --clients 100 --rooms 1 --senders 10 --rate 200"
    "fanout-r300|--scenario fanout --clients 100 --rooms 1 --senders 10 --rate 300"
    "fanout-r400|--scenario fanout --clients 100 --rooms 1 --senders 10 --rate 400"
    "fanout-r600|--scenario fanout --clients 100 --rooms 1 --senders 10 --rate 600"
    "fanout-r800|--scenario fanout --clients 100 --rooms 1 --senders 10 --rate 800"
    "fanout-r1000|--scenario fanout --clients 100 --rooms 1 --senders 10 --rate 1000"
    "fanout-r1200|--scenario fanout --clients 100 --rooms 1 --senders 10 --rate 1200"
    "fanout-closed|--scenario fanout --clients 100 --rooms 1 --senders 10 --rate 0 --window 32"
    "rooms-r2|--scenario fanout --clients 5000 --rooms 1000 --senders 1000 --rate 2"
    "rooms-closed|--scenario fanout --clients 5000 --rooms 1000 --senders 1000 --rate 0 --window 4"
    "idle|--scenario idle --clients $IDLE_CLIENTS --rooms $(( (IDLE_CLIENTS + 9) / 10 ))"
  )
fi

if [[ -n $ONLY ]]; then
  KEPT=()
  IFS=, read -r -a WANTED <<<"$ONLY"
  for want in "${WANTED[@]}"; do
    found=0
    for entry in "${SCENARIOS[@]}"; do
      if [[ ${entry%%|*} == "$want" ]]; then KEPT+=("$entry"); found=1; fi
    done
    ((found)) || die "--only: no scenario named '$want' (see --help)"
  done
  SCENARIOS=("${KEPT[@]}")
fi

# One bench run: SERVER(inspircd|pchat) SCENARIO-NAME INDEX ARGS...
run_one() {
  local server="$1" name="$2" idx="$3"; shift 3
  local port pid
  if [[ $server == pchat ]]; then port=$PCHAT_PORT; pid=$PCHAT_PID; else port=$INSP_PORT; pid=$INSP_PID; fi
  kill -0 "$pid" 2>/dev/null || die "$server is no longer running (see $TMP)"
  local limit
  limit=$(python3 -c "print(int($DURATION + $WARMUP + 180))")
  log "$server: $name ($*)"
  local rc=0
  timeout "$limit" "$BENCH" --port "$port" "$@" --duration "$DURATION" --warmup "$WARMUP" \
    --server-pid "$pid" --nick-prefix "s${idx}x" --json "$OUT/$server-$name.json" \
    >"$OUT/$server-$name.log" 2>&1 || rc=$?
  sed 's/^/   /' "$OUT/$server-$name.log" >&2
  [[ $rc == 0 ]] || log "$server: $name exited with $rc (results kept as measured)"
  sleep 2  # let the server finish the departing clients' QUITs
}

idx=0
for entry in "${SCENARIOS[@]}"; do
  name="${entry%%|*}"
  read -r -a args <<<"${entry#*|}"
  idx=$((idx + 1))
  # Alternate which server goes first, so neither always meets a warmer machine.
  if (( idx % 2 )); then order=(inspircd pchat); else order=(pchat inspircd); fi
  for server in "${order[@]}"; do run_one "$server" "$name" "$idx" "${args[@]}"; done
done

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "duration_s: $DURATION warmup_s: $WARMUP quick: $QUICK nofile: $NOFILE"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "loadavg_at_end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "kernel: $(uname -r)"
  echo "inspircd: $("$INSPIRCD" --version 2>/dev/null | head -1)"
  echo "pchatd: $("$PCHATD" --version 2>/dev/null | head -1)"
} >"$OUT/machine.txt"

# -- The table -------------------------------------------------------------------

python3 - "$OUT" "${SCENARIOS[@]}" <<'EOF' | tee "$OUT/table.md"
import json, pathlib, sys

out = pathlib.Path(sys.argv[1])
names = [s.split("|", 1)[0] for s in sys.argv[2:]]

def load(server, name):
    try:
        return json.loads((out / f"{server}-{name}.json").read_text())
    except (OSError, ValueError):
        return None

def lat(r):
    return f"{r['p50_ms']:.2f} / {r['p99_ms']:.2f} / {r['max_ms']:.1f}"

def load_desc(r):
    if r["scenario"] == "idle":
        return f"{r['clients']} idle clients, {r['rooms']} rooms"
    rate = "closed loop" if r["rate"] == 0 else f"{r['rate']}/s each"
    return f"{r['clients']} clients, {r['rooms']} room(s), {r['senders']} senders, {rate}"

def note(r):
    bad = r["clients"] - r["joined"]
    return f" ({bad} not joined)" if bad else ""

def cpu(r, key):
    v = r.get(key)
    return f"{v:.2f}" if v else "-"

print("| scenario | load | InspIRCd deliveries/s | pchat deliveries/s | pchat/InspIRCd "
      "| InspIRCd p50 / p99 / max ms | pchat p50 / p99 / max ms "
      "| CPU µs/delivery: InspIRCd / pchatd / pchatd + its PostgreSQL |")
print("|---|---|---:|---:|---:|---|---|---|")
best = {}
for name in names:
    i, p = load("inspircd", name), load("pchat", name)
    if i is None or p is None:
        print(f"| {name} | (no result: see the logs in {out}) | | | | | | |")
        continue
    if i["scenario"] == "idle":
        ik, pk = i["per_client_kib"], p["per_client_kib"]
        ratio = f"{pk / ik:.2f}" if ik > 0 else "-"
        print(f"| {name} | {load_desc(p)} | {ik:.1f} KiB/client{note(i)} "
              f"| {pk:.1f} KiB/client{note(p)} | {ratio} (memory) "
              f"| RSS {i['rss_before_kib']}->{i['rss_after_kib']} KiB "
              f"| RSS {p['rss_before_kib']}->{p['rss_after_kib']} KiB | |")
        best["idle"] = (ik, pk, p["joined"])
        continue
    ratio = p["deliveries_per_s"] / i["deliveries_per_s"] if i["deliveries_per_s"] else 0
    print(f"| {name} | {load_desc(p)} | {i['deliveries_per_s']:,.0f}{note(i)} "
          f"| {p['deliveries_per_s']:,.0f}{note(p)} | {ratio:.2f} | {lat(i)} | {lat(p)} "
          f"| {cpu(i, 'server_cpu_us_per_delivery')} / {cpu(p, 'server_cpu_us_per_delivery')} / "
          f"{cpu(p, 'server_tree_cpu_us_per_delivery')} |")
    if name.startswith("fanout"):
        for server, r in (("inspircd", i), ("pchat", p)):
            if r["p99_ms"] <= 10 and r["joined"] == r["clients"]:
                best[server] = max(best.get(server, 0), r["deliveries_per_s"])
            low = best.setdefault(server + "-lowest-p99", (r["p99_ms"], name))
            if r["p99_ms"] < low[0]:
                best[server + "-lowest-p99"] = (r["p99_ms"], name)

print()
bi, bp = best.get("inspircd", 0), best.get("pchat", 0)
def best_text(server, value):
    if value:
        return f"{value:,.0f}"
    p99, name = best.get(server + "-lowest-p99", (0, "-"))
    return f"none (no fan-out run at p99 <= 10 ms; lowest p99 {p99:.2f} ms in {name})"
print(f"Fan-out, best deliveries/s with p99 <= 10 ms: pchat {best_text('pchat', bp)}; "
      f"InspIRCd {best_text('inspircd', bi)}")
if bi and bp:
    verdict = "met" if bp >= 1.5 * bi else "NOT met"
    print(f"  ratio pchat/InspIRCd {bp / bi:.2f} (goal >= 1.5: {verdict})")
elif bp:
    print("  goal >= 1.5x: no ratio (InspIRCd never met p99 <= 10 ms in these runs)")
else:
    print("  goal >= 1.5x: NOT met (pchat never met p99 <= 10 ms in these runs)")
if "idle" in best:
    ik, pk, joined = best["idle"]
    verdict = "met" if pk <= 20 and joined >= 20000 else (
        "met per client, but below 20,000 clients" if pk <= 20 else "NOT met")
    print(f"Idle: pchat {pk:.1f} KiB/client at {joined} clients, InspIRCd {ik:.1f} "
          f"(goal 20,000 clients at <= 20 KiB each: {verdict})")
EOF
log "results: $OUT (table.md, <server>-<scenario>.json and .log, machine.txt)"
