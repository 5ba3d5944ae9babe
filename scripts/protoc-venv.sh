#!/usr/bin/env bash
# The pinned venv protoc runs in (.tools/protoc, grpcio-tools from
# scripts/proto-requirements.txt with hashes), made or refreshed when the
# requirements change. Prints its directory. Used by make proto and make protoset.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=.tools/uv/bin/uv
TOOLS=.tools/protoc
REQS=scripts/proto-requirements.txt
STAMP=$TOOLS/.installed

if [[ ! -f $STAMP || $REQS -nt $STAMP ]]; then
  [[ -x $UV ]] || scripts/tools.sh uv >&2
  rm -rf "$TOOLS"
  "$UV" venv --quiet --python python3 "$TOOLS" >&2
  "$UV" pip sync --quiet --python "$TOOLS/bin/python" --require-hashes "$REQS" >&2
  touch "$STAMP"
fi
echo "$TOOLS"
