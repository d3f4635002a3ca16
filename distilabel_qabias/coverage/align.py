"""Evidence alignment: which sentence of its document does a question-answer pair draw on, and is the
answer supported by the document at all?

Documents, questions and answers are compared as content tokens (``coverage.tokens``: numbers,
dates and ordinals normalised, generator boilerplate dropped). Each candidate sentence is scored by

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
sets the span. An ungrounded row keeps its best guess of a span only if some support was found.
Every failure carries a :class:`~distilabel_qabias.schema.Reason` code and a detail with the numbers.

The work per row is bounded whatever the input: sentences are at most
``text.segment.MAX_SENTENCE_CHARS`` long, at most ``MAX_CANDIDATES`` sentences are scored, the
character-level comparisons use the first ``FUZZY_ANSWER_CHARS`` of the answer and the ends of a
quote (``coverage.quotes``), and few words per sentence get a spelling-variant lookup. So alignment time grows linearly
with the length of the document and the answer, even for text without sentence punctuation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from rapidfuzz import fuzz, process

from distilabel_qabias.coverage.index import DocumentIndex, clear_caches, index_document
from distilabel_qabias.coverage.quotes import locate_quote, quote_text
from distilabel_qabias.coverage.tokens import fuzzy_text, is_number, name_tokens, normalize_tokens
from distilabel_qabias.schema import Reason, invalid_text_reason
from distilabel_qabias.text.segment import sentence_at

__all__ = [
    "Alignment",
    "AlignmentWeights",
    "DEFAULT_WEIGHTS",
    "align",
    "align_batch",
    "check_inputs",
    "clear_caches",
]

MAX_CANDIDATES = 32  # sentences fully scored per row (long documents)
FUZZY_ANSWER_CHARS = 300  # the answer's characters compared with a sentence by partial ratio
MAX_SPELLING_LOOKUPS = 64  # answer words per sentence that may match a word spelled almost alike

# Answer-to-sentence cosine above which an embedder vouches for a paraphrased answer; set above the
# 99th percentile of answers against unrelated same-topic documents on the tuning split.
# minilm-int8 is the same model (cosine 0.99 to float32), so it shares minilm's tuned value
EMBEDDING_RESCUE = {"minilm": 0.75, "minilm-int8": 0.75, "wordllama": 0.75, "tokenlearn": 0.8}
FALLBACK_EMBEDDING_RESCUE = 0.8


@dataclass(frozen=True)
class Alignment:
    start: Optional[int]
    end: Optional[int]
    sentence: Optional[int]
    relative_position: Optional[float]
    score: float
    grounded: bool
    reason: Optional[str]  # a Reason code, None when grounded
    detail: Optional[str] = None  # the numbers behind the reason

    @classmethod
    def failed(cls, reason: str, detail: Optional[str] = None) -> "Alignment":
        return cls(None, None, None, None, 0.0, False, str(reason), detail)


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


def _coverage(tokens: Sequence[str], present: frozenset[str], index: DocumentIndex) -> float:
    total = sum(index.token_weight(t) for t in tokens)
    if not total:
        return 0.0
    return sum(index.token_weight(t) for t in tokens if t in present) / total


def _support(
    tokens: Sequence[str],
    present: frozenset[str],
    index: DocumentIndex,
    weights: AlignmentWeights,
    names: frozenset[str] = frozenset(),
) -> float:
    """Weighted share of the answer's ``tokens`` found in ``present`` (a sentence's tokens).

    A missing word still counts when a word of the sentence is spelled almost the same
    (recognised/recognized; the first ``MAX_SPELLING_LOOKUPS`` missing words are looked up). A
    missing common word weighs ``weights.common_word_miss`` of a missing name or number: "specializes
    in" for "engaged in" is a paraphrase, "an Iranian singer" for "an American singer" is a changed
    fact (a whole-answer fuzzy ratio would accept both).
    """
    found = missing = 0.0
    lookups = 0
    for token in tokens:
        weight = index.token_weight(token)
        if token in present:
            found += weight
            continue
        if len(token) >= 5 and not is_number(token) and lookups < MAX_SPELLING_LOOKUPS:
            lookups += 1
            match = process.extractOne(token, present, scorer=fuzz.ratio, score_cutoff=weights.fuzzy_token)
            if match is not None:
                found += weight * match[1] / 100.0
                missing += weight * (1 - match[1] / 100.0)
                continue
        is_fact = is_number(token) or token in names
        missing += weight if is_fact else weight * weights.common_word_miss
    total = found + missing
    return found / total if total else 0.0


def _paraphrase_only(names: frozenset[str], answer_tokens: Sequence[str], index: DocumentIndex) -> bool:
    """True when every answer word missing from the document is a common word: a paraphrase
    ("biggest town" for "largest city"). A missing name or number is a changed fact, which an
    embedder would happily call similar ("an Iranian singer" / "an American singer")."""
    for token in answer_tokens:
        if token not in index.vocabulary and (is_number(token) or token in names):
            return False
    return True


def _answer_tokens(question_tokens: list[str], answer_tokens: list[str]) -> list[str]:
    """The answer's new content: what it adds to the question (all of it if it adds nothing)."""
    question_set = set(question_tokens)
    new = [t for t in dict.fromkeys(answer_tokens) if t not in question_set]
    return new or list(dict.fromkeys(answer_tokens))


def check_inputs(document: Any, question: Any, answer: Any) -> Optional[tuple[str, Optional[str]]]:
    """``(reason code, detail)`` when a row cannot be aligned at all, else ``None``.

    Unusable text (``schema.invalid_text_reason``: missing, not_text, empty) in any of the three,
    or an answer much longer than the document (not an answer drawn from it).
    """
    for role, value in (("document", document), ("question", question), ("answer", answer)):
        problem = invalid_text_reason(value)
        if problem:
            return problem, role
    answer_chars, document_chars = len(answer.strip()), len(document.strip())
    if answer_chars > document_chars * 1.5 + 200:
        return Reason.ANSWER_LONGER_THAN_DOCUMENT.value, f"answer {answer_chars:,} characters, document {document_chars:,}"
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
        return Alignment.failed(*problem)
    index = index_document(document)
    if not index.sentences:
        return Alignment.failed(Reason.NO_SHARED_WORDS, "the document has no sentences (markup only)")

    question_tokens = normalize_tokens(question)
    answer_all = normalize_tokens(answer)
    if not answer_all:
        return Alignment.failed(Reason.NO_CONTENT_WORDS, "the answer is only stop words")
    answer_tokens = _answer_tokens(question_tokens, answer_all)
    question_set = list(dict.fromkeys(question_tokens))
    names = name_tokens(answer)

    # candidate sentences: those sharing a token with the question or answer (inverted index); in
    # long documents only the best few by shared token weight get the full (fuzzy) scoring
    shared = index.shared_weight(set(answer_all) | set(question_set), boosted=set(answer_tokens))
    candidates = set(sorted(shared, key=lambda i: (-shared[i], i))[:MAX_CANDIDATES])
    if sentence_similarity is not None:
        candidates.update(sorted(range(len(index.sentences)), key=lambda i: -sentence_similarity[i])[:3])
    allowed = None
    if chunk is not None:
        allowed = {i for i, s in enumerate(index.sentences) if s.end > chunk[0] and s.start < chunk[1]}
        if restrict_to_chunk:
            candidates &= allowed
            if not allowed:
                return Alignment.failed(Reason.CHUNK_OUTSIDE_DOCUMENT, f"chunk {chunk[0]}-{chunk[1]}, document {len(document):,} characters")
    # numbers the answer states must occur in the document (the most common hallucination)
    # ("one"/"first" are too often plain words to count)
    missing_numbers = list(dict.fromkeys(
        t for t in answer_all if is_number(t) and t not in ("1", "1th") and t not in index.vocabulary
    ))
    numbers_detail = f"not in the document: {', '.join(missing_numbers[:5])}" if missing_numbers else None
    if not candidates:
        if numbers_detail:
            return Alignment.failed(Reason.NUMBER_NOT_IN_DOCUMENT, numbers_detail)
        return Alignment.failed(Reason.NO_SHARED_WORDS)

    answer_fuzzy = fuzzy_text(answer)[:FUZZY_ANSWER_CHARS]
    scored: list[tuple[float, float, int]] = []  # (score, answer support, sentence index)
    for i in candidates:
        toks = index.tokens[i]
        answer_cov = _support(answer_tokens, toks, index, weights, names)
        question_cov = _coverage(question_set, toks, index) if question_set else answer_cov
        fuzzy_ratio = fuzz.partial_ratio(answer_fuzzy, index.fuzzy[i]) / 100.0 if answer_fuzzy else 0.0
        score = weights.answer * answer_cov + weights.question * question_cov + weights.fuzzy * fuzzy_ratio
        if sentence_similarity is not None:
            score = (1 - weights.embedding) * score + weights.embedding * max(0.0, float(sentence_similarity[i]))
        if allowed is not None and i not in allowed:
            score *= weights.outside_chunk_penalty
        scored.append((score, answer_cov, i))
    scored.sort(key=lambda x: (-x[0], x[2]))
    best_score, support, best = scored[0]

    # widen to a neighbour when the answer's content is split over two sentences
    first, last = best, best
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

    evidence_text = quote_text(evidence)
    start, end = index.sentences[first].start, index.sentences[last].end
    evidence_sentence = best
    reason: Optional[Reason] = None
    detail: Optional[str] = None
    if evidence_text and evidence_text.strip():
        found = locate_quote(evidence_text, index, weights.evidence_min_ratio)
        if found is None or found[0] < weights.evidence_min_ratio:
            reason, detail = Reason.EVIDENCE_NOT_FOUND, f"best match {0 if found is None else found[0]:.0f}/100"
        else:
            start, end = found[1], found[2]
            located = sentence_at(index.sentences, start)
            evidence_sentence = located.index if located else best

    score = round(min(1.0, max(0.0, best_score)), 4)
    if reason is None:
        if numbers_detail:
            reason, detail = Reason.NUMBER_NOT_IN_DOCUMENT, numbers_detail
        elif support < weights.threshold:
            reason, detail = Reason.LOW_SUPPORT, f"support {support:.2f} < {weights.threshold}"
        else:
            # a short answer ("Australia", "1st") turns up in many documents: the pair as a whole
            # (question and answer words) must be about this one
            topicality = _coverage(list(dict.fromkeys(question_set + answer_all)), index.vocabulary, index)
            strength = support * min(1.0, len(answer_tokens) / 3)
            if topicality < weights.min_question_topicality and strength < weights.strong_answer:
                reason = Reason.OFF_TOPIC
                detail = f"{topicality:.0%} of the pair's content words occur in the document; answer too short to count alone"
    if reason is not None and support < 0.2 and evidence_text is None:
        # no real evidence: do not point at an arbitrary sentence
        return Alignment(None, None, None, None, score, False, reason.value, detail)
    span_sentence = index.sentences[evidence_sentence]
    middle = (span_sentence.start + span_sentence.end) / 2
    relative = round(middle / len(document), 4)
    return Alignment(start, end, evidence_sentence, relative, score, reason is None, reason and reason.value, detail)


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
            queries = embedder.encode([f"{rows[i][1]} {rows[i][2]}".strip() for i in valid])
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
