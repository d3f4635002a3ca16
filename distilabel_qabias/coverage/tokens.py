"""Content tokens for evidence alignment: the same normalisation for documents, questions and answers.

Generator output rarely copies the document: it rewrites numbers and dates ("1,000"/"1000"/"one
thousand", "March 3, 1921"/"3 March 1921", "19th"/"nineteenth") and wraps facts in boilerplate
("According to the text, ..."). :func:`normalize_tokens` lower-cases, stems lightly, turns numbers
and number words into digits, ordinals into "19th", month abbreviations into names, and drops stop
words and generator boilerplate, so equivalent forms give equal tokens.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

_STOPWORDS = frozenset(
    """a an the and or but if then than that this these those there here of in on at to for from by with without
    about above below into onto over under after before during since until upon within between among through
    is are was were be been being am do does did done doing has have had having will would shall should can
    could may might must it its it's he she they them their theirs his her hers him we us our you your i me my
    who whom whose which what when where why how whats what's also as so such not no nor only very too just
    any all both each few more most other some same own one's there's s t d ll re ve m o y""".split()
)
# Words generators wrap answers and questions in; they say nothing about the document's content.
_BOILERPLATE = frozenset(
    """according text document passage article context paragraph mention mentioned mentions state stated
    states say says said describe described describes answer question based information provided given
    refer refers referred indicate indicates indicated explain explains explained note noted notes""".split()
)
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "twenty-first": 21, "thirtieth": 30, "hundredth": 100,
}
_MONTHS = {
    "jan": "january", "feb": "february", "mar": "march", "apr": "april", "jun": "june", "jul": "july",
    "aug": "august", "sep": "september", "sept": "september", "oct": "october", "nov": "november",
    "dec": "december",
}
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:st|nd|rd|th|s)?|[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_ORDINAL_SUFFIX = re.compile(r"^(\d+)(st|nd|rd|th)$")


def _number_token(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _stem(word: str) -> str:
    """Very light stemming: enough to match 'goats'/'goat', 'studied'/'studies', not a real stemmer."""
    if len(word) <= 3:
        return word
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ied") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("ed") and len(word) > 4:
        return word[:-2]
    if word.endswith("es") and len(word) > 4 and word[-3] in "sxz":
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=200_000)
def _word_tokens(word: str) -> tuple[str, ...]:
    """Tokens of one lower-cased non-number word (cached: the same words recur in every row)."""
    if word in _ORDINALS:
        return (f"{_ORDINALS[word]}th",)
    if word in _STOPWORDS or word in _BOILERPLATE:
        return ()
    if word.rstrip(".") in _MONTHS:
        return (_MONTHS[word.rstrip(".")],)
    out = []
    for part in word.split("-") if "-" in word else (word,):
        if part in _ORDINALS:  # "fifth-largest"
            out.append(f"{_ORDINALS[part]}th")
        elif part and part not in _STOPWORDS:
            out.append(_stem(part))
    return tuple(out)


def normalize_tokens(text: str) -> list[str]:
    """Content tokens of ``text``: numbers as canonical digits, words lightly stemmed.

    ``"twenty-five"``, ``"25"`` -> ``"25"``; ``"1,000"``, ``"one thousand"`` -> ``"1000"``;
    ``"nineteenth"``, ``"19th"`` -> ``"19th"``; ``"Sept."`` -> ``"september"``. Stop words and
    generator boilerplate ("according to the text") are dropped.
    """
    raw = [t.lower() for t in _TOKEN.findall(text)]
    out: list[str] = []
    pending: Optional[float] = None  # a number being read from words ("two hundred and five")
    current = 0.0

    def flush() -> None:
        nonlocal pending, current
        if pending is not None:
            out.append(_number_token(pending + current))
            pending, current = None, 0.0

    for word in raw:
        word = word.replace("’", "'")
        if word[0].isdigit():
            ordinal = _ORDINAL_SUFFIX.match(word)
            if ordinal:
                flush()
                out.append(f"{int(ordinal.group(1))}th")
                continue
            if word.endswith("s") and word[:-1].isdigit():  # 1980s
                flush()
                out.append(word)
                continue
            digits = word.replace(",", "") if _THOUSANDS.match(word) else word.replace(",", ".")
            try:
                value = float(digits)
            except ValueError:
                flush()
                out.append(word)
                continue
            flush()
            pending, current = 0.0, value
            continue
        if word in _UNITS or ("-" in word and all(p in _UNITS for p in word.split("-"))):
            value = float(sum(_UNITS[p] for p in word.split("-")))
            if pending is None:
                pending, current = 0.0, value
            elif current > 0 and (
                (value < 10 and current % 10 == 0) or (value < 100 and current >= 100 and current % 100 == 0)
            ):  # "twenty five", "two hundred twenty"
                current += value
            else:
                flush()
                pending, current = 0.0, value
            continue
        if pending is not None:
            if word in _SCALES:
                scale = _SCALES[word]
                if scale == 100:
                    current *= scale
                else:
                    pending, current = pending + current * scale, 0.0
                continue
            if word == "and":
                continue
            flush()
        out.extend(_word_tokens(word))
    flush()
    return out


def is_number(token: str) -> bool:
    """A canonical number token ("1000", "19th", "1980s")."""
    return token[0].isdigit()


_NORMALIZE_CHARS = re.compile(r"[^\w\s]", re.UNICODE)


def fuzzy_text(text: str) -> str:
    """Lower-cased words separated by single spaces, punctuation removed (for character-level fuzzy matching)."""
    return " ".join(_NORMALIZE_CHARS.sub(" ", text.lower()).split())


_NAME_WORD = re.compile(r"\b[^\W\d_][\w'’-]*", re.UNICODE)


def name_tokens(text: str) -> frozenset[str]:
    """Tokens of the capitalised words of ``text`` (names; sentence-initial words too, to be safe)."""
    return frozenset(normalize_tokens(" ".join(w for w in _NAME_WORD.findall(text) if w[0].isupper())))
