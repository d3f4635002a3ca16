"""The two generation Tasks of the examples: write a question about a text, answer it from a text."""

# No `from __future__ import annotations`: distilabel inspects the real `StepInput` annotation of `process`.

from typing import TYPE_CHECKING, Any

from distilabel.constants import DISTILABEL_METADATA_KEY
from distilabel.steps import StepInput
from distilabel.steps.tasks import Task
from typing_extensions import override

from support.llm import GeneratorConfig
from support.prompts import ANSWER_TEMPLATE, QUESTION_TEMPLATE, SEED_PROMPTS, TARGETED_TEMPLATE, parse_answer, parse_question

if TYPE_CHECKING:
    from distilabel.steps.typing import StepColumns, StepOutput
    from distilabel.typing import ChatType


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
