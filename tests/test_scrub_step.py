"""ScrubArtifacts: direct calls on real documents, modes, flags, bad input, and a real Pipeline."""

import pytest
from distilabel.pipeline import Pipeline
from distilabel.steps import LoadDataFromDicts

from distilabel_qabias import schema
from evaluation.inject_artifacts import inject, normalise_whitespace
from distilabel_qabias.steps.scrub import ScrubArtifacts


def run_step(step, rows):
    step.load()
    return next(step.process([dict(r) for r in rows]))


@pytest.fixture(scope="module")
def dirty_rows(wiki_docs):
    rows = []
    for i, doc in enumerate(wiki_docs[:20]):
        injected = inject(doc.text, ["html_inline", "wiki_citation", "boilerplate_footer"], seed=i)
        rows.append({"id": i, "document": injected.corrupted, "clean": doc.text, "kinds": injected.kinds})
    return rows


TYPE_OF_KIND = {"html_inline": "html_tag", "wiki_citation": "wiki_citation", "boilerplate_footer": "boilerplate"}


def test_scrub_mode_rewrites_in_place_and_offsets_index_the_original(dirty_rows):
    out = run_step(ScrubArtifacts(), dirty_rows)
    assert [r["id"] for r in out] == list(range(len(dirty_rows)))
    for row, original in zip(out, dirty_rows):
        assert normalise_whitespace(row["document"]) == normalise_whitespace(row["clean"])
        entries = row[schema.ARTIFACTS]
        assert entries and all(e["field"] == "document" and e["removed"] is True for e in entries)
        assert {TYPE_OF_KIND[k] for k in row["kinds"]} <= {e["type"] for e in entries}
        for e in entries:  # offsets point into the text before scrubbing
            span = original["document"][e["start"]:e["end"]]
            if e["type"] == "html_tag":
                assert span.startswith("<") and span.endswith(">")
            if e["type"] == "wiki_citation":
                assert span.strip().startswith("[") and span.endswith("]")
        assert row[schema.KEEP_ARTIFACT] is True and row[schema.KEEP] is True


def test_tag_mode_records_without_rewriting(dirty_rows):
    out = run_step(ScrubArtifacts(mode="tag"), dirty_rows)
    for row, original in zip(out, dirty_rows):
        assert row["document"] == original["document"]
        assert row[schema.ARTIFACTS] and not any(e["removed"] for e in row[schema.ARTIFACTS])


def test_output_suffix_keeps_the_original_column(dirty_rows):
    step = ScrubArtifacts(output_suffix="_scrubbed")
    assert "document_scrubbed" in step.outputs
    out = run_step(step, dirty_rows[:3])
    for row, original in zip(out, dirty_rows):
        assert row["document"] == original["document"]
        assert normalise_whitespace(row["document_scrubbed"]) == normalise_whitespace(row["clean"])


def test_questions_about_markup_and_dominated_fields_are_flagged(wiki_docs):
    doc = wiki_docs[0].text
    rows = [
        {"document": doc, "question": "What does the <div> tag contain?", "answer": "The navigation menu."},
        {"document": doc, "question": "What is the URL of the link?", "answer": "https://example.org"},
        {"document": doc, "question": f"What is {wiki_docs[0].title} known for?", "answer": doc.split(".")[0] + "."},
        {"document": doc, "question": "<b></b><i></i>**?**", "answer": "<br>"},
    ]
    out = run_step(ScrubArtifacts(columns=["question", "answer"], mode="tag"), rows)
    assert [r[schema.KEEP_ARTIFACT] for r in out] == [False, False, True, False]
    assert [r[schema.KEEP] for r in out] == [False, False, True, False]
    kept = run_step(ScrubArtifacts(columns=["question", "answer"], drop_rows=True), rows)
    assert [r["question"] for r in kept] == [rows[2]["question"]]


def test_bad_cells_are_tagged_not_raised(wiki_docs):
    rows = [{"document": None}, {"document": b"\x00\xff binary"}, {"document": 42}, {"document": ""},
            {"document": "\x00\x01\ufffd" + wiki_docs[1].text}]
    out = run_step(ScrubArtifacts(), rows)
    assert len(out) == 5
    assert [r[schema.ARTIFACTS][0]["type"] for r in out[:3]] == ["missing", "not_text", "not_text"]
    assert [r[schema.KEEP_ARTIFACT] for r in out] == [False, False, False, True, True]
    assert out[1]["document"] == b"\x00\xff binary" and out[3]["document"] == ""
    assert out[4]["document"] == wiki_docs[1].text


def test_missing_column_lists_available_columns():
    with pytest.raises(schema.MissingColumnsError, match=r"missing column\(s\) 'document'.*available columns: 'id', 'text'"):
        run_step(ScrubArtifacts(), [{"id": 1, "text": "x"}])


def test_entries_for_other_fields_and_earlier_flags_are_kept(wiki_docs):
    rows = [{"document": "<b>Rome</b> " + wiki_docs[2].text, "question": "What is written in **bold** in the heading?"}]
    first = run_step(ScrubArtifacts(columns=["question"], mode="tag"), rows)
    assert first[0][schema.KEEP_ARTIFACT] is False
    second = run_step(ScrubArtifacts(columns=["document"]), first)
    entries = second[0][schema.ARTIFACTS]
    assert [(e["field"], e["type"], e["removed"]) for e in entries] == [
        ("question", "markdown_emphasis", False), ("question", "markdown_emphasis", False),
        ("document", "html_tag", True), ("document", "html_tag", True),
    ]
    assert second[0]["document"] == "Rome " + wiki_docs[2].text
    assert second[0][schema.KEEP_ARTIFACT] is False  # the earlier markup-question verdict survives


def test_runs_inside_a_pipeline_preserving_rows(wiki_docs):
    rows = []
    for i, doc in enumerate(wiki_docs[:12]):
        injected = inject(doc.text, ["html_block", "markdown_link", "invisible"], seed=i)
        rows.append({"id": i, "document": injected.corrupted, "clean": doc.text})
    rows.append({"id": 12, "document": None, "clean": None})
    with Pipeline(name="qabias-test-scrub") as pipeline:
        data = LoadDataFromDicts(data=rows, batch_size=5)
        data >> ScrubArtifacts(columns=["document"])
    ds = pipeline.run(use_cache=False)["default"]["train"]
    assert ds["id"] == list(range(13))
    for document, clean in zip(ds["document"][:12], ds["clean"][:12]):
        assert normalise_whitespace(document) == normalise_whitespace(clean)
    assert ds[schema.KEEP_ARTIFACT] == [True] * 12 + [False]
    assert ds[schema.ARTIFACTS][12][0]["type"] == "missing"
