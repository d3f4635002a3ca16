"""Issue 9 items 8 and 12 inside real distilabel Pipelines: a text column that mixes real Wikipedia
text with an int, a list, a dict, None, "" or "   " must not kill the run (distilabel writes every
batch with pyarrow, which cannot store a column mixing str and int/list/dict).

For every Step that reads text: every row comes out, in order; the user's value is recoverable from
`qabias_non_text_cells`; and unusable text follows one rule (the step's keep flag is false, its reason
is `missing`, `not_text` or `empty`).

Known limit, not ours to fix: a lone surrogate ("\\ud800") anywhere in a batch kills distilabel 1.5.3
itself (its batch cache is written with orjson before any Step sees the rows); each Step's own tests
cover surrogates by calling `process` directly. And a GlobalStep cannot protect itself: distilabel
writes its input to parquet first, so a plain qabias Step that reads the column must come before it
(as in `recipes.audit_steps()`), which the last test checks.

The Pipelines run in a subprocess with a timeout, so a stalled run fails the test instead of hanging it.
"""

import json
import subprocess
import sys
import textwrap

import pytest

from distilabel_qabias import schema

BAD = [7, ["a", "list"], {"a": "dict"}, None, "", "   "]
EXPECTED_REASON = ["not_text", "not_text", "not_text", "missing", "empty", "empty"]

RUNNER = textwrap.dedent(
    """
    import json, sys
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts
    import distilabel_qabias

    spec = json.loads(open(sys.argv[1]).read())
    with Pipeline(name="qabias-safety", cache_dir=spec["cache"]) as pipeline:
        previous = LoadDataFromDicts(data=spec["rows"], batch_size=4)
        for name, kwargs in spec["steps"]:
            step = getattr(distilabel_qabias, name)(**kwargs)
            previous >> step
            previous = step
    distiset = pipeline.run(use_cache=False)
    rows = distiset["default"]["train"].to_list() if distiset is not None and "default" in distiset else None
    open(sys.argv[2], "w").write(json.dumps(rows, default=str))
    """
)


def _run_pipeline(tmp_path, rows, steps):
    (tmp_path / "runner.py").write_text(RUNNER)
    (tmp_path / "spec.json").write_text(json.dumps({"cache": str(tmp_path / "cache"), "rows": rows, "steps": steps}))
    done = subprocess.run(
        [sys.executable, str(tmp_path / "runner.py"), str(tmp_path / "spec.json"), str(tmp_path / "out.json")],
        capture_output=True, text=True, timeout=420,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text())
    assert out is not None, "pipeline.run returned no dataset:\n" + done.stderr[-3000:]
    return out


def _qa_rows(wiki_docs, bad_column):
    """Good QA rows from real Wikipedia text, with one bad value of ``bad_column`` after each of the first six."""
    rows, bad_ids = [], {}
    for i, doc in enumerate(wiki_docs[:8]):
        first = doc.text.split(". ")[0] + "."
        rows.append({"id": len(rows), "document": doc.text, "question": f"What is {doc.title}?", "answer": first})
        if i < len(BAD):
            row = {"id": len(rows), "document": doc.text, "question": f"Where is {doc.title} described?", "answer": first}
            row[bad_column] = BAD[i]
            bad_ids[row["id"]] = i
            rows.append(row)
    return rows, bad_ids


def _assert_set_aside(row, column, bad_index):
    value = BAD[bad_index]
    if isinstance(value, str) or value is None:
        assert row[column] == value  # text (even blank) stays where it was
        assert column not in json.loads(row.get(schema.NON_TEXT_CELLS) or "{}")
    else:
        assert row[column] is None  # the cell is nulled so the dataset stays writable...
        assert json.loads(row[schema.NON_TEXT_CELLS]) == {column: value}  # ...and the value is kept


def _artifact_reason(row, column):
    return next(e["type"] for e in row[schema.ARTIFACTS] if e["field"] == column)


STEP_CASES = {
    "ScrubArtifacts": (
        [["ScrubArtifacts", {"columns": ["document"], "mode": "tag"}]], "document",
        schema.KEEP_ARTIFACT, lambda row: _artifact_reason(row, "document"),
    ),
    "ScrubArtifacts-remove": (
        [["ScrubArtifacts", {"columns": ["question", "answer"], "mode": "remove"}]], "question",
        schema.KEEP_ARTIFACT, lambda row: _artifact_reason(row, "question"),
    ),
    "FilterInstructionSpans": (
        [["FilterInstructionSpans", {"document_column": "document", "mode": "remove"}]], "document",
        schema.KEEP_INSTRUCTION, lambda row: row[schema.INSTRUCTION_REASON],
    ),
    "TagSpanCoverage": (
        [["TagSpanCoverage", {}]], "answer", schema.KEEP_GROUNDING, lambda row: row[schema.GROUNDING_REASON],
    ),
    "TagSpanCoverage-document": (
        [["TagSpanCoverage", {}]], "document", schema.KEEP_GROUNDING, lambda row: row[schema.GROUNDING_REASON],
    ),
}


@pytest.mark.parametrize("case", sorted(STEP_CASES))
def test_step_keeps_every_row_and_the_users_value_in_a_pipeline(tmp_path, wiki_docs, case):
    steps, column, keep_flag, reason_of = STEP_CASES[case]
    rows, bad_ids = _qa_rows(wiki_docs, column)
    out = _run_pipeline(tmp_path, rows, steps)
    assert [r["id"] for r in out] == [r["id"] for r in rows]
    for row in out:
        if row["id"] in bad_ids:
            index = bad_ids[row["id"]]
            _assert_set_aside(row, column, index)
            assert row[keep_flag] is False and row[schema.KEEP] is False
            assert reason_of(row) == EXPECTED_REASON[index], row
        else:
            assert row[keep_flag] is True or case.startswith("TagSpanCoverage"), row
            assert row.get(schema.NON_TEXT_CELLS) is None
    if case.startswith("TagSpanCoverage"):  # the good rows quote their document: grounded
        assert all(r[schema.GROUNDED] for r in out if r["id"] not in bad_ids)


def test_sample_target_spans_gives_every_bad_document_one_row_with_its_reason(tmp_path, wiki_docs):
    rows, bad_ids = _qa_rows(wiki_docs, "document")
    out = _run_pipeline(tmp_path, rows, [["SampleTargetSpans", {"num_targets": 2}]])
    ids = [r["id"] for r in out]
    assert ids == sorted(ids) and set(ids) == {r["id"] for r in rows}  # one or more rows each, in order
    for row in out:
        if row["id"] in bad_ids:
            index = bad_ids[row["id"]]
            assert ids.count(row["id"]) == 1
            _assert_set_aside(row, "document", index)
            assert row[schema.TARGET_TEXT] is None and row[schema.TARGET_REASON] == EXPECTED_REASON[index]
        else:
            assert row["document"][row[schema.TARGET_START] : row[schema.TARGET_END]] == row[schema.TARGET_TEXT]


@pytest.mark.parametrize("column", ["question", "answer", "document"])
def test_audit_chain_with_global_steps_returns_every_row(tmp_path, wiki_docs, column):
    """ScrubArtifacts (tag) -> TagSpanCoverage -> DeduplicateConvergentQuestions -> QABiasReport: the
    two GlobalSteps get their input through parquet files, which the Steps before them keep writable."""
    rows, bad_ids = _qa_rows(wiki_docs, column)
    steps = [
        ["ScrubArtifacts", {"columns": ["question", "answer"], "mode": "tag"}],
        ["TagSpanCoverage", {}],
        ["DeduplicateConvergentQuestions", {}],
        ["QABiasReport", {}],
    ]
    out = _run_pipeline(tmp_path, rows, steps)
    assert [r["id"] for r in out] == [r["id"] for r in rows]
    for row in out:
        if row["id"] in bad_ids:
            index = bad_ids[row["id"]]
            _assert_set_aside(row, column, index)
            assert row[schema.KEEP] is False
            assert row[schema.GROUNDING_REASON] == EXPECTED_REASON[index]
            if column == "question":
                assert row[schema.CONVERGENCE_REASON] == EXPECTED_REASON[index]
        else:
            assert row[schema.GROUNDED] is True and row.get(schema.NON_TEXT_CELLS) is None
