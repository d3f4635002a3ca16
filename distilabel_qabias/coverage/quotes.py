"""Quoted evidence: find a quote a generator cited in its document (YourBench-style citation check).

Matching is fuzzy (rapidfuzz partial ratio, in lower case) so a quote with small differences is
still found, and bounded: only the ends of a long quote are matched, and in a long document only
around the sentences that share most of the quote's words.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from rapidfuzz import fuzz

from distilabel_qabias.coverage.index import DocumentIndex
from distilabel_qabias.coverage.tokens import normalize_tokens

QUOTE_CHARS = 300  # a quote is located by its first (and last) this many characters
WHOLE_DOCUMENT_QUOTE_SEARCH = 20_000  # longer documents: a quote is searched near the sentences sharing its words
QUOTE_REGIONS = 3  # how many such places


def quote_text(value: Any) -> Optional[str]:
    """A cited quote as text: a string, or a list of strings joined; anything else is no quote."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return " ".join(value)
    return None


def _strip_quotes(text: str) -> str:
    return text.strip().strip("\"'“”‘’«»").strip()


def _best_match(needle: str, document: str, regions: Sequence[tuple[int, int]]) -> Optional[tuple[float, int, int]]:
    """``(score, start, end)`` of the best partial-ratio match of ``needle`` in any of ``regions``."""
    best = None
    for lo, hi in regions:
        found = fuzz.partial_ratio_alignment(needle, document[lo:hi], processor=str.lower)
        if found is not None and (best is None or found.score > best[0]):
            best = (found.score, lo + found.dest_start, lo + found.dest_end)
    return best


def locate_quote(quote: str, index: DocumentIndex, min_ratio: float) -> Optional[tuple[float, int, int]]:
    """Where a quoted evidence is in the document: ``(score, start, end)``, compared in lower case.

    The quote's first ``QUOTE_CHARS`` characters are matched (in a long document only around the
    sentences sharing most of its words); when they score ``min_ratio`` or more, a longer quote's
    last characters are matched after them, and the weaker of the two scores counts.
    """
    quote = _strip_quotes(quote)
    document = index.text
    head = quote[:QUOTE_CHARS]
    if len(document) <= WHOLE_DOCUMENT_QUOTE_SEARCH:
        regions = [(0, len(document))]
    else:
        shared = index.shared_weight(set(normalize_tokens(head)))
        last = len(index.sentences) - 1
        regions = [
            (index.sentences[max(i - 1, 0)].start, index.sentences[min(i + 1, last)].end)
            for i in sorted(shared, key=lambda i: (-shared[i], i))[:QUOTE_REGIONS]
        ]
    found = _best_match(head, document, regions)
    if found is None or found[0] < min_ratio or len(quote) <= QUOTE_CHARS:
        return found
    score, start, _ = found
    window_end = min(len(document), start + len(quote) + len(quote) // 2 + QUOTE_CHARS)
    tail = _best_match(quote[-QUOTE_CHARS:], document, [(start, window_end)])
    if tail is None:
        return (0.0, start, found[2])
    return (min(score, tail[0]), start, tail[2])
