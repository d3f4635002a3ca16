"""Cartridges-style self-study on a small corpus, audited with distilabel-qabias.

For every document, ``--samples-per-document`` rows each get a random chunk (its offsets are kept
so the report can normalise coverage by exposure) and one of the five seed prompt kinds
(structuring, summarization, question, use case, creative). The generator writes a question about
the chunk and answers it from the chunk. The audit then runs ScrubArtifacts (tags markup in
questions/answers) -> TagSpanCoverage -> DeduplicateConvergentQuestions -> QABiasReport.

    .venv/bin/python pipelines/self_study.py                       # bundled corpus, SmolLM2-135M
    .venv/bin/python pipelines/self_study.py --scrub-first         # clean documents before generation
    .venv/bin/python pipelines/self_study.py --llm openai --base-url http://localhost:8000/v1 --model my-model
"""

import argparse
import sys
from pathlib import Path
from typing import Any

from support.corpus import add_corpus_arguments, documents_from_args
from support.llm import GeneratorConfig, add_generator_arguments, generator_from_args
from support.running import LLM_BATCH, LOAD_BATCH, add_output_arguments, print_run_summary, run_and_save
from support.tasks import answer_task, question_task

from distilabel_qabias import schema


def build_pipeline(
    documents: list[dict[str, Any]],
    generator: GeneratorConfig,
    *,
    samples_per_document: int = 5,
    chunk_chars: int = 600,
    seed: int = 0,
    scrub_first: bool = False,
    name: str = "qabias-self-study",
    cache_dir: str | Path | None = None,
):
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts

    from distilabel_qabias import (
        DeduplicateConvergentQuestions,
        QABiasReport,
        SampleChunks,
        ScrubArtifacts,
        TagSpanCoverage,
    )

    chunk_columns = {"chunk_start_column": schema.CHUNK_START, "chunk_end_column": schema.CHUNK_END}
    with Pipeline(name=name, cache_dir=cache_dir) as pipeline:
        documents_step = LoadDataFromDicts(name="load_documents", data=documents, batch_size=LOAD_BATCH)
        if scrub_first:
            scrub = ScrubArtifacts(name="scrub_documents", columns=["document"], mode="remove")
            documents_step = documents_step >> scrub
        chunks = SampleChunks(
            name="sample_chunks", samples_per_document=samples_per_document, chunk_chars=chunk_chars, seed=seed
        )
        question = question_task(generator, name="generate_question", context_column="chunk", input_batch_size=LLM_BATCH)
        answer = answer_task(generator, name="answer_question", context_column="chunk", input_batch_size=LLM_BATCH)
        # the audit: tag mode keeps the document intact, so chunk and evidence offsets keep indexing
        # it, and the report can tell how many questions draw on markup (hijack)
        artifacts = ScrubArtifacts(
            name="tag_artifacts", columns=["document", "question", "answer"],
            markup_question_columns=["question", "answer"], mode="tag",
        )
        coverage = TagSpanCoverage(name="tag_span_coverage", **chunk_columns)
        dedup = DeduplicateConvergentQuestions(name="dedup_questions", prompt_column="prompt")
        report = QABiasReport(name="qabias_report", prompt_column="prompt", **chunk_columns)
        documents_step >> chunks >> question >> answer >> artifacts >> coverage >> dedup >> report
    return pipeline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_arguments(parser)
    parser.add_argument("--samples-per-document", type=int, default=5, help="self-study rows per document (default 5)")
    parser.add_argument("--chunk-chars", type=int, default=600, help="approximate chunk length in characters (default 600)")
    parser.add_argument(
        "--scrub-first",
        action="store_true",
        help="run ScrubArtifacts on the documents before generation (the text as given is kept in raw_document)",
    )
    add_output_arguments(parser, default_output="out/self_study")
    add_generator_arguments(parser)
    args = parser.parse_args(argv)

    documents = documents_from_args(args)
    generator = generator_from_args(args)
    result = run_and_save(
        lambda cache_dir: build_pipeline(
            documents,
            generator,
            samples_per_document=args.samples_per_document,
            chunk_chars=args.chunk_chars,
            seed=args.seed,
            scrub_first=args.scrub_first,
            cache_dir=cache_dir,
        ),
        name="self-study" + (" (scrubbed first)" if args.scrub_first else ""),
        output=Path(args.output),
        push_to_hub=args.push_to_hub,
        private=args.private,
    )
    print_run_summary(result, generator)
    return 0


if __name__ == "__main__":
    sys.exit(main())
