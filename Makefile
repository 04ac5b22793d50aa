# The two commands a new user needs:  make demo  ·  make test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install services lint test demo stop bench clean

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

# The fault suite first, on a PostgreSQL and a Redis of its own (it restarts them), then the rest.
test: services install lint
	$(BIN)/python -m tests.fault
	$(BIN)/pytest -m "not fault"

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
