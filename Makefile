# Vitrine developer tasks. `make test` and `make run` work alone on a fresh
# machine: both go through `setup` (venv, dependencies, buf, PostgreSQL, Redis).
# Addresses come from DATABASE_URL / REDIS_URL / VITRINE_PORT (see README).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

VENV   := .venv
PY     := $(VENV)/bin/python
# Touched after a successful install; re-installs only when a pyproject changes.
STAMP  := $(VENV)/.installed
BUF    := .tools/node_modules/.bin/buf
PROTOS := $(shell find protos -name '*.proto' 2>/dev/null)

PYTEST_ARGS ?=
RUN_ARGS    ?=
BENCH_ARGS  ?=
# make backup [BACKUP=file]; make restore BACKUP=file [RESTORE_URL=url] [FORCE=1]
BACKUP      ?=

.PHONY: help setup venv tools tools-buf services-up services-down services-status \
        proto proto-check lint protoset run test test-faults migrate seed bench backup restore \
        clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

setup: venv tools-buf services-up ## venv + dependencies, buf, PostgreSQL and Redis

venv: $(STAMP) ## the Python venv with the server, client and dev tools

$(PY):
	python3 -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml clients/pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -e clients -e '.[dev]'
	touch $@

tools: ## all developer tools: buf, grpcurl (.tools/bin), h2load
	scripts/tools.sh

tools-buf:
	scripts/tools.sh buf

services-up: ## reuse or start PostgreSQL and Redis; create the database
	scripts/services.sh up

services-down: ## stop the project-local PostgreSQL and Redis (never system ones)
	scripts/services.sh down

services-status: ## what answers at DATABASE_URL / REDIS_URL, and what is ours
	scripts/services.sh status

proto: venv ## regenerate clients/gen from protos/
	scripts/gen-proto.sh

# Regenerate, then compare the work tree with the index (what a commit or a
# fresh CI clone holds): changed or deleted files, and new untracked ones.
proto-check: venv ## fail if clients/gen is not what protos/ generate
	scripts/gen-proto.sh
	@drift=$$(git diff --name-status -- clients/gen; \
	         git ls-files --others --exclude-standard -- clients/gen | sed 's/^/?\t/'); \
	if [[ -n $$drift ]]; then \
	  echo "proto-check: clients/gen differs from what protos/ generate (? = not in git):" >&2; \
	  echo "$$drift" | sed 's/^/  /' >&2; \
	  echo "proto-check: run 'make proto' and commit clients/gen" >&2; \
	  exit 1; \
	fi; \
	echo "proto-check: clients/gen is up to date"

lint: venv tools-buf ## buf lint + format, ruff, mypy
	$(BUF) lint
	$(BUF) format -d --exit-code
	$(VENV)/bin/ruff check --output-format=concise $(wildcard server tests bench)
	$(VENV)/bin/mypy

protoset: vitrine.protoset ## descriptor set of all protos (with imports) for grpcurl -protoset

# Only well-known types are imported: buf builds them in, so no remote (BSR)
# dependency such as google/rpc is needed. Errors' google.rpc details are
# attached at run time (googleapis-common-protos); grpcurl shows them raw.
vitrine.protoset: $(PROTOS) buf.yaml | tools-buf
	$(BUF) build --as-file-descriptor-set -o '$@#format=binpb'

# The bootstrap admin key `make run` serves with unless VITRINE_BOOTSTRAP_ADMIN_KEY
# is set: well known, for local development only (README, "Operator's guide").
DEV_ADMIN_KEY := vtr_dev_local-development-only

run: setup ## migrate, seed demo data and serve (RUN_ARGS=...)
	VITRINE_BOOTSTRAP_ADMIN_KEY="$${VITRINE_BOOTSTRAP_ADMIN_KEY:-$(DEV_ADMIN_KEY)}" \
	  $(PY) -m vitrine_server run --migrate --seed-demo $(RUN_ARGS)

test: setup ## run the test suite, fault suite included (PYTEST_ARGS=...)
	$(PY) -m pytest $(PYTEST_ARGS)

# Also part of `make test`. Starts its own PostgreSQL and Redis on free ports
# and kills, hangs, flushes and locks them (tests/faults/).
test-faults: venv ## only the fault suite (PYTEST_ARGS=...)
	$(PY) -m pytest -m faults $(PYTEST_ARGS)

migrate: venv services-up ## apply pending migrations
	$(PY) -m vitrine_server migrate up

seed: venv services-up ## load the demo data set
	$(PY) -m vitrine_server seed-demo

backup: ## pg_dump -Fc of DATABASE_URL into backups/vitrine-<UTC time>.dump (or BACKUP=file)
	scripts/backup.sh backup "$(BACKUP)"

restore: ## restore BACKUP=file into RESTORE_URL or DATABASE_URL (FORCE=1: non-empty database)
	scripts/backup.sh restore "$(BACKUP)"

bench: setup ## load and scale benchmarks (BENCH_ARGS=...)
	scripts/tools.sh h2load
	$(PY) -m bench $(BENCH_ARGS)

clean: ## caches and build outputs (keeps .venv, .tools and .local data)
	rm -f vitrine.protoset
	rm -rf .pytest_cache .ruff_cache .mypy_cache bench/out
	find . -path ./.venv -prune -o -path ./.tools -prune -o -path ./.local -prune -o \
	  -name __pycache__ -type d -print0 | xargs -0 rm -rf

distclean: clean services-down ## also stop local services and remove .venv, .local, .tools installs
	rm -rf $(VENV) .local .tools/node_modules .tools/bin
