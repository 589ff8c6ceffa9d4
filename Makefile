# townmerge: two commands set everything up on a fresh machine.
#   make demo   creates .venv, installs townmerge, runs the demo on the sample county
#   make test   creates .venv, installs townmerge with its test extras, runs the suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint chromium bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/townmerge demo --out out

# Headless Chromium checks the HTML maps and reports (Debian's package, with a CJK font
# so that Chinese labels render in screenshots).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else echo "chromium not found: browser tests will be skipped (apt-get install chromium)"; fi; }

test: $(STAMP) chromium
	$(BIN)/ruff check src tests notebooks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q src tests

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks notebooks
	$(BIN)/mypy

# Every section of benchmarks/README.md is rewritten from its script's output (about 20 min;
# peers from the bench extra). One section: make bench ONLY=bench_score
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py $(ONLY)

clean:
	rm -rf $(VENV) out build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
