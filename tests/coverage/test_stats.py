"""Coverage statistics and sentence salience features on hand-checkable cases."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distilabel_qabias.coverage import salience, stats
from distilabel_qabias.text.segment import split_sentences


@pytest.mark.parametrize("n", [2, 5, 40])
def test_all_hits_on_one_sentence(n):
    counts = [7] + [0] * (n - 1)
    assert stats.coverage(counts) == pytest.approx(1 / n)
    assert stats.gini(counts) == pytest.approx((n - 1) / n)
    assert stats.normalized_entropy(counts) == pytest.approx(0.0)
    assert stats.top_share(counts, 0.1) == pytest.approx(1.0)


def test_uniform_hits():
    counts = [3] * 20
    assert stats.coverage(counts) == 1.0
    assert stats.gini(counts) == pytest.approx(0.0)
    assert stats.normalized_entropy(counts) == pytest.approx(1.0)
    # top 10% of 20 sentences = 2 sentences = 2/20 of the hits
    assert stats.top_share(counts, 0.1) == pytest.approx(0.1)


def test_small_cases_by_hand():
    # Gini of [1, 3]: mean |xi - xj| over all ordered pairs = 4/4 = 1, / (2 * mean 2) = 0.25
    assert stats.gini([1, 3]) == pytest.approx(0.25)
    # p = (1/4, 1/4, 1/2, 0): entropy 1.5 bits over log2(4) = 2 bits
    assert stats.normalized_entropy([1, 1, 2, 0]) == pytest.approx(0.75)
    # top 10% of 4 sentences rounds up to one sentence: the one with 2 of 4 hits
    assert stats.top_share([1, 1, 2, 0], 0.1) == pytest.approx(0.5)
    assert stats.coverage([1, 1, 2, 0]) == pytest.approx(0.75)


def test_undefined_statistics_are_nan():
    assert math.isnan(stats.gini([0, 0, 0]))
    assert math.isnan(stats.normalized_entropy([5]))  # one sentence: nothing to spread over
    assert math.isnan(stats.coverage([]))
    assert math.isnan(stats.top_share([0, 0]))
    with pytest.raises(ValueError):
        stats.gini([1, -1])


def test_saturation_counts_new_sentences_in_order():
    # questions hit sentence 0, 0 again, 1, nothing, 2 in a 4-sentence document
    curve = stats.saturation([0, 0, 1, -1, 2], 4)
    np.testing.assert_allclose(curve, [0.25, 0.25, 0.5, 0.5, 0.75])
    np.testing.assert_allclose(stats.uniform_saturation([1, 2, 0], 2), [0.5, 0.75, 0.0])


def test_jaccard_and_hotspot_agreement():
    assert stats.jaccard({0, 1}, {2, 3}) == 0.0
    assert stats.jaccard({0, 1}, {1, 2}) == pytest.approx(1 / 3)
    assert stats.mean_pairwise_jaccard([{0}, {0}, set()]) == 1.0  # empty sets do not take part
    assert math.isnan(stats.mean_pairwise_jaccard([{0}]))
    # tops: {0}, {0}, {2} -> one agreeing pair of three; a group without hits takes no part
    tops = [stats.top_sentences(v) for v in ([3, 0, 0], [2, 1, 0], [0, 0, 4], [0, 0, 0])]
    assert tops[3] == frozenset()
    assert stats.hotspot_agreement_pairs(tops) == (1, 3)
    # ties count: tops {0, 1} and {1} overlap; sparse mappings give the same tops
    assert stats.top_sentences({0: 2, 1: 2}) == frozenset({0, 1})
    assert stats.hotspot_agreement_pairs([stats.top_sentences([2, 2, 0]), stats.top_sentences({1: 5, 2: 1})]) == (1, 1)


def test_random_pairwise_jaccard_reference():
    rng = np.random.default_rng(0)
    assert stats.random_pairwise_jaccard([3, 2], 1, rng=rng) == 1.0  # one sentence: always identical
    assert stats.random_pairwise_jaccard([1, 1], 10_000, rng=rng) < 0.01
    # two single hits on 4 sentences coincide with probability 1/4
    assert stats.random_pairwise_jaccard([1, 1], 4, draws=4000, rng=rng) == pytest.approx(0.25, abs=0.03)
    assert math.isnan(stats.random_pairwise_jaccard([3, 0], 5, rng=rng))


def test_position_bins_and_interval_overlap():
    np.testing.assert_array_equal(stats.position_bin([0, 0.05, 0.1, 0.99, 1.0], 10), [0, 0, 1, 9, 9])
    overlap = stats.interval_bin_overlap(np.array([0, 5, 2]), np.array([5, 10, 8]), 10, 2)
    np.testing.assert_allclose(overlap, [[5, 0], [0, 5], [3, 3]])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=60))
def test_concentration_bounds_and_permutation_invariance(counts):
    n = len(counts)
    if sum(counts) == 0:
        assert math.isnan(stats.gini(counts))
        return
    g = stats.gini(counts)
    assert -1e-12 <= g <= (n - 1) / n + 1e-12
    assert stats.gini(counts[::-1]) == pytest.approx(g)
    if n > 1:
        assert -1e-12 <= stats.normalized_entropy(counts) <= 1 + 1e-12
    assert stats.coverage(counts) * n == pytest.approx(sum(1 for c in counts if c))
    assert stats.sparse_gini([c for c in counts if c], n) == pytest.approx(g)
    assert 0 < stats.top_share(counts) <= 1


# --- salience --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, feature",
    [
        ("## History\nThe town was founded in the Middle Ages.", salience.HEADING),
        ("== Early life ==\nShe was born in Lyon.", salience.HEADING),
        ("History\nThe town was founded by monks.", salience.HEADING),
        ("- The first item of the list.", salience.LIST_ITEM),
        ("2. Mix the flour with water.", salience.LIST_ITEM),
        ("| Country | Capital |", salience.TABLE_CELL),
        ("Population\t12,000\tcensus", salience.TABLE_CELL),
        ("The bridge opened in 1932.", salience.NUMBER),
        ("It is <b>very</b> old.", salience.MARKUP),
        ("See [the docs](https://example.org) for more.", salience.MARKUP),
        ("The war ended in defeat.[12]", salience.MARKUP),
    ],
)
def test_text_features_detect(text, feature):
    assert feature in salience.text_features(text)


def test_plain_wikipedia_sentences_are_mostly_plain(wiki_docs):
    features = [
        f for doc in wiki_docs[:60] for f in salience.sentence_features(split_sentences(doc.text), document=doc.text)
    ]
    structural = {salience.HEADING, salience.LIST_ITEM, salience.TABLE_CELL}
    # Lead summaries are prose: structure features must stay rare (false positives), numbers are common.
    assert sum(bool(f & structural) for f in features) / len(features) < 0.03
    assert 0.2 < sum(salience.NUMBER in f for f in features) / len(features) < 0.9


def test_artifact_spans_mark_the_sentences_they_touch():
    text = "Plain first sentence here. A second one follows. Third sentence ends it."
    sentences = split_sentences(text)
    start = text.index("second")
    features = salience.sentence_features(sentences, [(start, start + 6, "html_tag"), (0, 0, "empty")])
    assert features[0] == frozenset()
    assert {salience.ARTIFACT, salience.MARKUP} <= features[1]
    assert features[2] == frozenset()
    assert salience.artifact_feature("markdown_heading") == salience.HEADING
    assert salience.artifact_feature("mojibake") == salience.ARTIFACT


def test_title_lines_count_as_headings():
    document = "Early life\nShe was born in Lyon in 1901. She studied law.\nCareer\nShe became a judge."
    sentences = split_sentences(document)
    headings = [s.text for s, f in zip(sentences, salience.sentence_features(sentences, document=document))
                if salience.HEADING in f]
    assert headings == ["Early life", "Career"]
