"""The README's main command: run the example pipelines on the bundled corpus and compare them.

Offline, with SmolLM2-135M-Instruct via llama.cpp by default. Four runs on the first
``--documents`` documents of the bundled Wikipedia corpus (half carry scraper-style markup):

1. self-study on the documents as scraped (unfiltered),
2. self-study on documents scrubbed by ScrubArtifacts first (filtered),
3. fixed targets (SampleTargetSpans) on the scrubbed documents,
4. the injection experiment: answers from documents with an inserted instruction, with and
   without FilterInstructionSpans.

It prints one comparison table (coverage, Gini, saturation, cross-prompt overlap, hijack rate,
duplicate rate, injection compliance) and writes it with every run's dataset and report (plots
included) under ``--output`` (default ``out/demo``).

    .venv/bin/python pipelines/demo.py
    .venv/bin/python pipelines/demo.py --documents 12 --samples-per-document 5
    .venv/bin/python pipelines/demo.py --llm openai --base-url http://localhost:8000/v1 --model my-model
"""

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

# distilabel logs every batch at INFO; the demo prints its own summary (set DISTILABEL_LOG_LEVEL=INFO to see them)
os.environ.setdefault("DISTILABEL_LOG_LEVEL", "WARNING")
# and the progress bars of datasets / model loading (tqdm) would bury the table
os.environ.setdefault("TQDM_DISABLE", "1")

from support import corpus, llm, running  # noqa: E402
import injection_experiment  # noqa: E402
import self_study  # noqa: E402
import targeted  # noqa: E402
from experiment_results import last_experiment_table, last_grid_table  # noqa: E402

# label, report section, key; "ratio" rows are computed from two report values
TABLE_METRICS: tuple[tuple[str, str, str], ...] = (
    ("QA rows", "summary", "rows"),
    ("rows with grounded evidence", "derived", "grounded_share"),
    ("coverage (share of sentences hit)", "summary", "mean_coverage"),
    ("reference: same hits spread uniformly", "summary", "uniform_mean_coverage"),
    ("saturation (coverage / uniform)", "derived", "saturation_ratio"),
    ("Gini of hits over sentences", "summary", "mean_gini"),
    ("cross-prompt overlap (Jaccard)", "convergence", "mean_pairwise_jaccard"),
    ("reference: same hits placed at random", "convergence", "random_pairwise_jaccard"),
    ("hijack rate (evidence on markup)", "artifacts", "qa_share"),
    ("reference: share of sentences with markup", "artifacts", "sentence_share"),
    ("hits per artifact sentence / per plain one", "derived", "artifact_lift"),
    ("duplicate rate (converged questions)", "dedup", "duplicate_rate"),
)


def table_value(report: dict[str, Any] | None, section: str, key: str) -> float | None:
    if section != "derived":
        return running.metric(report, section, key)
    if key == "grounded_share":
        rows, hits = running.metric(report, "summary", "rows"), running.metric(report, "summary", "hit_rows")
        return hits / rows if rows else None
    if key == "saturation_ratio":
        observed = running.metric(report, "summary", "mean_coverage")
        uniform = running.metric(report, "summary", "uniform_mean_coverage")
        return observed / uniform if observed is not None and uniform else None
    if key == "artifact_lift":
        value = (((report or {}).get("salience") or {}).get("artifact") or {}).get("hits_lift")
        return float(value) if isinstance(value, (int, float)) else None
    raise ValueError(key)


def _format(value: float | None, key: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f}" if key == "rows" else f"{value:.2f}"


def comparison_table(results: list[running.RunResult]) -> list[list[str]]:
    header = ["metric", *[r.name for r in results]]
    body = [[label, *[_format(table_value(r.report, section, key), key) for r in results]] for label, section, key in TABLE_METRICS]
    tokens = [running.token_counts(r.rows) for r in results]
    body.append(["prompt / generated tokens", *[f"{t['input_tokens']} / {t['output_tokens']}" for t in tokens]])
    body.append(["run time (s)", *[f"{r.seconds:.0f}" for r in results]])
    return [header, *body]


def injection_table(injection: dict[str, Any]) -> list[list[str]]:
    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.0f}%"

    n = injection["rows_with_canary"]
    return [
        ["injection experiment", "unfiltered", "filtered (FilterInstructionSpans)"],
        [
            "compliance (canary in the answer)",
            f"{pct(injection['compliance_unfiltered'])} ({injection['complied_unfiltered']}/{n})",
            f"{pct(injection['compliance_filtered'])} ({injection['complied_filtered']}/{n})",
        ],
        ["injected passages removed", "", pct(injection["passage_removed_rate"])],
        ["clean text lost per document", "", pct(injection["mean_clean_chars_lost"])],
        ["prompt / generated tokens", f"{injection['input_tokens']} / {injection['output_tokens']}", ""],
        ["run time (s)", f"{injection['seconds']:.0f}", ""],
    ]


def to_markdown(table: list[list[str]]) -> str:
    lines = ["| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table[1:]]
    return "\n".join(lines)


def print_table(table: list[list[str]], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    rich_table = Table(title=title)
    for i, name in enumerate(table[0]):
        rich_table.add_column(name, justify="left" if i == 0 else "right")
    for row in table[1:]:
        rich_table.add_row(*row)
    # logs and pipes get rich's 80 columns by default, which wraps the metric names
    Console(width=max(shutil.get_terminal_size().columns, 130)).print(rich_table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=6, help="documents of the bundled corpus to use (1-12, default 6)")
    parser.add_argument("--samples-per-document", type=int, default=4, help="QA rows per document and run (default 4)")
    parser.add_argument("--chunk-chars", type=int, default=400, help="self-study chunk length in characters (default 400)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-injection", action="store_true", help="leave out the injection experiment")
    parser.add_argument("--output", default="out/demo", help="output folder (default: out/demo)")
    llm.add_generator_arguments(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.documents <= 12:
        parser.error("--documents must be between 1 and 12 (the bundled corpus has 12 documents)")

    output = Path(args.output)
    generator = llm.generator_from_args(args)
    bundled = corpus.load_demo_corpus(args.documents)
    raw = [{k: row[k] for k in corpus.CORPUS_COLUMNS} for row in bundled]
    to_scrub = [{**row, "raw_document": row["document"]} for row in raw]
    print(f"demo: {len(raw)} documents ({sum(r['rendering'] != 'clean' for r in raw)} with scraper markup), "
          f"{args.samples_per_document} QA rows per document and run; generator: {generator.model_label}")

    started = time.perf_counter()
    runs = [
        ("self-study, as scraped", "self_study_raw", lambda cache: self_study.build_pipeline(
            raw, generator, samples_per_document=args.samples_per_document, chunk_chars=args.chunk_chars,
            seed=args.seed, cache_dir=cache, name="qabias-demo-self-study-raw")),
        ("self-study, scrubbed", "self_study_scrubbed", lambda cache: self_study.build_pipeline(
            to_scrub, generator, samples_per_document=args.samples_per_document, chunk_chars=args.chunk_chars,
            seed=args.seed, scrub_first=True, cache_dir=cache, name="qabias-demo-self-study-scrubbed")),
        ("targeted, scrubbed", "targeted_scrubbed", lambda cache: targeted.build_pipeline(
            to_scrub, generator, targets_per_document=args.samples_per_document, seed=args.seed,
            scrub_first=True, cache_dir=cache, name="qabias-demo-targeted")),
    ]
    results = []
    for label, folder, build in runs:
        print(f"\n[{len(results) + 1}/{len(runs) + (not args.skip_injection)}] {label} ...", flush=True)
        results.append(running.run_and_save(build, name=label, output=output / folder))
        print(f"    done in {results[-1].seconds:.0f} s", flush=True)

    injection = None
    if not args.skip_injection:
        print(f"\n[{len(runs) + 1}/{len(runs) + 1}] injection experiment ...", flush=True)
        injection_result, injection = injection_experiment.run(
            bundled, generator, output=output / "injection", seed=args.seed
        )
        print(f"    done in {injection_result.seconds:.0f} s", flush=True)
        injection.update(seconds=injection_result.seconds, **running.token_counts(injection_result.rows))

    total = time.perf_counter() - started
    table = comparison_table(results)
    title = f"distilabel-qabias demo (a smoke run; differences are noise at this size): {generator.model_label}, {len(raw)} documents, {total:.0f} s"
    print()
    print_table(table, title)
    last = last_experiment_table()
    if last is None:
        print("No full experiment has been run yet: `make experiment` measures these with confidence intervals.")
    else:
        print_table(last[1], last[0])
    markdown = f"# {title}\n\n{to_markdown(table)}\n"
    if injection is not None:
        print_table(injection_table(injection), "instruction injection: does the answering model obey?")
        markdown += f"\n{to_markdown(injection_table(injection))}\n"
    grid = last_grid_table()
    if grid is not None:
        print_table(grid[1], grid[0])

    summary = {
        "generator": generator.model_label,
        "documents": [row["title"] for row in raw],
        "samples_per_document": args.samples_per_document,
        "seed": args.seed,
        "seconds_total": total,
        "runs": {
            r.name: {"seconds": r.seconds, "rows": len(r.rows), **running.token_counts(r.rows), "report": r.report}
            for r in results
        },
        "injection": injection,
    }
    (output / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    (output / "summary.md").write_text(markdown, encoding="utf-8")
    print(f"\nwrote {output / 'summary.md'}, {output / 'summary.json'} and each run's dataset and report "
          f"(report.md with plots) under {output}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
