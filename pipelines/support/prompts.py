"""Prompts of the example generator (one user turn: SmolLM2-135M loops when given a system prompt) and
parsing of its output into one question or one answer."""

import re

from distilabel_qabias.steps.chunks import PROMPT_KINDS as CARTRIDGES_KINDS

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
assert PROMPT_KINDS == CARTRIDGES_KINDS

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
