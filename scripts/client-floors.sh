#!/usr/bin/env bash
# The client at its declared floors: every dependency of clients/pyproject.toml
# pinned to the lowest version its specifier allows (">=1.66.2" -> "==1.66.2"),
# installed with the client (not editable) into a fresh venv, then the client's
# own tests (clients/tests, which need nothing but the client, pytest and
# pytest-asyncio).
# A floor that is not true (generated code refusing that grpcio or protobuf,
# an API the client uses missing there) fails here.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=.tools/uv/bin/uv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - clients/pyproject.toml >"$tmp/floors.txt" <<'PY'
import re, sys, tomllib
for dep in tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]:
    m = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([^,;\s]+).*", dep)
    if not m:
        sys.exit(f"client-floors: {dep!r} has no '>=' floor")
    print(f"{m[1]}=={m[2]}")
PY
echo "client-floors: $(tr '\n' ' ' <"$tmp/floors.txt")"
"$UV" venv --quiet --python python3 "$tmp/venv"
"$UV" build --quiet --wheel --out-dir "$tmp/dist" clients
"$UV" pip install --quiet --python "$tmp/venv/bin/python" --constraint "$tmp/floors.txt" \
  "$tmp"/dist/vitrine_client-*.whl "pytest==9.2.0" "pytest-asyncio==1.5.0"
"$UV" pip list --python "$tmp/venv/bin/python" 2>/dev/null \
  | grep -Ei '^(grpcio|grpcio-status|protobuf|googleapis-common-protos) ' | sed 's/^/  installed: /'
# -P: the work tree is not put on sys.path, so the tests import the wheel.
cd clients
"$tmp/venv/bin/python" -P -c 'import vitrine, vitrine_client
for m in (vitrine, vitrine_client): assert "site-packages" in m.__file__, m.__file__'
"$tmp/venv/bin/python" -P -m pytest -q -p no:cacheprovider tests
