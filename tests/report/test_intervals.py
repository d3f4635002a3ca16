"""Bootstrap intervals over documents, paired differences and the Wilson interval, on cases that
can be checked by hand, and per-document metrics that pool back to the dataset-level report."""

import random

import numpy as np
import pytest

from distilabel_qabias.report import ReportColumns, build_report
from distilabel_qabias.report.by_document import document_reports, metric_ratios
from distilabel_qabias.report.intervals import Ratio, bootstrap, holm, paired_difference, resample_weights, wilson
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
    assert same.p_value == 1.0


def test_p_value_agrees_with_the_interval_and_shrinks_with_the_effect():
    rng = np.random.default_rng(3)
    base = rng.normal(0.5, 0.2, 60)
    first, second = base + rng.normal(0, 0.05, 60), base + rng.normal(0, 0.05, 60)
    shift = float(np.mean(first - second))  # start from an exact tie, then add growing effects
    p_values = []
    for effect in (0.0, 0.005, 0.01, 0.05):
        diff = paired_difference(Ratio.of(first), Ratio.of(second + shift + effect), seed=4)
        assert (diff.p_value < 0.05) == diff.excludes_zero
        p_values.append(diff.p_value)
    assert p_values == sorted(p_values, reverse=True)
    assert p_values[0] > 0.9 and p_values[-1] == 0.0


def test_holm_rejects_in_step_down_order_and_skips_missing_p_values():
    # 4 tests: thresholds 0.0125, 0.0167, 0.025, 0.05 for the sorted p-values
    assert holm([0.01, 0.015, 0.03, 0.04]) == [True, True, False, False]
    assert holm([0.04, None, 0.001]) == [True, None, True]  # two tested: 0.001 <= 0.025, 0.04 <= 0.05
    assert holm([0.03, 0.03]) == [False, False]  # the smaller needs <= 0.025; once one fails, the rest do
    assert holm([0.02, 0.02]) == [True, True]
    assert holm([]) == []


def test_holm_keeps_false_alarms_rare_when_nothing_differs():
    # 40 families of 10 metrics over 150 documents (the experiment's size) where the arms do not differ
    rng = np.random.default_rng(8)
    holm_alarms = uncorrected_alarms = 0
    for trial in range(40):
        p_values = []
        for metric in range(10):
            values = rng.normal(0.5, 0.2, 150)
            first, second = values + rng.normal(0, 0.05, 150), values + rng.normal(0, 0.05, 150)
            p_values.append(paired_difference(Ratio.of(first), Ratio.of(second), resamples=1000, seed=trial * 10 + metric).p_value)
        holm_alarms += any(holm(p_values))
        uncorrected_alarms += any(p < 0.05 for p in p_values)
    assert uncorrected_alarms >= 8  # about 40% of families expected
    assert holm_alarms <= 4 and holm_alarms * 3 <= uncorrected_alarms
