#!/usr/bin/env bash
# Generate Python stubs and .pyi typing from protos/ into clients/gen/.
# Everything under clients/gen is written here and only here: never edit it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
out=clients/gen
rm -rf "$out"
mkdir -p "$out"
mapfile -t files < <(cd protos && find vitrine -name '*.proto' | sort)
"$PY" -m grpc_tools.protoc -I protos \
  --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" "${files[@]}"
# Make every generated directory a regular package (and typed).
find "$out/vitrine" -type d -exec touch {}/__init__.py \;
touch "$out/vitrine/py.typed"
