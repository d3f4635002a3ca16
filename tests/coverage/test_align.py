"""Evidence alignment on real Wikipedia summaries and a labelled set of realistic QA pairs."""

import re

import pytest

from rapidfuzz import fuzz, process

from distilabel_qabias.coverage import align as align_module
from distilabel_qabias.coverage import quotes as quotes_module
from distilabel_qabias.coverage.align import align, align_batch
from evaluation.qa_pairs import alignment_metrics, build_qa_pairs, hallucinated_pairs, unrelated_pairs
from distilabel_qabias.schema import Reason
from distilabel_qabias.text.segment import MAX_SENTENCE_CHARS, split_sentences


def _doc_with_sentence(wiki_docs, pattern):
    for doc in wiki_docs:
        for s in split_sentences(doc.text)[1:]:
            m = re.search(pattern, s.text)
            if m:
                return doc, s, m
    pytest.skip(f"no sentence matching {pattern}")


def test_long_form_answer_with_reformatted_number_points_at_its_sentence(wiki_docs):
    doc, sentence, match = _doc_with_sentence(wiki_docs, r"\b(\d{1,3}),(\d{3})\b")
    text = doc.text
    answer = f"According to the passage, the figure given is {match.group(1)}{match.group(2)}."
    result = align(text, f"What figure does the text give for {doc.title}?", answer)
    assert result.grounded, result.reason
    assert result.start <= sentence.start + match.start() and sentence.start + match.end() <= result.end
    assert text[result.start : result.end].strip()
    assert 0.0 <= result.relative_position <= 1.0


def test_answer_with_a_wrong_number_is_not_grounded(wiki_docs):
    doc, sentence, match = _doc_with_sentence(wiki_docs, r"\b(1[5-9]\d\d)\b")
    text = doc.text
    wrong_year = str(int(match.group(1)) + 7)
    if wrong_year in text:
        pytest.skip("the shifted year happens to be in the document")
    question = sentence.text.replace(match.group(1), "which year")
    result = align(text, question, f"It happened in {wrong_year}.")
    assert not result.grounded
    assert result.reason == "number_not_in_document" and wrong_year in result.detail


def test_evidence_quote_sets_the_span_and_fabricated_quotes_fail(wiki_docs):
    doc = wiki_docs[3].text
    sentences = split_sentences(doc)
    quoted = sentences[-1].text
    words = quoted.split()
    answer = " ".join(words[len(words) // 2 :])
    ok = align(doc, "What does the text say at the end?", answer, evidence=f'"{quoted}"')
    assert ok.grounded and (ok.start, ok.end) == (sentences[-1].start, sentences[-1].end)
    assert ok.sentence == sentences[-1].index
    fake = align(doc, "What does the text say?", answer, evidence="Zebras migrate across the Serengeti every spring.")
    assert not fake.grounded and fake.reason == "evidence_not_found"


def test_chunk_offsets_prefer_the_sentence_shown_to_the_generator():
    doc = (
        "The bridge opened in 1932 after six years of work. Engineers praised its design. "
        "Traffic grew quickly in the following decades. The bridge opened in 1932 and changed the city."
    )
    sentences = split_sentences(doc)
    question, answer = "When did the bridge open?", "It opened in 1932."
    assert align(doc, question, answer).sentence == 0
    shown = (sentences[2].start, sentences[3].end)
    assert align(doc, question, answer, chunk=shown).sentence == 3
    assert align(doc, question, answer, chunk=(sentences[1].start, sentences[2].end), restrict_to_chunk=True).grounded is False


@pytest.mark.parametrize(
    "document, question, answer, reason, detail",
    [
        (None, "q?", "a", "missing", "document"),
        ("", "q?", "a", "empty", "document"),
        ("   \n ", "q?", "a", "empty", "document"),
        (b"bytes doc", "q?", "a", "not_text", "document"),
        ("A real sentence about cats.", "q?", None, "missing", "answer"),
        ("A real sentence about cats.", "q?", 42, "not_text", "answer"),
        ("A real sentence about cats.", "q?", "  ", "empty", "answer"),
        ("A real sentence about cats.", "\ud800?", "cats", "not_text", "question"),
        ("A real sentence about cats.", ["q"], "cats", "not_text", "question"),
        ("A real sentence about cats.", " ", "cats", "empty", "question"),
        ("Cats purr.", "What do cats do?", "Cats purr " * 60, "answer_longer_than_document", "answer 599 characters, document 10"),
        ("Cats purr loudly at night.", "What?", "the of and", "no_content_words", "the answer is only stop words"),
        ("<p></p><br>", "What?", "Cats.", "no_shared_words", "the document has no sentences (markup only)"),
    ],
)
def test_bad_rows_fail_with_a_code_a_detail_and_no_offsets(document, question, answer, reason, detail):
    result = align(document, question, answer)
    assert result.grounded is False
    assert (result.reason, result.detail) == (reason, detail)
    assert result.reason in {code.value for code in Reason}
    assert (result.start, result.end, result.sentence, result.relative_position) == (None, None, None, None)


@pytest.fixture(scope="module")
def labelled():
    pairs = build_qa_pairs(n_documents=250, seed=3)
    return pairs, unrelated_pairs(pairs, seed=4), hallucinated_pairs(pairs, seed=5)


def test_labelled_set_is_realistic_and_split(labelled):
    pairs, negatives, made_up = labelled
    kinds = {p.kind for p in pairs}
    assert {"short", "long_form", "reformatted", "paraphrase"} <= kinds
    assert {p.split for p in pairs} == {"tune", "heldout"}
    for p in pairs:
        assert p.source_start <= p.fact_start < p.fact_end <= p.source_end
        assert p.answer != p.document[p.source_start : p.source_end]
    assert all(n.title != p.title and not n.grounded for p, n in zip(pairs, negatives))
    assert len(made_up) > 100
    for h in made_up:  # the swapped-in fact is not in the document, the question is unchanged
        assert not h.grounded and h.answer not in h.document


@pytest.mark.parametrize("split", ["tune", "heldout"])
def test_alignment_quality_targets(labelled, split):
    pairs, negatives, made_up = labelled
    for negatives_kind in (negatives, made_up):
        rows = [p for p in pairs + negatives_kind if p.split == split]
        alignments = align_batch([(p.document, p.question, p.answer) for p in rows])
        metrics = alignment_metrics(rows, alignments)
        assert metrics["located"] >= 0.9, metrics
        assert metrics["grounded_kept"] >= 0.9, metrics
        assert metrics["unrelated_flagged"] >= 0.9, metrics


def test_pairs_are_found_inside_one_long_document(wiki_docs):
    # 120 summaries joined: the candidate pruning for long documents must still find the right sentence
    docs = wiki_docs[:120]
    joined = "\n\n".join(d.text for d in docs)
    pairs = build_qa_pairs(docs, per_document=1, seed=8)
    found = 0
    for p in pairs:
        offset = joined.index(p.document)
        result = align(joined, p.question, p.answer)
        found += result.grounded and result.start <= offset + p.fact_start and offset + p.fact_end <= result.end
    assert found / len(pairs) >= 0.9


def _without_sentence_ends(text):
    """The same text, offsets unchanged, with no sentence terminator or line break left."""
    return re.sub(r"[.!?…](?=\s)", ";", text).replace("\n", " ")


@pytest.fixture(scope="module")
def unterminated(wiki_docs):
    docs = wiki_docs[:200]
    joined = "\n\n".join(d.text for d in docs)
    return docs, joined, _without_sentence_ends(joined)


def test_text_without_sentence_punctuation_is_still_aligned(unterminated, wiki_docs):
    docs, joined, flat = unterminated
    assert len(flat) > 100_000 and not re.search(r"[.!?…]\s", flat)
    pairs = build_qa_pairs(docs, per_document=1, seed=8)[:80]
    found = 0
    for p in pairs:
        offset = joined.index(p.document)
        result = align(flat, p.question, p.answer)
        found += result.grounded and result.start <= offset + p.fact_start and offset + p.fact_end <= result.end
    assert found / len(pairs) >= 0.9
    # a long answer copied from the middle is grounded there; the same length of other text is not
    middle = len(flat) // 2
    copied = flat[middle : middle + 3000]
    result = align(flat, "What does the text say here?", copied)
    assert result.grounded and middle - 1000 <= result.start < result.end <= middle + 4000
    other = _without_sentence_ends(" ".join(d.text for d in wiki_docs[250:290]))[:3000]
    assert not align(flat, "What does the text say here?", other).grounded
    # a long quoted evidence is found by its two ends and sets the span
    quoted = flat[middle + 500 : middle + 2500]
    cited = align(flat, "What does the text say here?", copied, evidence=f'"{quoted}"')
    assert cited.grounded and flat[cited.start : cited.end] == quoted.strip().strip("\"'“”‘’«»").strip()


class _CountingFuzz:
    """Stands in for rapidfuzz's ``fuzz`` in the alignment module and records the size of every comparison."""

    def __init__(self):
        self.compared = []  # (function, needle characters, haystack characters)

    def partial_ratio(self, needle, haystack, **kwargs):
        self.compared.append(("partial_ratio", len(needle), len(haystack)))
        return fuzz.partial_ratio(needle, haystack, **kwargs)

    def partial_ratio_alignment(self, needle, haystack, **kwargs):
        self.compared.append(("partial_ratio_alignment", len(needle), len(haystack)))
        return fuzz.partial_ratio_alignment(needle, haystack, **kwargs)

    ratio = staticmethod(fuzz.ratio)


class _CountingProcess:
    def __init__(self):
        self.lookups = 0

    def extractOne(self, *args, **kwargs):
        self.lookups += 1
        return process.extractOne(*args, **kwargs)


def test_work_per_row_is_bounded_on_long_unterminated_text(unterminated, monkeypatch):
    # the worst case that used to take minutes: no sentence ends, a long answer that is not a copy
    _, _, flat = unterminated
    counting_fuzz, counting_process = _CountingFuzz(), _CountingProcess()
    monkeypatch.setattr(align_module, "fuzz", counting_fuzz)
    monkeypatch.setattr(quotes_module, "fuzz", counting_fuzz)
    monkeypatch.setattr(align_module, "process", counting_process)
    words = flat[: len(flat) // 2].split()
    answer = " ".join(reversed(words))
    quote = " ".join(words[::-1][:2000])
    result = align(flat, "What is said about all of these places and people?", answer, evidence=quote)
    assert result.reason == "evidence_not_found"
    fuzzy = [c for c in counting_fuzz.compared if c[0] == "partial_ratio"]
    quotes = [c for c in counting_fuzz.compared if c[0] == "partial_ratio_alignment"]
    assert 0 < len(fuzzy) <= align_module.MAX_CANDIDATES
    assert all(n <= align_module.FUZZY_ANSWER_CHARS and h <= MAX_SENTENCE_CHARS for _, n, h in fuzzy)
    assert 0 < len(quotes) <= quotes_module.QUOTE_REGIONS + 1
    assert all(n <= quotes_module.QUOTE_CHARS and h <= 3 * MAX_SENTENCE_CHARS for _, n, h in quotes)
    # spelling-variant lookups: a bounded number per scored sentence (and the two neighbours tried)
    assert counting_process.lookups <= (align_module.MAX_CANDIDATES + 2) * align_module.MAX_SPELLING_LOOKUPS
