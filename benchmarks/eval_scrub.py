"""Quality of ``scrub_text`` on real text: injected artifacts (tuned vs held-out) and clean passthrough.

Artifacts of many kinds and surface forms are injected into real Wikipedia lead summaries
(``evaluation.inject_artifacts``); the scrubbed text is compared with the clean
original (rapidfuzz normalised Indel similarity after whitespace normalisation). Held-out kinds were
written before the scrubber was tuned and never used to tune it; they are reported separately.
Clean passthrough runs the scrubber over every summary of the corpus, untouched. ftfy's own test
cases (``tests/text/fixtures/ftfy``, the 151 that ftfy 6.3.1 expects to pass) check that scrubbing
keeps what ftfy fixes (curly quotes normalised on both sides: the scrubber keeps them curly).

Targets: mean similarity >= 0.98; >= 99% of clean documents unchanged; >= 95% of ftfy's cases.

    .venv/bin/python benchmarks/eval_scrub.py [--docs 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from evaluation.corpora import wikipedia_summaries
from evaluation.inject_artifacts import (
    HELDOUT_KINDS,
    TUNED_KINDS,
    inject,
    normalise_whitespace,
    score_kind,
    similarity,
)
from distilabel_qabias.text.artifacts import scrub_text


def scrub(text: str):
    result = scrub_text(text)
    return result.text, [(a.start, a.end) for a in result.artifacts]


def mixed(documents, kinds, seed: int) -> tuple[int, float, float, float]:
    """Three random kinds of one split in each document."""
    rng = random.Random(seed)
    n = before = after = exact = 0
    for i, document in enumerate(documents):
        injected = inject(document, rng.sample(kinds, 3), seed=seed + i)
        if injected is None:
            continue
        cleaned = scrub_text(injected.corrupted).text
        n += 1
        before += similarity(injected.corrupted, document)
        after += similarity(cleaned, document)
        exact += normalise_whitespace(cleaned) == normalise_whitespace(document)
    return n, before / n, after / n, exact / n


FTFY_CASES = Path(__file__).resolve().parents[1] / "tests" / "text" / "fixtures" / "ftfy" / "test_cases.json"


def ftfy_cases() -> tuple[int, int, list[str]]:
    """(matches, cases, missed originals) of ``scrub_text`` on the ftfy cases ftfy expects to pass."""
    from ftfy.fixes import uncurl_quotes

    cases = [c for c in json.loads(FTFY_CASES.read_text(encoding="utf-8")) if c["expect"] == "pass"]
    missed = [c["original"] for c in cases if uncurl_quotes(scrub_text(c["original"]).text) != uncurl_quotes(c["fixed"])]
    return len(cases) - len(missed), len(cases), missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    documents = [d.text for d in wikipedia_summaries(args.docs, seed=args.seed, min_chars=200)]
    print(f"injected artifacts, {len(documents)} Wikipedia summaries (seed {args.seed})")
    print(f"{'kind':28s} {'split':8s} {'docs':>5s} {'sim before':>10s} {'sim after':>10s} {'exact':>7s} {'recall':>7s}")
    summary = {}
    for split, kinds in (("tuned", TUNED_KINDS), ("heldout", HELDOUT_KINDS)):
        scores = [score_kind(documents, kind, scrub, seed=args.seed) for kind in kinds]
        for s in scores:
            print(f"{s.kind:28s} {s.split:8s} {s.documents:5d} {s.similarity_before:10.4f} {s.similarity_after:10.4f} {s.exact:7.3f} {s.span_recall:7.3f}")
        n, before, after, exact = mixed(documents, kinds, args.seed)
        print(f"{'(3 ' + split + ' kinds per doc)':28s} {split:8s} {n:5d} {before:10.4f} {after:10.4f} {exact:7.3f} {'':>7s}")
        summary[split] = (
            sum(s.similarity_after for s in scores) / len(scores),
            min(s.similarity_after for s in scores),
            sum(s.exact for s in scores) / len(scores),
            after,
        )

    corpus = wikipedia_summaries()
    changed = Counter()
    unchanged = unchanged_ws = 0
    for doc in corpus:
        result = scrub_text(doc.text)
        unchanged += result.text == doc.text
        unchanged_ws += normalise_whitespace(result.text) == normalise_whitespace(doc.text)
        changed.update(a.type for a in result.artifacts)
    print(f"\nclean passthrough: {unchanged}/{len(corpus)} summaries unchanged ({unchanged / len(corpus):.2%}), "
          f"{unchanged_ws / len(corpus):.2%} whitespace aside; artifacts found in the rest: {dict(changed)}")

    matched, cases, missed = ftfy_cases()
    print(f"\nftfy 6.3.1 test cases: scrub_text gives ftfy's expected text on {matched}/{cases}; missed:")
    for original in missed:
        print(f"  {original[:90]!r}")

    print("\nsummary (target: mean similarity >= 0.98, >= 99% clean unchanged, >= 95% of ftfy's cases)")
    for split, (mean, worst, exact, mixed_after) in summary.items():
        ok = "PASS" if mean >= 0.98 else "FAIL"
        print(f"  {split:8s} mean similarity per kind {mean:.4f} (worst kind {worst:.4f}), exact recovery {exact:.3f}, "
              f"mixed 3 kinds/doc {mixed_after:.4f}  {ok}")
    print(f"  clean unchanged {unchanged / len(corpus):.2%}  {'PASS' if unchanged / len(corpus) >= 0.99 else 'FAIL'}")
    print(f"  ftfy's cases {matched / cases:.1%}  {'PASS' if matched >= 0.95 * cases else 'FAIL'}")
    print(f"  kinds: tuned = {', '.join(TUNED_KINDS)}; held-out = {', '.join(HELDOUT_KINDS)}")


if __name__ == "__main__":
    main()
