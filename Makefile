# Two commands from a fresh clone: `make run` (the main job) and `make test`.
# Each creates .venv and installs what it needs, pinned by constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run test bench lint clean

run: $(VENV)/.server
	$(BIN)/workbench sync

test: $(VENV)/.server $(VENV)/.test
	$(BIN)/python -m pytest

bench: $(VENV)/.server $(VENV)/.test
	$(BIN)/python bench/run.py

# Style, then types (mypy, settings in pyproject.toml), then the import contracts.
lint: $(VENV)/.test
	$(BIN)/ruff check workbench tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.server: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP) -e '.[server]'
	touch $@

$(VENV)/.test: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP) -e '.[server,test,lint,hub]'
	touch $@

clean:
	rm -rf $(VENV) *.egg-info
