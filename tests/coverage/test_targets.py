"""Stratified target sentences: even spread, eligibility, seeding, and documents without targets."""

import pytest

from distilabel_qabias.coverage.targets import Span, select_targets
from distilabel_qabias.text.segment import split_sentences


def test_targets_are_stratified_eligible_and_seeded(wiki_docs):
    long_docs = [d.text for d in wiki_docs if len(split_sentences(d.text)) >= 8][:20]
    assert long_docs
    for text in long_docs:
        sentences = split_sentences(text)
        selection = select_targets(text, 4, seed=0, artifacts=[], instructions=[])
        eligible = [s for s in sentences if len(s.text) >= 25 and len(s.text.split()) >= 4]
        chosen = [s.index for s in selection.targets]
        assert len(chosen) == 4 and chosen == sorted(set(chosen))
        positions = [eligible.index(s) for s in selection.targets]
        for stratum, position in enumerate(positions):  # one per stratum of the eligible sentences
            assert stratum * len(eligible) // 4 <= position < (stratum + 1) * len(eligible) // 4
        again = select_targets(text, 4, seed=0, artifacts=[], instructions=[])
        assert [s.index for s in again.targets] == chosen
    picks = {tuple(s.index for s in select_targets(long_docs[0], 3, seed=seed, artifacts=[], instructions=[]).targets) for seed in range(10)}
    assert len(picks) > 1


def test_markup_and_fragments_are_never_targets_and_the_detail_counts_them():
    markup = "# Contents\n\n| a | b |\n|---|---|\nOk.\n\nThe city was founded by settlers from the north in 1820."
    selection = select_targets(markup, 5, artifacts=[], instructions=[])
    assert [s.text for s in selection.targets] == ["The city was founded by settlers from the north in 1820."]
    assert selection.skipped == {"markup": 2, "too_short": 2}
    nothing = select_targets("# Contents\n\n| a | b |\n\nOk.", 3, artifacts=[], instructions=[])
    assert (nothing.targets, nothing.reason, nothing.detail) == ([], "no_eligible_sentence", "1 markup, 2 too_short")


@pytest.mark.parametrize("document, reason", [(None, "missing"), (17, "not_text"), ("  \n", "empty"), ("a\ud800b", "not_text")])
def test_unusable_documents_get_a_code(document, reason):
    selection = select_targets(document, 3, artifacts=[], instructions=[])
    assert (selection.targets, selection.reason, selection.detail) == ([], reason, "document")


def test_select_targets_handles_more_targets_than_sentences():
    text = "The first sentence has enough words. The second sentence also has enough words."
    selection = select_targets(text, 10, artifacts=[Span(0, 3)], instructions=[])
    assert [s.index for s in selection.targets] == [0, 1] and selection.reason is None
    with pytest.raises(ValueError, match="at least 1"):
        select_targets(text, 0, artifacts=[], instructions=[])
