# Everything sets itself up: the first target run creates .venv and installs into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# pywb (the replay tests' real replay server) in a venv of its own: it pins old redis/pyOpenSSL
# and installs brotlipy, which shadows the `brotli` module Scrapy decodes br bodies with.
PYWB_VENV  := .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.installed-stamp

.PHONY: install pywb test crawl demo bench bench-scale bench-crawl nginx clean scrapyd deploy

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

$(PYWB_STAMP):
	test -x $(PYWB_VENV)/bin/python || $(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet "pywb==2.10.*"
	touch $(PYWB_STAMP)

pywb: $(PYWB_STAMP)

## make test: the whole test suite
test: $(STAMP) $(PYWB_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make crawl: crawl commonspace.eu into ./archive-data (or $$ARCHIVE_URI)
crawl: $(STAMP)
	$(BIN)/scrapy crawl commonspace

## make demo: serve the bundled demo site on 127.0.0.1, crawl it into ./demo-archive, list it
demo: $(STAMP)
	$(BIN)/python -m tests.demosite.demo --archive demo-archive

## make scrapyd: run scrapyd from .venv with deploy/scrapyd.conf, in $$SCRAPYD_HOME (eggs, logs, dbs, jobs)
SCRAPYD_HOME ?= var/scrapyd
scrapyd: $(STAMP)
	mkdir -p $(SCRAPYD_HOME)
	ln -sf $(abspath deploy/scrapyd.conf) $(SCRAPYD_HOME)/scrapyd.conf
	cd $(SCRAPYD_HOME) && exec $(abspath $(BIN))/scrapyd

## make deploy: build the egg and upload it to $$SCRAPYD_URL with scrapyd-deploy
SCRAPYD_URL ?= http://127.0.0.1:6800
SCRAPYD_USERNAME ?=
SCRAPYD_PASSWORD ?=
export SCRAPYD_USERNAME SCRAPYD_PASSWORD
deploy: $(STAMP)
	SCRAPYD_URL=$(patsubst %/,%,$(SCRAPYD_URL)) $(abspath $(BIN))/scrapyd-deploy env

## make bench: the benchmarks, each next to its baseline
bench: $(STAMP) nginx
	$(BIN)/python benchmarks/extraction.py
	$(BIN)/python benchmarks/dedup.py
	$(BIN)/python benchmarks/neardup.py
	$(BIN)/python benchmarks/store.py
	$(BIN)/python benchmarks/sites.py
	$(BIN)/python benchmarks/crawl.py --pages 2000

## make bench-crawl: the crawl throughput benchmark at 2,000 and 20,000 article pages (long)
bench-crawl: $(STAMP) nginx
	$(BIN)/python benchmarks/crawl.py --pages 2000
	$(BIN)/python benchmarks/crawl.py --pages 20000

## make nginx: Debian's nginx-light for benchmarks/crawl.py (it falls back to a Python server without)
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; } || \
	  echo "nginx not installed: benchmarks/crawl.py will serve with a Python server"

## make bench-scale: archives of 10k and 100k documents built through the library (long: ~1 h)
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/scale.py --sizes 10000,100000

clean:
	rm -rf $(VENV) $(PYWB_VENV) demo-archive .archive-spool .pytest_cache build *.egg-info setup.py var
