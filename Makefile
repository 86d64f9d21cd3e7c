# The README's two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
SHARED ?= ../shared
# The validators (csc-validator-be-903/-cin) pin numpy<1.25 and pandas<2: they get their own environment.
VALVENV  ?= .venv-validators
VALSTAMP := $(VALVENV)/.installed
# `make run` loads synthetic returns for a few LAs once, to show provisional figures (RETURNS_DEMO=0 skips).
RETURNS_DEMO ?= 1
DEMO_DIR := var/returns-demo

.PHONY: run test install browser java build serve bench clean returns-demo

$(STAMP): pyproject.toml constraints.txt
	@echo "==> [install 1/2] Python virtual environment in $(VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> [install 2/2] cscwatch and its pinned dependencies (a few minutes on a fresh machine; pip reports each package)"
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -c constraints.txt -e '.[test]'
	touch $(STAMP)
	@echo "==> installed"

$(VALSTAMP): constraints-validators.txt
	@echo "==> [install] the DfE validators in their own environment $(VALVENV) (they pin numpy<1.25 and pandas<2)"
	test -x $(VALVENV)/bin/python || $(PYTHON) -m venv $(VALVENV)
	$(VALVENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints-validators.txt \
	  csc-validator-be-903==0.1.17 csc-validator-be-cin==0.1.13
	touch $(VALSTAMP)

install: $(STAMP) $(VALSTAMP)

## Build the store from the bundled data (plus ../shared/reports when present) and serve the dashboard.
run: $(STAMP) $(VALSTAMP)
	@echo "==> building the store from the bundled data$(if $(wildcard $(SHARED)/reports), and the reports in $(SHARED)/reports,)"
	$(BIN)/cscwatch build $(if $(wildcard $(SHARED)/reports),--reports $(SHARED)/reports,)
	$(if $(filter 1,$(RETURNS_DEMO)),$(MAKE) --no-print-directory returns-demo,)
	@echo "==> serving the dashboard (Ctrl+C to stop)"
	$(BIN)/cscwatch serve --host $(HOST) --port $(PORT)

## Synthetic SSDA903/CIN returns for 3 LAs x 3 years, ingested once (remove: cscwatch returns remove --la CODE).
returns-demo: $(STAMP)
	@test -d $(DEMO_DIR) || echo "==> synthetic SSDA903 and CIN returns for 3 LAs (the provisional-figures demo)"
	@test -d $(DEMO_DIR) || { $(BIN)/cscwatch returns synth --las 3 --years 3 --out $(DEMO_DIR) --seed 0 --scale 0.25 \
	  && $(BIN)/cscwatch returns ingest $(DEMO_DIR) --format csv >/dev/null; }

## Install everything (Python packages and Debian's chromium for the browser tests) and run the whole suite.
test: $(STAMP) $(VALSTAMP) browser java
	@echo "==> running the test suite"
	$(BIN)/python -m pytest

browser:
	@command -v chromium >/dev/null 2>&1 || echo "==> installing Debian's chromium for the browser tests"
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

## Debian's Java for the Spark engine and its tests.
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq openjdk-17-jre-headless >/dev/null; fi; }

bench: $(STAMP) java
	$(BIN)/python bench/register.py
	$(BIN)/python bench/warehouse.py
	$(BIN)/python bench/risk.py
	$(BIN)/python bench/themes.py
	$(BIN)/python bench/planner.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/returns.py

clean:
	rm -rf $(VENV) $(VALVENV) var test-artifacts
