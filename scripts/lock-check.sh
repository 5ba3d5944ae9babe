#!/usr/bin/env bash
# Fail when requirements/*.txt (the hashed locks) do not match the pyprojects:
# each is recompiled into a temporary copy (keeping its locked versions, as
# `make lock` does) and compared.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=.tools/uv/bin/uv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=(--quiet --universal --generate-hashes --python-version 3.11
      --no-emit-package vitrine-client --custom-compile-command 'make lock')
status=0
for lock in server dev; do
  cp "requirements/$lock.txt" "$tmp/$lock.txt"
  extra=(); [[ $lock == dev ]] && extra=(--extra dev)
  "$UV" pip compile "${args[@]}" pyproject.toml "${extra[@]}" -o "$tmp/$lock.txt"
  if ! diff -u "requirements/$lock.txt" "$tmp/$lock.txt" >"$tmp/$lock.diff"; then
    echo "lock-check: requirements/$lock.txt does not match pyproject.toml; run 'make lock':" >&2
    sed 's/^/  /' "$tmp/$lock.diff" | head -40 >&2
    status=1
  fi
done
((status == 0)) && echo "lock-check: requirements/*.txt match the pyprojects"
exit $status
