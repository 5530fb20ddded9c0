# `make run` installs and opens the app; `make test` installs and runs every test headless;
# `make package` builds dist/tickwork/ (PyInstaller) and the .deb, then tests them (tests/package).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Tests spread over processes: many wait on real engine processes, so more than the cores.
# Longest first (tests/support/ordering.py): xdist must keep the collection's order.
TEST_WORKERS ?= 6
STAMP := $(VENV)/.installed
PACKAGE_STAMP := $(VENV)/.installed-package

.PHONY: run test lint bench faults install clean engine package

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: Python 3.11 not found (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

install: $(STAMP)

$(PACKAGE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,package]' --config-settings editable_mode=compat
	touch $(PACKAGE_STAMP)

run: $(STAMP)
	$(PY) main.py $(ARGS)

engine: $(STAMP)
	$(PY) main.py engine $(ARGS)

# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE): each
# test process and each engine or worker it starts would otherwise compile the same sources.
# A test process that crashes ends the run at once (--max-worker-restart=0): pytest-xdist's
# group scheduling otherwise waited for ever on the crashed process's group.
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder --max-worker-restart=0 \
		$(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check app tests benchmarks faults main.py
	$(VENV)/bin/mypy

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks.run $(BENCH_ARGS)

faults: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m faults.storm $(FAULTS_ARGS)

package: $(PACKAGE_STAMP)
	PYTHON=$(PY) packaging/build.sh
	TICKWORK_BUNDLE=dist/tickwork QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider \
		tests/package $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
