#!/usr/bin/env bash
# Write a descriptor set of every Vitrine proto, with everything it imports
# and the google.rpc error detail types the server attaches to errors
# (ErrorInfo, BadRequest, ResourceInfo, RetryInfo, QuotaFailure), so that
# `grpcurl -protoset` and `ghz --protoset` decode error details too.
#
#   scripts/protoset.sh vitrine.protoset
#
# The same protoc as `make proto` (the pinned grpcio-tools venv, with the
# well-known types); the google/rpc .proto files come from
# googleapis-common-protos, already a dependency of the server, and
# google/api/field_behavior.proto from third_party/. Source info is kept:
# grpcurl describe shows comments.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
out=${1:?usage: $0 OUTPUT}
googleapis=$("$PY" -c 'import google.rpc, pathlib; print(pathlib.Path(google.rpc.__path__[0]).parents[1])')
TOOLS=$(scripts/protoc-venv.sh)
mapfile -t files < <(cd protos && find vitrine -name '*.proto' | sort)
"$TOOLS/bin/python" -m grpc_tools.protoc -I protos -I third_party/googleapis -I "$googleapis" \
  --include_imports --include_source_info --descriptor_set_out="$out" \
  "${files[@]}" google/rpc/error_details.proto google/rpc/status.proto google/rpc/code.proto
