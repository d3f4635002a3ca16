"""Render a :class:`BiasReport` as Markdown (dataset-card section) and PNG plots.

Plots use matplotlib's object API with the Agg canvas (``matplotlib.figure.Figure``), so rendering
never touches pyplot's global backend or needs a display.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

if TYPE_CHECKING:
    from distilabel_qabias.report.model import BiasReport

PLOT_FILES = {
    "coverage_heat": "coverage_heat.png",
    "saturation": "saturation.png",
    "position": "position_histogram.png",
    "exposure": "position_exposure.png",
}
_FEATURE_PHRASES = {
    "heading": "a heading",
    "list_item": "a list item",
    "table_cell": "a table cell",
    "number": "a number",
    "markup": "markup",
    "artifact": "an artifact",
}
_SATURATION_TABLE_K = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)


def available_plots(report: "BiasReport") -> list[str]:
    """Names of the plots the report has data for (Markdown links only these)."""
    needs = {
        "coverage_heat": report.heat,
        "saturation": report.saturation,
        "position": report.position,
        "exposure": report.exposure,
    }
    return [name for name, section in needs.items() if section]


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


def render_markdown(report: "BiasReport", *, image_prefix: str = "qabias_report/", heading_level: int = 2) -> str:
    from distilabel_qabias.report.model import REPORT_TITLE

    h = "#" * heading_level
    hh = "#" * (heading_level + 1)
    s = report.summary
    plots = set(available_plots(report))

    def image(name: str, alt: str) -> list[str]:
        return [f"![{alt}]({image_prefix}{PLOT_FILES[name]})", ""] if name in plots else []

    lines = [f"{h} {REPORT_TITLE}", ""]
    if not s.get("rows"):  # the notes say the dataset is empty
        return "\n".join(lines + _notes(report, hh))
    lines += [
        f"{_fmt(s['rows'])} rows over {_fmt(s['documents'])} documents; {_fmt(s['hit_rows'])} rows draw on an "
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
            ["mean coverage per document", s["mean_coverage"], "share of sentences hit at least once"],
            ["coverage under uniform placement", s.get("uniform_mean_coverage"), "same hits, random sentences"],
            ["pooled coverage", s["pooled_coverage"], "all sentences of all documents"],
            ["mean Gini of hits", s["mean_gini"], "0 = even spread, (n-1)/n = one sentence"],
            ["mean normalised entropy", s["mean_entropy"], "1 = even spread, 0 = one sentence"],
            ["share of hits on the top 10% sentences", s["mean_top10_share"], "concentration on hotspots"],
            ["mean evidence position", s["mean_position"], f"uniform: {_fmt(s['expected_mean_position'])}"],
            ["rows without a hit", s["rows_without_hit"], "no evidence, not grounded or unusable document"],
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
    lines += _hotspot_section(report, hh)
    return "\n".join(lines + _notes(report, hh))


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def findings(report: "BiasReport") -> list[str]:
    """One sentence per headline number, each against its reference (for the card and the CLI)."""
    out = []
    s = report.summary
    if s.get("mean_coverage") is not None and s.get("uniform_mean_coverage") is not None:
        out.append(
            f"Questions reach {_pct(s['mean_coverage'])} of a document's sentences; placing the same hits on "
            f"uniformly random sentences would reach {_pct(s['uniform_mean_coverage'])}."
        )
    pos = report.position
    if pos and math.isfinite(pos["first_bin_ratio"]) and math.isfinite(pos["last_bin_ratio"]):
        out.append(
            f"The first {_pct(1 / pos['bins'])} of a document draws {pos['first_bin_ratio']:.2f}× its share of evidence, "
            f"the last {_pct(1 / pos['bins'])} {pos['last_bin_ratio']:.2f}×."
        )
    sal = report.salience or {}
    lifts = [
        (v["hits_lift"], v["position_adjusted_lift"], name) for name, v in sal.items()
        if name != "plain" and v["sentences"] >= 10 and math.isfinite(v["hits_lift"])
    ]
    if lifts:
        lift, adjusted, name = max(lifts)
        out.append(
            f"Sentences with {_FEATURE_PHRASES.get(name, name)} draw {lift:.2f}× the hits of plain sentences "
            f"({adjusted:.2f}× after adjusting for position)."
        )
    art = report.artifacts
    if art and art["qa_share"] is not None and math.isfinite(art["qa_share"]) and art["spans"]:
        out.append(
            f"{_pct(art['qa_share'])} of QA rows have evidence overlapping an artifact; artifacts make up "
            f"{_pct(art['text_share'])} of the text ({_pct(art['sentence_share'])} of sentences)."
        )
    conv = report.convergence
    if conv and conv["documents_compared"]:
        out.append(
            f"Seed prompts overlap in their hit sentences with Jaccard {conv['mean_pairwise_jaccard']:.2f} "
            f"({conv['random_pairwise_jaccard']:.2f} by chance); {_pct(conv['hotspot_agreement'])} of prompt pairs "
            "share their most-hit sentence."
        )
    dd = report.dedup
    if dd:
        text = f"{_pct(dd['duplicate_rate'])} of rows are converged duplicates"
        if dd.get("cross_prompt_share") is not None:
            text += f"; {_pct(dd['cross_prompt_share'])} of multi-row clusters span more than one seed prompt"
        out.append(text + ".")
    exp = report.exposure
    if exp:
        relative = exp["relative_exposure_by_bin"]
        if math.isfinite(relative[0]) and math.isfinite(relative[-1]):
            out.append(
                f"The generator was shown the first and last {_pct(1 / len(relative))} of documents "
                f"{relative[0]:.2f}× and {relative[-1]:.2f}× as often as the average position."
            )
    return out


def _saturation_section(report: "BiasReport", hh: str) -> list[str]:
    sat = report.saturation
    rows = [
        [k, sat["mean_coverage"][k - 1], sat["uniform_coverage"][k - 1], int(sat["documents"][k - 1])]
        for k in _SATURATION_TABLE_K
        if k <= len(sat["k"])
    ]
    return [f"{hh} Coverage saturation", "", "Coverage after the first k questions of each document (row order).", ""] + _table(
        ["k questions", "mean coverage", "uniform placement", "documents with ≥ k questions"], rows
    )


def _position_section(report: "BiasReport", hh: str) -> list[str]:
    pos = report.position
    bins = pos["bins"]
    rows = [
        [_bin_label(i, bins), pos["observed_share"][i], pos["expected_share"][i], pos["ratio"][i]] for i in range(bins)
    ]
    return [
        f"{hh} Evidence position",
        "",
        "Where the evidence sits in its document (0 = start); *expected* is the share if every sentence were equally likely.",
        "",
    ] + _table(["position", "share of evidence", "expected", "ratio"], rows)


def _salience_section(report: "BiasReport", hh: str) -> list[str]:
    sal = report.salience
    rows = [
        [
            name.replace("_", " "), v["sentences"], v["coverage_rate"], v["hits_per_sentence"],
            v["coverage_lift"], v["hits_lift"], v["position_adjusted_lift"],
        ]
        for name, v in sal.items()
        if v["sentences"]
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


def _artifact_section(report: "BiasReport", hh: str) -> list[str]:
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
            ["documents with artifact tags", art["documents"]],
            ["artifact spans", art["spans"]],
            ["artifact share of document text", art["text_share"]],
            ["share of sentences touching an artifact", art["sentence_share"]],
            ["share of QA rows whose evidence overlaps an artifact", art["qa_share"]],
            ["ratio to text share", art["ratio_to_text_share"]],
            ["ratio to sentence share", art["ratio_to_sentence_share"]],
        ],
    )


def _convergence_section(report: "BiasReport", hh: str) -> list[str]:
    conv = report.convergence
    if not conv:
        return []
    rows = [
        [name, v["rows"], v["hit_rows"], v["mean_coverage"], v["mean_gini"], v["mean_position"]]
        for name, v in conv["prompts"].items()
    ]
    lines = [f"{hh} Convergence across seed prompts", ""]
    lines += _table(["prompt", "rows", "hit rows", "mean coverage", "mean Gini", "mean position"], rows)
    lines += _table(
        ["metric", "value"],
        [
            ["documents hit by ≥ 2 prompts", conv["documents_compared"]],
            ["mean pairwise Jaccard of hit sentences", conv["mean_pairwise_jaccard"]],
            ["same under random placement", conv["random_pairwise_jaccard"]],
            ["ratio to random", conv["jaccard_ratio_to_random"]],
            ["prompt pairs sharing their most-hit sentence", conv["hotspot_agreement"]],
        ],
    )
    return lines


def _dedup_section(report: "BiasReport", hh: str) -> list[str]:
    dd = report.dedup
    if not dd:
        return []
    rows = [["duplicate rows", dd["duplicates"]], ["duplicate rate", dd["duplicate_rate"]]]
    if "clusters" in dd:
        rows += [
            ["clusters", dd["clusters"]],
            ["largest cluster", dd["largest_cluster"]],
            ["clusters with > 1 row", dd["multi_row_clusters"]],
            ["of which span > 1 prompt", dd["cross_prompt_clusters"]],
            ["cross-prompt share", dd["cross_prompt_share"]],
        ]
        rows += [[f"clusters of size {label}", n] for label, n in dd["cluster_size_distribution"].items()]
    return [f"{hh} Converged questions (dedup)", ""] + _table(["metric", "value"], rows)


def _exposure_section(report: "BiasReport", hh: str) -> list[str]:
    exp = report.exposure
    if not exp:
        return []
    bins = len(exp["relative_exposure_by_bin"])
    rows = [
        [_bin_label(i, bins), exp["relative_exposure_by_bin"][i], exp["hits_per_exposure_by_bin"][i]] for i in range(bins)
    ]
    return [
        f"{hh} Exposure",
        "",
        f"How often each sentence was shown to the generator ({_fmt(exp['rows_with_chunk'])} rows with chunk offsets, "
        f"{_fmt(exp['exposures'])} sentence exposures). Hits per exposure: {_fmt(exp['hits_per_exposure'])}; "
        f"hits outside the shown chunk: {_fmt(exp['hits_outside_chunk'])}. Relative exposure 1 = average.",
        "",
    ] + _table(["position", "relative exposure", "hits per exposure"], rows)


def _hotspot_section(report: "BiasReport", hh: str) -> list[str]:
    if not report.hotspots:
        return []
    rows = [
        [h["document"], h["sentence"], h["hits"], h["share_of_document_hits"], h["text"], h["example_question"] or "–"]
        for h in report.hotspots
    ]
    return [f"{hh} Hotspots", ""] + _table(
        ["document", "sentence", "hits", "share of document hits", "sentence", "example question"], rows
    )


def _notes(report: "BiasReport", hh: str) -> list[str]:
    if not report.notes:
        return []
    return [f"{hh} Notes", ""] + [f"- {note}" for note in report.notes] + [""]


# --- plots ------------------------------------------------------------------------------------


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _position_axis(ax, bins: int) -> None:
    ticks = np.linspace(-0.5, bins - 0.5, 5)
    ax.set_xticks(ticks, [f"{t:.2f}" for t in np.linspace(0, 1, 5)])
    ax.set_xlabel("relative position in document")


def plot_coverage_heat(report: "BiasReport", path: Path) -> None:
    heat = report.heat
    matrix = np.asarray(heat["matrix"], dtype=float)
    aggregate = np.asarray(heat["aggregate"], dtype=float)[None, :]
    vmax = max(2.0, float(np.nanpercentile(matrix, 98)))
    fig = _figure(8, 1.6 + 0.16 * len(matrix))
    top, bottom = fig.subplots(2, 1, height_ratios=[1, max(len(matrix), 1) / 3])
    image = top.imshow(aggregate, aspect="auto", cmap="magma", vmin=0, vmax=vmax)
    top.set_yticks([0], ["all documents"])
    top.set_xticks([])
    top.set_title("Where questions draw their evidence (hits per character, 1 = even spread)")
    bottom.imshow(matrix, aspect="auto", cmap="magma", vmin=0, vmax=vmax, interpolation="nearest")
    labels = [label[:32] for label in heat["documents"]]
    bottom.set_yticks(range(len(labels)), labels, fontsize=6)
    _position_axis(bottom, heat["bins"])
    fig.colorbar(image, ax=[top, bottom], label="relative hit density", shrink=0.8)
    fig.savefig(path)


def plot_saturation(report: "BiasReport", path: Path) -> None:
    sat = report.saturation
    documents = np.asarray(sat["documents"])
    # Past the length most documents reach the mean is over a few long documents; stop where <10% remain.
    shown = documents >= max(1, 0.1 * documents[0])
    k = np.asarray(sat["k"])[shown]
    fig = _figure(6.5, 4)
    ax = fig.subplots()
    ax.plot(k, np.asarray(sat["mean_coverage"], dtype=float)[shown], marker="o", ms=3, label="observed")
    ax.plot(k, np.asarray(sat["uniform_coverage"], dtype=float)[shown], ls="--", label="uniform placement")
    ax.set_xlabel("questions generated for the document (k)")
    ax.set_ylabel("mean coverage (share of sentences hit)")
    ax.set_ylim(0, 1.02)
    ax.set_title("Coverage saturation")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.savefig(path)


def plot_position(report: "BiasReport", path: Path) -> None:
    pos = report.position
    bins = pos["bins"]
    fig = _figure(6.5, 4)
    ax = fig.subplots()
    ax.bar(range(bins), np.asarray(pos["observed_share"], dtype=float), color="#3b6ea8", label="evidence")
    ax.stairs(np.asarray(pos["expected_share"], dtype=float), np.arange(bins + 1) - 0.5, baseline=None, color="#d1495b", lw=2,
              label="uniform over sentences")
    _position_axis(ax, bins)
    ax.set_ylabel("share of hits")
    ax.set_title("Evidence position histogram")
    ax.legend()
    fig.savefig(path)


def plot_exposure(report: "BiasReport", path: Path) -> None:
    exp = report.exposure
    relative = np.asarray(exp["relative_exposure_by_bin"], dtype=float)
    rate = np.asarray(exp["hits_per_exposure_by_bin"], dtype=float)
    bins = relative.size
    fig = _figure(6.5, 5)
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.bar(range(bins), relative, color="#7a9e7e")
    top.axhline(1.0, color="black", lw=0.8, ls=":")
    top.set_ylabel("relative exposure")
    top.set_title("How often each position was shown to the generator")
    bottom.bar(range(bins), rate, color="#3b6ea8")
    bottom.set_ylabel("hits per exposure")
    bottom.set_title("Exposure-normalised evidence profile")
    _position_axis(bottom, bins)
    fig.savefig(path)


_PLOTTERS: dict[str, Callable[["BiasReport", Path], None]] = {
    "coverage_heat": plot_coverage_heat,
    "saturation": plot_saturation,
    "position": plot_position,
    "exposure": plot_exposure,
}


def write_report(report: "BiasReport", directory: Path, *, image_prefix: str = "") -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name in available_plots(report):
        path = directory / PLOT_FILES[name]
        _PLOTTERS[name](report, path)
        written[name] = path
    written["json"] = directory / "report.json"
    written["json"].write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, allow_nan=False), "utf-8")
    written["markdown"] = directory / "report.md"
    written["markdown"].write_text(report.to_markdown(image_prefix=image_prefix), "utf-8")
    return written
