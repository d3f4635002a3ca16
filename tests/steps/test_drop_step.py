"""DropFlaggedRows: the one Step that drops rows, and never stalls distilabel 1.5.3 doing it.

The Pipeline runs happen in a subprocess with a timeout: the failure these tests guard against is a
pipeline that waits forever.
"""

import json
import subprocess
import sys
import textwrap

import pytest

from distilabel_qabias import DropFlaggedRows, schema

G, C, A = schema.KEEP_GROUNDING, schema.KEEP_CONVERGENCE, schema.KEEP_ARTIFACT


def _drop(**kwargs):
    step = DropFlaggedRows(**kwargs)
    step.load()
    return step


def test_drops_on_the_recomputed_keep_not_the_stale_stored_one():
    rows = [
        {"id": 0, G: True, A: True, schema.KEEP: True},
        {"id": 1, G: True, A: False, schema.KEEP: True},  # stale: what CombineOutputs leaves behind
        {"id": 2, G: False, schema.KEEP: True},
        {"id": 3, G: True, A: None, schema.KEEP: False},  # None and missing flags count as keep
        {"id": 4},
    ]
    kept = next(_drop().process(rows))
    assert [r["id"] for r in kept] == [0, 3, 4]
    assert all(r[schema.KEEP] is True for r in kept)


def test_flags_drop_on_those_flags_only_and_keep_qabias_keep_honest():
    rows = [{"id": 0, G: True, C: False}, {"id": 1, G: False, C: True}, {"id": 2, G: None, C: False}]
    kept = next(_drop(flags=[G]).process(rows))
    assert [r["id"] for r in kept] == [0, 2]
    assert [r[schema.KEEP] for r in kept] == [False, False]  # their convergence flag is still false
    assert _drop(flags=[G]).inputs == {G: True}


def test_a_flag_that_is_not_a_keep_flag_is_refused():
    with pytest.raises(ValueError, match="not a keep flag"):
        DropFlaggedRows(flags=["qabias_grounded"])


def test_more_than_one_replica_is_refused_at_load():
    from distilabel.steps import StepResources

    from distilabel_qabias.errors import StepLoadError

    with pytest.raises(StepLoadError, match="one replica"):
        DropFlaggedRows(resources=StepResources(replicas=2)).load()


# --- in a real Pipeline ----------------------------------------------------------------------------

PIPELINE = textwrap.dedent(
    """
    import json, sys
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts, StepInput, step
    from distilabel_qabias import DropFlaggedRows

    keep, successor, cache = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]

    @step(inputs=["text"], outputs=["words"])
    def CountWords(inputs: StepInput):
        for row in inputs:
            row["words"] = len(row["text"].split())
        yield inputs

    @step(inputs=["text"], outputs=["rows_seen"], step_type="global")
    def CountRows(inputs: StepInput):
        for row in inputs:
            row["rows_seen"] = len(inputs)
        yield inputs

    rows = [{"id": i, "text": t, "keep_row_after_grounding_filtering": k}
            for i, (t, k) in enumerate(zip(json.loads(sys.argv[4]), keep))]
    with Pipeline(name="drop-test", cache_dir=cache) as pipeline:
        load = LoadDataFromDicts(data=rows, batch_size=4)
        drop = DropFlaggedRows(input_batch_size=4)
        load >> drop
        if successor == "global":
            drop >> CountRows()
        elif successor == "normal":
            drop >> CountWords(input_batch_size=4)
    distiset = pipeline.run(use_cache=False)
    out = distiset["default"]["train"].to_list() if "default" in distiset else []
    print("ROWS=" + json.dumps(out))
    """
)


def _run(tmp_path, keep, successor, texts):
    script = tmp_path / "pipeline.py"
    script.write_text(PIPELINE)
    args = [json.dumps(keep), successor, str(tmp_path / "cache"), json.dumps(texts)]
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("ROWS="))
    return json.loads(line[len("ROWS="):]), done.stdout + done.stderr


@pytest.mark.parametrize(
    ("keep", "successor"),
    [
        # the last batch (rows 8-9) is dropped entirely: a plain Step after it used to wait forever
        ([True] * 8 + [False] * 2, "normal"),
        # only the very last row survives, after empty batches
        ([False] * 9 + [True], "global"),
        # only the first row survives: it is held back until the last batch
        ([True] + [False] * 9, "normal"),
        ([True, False] * 5, "global"),
    ],
)
def test_kept_rows_come_out_in_order_and_the_run_finishes(tmp_path, wiki_docs, keep, successor):
    texts = [doc.text for doc in wiki_docs[:10]]
    rows, _ = _run(tmp_path, keep, successor, texts)
    assert [r["id"] for r in rows] == [i for i, k in enumerate(keep) if k]
    assert [r["text"] for r in rows] == [t for t, k in zip(texts, keep) if k]
    if successor == "global":
        assert {r["rows_seen"] for r in rows} == {sum(keep)}
    else:
        assert [r["words"] for r in rows] == [len(t.split()) for t, k in zip(texts, keep) if k]


@pytest.mark.parametrize("successor", ["global", "normal"])
def test_every_row_dropped_stops_the_run_with_one_line_instead_of_hanging(tmp_path, wiki_docs, successor):
    texts = [doc.text for doc in wiki_docs[:10]]
    rows, log = _run(tmp_path, [False] * 10, successor, texts)
    assert rows == []
    assert "every row was dropped (10 of 10)" in " ".join(log.split())


def test_every_row_dropped_at_the_end_of_a_pipeline_is_just_an_empty_dataset(tmp_path, wiki_docs):
    rows, log = _run(tmp_path, [False] * 10, "none", [doc.text for doc in wiki_docs[:10]])
    assert rows == [] and "every row was dropped" not in log


COMBINE = textwrap.dedent(
    """
    import json, sys
    from distilabel.pipeline import Pipeline
    from distilabel.steps import CombineOutputs, LoadDataFromDicts
    from distilabel_qabias import DropFlaggedRows, ScrubArtifacts, TagSpanCoverage

    rows, cache, drop = json.loads(open(sys.argv[1]).read()), sys.argv[2], sys.argv[3] == "drop"
    with Pipeline(name="combine-test", cache_dir=cache) as pipeline:
        load = LoadDataFromDicts(data=rows, batch_size=2)
        artifacts = ScrubArtifacts(columns=["question", "answer"], mode="tag")
        coverage = TagSpanCoverage()
        combine = CombineOutputs()
        load >> [artifacts, coverage] >> combine
        if drop:
            combine >> DropFlaggedRows()
    distiset = pipeline.run(use_cache=False)
    print("ROWS=" + json.dumps(distiset["default"]["train"].to_list()))
    """
)


def test_after_combine_outputs_only_rows_passing_every_branch_survive(tmp_path, wiki_docs):
    """Issue 9 item 14: after CombineOutputs the stored qabias_keep is whichever branch merged last."""
    doc = wiki_docs[0].text
    first = doc.split(". ")[0] + "."
    rows = [
        {"id": 0, "document": doc, "question": f"What is {wiki_docs[0].title}?", "answer": first},  # passes both
        {"id": 1, "document": doc, "question": "What does the <div> tag contain?", "answer": first},  # markup question
        {"id": 2, "document": doc, "question": "Who won the 1998 World Cup?", "answer": "France beat Brazil 3-0."},
        {"id": 3, "document": doc, "question": f"Tell me about {wiki_docs[0].title}.", "answer": first},  # passes both
    ]
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    (tmp_path / "combine.py").write_text(COMBINE)
    outputs = {}
    for mode in ("tag", "drop"):
        done = subprocess.run(
            [sys.executable, str(tmp_path / "combine.py"), str(tmp_path / "rows.json"), str(tmp_path / mode), mode],
            capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        line = next(line for line in done.stdout.splitlines() if line.startswith("ROWS="))
        outputs[mode] = json.loads(line[len("ROWS="):])
    tagged = {r["id"]: r for r in outputs["tag"]}
    assert tagged[1][A] is False and tagged[1][G] is True
    assert tagged[2][G] is False and tagged[2][A] is True
    assert [i for i, r in tagged.items() if schema.combined_keep(r)] == [0, 3]
    assert [r["id"] for r in outputs["drop"]] == [0, 3]
    assert all(r[schema.KEEP] is True for r in outputs["drop"])
