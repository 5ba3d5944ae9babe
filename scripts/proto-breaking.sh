#!/usr/bin/env bash
# buf breaking (buf.yaml: FILE rules) of the protos in the work tree against
# those of an earlier commit: BREAKING_AGAINST, or by default HEAD's first
# parent, which on main is main's previous commit (a merge's first parent is
# the main it was merged into). Offline: the earlier tree comes from the local
# git history with `git archive`, never from a remote or the BSR.
set -euo pipefail
cd "$(dirname "$0")/.."
BUF=.tools/node_modules/.bin/buf
against=${BREAKING_AGAINST:-HEAD^1}

if ! commit=$(git rev-parse --verify --quiet "$against^{commit}"); then
  if [[ -z ${BREAKING_AGAINST:-} ]] && ! git rev-parse --verify --quiet HEAD^1 >/dev/null; then
    if [[ $(git rev-parse --is-shallow-repository) == true ]]; then
      echo "proto-breaking: this clone is shallow, HEAD's parent is not here:" \
        "run 'git fetch --deepen 1' (or set BREAKING_AGAINST=<commit>)" >&2
      exit 1
    fi
    echo "proto-breaking: HEAD has no parent (the first commit): nothing to compare with"
    exit 0
  fi
  echo "proto-breaking: $against is not a commit here" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Only what buf needs: its config and the proto trees (third_party may be absent).
paths=(buf.yaml protos)
git cat-file -e "$commit:third_party" 2>/dev/null && paths+=(third_party)
git archive "$commit" "${paths[@]}" | tar -x -C "$tmp"
"$BUF" breaking protos --against "$tmp/protos"
echo "proto-breaking: no breaking change against $(git rev-parse --short "$commit") ($against)"
