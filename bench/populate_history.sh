#!/usr/bin/env bash
# Fill a room of a standalone pchat store with N synthetic messages, for the
# `pchat-bench --scenario history` benchmark (issue: history p99 on 10M messages).
#
#   bench/populate_history.sh DATA_DIR [COUNT=10000000] [ROOM=#bench0] [BODY]
#
# BODY is an SQL expression of g (the row number) giving each message's text
# (default: 'history message ' || g).
#
# Run it while pchatd is STOPPED (a running server would deliver the rows through
# its message stream); the store's PostgreSQL is started by `pchatctl` if needed.
# Rows are spread over the last 30 days, ids ascending with time, in batches of 1M.
set -euo pipefail

DATA=${1:?usage: populate_history.sh DATA_DIR [COUNT] [ROOM]}
COUNT=${2:-10000000}
ROOM=${3:-#bench0}
BODY=${4:-"'history message ' || g"}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${PCHAT_BIN_DIR:-$REPO/build/release/bin}
DATA=$(cd "$DATA" && pwd)

if [[ ! -f "$DATA/pg/PG_VERSION" ]]; then
  echo "populate: $DATA has no store yet: start pchatd once with --data-dir $DATA" >&2
  exit 1
fi
# Brings the schema up to date (and fails clearly if pchatd is running).
"$BIN/pchatctl" --data-dir "$DATA" user list >/dev/null
if [[ -f "$DATA/pg/postmaster.pid" ]]; then
  echo "populate: PostgreSQL is running in $DATA (pchatd?): stop pchatd first" >&2
  exit 1
fi

# pchatctl stops the temporary store when it exits: start PostgreSQL for the load.
PGBIN=$(pg_config --bindir)
RUNAS=()
[[ $(id -u) == 0 ]] && RUNAS=(runuser -u postgres --)
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DATA/pg" -l "$DATA/pg/populate.log" -w start >/dev/null
trap '"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DATA/pg" -m fast -w stop >/dev/null' EXIT

CONN="host=$DATA/run dbname=mgc user=pchat"
batch=1000000
done_rows=0
start=$(date +%s)
while (( done_rows < COUNT )); do
  n=$(( COUNT - done_rows < batch ? COUNT - done_rows : batch ))
  psql "$CONN" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO messages (msgid, target, sender, account, command, tags, body, ts)
SELECT md5('bench' || g || '-' || $BODY), lower('$ROOM'), 'bench!~bench@127.0.0.1', NULL, 'PRIVMSG', '',
       $BODY,
       now() - interval '30 days' + (g::float8 / $COUNT) * interval '30 days'
FROM generate_series($done_rows + 1, $done_rows + $n) AS g;
SQL
  done_rows=$(( done_rows + n ))
  echo "populate: $done_rows / $COUNT rows"
done
psql "$CONN" -q -c "VACUUM ANALYZE messages"
echo "populate: $COUNT rows in $ROOM in $(( $(date +%s) - start )) s"
