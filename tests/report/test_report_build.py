"""Building the bias report from plain columns: hand-checkable statistics, real Wikipedia documents, bad input."""

import json
import random
from collections import Counter

import numpy as np
import pytest

from distilabel_qabias.report import BiasReport, ReportColumns, build_report, render_markdown, write_report
from distilabel_qabias.text.segment import split_sentences

WORDS = ["alpha", "bravo", "cello", "delta", "ethos", "fjord", "gecko", "hotel", "india", "julep"]
# Ten sentences of equal length: sentence i sits in position decile i.
TEN = " ".join(f"The word {w} is here." for w in WORDS)


def _columns(document, evidence, **columns):
    n = len(evidence)
    return dict(
        documents=[document] * n, evidence_sentences=list(evidence), questions=[f"question {i}?" for i in range(n)], **columns
    )


def _report(columns, **options) -> BiasReport:
    return build_report(ReportColumns(**columns), **options)


def _join(*parts):
    return {key: [v for part in parts for v in part[key]] for key in parts[0]}


def test_fixture_document_splits_into_ten_equal_sentences():
    sentences = split_sentences(TEN)
    assert len(sentences) == 10
    assert len({s.end - s.start for s in sentences}) == 1


def test_all_questions_on_first_sentence():
    report = _report(_columns(TEN, [0] * 6))
    assert report.coverage.mean_coverage == pytest.approx(1 / 10)
    assert report.concentration.mean_gini == pytest.approx(9 / 10)
    assert report.concentration.mean_entropy == pytest.approx(0.0)
    assert report.concentration.mean_top10_share == pytest.approx(1.0)
    assert report.span_hits == (6,) * 6
    assert report.position.observed_share[0] == pytest.approx(1.0)
    assert report.position.expected_share == pytest.approx([0.1] * 10)
    assert report.position.first_bin_ratio == pytest.approx(10.0)
    # saturation stays at 1/10 while the uniform reference keeps growing: 1 - 0.9^k
    assert report.saturation.mean_coverage == pytest.approx([0.1] * 6)
    assert report.saturation.uniform_coverage == pytest.approx([1 - 0.9**k for k in range(1, 7)])
    assert report.hotspots[0].sentence == 0 and report.hotspots[0].hits == 6
    assert report.hotspots[0].example_question == "question 0?"


def test_uniform_hits_spread_evenly():
    report = _report(_columns(TEN, list(range(10)) * 3))
    assert report.coverage.mean_coverage == 1.0
    assert report.concentration.mean_gini == pytest.approx(0.0)
    assert report.concentration.mean_entropy == pytest.approx(1.0)
    assert report.position.ratio == pytest.approx([1.0] * 10)
    assert report.span_hits == (3,) * 30


def test_span_hits_are_per_document_and_sentence():
    other = "Zebras live in Africa. They have stripes. Some are endangered."
    report = _report(_join(_columns(TEN, [0, 0, 1, None]), _columns(other, [0, 2])))
    assert report.span_hits == (2, 2, 1, 0, 1, 1)
    assert report.coverage.documents == 2
    assert report.coverage.rows_without_hit == 1


def test_document_ids_group_rows():
    by_text = _report(_columns(TEN, [0, 0, 3, 3]))
    by_id = _report(_columns(TEN, [0, 0, 3, 3], document_ids=["a", "a", "b", None]))
    assert by_text.coverage.documents == 1 and by_text.span_hits == (2, 2, 2, 2)
    # a row without an id falls back to its text: a third document
    assert by_id.coverage.documents == 3 and by_id.span_hits == (2, 2, 1, 1)
    assert {d.document for d in by_id.per_document} >= {"a", "b"}


def test_prompts_hitting_disjoint_sentences_do_not_converge():
    conv = _report(_columns(TEN, [0, 1, 0, 5, 6, 5], prompts=["summary"] * 3 + ["creative"] * 3)).convergence
    assert conv.mean_pairwise_jaccard == 0.0
    assert conv.hotspot_agreement == 0.0
    assert conv.hotspot_pairs == 1
    assert conv.prompts["summary"].hit_rows == 3
    assert conv.prompts["creative"].mean_coverage == pytest.approx(2 / 10)
    same = _report(_columns(TEN, [0, 1, 0, 1], prompts=["a", "a", "b", "b"])).convergence
    assert same.mean_pairwise_jaccard == 1.0 and same.hotspot_agreement == 1.0


def test_exposure_shown_four_times_hit_twice():
    sentences = split_sentences(TEN)
    shown = sentences[3]
    # four rows were shown only sentence 3 and two of them drew on it; a fifth saw sentences 0-1 but hit 9
    columns = _columns(
        TEN, [3, 3, None, None, 9], chunk_starts=[shown.start] * 4 + [0], chunk_ends=[shown.end] * 4 + [sentences[1].end]
    )
    exp = _report(columns).exposure
    assert exp.exposures == 4 + 2
    assert exp.hits_inside_chunk == 2
    assert exp.hits_outside_chunk == 1
    assert exp.hits_per_exposure_by_bin[3] == pytest.approx(0.5)
    assert exp.hits_per_exposure_by_bin[0] == pytest.approx(0.0)
    assert np.isnan(exp.hits_per_exposure_by_bin[5])  # never shown
    assert exp.mean_sentence_hits_per_exposure == pytest.approx((0.5 + 0 + 0) / 3)
    with pytest.raises(ValueError, match="both"):
        _report(_columns(TEN, [0], chunk_starts=[0]))


def test_grounded_false_rows_are_not_hits():
    columns = _columns(TEN, [0, 1, 2], grounded=[True, False, None], grounding_reasons=[None, "low_alignment", None])
    report = _report(columns)
    assert report.span_hits == (1, 0, 1)
    assert report.coverage.hit_rows == 2
    assert report.grounding.grounded == 1 and report.grounding.ungrounded == 1 and report.grounding.unknown == 1
    assert report.grounding.reasons == {"low_alignment": 1}
    from distilabel_qabias.report import ReportConfig

    assert _report(columns, config=ReportConfig(grounded_only=False)).coverage.hit_rows == 3


def test_missing_grounding_flag_is_said_not_silent():
    report = _report(_columns(TEN, [0, 1]))
    assert report.grounding is None
    assert any("qabias_grounded" in note for note in report.notes)
    assert "qabias_grounded" in render_markdown(report)


def test_evidence_index_outside_segmentation_falls_back_to_offsets():
    sentences = split_sentences(TEN)
    columns = _columns(TEN, [42, 42], evidence_starts=[sentences[4].start + 2, None], evidence_ends=[sentences[4].end, None])
    report = _report(columns)
    assert report.span_hits == (1, 0)
    assert report.coverage.row_problems == {
        "evidence sentence outside the document's segmentation": 1,
        "evidence sentence re-resolved from offsets": 1,
    }


def test_artifact_hijack_and_salience():
    text = "## Overview\nThe word alpha is here. The word bravo is here. The word cello is here. The word delta is here."
    sentences = split_sentences(text)
    heading_sentence = next(s.index for s in sentences if "Overview" in s.text)
    spans = [(0, 11, "markdown_heading", False), (30, 40, "html_tag", True)]  # the removed one indexes other text
    evidence = [heading_sentence] * 4 + [len(sentences) - 1]
    report = _report(_columns(text, evidence, artifacts=[spans] * 5))
    art = report.artifacts
    assert art.spans == 1 and art.removed_spans_ignored == 5
    assert art.text_share == pytest.approx(11 / len(text))
    assert art.qa_share == pytest.approx(4 / 5)
    assert art.sentence_share == pytest.approx(1 / len(sentences))
    assert art.ratio_to_text_share == pytest.approx((4 / 5) / (11 / len(text)))
    heading = report.salience["heading"]
    assert heading.sentences == 1 and heading.hits_per_sentence == 4
    plain_rate = report.salience["plain"].hits_per_sentence
    assert plain_rate == pytest.approx(1 / (len(sentences) - 1))
    assert heading.hits_lift == pytest.approx(4 / plain_rate)
    # one document: every sentence is its position bin's only sentence, so position explains all hits
    assert heading.position_adjusted_lift == pytest.approx(1.0)
    assert any("removed by scrubbing" in note for note in report.notes)


def test_dedup_statistics():
    columns = _columns(
        TEN, [0, 0, 0, 1, 2], prompts=["a", "b", "a", "a", "b"],
        cluster_ids=[0, 0, 1, 1, 2], keep_convergence=[True, False, True, False, True],
    )
    dedup = _report(columns).dedup
    assert dedup.duplicates == 2 and dedup.duplicate_rate == pytest.approx(0.4)
    assert dedup.clusters == 3 and dedup.multi_row_clusters == 2
    assert dedup.cluster_size_distribution["1"] == 1 and dedup.cluster_size_distribution["2"] == 2
    assert dedup.cross_prompt_clusters == 1 and dedup.cross_prompt_share == pytest.approx(0.5)
    # without cluster ids the JSON carries the duplicate counts only, as before
    flags_only = _report(_columns(TEN, [0, 1], keep_convergence=[True, False])).to_dict()["dedup"]
    assert flags_only == {"duplicates": 1, "duplicate_rate": 0.5}


def test_target_adherence_counts_exact_and_neighbouring_hits():
    # targets 2, 2, 5, 7, 9 and none; evidence 2 (on), 3 (next to it), 0 (far), no hit, 9 (on)
    columns = _columns(TEN, [2, 3, 0, None, 9, 4], target_sentences=[2, 2, 5, 7, 9, None])
    tgt = _report(columns).targets
    assert tgt.rows_with_target == 5 and tgt.rows_with_hit == 4
    assert tgt.on_target == 2 and tgt.within_one == 3
    assert tgt.on_target_share == pytest.approx(2 / 5) and tgt.within_one_share == pytest.approx(3 / 5)
    assert tgt.on_target_share_of_hits == pytest.approx(2 / 4)
    assert tgt.chance_on_target == pytest.approx(1 / 10)
    # sentences within one of targets 2, 2, 5, 9: 3, 3, 3, 2 of 10
    assert tgt.chance_within_one == pytest.approx((3 + 3 + 3 + 2) / 40)
    # a target index outside the segmentation is resolved from its offset
    sentences = split_sentences(TEN)
    moved = _report(_columns(TEN, [6], target_sentences=[99], target_starts=[sentences[6].start])).targets
    assert moved.on_target == 1
    assert _report(_columns(TEN, [0])).targets is None


def test_keep_flags_and_instruction_spans():
    columns = _columns(
        TEN, [0, 1, 2],
        kept=[True, False, False], rejected_by={"keep_row_after_artifact_filtering": 1, "keep_row_after_grounding_filtering": 2},
        instruction_spans=[[(0, 5, "model_address")], [(0, 5, "model_address")], None],
    )
    report = _report(columns)
    assert report.keep.kept == 1 and report.keep.kept_share == pytest.approx(1 / 3)
    assert report.keep.rejected_by["keep_row_after_grounding_filtering"] == 2
    # the spans belong to the document: counted once, not once per row
    assert report.instructions.documents_scanned == 1 and report.instructions.spans == 1
    markdown = render_markdown(report)
    assert "### Keep flags" in markdown and "rejected by keep_row_after_grounding_filtering | 2 |" in markdown


# --- bad input ---------------------------------------------------------------------------------


def test_bad_cells_are_counted_not_fatal():
    columns = _join(
        _columns(TEN, [0, 1]),
        dict(
            documents=[None, None, None, TEN, TEN, TEN],
            evidence_sentences=[0, 0, 0, "three", 2.0, float("nan")],  # 2.0: a parquet round trip; NaN: pandas null
            questions=["q"] * 6,
        ),
    )
    columns["document_reasons"] = [None, None, "missing", "not_text", "empty", None, None, None]
    report = _report(columns)
    assert report.span_hits == (1, 1, 0, 0, 0, 0, 1, 0)
    assert report.coverage.row_problems == {
        "empty document": 1,
        "evidence sentence is not an integer": 1,
        "missing document": 1,
        "non-string document": 1,
    }
    assert any("non-string document" in note for note in report.notes)
    json.dumps(report.to_dict(), allow_nan=False)


def test_columns_must_have_one_value_per_row():
    with pytest.raises(ValueError, match="prompts"):
        ReportColumns(documents=[TEN, TEN], evidence_sentences=[0, 1], prompts=["a"])


def test_empty_dataset_reports_so(tmp_path):
    report = _report(dict(documents=[], evidence_sentences=[]))
    assert report.is_empty and report.coverage.rows == 0
    markdown = render_markdown(report)
    assert "## QA bias report" in markdown and "empty" in markdown
    written = write_report(report, tmp_path)
    assert set(written) == {"json", "markdown"}
    assert json.loads(written["json"].read_text())["summary"]["rows"] == 0


def test_no_usable_evidence_reports_so():
    report = _report(_columns(TEN, [None, None]))
    assert report.is_empty and report.saturation is None
    assert "TagSpanCoverage" in render_markdown(report)


# --- real Wikipedia documents -------------------------------------------------------------------


def _synthetic_qa(docs, policy, rng, questions=8, chunk=220, prompts=True, chunks=True):
    columns = {"documents": [], "questions": [], "evidence_sentences": []}
    if prompts:
        columns["prompts"] = []
    if chunks:
        columns["chunk_starts"], columns["chunk_ends"] = [], []
    for doc in docs:
        n = len(split_sentences(doc.text))
        for q in range(questions):
            sentence = 0 if policy == "lead" and rng.random() < 0.7 else rng.randrange(n)
            start = rng.randrange(max(1, len(doc.text) - chunk))
            prompt = rng.choice(["question", "summarization", "creative"])
            columns["documents"].append(doc.text)
            columns["questions"].append(f"What about {doc.title} ({q})?")
            columns["evidence_sentences"].append(sentence)
            if prompts:
                columns["prompts"].append(prompt)
            if chunks:
                columns["chunk_starts"].append(start)
                columns["chunk_ends"].append(start + chunk)
    return columns


def test_wikipedia_lead_bias_is_exposed(wiki_docs, tmp_path):
    rng = random.Random(7)
    uniform = _report(_synthetic_qa(wiki_docs, "uniform", rng))
    lead = _report(_synthetic_qa(wiki_docs, "lead", rng))

    # Uniform evidence matches its own reference; the lead-biased policy falls short of it.
    us, ls = uniform.coverage, lead.coverage
    assert us.mean_coverage == pytest.approx(us.uniform_mean_coverage, abs=0.03)
    assert ls.mean_coverage < ls.uniform_mean_coverage - 0.15
    assert lead.concentration.mean_gini > uniform.concentration.mean_gini + 0.2
    assert lead.position.first_bin_ratio > 2 and 0.75 < uniform.position.first_bin_ratio < 1.25
    assert ls.mean_position < us.mean_position - 0.15
    assert lead.convergence.hotspot_agreement > uniform.convergence.hotspot_agreement
    assert lead.convergence.jaccard_ratio_to_random > uniform.convergence.jaccard_ratio_to_random
    assert uniform.convergence.jaccard_ratio_to_random == pytest.approx(1.0, abs=0.1)

    # Uniform chunk starts under-expose both ends of a document.
    relative = uniform.exposure.relative_exposure_by_bin
    assert relative[0] < 0.8 * relative[5] and relative[9] < 0.8 * relative[5]

    # span hits agree with an independent count
    columns = _synthetic_qa(wiki_docs[:50], "lead", random.Random(3))
    expected = Counter(zip(columns["documents"], columns["evidence_sentences"]))
    assert list(_report(columns).span_hits) == [expected[key] for key in zip(columns["documents"], columns["evidence_sentences"])]

    written = write_report(lead, tmp_path / "lead")
    assert {"coverage_heat", "saturation", "position", "exposure", "json", "markdown"} == set(written)
    for name in ("coverage_heat", "saturation", "position", "exposure"):
        assert written[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(written["json"].read_text())
    assert data["summary"]["rows"] == len(wiki_docs) * 8
    markdown = written["markdown"].read_text()
    assert "![coverage heat strip](coverage_heat.png)" in markdown  # relative to report.md
    assert "### Convergence across seed prompts" in markdown and "### Exposure" in markdown
    assert "would reach" in markdown and "as often as the average position" in markdown  # findings
    card = render_markdown(lead, image_prefix="artifacts/step/qabias_report/")
    assert "](artifacts/step/qabias_report/position_histogram.png)" in card


def test_markdown_omits_sections_without_inputs(wiki_docs):
    columns = _synthetic_qa(wiki_docs[:20], "uniform", random.Random(1), prompts=False, chunks=False)
    markdown = render_markdown(_report(columns))
    assert "| mean coverage per document |" in markdown and "### Salience" in markdown
    assert "Convergence" not in markdown and "Exposure" not in markdown and "position_exposure" not in markdown
    assert "Target adherence" not in markdown


def test_position_adjusted_salience_lift_on_wikipedia(wiki_docs):
    """A policy that favours sentences with numbers shows a lift; a lead-biased one that ignores them does not."""

    def number_lift(policy):
        rng, documents, evidence = random.Random(1), [], []
        for doc in wiki_docs:
            sentences = split_sentences(doc.text)
            weights = [4 if any(ch.isdigit() for ch in s.text) else 1 for s in sentences]
            for _ in range(8):
                if policy == "numbers":
                    index = rng.choices(range(len(sentences)), weights)[0]
                else:
                    index = 0 if rng.random() < 0.7 else rng.randrange(len(sentences))
                documents.append(doc.text)
                evidence.append(index)
        return _report(dict(documents=documents, evidence_sentences=evidence)).salience["number"]

    favoured, lead = number_lift("numbers"), number_lift("lead")
    assert favoured.hits_lift > 1.6 and favoured.position_adjusted_lift > 1.6
    # lead sentences of Wikipedia carry fewer numbers than later ones: the raw lift misleads, the adjusted one does not
    assert abs(lead.position_adjusted_lift - 1) < abs(lead.hits_lift - 1)
    assert 0.85 < lead.position_adjusted_lift < 1.2


def test_target_adherence_on_wikipedia_separates_obedient_from_lead_biased_generators(wiki_docs):
    """Questions that follow their target sentence score near 1; a generator that drifts to the lead scores near chance."""
    rng = random.Random(11)
    documents, evidence_obedient, evidence_lead, targets = [], [], [], []
    for doc in wiki_docs:
        n = len(split_sentences(doc.text))
        if n < 5:
            continue
        for _ in range(4):
            target = rng.randrange(n)
            documents.append(doc.text)
            targets.append(target)
            evidence_obedient.append(target if rng.random() < 0.9 else min(n - 1, target + 1))
            evidence_lead.append(0 if rng.random() < 0.8 else rng.randrange(n))
    assert len(documents) >= 200
    obedient = _report(dict(documents=documents, evidence_sentences=evidence_obedient, target_sentences=targets)).targets
    lead = _report(dict(documents=documents, evidence_sentences=evidence_lead, target_sentences=targets)).targets
    assert obedient.on_target_share > 0.85 and obedient.within_one_share == pytest.approx(1.0)
    # a generator that ignores its target is on target about as often as a random sentence would be
    assert lead.chance_on_target == pytest.approx(obedient.chance_on_target) and lead.chance_on_target < 0.25
    assert lead.on_target_share == pytest.approx(lead.chance_on_target, abs=0.07)
    assert obedient.on_target_share - lead.on_target_share > 0.6
