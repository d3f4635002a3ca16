"""A document prepared for evidence alignment: its sentences, their content tokens, an inverted
index and token weights, built once and cached because many QA rows share one document.

The cache holds at most ``CACHE_MAX_DOCUMENTS`` documents and ``CACHE_MAX_CHARS`` characters in
all, so a run over very long documents keeps a bounded amount of memory.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

from distilabel_qabias.coverage.tokens import fuzzy_text, is_number, normalize_tokens
from distilabel_qabias.text.segment import Sentence, split_sentences
from distilabel_qabias.text.segment import clear_cache as clear_segment_cache

CACHE_MAX_DOCUMENTS = 4096
CACHE_MAX_CHARS = 20_000_000  # about 10x that in memory (sentences, tokens, postings)


@dataclass
class DocumentIndex:
    """Sentences of one document with their tokens, an inverted index and token weights."""

    text: str
    sentences: list[Sentence]
    tokens: list[frozenset[str]]
    fuzzy: list[str]
    postings: dict[str, list[int]]
    weight: dict[str, float]
    vocabulary: frozenset[str]

    @classmethod
    def build(cls, text: str) -> "DocumentIndex":
        sentences = split_sentences(text)
        tokens = [frozenset(normalize_tokens(s.text)) for s in sentences]
        postings: dict[str, list[int]] = {}
        for i, toks in enumerate(tokens):
            for t in toks:
                postings.setdefault(t, []).append(i)
        n = max(len(sentences), 1)
        weight = {t: math.log(1.0 + (n + 1) / (len(ids) + 0.5)) * (2.0 if is_number(t) else 1.0) for t, ids in postings.items()}
        return cls(text, sentences, tokens, [fuzzy_text(s.text) for s in sentences], postings, weight, frozenset(postings))

    def token_weight(self, token: str) -> float:
        """Weight of a token; tokens absent from the document weigh like the rarest present ones."""
        known = self.weight.get(token)
        if known is not None:
            return known
        n = max(len(self.sentences), 1)
        return math.log(1.0 + (n + 1) / 0.5) * (2.0 if is_number(token) else 1.0)

    def shared_weight(self, tokens: set[str], boosted: set[str] = frozenset()) -> dict[int, float]:
        """``{sentence: summed weight of the tokens it shares with tokens}`` (``boosted`` ones count double)."""
        shared: dict[int, float] = {}
        for t in tokens:
            weight = self.weight.get(t)
            if weight is None:
                continue
            if t in boosted:
                weight *= 2.0
            for i in self.postings[t]:
                shared[i] = shared.get(i, 0.0) + weight
        return shared


class _DocumentCache:
    """Least-recently-used indexes, bounded in count and in total characters."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, DocumentIndex] = OrderedDict()
        self._chars = 0

    def get(self, text: str) -> DocumentIndex:
        found = self._items.get(text)
        if found is not None:
            self._items.move_to_end(text)
            return found
        index = DocumentIndex.build(text)
        self._items[text] = index
        self._chars += len(text)
        while len(self._items) > 1 and (len(self._items) > CACHE_MAX_DOCUMENTS or self._chars > CACHE_MAX_CHARS):
            dropped, _ = self._items.popitem(last=False)
            self._chars -= len(dropped)
        return index

    def clear(self) -> None:
        self._items.clear()
        self._chars = 0


_CACHE = _DocumentCache()


def index_document(text: str) -> DocumentIndex:
    """The (cached) index of ``text``."""
    return _CACHE.get(text)


def clear_caches() -> None:
    """Forget indexed documents and cached segmentations (benchmarks measure cold runs)."""
    _CACHE.clear()
    clear_segment_cache()
