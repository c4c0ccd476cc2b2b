# The two commands a newcomer needs: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
PLAYGROUND := playground/node_modules/.package-lock.json

.PHONY: run test lint install bench clean lock

# Installs exactly what requirements.txt pins, hashes checked: a fresh machine next year gets
# the versions CI ran. Change a dependency in pyproject.toml, then `make lock` on purpose.
# The build backend is in requirements.txt too: the project builds without an isolated
# environment fetching its own.
$(VENV)/.installed: pyproject.toml uv.lock requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.txt
	$(VENV)/bin/pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m compileall -q bot  # bytecode written once, even where PYTHONDONTWRITEBYTECODE is set
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

# Re-pins the lock: uv.lock is resolved from pyproject.toml, keeping current pins where they
# still fit (add --upgrade-package NAME to move one on purpose), and requirements.txt is its
# export with hashes, which `make` installs with pip (no uv needed to run or test).
lock: $(VENV)/.installed
	$(VENV)/bin/pip install --quiet uv==0.13.9
	$(VENV)/bin/uv lock --python 3.11 --quiet
	$(VENV)/bin/uv export --frozen --extra dev --no-emit-project --format requirements-txt \
	  --quiet -o requirements.txt

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) playground/node_modules data dist .pytest_cache .mypy_cache .ruff_cache
