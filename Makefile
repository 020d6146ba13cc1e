# Everything sets itself up: the first target run creates .venv and installs into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install test crawl demo bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## make test: the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make crawl: crawl commonspace.eu into ./archive-data (or $$ARCHIVE_URI)
crawl: $(STAMP)
	$(BIN)/scrapy crawl commonspace

## make demo: serve the bundled demo site on 127.0.0.1, crawl it into ./demo-archive, list it
demo: $(STAMP)
	$(BIN)/python -m tests.demosite.demo --archive demo-archive

## make bench: the benchmarks, each next to its baseline
bench: $(STAMP)
	$(BIN)/python benchmarks/extraction.py
	$(BIN)/python benchmarks/dedup.py
	$(BIN)/python benchmarks/neardup.py
	$(BIN)/python benchmarks/store.py

clean:
	rm -rf $(VENV) demo-archive .archive-spool .pytest_cache build *.egg-info
