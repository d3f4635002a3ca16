"""Speed of ``scrub_text`` against raw ``ftfy.fix_text`` on the same texts, in the same run.

Texts: real Wikipedia lead summaries, once clean and once corrupted with three injected artifact
kinds each. The baseline is ftfy with its default configuration, which is the least any text
cleaning does; ``scrub_text`` runs ftfy (encoding fixes only, on suspicious runs) plus every
markup, residue and boilerplate detector, and records exact offsets. Target: >= 0.5x ftfy's rate.

``--adversarial-mb N`` also times pathological inputs of N MB each (deep nesting, unclosed tags,
one huge line, binary junk, ...), to show the cost stays linear.

    .venv/bin/python benchmarks/bench_scrub.py [--docs 3000] [--repeat 3] [--adversarial-mb 10]
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Callable, Sequence

import ftfy

from evaluation.corpora import wikipedia_summaries
from evaluation.inject_artifacts import TUNED_KINDS, inject
from distilabel_qabias.text.artifacts import scrub_text


def best_seconds(fn: Callable[[str], object], texts: Sequence[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for text in texts:
            fn(text)
        best = min(best, time.perf_counter() - started)
    return best


def corrupted_texts(texts: Sequence[str], seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i, text in enumerate(texts):
        injected = inject(text, rng.sample(TUNED_KINDS, 3), seed=seed + i)
        out.append(injected.corrupted if injected else text)
    return out


def adversarial_inputs(megabytes: float) -> dict[str, str]:
    n = int(megabytes * 1_000_000)
    return {
        "nested <b>": ("<b>" * (n // 8)) + "deep" + ("</b>" * (n // 8)),
        "unclosed <div attr": "<div class='x' " * (n // 15),
        "unclosed <!--": "<!--" * (n // 4),
        "unclosed <script>": "<script>" * (n // 8),
        "{{ nesting": "{{" * (n // 2),
        "[ ... ](": "[" * (n // 2) + "](" + "a" * (n // 2),
        "\\textbf{ nesting": "\\textbf{" * (n // 8) + "\\cite{",
        "*a _b": "*a " * (n // 6) + "_b " * (n // 6),
        "** runs": "**" * (n // 2),
        "mojibake": "Ã" * (n // 2) + "Â\xa0" * (n // 4),
        "binary junk": bytes(range(256)).decode("latin-1") * (n // 256),
        "zero-width run": "\u200b" * n,
        "one line, no markup": "a" * n,
        "newlines": "\n" * n,
        "nav phrase repeated": "Jump to navigation " * (n // 19),
        "accented words": "été à côté " * (n // 11),
        "prose": "Paris is the capital of France, with 2.1 million residents (2023). " * (n // 68),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--adversarial-mb", type=float, default=0.0)
    args = parser.parse_args()

    started = time.perf_counter()
    scrub_text("warm\u200bup")  # builds the invisible-character class once per process
    print(f"one-time set-up (invisible-character class): {time.perf_counter() - started:.2f} s")

    clean = [d.text for d in wikipedia_summaries(args.docs, seed=args.seed)]
    sets = {"clean": clean, "corrupted (3 kinds/doc)": corrupted_texts(clean, args.seed)}
    print(f"{'texts':26s} {'method':14s} {'docs/s':>9s} {'MB/s':>7s}")
    for name, texts in sets.items():
        megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        ftfy_s = best_seconds(ftfy.fix_text, texts, args.repeat)
        scrub_s = best_seconds(scrub_text, texts, args.repeat)
        for method, seconds in (("ftfy.fix_text", ftfy_s), ("scrub_text", scrub_s)):
            print(f"{name:26s} {method:14s} {len(texts) / seconds:9.0f} {megabytes / seconds:7.2f}")
        ratio = ftfy_s / scrub_s
        print(f"{name:26s} scrub/ftfy rate ratio: {ratio:.2f}x (target >= 0.5x: {'PASS' if ratio >= 0.5 else 'FAIL'})")

    if args.adversarial_mb:
        print(f"\npathological inputs, {args.adversarial_mb:g} MB each (scrub_text, one run):")
        for name, text in adversarial_inputs(args.adversarial_mb).items():
            started = time.perf_counter()
            result = scrub_text(text)
            seconds = time.perf_counter() - started
            print(f"  {name:24s} {len(text) / 1e6:5.1f} M chars {seconds:7.2f} s  {len(result.artifacts):>8d} artifacts")


if __name__ == "__main__":
    main()
