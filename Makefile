# Every workflow goes through these targets; CI calls only `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PROTOS := $(shell find protos -name '*.proto' | sort)
GEN    := services/vanguard

.PHONY: web-assets browser setup run kafka postgres test test-kafka test-postgres test-unit test-integration test-containers soak fuzz engine images lint protos check-protos schemas bench clean

setup: $(STAMP) $(GEN)/.generated web-assets

# The web app's charting library from the npm registry (deploy/web-assets.sh).
web-assets:
	deploy/web-assets.sh

# Debian's chromium for the browser tests (tests/browser, deploy/chromium.sh).
browser:
	deploy/chromium.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

# Generated gRPC code lives in one package (services/vanguard) and is never edited by hand.
$(GEN)/.generated: $(STAMP) $(PROTOS)
	rm -rf $(GEN)
	PATH=$(abspath $(VENV))/bin:$$PATH $(PY) -m grpc_tools.protoc -I protos --python_out=services --grpc_python_out=services \
		--mypy_out=quiet:services $(PROTOS)
	find $(GEN) -type d -exec touch {}/__init__.py \;
	touch $@

protos: $(GEN)/.generated

check-protos: setup
	$(MAKE) -B protos >/dev/null
	git diff --exit-code -- $(GEN) || (echo "generated code is stale: run make protos" && exit 1)

# `make run DEMO=0` (or VANGUARD_DEMO=0) starts the suite without loading the demo school;
# `make run VERBOSE=1` also shows every process's log on the terminal (they always go to files);
# `make run BROKER=kafka` (or VANGUARD_BROKER=kafka) runs it on Apache Kafka instead of Tansu.
DEMO    ?= $(if $(VANGUARD_DEMO),$(VANGUARD_DEMO),1)
VERBOSE ?= $(if $(VANGUARD_VERBOSE),$(VANGUARD_VERBOSE),0)
BROKER  ?= $(if $(VANGUARD_BROKER),$(VANGUARD_BROKER),tansu)

# `make run STORE=postgres` keeps stores and read models in PostgreSQL: VANGUARD_STORE_URL if
# set, else a throwaway cluster under var/postgres (deploy/postgres.sh; left running after).
STORE ?= sqlite

run: setup $(if $(filter kafka,$(BROKER)),kafka)
	@if [ "$(STORE)" = postgres ] && [ -z "$$VANGUARD_STORE_URL" ]; then \
		url=$$(deploy/postgres.sh) || exit 1; export VANGUARD_STORE_URL=$$url; fi; \
	VANGUARD_DEMO=$(DEMO) VANGUARD_VERBOSE=$(VERBOSE) $(VENV)/bin/vanguard up --broker $(BROKER)

# Apache Kafka's broker jars (deploy/kafka/pom.xml) into var/kafka/libs, once (Maven and Java 17),
# and Debian's kcat, the client the Kafka pass reads the topics with.
kafka:
	deploy/kafka/fetch.sh
	deploy/kafka/kcat.sh

# A PostgreSQL server for the suite (deploy/postgres.sh): prints its URL.
postgres:
	deploy/postgres.sh

# The whole suite, tests/containers included: it needs a Docker engine (deploy/engine.sh
# starts one where it can) and builds the images itself (make images).
# Beside it, the broker matrix's second pass: the layers that talk to a broker, on Apache Kafka
# (tests/passes.sh runs the two side by side; their output in var/test-logs/).
test: setup engine browser kafka
	PY=$(PY) tests/passes.sh

# Only the Apache Kafka pass (tests/conftest.py: --broker, VANGUARD_TEST_BROKER).
test-kafka: setup kafka
	$(PY) -m pytest -q --broker kafka tests/integration tests/e2e

test-unit: setup
	$(PY) -m pytest -q tests/unit

test-integration: setup
	$(PY) -m pytest -q tests/integration

# The services' integration tests with stores and read models in PostgreSQL (a throwaway
# cluster, or VANGUARD_TEST_POSTGRES_URL); `make test` runs the store contract on it already.
test-postgres: setup
	$(PY) -m pytest -q --store postgres tests/integration/stores tests/integration/archives tests/integration/pledges

test-containers: setup engine
	$(PY) -m pytest -q tests/containers

# Fault rounds against the suite run as processes (no Docker): SIGKILL of a service or the
# broker at random points around a close; prints lost / duplicated / missing-publication totals
# (each must be 0). Bounded: BUDGET_S for the whole run (default 90 min for 100 rounds).
ROUNDS   ?= 100
BUDGET_S ?= 5400
soak: setup
	$(PY) tests/containers/soak.py --rounds $(ROUNDS) --budget-s $(BUDGET_S)

# The fuzz suite at length: many more examples per RPC than `make test` runs (tests/fuzz),
# a fresh seed each time, failures shrunk and kept in .hypothesis/ for the next run.
fuzz: setup
	VANGUARD_FUZZ_PROFILE=fuzz $(PY) -m pytest -q --timeout=600 tests/fuzz

engine:
	deploy/engine.sh

# Base (debootstrap, cached by tag), service and broker images; see deploy/README.md.
images: setup engine
	PY=$(PY) deploy/images/build.sh

lint: setup check-protos
	$(VENV)/bin/ruff check services tests bench
	$(VENV)/bin/ruff format --check services tests bench
	$(VENV)/bin/mypy

schemas: setup
	$(PY) -m contracts schemas docs/events

bench: setup kafka
	$(PY) -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
