"""Question generation with fixed targets: the same documents as self-study, but every question
must be answered by a target sentence chosen by SampleTargetSpans (spread evenly over each
document, markup and instruction-like sentences excluded) instead of wherever the model looks.

The whole document is shown (consecutive rows of a document share the prompt prefix, which
llama.cpp reuses), the seed prompt kind is drawn as in self-study, and the same audit runs:
ScrubArtifacts (tag) -> TagSpanCoverage -> DeduplicateConvergentQuestions -> QABiasReport.

    .venv/bin/python pipelines/targeted.py                     # bundled corpus, SmolLM2-135M
    .venv/bin/python pipelines/targeted.py --scrub-first --targets-per-document 6
"""

import argparse
import sys
from pathlib import Path
from typing import Any

from support.corpus import add_corpus_arguments, documents_from_args
from support.llm import GeneratorConfig, add_generator_arguments, generator_from_args
from support.running import LLM_BATCH, LOAD_BATCH, add_output_arguments, print_run_summary, run_and_save
from support.tasks import answer_task, question_task


def build_pipeline(
    documents: list[dict[str, Any]],
    generator: GeneratorConfig,
    *,
    targets_per_document: int = 5,
    seed: int = 0,
    scrub_first: bool = False,
    name: str = "qabias-targeted",
    cache_dir: str | Path | None = None,
):
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts

    from distilabel_qabias import (
        AssignPromptKinds,
        DeduplicateConvergentQuestions,
        QABiasReport,
        SampleTargetSpans,
        ScrubArtifacts,
        TagSpanCoverage,
    )

    with Pipeline(name=name, cache_dir=cache_dir) as pipeline:
        documents_step = LoadDataFromDicts(name="load_documents", data=documents, batch_size=LOAD_BATCH)
        if scrub_first:
            scrub = ScrubArtifacts(name="scrub_documents", columns=["document"], mode="remove")
            documents_step = documents_step >> scrub
        targets = SampleTargetSpans(name="sample_targets", num_targets=targets_per_document, seed=seed)
        kinds = AssignPromptKinds(name="assign_prompt_kinds", seed=seed)
        question = question_task(
            generator, name="generate_question", context_column="document", target_column="target_text",
            input_batch_size=LLM_BATCH,
        )
        answer = answer_task(generator, name="answer_question", context_column="document", input_batch_size=LLM_BATCH)
        # the same audit as self-study (without chunk offsets: the whole document was shown)
        artifacts = ScrubArtifacts(
            name="tag_artifacts", columns=["document", "question", "answer"],
            markup_question_columns=["question", "answer"], mode="tag",
        )
        coverage = TagSpanCoverage(name="tag_span_coverage")
        dedup = DeduplicateConvergentQuestions(name="dedup_questions", prompt_column="prompt")
        report = QABiasReport(name="qabias_report", prompt_column="prompt")
        documents_step >> targets >> kinds >> question >> answer >> artifacts >> coverage >> dedup >> report
    return pipeline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_arguments(parser)
    parser.add_argument("--targets-per-document", type=int, default=5, help="target sentences per document (default 5)")
    parser.add_argument(
        "--scrub-first",
        action="store_true",
        help="run ScrubArtifacts on the documents before generation (the text as given is kept in raw_document)",
    )
    add_output_arguments(parser, default_output="out/targeted")
    add_generator_arguments(parser)
    args = parser.parse_args(argv)

    documents = documents_from_args(args)
    generator = generator_from_args(args)
    result = run_and_save(
        lambda cache_dir: build_pipeline(
            documents,
            generator,
            targets_per_document=args.targets_per_document,
            seed=args.seed,
            scrub_first=args.scrub_first,
            cache_dir=cache_dir,
        ),
        name="targeted" + (" (scrubbed first)" if args.scrub_first else ""),
        output=Path(args.output),
        push_to_hub=args.push_to_hub,
        private=args.private,
    )
    print_run_summary(result, generator)
    return 0


if __name__ == "__main__":
    sys.exit(main())
