# The README's two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
SHARED ?= ../shared

.PHONY: run test install browser build serve bench clean

$(STAMP): pyproject.toml constraints.txt
	@echo "==> [install 1/2] Python virtual environment in $(VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> [install 2/2] cscwatch and its pinned dependencies (a few minutes on a fresh machine; pip reports each package)"
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -c constraints.txt -e '.[test]'
	touch $(STAMP)
	@echo "==> installed"

install: $(STAMP)

## Build the store from the bundled data (plus ../shared/reports when present) and serve the dashboard.
run: $(STAMP)
	@echo "==> building the store from the bundled data$(if $(wildcard $(SHARED)/reports), and the reports in $(SHARED)/reports,)"
	$(BIN)/cscwatch build $(if $(wildcard $(SHARED)/reports),--reports $(SHARED)/reports,)
	@echo "==> serving the dashboard (Ctrl+C to stop)"
	$(BIN)/cscwatch serve --host $(HOST) --port $(PORT)

## Install everything (Python packages and Debian's chromium for the browser tests) and run the whole suite.
test: $(STAMP) browser
	@echo "==> running the test suite"
	$(BIN)/python -m pytest

browser:
	@command -v chromium >/dev/null 2>&1 || echo "==> installing Debian's chromium for the browser tests"
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

bench: $(STAMP)
	$(BIN)/python bench/register.py
	$(BIN)/python bench/warehouse.py
	$(BIN)/python bench/risk.py
	$(BIN)/python bench/themes.py
	$(BIN)/python bench/planner.py
	$(BIN)/python bench/web.py

clean:
	rm -rf $(VENV) var test-artifacts
