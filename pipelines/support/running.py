"""Run a Pipeline into an output folder (dataset, report files, optional Hub push) and summarise it."""

import argparse
import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from distilabel.constants import DISTILABEL_METADATA_KEY

from support.llm import GeneratorConfig

LOAD_BATCH = 50
# Small LLM batches let the answer Task start while questions are still being written.
LLM_BATCH = 4


def add_output_arguments(parser: argparse.ArgumentParser, *, default_output: str) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--output", default=default_output, help=f"output folder (default: {default_output})")
    group.add_argument("--push-to-hub", metavar="REPO_ID", default=None, help="also push the dataset to this Hub repo")
    group.add_argument("--private", action="store_true", help="make the pushed Hub repo private")


@dataclass
class RunResult:
    """What one pipeline run produced: the final rows, the report (as JSON dict) and where files went."""

    name: str
    rows: list[dict[str, Any]]
    report: dict[str, Any] | None
    output: Path
    seconds: float
    pushed_to: str | None = None


def run_and_save(
    build: Callable[[str], Any],
    *,
    name: str,
    output: Path,
    push_to_hub: str | None = None,
    private: bool = False,
) -> RunResult:
    """Build the pipeline with a throw-away cache dir, run it without cache, save dataset and report.

    ``output/dataset`` holds the Distiset (with the report artifact), ``output/report`` the report
    files (report.json, report.md, PNG plots) copied from the ``QABiasReport`` artifact.
    """
    from distilabel_qabias.hub import find_report_artifact, push_distiset

    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qabias-distilabel-") as cache_dir:
        pipeline = build(cache_dir)
        started = time.perf_counter()
        distiset = pipeline.run(use_cache=False)
        seconds = time.perf_counter() - started
        if distiset is None or "default" not in distiset:
            raise RuntimeError(f"the {name} pipeline produced no dataset; see the log above")
        rows = distiset["default"]["train"].to_list()
        report = None
        report_dir = find_report_artifact(distiset)
        if report_dir is not None:
            shutil.copytree(report_dir, output / "report", dirs_exist_ok=True)
            report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
        distiset.save_to_disk(output / "dataset", save_card=True, save_pipeline_config=True, save_pipeline_log=False)
        pushed_to = None
        if push_to_hub:
            push_distiset(distiset, push_to_hub, private=private)
            pushed_to = push_to_hub
    return RunResult(name=name, rows=rows, report=report, output=output, seconds=seconds, pushed_to=pushed_to)


def run_config(**parts: Any) -> dict[str, Any]:
    """What a saved piece of a resumable run was made from, as JSON-able values; long inputs (documents,
    source files) are given as their SHA-256 so the record stays small."""
    return json.loads(json.dumps(parts, sort_keys=True, default=str))


def digest(values: Any) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]


def check_reusable(record_file: Path, config: dict[str, Any]) -> None:
    """Refuse (one line) to read back a finished piece that another configuration produced: a rerun with
    other documents, sizes, sampling or generator must not silently mix old rows into new results."""
    saved = json.loads(record_file.read_text(encoding="utf-8")).get("config")
    if saved == config:
        return
    differing = sorted(k for k in set(config) | set(saved or {}) if (saved or {}).get(k) != config.get(k))
    raise SystemExit(
        f"{record_file.parent} holds a finished run of another configuration (differs in: {', '.join(differing)}); "
        "rerun with another --run-dir, or delete that folder to generate it again"
    )


def token_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Generations, prompt tokens and generated tokens of every Task, from distilabel's per-row statistics."""
    totals = {"generations": 0, "input_tokens": 0, "output_tokens": 0}
    for row in rows:
        for key, stats in (row.get(DISTILABEL_METADATA_KEY) or {}).items():
            if not key.startswith("statistics_") or not isinstance(stats, dict):
                continue
            totals["generations"] += 1
            for name in ("input_tokens", "output_tokens"):
                value = stats.get(name) or 0
                totals[name] += sum(value) if isinstance(value, list) else int(value)
    return totals


def metric(report: dict[str, Any] | None, section: str, key: str) -> float | None:
    """``report[section][key]`` as a float, None when the section or value is missing or NaN."""
    value = ((report or {}).get(section) or {}).get(key)
    return float(value) if isinstance(value, (int, float)) and value == value else None


def print_run_summary(result: RunResult, generator: GeneratorConfig) -> None:
    rows = result.rows
    questions = sum(isinstance(r.get("question"), str) for r in rows)
    answers = sum(isinstance(r.get("answer"), str) for r in rows)
    print(f"\n{result.name}: {len(rows)} rows ({questions} questions, {answers} answers) in {result.seconds:.0f} s")
    print(f"generator: {generator.model_label}")
    report = result.report
    for label, section, key in HEADLINE_METRICS:
        value = metric(report, section, key)
        print(f"  {label:<34} {'n/a' if value is None else f'{value:.3f}'}")
    print(f"dataset: {result.output / 'dataset'}   report: {result.output / 'report'}")
    if result.pushed_to:
        print(f"pushed to https://huggingface.co/datasets/{result.pushed_to}")


HEADLINE_METRICS: tuple[tuple[str, str, str], ...] = (
    ("coverage (share of sentences hit)", "summary", "mean_coverage"),
    ("coverage if hits were uniform", "summary", "uniform_mean_coverage"),
    ("Gini of hits per sentence", "summary", "mean_gini"),
    ("cross-prompt overlap (Jaccard)", "convergence", "mean_pairwise_jaccard"),
    ("  ... if placed at random", "convergence", "random_pairwise_jaccard"),
    ("hijack rate (evidence on markup)", "artifacts", "qa_share"),
    ("duplicate rate", "dedup", "duplicate_rate"),
)
