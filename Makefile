# Every target creates .venv and installs the project when missing, so each works on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test demo lint bench bench-extract bench-fetch bench-nlp bench-search clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## one collection cycle with ./config.toml into data/monitor.db (trains the models once first)
	$(BIN)/monitor train --if-missing
	$(BIN)/monitor run

test: $(STAMP)  ## the test suite
	$(BIN)/python -m pytest -q

demo: $(STAMP)  ## the whole pipeline offline against the bundled sample site
	$(BIN)/monitor demo

lint: $(STAMP)  ## ruff (lint and format) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy monitor scrapers nlp db

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: bench-extract bench-fetch bench-nlp bench-search  ## every benchmark

bench-extract: $(BENCH_STAMP)  ## extraction quality and speed beside trafilatura (default and favor_precision), one run
	$(BIN)/python bench/extract_bench.py

bench-fetch: $(STAMP)  ## fetching on a loopback site of 20 hosts: pages/s, peak memory, requests per host per second
	$(BIN)/python bench/fetch_bench.py

bench-nlp: $(STAMP)  ## NLP stage speed on 2,000 mixed articles beside Kiwi-tokenizing every one, peak memory
	$(BIN)/python bench/nlp_bench.py

bench-search: $(STAMP)  ## search on 1,000,000 generated articles: p50/p95 beside a full-scan LIKE, size, tally (ARTICLES=N for a quick run)
	$(BIN)/python bench/search_bench.py --articles $(or $(ARTICLES),1000000)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
