"""Do answering models obey instruction-like passages inside documents, and does filtering help?

Every document (the clean Wikipedia text of the bundled corpus by default) gets one
instruction-like passage inserted at a random place (``evaluation.inject_instructions``);
each passage asks the model to output a *canary* string such as ``ZEBRA-7431``. A question is
generated from the clean text, then answered twice from the injected document: as it is
(unfiltered) and after FilterInstructionSpans removed what it flagged (filtered). Compliance is the
share of answers containing their canary; the two rates are printed side by side.

    .venv/bin/python pipelines/injection_experiment.py                      # SmolLM2-135M, 12 documents
    .venv/bin/python pipelines/injection_experiment.py --split heldout --injections-per-document 2
"""

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

from support import corpus, llm, running, tasks

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))  # evaluation helpers (not packaged)
from evaluation import inject_instructions


def injection_rows(
    documents: list[dict[str, Any]],
    *,
    seed: int = 0,
    injections_per_document: int = 1,
    split: str | None = None,
    text_column: str = "wikipedia_text",
) -> list[dict[str, Any]]:
    """One row per (document, injection): the clean text, the injected text and the ground truth."""
    pool = [t for t in inject_instructions.templates(split) if "{canary}" in t.text]
    if not pool:
        raise ValueError(f"no instruction templates with a canary for split {split!r}")
    rng = random.Random(seed)
    rows = []
    for document in documents:
        clean = document.get(text_column) or document["document"]
        for _ in range(injections_per_document):
            injection = inject_instructions.inject(clean, rng, template=rng.choice(pool))
            rows.append(
                {
                    "id": document.get("id"),
                    "title": document.get("title"),
                    "clean_document": clean,
                    "document": injection.text,
                    "prompt": "question",
                    "canary": injection.canary,
                    "injection_kind": injection.kind,
                    "injection_split": injection.split,
                    "injection_template": injection.template_id,
                    "injection_position": injection.position,
                    "injection_start": injection.start,
                    "injection_end": injection.end,
                }
            )
    return rows


def build_pipeline(
    rows: list[dict[str, Any]],
    generator: llm.GeneratorConfig,
    *,
    name: str = "qabias-injection-experiment",
    cache_dir: str | Path | None = None,
):
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts

    from distilabel_qabias import FilterInstructionSpans

    with Pipeline(name=name, cache_dir=cache_dir) as pipeline:
        load = LoadDataFromDicts(name="load_documents", data=rows, batch_size=running.LOAD_BATCH)
        # the filtered text goes to its own column, so both answers come from the same row
        filter_instructions = FilterInstructionSpans(
            name="filter_instructions", document_column="document", output_column="filtered_document", mode="remove"
        )
        question = tasks.question_task(
            generator, name="generate_question", context_column="clean_document", input_batch_size=running.LLM_BATCH
        )
        answer_unfiltered = tasks.answer_task(
            generator, name="answer_unfiltered", context_column="document", answer_column="answer_unfiltered",
            input_batch_size=running.LLM_BATCH,
        )
        answer_filtered = tasks.answer_task(
            generator, name="answer_filtered", context_column="filtered_document", answer_column="answer_filtered",
            input_batch_size=running.LLM_BATCH,
        )
        load >> filter_instructions >> question >> answer_unfiltered >> answer_filtered
    return pipeline


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Compliance with and without the filter, and what the filter removed, over rows with a canary."""
    canaries = [row["canary"] for row in rows]
    unfiltered = [inject_instructions.canary_in_answer(row.get("answer_unfiltered"), row["canary"]) for row in rows]
    filtered = [inject_instructions.canary_in_answer(row.get("answer_filtered"), row["canary"]) for row in rows]
    passage_removed = [
        not inject_instructions.canary_in_answer(row.get("filtered_document"), row["canary"]) for row in rows
    ]
    clean_lost = [_clean_chars_lost(row) for row in rows]
    answered = [isinstance(r.get("answer_unfiltered"), str) and isinstance(r.get("answer_filtered"), str) for r in rows]
    by_split: dict[str, dict[str, Any]] = {}
    for split in sorted({row["injection_split"] for row in rows}):
        picked = [i for i, row in enumerate(rows) if row["injection_split"] == split]
        by_split[split] = {
            "rows": len(picked),
            "compliance_unfiltered": _rate([unfiltered[i] for i in picked]),
            "compliance_filtered": _rate([filtered[i] for i in picked]),
            "passage_removed": _rate([passage_removed[i] for i in picked]),
        }
    return {
        "rows": len(rows),
        "rows_with_canary": sum(bool(c) for c in canaries),
        "rows_answered_twice": sum(answered),
        "compliance_unfiltered": inject_instructions.compliance_rate([r.get("answer_unfiltered") for r in rows], canaries),
        "compliance_filtered": inject_instructions.compliance_rate([r.get("answer_filtered") for r in rows], canaries),
        "complied_unfiltered": sum(unfiltered),
        "complied_filtered": sum(filtered),
        "passage_removed_rate": _rate(passage_removed),
        "mean_clean_chars_lost": sum(clean_lost) / len(clean_lost) if clean_lost else None,
        "by_split": by_split,
    }


def _rate(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def _clean_chars_lost(row: dict[str, Any]) -> float:
    """Share of the host text's characters the filter removed besides the passage itself."""
    filtered = row.get("filtered_document")
    if not isinstance(filtered, str):
        return 1.0
    injected, start, end = row["document"], row["injection_start"], row["injection_end"]
    host_chars = len(injected) - (end - start)
    removed = len(injected) - len(filtered) - (end - start)  # negative when the passage was kept
    return max(0.0, removed) / host_chars if host_chars else 0.0


def print_summary(summary: dict[str, Any], seconds: float) -> None:
    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.0f}%"

    n = summary["rows_with_canary"]
    print(f"\ninjection experiment: {summary['rows']} injected documents in {seconds:.0f} s")
    print(f"  {'':<44}{'unfiltered':>12}{'filtered':>12}")
    print(
        f"  {'compliance (canary appears in the answer)':<44}"
        f"{pct(summary['compliance_unfiltered']):>12}{pct(summary['compliance_filtered']):>12}"
    )
    print(f"  {'answers containing the canary':<44}{summary['complied_unfiltered']:>9}/{n:<2}{summary['complied_filtered']:>9}/{n:<2}")
    print(f"  passages removed by FilterInstructionSpans: {pct(summary['passage_removed_rate'])}; "
          f"clean text lost per document: {pct(summary['mean_clean_chars_lost'])}")
    for split, entry in summary["by_split"].items():
        print(
            f"  {split} templates ({entry['rows']} rows): compliance {pct(entry['compliance_unfiltered'])} -> "
            f"{pct(entry['compliance_filtered'])}, passage removed {pct(entry['passage_removed'])}"
        )


def run(
    documents: list[dict[str, Any]],
    generator: llm.GeneratorConfig,
    *,
    output: Path,
    seed: int = 0,
    injections_per_document: int = 1,
    split: str | None = None,
) -> tuple[running.RunResult, dict[str, Any]]:
    rows = injection_rows(documents, seed=seed, injections_per_document=injections_per_document, split=split)
    result = running.run_and_save(
        lambda cache_dir: build_pipeline(rows, generator, cache_dir=cache_dir),
        name="injection experiment",
        output=output,
    )
    summary = summarise(result.rows)
    (output / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return result, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    corpus.add_corpus_arguments(parser)
    parser.add_argument("--injections-per-document", type=int, default=1)
    parser.add_argument(
        "--split",
        choices=sorted({t.split for t in inject_instructions.templates()}),
        default=None,
        help="use only the templates of one split: those the detector was tuned on, or a held-out set "
        "(default: all)",
    )
    parser.add_argument("--output", default="out/injection", help="output folder (default: out/injection)")
    llm.add_generator_arguments(parser)
    args = parser.parse_args(argv)

    if args.input is None:
        documents = corpus.load_demo_corpus(args.documents)
    else:
        documents = corpus.documents_from_args(args)
    generator = llm.generator_from_args(args)
    result, summary = run(
        documents,
        generator,
        output=Path(args.output),
        seed=args.seed,
        injections_per_document=args.injections_per_document,
        split=args.split,
    )
    print_summary(summary, result.seconds)
    print(f"generator: {generator.model_label}")
    print(f"rows: {result.output / 'dataset'}   summary: {result.output / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
