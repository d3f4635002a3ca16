import json
from pathlib import Path

import pytest

from distilabel_qabias import DeduplicateConvergentQuestions, schema
from distilabel_qabias.embedders import load_embedder
from evaluation.questions import build_question_set


@pytest.fixture(scope="module")
def wordllama():
    return load_embedder("wordllama")


def _rows(n_documents=25, seed=2):
    questions = build_question_set(n_documents, seed=seed)
    return [
        {"question": q.question, "document": q.document, "prompt": f"seed-{i % 4}", "fact": q.fact_id}
        for i, q in enumerate(questions)
    ]


def _process(step, rows):
    step.load()
    return next(step.process(rows))


def test_step_runs_in_a_real_pipeline_and_saves_the_explanation(tmp_path):
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts

    rows = _rows()
    rows.append({"question": None, "document": "", "prompt": "seed-0", "fact": "none"})
    with Pipeline(name="qabias-convergence-test", cache_dir=str(tmp_path)) as pipeline:
        load = LoadDataFromDicts(data=rows, batch_size=64)
        dedup = DeduplicateConvergentQuestions(embedder="wordllama", prompt_column="prompt")
        load >> dedup
    distiset = pipeline.run(use_cache=False)
    out = distiset["default"]["train"].to_list()
    assert [r["question"] for r in out] == [r["question"] for r in rows]  # order and count preserved
    kept = [r for r in out if r[schema.KEEP_CONVERGENCE]]
    assert 0 < len(kept) < len(out)
    for row in out:
        assert row[schema.KEEP] == row[schema.KEEP_CONVERGENCE]
        if row[schema.DUPLICATE_OF] is not None:
            target = out[row[schema.DUPLICATE_OF]]
            assert target[schema.KEEP_CONVERGENCE] and target[schema.CLUSTER_ID] == row[schema.CLUSTER_ID]
            assert 0 < row[schema.DUPLICATE_SCORE] <= 1.0
    assert out[-1][schema.CONVERGENCE_REASON] == "missing" and out[-1][schema.KEEP_CONVERGENCE]
    artifact = next(Path(distiset.artifacts_path).rglob("convergence.json"))
    explanation = json.loads(artifact.read_text())
    assert explanation["rows"] == len(rows) and explanation["duplicates"] == len(out) - len(kept)
    assert explanation["not_compared"] == {"missing": [len(rows) - 1]}


def test_step_outputs_keep_flags_and_result():
    rows = _rows(15)
    rows[0]["keep_row_after_grounding_filtering"] = False
    step = DeduplicateConvergentQuestions(embedder="wordllama", prompt_column="prompt")
    out = _process(step, [dict(r) for r in rows])
    assert len(out) == len(rows)
    assert out[0][schema.KEEP] is False  # AND of all keep flags
    result = step.result
    assert result is not None and result.n_rows == len(rows)
    for i, row in enumerate(out):
        assert row[schema.CLUSTER_ID] == result.cluster_id[i]
        assert row[schema.CLUSTER_PROMPTS] == len({r["prompt"] for r, o in zip(rows, out) if o[schema.CLUSTER_ID] == row[schema.CLUSTER_ID]})
    assert step.result.rethreshold(step.result.threshold + 0.05).n_duplicates <= result.n_duplicates


def test_reuses_an_embeddings_column_without_loading_a_model(wordllama):
    rows = _rows(15)
    vectors = wordllama.encode([r["question"] for r in rows])
    for row, vector in zip(rows, vectors.tolist()):
        row["embedding"] = vector
    rows[3]["embedding"] = None
    rows[4]["embedding"] = [0.0, 1.0]
    step = DeduplicateConvergentQuestions(embeddings_column="embedding", embedder="wordllama")
    out = _process(step, [dict(r) for r in rows])
    assert step._embedder is None
    reference = _process(DeduplicateConvergentQuestions(embedder="wordllama"), [dict(r) for r in rows])
    assert [r[schema.CONVERGENCE_REASON] for r in out[3:5]] == ["no_embedding", "no_embedding"]
    assert all(r[schema.KEEP_CONVERGENCE] for r in out[3:5])
    same = [i for i in range(len(rows)) if i not in (3, 4)]
    duplicates = [out[i][schema.KEEP_CONVERGENCE] for i in same]
    assert duplicates == [reference[i][schema.KEEP_CONVERGENCE] for i in same] and not all(duplicates)


def test_non_text_questions_are_set_aside_and_tagged():
    rows = [{"question": "Who painted the ceiling?"}, {"question": 42}, {"question": "\ud800?"}, {"question": " "}]
    out = _process(DeduplicateConvergentQuestions(embedder="wordllama"), rows)
    assert [r[schema.CONVERGENCE_REASON] for r in out] == [None, "not_text", "not_text", "empty"]
    assert out[1]["question"] is None and json.loads(out[1][schema.NON_TEXT_CELLS]) == {"question": 42}
    assert all(r[schema.KEEP_CONVERGENCE] for r in out)


def test_per_document_keeps_repeats_in_different_documents(wiki_docs):
    rows = [{"question": "What is this article about?", "document": d.text} for d in wiki_docs[:3]] * 2
    merged = _process(DeduplicateConvergentQuestions(embedder="wordllama"), [dict(r) for r in rows])
    per_doc = _process(DeduplicateConvergentQuestions(embedder="wordllama", per_document=True), [dict(r) for r in rows])
    assert sum(r[schema.KEEP_CONVERGENCE] for r in merged) == 1
    assert sum(r[schema.KEEP_CONVERGENCE] for r in per_doc) == 3


def test_best_grounded_keeps_the_grounded_row():
    rows = [
        {"question": "Who painted the ceiling?", schema.GROUNDED: False, schema.ALIGNMENT_SCORE: 0.2},
        {"question": "who painted the ceiling", schema.GROUNDED: True, schema.ALIGNMENT_SCORE: 0.9},
    ]
    out = _process(DeduplicateConvergentQuestions(embedder="wordllama", representative="best_grounded"), rows)
    assert [r[schema.DUPLICATE_OF] for r in out] == [1, None]


def test_missing_column_lists_available_columns():
    step = DeduplicateConvergentQuestions(embedder="wordllama", question_column="query", answer_column="response")
    with pytest.raises(schema.MissingColumnsError) as error:
        _process(step, [{"question": "What?", "answer": "That."}])
    assert error.value.missing == ["query", "response"]
    assert error.value.available == ["answer", "question"]


def test_inconsistent_options_are_rejected_at_construction():
    with pytest.raises(ValueError, match="answer_column"):
        DeduplicateConvergentQuestions(representative="longest_answer")
    with pytest.raises(ValueError, match="document_column"):
        DeduplicateConvergentQuestions(per_document=True, document_column=None)
