# The two commands a newcomer needs: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
PLAYGROUND := playground/node_modules/.package-lock.json

.PHONY: run test lint install bench clean lock image

# The installer is pinned and hash-checked before anything else: the pip that a machine's
# `python3 -m venv` brings varies (23.2.1 here resolves a dependency's extra, httpx[http2],
# against the registry's newest release instead of the pin, and so fails whenever one appears).
PIP_PIN := pip==25.3 \
  --hash=sha256:9655943313a94722b7774661c21049070f6bbb0a1516bf02f7c8d5d9201514cd \
  --hash=sha256:8d0538dbbd7babbd207f261ed969c65de439f6bc9e5dbd3b3b9a77f25d95f343

# Installs exactly what requirements.txt pins, hashes checked: a fresh machine next year gets
# the versions CI ran. Change a dependency in pyproject.toml, then `make lock` on purpose.
# The build backend is in requirements.txt too: the project builds without an isolated
# environment fetching its own.
$(VENV)/.installed: pyproject.toml uv.lock requirements.txt
	python3 -m venv $(VENV)
	echo '$(PIP_PIN)' > $(VENV)/pip-pin.txt
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(VENV)/pip-pin.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	$(VENV)/bin/pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m compileall -q bot  # bytecode written once, even where PYTHONDONTWRITEBYTECODE is set
	touch $@

$(PLAYGROUND): playground/package.json playground/package-lock.json
	cd playground && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed $(PLAYGROUND)

# `make run AS=membre` (or AS=inconnu, AS=secretariat2): the Playground as another person.
run: install
	AS=$(AS) ./playground/run.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check bot tests bench playground/as_user.py
	$(VENV)/bin/ruff format --check bot tests bench playground/as_user.py
	$(VENV)/bin/mypy

test: install lint
	$(PY) -m pytest -q -n 2 --dist loadfile

# The OCI image (podman, as root or rootless): non-root, a HEALTHCHECK, no compilers, the
# lock's runtime packages with their hashes. BASE_IMAGE is built from Debian's packages when
# it is the local default (no container registry reachable here); name a registry's
# `python:3.11-slim` instead where one is. CA_BUNDLE reaches pip as a build secret (an
# intercepting proxy's CA), never a layer. podman here: runc (crun refuses the hybrid
# cgroups), bounded ulimits and the host's network.
IMAGE ?= committee-bot:latest
BASE_IMAGE ?= localhost/committee-bot-base:bookworm
CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
PODMAN := podman --runtime runc
image:
	@if [ "$(BASE_IMAGE)" = localhost/committee-bot-base:bookworm ] && ! $(PODMAN) image exists $(BASE_IMAGE); then \
	  .ci/image/base $(BASE_IMAGE); fi
	$(PODMAN) build --quiet --format docker --network host \
	  --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
	  --secret id=ca,src=$(CA_BUNDLE) --build-arg BASE=$(BASE_IMAGE) --build-arg PIP_PIN='$(PIP_PIN)' \
	  --ignorefile .ci/image/ignore -f .ci/image/Containerfile -t $(IMAGE) .
	@$(PODMAN) image inspect $(IMAGE) --format '$(IMAGE): {{.Size}} bytes'

# Re-pins the lock: uv.lock is resolved from pyproject.toml, keeping current pins where they
# still fit (add --upgrade-package NAME to move one on purpose), and requirements.txt is its
# export with hashes, which `make` installs with pip (no uv needed to run or test).
lock: $(VENV)/.installed
	$(VENV)/bin/pip install --quiet uv==0.13.9
	$(VENV)/bin/uv lock --python 3.11 --quiet
	$(VENV)/bin/uv export --frozen --extra dev --no-emit-project --format requirements-txt \
	  --quiet -o requirements.txt
	$(VENV)/bin/uv export --frozen --extra dev --extra bench --no-emit-project \
	  --format requirements-txt --quiet -o bench/requirements.txt
	$(VENV)/bin/uv export --frozen --no-emit-project --format requirements-txt --quiet \
	  -o .ci/image/requirements.txt

# The bench alone needs msgraph-sdk (to compare against it): installed here, from the same lock.
$(VENV)/.bench: $(VENV)/.installed bench/requirements.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r bench/requirements.txt
	touch $@

bench: install $(VENV)/.bench
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) playground/node_modules data dist .pytest_cache .mypy_cache .ruff_cache
