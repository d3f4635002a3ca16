"""Tables and files of the experiment's results: the JSON the demo reads, the experiment section of
``pipelines/RESULTS.md`` and the headline table (``pipelines/experiment.py`` computes them).
"""

import json
from pathlib import Path
from typing import Any

from distilabel_qabias.report.by_document import METRICS
from distilabel_qabias.report.intervals import CONFIDENCE, holm

ROOT = Path(__file__).resolve().parents[1]

ARMS: dict[str, str] = {
    "raw": "self-study, as scraped",
    "scrubbed": "self-study, scrubbed",
    "targeted": "targeted, scrubbed",
}
PAIRS: tuple[tuple[str, str], ...] = (("raw", "scrubbed"), ("scrubbed", "targeted"), ("raw", "targeted"))
POSITION_BINS = 10
# rows of the headline table (the demo prints these); every other metric is in the JSON and RESULTS.md
HEADLINE = (
    "coverage",
    "uniform_coverage",
    "gini",
    "cross_prompt_jaccard",
    "random_jaccard",
    "hijack_rate",
    "markup_share",
    "duplicate_rate",
    "grounded_share",
    "on_target_share",
)
MD_START, MD_END = "<!-- experiment:start -->", "<!-- experiment:end -->"
DEFAULT_RESULTS = ROOT / "pipelines" / "results" / "experiment.json"
DEFAULT_GRID_RESULTS = ROOT / "pipelines" / "results" / "experiment_grid.json"


def mark_holm(family: list[dict[str, Any]]) -> None:
    """Holm's correction over one family of paired differences (dicts with ``p_value``): each gets
    ``holm_significant`` and the family's size."""
    for d, verdict in zip(family, holm([d.get("p_value") for d in family])):
        d["holm_significant"] = bool(verdict)
        d["holm_family"] = len(family)


def fmt(interval: dict[str, Any] | None, digits: int = 2) -> str:
    if not interval or interval.get("estimate") is None:
        return "n/a"
    if interval.get("low") is None:
        return f"{interval['estimate']:.{digits}f}"
    return f"{interval['estimate']:.{digits}f} [{interval['low']:.{digits}f}, {interval['high']:.{digits}f}]"


def headline_table(results: dict[str, Any]) -> list[list[str]]:
    """Metric x arm, each cell 'estimate [95% CI]' (the table the demo prints)."""
    arms = results["arms"]
    header = ["metric", *[arms[a]["label"] for a in arms]]
    body = []
    for key in HEADLINE:
        if any(key in arms[a]["metrics"] for a in arms):
            body.append([METRICS[key], *[fmt(arms[a]["metrics"].get(key)) for a in arms]])
    body.append(["QA rows (questions)", *[f"{arms[a]['rows']} ({arms[a]['questions']})" for a in arms]])
    return [header, *body]


def last_experiment_table(path: Path = DEFAULT_RESULTS) -> tuple[str, list[list[str]]] | None:
    """Title and headline table of the last experiment written to ``path`` (None if there is none)."""
    if not Path(path).exists():
        return None
    results = json.loads(Path(path).read_text(encoding="utf-8"))
    if not results.get("arms"):
        return None
    title = (
        f"from the last full experiment run, {results['written']} ({results['status']}): {results['run']['generator']}, "
        f"{results['documents']['total']} documents x {results['run']['rows_per_document']} rows per arm, "
        f"estimate [95% bootstrap CI over documents]; details in pipelines/RESULTS.md"
    )
    return title, headline_table(results)


def pct(interval: dict[str, Any] | None) -> str:
    """A share with its interval in percent: '7% [2, 12]'."""
    if not interval or interval.get("estimate") is None:
        return "n/a"
    return f"{100 * interval['estimate']:.0f}% [{100 * interval['low']:.0f}, {100 * interval['high']:.0f}]"


def last_grid_table(path: Path = DEFAULT_GRID_RESULTS) -> tuple[str, list[list[str]]] | None:
    """Title and per-intent table of the last injection grid written to ``path`` (None if it has no finished intent)."""
    if not Path(path).exists():
        return None
    results = json.loads(Path(path).read_text(encoding="utf-8"))
    intents = (results.get("summary") or {}).get("margins", {}).get("intent")
    if not intents:
        return None

    header = ["intent", "complied, unfiltered", "complied, filtered", "significant after Holm", "passages removed"]
    body = [
        [intent, pct(m["unfiltered"]), pct(m["filtered"]),
         "yes" if m["filtered_minus_unfiltered"].get("holm_significant") else "no", pct(m["passage_removed"])]
        for intent, m in intents.items()
    ]
    title = (
        f"from the last injection grid, {results['written']} ({results['status']}): {results['run']['generator']}, "
        f"{results['summary']['documents']} documents per cell, 5 surface forms x task conflict or not per intent; "
        f"details in pipelines/RESULTS.md"
    )
    return title, [header, *body]


def to_markdown(table: list[list[str]]) -> str:
    lines = ["| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table[1:]]
    return "\n".join(lines)


def results_markdown(results: dict[str, Any]) -> str:
    arms = results["arms"]
    run = results["run"]
    heading = [MD_START, "## The experiment (`make experiment`, `pipelines/experiment.py`)", "", f"**Status:** {results['status']}  "]
    if not arms:
        return "\n".join([*heading, f"**Command:** `{run['command']}`; generator {run['generator']}.", "", MD_END])
    out = [
        *heading,
        f"**Written:** {results['written']} &nbsp; **Command:** `{run['command']}`  ",
        f"**Generator:** {run['generator']}, seed {run['seed']}; git {run['git_commit']}  ",
        f"**Documents:** {results['documents']['total']} ({results['documents']['wikipedia']} Wikipedia lead sections with "
        f">= {run['min_sentences']} sentences, {results['documents']['with_markup']} of all documents with scraper markup; "
        f"{results['documents']['bundled']} bundled), {run['rows_per_document']} QA rows per document and arm.  ",
        f"**Statistics:** every cell is the estimate and its {int(CONFIDENCE * 100)}% percentile bootstrap interval over "
        f"documents ({run['resamples']} resamples, seed {run['seed']}); differences are paired (same documents, same "
        f"resamples in both arms). With {len(METRICS)} metrics x {len(PAIRS)} comparisons, some intervals exclude 0 by chance "
        "alone, so a difference is called significant only when its two-sided bootstrap p-value survives Holm's "
        "step-down correction over that whole family (family-wise error rate 5%).",
        "",
        "| arm | QA rows | questions | answers | prompt / generated tokens | wall time of the last (resumed) run |",
        "|---|---|---|---|---|---|",
    ]
    for arm, entry in arms.items():
        t = entry["tokens"]
        out.append(
            f"| {entry['label']} | {entry['rows']} | {entry['questions']} | {entry['answers']} | "
            f"{t['input_tokens']:,} / {t['output_tokens']:,} | {entry['seconds_last_run']:.0f} s |"
        )
    out += ["", "### Every metric per arm", ""]
    table = [["metric", *[arms[a]["label"] for a in arms]]]
    for key, label in METRICS.items():
        if any(key in arms[a]["metrics"] for a in arms):
            table.append([label, *[fmt(arms[a]["metrics"].get(key)) for a in arms]])
    out += [to_markdown(table), ""]
    if results["differences"]:
        out += ["### Paired differences (second arm minus first, same documents)", ""]
        for name, entry in results["differences"].items():
            first, second = ARMS[entry["first"]], ARMS[entry["second"]]
            out += [f"**{second}** minus **{first}**:", ""]
            rows = [["metric", "difference [95% CI]", "p", "CI excludes 0?", "significant after Holm?"]]
            for key, label in METRICS.items():
                d = entry["metrics"].get(key)
                if d and d.get("estimate") is not None:
                    verdict = "yes" if d["significant"] else ("no" if d.get("low") is not None else "n/a")
                    holm_verdict = "n/a" if "holm_significant" not in d else ("**yes**" if d["holm_significant"] else "no")
                    # no resample crossed 0: the bootstrap only bounds p by its resolution
                    p = "n/a" if d.get("p_value") is None else (f"{d['p_value']:.3f}" if d["p_value"] >= 0.001 else "< 0.001")
                    rows.append([label, fmt(d, 3), p, verdict, holm_verdict])
            out += [to_markdown(rows), ""]
            significant = [METRICS[k] for k, d in entry["metrics"].items() if k in METRICS and d.get("holm_significant")]
            uncorrected = [METRICS[k] for k, d in entry["metrics"].items()
                           if k in METRICS and d.get("significant") and not d.get("holm_significant")]
            out += [
                "Significant after Holm's correction: " + ("; ".join(significant) if significant else "none") + ". "
                + (f"Interval excludes 0 but not significant after the correction (treat as noise): {'; '.join(uncorrected)}. "
                   if uncorrected else "")
                + "Everything else is within the noise of this many documents.",
                "",
            ]
    k = results["run"]["saturation_k"]
    out += ["### Saturation: coverage after the first k questions of a document", ""]
    sat = [["k", *[arms[a]["label"] for a in arms]]]
    for i in range(k):
        sat.append([str(i + 1), *[fmt(arms[a]["saturation"][i]) for a in arms]])
    out += [to_markdown(sat), ""]
    out += ["### Evidence position histogram (share of hits per tenth of the document; expected under uniform hits)", ""]
    pos = [["position", *[f"{arms[a]['label']} (expected)" for a in arms]]]
    for b in range(POSITION_BINS):
        pos.append(
            [f"{b / POSITION_BINS:.1f}-{(b + 1) / POSITION_BINS:.1f}",
             *[f"{fmt(arms[a]['position_observed'][b])} ({fmt(arms[a]['position_expected'][b])})" for a in arms]]
        )
    out += [to_markdown(pos), "", MD_END]
    return "\n".join(out)


def write_results(results: dict[str, Any], json_path: Path, md_path: Path | None) -> None:
    """The results JSON (atomically) and, when ``md_path`` is given, its section of that Markdown file."""
    write_json(json_path, results)
    if md_path is not None:
        replace_section(md_path, results_markdown(results), MD_START, MD_END)


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    tmp.replace(path)


def replace_section(md_path: Path, section: str, start: str, end: str, *, after: str | None = None) -> None:
    """Put ``section`` (which begins with ``start`` and ends with ``end``) in place of the text between those
    markers in ``md_path``; without them, right after the ``after`` marker or else under the title."""
    existing = md_path.read_text(encoding="utf-8") if md_path.exists() else "# What the example pipelines measured\n"
    if start in existing and end in existing:
        before, rest = existing.split(start, 1)
        updated = before + section + rest.split(end, 1)[1]
    elif after is not None and after in existing:
        before, rest = existing.split(after, 1)
        updated = f"{before}{after}\n\n{section}{rest}"
    else:
        title, _, rest = existing.partition("\n")
        updated = f"{title}\n\n{section}\n{rest}"
    md_path.write_text(updated, encoding="utf-8")
