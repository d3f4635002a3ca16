"""`QABiasReport` as a distilabel GlobalStep: columns read from rows, input mappings, keep flags after
`CombineOutputs`, the readable default name, and the artifact the card shows."""

import json
import random
from collections import Counter

import pytest
from distilabel.pipeline import Pipeline
from distilabel.steps import CombineOutputs, LoadDataFromDicts
from distilabel.utils.docstring import parse_google_docstring

from distilabel_qabias import QABiasReport, schema
from distilabel_qabias.errors import InputError
from distilabel_qabias.report import BiasReport
from distilabel_qabias.text.segment import split_sentences

TEN = " ".join(f"The word {w} is here." for w in ["alpha", "bravo", "cello", "delta", "ethos", "fjord", "gecko", "hotel", "india", "julep"])

EIFFEL = (
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. "
    "It is named after the engineer Gustave Eiffel, whose company designed and built it. "
    "It was constructed from 1887 to 1889 as the centrepiece of the 1889 World's Fair. "
    "The tower is 330 metres tall."
)


def _rows(document, evidence, **columns):
    rows = [{"document": document, "question": f"question {i}?", schema.EVIDENCE_SENTENCE: e} for i, e in enumerate(evidence)]
    for name, values in columns.items():
        for row, value in zip(rows, values):
            row[name] = value
    return rows


def _qa_rows(wiki_docs, n_docs=30, questions=4, seed=5):
    rng, rows = random.Random(seed), []
    for doc in wiki_docs[:n_docs]:
        n = len(split_sentences(doc.text))
        for q in range(questions):
            rows.append({
                "document": doc.text,
                "question": f"What about {doc.title} ({q})?",
                "prompt": rng.choice(["question", "summarization", "creative"]),
                schema.EVIDENCE_SENTENCE: 0 if rng.random() < 0.7 else rng.randrange(n),
            })
    return rows


def test_process_tags_rows_and_keeps_the_report():
    step = QABiasReport()
    step.load()
    rows = _rows(TEN, [0, 0, 4, None])
    out = next(step.process([dict(r) for r in rows]))
    assert [r["question"] for r in out] == [r["question"] for r in rows]
    assert [r[schema.SPAN_HITS] for r in out] == [2, 2, 1, 0]
    assert isinstance(step.report, BiasReport) and step.report.coverage.hit_rows == 3
    assert schema.KEEP not in out[0]  # no keep flags on the rows: nothing to recompute
    with pytest.raises(schema.MissingColumnsError) as error:
        next(QABiasReport(document_column="context").process([dict(r) for r in rows]))
    assert "'context'" in str(error.value) and "'document'" in str(error.value)
    with pytest.raises(schema.MissingColumnsError, match="prompt"):
        next(QABiasReport(prompt_column="prompt").process([dict(r) for r in rows]))
    with pytest.raises(InputError, match="both"):
        next(QABiasReport(chunk_start_column="cs").process([dict(r) for r in rows]))


def test_non_text_documents_are_set_aside_and_counted():
    rows = _rows(TEN, [0, 1]) + [
        {"document": None, "question": "q", schema.EVIDENCE_SENTENCE: 0},
        {"document": 12345, "question": "q", schema.EVIDENCE_SENTENCE: 0},
        {"document": b"\x00\xff", "question": "q", schema.EVIDENCE_SENTENCE: 0},
        {"document": "   ", "question": "q", schema.EVIDENCE_SENTENCE: 0},
        {"document": "\ud800 lone surrogate.", "question": "q", schema.EVIDENCE_SENTENCE: 0},
    ]
    step = QABiasReport()
    step.load()
    out = next(step.process(rows))
    assert [r[schema.SPAN_HITS] for r in out] == [1, 1, 0, 0, 0, 0, 0]
    assert step.report.coverage.row_problems == {"empty document": 1, "missing document": 1, "non-string document": 3}
    # the user's value is kept, the cell is emptied so distilabel's writer cannot die on it
    assert out[3]["document"] is None and json.loads(out[3][schema.NON_TEXT_CELLS]) == {"document": 12345}


def test_rows_carrying_target_and_keep_columns_fill_those_sections():
    rows = _rows(TEN, [2, 3, 0], **{
        schema.TARGET_SENTENCE: [2, 2, 7],
        schema.KEEP_GROUNDING: [True, True, False],
        schema.KEEP: [True, True, True],  # stale, as after CombineOutputs
    })
    step = QABiasReport()
    step.load()
    out = next(step.process(rows))
    assert [r[schema.KEEP] for r in out] == [True, True, False]
    report = step.report
    assert report.keep.kept == 2 and report.keep.rejected_by == {schema.KEEP_GROUNDING: 1}
    assert report.targets.on_target == 1 and report.targets.within_one == 2
    assert step._card_metadata(report)["targets.on_target_share"] == pytest.approx(1 / 3, abs=1e-3)


def test_recorded_chunk_columns_are_picked_up_without_configuration():
    sentences = split_sentences(TEN)
    shown = sentences[3]
    rows = _rows(TEN, [3, 3, None, None], **{schema.CHUNK_START: [shown.start] * 4, schema.CHUNK_END: [shown.end] * 4})
    configured = [{**r, "cs": r[schema.CHUNK_START], "ce": r[schema.CHUNK_END]} for r in rows]
    explicit = QABiasReport(chunk_start_column="cs", chunk_end_column="ce").build(configured)
    default = QABiasReport().build(rows)
    assert default.config.chunk_start_column == schema.CHUNK_START
    assert default.exposure.to_dict() == explicit.exposure.to_dict()
    assert default.exposure.hits_per_exposure == pytest.approx(2 / 4)


def test_docstring_and_declared_columns():
    doc = parse_google_docstring(QABiasReport)
    assert doc["categories"] == ["save"]
    assert "Self-Study Reconsidered" in str(doc["references"])
    step = QABiasReport(prompt_column="prompt")
    inputs = step.inputs
    assert inputs["document"] is True and inputs[schema.EVIDENCE_SENTENCE] is True and inputs["prompt"] is True
    for column in ("question", schema.GROUNDED, schema.EVIDENCE_START, schema.EVIDENCE_END, schema.ARTIFACTS,
                   schema.CLUSTER_ID, schema.TARGET_SENTENCE, schema.CHUNK_START, schema.CHUNK_END, schema.KEEP_GROUNDING):
        assert inputs[column] is False, column
    # every documented input column parses (one line each)
    for column in ("question", schema.GROUNDED, schema.TARGET_SENTENCE, schema.CLUSTER_ID, schema.EVIDENCE_END):
        assert column in doc["input_columns"], column


def test_in_pipeline_with_combine_outputs_keep_is_the_and_of_every_flag(wiki_docs, tmp_path):
    """[ScrubArtifacts, TagSpanCoverage] >> CombineOutputs >> QABiasReport: a markup question or an
    ungrounded answer comes out with qabias_keep False whichever branch was merged last."""
    from distilabel_qabias import ScrubArtifacts, TagSpanCoverage

    rows = [
        {"document": EIFFEL, "question": "When was the Eiffel Tower built?", "answer": "From 1887 to 1889."},
        {"document": EIFFEL, "question": "What does the <b> tag in the text mean?", "answer": "The <b> tag marks bold text."},
        {"document": EIFFEL, "question": "What is the capital of Peru?", "answer": "Lima is the capital of Peru."},
        {"document": EIFFEL, "question": "How tall is the tower?", "answer": "It is 330 metres tall."},
    ]
    with Pipeline(name="qabias-report-combine", cache_dir=tmp_path / "cache") as pipeline:
        load = LoadDataFromDicts(data=rows, batch_size=4)
        scrub = ScrubArtifacts(columns=["question", "answer"], mode="tag", markup_question_columns=["question", "answer"])
        coverage = TagSpanCoverage()
        report = QABiasReport()
        load >> [scrub, coverage] >> CombineOutputs() >> report
    distiset = pipeline.run(use_cache=False)
    assert report.name == "qabias_report"

    out = distiset["default"]["train"].to_list()
    assert [r["question"] for r in out] == [r["question"] for r in rows]
    by_question = {r["question"]: r for r in out}
    markup = by_question["What does the <b> tag in the text mean?"]
    assert markup[schema.KEEP_ARTIFACT] is False and markup[schema.KEEP] is False
    peru = by_question["What is the capital of Peru?"]
    assert peru[schema.GROUNDED] is False and peru[schema.KEEP] is False
    good = by_question["How tall is the tower?"]
    assert good[schema.KEEP] is True and good[schema.GROUNDED] is True
    assert all(r[schema.KEEP] == schema.combined_keep(r) for r in out)

    folder = distiset.artifacts_path / "qabias_report" / "qabias_report"
    data = json.loads((folder / "report.json").read_text())
    assert data["keep"]["kept"] == sum(r[schema.KEEP] for r in out)
    assert data["grounding"]["ungrounded"] >= 1
    card = str(distiset._get_card(repo_id="someone/qa"))  # the card distilabel pushes with the dataset
    assert "q_a_bias_report" not in card and "artifacts/qabias_report/qabias_report/report.md" in card


def test_in_pipeline_with_input_mappings_and_two_reports(wiki_docs, tmp_path):
    """Columns under other names reach the report through distilabel's input_mappings; a renamed
    grounding flag is honoured (ungrounded rows are not hits) and two reports get distinct names."""
    rows = _qa_rows(wiki_docs)
    for i, row in enumerate(rows):
        row["instruction"] = row.pop("question")
        row["is_grounded"] = i % 4 != 0  # every fourth row ungrounded
    with Pipeline(name="qabias-report-mappings", cache_dir=tmp_path / "cache") as pipeline:
        load = LoadDataFromDicts(data=rows, batch_size=16)
        mapped = QABiasReport(
            prompt_column="prompt", input_mappings={"question": "instruction", schema.GROUNDED: "is_grounded"}
        )
        unmapped = QABiasReport()
        load >> [mapped, unmapped]
    assert (mapped.name, unmapped.name) == ("qabias_report", "qabias_report_1")
    distiset = pipeline.run(use_cache=False)

    reports = {
        name: json.loads((distiset.artifacts_path / name / "qabias_report" / "report.json").read_text())
        for name in ("qabias_report", "qabias_report_1")
    }
    hits = sum(1 for r in rows if r[schema.EVIDENCE_SENTENCE] is not None)
    ungrounded = sum(1 for r in rows if not r["is_grounded"])
    assert reports["qabias_report"]["summary"]["hit_rows"] == hits - ungrounded
    assert reports["qabias_report"]["grounding"]["ungrounded"] == ungrounded
    assert reports["qabias_report"]["hotspots"][0]["example_question"].startswith("What about")
    # without the mapping there is no grounding flag: every hit counts, and the report says so
    assert reports["qabias_report_1"]["summary"]["hit_rows"] == hits
    assert any("qabias_grounded" in note for note in reports["qabias_report_1"]["notes"])

    for config in distiset.values():
        out = config["train"]
        assert "instruction" in out.column_names and "question" not in out.column_names
        assert schema.GROUNDED not in out.column_names  # the mapping is undone on the way out
    expected = Counter((r["document"], r[schema.EVIDENCE_SENTENCE]) for r in rows)
    unmapped_rows = distiset["qabias_report_1"]["train"]
    assert unmapped_rows[schema.SPAN_HITS] == [expected[(r["document"], r[schema.EVIDENCE_SENTENCE])] for r in rows]


def test_in_pipeline_saves_the_artifact_shown_in_the_card(wiki_docs, tmp_path):
    rows = _qa_rows(wiki_docs)
    with Pipeline(name="qabias-report-test", cache_dir=tmp_path / "cache") as pipeline:
        load = LoadDataFromDicts(data=rows, batch_size=16)
        report = QABiasReport(prompt_column="prompt")
        load >> report
    distiset = pipeline.run(use_cache=False)

    out = distiset["default"]["train"]
    assert out["question"] == [r["question"] for r in rows]
    expected = Counter((r["document"], r[schema.EVIDENCE_SENTENCE]) for r in rows)
    assert out[schema.SPAN_HITS] == [expected[(r["document"], r[schema.EVIDENCE_SENTENCE])] for r in rows]

    folder = distiset.artifacts_path / "qabias_report" / "qabias_report"
    markdown = (folder / "report.md").read_text()
    assert markdown.startswith("## QA bias report")
    assert "| metric | value | reading |" in markdown and "| prompt | rows |" in markdown
    assert (folder / "coverage_heat.png").exists() and (folder / "report.json").exists()
    metadata = distiset._get_artifacts_metadata()["qabias_report"][0]
    assert metadata["name"] == "qabias_report"
    assert metadata["metadata"]["rows"] == len(rows)
    assert 0 < metadata["metadata"]["mean_coverage"] <= 1
    card = str(distiset._get_card(repo_id="someone/qa"))
    assert "**Artifact name**: `qabias_report`" in card and "`mean_coverage`:" in card
