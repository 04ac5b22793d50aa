# The two commands a new user needs:  make demo  ·  make test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# bash with pipefail: `make demo` pipes its output through tee and must still fail when it fails.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV   := .venv
BIN    := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

# torch must be the CPU build of exactly 2.13.0, a wheel on local disk that pip finds through the
# machine's pip config (find-links). uv does not read pip's config, and without that folder it
# would resolve torch from PyPI with its multi-GB CUDA dependencies: hand it the folder
# explicitly. Override with `make install FIND_LINKS=/path/to/wheels`.
FIND_LINKS ?= $(or $(PIP_FIND_LINKS),$(shell pip config get global.find-links 2>/dev/null))
UV_FIND_LINKS := $(foreach dir,$(FIND_LINKS),--find-links $(dir))
UV     := $(BIN)/uv
UV_VERSION := $(shell sed -n 's/^uv==//p' requirements.lock)

.PHONY: install lock services lint test test-fast demo stop bench clean

# Exactly the versions in requirements.lock (made by `make lock`), installed by uv: pip only
# bootstraps uv into the venv. Then the project itself, editable, and a check that no CUDA
# build slipped in.
$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q "uv==$(UV_VERSION)"
	$(UV) pip sync --python $(BIN)/python $(UV_FIND_LINKS) requirements.lock
	$(UV) pip install --python $(BIN)/python --no-deps -e .
	$(BIN)/python scripts/check-venv.py
	touch $@

install: $(BIN)/.installed

# Resolve pyproject.toml's dependencies (with the dev extra) to exact versions for Python 3.11.
lock: install
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 $(UV_FIND_LINKS) \
		--no-emit-find-links --quiet -o requirements.lock

services:
	bash scripts/ensure-services.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The fault suite first, on a PostgreSQL and a Redis of its own (it restarts them), then the rest.
test: services install lint
	$(BIN)/python -m tests.fault
	$(BIN)/pytest -m "not fault"

# The fast lane for development: the pure engines' unit tests, no PostgreSQL, Redis or worker.
# The service URLs point at closed ports, so a test that quietly needs a service fails here.
test-fast: install
	DATABASE_URL=postgres://nobody@127.0.0.1:9/none CELERY_BROKER_URL=redis://127.0.0.1:9/0 \
		$(BIN)/pytest tests/decision tests/evals tests/test_pure_packages.py tests/test_layers.py \
		-m "not slow and not services and not fault" -q

# Everything it prints, the install included, also goes to var/log/demo.log; the figures at the
# end say how long each part took.
demo:
	@mkdir -p var/log
	@{ set -e; began=$$(date +%s); \
	  $(MAKE) --no-print-directory services install; \
	  echo "[demo] services and install took $$(( $$(date +%s) - began )) s"; \
	  bash scripts/demo.sh; \
	  echo "[demo] make demo took $$(( $$(date +%s) - began )) s in all"; } 2>&1 | tee var/log/demo.log

stop:
	bash scripts/demo.sh stop

bench: services install
	$(BIN)/python bench/bench_decision.py
	$(BIN)/python bench/bench_eval.py
	$(BIN)/python bench/bench_request_cache.py
	$(BIN)/python bench/bench_load.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
