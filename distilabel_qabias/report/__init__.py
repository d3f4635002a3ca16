"""report: plain module, no distilabel import."""

from distilabel_qabias.report.model import BiasReport, build_report

__all__ = ["BiasReport", "build_report"]
