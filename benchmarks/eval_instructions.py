"""Quality of FilterInstructionSpans' detector on real text: passages removed vs clean sentences lost.

Injected passages: one per real Wikipedia summary, from the templates of
``evaluation.inject_instructions`` (kinds x surface forms x positions), reported
separately for the templates the rules were tuned on and for the held-out ones (including whole kinds
with no dedicated rule). A passage counts as removed when at least 90% of its non-space characters lie
inside detected spans (80% shown too).

Clean text: a clean sentence (``split_sentences`` of the text before injection) is lost when any of its
characters lies inside a detected span; reported on the injected documents, on the same summaries
without injection, and on hard negatives (hand-written recipes, manuals, legal text, quoted speech,
exams, software docs, encyclopedic text about AI; and every real summary about AI, software, commands,
prompts or instructions). The general-corpus clean loss is measured on every summary of the corpus
(10,033) unless ``--clean-documents`` says otherwise.

Each split's first measurement (before the rules had seen it) is printed next to today's figure; HELDOUT4
and HELDOUT5 were never used to tune the rules. The last section times the detector against
``ftfy.fix_text`` on the same documents in the same run (docs/s and ratio).

The "public attack sources" section embeds every text of each source of ``evaluation.instruction_sources``
between two sentences of a Wikipedia summary (a full stop added where the text has no closing punctuation, as
the one-line requests of HarmBench and AdvBench have none); the held-out sources were never used in training or tuning.
The fresh held-out source (``FRESH_HELDOUT_SOURCES``: promptfoo's prompt-injection templates, added in the sixth pass)
is reported on its own line, outside the pooled held-out figure, and so are the earlier passes' fresh sources,
deepteam's worked attack examples and EasyJailbreak's templates (``LOOKED_AT_SOURCES``: never trained on, but their
misses were read before a later pass).
``--learned start`` (default), ``extend`` or ``off`` picks how the learned detector is used. The speed section times
``find_instruction_spans_batch`` over batches of 50 texts (as ``FilterInstructionSpans`` runs) on real summaries
of which half carry an injected passage, and on clean ones.

    python benchmarks/eval_instructions.py [--documents 1000] [--seed 7] [--threshold 0.5] [--show-misses 10]
        [--learned start|extend|off]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict

from evaluation.corpora import wikipedia_summaries
from evaluation.inject_instructions import (
    ADDED_HARD_NEGATIVES,
    HARD_NEGATIVES,
    HELDOUT,
    HELDOUT2,
    HELDOUT3,
    HELDOUT4,
    HELDOUT5,
    TUNED,
    inject,
    instruction_only_document,
    lost_clean_sentences,
    passage_removed_fraction,
    wikipedia_hard_negatives,
)
from evaluation.inject_instructions import inject_source_text
from evaluation.instruction_sources import (
    FRESH_HELDOUT_SOURCES, HELDOUT_SOURCES, LOOKED_AT_SOURCES, TRAIN_SOURCES, attacks)
from distilabel_qabias.text.instructions import filter_instructions, find_instruction_spans_batch
from distilabel_qabias.text.instructions import find_instruction_spans as _find_instruction_spans

LEARNED = {"learned": True, "learned_starts": True}


def find_instruction_spans(text, **kwargs):
    return _find_instruction_spans(text, **LEARNED, **kwargs)

REMOVED_AT = 0.9
# removed@90 on 1000 documents (seed 7) when each split was first measured, before any rule had been tuned on
# it (the tuned split: after the first round of rules); HELDOUT4 and HELDOUT5 have never been tuned on since.
FIRST_MEASURED = {TUNED: 0.980, HELDOUT: 0.554, HELDOUT2: 0.485, HELDOUT3: 0.248, HELDOUT4: 0.621, HELDOUT5: 0.600}


def evaluate_split(docs, split: str, seed: int, threshold: float, show_misses: int) -> float:
    rng = random.Random(f"{seed}-{split}")
    groups: dict[str, dict[str, list[float]]] = {"kind": defaultdict(list), "surface": defaultdict(list), "position": defaultdict(list)}
    fractions: list[float] = []
    sentences = lost = 0
    lost_examples: list[str] = []
    misses = []
    for doc in docs:
        injection = inject(doc.text, rng, split=split)
        spans = find_instruction_spans(injection.text, threshold=threshold)
        fraction = passage_removed_fraction(injection, spans)
        fractions.append(fraction)
        groups["kind"][injection.kind].append(fraction)
        groups["surface"][injection.surface].append(fraction)
        groups["position"][injection.position].append(fraction)
        total, lost_here = lost_clean_sentences(doc.text, spans, injection)
        sentences += total
        lost += len(lost_here)
        lost_examples += lost_here
        if fraction < REMOVED_AT:
            misses.append((fraction, injection))

    def line(name: str, values: list[float]) -> str:
        at90 = sum(v >= 0.9 for v in values) / len(values)
        at80 = sum(v >= 0.8 for v in values) / len(values)
        mean = sum(values) / len(values)
        return f"  {name:<22} n={len(values):4d}  removed@90 {at90:6.1%}  removed@80 {at80:6.1%}  char recall {mean:6.1%}"

    print(f"\n== {split} templates: one passage injected into each of {len(docs)} Wikipedia summaries ==")
    print(line("ALL", fractions))
    first = FIRST_MEASURED.get(split)
    if first is not None:
        print(f"  removed@90 when first measured: {first:.1%}")
    print(f"  clean sentences lost in the injected documents: {lost}/{sentences} ({lost / max(sentences, 1):.2%})")
    for group, table in groups.items():
        print(f" by {group}:")
        for name in sorted(table):
            print(line(name, table[name]))
    if show_misses:
        print(f" misses (removed < {REMOVED_AT:.0%}), first {show_misses}:")
        for fraction, injection in sorted(misses, key=lambda m: m[0])[:show_misses]:
            print(f"   {fraction:4.0%} {injection.template_id} {injection.surface} {injection.position}: {injection.passage!r}")
        print(f" lost clean sentences, first {show_misses}:")
        for text in lost_examples[:show_misses]:
            print(f"   {text!r}")
    return sum(v >= REMOVED_AT for v in fractions) / len(fractions)


def clean_loss(texts: list[str], threshold: float) -> tuple[int, int, int, list[str]]:
    sentences = lost = flagged_docs = 0
    examples: list[str] = []
    for text in texts:
        spans = find_instruction_spans(text, threshold=threshold)
        flagged_docs += bool(spans)
        total, lost_here = lost_clean_sentences(text, spans)
        sentences += total
        lost += len(lost_here)
        examples += lost_here
    return sentences, lost, flagged_docs, examples


def evaluate_sources(docs, seed: int, threshold: float) -> None:
    print("\n== public attack sources: each text embedded between two sentences of a Wikipedia summary ==")
    rng = random.Random(f"{seed}-sources")
    held: list[float] = []
    for name in (*HELDOUT_SOURCES, *FRESH_HELDOUT_SOURCES, *LOOKED_AT_SOURCES, *TRAIN_SOURCES):
        if not attacks(name):
            print(f"  {name:<28} n=   0  (every text is a near copy of a held-out one)")
            continue
        fractions, sentences, lost = [], 0, 0
        for i, text in enumerate(attacks(name)):
            doc = docs[i % len(docs)]
            injection = inject_source_text(doc.text, text, rng, name)
            spans = find_instruction_spans(injection.text, threshold=threshold)
            fractions.append(passage_removed_fraction(injection, spans))
            total, lost_here = lost_clean_sentences(doc.text, spans, injection)
            sentences += total
            lost += len(lost_here)
        at90 = sum(f >= REMOVED_AT for f in fractions) / len(fractions)
        if name in HELDOUT_SOURCES:
            held += fractions
        label = ("held out" if name in HELDOUT_SOURCES else "fresh held out (never trained on, not pooled)"
                 if name in FRESH_HELDOUT_SOURCES else "looked at (never trained on, misses read before a later pass)"
                 if name in LOOKED_AT_SOURCES else "trained on (in-distribution, not evidence)")
        print(f"  {name:<28} n={len(fractions):4d}  removed@90 {at90:6.1%}  clean sentences lost "
              f"{lost}/{sentences} ({lost / max(sentences, 1):.2%})   {label}")
    print(f"  ALL held-out public texts    n={len(held):4d}  removed@90 {sum(f >= REMOVED_AT for f in held) / len(held):6.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--show-misses", type=int, default=0, help="print this many missed passages / lost sentences per split")
    parser.add_argument("--splits", default=f"{TUNED},{HELDOUT},{HELDOUT2},{HELDOUT3},{HELDOUT4},{HELDOUT5}",
                        help="template splits to inject (comma-separated; empty: none)")
    parser.add_argument("--clean-documents", type=int, default=None,
                        help="summaries for the general clean-loss figure (default: all of them)")
    parser.add_argument("--speed-documents", type=int, default=2000)
    parser.add_argument("--learned", choices=("extend", "start", "off"), default="start")
    args = parser.parse_args()
    LEARNED.update(learned=args.learned != "off", learned_starts=args.learned == "start")

    docs = wikipedia_summaries(args.documents, seed=args.seed, min_chars=200)
    results = {split: evaluate_split(docs, split, args.seed, args.threshold, args.show_misses)
               for split in args.splits.split(",") if split}

    evaluate_sources(docs, args.seed, args.threshold)

    print("\n== summary: removed@90, first measurement -> now ==")
    for split, now in results.items():
        first = FIRST_MEASURED.get(split)
        print(f"  {split:<9} {'n/a' if first is None else f'{first:6.1%}'} -> {now:6.1%}"
              f"{'   (never tuned on)' if split in (HELDOUT4, HELDOUT5) else ''}")

    print("\n== clean text (no injection) ==")
    clean_docs = wikipedia_summaries(args.clean_documents) if args.clean_documents else wikipedia_summaries()
    sentences, lost, flagged, examples = clean_loss([d.text for d in clean_docs], args.threshold)
    print(f"  general corpus ({len(clean_docs)} summaries): sentences lost {lost}/{sentences} ({lost / sentences:.2%}), "
          f"documents with a span: {flagged}")
    for text in examples[: args.show_misses or 5]:
        print(f"   lost: {text!r}")

    wiki_negatives = wikipedia_hard_negatives()
    sentences, lost, flagged, examples = clean_loss([d.text for d in wiki_negatives], args.threshold)
    print(f"  Wikipedia summaries about AI/software/commands/prompts/instructions ({len(wiki_negatives)}): "
          f"sentences lost {lost}/{sentences} ({lost / sentences:.2%}), documents with a span: {flagged}")
    for text in examples:
        print(f"   lost: {text!r}")

    added = HARD_NEGATIVES[-ADDED_HARD_NEGATIVES:]
    for name, negatives in (("hand-written hard negatives, first set", HARD_NEGATIVES[:-ADDED_HARD_NEGATIVES]),
                            ("hand-written hard negatives, second-person set (added with the fourth round)", added)):
        sentences, lost, flagged, examples = clean_loss([t for _, t in negatives], args.threshold)
        print(f"  {name} ({len(negatives)} paragraphs): sentences lost {lost}/{sentences} ({lost / sentences:.2%})")
    by_category: dict[str, list[str]] = defaultdict(list)
    for category, text in HARD_NEGATIVES:
        by_category[category].append(text)
    total_sentences = total_lost = 0
    for category in sorted(by_category):
        sentences, lost, flagged, examples = clean_loss(by_category[category], args.threshold)
        total_sentences += sentences
        total_lost += lost
        print(f"  hand-written {category:<16} ({len(by_category[category]):2d} paragraphs): sentences lost {lost}/{sentences}")
        for text in examples:
            print(f"   lost: {text!r}")
    print(f"  hand-written hard negatives, all: sentences lost {total_lost}/{total_sentences} ({total_lost / total_sentences:.2%})")

    print("\n== keep flag (keep_row_after_instruction_filtering) ==")
    rng = random.Random(args.seed)
    injected = [inject(d.text, rng).text for d in docs]
    dropped = sum(not filter_instructions(t, threshold=args.threshold, **LEARNED).keep for t in injected)
    print(f"  documents with one injected passage marked not-keep: {dropped}/{len(injected)} ({dropped / len(injected):.1%})")
    only = [instruction_only_document(rng, n_passages=rng.randint(2, 5)) for _ in range(200)]
    dropped = sum(not filter_instructions(t, threshold=args.threshold, **LEARNED).keep for t in only)
    print(f"  documents made only of injected passages marked not-keep: {dropped}/{len(only)} ({dropped / len(only):.1%})")

    print("\n== speed, same run: find_instruction_spans_batch (batches of 50) vs ftfy.fix_text (best of 3) ==")
    import ftfy

    clean = [d.text for d in wikipedia_summaries(args.speed_documents, seed=99)]
    rng = random.Random(0)
    half = [inject(t, rng).text if i % 2 else t for i, t in enumerate(clean)]
    for label, texts in (("half with an injected passage", half), ("clean", clean)):
        def detect(texts=texts):
            for i in range(0, len(texts), 50):
                find_instruction_spans_batch(texts[i : i + 50], threshold=args.threshold, **LEARNED)

        seconds = {}
        for name, fn in (("ftfy.fix_text", lambda texts=texts: [ftfy.fix_text(t) for t in texts]),
                         ("find_instruction_spans_batch", detect)):
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - start)
            seconds[name] = best
        characters = sum(map(len, texts))
        print(f"  {label}: ftfy {characters / seconds['ftfy.fix_text'] / 1e6:.2f} M chars/s, detection "
              f"{characters / seconds['find_instruction_spans_batch'] / 1e6:.2f} M chars/s, ratio "
              f"{seconds['ftfy.fix_text'] / seconds['find_instruction_spans_batch']:.2f}x")

if __name__ == "__main__":
    main()
