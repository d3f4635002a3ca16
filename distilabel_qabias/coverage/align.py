"""Evidence alignment: which sentence of its document does a question-answer pair draw on, and is the
answer supported by the document at all?

Pure module (no distilabel import). Real generator output rarely copies the document: answers wrap
the fact in a long sentence ("According to the text, it was completed in 1889."), rewrite numbers
and dates ("1,000"/"1000"/"one thousand", "March 3, 1921"/"3 March 1921", "19th"/"nineteenth"),
and questions paraphrase. So every text goes through the same normalisation (lower case, light
stemming, numbers and number words to digits, ordinals to "19th", month abbreviations to names,
generator boilerplate dropped) and each sentence is scored by

* how much of the answer's *new* content (answer words the question does not already contain,
  weighted by rarity in the document, numbers counted double) the sentence holds,
* how much of the question's content it holds,
* a fuzzy character alignment (rapidfuzz partial ratio) of the answer against the sentence, which
  favours the sentence a copied phrase comes from (location only: a near-copy with one fact swapped
  must not count as support; spelling variants count word by word instead),
* optionally cosine similarity of question+answer to the sentence under an embedder
  (``distilabel_qabias.embedders``), for paraphrases lexical overlap misses.

The best sentence, widened to its neighbour when the answer straddles two, is the evidence. A
pair is *grounded* when

1. the answer's new content is found there (support >= ``threshold``; words spelled almost alike
   count, or, with an embedder, the answer alone is close enough to a sentence: a paraphrase),
2. every number the answer states occurs in the document (the most common hallucination), and
3. the pair is about this document: a short answer ("Australia", "1st") occurs in many documents,
   so unless the answer is long and fully found, enough of the question's and answer's content
   words must occur in the document.

A quoted evidence, when given, must be found in the document (YourBench-style citation check) and
sets the span. An ungrounded row keeps its best guess of a span only if some support was found;
the reason says why it failed. Rows that cannot be aligned (missing, empty or non-string document
or answer, an answer much longer than the document) fail with a reason and null offsets.

Documents are indexed once (sentences, tokens, inverted index) and cached, because many QA rows
share one document.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Optional, Sequence

from rapidfuzz import fuzz, process

from distilabel_qabias.text.segment import Sentence, sentence_at, split_sentences
from distilabel_qabias.text.segment import clear_cache as split_sentences_cache_clear

# --- normalisation -----------------------------------------------------------------------------

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


def _is_number(token: str) -> bool:
    return token[0].isdigit()


_NORMALIZE_CHARS = re.compile(r"[^\w\s]", re.UNICODE)


def _fuzzy_text(text: str) -> str:
    return " ".join(_NORMALIZE_CHARS.sub(" ", text.lower()).split())


# --- document index ---------------------------------------------------------------------------


@dataclass
class DocumentIndex:
    """Sentences of one document with their tokens, an inverted index and token weights."""

    text: str
    sentences: list[Sentence]
    tokens: list[frozenset[str]]
    fuzzy: list[str]
    postings: dict[str, list[int]]
    weight: dict[str, float]
    vocabulary: frozenset[str]

    @classmethod
    def build(cls, text: str) -> "DocumentIndex":
        sentences = split_sentences(text)
        tokens = [frozenset(normalize_tokens(s.text)) for s in sentences]
        postings: dict[str, list[int]] = {}
        for i, toks in enumerate(tokens):
            for t in toks:
                postings.setdefault(t, []).append(i)
        n = max(len(sentences), 1)
        weight = {t: math.log(1.0 + (n + 1) / (len(ids) + 0.5)) * (2.0 if _is_number(t) else 1.0) for t, ids in postings.items()}
        return cls(text, sentences, tokens, [_fuzzy_text(s.text) for s in sentences], postings, weight, frozenset(postings))

    def token_weight(self, token: str) -> float:
        """Weight of a token; tokens absent from the document weigh like the rarest present ones."""
        known = self.weight.get(token)
        if known is not None:
            return known
        n = max(len(self.sentences), 1)
        return math.log(1.0 + (n + 1) / 0.5) * (2.0 if _is_number(token) else 1.0)


class _LRU(OrderedDict):
    def __init__(self, maxsize: int):
        super().__init__()
        self.maxsize = maxsize

    def get_or_build(self, key: str, build: Callable[[str], Any]) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = build(key)
        if len(self) > self.maxsize:
            self.popitem(last=False)
        return value


_INDEX_CACHE = _LRU(4096)


def index_document(text: str) -> DocumentIndex:
    return _INDEX_CACHE.get_or_build(text, DocumentIndex.build)


# --- alignment --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alignment:
    start: Optional[int]
    end: Optional[int]
    sentence: Optional[int]
    relative_position: Optional[float]
    score: float
    grounded: bool
    reason: Optional[str]

    @classmethod
    def failed(cls, reason: str) -> "Alignment":
        return cls(None, None, None, None, 0.0, False, reason)


@dataclass(frozen=True)
class AlignmentWeights:
    """How the per-sentence signals combine (tuned on the tuning split of the labelled QA set)."""

    answer: float = 0.6
    question: float = 0.25
    fuzzy: float = 0.15
    embedding: float = 0.35  # share of the embedding similarity when an embedder is given
    threshold: float = 0.45  # minimum answer support for a grounded pair (tuned: benchmarks/eval_align.py)
    fuzzy_token: float = 85.0  # a word this close (rapidfuzz ratio) to one of the sentence counts as found
    common_word_miss: float = 0.5  # weight of a missing common word relative to a missing name/number
    outside_chunk_penalty: float = 0.85
    # share of the pair's content words the document must hold for the pair to be about it;
    # a long answer fully found in the document (strength >= strong_answer) needs no such check
    min_question_topicality: float = 0.3
    strong_answer: float = 0.8
    evidence_min_ratio: float = 70.0  # partial ratio below which a quoted evidence is "not found"


DEFAULT_WEIGHTS = AlignmentWeights()
MAX_CANDIDATES = 32  # sentences fully scored per row (long documents)

# Answer-to-sentence cosine above which an embedder vouches for a paraphrased answer; set above the
# 99th percentile of answers against unrelated same-topic documents on the tuning split.
EMBEDDING_RESCUE = {"minilm": 0.75, "wordllama": 0.75, "tokenlearn": 0.8}
FALLBACK_EMBEDDING_RESCUE = 0.8


def _coverage(tokens: Sequence[str], present: frozenset[str], index: DocumentIndex) -> float:
    total = sum(index.token_weight(t) for t in tokens)
    if not total:
        return 0.0
    return sum(index.token_weight(t) for t in tokens if t in present) / total


def _support(
    tokens: Sequence[str],
    present: frozenset[str],
    index: DocumentIndex,
    weights: "AlignmentWeights",
    names: frozenset[str] = frozenset(),
) -> float:
    """Weighted share of the answer's ``tokens`` found in ``present`` (a sentence's tokens).

    A missing word still counts when a word of the sentence is spelled almost the same
    (recognised/recognized). A missing common word weighs ``weights.common_word_miss`` of a missing
    name or number: "specializes in" for "engaged in" is a paraphrase, "an Iranian singer" for "an
    American singer" is a changed fact (a whole-answer fuzzy ratio would accept both).
    """
    found = missing = 0.0
    for token in tokens:
        weight = index.token_weight(token)
        if token in present:
            found += weight
            continue
        if len(token) >= 5 and not _is_number(token):
            match = process.extractOne(token, present, scorer=fuzz.ratio, score_cutoff=weights.fuzzy_token)
            if match is not None:
                found += weight * match[1] / 100.0
                missing += weight * (1 - match[1] / 100.0)
                continue
        is_fact = _is_number(token) or token in names
        missing += weight if is_fact else weight * weights.common_word_miss
    total = found + missing
    return found / total if total else 0.0


def _name_tokens(answer: str) -> frozenset[str]:
    """Tokens of the answer's capitalised words (names; sentence-initial words too, to be safe)."""
    return frozenset(normalize_tokens(" ".join(w for w in _NAME_WORD.findall(answer) if w[0].isupper())))


_NAME_WORD = re.compile(r"\b[^\W\d_][\w'’-]*", re.UNICODE)


def _paraphrase_only(names: frozenset[str], answer_tokens: Sequence[str], index: DocumentIndex) -> bool:
    """True when every answer word missing from the document is a common word: a paraphrase
    ("biggest town" for "largest city"). A missing name or number is a changed fact, which an
    embedder would happily call similar ("an Iranian singer" / "an American singer")."""
    for token in answer_tokens:
        if token not in index.vocabulary and (_is_number(token) or token in names):
            return False
    return True


def _answer_tokens(question_tokens: list[str], answer_tokens: list[str]) -> list[str]:
    """The answer's new content: what it adds to the question (all of it if it adds nothing)."""
    question_set = set(question_tokens)
    new = [t for t in dict.fromkeys(answer_tokens) if t not in question_set]
    return new or list(dict.fromkeys(answer_tokens))


def _as_text(value: Any) -> Optional[str]:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return " ".join(value)
    return None


def check_inputs(document: Any, question: Any, answer: Any) -> Optional[str]:
    """Reason why a row cannot be aligned at all, or ``None``."""
    if document is None:
        return "missing document"
    if not isinstance(document, str):
        return f"document is not a string ({type(document).__name__})"
    if not document.strip():
        return "empty document"
    if answer is None:
        return "missing answer"
    if not isinstance(answer, str):
        return f"answer is not a string ({type(answer).__name__})"
    if not answer.strip():
        return "empty answer"
    if question is not None and not isinstance(question, str):
        return f"question is not a string ({type(question).__name__})"
    if len(answer.strip()) > len(document.strip()) * 1.5 + 200:
        return "answer is longer than the document"
    return None


def align(
    document: Any,
    question: Any,
    answer: Any,
    *,
    evidence: Any = None,
    chunk: Optional[tuple[int, int]] = None,
    restrict_to_chunk: bool = False,
    sentence_similarity: Optional[Sequence[float]] = None,
    answer_similarity: Optional[Sequence[float]] = None,
    embedding_rescue: float = 1.01,
    weights: AlignmentWeights = DEFAULT_WEIGHTS,
) -> Alignment:
    """Align one QA pair with its document.

    Args:
        document, question, answer: the row's values (anything; bad values give a failed alignment).
        evidence: a quote or list of quotes the generator cited; when given it must be found in the
            document (partial ratio >= ``weights.evidence_min_ratio``) and it sets the evidence span.
        chunk: ``(start, end)`` character range of the document the generator was shown; sentences
            outside it are penalised (or excluded with ``restrict_to_chunk``).
        sentence_similarity: cosine similarity of question+answer to each sentence of the document
            (same order as ``split_sentences``), from an embedder; ``None`` for lexical only.
        answer_similarity: cosine similarity of the answer alone to each sentence; a sentence at
            ``embedding_rescue`` or above supports a paraphrased answer the words do not match.
    """
    problem = check_inputs(document, question, answer)
    if problem:
        return Alignment.failed(problem)
    question = question or ""
    index = index_document(document)
    if not index.sentences:
        return Alignment.failed("document has no sentences")

    question_tokens = normalize_tokens(question)
    answer_all = normalize_tokens(answer)
    if not answer_all:
        return Alignment.failed("answer has no content words")
    answer_tokens = _answer_tokens(question_tokens, answer_all)
    question_set = list(dict.fromkeys(question_tokens))
    names = _name_tokens(answer)

    # candidate sentences: those sharing a token with the question or answer (inverted index); in
    # long documents only the best few by shared token weight get the full (fuzzy) scoring
    shared: dict[int, float] = {}
    answer_set = set(answer_tokens)
    for t in set(answer_all) | set(question_set):
        weight = index.weight[t] * (2.0 if t in answer_set else 1.0) if t in index.weight else 0.0
        for i in index.postings.get(t, ()):
            shared[i] = shared.get(i, 0.0) + weight
    if len(shared) > MAX_CANDIDATES:
        candidates = set(sorted(shared, key=lambda i: (-shared[i], i))[:MAX_CANDIDATES])
    else:
        candidates = set(shared)
    if sentence_similarity is not None:
        top = sorted(range(len(index.sentences)), key=lambda i: -sentence_similarity[i])[:3]
        candidates.update(top)
    allowed = None
    if chunk is not None:
        allowed = {i for i, s in enumerate(index.sentences) if s.end > chunk[0] and s.start < chunk[1]}
        if restrict_to_chunk:
            candidates &= allowed
            if not allowed:
                return Alignment.failed("chunk offsets select no sentence of the document")
    # numbers the answer states must occur in the document (the most common hallucination)
    # ("one"/"first" are too often plain words to count)
    answer_numbers = [t for t in answer_all if _is_number(t) and t not in ("1", "1th")]
    missing_numbers = [t for t in answer_numbers if t not in index.vocabulary]
    numbers_reason = (
        f"answer states number(s) not in the document: {', '.join(missing_numbers[:5])}" if missing_numbers else None
    )
    if not candidates:
        return Alignment.failed(numbers_reason or "no sentence shares a content word with the question or answer")

    answer_fuzzy = _fuzzy_text(answer)
    scored: list[tuple[float, float, int]] = []  # (score, answer support, sentence index)
    for i in candidates:
        toks = index.tokens[i]
        answer_cov = _support(answer_tokens, toks, index, weights, names)
        question_cov = _coverage(question_set, toks, index) if question_set else answer_cov
        fuzzy_ratio = fuzz.partial_ratio(answer_fuzzy, index.fuzzy[i]) / 100.0 if answer_fuzzy else 0.0
        support = answer_cov
        score = weights.answer * answer_cov + weights.question * question_cov + weights.fuzzy * fuzzy_ratio
        if sentence_similarity is not None:
            score = (1 - weights.embedding) * score + weights.embedding * max(0.0, float(sentence_similarity[i]))
        if allowed is not None and i not in allowed:
            score *= weights.outside_chunk_penalty
        scored.append((score, support, i))
    scored.sort(key=lambda x: (-x[0], x[2]))
    best_score, best_support, best = scored[0]

    # widen to a neighbour when the answer's content is split over two sentences
    first, last = best, best
    support = best_support
    if support < 1.0:
        missing = [t for t in answer_tokens if t not in index.tokens[best]]
        for neighbour in (best - 1, best + 1):
            if 0 <= neighbour < len(index.sentences) and (allowed is None or not restrict_to_chunk or neighbour in allowed):
                if missing and any(t in index.tokens[neighbour] for t in missing):
                    combined = _support(answer_tokens, index.tokens[best] | index.tokens[neighbour], index, weights, names)
                    if combined > support + 0.15:
                        support = combined
                        first, last = min(first, neighbour), max(last, neighbour)
                        break

    if support < weights.threshold and answer_similarity is not None and _paraphrase_only(names, answer_tokens, index):
        # a paraphrase with other common words: let the embedder vouch for the sentence it finds closest
        pool = sorted(allowed) if allowed is not None and restrict_to_chunk else range(len(index.sentences))
        closest = max(pool, key=lambda i: answer_similarity[i], default=None)
        if closest is not None and answer_similarity[closest] >= embedding_rescue:
            support = weights.threshold
            if not first <= closest <= last:
                first = last = best = closest

    evidence_text = _as_text(evidence)
    start, end = index.sentences[first].start, index.sentences[last].end
    evidence_sentence = best
    reason: Optional[str] = None
    if evidence_text and evidence_text.strip():
        found = fuzz.partial_ratio_alignment(_strip_quotes(evidence_text), document, processor=str.lower)
        if found is None or found.score < weights.evidence_min_ratio:
            reason = f"evidence quote not found in document (best match {0 if found is None else found.score:.0f}/100)"
        else:
            start, end = found.dest_start, found.dest_end
            located = sentence_at(index.sentences, start)
            evidence_sentence = located.index if located else best

    score = round(min(1.0, max(0.0, best_score)), 4)
    if reason is None:
        if numbers_reason:
            reason = numbers_reason
        elif support < weights.threshold:
            reason = f"answer content not found in the document (support {support:.2f} < {weights.threshold})"
        else:
            # a short answer ("Australia", "1st") turns up in many documents: the pair as a whole
            # (question and answer words) must be about this one
            pair_tokens = list(dict.fromkeys(question_set + answer_all))
            topicality = _coverage(pair_tokens, index.vocabulary, index)
            strength = support * min(1.0, len(answer_tokens) / 3)
            if topicality < weights.min_question_topicality and strength < weights.strong_answer:
                reason = (
                    f"question is not about this document ({topicality:.0%} of the pair's content words occur; "
                    f"answer too short to count alone)"
                )
    grounded = reason is None
    if not grounded and support < 0.2 and evidence_text is None:
        # no real evidence: do not point at an arbitrary sentence
        return Alignment(None, None, None, None, score, False, reason)
    span_sentence = index.sentences[evidence_sentence]
    length = len(document)
    middle = (span_sentence.start + span_sentence.end) / 2
    relative = round(middle / length, 4) if length else None
    return Alignment(start, end, evidence_sentence, relative, score, grounded, reason)


def _strip_quotes(text: str) -> str:
    return text.strip().strip("\"'“”‘’«»").strip()


def align_batch(
    rows: Sequence[tuple[Any, Any, Any]],
    *,
    evidences: Optional[Sequence[Any]] = None,
    chunks: Optional[Sequence[Optional[tuple[int, int]]]] = None,
    restrict_to_chunk: bool = False,
    embedder: Any = None,
    embedding_rescue: Optional[float] = None,
    weights: AlignmentWeights = DEFAULT_WEIGHTS,
) -> list[Alignment]:
    """Align many ``(document, question, answer)`` rows; with an ``embedder`` (anything with
    ``name`` and ``encode(texts) -> L2-normalised float array``) all sentences, queries and answers
    are embedded in three calls. ``embedding_rescue``: answer-sentence cosine that supports a
    paraphrased answer (default: ``EMBEDDING_RESCUE`` for the embedder's name).
    """
    if embedding_rescue is None:
        embedding_rescue = EMBEDDING_RESCUE.get(getattr(embedder, "name", ""), FALLBACK_EMBEDDING_RESCUE)
    similarities: list[Optional[Sequence[float]]] = [None] * len(rows)
    answer_similarities: list[Optional[Sequence[float]]] = [None] * len(rows)
    if embedder is not None:
        valid = [i for i, (d, q, a) in enumerate(rows) if check_inputs(d, q, a) is None]
        sentence_texts: dict[str, int] = {}
        for i in valid:
            for s in index_document(rows[i][0]).sentences:
                sentence_texts.setdefault(s.text, len(sentence_texts))
        if valid and sentence_texts:
            sentence_vectors = embedder.encode(list(sentence_texts))
            queries = embedder.encode([f"{rows[i][1] or ''} {rows[i][2]}".strip() for i in valid])
            answers = embedder.encode([rows[i][2] for i in valid])
            for row_position, i in enumerate(valid):
                ids = [sentence_texts[s.text] for s in index_document(rows[i][0]).sentences]
                similarities[i] = (sentence_vectors[ids] @ queries[row_position]).tolist()
                answer_similarities[i] = (sentence_vectors[ids] @ answers[row_position]).tolist()
    return [
        align(
            d,
            q,
            a,
            evidence=None if evidences is None else evidences[i],
            chunk=None if chunks is None else chunks[i],
            restrict_to_chunk=restrict_to_chunk,
            sentence_similarity=similarities[i],
            answer_similarity=answer_similarities[i],
            embedding_rescue=embedding_rescue,
            weights=weights,
        )
        for i, (d, q, a) in enumerate(rows)
    ]


def clear_caches() -> None:
    """Forget indexed documents and cached segmentations (benchmarks measure cold runs)."""
    _INDEX_CACHE.clear()
    split_sentences_cache_clear()
