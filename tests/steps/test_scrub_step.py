"""ScrubArtifacts: direct calls on real documents, modes, flags, bad input, and a real Pipeline."""

import pytest
from distilabel.pipeline import Pipeline
from distilabel.steps import LoadDataFromDicts

from distilabel_qabias import schema
from distilabel_qabias.errors import QABiasError
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


def test_remove_mode_rewrites_in_place_and_offsets_index_the_original(dirty_rows):
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


def test_output_columns_keep_the_original_column(dirty_rows):
    step = ScrubArtifacts(output_columns={"document": "document_scrubbed"})
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


def test_bad_cells_are_tagged_not_raised(wiki_docs):
    rows = [{"document": None}, {"document": b"\x00\xff binary"}, {"document": 42}, {"document": ""}, {"document": " \n\t"},
            {"document": "\x00\x01" + wiki_docs[1].text}]
    out = run_step(ScrubArtifacts(), rows)
    assert len(out) == 6
    assert [r[schema.ARTIFACTS][0]["type"] for r in out[:5]] == ["missing", "not_text", "not_text", "empty", "empty"]
    # one rule for unusable text: missing, not text and blank all flag the row
    assert [r[schema.KEEP_ARTIFACT] for r in out] == [False, False, False, False, False, True]
    assert [r[schema.KEEP] for r in out] == [False, False, False, False, False, True]
    # non-text values are set aside as JSON so distilabel's writer never sees them
    assert out[1]["document"] is None and "binary" in out[1][schema.NON_TEXT_CELLS]
    assert out[2]["document"] is None and out[2][schema.NON_TEXT_CELLS] == '{"document": 42}'
    assert out[3]["document"] == "" and out[5]["document"] == wiki_docs[1].text


def test_lone_surrogates_are_repaired_in_remove_mode_and_set_aside_in_tag_mode(wiki_docs):
    text = wiki_docs[3].text
    rows = [{"document": text[:40] + "\ud800" + text[40:]}]
    removed = run_step(ScrubArtifacts(), rows)[0]
    # ftfy's repair: a lone surrogate becomes U+FFFD, the mark of a lost character
    assert removed["document"] == text[:40] + "\ufffd" + text[40:] and schema.is_encodable(removed["document"])
    assert removed[schema.KEEP_ARTIFACT] is True
    assert [(e["type"], e["start"], e["end"]) for e in removed[schema.ARTIFACTS]] == [("mojibake", 40, 41)]
    tagged = run_step(ScrubArtifacts(mode="tag"), rows)[0]
    assert tagged["document"] is None and tagged[schema.ARTIFACTS][0]["type"] == "not_text"
    assert tagged[schema.KEEP_ARTIFACT] is False and "\\ud800" in tagged[schema.NON_TEXT_CELLS]


@pytest.mark.parametrize(
    "options, message",
    [
        ({"mode": "scrub"}, "mode 'scrub' was renamed to 'remove'"),
        ({"output_suffix": "_scrubbed"}, "`output_suffix` was replaced by `output_columns`"),
        ({"drop_rows": True}, "add a `DropFlaggedRows` step"),
    ],
)
def test_renamed_options_fail_with_one_line(options, message):
    with pytest.raises(QABiasError, match=message) as error:
        ScrubArtifacts(**options)
    assert "\n" not in str(error.value)


def test_scrubbing_twice_changes_nothing(dirty_rows):
    once = run_step(ScrubArtifacts(), dirty_rows)
    twice = run_step(ScrubArtifacts(columns=["document"], output_columns={"document": "again"}), once)
    assert [r["again"] for r in twice] == [r["document"] for r in once]
    assert all(not r[schema.ARTIFACTS] for r in twice)


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
