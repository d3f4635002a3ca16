"""The QA bias report: typed model, builder over plain columns, Markdown/PNG rendering.

Plain package: no distilabel import and no row dicts (``steps/report.py`` hands over columns).
"""

from distilabel_qabias.report.build import build_report
from distilabel_qabias.report.documents import ReportColumns
from distilabel_qabias.report.model import (
    ArtifactHijack,
    BiasReport,
    Concentration,
    Convergence,
    Coverage,
    Dedup,
    DocumentStats,
    Exposure,
    Grounding,
    Heat,
    Hotspot,
    Instructions,
    KeepFlags,
    Position,
    PromptStats,
    ReportConfig,
    SalienceFeature,
    Saturation,
    TargetAdherence,
)
from distilabel_qabias.report.render import findings, render_markdown, write_report

__all__ = [
    "ArtifactHijack",
    "BiasReport",
    "Concentration",
    "Convergence",
    "Coverage",
    "Dedup",
    "DocumentStats",
    "Exposure",
    "Grounding",
    "Heat",
    "Hotspot",
    "Instructions",
    "KeepFlags",
    "Position",
    "PromptStats",
    "ReportColumns",
    "ReportConfig",
    "SalienceFeature",
    "Saturation",
    "TargetAdherence",
    "build_report",
    "findings",
    "render_markdown",
    "write_report",
]
