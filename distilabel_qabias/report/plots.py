"""PNG plots of a :class:`~distilabel_qabias.report.model.BiasReport`: coverage heat strip, saturation
curve, evidence position histogram and exposure profile.

matplotlib's object API with the Agg canvas (``matplotlib.figure.Figure``): never pyplot's global
backend, no display needed. Imports the model only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from distilabel_qabias.report.model import BiasReport

PLOT_FILES = {
    "coverage_heat": "coverage_heat.png",
    "saturation": "saturation.png",
    "position": "position_histogram.png",
    "exposure": "position_exposure.png",
}


def available_plots(report: BiasReport) -> list[str]:
    """Names of the plots the report has data for (Markdown links only these)."""
    needs = {
        "coverage_heat": report.heat,
        "saturation": report.saturation,
        "position": report.position,
        "exposure": report.exposure,
    }
    return [name for name, section in needs.items() if section]


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _position_axis(ax, bins: int) -> None:
    ticks = np.linspace(-0.5, bins - 0.5, 5)
    ax.set_xticks(ticks, [f"{t:.2f}" for t in np.linspace(0, 1, 5)])
    ax.set_xlabel("relative position in document")


def plot_coverage_heat(report: BiasReport, path: Path) -> None:
    heat = report.heat
    matrix = np.asarray(heat.matrix, dtype=float)
    aggregate = np.asarray(heat.aggregate, dtype=float)[None, :]
    vmax = max(2.0, float(np.nanpercentile(matrix, 98)))
    fig = _figure(8, 1.6 + 0.16 * len(matrix))
    top, bottom = fig.subplots(2, 1, height_ratios=[1, max(len(matrix), 1) / 3])
    image = top.imshow(aggregate, aspect="auto", cmap="magma", vmin=0, vmax=vmax)
    top.set_yticks([0], ["all documents"])
    top.set_xticks([])
    top.set_title("Where questions draw their evidence (hits per character, 1 = even spread)")
    bottom.imshow(matrix, aspect="auto", cmap="magma", vmin=0, vmax=vmax, interpolation="nearest")
    labels = [label[:32] for label in heat.documents]
    bottom.set_yticks(range(len(labels)), labels, fontsize=6)
    _position_axis(bottom, heat.bins)
    fig.colorbar(image, ax=[top, bottom], label="relative hit density", shrink=0.8)
    fig.savefig(path)


def plot_saturation(report: BiasReport, path: Path) -> None:
    sat = report.saturation
    documents = np.asarray(sat.documents)
    # Past the length most documents reach the mean is over a few long documents; stop where <10% remain.
    shown = documents >= max(1, 0.1 * documents[0])
    k = np.asarray(sat.k)[shown]
    fig = _figure(6.5, 4)
    ax = fig.subplots()
    ax.plot(k, np.asarray(sat.mean_coverage, dtype=float)[shown], marker="o", ms=3, label="observed")
    ax.plot(k, np.asarray(sat.uniform_coverage, dtype=float)[shown], ls="--", label="uniform placement")
    ax.set_xlabel("questions generated for the document (k)")
    ax.set_ylabel("mean coverage (share of sentences hit)")
    ax.set_ylim(0, 1.02)
    ax.set_title("Coverage saturation")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.savefig(path)


def plot_position(report: BiasReport, path: Path) -> None:
    pos = report.position
    bins = pos.bins
    fig = _figure(6.5, 4)
    ax = fig.subplots()
    ax.bar(range(bins), np.asarray(pos.observed_share, dtype=float), color="#3b6ea8", label="evidence")
    ax.stairs(np.asarray(pos.expected_share, dtype=float), np.arange(bins + 1) - 0.5, baseline=None, color="#d1495b", lw=2,
              label="uniform over sentences")
    _position_axis(ax, bins)
    ax.set_ylabel("share of hits")
    ax.set_title("Evidence position histogram")
    ax.legend()
    fig.savefig(path)


def plot_exposure(report: BiasReport, path: Path) -> None:
    exp = report.exposure
    relative = np.asarray(exp.relative_exposure_by_bin, dtype=float)
    rate = np.asarray(exp.hits_per_exposure_by_bin, dtype=float)
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


PLOTTERS: dict[str, Callable[[BiasReport, Path], None]] = {
    "coverage_heat": plot_coverage_heat,
    "saturation": plot_saturation,
    "position": plot_position,
    "exposure": plot_exposure,
}


