# The two commands a newcomer needs: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
PLAYGROUND := playground/node_modules/.package-lock.json

.PHONY: run test lint install bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

$(PLAYGROUND): playground/package.json playground/package-lock.json
	cd playground && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed $(PLAYGROUND)

run: install
	./playground/run.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check bot tests bench
	$(VENV)/bin/ruff format --check bot tests bench
	$(VENV)/bin/mypy

test: install lint
	$(PY) -m pytest -q

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) playground/node_modules data dist .pytest_cache .mypy_cache .ruff_cache
