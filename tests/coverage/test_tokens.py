"""Content tokens: equivalent forms of numbers, dates and words normalise alike; different facts do not."""

import pytest

from distilabel_qabias.coverage.tokens import name_tokens, normalize_tokens


@pytest.mark.parametrize(
    "left, right",
    [
        ("a population of 1,000 people", "a population of 1000 people"),
        ("one thousand people", "1000 people"),
        ("twenty-five goats", "25 goats"),
        ("one hundred and twenty years", "120 years"),
        ("March 3, 1921", "3 March 1921"),
        ("the nineteenth century", "the 19th century"),
        ("the fifth-largest city", "the 5th largest city"),
        ("1.5 million inhabitants", "1,500,000 inhabitants"),
        ("Sept. 1889", "September 1889"),
        ("According to the text, the goats were domesticated.", "The goat was domesticated."),
    ],
)
def test_equivalent_forms_normalise_alike(left, right):
    # sentences are matched on token sets, so order does not matter
    assert sorted(normalize_tokens(left)) == sorted(normalize_tokens(right))


@pytest.mark.parametrize("left, right", [("1,000 people", "100 people"), ("March 3, 1921", "March 4, 1921"), ("nineteenth", "18th")])
def test_different_facts_stay_different(left, right):
    assert normalize_tokens(left) != normalize_tokens(right)


def test_name_tokens_are_the_capitalised_words():
    assert name_tokens("It was Marie Curie in Paris, the French capital.") == frozenset({"marie", "curie", "paris", "french"})  # "It" is a stop word
