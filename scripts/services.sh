#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis that Vitrine talks to are running.
#
#   scripts/services.sh up       reuse what answers at DATABASE_URL / REDIS_URL;
#                                otherwise start project-local instances in .local/
#   scripts/services.sh down     stop the project-local instances (never system ones)
#   scripts/services.sh status   say what answers where, and what is ours
#
# Addresses come from the same variables the service reads, with the same
# defaults, so "up" brings up exactly what `make run` and `make test` will use.
# A server that already answers there (the machine's own PostgreSQL 15 and
# Redis 7, normally) is used as it is: this script never restarts or
# reconfigures a server it did not start.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/vitrine}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}

LOCAL=$ROOT/.local              # git-ignored; everything we start lives here
PG_ROOT=$LOCAL/pg
PG_DATA=$PG_ROOT/data
PG_LOG=$PG_ROOT/log/postgres.log
PG_RUN=$PG_ROOT/run             # unix socket directory of the local server
REDIS_DIR=$LOCAL/redis
REDIS_PID=$REDIS_DIR/redis.pid
REDIS_LOG=$REDIS_DIR/redis.log
REDIS_ADDR=$REDIS_DIR/addr      # "host port" of the local redis, for down/status

READY_TIMEOUT=${READY_TIMEOUT:-30}  # seconds to wait for a server to answer
PG_PACKAGES=(postgresql postgresql-contrib)
REDIS_PACKAGES=(redis-server redis-tools)
REQUIRED_EXTENSIONS=(pg_trgm unaccent)

say() { printf 'services: %s\n' "$*"; }
die() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [[ $(id -u) == 0 ]]; }

# --- URL parsing -------------------------------------------------------------
# parse_url URL DEFAULT_PORT sets U_USER U_PASS U_HOST U_PORT U_PATH.
# Handles scheme://[user[:pass]@]host[:port][/path][?query], [v6] hosts and
# %-escapes in user and password (what libpq and redis-py accept).
urldecode() { local s=${1//+/ }; printf '%b' "${s//%/\\x}"; }
parse_url() {
  local url=$1 rest hostport userinfo
  [[ $url == *://* ]] || die "not a URL: $url"
  rest=${url#*://}
  rest=${rest%%\#*}
  rest=${rest%%\?*}
  hostport=${rest%%/*}
  U_PATH=; [[ $rest == */* ]] && U_PATH=${rest#*/}
  U_USER=; U_PASS=
  if [[ $hostport == *@* ]]; then
    userinfo=${hostport%@*}
    hostport=${hostport##*@}
    U_USER=$(urldecode "${userinfo%%:*}")
    [[ $userinfo == *:* ]] && U_PASS=$(urldecode "${userinfo#*:}")
  fi
  if [[ $hostport == \[* ]]; then            # [::1]:5432
    U_HOST=${hostport#\[}; U_HOST=${U_HOST%%\]*}
    U_PORT=${hostport##*\]}; U_PORT=${U_PORT#:}
  else
    U_HOST=${hostport%%:*}
    U_PORT=; [[ $hostport == *:* ]] && U_PORT=${hostport##*:}
  fi
  # An empty host means "the default unix socket" to libpq; this script only
  # manages TCP servers, so read it as the loopback address.
  U_HOST=${U_HOST:-127.0.0.1}
  U_PORT=${U_PORT:-$2}
  [[ $U_PORT =~ ^[0-9]+$ ]] || die "bad port in $url"
}

[[ $DATABASE_URL == postgres://* || $DATABASE_URL == postgresql://* ]] \
  || die "DATABASE_URL must be postgresql://...: $DATABASE_URL"
parse_url "$DATABASE_URL" 5432
PG_HOST=$U_HOST PG_PORT=$U_PORT PG_USER=${U_USER:-postgres} PG_PASS=$U_PASS
PG_DB=$(urldecode "${U_PATH:-}")
PG_DB=${PG_DB:-$PG_USER}                # libpq's default database name

[[ $REDIS_URL == redis://* || $REDIS_URL == rediss://* ]] \
  || die "REDIS_URL must be redis://... (unix sockets are not managed here): $REDIS_URL"
parse_url "$REDIS_URL" 6379
REDIS_HOST=$U_HOST REDIS_PORT=$U_PORT REDIS_PASS=$U_PASS

# Only a server on this machine can be started here.
is_loopback() { [[ $1 == 127.* || $1 == localhost || $1 == ::1 ]]; }
# Redis binds addresses, not names.
bind_addr() { if [[ $1 == localhost ]]; then echo 127.0.0.1; else echo "$1"; fi; }

# --- probes --------------------------------------------------------------------
# A TCP connect with bash's /dev/tcp works without any client package installed.
# shellcheck disable=SC2016  # $1/$2 expand in the child shell, on purpose
tcp_open() { timeout 2 bash -c ': </dev/tcp/"$1"/"$2"' _ "$1" "$2" 2>/dev/null; }

pg_ready() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -t 2
  else
    tcp_open "$PG_HOST" "$PG_PORT"
  fi
}

# redis-cli, bounded in time, with the URL's password if any (REDISCLI_AUTH
# keeps it off the command line), and none at all when the URL has none.
rcli() {
  local auth=()
  [[ -n $REDIS_PASS ]] && auth=("REDISCLI_AUTH=$REDIS_PASS")
  timeout 5 env "${auth[@]}" redis-cli "$@"
}

redis_ready() {
  local reply
  if command -v redis-cli >/dev/null; then
    reply=$(rcli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null) || return 1
  else  # no client installed: speak the protocol ourselves
    # shellcheck disable=SC2016
    reply=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"; printf "PING\r\n" >&3; read -r l <&3; echo "$l"' _ "$REDIS_HOST" "$REDIS_PORT" 2>/dev/null) || return 1
  fi
  [[ $reply == *PONG* ]]
}

# wait_for PROBE: poll PROBE until it succeeds or READY_TIMEOUT runs out.
wait_for() {
  local probe=$1 i
  for ((i = 0; i < READY_TIMEOUT * 2; i++)); do
    "$probe" && return 0
    sleep 0.5
  done
  return 1
}

# --- packages ------------------------------------------------------------------
APT_UPDATED=
apt_install() {
  is_root || die "missing packages ($*) and not root: install them (apt-get install $*) and retry"
  command -v apt-get >/dev/null || die "missing packages ($*) and no apt-get on this machine"
  if [[ -z $APT_UPDATED ]]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The newest /usr/lib/postgresql/N/bin, or the one matching an existing data dir.
pg_bindir() {
  local want="" dir
  [[ -f $PG_DATA/PG_VERSION ]] && want=$(<"$PG_DATA/PG_VERSION")
  if [[ -n $want ]]; then
    dir=/usr/lib/postgresql/$want/bin
    [[ -x $dir/initdb ]] || die "$PG_DATA was made by PostgreSQL $want, whose binaries are not in $dir (remove .local/pg to start over)"
    echo "$dir"; return
  fi
  # shellcheck disable=SC2012  # version-named directories, sorted by version
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) || true
  [[ -n $dir && -x $dir/initdb ]] && echo "$dir"
}

ensure_pg_packages() {
  if [[ -z $(pg_bindir) ]] || ! command -v pg_isready >/dev/null || ! command -v psql >/dev/null; then
    apt_install "${PG_PACKAGES[@]}"
  fi
  [[ -n $(pg_bindir) ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
}

ensure_redis_packages() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install "${REDIS_PACKAGES[@]}"
  fi
}

# --- project-local PostgreSQL --------------------------------------------------
# initdb and postgres refuse to run as root, so as root they run as the
# `postgres` OS user (the one Debian's packages create), which must own .local/pg.
as_pg() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

local_pg_running() {
  [[ -f $PG_DATA/postmaster.pid ]] || return 1
  local bin; bin=$(pg_bindir) || return 1
  as_pg "$bin/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}
# The port the local server is running on (4th line of postmaster.pid).
local_pg_port() { sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null; }

start_local_pg() {
  is_loopback "$PG_HOST" || die "PostgreSQL at $PG_HOST:$PG_PORT does not answer, and it is not on this machine: start it, or point DATABASE_URL elsewhere"
  ensure_pg_packages
  # Debian's package install may have just started its own cluster on this port.
  if pg_ready; then say "PostgreSQL now answers at $PG_HOST:$PG_PORT (started by the package install)"; return; fi

  local bin; bin=$(pg_bindir)
  if local_pg_running; then
    die "the project-local PostgreSQL already runs on port $(local_pg_port), not $PG_PORT: run 'scripts/services.sh down' first"
  fi
  tcp_open "$PG_HOST" "$PG_PORT" && die "something else listens on $PG_HOST:$PG_PORT but is not a ready PostgreSQL"

  mkdir -p "$PG_ROOT/log" "$PG_RUN"
  # A unix socket path must fit in 107 bytes; a deep checkout would overflow it,
  # so fall back to a private directory under /tmp then.
  local sockdir=$PG_RUN
  if (( ${#sockdir} + 20 > 100 )); then sockdir=$(mktemp -d /tmp/vitrine-pg.XXXXXX); fi

  if is_root; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown -R postgres: "$PG_ROOT"
    [[ $sockdir == "$PG_RUN" ]] || chown postgres: "$sockdir"
    as_pg test -w "$PG_ROOT" || die "the postgres user cannot write $PG_ROOT (is a parent directory closed to other users?)"
  fi

  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    say "initdb $PG_DATA ($("$bin/postgres" --version))"
    # C.UTF-8 like the machine's cluster: with plain C, pg_trgm and full-text
    # search would treat accented letters (ã, é, ç) as non-letters.
    local locale=(--no-locale)
    locale -a 2>/dev/null | grep -qix 'c.utf-\?8' && locale=(--locale=C.UTF-8)
    as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 "${locale[@]}" >"$PG_ROOT/log/initdb.log" \
      || die "initdb failed, see $PG_ROOT/log/initdb.log"
    cat >>"$PG_DATA/postgresql.conf" <<'EOF'

# --- Vitrine (scripts/services.sh) ---
shared_preload_libraries = 'pg_stat_statements'
# Address, port and socket are rewritten on every start, from DATABASE_URL.
include_if_exists = 'vitrine-address.conf'
EOF
  fi
  # Written on each start so the instance always follows DATABASE_URL.
  printf "listen_addresses = '%s'\nport = %s\nunix_socket_directories = '%s'\n" \
    "$PG_HOST" "$PG_PORT" "$sockdir" >"$PG_DATA/vitrine-address.conf"
  is_root && chown postgres: "$PG_DATA/vitrine-address.conf"

  say "starting project-local PostgreSQL on $PG_HOST:$PG_PORT (log: ${PG_LOG#"$ROOT"/})"
  as_pg "$bin/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$READY_TIMEOUT" >/dev/null \
    || { tail -n 20 "$PG_LOG" >&2 || true; die "PostgreSQL did not start, see $PG_LOG"; }
}

# --- project-local Redis ---------------------------------------------------------
local_redis_pid() {
  local pid
  [[ -f $REDIS_PID ]] || return 1
  pid=$(<"$REDIS_PID")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q redis "/proc/$pid/comm" 2>/dev/null || return 1
  echo "$pid"
}

start_local_redis() {
  is_loopback "$REDIS_HOST" || die "Redis at $REDIS_HOST:$REDIS_PORT does not answer, and it is not on this machine: start it, or point REDIS_URL elsewhere"
  ensure_redis_packages
  if redis_ready; then say "Redis now answers at $REDIS_HOST:$REDIS_PORT (started by the package install)"; return; fi
  if local_redis_pid >/dev/null; then
    die "the project-local Redis already runs at $(tr " " : <"$REDIS_ADDR" 2>/dev/null), not $REDIS_HOST:$REDIS_PORT: run 'scripts/services.sh down' first"
  fi
  tcp_open "$REDIS_HOST" "$REDIS_PORT" && die "something else listens on $REDIS_HOST:$REDIS_PORT but does not answer PING"

  mkdir -p "$REDIS_DIR"
  local auth=()
  [[ -n $REDIS_PASS ]] && auth=(--requirepass "$REDIS_PASS")
  say "starting project-local Redis on $REDIS_HOST:$REDIS_PORT (log: ${REDIS_LOG#"$ROOT"/})"
  # Nothing is persisted: tests and the demo rebuild what they need.
  redis-server --daemonize yes --bind "$(bind_addr "$REDIS_HOST")" --port "$REDIS_PORT" \
    --dir "$REDIS_DIR" --save '' --appendonly no \
    --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" "${auth[@]}" \
    || die "redis-server did not start, see $REDIS_LOG"
  echo "$REDIS_HOST $REDIS_PORT" >"$REDIS_ADDR"
}

# --- database and extensions -----------------------------------------------------
pg_admin() {
  PGPASSWORD=$PG_PASS PGCONNECT_TIMEOUT=5 psql -X -q -At -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres "$@"
}

ensure_database() {
  command -v psql >/dev/null || ensure_pg_packages
  local exists
  # :'db' quotes the name as a literal: nothing from the URL is spliced into SQL.
  exists=$(pg_admin -v db="$PG_DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db'") \
    || die "cannot query $PG_HOST:$PG_PORT as $PG_USER"
  if [[ $exists != 1 ]]; then
    say "createdb $PG_DB"
    PGPASSWORD=$PG_PASS createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$PG_DB"
  fi

  local list missing
  list=$(IFS=,; echo "${REQUIRED_EXTENSIONS[*]}")
  missing=$(pg_admin -v names="$list" <<<"SELECT string_agg(n, ' ') FROM unnest(string_to_array(:'names', ',')) AS n WHERE n NOT IN (SELECT name FROM pg_available_extensions)")
  if [[ -n $missing ]] && is_loopback "$PG_HOST" && is_root; then
    apt_install postgresql-contrib   # ships the extensions' files for the server
    missing=$(pg_admin -v names="$list" <<<"SELECT string_agg(n, ' ') FROM unnest(string_to_array(:'names', ',')) AS n WHERE n NOT IN (SELECT name FROM pg_available_extensions)")
  fi
  [[ -z $missing ]] || die "PostgreSQL at $PG_HOST:$PG_PORT lacks the extensions: $missing (install postgresql-contrib)"

  # AdminService.ListSlowQueries reads pg_stat_statements: create it wherever
  # the server preloads it (ours does; a reused server may not, and is left as is).
  if [[ $(pg_admin <<<"SHOW shared_preload_libraries") == *pg_stat_statements* ]]; then
    PGPASSWORD=$PG_PASS PGCONNECT_TIMEOUT=5 psql -X -q -At -v ON_ERROR_STOP=1 \
      -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" \
      -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null \
      || say "could not create pg_stat_statements in $PG_DB (ListSlowQueries will say so)"
  fi
}

# --- commands --------------------------------------------------------------------
# A server whose port is open but which is not ready yet (starting up, say)
# gets the same bounded wait as one we start ourselves.
settling() { tcp_open "$1" "$2" && say "$3 at $1:$2 is not ready yet: waiting" && wait_for "$4"; }

cmd_up() {
  if pg_ready || settling "$PG_HOST" "$PG_PORT" PostgreSQL pg_ready; then
    say "PostgreSQL answers at $PG_HOST:$PG_PORT: using it"
  else
    start_local_pg
    wait_for pg_ready || die "PostgreSQL at $PG_HOST:$PG_PORT not ready after ${READY_TIMEOUT}s (log: $PG_LOG)"
  fi
  ensure_database

  if redis_ready || settling "$REDIS_HOST" "$REDIS_PORT" Redis redis_ready; then
    say "Redis answers at $REDIS_HOST:$REDIS_PORT: using it"
  else
    start_local_redis
    wait_for redis_ready || die "Redis at $REDIS_HOST:$REDIS_PORT not ready after ${READY_TIMEOUT}s (log: $REDIS_LOG)"
  fi
  # The tests start servers of their own beside these (a PostgreSQL primary
  # with a replica, a Redis Cluster: tests/cluster/, tests/faults/): the
  # binaries must be here even when the services above run elsewhere.
  ensure_pg_packages
  ensure_redis_packages
  say "ready: database $PG_DB at $PG_HOST:$PG_PORT, redis at $REDIS_HOST:$REDIS_PORT"
}

cmd_down() {
  if local_pg_running; then
    say "stopping project-local PostgreSQL (port $(local_pg_port))"
    as_pg "$(pg_bindir)/pg_ctl" stop -D "$PG_DATA" -m fast -w -t "$READY_TIMEOUT" >/dev/null
  else
    say "no project-local PostgreSQL running"
  fi

  local pid host port i
  if pid=$(local_redis_pid); then
    read -r host port <"$REDIS_ADDR" || true
    say "stopping project-local Redis (pid $pid, ${host:-?}:${port:-?})"
    rcli -h "${host:-127.0.0.1}" -p "${port:-6379}" shutdown nosave >/dev/null 2>&1 || kill "$pid"
    for ((i = 0; i < READY_TIMEOUT * 2; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && die "Redis (pid $pid) did not stop"
    rm -f "$REDIS_PID" "$REDIS_ADDR"
  else
    say "no project-local Redis running"
  fi
}

cmd_status() {
  local pid where
  if local_pg_running; then where="project-local, data ${PG_DATA#"$ROOT"/}, port $(local_pg_port), log ${PG_LOG#"$ROOT"/}"
  else where="not started by this project"; fi
  if pg_ready; then say "PostgreSQL $PG_HOST:$PG_PORT: ready ($where)"
  else say "PostgreSQL $PG_HOST:$PG_PORT: NOT reachable ($where)"; fi

  if pid=$(local_redis_pid); then where="project-local, pid $pid at $(tr " " : <"$REDIS_ADDR" 2>/dev/null), log ${REDIS_LOG#"$ROOT"/}"
  else where="not started by this project"; fi
  if redis_ready; then say "Redis $REDIS_HOST:$REDIS_PORT: ready ($where)"
  else say "Redis $REDIS_HOST:$REDIS_PORT: NOT reachable ($where)"; fi
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
