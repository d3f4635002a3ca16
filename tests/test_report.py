"""The bias report: hand-checkable statistics, real Wikipedia documents, bad input, and a real Pipeline run."""

import json
import random
from collections import Counter

import numpy as np
import pytest

from distilabel_qabias import schema
from distilabel_qabias.report import BiasReport, build_report
from distilabel_qabias.text.segment import split_sentences

WORDS = ["alpha", "bravo", "cello", "delta", "ethos", "fjord", "gecko", "hotel", "india", "julep"]
# Ten sentences of equal length: sentence i sits in position decile i.
TEN = " ".join(f"The word {w} is here." for w in WORDS)


def _rows(document, evidence, **columns):
    rows = [{"document": document, "question": f"question {i}?", schema.EVIDENCE_SENTENCE: e} for i, e in enumerate(evidence)]
    for name, values in columns.items():
        for row, value in zip(rows, values):
            row[name] = value
    return rows


def test_fixture_document_splits_into_ten_equal_sentences():
    sentences = split_sentences(TEN)
    assert len(sentences) == 10
    assert len({s.end - s.start for s in sentences}) == 1


def test_all_questions_on_first_sentence():
    report = build_report(_rows(TEN, [0] * 6))
    s = report.summary
    assert s["mean_coverage"] == pytest.approx(1 / 10)
    assert s["mean_gini"] == pytest.approx(9 / 10)
    assert s["mean_entropy"] == pytest.approx(0.0)
    assert s["mean_top10_share"] == pytest.approx(1.0)
    assert report.span_hits == [6] * 6
    assert report.position["observed_share"][0] == pytest.approx(1.0)
    assert report.position["expected_share"] == pytest.approx([0.1] * 10)
    assert report.position["first_bin_ratio"] == pytest.approx(10.0)
    # saturation stays at 1/10 while the uniform reference keeps growing: 1 - 0.9^k
    assert report.saturation["mean_coverage"] == pytest.approx([0.1] * 6)
    assert report.saturation["uniform_coverage"] == pytest.approx([1 - 0.9**k for k in range(1, 7)])
    assert report.hotspots[0]["sentence"] == 0 and report.hotspots[0]["hits"] == 6
    assert report.hotspots[0]["example_question"] == "question 0?"


def test_uniform_hits_spread_evenly():
    report = build_report(_rows(TEN, list(range(10)) * 3))
    assert report.summary["mean_coverage"] == 1.0
    assert report.summary["mean_gini"] == pytest.approx(0.0)
    assert report.summary["mean_entropy"] == pytest.approx(1.0)
    assert report.position["ratio"] == pytest.approx([1.0] * 10)
    assert report.span_hits == [3] * 30


def test_span_hits_are_per_document_and_sentence():
    other = "Zebras live in Africa. They have stripes. Some are endangered."
    rows = _rows(TEN, [0, 0, 1, None]) + _rows(other, [0, 2])
    report = build_report(rows)
    assert report.span_hits == [2, 2, 1, 0, 1, 1]
    assert report.summary["documents"] == 2
    assert report.summary["rows_without_hit"] == 1


def test_document_id_column_groups_rows():
    rows = _rows(TEN, [0, 0, 3, 3], doc_id=["a", "a", "b", None])
    by_text = build_report(rows)
    by_id = build_report(rows, document_id_column="doc_id")
    assert by_text.summary["documents"] == 1 and by_text.span_hits == [2, 2, 2, 2]
    # a row without an id falls back to its text: a third document
    assert by_id.summary["documents"] == 3 and by_id.span_hits == [2, 2, 1, 1]
    assert {d["document"] for d in by_id.per_document} >= {"a", "b"}


def test_prompts_hitting_disjoint_sentences_do_not_converge():
    rows = _rows(TEN, [0, 1, 0, 5, 6, 5], prompt=["summary"] * 3 + ["creative"] * 3)
    conv = build_report(rows, prompt_column="prompt").convergence
    assert conv["mean_pairwise_jaccard"] == 0.0
    assert conv["hotspot_agreement"] == 0.0
    assert conv["hotspot_pairs"] == 1
    assert conv["prompts"]["summary"]["hit_rows"] == 3
    assert conv["prompts"]["creative"]["mean_coverage"] == pytest.approx(2 / 10)
    same = build_report(_rows(TEN, [0, 1, 0, 1], prompt=["a", "a", "b", "b"]), prompt_column="prompt").convergence
    assert same["mean_pairwise_jaccard"] == 1.0 and same["hotspot_agreement"] == 1.0


def test_exposure_shown_four_times_hit_twice():
    sentences = split_sentences(TEN)
    shown = sentences[3]
    # four rows were shown only sentence 3 and two of them drew on it; a fifth saw sentences 0-1 but hit 9
    rows = _rows(TEN, [3, 3, None, None, 9], cs=[shown.start] * 4 + [0], ce=[shown.end] * 4 + [sentences[1].end])
    report = build_report(rows, chunk_start_column="cs", chunk_end_column="ce")
    exp = report.exposure
    assert exp["exposures"] == 4 + 2
    assert exp["hits_inside_chunk"] == 2
    assert exp["hits_outside_chunk"] == 1
    assert exp["hits_per_exposure_by_bin"][3] == pytest.approx(0.5)
    assert exp["hits_per_exposure_by_bin"][0] == pytest.approx(0.0)
    assert np.isnan(exp["hits_per_exposure_by_bin"][5])  # never shown
    assert exp["mean_sentence_hits_per_exposure"] == pytest.approx((0.5 + 0 + 0) / 3)
    # the columns the self-study pipeline writes are picked up without configuration
    recorded = [{**r, schema.CHUNK_START: r.pop("cs"), schema.CHUNK_END: r.pop("ce")} for r in rows]
    assert build_report(recorded).to_dict()["exposure"] == report.to_dict()["exposure"]


def test_grounded_false_rows_are_not_hits():
    rows = _rows(TEN, [0, 1, 2], **{schema.GROUNDED: [True, False, None]})
    report = build_report(rows)
    assert report.span_hits == [1, 0, 1]
    assert report.summary["hit_rows"] == 2
    assert build_report(rows, grounded_only=False).summary["hit_rows"] == 3


def test_evidence_index_outside_segmentation_falls_back_to_offsets():
    sentences = split_sentences(TEN)
    rows = _rows(TEN, [42, 42], **{schema.EVIDENCE_START: [sentences[4].start + 2, None], schema.EVIDENCE_END: [sentences[4].end, None]})
    report = build_report(rows)
    assert report.span_hits == [1, 0]
    assert report.summary["row_problems"] == {
        "evidence sentence outside the document's segmentation": 1,
        "evidence sentence re-resolved from offsets": 1,
    }


def test_artifact_hijack_and_salience():
    text = "## Overview\nThe word alpha is here. The word bravo is here. The word cello is here. The word delta is here."
    sentences = split_sentences(text)
    heading_sentence = next(s.index for s in sentences if "Overview" in s.text)
    artifacts = [
        {"field": "document", "type": "markdown_heading", "start": 0, "end": 11, "removed": False},
        {"field": "document", "type": "html_tag", "start": 30, "end": 40, "removed": True},  # indexes other text
        {"field": "question", "type": "html_tag", "start": 0, "end": 3, "removed": False},  # other field
    ]
    evidence = [heading_sentence] * 4 + [len(sentences) - 1]
    rows = _rows(text, evidence, **{schema.ARTIFACTS: [artifacts] * 5})
    report = build_report(rows)
    art = report.artifacts
    assert art["spans"] == 1 and art["removed_spans_ignored"] == 5
    assert art["text_share"] == pytest.approx(11 / len(text))
    assert art["qa_share"] == pytest.approx(4 / 5)
    assert art["sentence_share"] == pytest.approx(1 / len(sentences))
    assert art["ratio_to_text_share"] == pytest.approx((4 / 5) / (11 / len(text)))
    heading = report.salience["heading"]
    assert heading["sentences"] == 1 and heading["hits_per_sentence"] == 4
    plain_rate = report.salience["plain"]["hits_per_sentence"]
    assert plain_rate == pytest.approx(1 / (len(sentences) - 1))
    assert heading["hits_lift"] == pytest.approx(4 / plain_rate)
    # one document: every sentence is its position bin's only sentence, so position explains all hits
    assert heading["position_adjusted_lift"] == pytest.approx(1.0)
    assert any("removed by scrubbing" in note for note in report.notes)


def test_dedup_statistics():
    rows = _rows(TEN, [0, 0, 0, 1, 2], prompt=["a", "b", "a", "a", "b"])
    for row, cluster, keep in zip(rows, [0, 0, 1, 1, 2], [True, False, True, False, True]):
        row[schema.CLUSTER_ID] = cluster
        row[schema.KEEP_CONVERGENCE] = keep
    dedup = build_report(rows, prompt_column="prompt").dedup
    assert dedup["duplicates"] == 2 and dedup["duplicate_rate"] == pytest.approx(0.4)
    assert dedup["clusters"] == 3 and dedup["multi_row_clusters"] == 2
    assert dedup["cluster_size_distribution"]["1"] == 1 and dedup["cluster_size_distribution"]["2"] == 2
    assert dedup["cross_prompt_clusters"] == 1 and dedup["cross_prompt_share"] == pytest.approx(0.5)


# --- bad input ---------------------------------------------------------------------------------


def test_bad_rows_are_counted_not_fatal():
    rows = _rows(TEN, [0, 1]) + [
        {"document": None, "question": "q", schema.EVIDENCE_SENTENCE: 0},
        {"document": 12345, "question": "q", schema.EVIDENCE_SENTENCE: 0},
        {"document": b"\x00\xff", "question": "q", schema.EVIDENCE_SENTENCE: 0},
        {"document": "   ", "question": "q", schema.EVIDENCE_SENTENCE: 0},
        {"document": TEN, "question": "q", schema.EVIDENCE_SENTENCE: "three"},
        {"document": TEN, "question": "q", schema.EVIDENCE_SENTENCE: 2.0},  # float from a parquet round trip
        {"document": TEN, "question": "q", schema.EVIDENCE_SENTENCE: float("nan")},  # pandas null: no evidence
    ]
    report = build_report(rows)
    assert report.span_hits == [1, 1, 0, 0, 0, 0, 0, 1, 0]
    assert report.summary["row_problems"] == {
        "empty document": 1,
        "evidence sentence is not an integer": 1,
        "missing document": 1,
        "non-string document": 2,
    }
    assert any("non-string document" in note for note in report.notes)
    json.dumps(report.to_dict(), allow_nan=False)


def test_empty_dataset_reports_so(tmp_path):
    report = build_report([])
    assert report.is_empty and report.summary["rows"] == 0
    markdown = report.to_markdown()
    assert "## QA bias report" in markdown and "empty" in markdown
    written = report.write(tmp_path)
    assert set(written) == {"json", "markdown"}
    assert json.loads(written["json"].read_text())["summary"]["rows"] == 0


def test_no_usable_evidence_reports_so():
    report = build_report(_rows(TEN, [None, None]))
    assert report.is_empty and report.saturation is None
    assert "TagSpanCoverage" in report.to_markdown()


def test_missing_columns_are_named():
    with pytest.raises(schema.MissingColumnsError) as error:
        build_report([{"text": TEN, schema.EVIDENCE_SENTENCE: 0}])
    assert "'document'" in str(error.value) and "'text'" in str(error.value)
    with pytest.raises(schema.MissingColumnsError, match="prompt"):
        build_report(_rows(TEN, [0]), prompt_column="prompt")
    with pytest.raises(ValueError, match="both"):
        build_report(_rows(TEN, [0]), chunk_start_column="cs")


# --- real Wikipedia documents -------------------------------------------------------------------


def _synthetic_qa(docs, policy, rng, questions=8, chunk=220):
    rows = []
    for doc in docs:
        n = len(split_sentences(doc.text))
        for q in range(questions):
            sentence = 0 if policy == "lead" and rng.random() < 0.7 else rng.randrange(n)
            start = rng.randrange(max(1, len(doc.text) - chunk))
            rows.append(
                {
                    "document": doc.text,
                    "question": f"What about {doc.title} ({q})?",
                    "prompt": rng.choice(["question", "summarization", "creative"]),
                    schema.EVIDENCE_SENTENCE: sentence,
                    "chunk_start": start,
                    "chunk_end": start + chunk,
                }
            )
    return rows


def test_wikipedia_lead_bias_is_exposed(wiki_docs, tmp_path):
    rng = random.Random(7)
    options = dict(prompt_column="prompt", chunk_start_column="chunk_start", chunk_end_column="chunk_end")
    uniform = build_report(_synthetic_qa(wiki_docs, "uniform", rng), **options)
    lead = build_report(_synthetic_qa(wiki_docs, "lead", rng), **options)

    # Uniform evidence matches its own reference; the lead-biased policy falls short of it.
    us, ls = uniform.summary, lead.summary
    assert us["mean_coverage"] == pytest.approx(us["uniform_mean_coverage"], abs=0.03)
    assert ls["mean_coverage"] < ls["uniform_mean_coverage"] - 0.15
    assert ls["mean_gini"] > us["mean_gini"] + 0.2
    assert lead.position["first_bin_ratio"] > 2 and 0.75 < uniform.position["first_bin_ratio"] < 1.25
    assert ls["mean_position"] < us["mean_position"] - 0.15
    assert lead.convergence["hotspot_agreement"] > uniform.convergence["hotspot_agreement"]
    assert lead.convergence["jaccard_ratio_to_random"] > uniform.convergence["jaccard_ratio_to_random"]
    assert uniform.convergence["jaccard_ratio_to_random"] == pytest.approx(1.0, abs=0.1)

    # Uniform chunk starts under-expose both ends of a document.
    relative = uniform.exposure["relative_exposure_by_bin"]
    assert relative[0] < 0.8 * relative[5] and relative[9] < 0.8 * relative[5]

    # span hits agree with an independent count
    rows = _synthetic_qa(wiki_docs[:50], "lead", random.Random(3))
    expected = Counter((r["document"], r[schema.EVIDENCE_SENTENCE]) for r in rows)
    assert build_report(rows).span_hits == [expected[(r["document"], r[schema.EVIDENCE_SENTENCE])] for r in rows]

    written = lead.write(tmp_path / "lead")
    assert {"coverage_heat", "saturation", "position", "exposure", "json", "markdown"} == set(written)
    for name in ("coverage_heat", "saturation", "position", "exposure"):
        assert written[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(written["json"].read_text())
    assert data["summary"]["rows"] == len(wiki_docs) * 8
    markdown = written["markdown"].read_text()
    assert "![coverage heat strip](coverage_heat.png)" in markdown  # relative to report.md
    assert "### Convergence across seed prompts" in markdown and "### Exposure" in markdown
    assert "would reach" in markdown and "as often as the average position" in markdown  # findings
    card = lead.to_markdown(image_prefix="artifacts/step/qabias_report/")
    assert "](artifacts/step/qabias_report/position_histogram.png)" in card


def test_markdown_omits_sections_without_inputs(wiki_docs):
    rows = _synthetic_qa(wiki_docs[:20], "uniform", random.Random(1))
    for row in rows:
        del row["prompt"], row["chunk_start"], row["chunk_end"]
    markdown = build_report(rows).to_markdown()
    assert "| mean coverage per document |" in markdown and "### Salience" in markdown
    assert "Convergence" not in markdown and "Exposure" not in markdown and "position_exposure" not in markdown


# --- the Step -----------------------------------------------------------------------------------


def test_step_process_tags_rows_and_keeps_report():
    from distilabel_qabias import QABiasReport

    step = QABiasReport()
    step.load()
    rows = _rows(TEN, [0, 0, 4, None])
    out = next(step.process([dict(r) for r in rows]))
    assert [r["question"] for r in out] == [r["question"] for r in rows]
    assert [r[schema.SPAN_HITS] for r in out] == [2, 2, 1, 0]
    assert isinstance(step.report, BiasReport) and step.report.summary["hit_rows"] == 3
    with pytest.raises(schema.MissingColumnsError):
        next(QABiasReport(document_column="context").process([dict(r) for r in rows]))


def test_step_in_pipeline_saves_artifact(wiki_docs, tmp_path):
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts

    from distilabel_qabias import QABiasReport

    rows = _synthetic_qa(wiki_docs[:30], "lead", random.Random(5), questions=4)
    with Pipeline(name="qabias-report-test", cache_dir=tmp_path / "cache") as pipeline:
        load = LoadDataFromDicts(data=rows, batch_size=16)
        report = QABiasReport(prompt_column="prompt")
        load >> report
    distiset = pipeline.run(use_cache=False)

    out = distiset["default"]["train"]
    assert out["question"] == [r["question"] for r in rows]
    expected = Counter((r["document"], r[schema.EVIDENCE_SENTENCE]) for r in rows)
    assert out[schema.SPAN_HITS] == [expected[(r["document"], r[schema.EVIDENCE_SENTENCE])] for r in rows]

    folder = distiset.artifacts_path / report.name / "qabias_report"
    markdown = (folder / "report.md").read_text()
    assert markdown.startswith("## QA bias report")
    assert "| metric | value | reading |" in markdown and "| prompt | rows |" in markdown
    assert (folder / "coverage_heat.png").exists() and (folder / "report.json").exists()
    metadata = distiset._get_artifacts_metadata()[report.name][0]
    assert metadata["name"] == "qabias_report"
    assert metadata["metadata"]["rows"] == len(rows)
    assert 0 < metadata["metadata"]["mean_coverage"] <= 1
    card = str(distiset._get_card(repo_id="someone/qa"))  # the card distilabel pushes with the dataset
    assert "**Artifact name**: `qabias_report`" in card and "`mean_coverage`:" in card


def test_position_adjusted_salience_lift_on_wikipedia(wiki_docs):
    """A policy that favours sentences with numbers shows a lift; a lead-biased one that ignores them does not."""

    def number_lift(policy):
        rng, rows = random.Random(1), []
        for doc in wiki_docs:
            sentences = split_sentences(doc.text)
            weights = [4 if any(ch.isdigit() for ch in s.text) else 1 for s in sentences]
            for _ in range(8):
                if policy == "numbers":
                    index = rng.choices(range(len(sentences)), weights)[0]
                else:
                    index = 0 if rng.random() < 0.7 else rng.randrange(len(sentences))
                rows.append({"document": doc.text, schema.EVIDENCE_SENTENCE: index})
        return build_report(rows).salience["number"]

    favoured, lead = number_lift("numbers"), number_lift("lead")
    assert favoured["hits_lift"] > 1.6 and favoured["position_adjusted_lift"] > 1.6
    # lead sentences of Wikipedia carry fewer numbers than later ones: the raw lift misleads, the adjusted one does not
    assert abs(lead["position_adjusted_lift"] - 1) < abs(lead["hits_lift"] - 1)
    assert 0.85 < lead["position_adjusted_lift"] < 1.2
