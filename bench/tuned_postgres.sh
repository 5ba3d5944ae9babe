#!/usr/bin/env bash
# A throwaway PostgreSQL set up as a production server would be, for the
# sustained ingestion run (python -m bench --only pricing --pricing-until-rows N).
#
# A stock PostgreSQL package starts with shared_buffers = 128 MB, sized for
# any small machine. Ten million price points are ~2.5 GB of tables and
# indexes: past ~1 million rows every batch reads and evicts pages through
# the operating system's cache, and throughput falls with the table's size
# for that reason alone. A production server gives PostgreSQL a quarter of
# its memory, keeps autovacuum on and lets checkpoints space out. This one
# does, on its own port and data folder, leaving any other server alone. It
# also preloads pg_stat_statements, planning times included, so that each
# statement's share of a run can be read afterwards (CREATE EXTENSION
# pg_stat_statements in the bench database, then query the view):
#
#   bash bench/tuned_postgres.sh start [PORT]    # prints its DATABASE_URL (default port 5499)
#   python -m bench --only pricing --database-url "$(bash bench/tuned_postgres.sh url)" ...
#   bash bench/tuned_postgres.sh stop [PORT]     # stops it and deletes its data
set -euo pipefail

ACTION=${1:-start}
PORT=${2:-5499}
DIR=${VITRINE_TUNED_PG_DIR:-/tmp/vitrine-tuned-pg-$PORT}
URL="postgresql://postgres@127.0.0.1:$PORT/vitrine_bench_scale"
BIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
if [ -z "$BIN" ]; then
  echo "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)" >&2
  exit 1
fi

# initdb and postgres refuse to run as root: run them as the postgres user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$ACTION" in
start)
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    as_owner "$BIN/initdb" -D "$DIR" -U postgres --auth=trust >/dev/null
  fi
  mem_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
  buffers_mb=$((mem_mb / 4 > 8192 ? 8192 : mem_mb / 4))
  as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w start -o "\
    -p $PORT -k $DIR -c listen_addresses=127.0.0.1 \
    -c shared_buffers=${buffers_mb}MB -c effective_cache_size=$((mem_mb / 2))MB \
    -c max_wal_size=8GB -c checkpoint_timeout=15min -c autovacuum=on \
    -c max_connections=200 \
    -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on" \
    >/dev/null
  echo "$URL"
  ;;
stop)
  if [ -f "$DIR/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null
  fi
  rm -rf "$DIR"
  ;;
url)
  echo "$URL"
  ;;
*)
  echo "usage: $0 start|stop|url [PORT]" >&2
  exit 2
  ;;
esac
