"""Injectors, corpora helpers and labelled sets used by benchmarks/, tests/ and the example pipelines (not packaged; no distilabel import)."""
