"""Evidence alignment on real Wikipedia summaries and a labelled set of realistic QA pairs."""

import re

import pytest

from distilabel_qabias.coverage.align import align, align_batch, normalize_tokens
from evaluation.qa_pairs import alignment_metrics, build_qa_pairs, hallucinated_pairs, unrelated_pairs
from distilabel_qabias.text.segment import split_sentences


@pytest.mark.parametrize(
    "left, right",
    [
        ("a population of 1,000 people", "a population of 1000 people"),
        ("one thousand people", "1000 people"),
        ("twenty-five goats", "25 goats"),
        ("one hundred and twenty years", "120 years"),
        ("March 3, 1921", "3 March 1921"),
        ("the nineteenth century", "the 19th century"),
        ("the fifth-largest city", "the 5th largest city"),
        ("1.5 million inhabitants", "1,500,000 inhabitants"),
        ("Sept. 1889", "September 1889"),
        ("According to the text, the goats were domesticated.", "The goat was domesticated."),
    ],
)
def test_equivalent_forms_normalise_alike(left, right):
    # sentences are matched on token sets, so order does not matter
    assert sorted(normalize_tokens(left)) == sorted(normalize_tokens(right))


@pytest.mark.parametrize("left, right", [("1,000 people", "100 people"), ("March 3, 1921", "March 4, 1921"), ("nineteenth", "18th")])
def test_different_facts_stay_different(left, right):
    assert normalize_tokens(left) != normalize_tokens(right)


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
    assert wrong_year in result.reason


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
    assert not fake.grounded and "evidence quote not found" in fake.reason


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
    "document, question, answer, reason",
    [
        (None, "q?", "a", "missing document"),
        ("", "q?", "a", "empty document"),
        ("   \n ", "q?", "a", "empty document"),
        (b"bytes doc", "q?", "a", "document is not a string"),
        ("A real sentence about cats.", "q?", None, "missing answer"),
        ("A real sentence about cats.", "q?", 42, "answer is not a string"),
        ("A real sentence about cats.", "q?", "  ", "empty answer"),
        ("A real sentence about cats.", ["q"], "cats", "question is not a string"),
        ("Cats purr.", "What do cats do?", "Cats purr " * 60, "answer is longer than the document"),
        ("Cats purr loudly at night.", "What?", "the of and", "answer has no content words"),
    ],
)
def test_bad_rows_fail_with_a_reason_and_no_offsets(document, question, answer, reason):
    result = align(document, question, answer)
    assert result.grounded is False
    assert reason in result.reason
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
