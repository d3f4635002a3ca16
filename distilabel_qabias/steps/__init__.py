"""Thin distilabel Step adapters over the plain modules (text, coverage, convergence, report)."""
