"""Render a :class:`~distilabel_qabias.report.model.BiasReport` as Markdown (a dataset-card section)
with one-sentence findings, and write the report folder (report.json, report.md, the PNG plots of
:mod:`distilabel_qabias.report.plots`). Imports the model and the plots only.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from distilabel_qabias.report.model import REPORT_TITLE, BiasReport
from distilabel_qabias.report.plots import PLOT_FILES, PLOTTERS, available_plots

_FEATURE_PHRASES = {
    "heading": "a heading",
    "list_item": "a list item",
    "table_cell": "a table cell",
    "number": "a number",
    "markup": "markup",
    "artifact": "an artifact",
}
_SATURATION_TABLE_K = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)


# --- Markdown ---------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return "–" if not math.isfinite(value) else f"{value:.{digits}f}"
    return _cell(str(value))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return lines + [""]


def _bin_label(index: int, bins: int) -> str:
    return f"{index / bins:.2f}–{(index + 1) / bins:.2f}"


def render_markdown(report: BiasReport, *, image_prefix: str = "qabias_report/", heading_level: int = 2) -> str:
    """Markdown section for a Hugging Face dataset card (image links are ``image_prefix`` + file name)."""
    h = "#" * heading_level
    hh = "#" * (heading_level + 1)
    s, c = report.coverage, report.concentration
    plots = set(available_plots(report))

    def image(name: str, alt: str) -> list[str]:
        return [f"![{alt}]({image_prefix}{PLOT_FILES[name]})", ""] if name in plots else []

    lines = [f"{h} {REPORT_TITLE}", ""]
    if not s.rows:  # the notes say the dataset is empty
        return "\n".join(lines + _notes(report, hh))
    lines += [
        f"{_fmt(s.rows)} rows over {_fmt(s.documents)} documents; {_fmt(s.hit_rows)} rows draw on an "
        "evidence sentence of their document (a *hit*). Coverage is the share of a document's sentences that at "
        "least one question draws on; the uniform reference places the same number of hits on uniformly random "
        "sentences.",
        "",
    ]
    if report.is_empty:
        return "\n".join(lines + _notes(report, hh))
    lines += [f"- {finding}" for finding in findings(report)] + [""]
    lines += _table(
        ["metric", "value", "reading"],
        [
            ["mean coverage per document", s.mean_coverage, "share of sentences hit at least once"],
            ["coverage under uniform placement", s.uniform_mean_coverage, "same hits, random sentences"],
            ["pooled coverage", s.pooled_coverage, "all sentences of all documents"],
            ["mean Gini of hits", c.mean_gini, "0 = even spread, (n-1)/n = one sentence"],
            ["mean normalised entropy", c.mean_entropy, "1 = even spread, 0 = one sentence"],
            ["share of hits on the top 10% sentences", c.mean_top10_share, "concentration on hotspots"],
            ["mean evidence position", s.mean_position, f"uniform: {_fmt(s.expected_mean_position)}"],
            ["rows without a hit", s.rows_without_hit, "no evidence, not grounded or unusable document"],
        ],
    )
    lines += image("coverage_heat", "coverage heat strip")
    lines += _saturation_section(report, hh) + image("saturation", "coverage saturation")
    lines += _position_section(report, hh) + image("position", "positional histogram")
    lines += _salience_section(report, hh)
    lines += _artifact_section(report, hh)
    lines += _convergence_section(report, hh)
    lines += _dedup_section(report, hh)
    lines += _exposure_section(report, hh) + image("exposure", "exposure-normalised position profile")
    lines += _target_section(report, hh)
    lines += _grounding_section(report, hh)
    lines += _instruction_section(report, hh)
    lines += _keep_section(report, hh)
    lines += _hotspot_section(report, hh)
    return "\n".join(lines + _notes(report, hh))


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _finite(*values: Any) -> bool:
    """All values are numbers (JSON null and NaN are not)."""
    return all(isinstance(v, (int, float, np.number)) and math.isfinite(v) for v in values)


def findings(report: BiasReport) -> list[str]:
    """One sentence per headline number, each against its reference (for the card and the CLI)."""
    out = []
    s = report.coverage
    if _finite(s.mean_coverage, s.uniform_mean_coverage):
        out.append(
            f"Questions reach {_pct(s.mean_coverage)} of a document's sentences; placing the same hits on "
            f"uniformly random sentences would reach {_pct(s.uniform_mean_coverage)}."
        )
    pos = report.position
    if pos and _finite(pos.first_bin_ratio, pos.last_bin_ratio):
        out.append(
            f"The first {_pct(1 / pos.bins)} of a document draws {pos.first_bin_ratio:.2f}× its share of evidence, "
            f"the last {_pct(1 / pos.bins)} {pos.last_bin_ratio:.2f}×."
        )
    sal = report.salience or {}
    lifts = [
        (v.hits_lift, v.position_adjusted_lift, name) for name, v in sal.items()
        if name != "plain" and v.sentences >= 10 and _finite(v.hits_lift, v.position_adjusted_lift)
    ]
    if lifts:
        lift, adjusted, name = max(lifts)
        out.append(
            f"Sentences with {_FEATURE_PHRASES.get(name, name)} draw {lift:.2f}× the hits of plain sentences "
            f"({adjusted:.2f}× after adjusting for position)."
        )
    art = report.artifacts
    if art and art.spans and _finite(art.qa_share, art.text_share, art.sentence_share):
        out.append(
            f"{_pct(art.qa_share)} of QA rows have evidence overlapping an artifact; artifacts make up "
            f"{_pct(art.text_share)} of the text ({_pct(art.sentence_share)} of sentences)."
        )
    conv = report.convergence
    if conv and conv.documents_compared and _finite(
        conv.mean_pairwise_jaccard, conv.random_pairwise_jaccard, conv.hotspot_agreement
    ):
        out.append(
            f"Seed prompts overlap in their hit sentences with Jaccard {conv.mean_pairwise_jaccard:.2f} "
            f"({conv.random_pairwise_jaccard:.2f} by chance); {_pct(conv.hotspot_agreement)} of prompt pairs "
            "share their most-hit sentence."
        )
    dd = report.dedup
    if dd and _finite(dd.duplicate_rate):
        text = f"{_pct(dd.duplicate_rate)} of rows are converged duplicates"
        if _finite(dd.cross_prompt_share):
            text += f"; {_pct(dd.cross_prompt_share)} of multi-row clusters span more than one seed prompt"
        out.append(text + ".")
    exp = report.exposure
    if exp and _finite(exp.relative_exposure_by_bin[0], exp.relative_exposure_by_bin[-1]):
        relative = exp.relative_exposure_by_bin
        out.append(
            f"The generator was shown the first and last {_pct(1 / len(relative))} of documents "
            f"{relative[0]:.2f}× and {relative[-1]:.2f}× as often as the average position."
        )
    tgt = report.targets
    if tgt and _finite(tgt.on_target_share, tgt.within_one_share, tgt.chance_on_target):
        out.append(
            f"{_pct(tgt.on_target_share)} of questions written for a target sentence draw their evidence from it "
            f"({_pct(tgt.within_one_share)} within one sentence; a random sentence would be the target "
            f"{_pct(tgt.chance_on_target)} of the time)."
        )
    return out


def _saturation_section(report: BiasReport, hh: str) -> list[str]:
    sat = report.saturation
    rows = [
        [k, sat.mean_coverage[k - 1], sat.uniform_coverage[k - 1], int(sat.documents[k - 1])]
        for k in _SATURATION_TABLE_K
        if k <= len(sat.k)
    ]
    return [f"{hh} Coverage saturation", "", "Coverage after the first k questions of each document (row order).", ""] + _table(
        ["k questions", "mean coverage", "uniform placement", "documents with ≥ k questions"], rows
    )


def _position_section(report: BiasReport, hh: str) -> list[str]:
    pos = report.position
    bins = pos.bins
    rows = [
        [_bin_label(i, bins), pos.observed_share[i], pos.expected_share[i], pos.ratio[i]] for i in range(bins)
    ]
    return [
        f"{hh} Evidence position",
        "",
        "Where the evidence sits in its document (0 = start); *expected* is the share if every sentence were equally likely.",
        "",
    ] + _table(["position", "share of evidence", "expected", "ratio"], rows)


def _salience_section(report: BiasReport, hh: str) -> list[str]:
    sal = report.salience
    rows = [
        [
            name.replace("_", " "), v.sentences, v.coverage_rate, v.hits_per_sentence,
            v.coverage_lift, v.hits_lift, v.position_adjusted_lift,
        ]
        for name, v in sal.items()
        if v.sentences
    ]
    return [
        f"{hh} Salience",
        "",
        "Hit rates of sentences with a feature against plain sentences (lift = feature rate / plain rate). "
        "The position-adjusted lift compares hits with what sentences at the same position get, so a "
        "feature that merely sits early in documents scores 1.",
        "",
    ] + _table(
        ["sentence feature", "sentences", "coverage", "hits per sentence", "coverage lift", "hits lift",
         "position-adjusted lift"],
        rows,
    )


def _artifact_section(report: BiasReport, hh: str) -> list[str]:
    art = report.artifacts
    if not art:
        return []
    return [
        f"{hh} Artifact hijack",
        "",
        "Share of QA rows whose evidence overlaps an artifact span kept in the document (tag mode), against the "
        "artifacts' share of the text and of the sentences.",
        "",
    ] + _table(
        ["metric", "value"],
        [
            ["documents with artifact tags", art.documents],
            ["artifact spans", art.spans],
            ["artifact share of document text", art.text_share],
            ["share of sentences touching an artifact", art.sentence_share],
            ["share of QA rows whose evidence overlaps an artifact", art.qa_share],
            ["ratio to text share", art.ratio_to_text_share],
            ["ratio to sentence share", art.ratio_to_sentence_share],
        ],
    )


def _convergence_section(report: BiasReport, hh: str) -> list[str]:
    conv = report.convergence
    if not conv:
        return []
    rows = [
        [name, v.rows, v.hit_rows, v.mean_coverage, v.mean_gini, v.mean_position]
        for name, v in conv.prompts.items()
    ]
    lines = [f"{hh} Convergence across seed prompts", ""]
    lines += _table(["prompt", "rows", "hit rows", "mean coverage", "mean Gini", "mean position"], rows)
    lines += _table(
        ["metric", "value"],
        [
            ["documents hit by ≥ 2 prompts", conv.documents_compared],
            ["mean pairwise Jaccard of hit sentences", conv.mean_pairwise_jaccard],
            ["same under random placement", conv.random_pairwise_jaccard],
            ["ratio to random", conv.jaccard_ratio_to_random],
            ["prompt pairs sharing their most-hit sentence", conv.hotspot_agreement],
        ],
    )
    return lines


def _dedup_section(report: BiasReport, hh: str) -> list[str]:
    dd = report.dedup
    if not dd:
        return []
    rows = [["duplicate rows", dd.duplicates], ["duplicate rate", dd.duplicate_rate]]
    if dd.clusters is not None:
        rows += [
            ["clusters", dd.clusters],
            ["largest cluster", dd.largest_cluster],
            ["clusters with > 1 row", dd.multi_row_clusters],
            ["of which span > 1 prompt", dd.cross_prompt_clusters],
            ["cross-prompt share", dd.cross_prompt_share],
        ]
        rows += [[f"clusters of size {label}", n] for label, n in dd.cluster_size_distribution.items()]
    return [f"{hh} Converged questions (dedup)", ""] + _table(["metric", "value"], rows)


def _exposure_section(report: BiasReport, hh: str) -> list[str]:
    exp = report.exposure
    if not exp:
        return []
    bins = len(exp.relative_exposure_by_bin)
    rows = [
        [_bin_label(i, bins), exp.relative_exposure_by_bin[i], exp.hits_per_exposure_by_bin[i]] for i in range(bins)
    ]
    return [
        f"{hh} Exposure",
        "",
        f"How often each sentence was shown to the generator ({_fmt(exp.rows_with_chunk)} rows with chunk offsets, "
        f"{_fmt(exp.exposures)} sentence exposures). Hits per exposure: {_fmt(exp.hits_per_exposure)}; "
        f"hits outside the shown chunk: {_fmt(exp.hits_outside_chunk)}. Relative exposure 1 = average.",
        "",
    ] + _table(["position", "relative exposure", "hits per exposure"], rows)


def _target_section(report: BiasReport, hh: str) -> list[str]:
    tgt = report.targets
    if not tgt:
        return []
    return [
        f"{hh} Target adherence",
        "",
        "Rows generated for a fixed target sentence (qabias_target_sentence): is their evidence sentence the "
        "target? A row without a hit misses it; *chance* is the share a uniformly random hit sentence would get.",
        "",
    ] + _table(
        ["metric", "value", "of rows with a hit", "chance"],
        [
            ["rows with a target", tgt.rows_with_target, tgt.rows_with_hit, None],
            ["evidence is the target", tgt.on_target_share, tgt.on_target_share_of_hits, tgt.chance_on_target],
            ["evidence within one sentence", tgt.within_one_share, tgt.within_one_share_of_hits, tgt.chance_within_one],
        ],
    )


def _grounding_section(report: BiasReport, hh: str) -> list[str]:
    g = report.grounding
    if not g:
        return []
    rows = [
        ["grounded rows", g.grounded],
        ["ungrounded rows (not counted as hits)" if report.config.grounded_only else "ungrounded rows", g.ungrounded],
        ["rows without a grounded flag", g.unknown],
        ["grounded share", g.grounded_share],
    ]
    rows += [[f"ungrounded: {reason}", n] for reason, n in g.reasons.items()]
    return [f"{hh} Grounding", ""] + _table(["metric", "value"], rows)


def _instruction_section(report: BiasReport, hh: str) -> list[str]:
    ins = report.instructions
    if not ins:
        return []
    rows = [
        ["documents scanned", ins.documents_scanned],
        ["documents with instruction-like passages", ins.documents_with_spans],
        ["passages", ins.spans],
    ]
    rows += [[f"passages of kind {kind}", n] for kind, n in ins.kinds.items()]
    return [f"{hh} Instructions addressed to a model", ""] + _table(["metric", "value"], rows)


def _keep_section(report: BiasReport, hh: str) -> list[str]:
    keep = report.keep
    if not keep or not keep.rejected_by:
        return []
    rows = [["rows passing every keep flag", keep.kept], ["share", keep.kept_share]]
    rows += [[f"rejected by {flag}", n] for flag, n in keep.rejected_by.items()]
    return [f"{hh} Keep flags", ""] + _table(["metric", "value"], rows)


def _hotspot_section(report: BiasReport, hh: str) -> list[str]:
    if not report.hotspots:
        return []
    rows = [
        [h.document, h.sentence, h.hits, h.share_of_document_hits, h.text, h.example_question or "–"]
        for h in report.hotspots
    ]
    return [f"{hh} Hotspots", ""] + _table(
        ["document", "sentence", "hits", "share of document hits", "sentence", "example question"], rows
    )


def _notes(report: BiasReport, hh: str) -> list[str]:
    if not report.notes:
        return []
    return [f"{hh} Notes", ""] + [f"- {note}" for note in report.notes] + [""]


def write_report(report: BiasReport, directory: str | Path, *, image_prefix: str = "") -> dict[str, Path]:
    """Write report.json, report.md and the PNG plots into ``directory``; returns name -> path.

    ``report.md`` sits next to the PNGs, so its image links are relative to it (prefix ``""``).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name in available_plots(report):
        path = directory / PLOT_FILES[name]
        PLOTTERS[name](report, path)
        written[name] = path
    written["json"] = directory / "report.json"
    written["json"].write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, allow_nan=False), "utf-8")
    written["markdown"] = directory / "report.md"
    written["markdown"].write_text(render_markdown(report, image_prefix=image_prefix), "utf-8")
    return written
