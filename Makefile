# Two commands do all the set-up on a fresh Debian machine (as root):
#   make demo   creates .venv, installs tiaocan, runs the main job on SQLite
#   make test   creates .venv, installs what the tests need (PostgreSQL, Chromium), runs them
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=

.PHONY: demo test test-fast system-deps bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# torch is pinned by constraints.txt (a CPU build); it is an extra, never a core requirement.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install -c constraints.txt -e ".[all,torch,tensorboard,mlflow,test]"
	touch $@

# Debian packages the tests use: a PostgreSQL server, headless Chromium, tmux (a real terminal
# for the progress display).
system-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v chromium >/dev/null \
			|| ! command -v tmux >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			postgresql chromium chromium-driver tmux; \
	fi

demo: $(VENV)/.installed
	$(BIN)/tiaocan demo

test: $(VENV)/.installed system-deps
	TIAOCAN_REQUIRE_SERVICES=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not slow" -x -q $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PIP) install -c constraints.txt -r benchmarks/requirements.txt
	$(BIN)/python -m benchmarks.overhead

lint: $(VENV)/.installed
	$(BIN)/python -m mypy
	$(BIN)/python -m ruff check src

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
