"""Audit an existing QA dataset (Hub id or local file) with distilabel-qabias and push the result.

The rows go through the Steps of ``qabias audit`` (``distilabel_qabias.steps.recipes.audit_steps``):
ScrubArtifacts (tag mode: questions and answers about markup) -> TagSpanCoverage (evidence span,
grounded) -> DeduplicateConvergentQuestions -> QABiasReport, in a distilabel Pipeline. Rows are tagged, not dropped; ``--drop-filtered`` keeps only rows whose
``qabias_keep`` is true in the pushed/saved copy. No generator is involved.

    .venv/bin/python pipelines/filter_hub_dataset.py my_qa.jsonl --output out/audit
    .venv/bin/python pipelines/filter_hub_dataset.py someone/squad-like --split train --limit 2000 \\
        --document-column context --push-to-hub me/squad-like-audited
"""

import argparse
import sys
from functools import reduce
from operator import rshift
from pathlib import Path
from typing import Any

from support.running import HEADLINE_METRICS, LOAD_BATCH, add_output_arguments, metric, run_and_save

from distilabel_qabias import schema


def build_pipeline(
    rows: list[dict[str, Any]],
    *,
    document_column: str = "document",
    question_column: str = "question",
    answer_column: str = "answer",
    prompt_column: str | None = None,
    name: str = "qabias-filter-dataset",
    cache_dir: str | Path | None = None,
):
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts

    from distilabel_qabias.steps.recipes import audit_steps

    with Pipeline(name=name, cache_dir=cache_dir) as pipeline:
        load = LoadDataFromDicts(name="load_rows", data=rows, batch_size=LOAD_BATCH)
        # the same Steps as `qabias audit`: artifacts -> coverage -> convergence -> report
        audit = audit_steps(
            document_column=document_column, question_column=question_column, answer_column=answer_column,
            prompt_column=prompt_column,
        )
        reduce(rshift, [load, *audit])
    return pipeline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="Hub dataset id, or a local .jsonl/.json/.csv/.parquet file")
    parser.add_argument("--config", default=None, help="Hub dataset config")
    parser.add_argument("--split", default=None, help="Hub dataset split (default: the only one, or train)")
    parser.add_argument("--revision", default=None, help="Hub dataset revision")
    parser.add_argument("--limit", type=int, default=None, help="audit only the first N rows")
    parser.add_argument("--document-column", default="document")
    parser.add_argument("--question-column", default="question")
    parser.add_argument("--answer-column", default="answer")
    parser.add_argument("--prompt-column", default=None, help="seed prompt kind column, if the data has one")
    parser.add_argument("--drop-filtered", action="store_true", help="save/push only rows with qabias_keep true")
    add_output_arguments(parser, default_output="out/filter_dataset")
    args = parser.parse_args(argv)

    from distilabel_qabias.io import InputError, load_rows

    try:
        rows = load_rows(args.source, config=args.config, split=args.split, revision=args.revision)
    except InputError as err:
        parser.exit(2, f"error: {err}\n")
    rows = rows if args.limit is None else rows[: args.limit]
    needed = [args.document_column, args.question_column, args.answer_column]
    try:
        schema.require_columns(rows, needed + ([args.prompt_column] if args.prompt_column else []), where=args.source)
    except schema.MissingColumnsError as err:
        parser.exit(2, f"error: {err} (use --document-column/--question-column/--answer-column)\n")

    result = run_and_save(
        lambda cache_dir: build_pipeline(
            rows,
            document_column=args.document_column,
            question_column=args.question_column,
            answer_column=args.answer_column,
            prompt_column=args.prompt_column,
            cache_dir=cache_dir,
        ),
        name="audit",
        output=Path(args.output),
        push_to_hub=None,
        private=args.private,
    )
    kept = [row for row in result.rows if schema.combined_keep(row)]
    print(f"\naudited {len(result.rows)} rows in {result.seconds:.0f} s; {len(kept)} pass every keep flag")
    for label, section, key in HEADLINE_METRICS:
        value = metric(result.report, section, key)
        print(f"  {label:<34} {'n/a' if value is None else f'{value:.3f}'}")
    final = kept if args.drop_filtered else result.rows
    from distilabel_qabias.io import write_rows

    written = write_rows(final, Path(args.output) / "rows.jsonl")
    print(f"rows: {written}   report: {Path(args.output) / 'report'}")
    if args.push_to_hub:
        from distilabel_qabias.hub import push_dataset

        report = Path(args.output) / "report" if result.report is not None else None
        push_dataset(final, args.push_to_hub, report=report, private=args.private)
        print(f"pushed to https://huggingface.co/datasets/{args.push_to_hub}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
