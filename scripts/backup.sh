#!/usr/bin/env bash
# Back up and restore Vitrine's PostgreSQL database (pg_dump custom format).
#
#   scripts/backup.sh backup [FILE]    dump DATABASE_URL into FILE
#                                      (default: backups/vitrine-<UTC time>.dump)
#   scripts/backup.sh restore FILE     restore FILE into RESTORE_URL, or DATABASE_URL
#
# `make backup [BACKUP=FILE]` and `make restore BACKUP=FILE [RESTORE_URL=...] [FORCE=1]`
# run these.
#
# backup: one consistent snapshot (pg_dump's own transaction), written to
#   FILE.partial and renamed when complete, readable only by its owner, its
#   table of contents read back before it counts as done.
# restore: all or nothing (one transaction, stopped at the first error), with
#   --no-owner (objects belong to the restoring user), then ANALYZE (a dump
#   holds no planner statistics). A missing target database is created (and
#   dropped again if the restore fails); one that already holds tables is
#   refused unless FORCE=1, which restores into <name>_restoring and then
#   swaps names in one transaction, keeping the old database as
#   <name>_replaced_<UTC time>. (Not pg_restore --clean: it cannot drop the
#   constraints of price_points' partitions.) Servers must be stopped for the
#   swap: a database with connections cannot be renamed.
#
# The pg_dump/pg_restore used match the server's major version
# (/usr/lib/postgresql/<major>/bin, Debian's layout), because pg_dump refuses
# a newer server and a dump from a newer pg_dump may not restore into an
# older one. PG_BIN=/path/to/bin overrides the choice.
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/vitrine}
BACKUP_DIR=${BACKUP_DIR:-backups}

say() { printf 'backup: %s\n' "$*"; }
die() { printf 'backup: ERROR: %s\n' "$*" >&2; exit 1; }

# Any psql talks to any server version; prefer the newest installed one.
psql_bin() {
  local p
  for p in $(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V -r) "$(command -v psql || true)"; do
    [[ -x $p ]] && { echo "$p"; return; }
  done
  die "psql not found (apt-get install postgresql-client)"
}

# pg_dump/pg_restore of the server's major version (or PG_BIN's).
pg_tools_for() {
  local url=$1 num major
  if [[ -n ${PG_BIN:-} ]]; then
    [[ -x $PG_BIN/pg_dump && -x $PG_BIN/pg_restore ]] || die "PG_BIN=$PG_BIN has no pg_dump/pg_restore"
    BIN=$PG_BIN
    return
  fi
  num=$("$PSQL" "$url" -XAtq -c 'SHOW server_version_num') || die "cannot connect to $(redact "$url")"
  major=$((num / 10000))
  BIN=/usr/lib/postgresql/$major/bin
  [[ -x $BIN/pg_dump && -x $BIN/pg_restore ]] ||
    die "the server is PostgreSQL $major but $BIN has no pg_dump/pg_restore (apt-get install postgresql-client-$major, or set PG_BIN)"
}

# A URL without its password, for messages.
redact() { sed -E 's#(://[^:/@]+):[^@/]*@#\1:***@#' <<<"$1"; }

urldecode() { local s=${1//+/ }; printf '%b' "${s//%/\\x}"; }

# The database name of a URL, and the same URL pointing at "postgres" instead.
split_url() {
  local url=$1 base query=
  base=${url%%\?*}
  [[ $url == *\?* ]] && query="?${url#*\?}"
  [[ ${base#*://} == */* ]] || die "no database name in $(redact "$url")"
  DB_NAME=$(urldecode "${base##*/}")
  [[ -n $DB_NAME ]] || die "no database name in $(redact "$url")"
  ADMIN_URL="${base%/*}/postgres$query"
}

backup() {
  local file=${1:-} url=$DATABASE_URL entries
  if [[ -z $file ]]; then
    mkdir -p "$BACKUP_DIR"
    file=$BACKUP_DIR/vitrine-$(date -u +%Y%m%dT%H%M%SZ).dump
  fi
  [[ -e $file ]] && die "$file exists: choose another BACKUP"
  pg_tools_for "$url"
  say "dumping $(redact "$url") with $BIN/pg_dump"
  umask 077
  rm -f "$file.partial"
  "$BIN/pg_dump" --format=custom --dbname="$url" --file="$file.partial" ||
    { rm -f "$file.partial"; die "pg_dump failed; no backup written"; }
  entries=$("$BIN/pg_restore" --list "$file.partial" | grep -vc '^;') ||
    { rm -f "$file.partial"; die "the dump does not read back; no backup written"; }
  mv "$file.partial" "$file"
  say "wrote $file ($(du -h "$file" | cut -f1), $entries entries)"
}

sql_admin() { "$PSQL" "$ADMIN_URL" -XAtq -v ON_ERROR_STOP=1 "$@"; }

# pg_restore FILE into the existing database NAME: one transaction, all or nothing.
restore_into() {
  local file=$1 name=$2 url
  url=$(url_for "$name")
  "$BIN/pg_restore" --dbname="$url" --no-owner --exit-on-error --single-transaction "$file" &&
    "$PSQL" "$url" -XAtq -v ON_ERROR_STOP=1 -c 'ANALYZE' >/dev/null
}

# The restore URL with another database name.
url_for() {
  local base=${RESTORE_TARGET%%\?*} query=
  [[ $RESTORE_TARGET == *\?* ]] && query="?${RESTORE_TARGET#*\?}"
  printf '%s/%s%s' "${base%/*}" "$1" "$query"
}

create_db() { sql_admin -v name="$1" <<<'CREATE DATABASE :"name"' >/dev/null; }
drop_db() { sql_admin -v name="$1" <<<'SET client_min_messages = warning; DROP DATABASE IF EXISTS :"name"' >/dev/null; }

restore() {
  local file=${1:-} exists tables staging replaced
  RESTORE_TARGET=${RESTORE_URL:-$DATABASE_URL}
  [[ -n $file ]] || die "which backup? make restore BACKUP=backups/vitrine-....dump"
  [[ -f $file ]] || die "no such backup: $file"
  split_url "$RESTORE_TARGET"
  [[ $DB_NAME =~ ^[A-Za-z0-9_.-]+$ ]] || die "database name '$DB_NAME': letters, digits, _ . - only"
  pg_tools_for "$ADMIN_URL"
  "$BIN/pg_restore" --list "$file" >/dev/null || die "$file is not a pg_dump custom-format archive"
  say "restoring $file into $(redact "$RESTORE_TARGET") with $BIN/pg_restore"

  exists=$(sql_admin -v name="$DB_NAME" <<<"SELECT count(*) FROM pg_database WHERE datname = :'name'")
  if [[ $exists == 0 ]]; then
    create_db "$DB_NAME"
    restore_into "$file" "$DB_NAME" ||
      { drop_db "$DB_NAME"; die "pg_restore failed: nothing restored (database $DB_NAME not created)"; }
  else
    tables=$("$PSQL" "$RESTORE_TARGET" -XAtq -v ON_ERROR_STOP=1 <<<"
      SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema'
        AND n.nspname NOT LIKE 'pg\_%'")
    if [[ $tables == 0 ]]; then
      restore_into "$file" "$DB_NAME" || die "pg_restore failed: rolled back, $DB_NAME is as it was"
    else
      [[ ${FORCE:-0} == 1 ]] ||
        die "database $DB_NAME already has $tables tables: restore into a new database (RESTORE_URL=...), or FORCE=1 to replace it"
      # Restore beside it, then swap names in one transaction: a failed
      # restore leaves the database untouched, and the old one is kept.
      staging=${DB_NAME}_restoring
      replaced=${DB_NAME}_replaced_$(date -u +%Y%m%dT%H%M%SZ)
      drop_db "$staging"
      create_db "$staging"
      restore_into "$file" "$staging" ||
        { drop_db "$staging"; die "pg_restore failed: $DB_NAME is as it was"; }
      sql_admin -v old="$DB_NAME" -v new="$staging" -v kept="$replaced" <<<'
        BEGIN;
        ALTER DATABASE :"old" RENAME TO :"kept";
        ALTER DATABASE :"new" RENAME TO :"old";
        COMMIT;' >/dev/null ||
        { drop_db "$staging"; die "cannot swap in the restored database (is a server still connected to $DB_NAME? stop it first): $DB_NAME is as it was"; }
      say "FORCE=1: the previous $DB_NAME is kept as $replaced (drop it when done)"
    fi
  fi
  say "restored into $DB_NAME"
  local redis=${REDIS_URL:-redis://127.0.0.1:6379/0} prefix=${VITRINE_REDIS_PREFIX:-vitrine}
  say "if a Vitrine deployment caches this database, delete its Redis keys before it serves again:"
  say "  redis-cli -u $redis --scan --pattern '$prefix:*' | xargs -r redis-cli -u $redis unlink"
}

PSQL=$(psql_bin)
case ${1:-} in
  backup) shift; backup "$@" ;;
  restore) shift; restore "$@" ;;
  *) echo "usage: $0 backup [FILE] | restore FILE" >&2; exit 2 ;;
esac
