"""TagSpanCoverage: direct calls on real documents, unusable cells, and real pipelines."""

import json

import pytest
from distilabel.pipeline import Pipeline
from distilabel.models.embeddings.base import Embeddings
from distilabel.steps import LoadDataFromDicts

from distilabel_qabias import schema
from distilabel_qabias.steps.coverage import TagSpanCoverage
from distilabel_qabias.text.segment import split_sentences
from evaluation.corpora import wikipedia_summaries
from evaluation.qa_pairs import build_qa_pairs, unrelated_pairs

CODES = {code.value for code in schema.Reason}


def run_step(step, rows):
    step.load()
    return next(step.process([dict(r) for r in rows]))


@pytest.fixture(scope="module")
def qa_rows():
    pairs = build_qa_pairs(n_documents=30, seed=11)
    negatives = unrelated_pairs(pairs, seed=12)
    return [{"document": p.document, "question": p.question, "answer": p.answer, "expected": p.grounded} for p in pairs + negatives]


def test_tag_span_coverage_tags_every_row(qa_rows):
    out = run_step(TagSpanCoverage(), qa_rows)
    assert len(out) == len(qa_rows)
    correct = sum(row[schema.GROUNDED] == row["expected"] for row in out)
    assert correct / len(out) >= 0.9
    for row in out:
        assert row[schema.KEEP_GROUNDING] == row[schema.GROUNDED] == row[schema.KEEP]
        assert (row[schema.GROUNDING_REASON] is None) == row[schema.GROUNDED]
        assert row[schema.GROUNDING_REASON] is None or row[schema.GROUNDING_REASON] in CODES
        if row[schema.EVIDENCE_START] is not None:
            sentence = split_sentences(row["document"])[row[schema.EVIDENCE_SENTENCE]]
            assert row[schema.EVIDENCE_START] <= sentence.start < sentence.end <= row[schema.EVIDENCE_END]
            assert 0 <= row[schema.RELATIVE_POSITION] <= 1
    reasons = {row[schema.GROUNDING_REASON] for row in out if not row[schema.GROUNDED]}
    assert reasons <= {"low_support", "no_shared_words", "number_not_in_document", "off_topic"}, reasons


def test_custom_columns_evidence_and_chunks():
    doc = (
        "The bridge opened in 1932 after six years of work. Engineers praised its design. "
        "Traffic grew quickly in the following decades. The bridge opened in 1932 and changed the city."
    )
    rows = [
        {"text": doc, "q": "When did the bridge open?", "a": "In 1932.", "cite": "Engineers praised its design", "cs": 0, "ce": 60},
        {"text": doc, "q": "When did the bridge open?", "a": "In 1932.", "cite": None, "cs": 120, "ce": len(doc)},
        {"text": doc, "q": "When did the bridge open?", "a": "In 1932.", "cite": "Zebras migrate in spring.", "cs": 0, "ce": 60},
    ]
    step = TagSpanCoverage(document_column="text", question_column="q", answer_column="a", evidence_column="cite",
                           chunk_start_column="cs", chunk_end_column="ce")
    assert step.inputs == {"text": True, "q": True, "a": True, "cite": False, "cs": False, "ce": False}
    first, second, fabricated = run_step(step, rows)
    assert doc[first[schema.EVIDENCE_START] : first[schema.EVIDENCE_END]] == "Engineers praised its design"
    assert first[schema.EVIDENCE_SENTENCE] == 1
    assert second[schema.EVIDENCE_SENTENCE] == 3 and second[schema.GROUNDED]
    assert fabricated[schema.GROUNDING_REASON] == "evidence_not_found"
    assert fabricated[schema.GROUNDING_DETAIL].startswith("best match ")


def test_unusable_cells_follow_one_rule_and_are_kept(wiki_docs):
    doc = wiki_docs[0].text
    first_sentence = split_sentences(doc)[0].text
    rows = [
        {"document": None, "question": "Who?", "answer": "Someone."},
        {"document": "", "question": "Who?", "answer": "Someone."},
        {"document": 3.14, "question": "Who?", "answer": "Someone."},
        {"document": doc, "question": "Who?", "answer": ["not", "a", "string"]},
        {"document": doc, "question": "   ", "answer": first_sentence},
        {"document": doc, "question": None, "answer": first_sentence},
        {"document": doc, "question": "What is it?", "answer": "\ud800 lone surrogate"},
        {"document": doc, "question": "Who?", "answer": doc * 3},
        {"document": doc, "question": "What is it?", "answer": first_sentence},
        {"document": doc, "question": "What is it?", "answer": first_sentence},  # duplicate document and pair
    ]
    out = run_step(TagSpanCoverage(), rows)
    assert len(out) == len(rows)
    codes = [(row[schema.GROUNDING_REASON], row[schema.GROUNDING_DETAIL]) for row in out[:8]]
    assert codes == [
        ("missing", "column 'document'"),
        ("empty", "column 'document'"),
        ("not_text", "column 'document'"),
        ("not_text", "column 'answer'"),
        ("empty", "column 'question'"),
        ("missing", "column 'question'"),
        ("not_text", "column 'answer'"),
        ("answer_longer_than_document", f"answer {len((doc * 3).strip()):,} characters, document {len(doc.strip()):,}"),
    ]
    for row in out[:8]:
        assert row[schema.GROUNDED] is False and row[schema.KEEP_GROUNDING] is False and row[schema.KEEP] is False
        assert row[schema.EVIDENCE_START] is None and row[schema.EVIDENCE_SENTENCE] is None
    # the user's values are kept, the cells become null so distilabel can write the batch
    assert json.loads(out[2][schema.NON_TEXT_CELLS]) == {"document": 3.14}
    assert json.loads(out[3][schema.NON_TEXT_CELLS]) == {"answer": ["not", "a", "string"]}
    assert out[2]["document"] is None and out[6]["answer"] is None
    assert out[8][schema.GROUNDED] and out[8][schema.EVIDENCE_SENTENCE] == 0
    assert out[9] == out[8]


def test_missing_column_names_available_columns():
    with pytest.raises(schema.MissingColumnsError) as error:
        run_step(TagSpanCoverage(), [{"document": "x", "query": "q?", "answer": "a"}])
    assert "'question'" in str(error.value) and "'query'" in str(error.value)


def test_threshold_is_checked_on_load():
    with pytest.raises(ValueError, match="threshold"):
        TagSpanCoverage(threshold=1.5).load()


def test_tag_span_coverage_in_a_pipeline():
    rows = [
        {"document": "The Eiffel Tower is in Paris. It was completed in 1889.", "question": "When was it finished?",
         "answer": "According to the text, the tower was completed in the year 1889."},
        {"document": "The Eiffel Tower is in Paris. It was completed in 1889.", "question": "When was it finished?",
         "answer": "It was finished in 1923."},
        {"document": None, "question": "q", "answer": "a"},
        {"document": "The Eiffel Tower is in Paris. It was completed in 1889.", "question": "When was it finished?",
         "answer": 1889},
    ]
    with Pipeline(name="qabias-test-coverage") as pipeline:
        data = LoadDataFromDicts(data=rows)
        data >> TagSpanCoverage(input_mappings={"answer": "answer"})
    ds = pipeline.run(use_cache=False)["default"]["train"]
    assert ds[schema.GROUNDED] == [True, False, False, False]
    assert ds[schema.EVIDENCE_SENTENCE] == [1, None, None, None]  # no support for 1923 anywhere: no span
    assert ds[schema.GROUNDING_REASON] == [None, "number_not_in_document", "missing", "not_text"]
    assert "1923" in ds[schema.GROUNDING_DETAIL][1]
    assert json.loads(ds[schema.NON_TEXT_CELLS][3]) == {"answer": 1889}


class LetterCounts(Embeddings):
    """A tiny distilabel Embeddings model (letter counts) standing in for sentence-transformers or vLLM."""

    @property
    def model_name(self) -> str:
        return "letter-counts"

    def encode(self, inputs):
        return [[text.lower().count(c) + 0.01 for c in "abcdefghijklmnopqrstuvwxyz"] for text in inputs]


EIFFEL = {"document": "The Eiffel Tower is in Paris. It was completed in 1889.",
          "question": "When was it finished?", "answer": "It was completed in 1889."}


def test_embedder_accepts_a_name_or_a_distilabel_embeddings_model():
    assert TagSpanCoverage(embedder="wordllama").embedder == "wordllama"
    step = TagSpanCoverage(embedder=LetterCounts())
    assert isinstance(step.embedder, Embeddings)
    out = run_step(step, [EIFFEL])
    assert out[0][schema.GROUNDED] and out[0][schema.EVIDENCE_SENTENCE] == 1


def test_distilabel_embeddings_model_in_a_pipeline():
    with Pipeline(name="qabias-test-coverage-embeddings") as pipeline:
        LoadDataFromDicts(data=[EIFFEL]) >> TagSpanCoverage(embedder=LetterCounts())
    ds = pipeline.run(use_cache=False)["default"]["train"]
    assert ds[schema.GROUNDED] == [True] and ds[schema.EVIDENCE_SENTENCE] == [1]


@pytest.mark.slow
def test_embedder_vouches_for_a_paraphrase_the_words_miss():
    pytest.importorskip("wordllama")
    doc = next(d.text for d in wikipedia_summaries(None) if d.title == "Montevideo")
    rows = [
        {"document": doc, "question": "What is Montevideo?", "answer": "It is the capital and biggest town of the nation of Uruguay."},
        {"document": doc, "question": "What is Montevideo?", "answer": "It is a small fishing village in Chile."},
    ]
    lexical = run_step(TagSpanCoverage(), rows)
    embedded = run_step(TagSpanCoverage(embedder="wordllama"), rows)
    assert [r[schema.GROUNDED] for r in lexical] == [False, False]
    assert [r[schema.GROUNDED] for r in embedded] == [True, False]
    assert embedded[0][schema.EVIDENCE_SENTENCE] == 0
