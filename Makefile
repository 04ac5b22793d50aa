# The two commands a new user needs:  make demo  ·  make test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install services lint test test-fast demo stop bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(BIN)/.installed

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

demo: services install
	bash scripts/demo.sh

stop:
	bash scripts/demo.sh stop

bench: services install
	$(BIN)/python bench/bench_decision.py
	$(BIN)/python bench/bench_eval.py
	$(BIN)/python bench/bench_load.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
