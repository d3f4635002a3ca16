"""The typed report model: stable JSON keys, lossless JSON round trip, immutability, rendering from a saved report."""

import dataclasses
import json
import random

import pytest

from distilabel_qabias.report import BiasReport, ReportColumns, build_report, findings, render_markdown
from distilabel_qabias.text.segment import split_sentences

# The keys of report.json as pushed with datasets before the typed model: they must not change.
JSON_KEYS = {
    "title", "config", "summary", "saturation", "position", "heat", "salience", "artifacts", "convergence",
    "dedup", "exposure", "hotspots", "per_document", "notes",
}
SUMMARY_KEYS = {
    "rows", "documents", "documents_with_hits", "hit_rows", "rows_without_hit", "row_problems", "sentences",
    "mean_sentences_per_document", "mean_rows_per_document", "mean_coverage", "uniform_mean_coverage",
    "pooled_coverage", "mean_gini", "mean_entropy", "mean_top10_share", "mean_position", "expected_mean_position",
}
SECTION_KEYS = {
    "config": {"document_column", "question_column", "prompt_column", "document_id_column", "chunk_start_column",
               "chunk_end_column", "grounded_only", "position_bins", "heat_bins"},
    "saturation": {"k", "mean_coverage", "uniform_coverage", "documents"},
    "position": {"bins", "hits", "observed_share", "expected_share", "ratio", "first_bin_ratio", "last_bin_ratio"},
    "heat": {"bins", "aggregate", "documents", "matrix"},
    "artifacts": {"documents", "spans", "types", "removed_spans_ignored", "text_share", "sentence_share", "hit_rows",
                  "hijacked_rows", "qa_share", "ratio_to_text_share", "ratio_to_sentence_share"},
    "convergence": {"prompts", "documents_compared", "mean_pairwise_jaccard", "random_pairwise_jaccard",
                    "jaccard_ratio_to_random", "hotspot_pairs", "hotspot_agreement"},
    "dedup": {"duplicates", "duplicate_rate", "clusters", "cluster_size_distribution", "largest_cluster",
              "multi_row_clusters", "cross_prompt_clusters", "cross_prompt_share"},
    "exposure": {"rows_with_chunk", "exposures", "hits_inside_chunk", "hits_outside_chunk", "hits_per_exposure",
                 "mean_sentence_hits_per_exposure", "relative_exposure_by_bin", "hits_per_exposure_by_bin"},
}


@pytest.fixture(scope="module")
def full_report(wiki_docs) -> BiasReport:
    """Every section filled, on real Wikipedia documents."""
    rng = random.Random(2)
    c = {k: [] for k in ("documents", "evidence_sentences", "questions", "prompts", "chunk_starts", "chunk_ends",
                         "grounded", "grounding_reasons", "artifacts", "cluster_ids", "keep_convergence",
                         "target_sentences", "kept", "instruction_spans")}
    for d, doc in enumerate(wiki_docs[:80]):
        n = len(split_sentences(doc.text))
        for q in range(6):
            grounded = rng.random() < 0.9
            c["documents"].append(doc.text)
            c["evidence_sentences"].append(0 if rng.random() < 0.6 else rng.randrange(n))
            c["questions"].append(f"What about {doc.title}?")
            c["prompts"].append(rng.choice(["question", "creative", "summarization"]))
            start = rng.randrange(max(1, len(doc.text) - 200))
            c["chunk_starts"].append(start)
            c["chunk_ends"].append(start + 200)
            c["grounded"].append(grounded)
            c["grounding_reasons"].append(None if grounded else "low_alignment")
            c["artifacts"].append([(0, 12, "markdown_heading", False)])
            c["cluster_ids"].append(d * 3 + q % 3)
            c["keep_convergence"].append(q < 3)
            c["target_sentences"].append(rng.randrange(n))
            c["kept"].append(grounded and q < 3)
            c["instruction_spans"].append([] if d % 4 else [(0, 10, "model_address")])
    columns = ReportColumns(**c, rejected_by={"keep_row_after_grounding_filtering": 40})
    return build_report(columns)


def test_json_keeps_the_pushed_keys_and_adds_the_new_sections(full_report):
    data = json.loads(json.dumps(full_report.to_dict(), allow_nan=False))
    assert JSON_KEYS <= set(data)
    assert set(data) - JSON_KEYS == {"grounding", "targets", "instructions", "keep"}
    assert set(data["summary"]) == SUMMARY_KEYS
    for section, keys in SECTION_KEYS.items():
        assert set(data[section]) == keys, section
    assert set(data["salience"]["plain"]) == {"sentences", "covered", "hits", "coverage_rate", "hits_per_sentence",
                                              "coverage_lift", "hits_lift", "position_adjusted_lift"}
    assert set(data["convergence"]["prompts"]["question"]) == {"rows", "hit_rows", "documents", "mean_coverage",
                                                              "mean_gini", "mean_position"}
    assert set(data["hotspots"][0]) == {"document", "sentence", "hits", "share_of_document_hits", "position", "text",
                                        "example_question"}
    assert data["targets"]["rows_with_target"] == full_report.coverage.rows


def test_json_round_trip_is_lossless(full_report):
    text = json.dumps(full_report.to_dict(), allow_nan=False)
    back = BiasReport.from_dict(json.loads(text))
    assert back.to_dict() == json.loads(text)
    assert isinstance(back.convergence.prompts["creative"].mean_coverage, float)
    assert back.targets.on_target == full_report.targets.on_target
    assert back.hotspots[0].text == full_report.hotspots[0].text
    # a saved report renders exactly as the live one
    assert render_markdown(back) == render_markdown(full_report)
    assert findings(back) == findings(full_report)


def test_reports_are_immutable_and_notes_are_added_by_copy(full_report):
    with pytest.raises(dataclasses.FrozenInstanceError):
        full_report.coverage.mean_coverage = 1.0  # type: ignore[misc]
    noted = full_report.with_notes("--filter removed 3 rows.")
    assert noted.notes[-1] == "--filter removed 3 rows." and "--filter removed 3 rows." not in full_report.notes
    assert "- --filter removed 3 rows." in render_markdown(noted)


def test_older_files_without_new_sections_still_load(full_report):
    data = full_report.to_dict()
    for key in ("grounding", "targets", "instructions", "keep"):
        del data[key]
    back = BiasReport.from_dict(data)
    assert back.targets is None and back.coverage.rows == full_report.coverage.rows


def test_markdown_shows_target_adherence_and_grounding(full_report):
    markdown = render_markdown(full_report)
    assert "### Target adherence" in markdown and "| evidence is the target |" in markdown
    assert "### Grounding" in markdown and "ungrounded: low_alignment" in markdown
    assert "### Instructions addressed to a model" in markdown
    assert any("target sentence draw their evidence from it" in f for f in findings(full_report))
