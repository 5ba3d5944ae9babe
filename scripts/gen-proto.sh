#!/usr/bin/env bash
# Generate Python stubs and .pyi typing (mypy-protobuf: messages and the
# sync and asyncio _grpc stubs) from protos/ into clients/gen/.
# Everything under clients/gen is written here and only here: never edit it.
#
# protoc and the grpc plugin run in their own pinned venv (.tools/protoc,
# from scripts/proto-requirements.txt with hashes): an old grpcio-tools, so
# the generated code asks for no newer grpcio and protobuf than the client's
# declared floors (clients/pyproject.toml; `make client-floors` proves them).
# mypy-protobuf, which writes the .pyi, runs from the project's .venv (uv.lock).
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=$(scripts/protoc-venv.sh)

out=clients/gen
rm -rf "$out"
mkdir -p "$out"
mapfile -t files < <(cd protos && find vitrine -name '*.proto' | sort)
# third_party/googleapis: google/api/field_behavior.proto, vendored (its
# Python module comes from googleapis-common-protos at run time).
"$TOOLS/bin/python" -m grpc_tools.protoc -I protos -I third_party/googleapis \
  --plugin=protoc-gen-mypy=.venv/bin/protoc-gen-mypy \
  --plugin=protoc-gen-mypy_grpc=.venv/bin/protoc-gen-mypy_grpc \
  --python_out="$out" --mypy_out="$out" --grpc_python_out="$out" --mypy_grpc_out="$out" \
  "${files[@]}" 2> >(grep -v "^Writing mypy to " >&2)
# Make every generated directory a regular package (and typed).
find "$out/vitrine" -type d -exec touch {}/__init__.py \;
touch "$out/vitrine/py.typed"
