"""TRANSITION (issue 10): the shared plumbing moved to ``pipelines/support/`` and the chunk Steps into the
package (``distilabel_qabias.steps.chunks``). This module re-exports the old names for the scripts that
still ``import common`` (experiment.py, experiment_grid.py); delete it once they import ``support``."""

from functools import reduce
from operator import rshift
from typing import Any

from support.corpus import CORPUS_COLUMNS, add_corpus_arguments, documents_from_args, load_demo_corpus, read_rows  # noqa: F401
from support.llm import BACKENDS, GeneratorConfig, add_generator_arguments, generator_from_args, smollm2_gguf_path  # noqa: F401
from support.prompts import ANSWER_STOP, PROMPT_KINDS, QUESTION_STOP, SEED_PROMPTS, parse_answer, parse_question  # noqa: F401
from support.running import (  # noqa: F401
    HEADLINE_METRICS, LLM_BATCH, LOAD_BATCH, RunResult, add_output_arguments, metric, print_run_summary, run_and_save,
    token_counts,
)
from support.tasks import AnswerQuestion, GenerateQuestion, answer_task, question_task  # noqa: F401

from distilabel_qabias.steps.chunks import AssignPromptKinds, SampleChunks, sample_chunk  # noqa: F401


def chain(steps: list[Any]) -> None:
    """``steps[0] >> steps[1] >> ...``"""
    reduce(rshift, steps)
