"""Question normalisation (exact-duplicate keys) and the fact signature behind the entity guard.

Two questions generated from one template ask different facts when they differ in a named entity,
a number or a date ("What is the capital of India?" / "... of Brazil?", "in 1990" / "in 1991"),
yet sentence embeddings score them as near-duplicates. :func:`fact_signature` extracts what
identifies the fact: capitalised words that are not function words (named entities, months) and
numbers (digits, number words, ordinals). :func:`signature_conflict` says why two signatures ask
different facts, or ``None`` when they may be merged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence


# Only the start of a very long question identifies it for the models and the entity guard.
MAX_COMPARED_CHARS = 4096

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_NUMBER_WITH_SEPARATORS = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")
_NON_WORD = re.compile(r"[^\w.]+|(?<!\d)\.|\.(?!\d)")
_SPACES = re.compile(r"\s+")


def normalize_question(text: str) -> str:
    """Key under which two texts count as exact repeats: case, accents of width, punctuation and spacing ignored.

    >>> normalize_question("  What is the capital of India? ")
    'what is the capital of india'
    >>> normalize_question("What is the CAPITAL of india")
    'what is the capital of india'
    """
    if not text.isascii():  # NFKC leaves ASCII unchanged
        text = unicodedata.normalize("NFKC", text)
    text = text.translate(_APOSTROPHES).casefold()
    text = _NUMBER_WITH_SEPARATORS.sub("", text)  # "1,000" and "1000" are the same number
    text = _NON_WORD.sub(" ", text.replace("_", " "))
    return _SPACES.sub(" ", text).strip()


# ASCII without "." or ",": lowercase letters and digits are the whole key, everything else separates words.
_ASCII_KEY = bytes(
    c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256)
)


_DIGIT = re.compile(r"\d")


def normalize_questions(texts: Sequence[str]) -> list[str]:
    """:func:`normalize_question` of each text (equal results). Plain ASCII texts - most questions -
    take a byte-table path with no regular expression, unless a "." or "," may sit in a number."""
    out = []
    for text in texts:
        if text.isascii() and (("." not in text and "," not in text) or not _DIGIT.search(text)):
            out.append(b" ".join(text.encode().translate(_ASCII_KEY).split()).decode())
        else:
            out.append(normalize_question(text))
    return out


# Words that are capitalised for grammar, not because they name something.
_FUNCTION_WORDS = frozenset(
    """
    a an the this that these those there here it its it's i me my we our you your he him his she her they them their
    what which who whom whose when where why how whether if whatever whichever whoever
    is are was were be been being am do does did done doing have has had having can could shall should will would
    may might must ought
    of in on at by for with from to into onto upon about above below over under between among through during before
    after since until till within without across along around against toward towards behind beyond near off out up
    down per via as than then so such also too very more most less least much many some any all each every both
    either neither no not nor or and but yet only just even still ever never once again
    according based given considering regarding concerning following including using
    name list describe explain give tell identify state define summarize summarise compare discuss outline mention
    provide find determine show write please can't cannot don't doesn't didn't isn't aren't wasn't weren't won't
    question answer q a true false yes
    """.split()
)

_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "hundredth": 100, "thousandth": 1000, "millionth": 1_000_000,
}
_CARDINAL_WORDS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "million": 1_000_000, "billion": 1_000_000_000, "dozen": 12,
}  # "one" is left out: it is a pronoun far more often than a count in questions.

_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?(?:st|nd|rd|th|s)?|[^\W\d_](?:[\w'\-]*\w)?", re.UNICODE)
_ORDINAL_DIGITS = re.compile(r"^(\d+)(st|nd|rd|th)$")


@dataclass(frozen=True)
class FactSignature:
    """What identifies the fact a question asks about: entity words, numbers, and all its words."""

    entities: frozenset[str]
    numbers: frozenset[str]
    words: frozenset[str]


@lru_cache(maxsize=1 << 16)  # questions reuse a small vocabulary; folding dominated signature time
def _fold(word: str) -> str:
    """casefold + strip accents and possessive endings ("Brasília's" -> "brasilia")."""
    word = word.translate(_APOSTROPHES).casefold()
    if not word.isascii():
        word = "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))
    if word.endswith("'s"):
        word = word[:-2]
    return word.strip("'-")


def _number_key(token: str) -> str:
    token = token.replace(",", "")
    ordinal = _ORDINAL_DIGITS.match(token)
    if ordinal:
        return f"#{int(ordinal.group(1))}"
    return token


@lru_cache(maxsize=1 << 17)
def _token_fact(token: str) -> tuple[str | None, str | None, str | None]:
    """What one token says about the fact: its number key, its entity word and its folded word (each or None)."""
    if token[0].isdigit():
        return _number_key(token), None, None
    folded = _fold(token)
    if not folded:
        return None, None, None
    if folded in _ORDINAL_WORDS:
        return f"#{_ORDINAL_WORDS[folded]}", None, folded
    if folded in _CARDINAL_WORDS:
        return str(_CARDINAL_WORDS[folded]), None, folded
    if token[0].isupper() and folded not in _FUNCTION_WORDS:
        return None, folded, folded
    return None, None, folded


def _compared_text(text: str) -> str:
    text = text[:MAX_COMPARED_CHARS]
    return text if text.isascii() else unicodedata.normalize("NFKC", text)  # NFKC leaves ASCII unchanged


def fact_signature(text: str) -> FactSignature:
    """Entities (capitalised non-function words), numbers (as normalised strings) and all folded words of ``text``."""
    entities: set[str] = set()
    numbers: set[str] = set()
    words: set[str] = set()
    for token in _TOKEN.findall(_compared_text(text)):
        number, entity, word = _token_fact(token)
        if number is not None:
            numbers.add(number)
        if entity is not None:
            entities.add(entity)
        if word is not None:
            words.add(word)
    return FactSignature(frozenset(entities), frozenset(numbers), frozenset(words))


class _TokenFacts(dict):
    """token -> ``"e" + entity``, ``"n" + number key`` or ``""`` (says nothing about the fact), filled on first use."""

    def __missing__(self, token: str) -> str:
        number, entity, _ = _token_fact(token)
        fact = self[token] = "n" + number if number is not None else "e" + entity if entity is not None else ""
        return fact


def fact_keys(texts: Sequence[str]) -> list[tuple[frozenset[str], frozenset[str]]]:
    """``(entities, numbers)`` of :func:`fact_signature` for each text, each distinct token classified once
    (what the merge guards need of most questions; the words only for the few joins that compare them)."""
    known = _TokenFacts()
    split: dict[frozenset[str], tuple[frozenset[str], frozenset[str]]] = {}  # few distinct fact sets: split each once
    out = []
    for text in texts:
        facts = frozenset(filter(None, map(known.__getitem__, _TOKEN.findall(_compared_text(text)))))
        keys = split.get(facts)
        if keys is None:
            keys = split[facts] = (
                frozenset(f[1:] for f in facts if f[0] == "e"), frozenset(f[1:] for f in facts if f[0] == "n")
            )
        out.append(keys)
    return out


def _same_word(a: str, b: str) -> bool:
    """Loose match so that "India"/"Indian" and "China"/"Chinese" agree but "Austria"/"Australia" do not."""
    if a.startswith(b) or b.startswith(a):
        return min(len(a), len(b)) >= 4 or a == b
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return common >= 4 and common >= min(len(a), len(b)) - 1


def _names_unmatched(entities: frozenset[str], other_words: frozenset[str]) -> bool:
    """Does an entity have no :func:`_same_word` among ``other_words``? Two different words can only be the
    same word there when both have four letters or more and share the first four."""
    return any(
        e not in other_words
        and not (len(e) >= 4 and any(_same_word(e, w) for w in other_words if w.startswith(e[:4])))
        for e in entities
    )


def entities_conflict(
    entities_a: frozenset[str], words_a: frozenset[str], entities_b: frozenset[str], words_b: frozenset[str]
) -> bool:
    """True when *each* side names something the other does not mention at all."""
    return _names_unmatched(entities_a, words_b) and _names_unmatched(entities_b, words_a)


def signature_conflict(a: FactSignature, b: FactSignature) -> str | None:
    """``"number"`` or ``"entity"`` when ``a`` and ``b`` ask about different facts, else ``None``.

    Numbers (years, counts, ordinals) must agree exactly. Entities conflict only when each side names
    something the other does not mention at all: a paraphrase may drop or add a word ("Barack Obama" /
    "Obama"), but swapping one name for another changes the fact.
    """
    if a.numbers != b.numbers:
        return "number"
    if entities_conflict(a.entities, a.words, b.entities, b.words):
        return "entity"
    return None
