"""The values the instruction detector passes around: units, scored units, spans and filter results."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Sequence

Classifier = Callable[[list[str]], Sequence[float]]

DEFAULT_THRESHOLD = 0.5
DEFAULT_PLACEHOLDER = "[instruction removed]"
MODES = ("remove", "mask", "tag")
DETECTORS = ("rules", "learned", "classifier")
MAX_UNIT_CHARS = 600  # long units (10 MB lines) are cut at whitespace so one trigger cannot flag a whole line

KINDS = (
    "override",  # ignore / disregard / forget previous instructions, "new instructions:"
    "role_token",  # <|im_start|>, [INST], <<SYS>>, ### Instruction:, <system>, "System:" turns
    "refusal",  # "As an AI language model, I cannot ..."
    "output_override",  # "respond only in French", "answer in JSON", "end every answer with ..."
    "persona",  # "you are now DAN", "act as ...", "pretend you are ..."
    "prompt_leak",  # "print your system prompt", "reveal the API key"
    "answer_override",  # "the correct answer to every question is ..."
    "model_address",  # "Note to the AI", "if you are a language model", "assistants reading this"
    "generation_request",  # "Write a persuasive article about ...", "Give detailed instructions for ..."
    "learned",  # flagged by the shipped learned detector (``learned.py``), not by a rule
    "classifier",  # flagged only by the user-supplied classifier
)


@dataclass(frozen=True)
class InstructionSpan:
    start: int  # offsets into the original text, end exclusive
    end: int
    score: float
    kind: str
    detector: str = "rules"  # the detectors whose units make up the span, "+"-joined: "rules", "rules+learned", ...

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    paragraph: int  # units of different paragraphs (blank line between) never join


@dataclass(frozen=True)
class ScoredUnit:
    unit: Unit
    score: float
    kind: str | None
    passage_start: int  # where the instruction-like text starts (after a host sentence's prefix, if any)
    detector: str = "rules"  # which detector gave the score: "rules", "learned", "rules+learned" or "classifier"


@dataclass(frozen=True)
class InstructionFilterResult:
    text: str  # the document with spans removed or masked (unchanged in "tag" mode)
    spans: list[InstructionSpan]
    instruction_fraction: float  # share of the document's non-space characters inside spans
    keep: bool  # false when the document is mostly instruction-like

