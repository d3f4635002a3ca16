import json
from pathlib import Path

import pytest

from distilabel_qabias import DeduplicateConvergentQuestions, schema
from evaluation.questions import build_question_set


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


def test_drop_duplicates_only_when_asked():
    rows = _rows(15)
    tagged = _process(DeduplicateConvergentQuestions(embedder="wordllama"), [dict(r) for r in rows])
    dropped = _process(DeduplicateConvergentQuestions(embedder="wordllama", drop_duplicates=True), [dict(r) for r in rows])
    assert len(tagged) == len(rows)
    assert [r["question"] for r in dropped] == [r["question"] for r in tagged if r[schema.KEEP_CONVERGENCE]]


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
    out = _process(DeduplicateConvergentQuestions(embedder="wordllama", keep="best_grounded"), rows)
    assert [r[schema.DUPLICATE_OF] for r in out] == [1, None]


def test_missing_column_lists_available_columns():
    step = DeduplicateConvergentQuestions(embedder="wordllama", question_column="query", answer_column="response")
    with pytest.raises(schema.MissingColumnsError) as error:
        _process(step, [{"question": "What?", "answer": "That."}])
    assert error.value.missing == ["query", "response"]
    assert error.value.available == ["answer", "question"]


def test_inconsistent_options_are_rejected_at_construction():
    with pytest.raises(ValueError, match="answer_column"):
        DeduplicateConvergentQuestions(keep="longest_answer")
    with pytest.raises(ValueError, match="document_column"):
        DeduplicateConvergentQuestions(per_document=True, document_column=None)
