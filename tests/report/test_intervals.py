"""Bootstrap intervals over documents, paired differences and the Wilson interval, on cases that
can be checked by hand, and per-document metrics that pool back to the dataset-level report."""

import random

import numpy as np
import pytest

from distilabel_qabias.report import ReportColumns, build_report
from distilabel_qabias.report.by_document import document_reports, metric_ratios
from distilabel_qabias.report.intervals import Ratio, bootstrap, paired_difference, resample_weights, wilson
from distilabel_qabias.text.segment import split_sentences


def test_constant_metric_has_zero_width_interval():
    interval = bootstrap(Ratio.of([0.4] * 30), seed=1)
    assert interval.high - interval.low == pytest.approx(0, abs=1e-12)
    assert interval.estimate == pytest.approx(0.4) and interval.low == pytest.approx(0.4)
    assert interval.documents == 30 and interval.excludes_zero  # 0.4 is away from 0


def test_ratio_is_pooled_and_undefined_documents_are_left_out():
    metric = Ratio.of([1, 3, float("nan")], [2, 2, 5])
    assert metric.value() == pytest.approx(4 / 4) and metric.documents == 2
    assert Ratio.mean_of([0.2, None, 0.6]).value() == pytest.approx(0.4)


def test_resamples_draw_every_document_n_times_in_total():
    weights = resample_weights(7, resamples=50, seed=0)
    assert weights.shape == (50, 7) and set(weights.sum(axis=1)) == {7.0}
    assert np.array_equal(weights, resample_weights(7, resamples=50, seed=0))  # seeded


def test_known_mean_difference_is_inside_its_paired_interval_and_significant():
    rng = np.random.default_rng(5)
    document_effect = rng.normal(0.5, 0.2, 80)  # documents differ a lot; the arms differ by 0.1
    first = Ratio.of(document_effect + rng.normal(0, 0.02, 80))
    second = Ratio.of(document_effect + 0.1 + rng.normal(0, 0.02, 80))
    diff = paired_difference(first, second, seed=2)
    assert diff.low < 0.1 < diff.high and diff.excludes_zero
    # pairing removes the document effect: the paired interval is far narrower than either arm's
    assert diff.high - diff.low < 0.3 * (bootstrap(first, seed=2).high - bootstrap(first, seed=2).low)


def test_no_difference_is_not_significant():
    values = np.random.default_rng(1).uniform(0, 1, 40)
    same = paired_difference(Ratio.of(values), Ratio.of(values.copy()), seed=0)
    assert same.estimate == 0 and same.low == same.high == 0 and not same.excludes_zero


def test_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    covered = 0
    trials = 300
    for trial in range(trials):
        sample = rng.exponential(1.0, 60)  # skewed, true mean 1
        interval = bootstrap(Ratio.of(sample), resamples=1000, seed=trial)
        covered += interval.low <= 1.0 <= interval.high
    assert 0.89 <= covered / trials <= 0.99


def test_wilson_interval_matches_hand_computed_values():
    zero = wilson(0, 20)
    assert zero.estimate == 0 and zero.low == 0 and zero.high == pytest.approx(0.1611, abs=1e-3)
    half = wilson(10, 20)
    assert half.low == pytest.approx(0.2993, abs=1e-3) and half.high == pytest.approx(0.7007, abs=1e-3)
    assert wilson(0, 0).estimate is None


def test_per_document_metrics_pool_back_to_the_dataset_report(wiki_docs):
    rng = random.Random(4)
    columns = {"documents": [], "evidence_sentences": [], "prompts": [], "document_ids": []}
    for doc in wiki_docs[:25]:
        n = len(split_sentences(doc.text))
        for q in range(rng.randint(2, 6)):
            columns["documents"].append(doc.text)
            columns["evidence_sentences"].append(0 if rng.random() < 0.5 else rng.randrange(n))
            columns["prompts"].append(rng.choice(["question", "creative"]))
            columns["document_ids"].append(doc.title)
    columns = ReportColumns(**columns)
    whole = build_report(columns)
    reports = document_reports(columns, columns.document_ids)
    ratios = metric_ratios(reports, sorted(reports), saturation_k=2, position_bins=10)
    assert ratios["coverage"].value() == pytest.approx(whole.coverage.mean_coverage)
    assert ratios["uniform_coverage"].value() == pytest.approx(whole.coverage.uniform_mean_coverage)
    assert ratios["gini"].value() == pytest.approx(whole.concentration.mean_gini)
    assert ratios["cross_prompt_jaccard"].value() == pytest.approx(whole.convergence.mean_pairwise_jaccard)
    assert ratios["saturation_k2"].value() == pytest.approx(whole.saturation.mean_coverage[1])
    observed = [ratios[f"position_observed_{b}"].value() for b in range(10)]
    assert observed == pytest.approx(list(whole.position.observed_share))
    assert "on_target_share" not in ratios and np.isnan(ratios["hijack_rate"].value())
