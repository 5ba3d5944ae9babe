#!/usr/bin/env bash
# The built wheels work anywhere: both packages built as wheels, installed
# (not editable) with the locked dependencies into a fresh venv, then, from a
# directory outside the repository, `vitrine` migrates a new database, seeds
# the demo catalog, serves, and answers a call through vitrine_client.
# Everything it makes (venv, database, Redis keys, server) is removed after.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=.tools/uv/bin/uv
BASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/vitrine}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
run_id=$(python3 -c 'import secrets; print(secrets.token_hex(4))')
db=vitrine_wheelcheck_$run_id
tmp=$(mktemp -d)
server_pid=
say() { printf 'wheel-check: %s\n' "$*"; }

cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  if [[ -x $tmp/venv/bin/python ]]; then
    "$tmp/venv/bin/python" - "$BASE_URL" "$db" "$REDIS_URL" "wheelcheck-$run_id" <<'PY' || true
import asyncio, sys
import asyncpg, redis
base, db, redis_url, prefix = sys.argv[1:]
async def drop():
    conn = await asyncpg.connect(base.rsplit("/", 1)[0] + "/postgres")
    await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    await conn.close()
asyncio.run(drop())
r = redis.Redis.from_url(redis_url)
for key in r.scan_iter(match=f"{prefix}:*", count=1000):
    r.delete(key)
PY
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

say "building wheels"
"$UV" build --quiet --wheel --out-dir "$tmp/dist" clients
"$UV" build --quiet --wheel --out-dir "$tmp/dist" .
ls "$tmp/dist" | sed 's/^/  /'
say "installing them with requirements/server.txt into a fresh venv"
"$UV" venv --quiet --python python3 "$tmp/venv"
"$UV" pip sync --quiet --python "$tmp/venv/bin/python" --require-hashes requirements/server.txt
"$UV" pip install --quiet --python "$tmp/venv/bin/python" --no-deps "$tmp"/dist/*.whl

cd "$tmp"  # nothing of the checkout is importable from here
export PATH=$tmp/venv/bin:$PATH
export DATABASE_URL=${BASE_URL%/*}/$db REDIS_URL VITRINE_REDIS_PREFIX=wheelcheck-$run_id
export VITRINE_METRICS_PORT=off VITRINE_LOG_FORMAT=text VITRINE_WORKERS=1
export VITRINE_BOOTSTRAP_ADMIN_KEY=vtr_wheelcheck_$run_id
python -P -c 'import vitrine_server, vitrine_client
for m in (vitrine_server, vitrine_client): assert "site-packages" in m.__file__, m.__file__
print("  importing from", vitrine_server.__file__.rsplit("/", 2)[0])'

say "migrate, seed"
python - "$BASE_URL" "$db" <<'PY'
import asyncio, sys
import asyncpg
async def create(base, db):
    conn = await asyncpg.connect(base.rsplit("/", 1)[0] + "/postgres")
    await conn.execute(f'CREATE DATABASE "{db}"')
    await conn.close()
asyncio.run(create(*sys.argv[1:]))
PY
vitrine migrate up
vitrine seed-demo
port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
say "serve on 127.0.0.1:$port"
vitrine run --host 127.0.0.1 --port "$port" >"$tmp/server.log" 2>&1 &
server_pid=$!
python - "127.0.0.1:$port" "$VITRINE_BOOTSTRAP_ADMIN_KEY" <<'PY' || { cat "$tmp/server.log" >&2; exit 1; }
import sys, time
import grpc
from vitrine.catalog.v1 import catalog_service_pb2 as catalog
from vitrine.search.v1 import search_service_pb2 as search
from vitrine_client import connect
target, key = sys.argv[1:]
with connect(target, api_key=key) as vitrine:
    grpc.channel_ready_future(vitrine.channel).result(timeout=30)
    product = vitrine.catalog.GetProduct(catalog.GetProductRequest(id=1)).product
    hits = vitrine.search.SearchProducts(search.SearchProductsRequest(query="celular")).estimated_total_hits
print(f"  GetProduct(1): {product.name!r}; SearchProducts('celular'): {hits} hits")
PY
say "ok: the wheels migrate, seed and serve"
