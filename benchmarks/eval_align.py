"""Quality of evidence alignment on labelled QA pairs built from real Wikipedia summaries.

For the tuning split and the held-out split (by document title) it prints, per answer kind:
``located`` (evidence span covers >= 90% of the answer's location), ``grounded`` (true pairs
tagged grounded), ``flagged`` (the same pairs attached to an unrelated document, random or of the
same Wikipedia topic, tagged ungrounded) and ``hallucinated`` (same document and question, the
answer's fact swapped for one of the same kind from another document, tagged ungrounded).
Targets: all >= 0.90. Thresholds were tuned on the ``tune`` split only.

Lexical alignment always; with embeddings too when ``--embedder`` names one (needs
``distilabel_qabias.embedders``). ``--smollm2 N`` also re-answers N pairs with the real
SmolLM2-135M (llama.cpp, CPU, seconds per answer) and caches them in
``benchmarks/data/smollm2_answers.jsonl``; a cached file is used when present.

    python benchmarks/eval_align.py [--documents 600] [--embedder minilm] [--smollm2 60]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Sequence

from evaluation.corpora import wikipedia_summaries
from distilabel_qabias.coverage.align import align_batch
from evaluation.qa_pairs import (
    LabelledQA,
    alignment_metrics,
    build_qa_pairs,
    smollm2_answered_pairs,
    hallucinated_pairs,
    unrelated_pairs,
)

SMOLLM2_CACHE = Path(__file__).parent / "data" / "smollm2_answers.jsonl"


def same_topic_unrelated(pairs: Sequence[LabelledQA], topics: dict[str, str], seed: int) -> list[LabelledQA]:
    """Attach each pair to another document of the same Wikipedia topic (harder negatives)."""
    rng = random.Random(seed)
    by_topic: dict[str, list[str]] = defaultdict(list)
    documents = {p.title: p.document for p in pairs}
    for title in sorted(documents):
        by_topic[topics.get(title, "")].append(title)
    out = []
    for p in pairs:
        others = [t for t in by_topic[topics.get(p.title, "")] if t != p.title] or [t for t in documents if t != p.title]
        other = rng.choice(others)
        out.append(dataclasses.replace(p, title=other, document=documents[other], source_start=-1, source_end=-1,
                                       fact_start=-1, fact_end=-1, grounded=False))
    return out


def report(name: str, pairs: Sequence[LabelledQA], negatives: Sequence[LabelledQA], hard: Sequence[LabelledQA], embedder) -> None:
    hallucinated = hallucinated_pairs(pairs, seed=11)
    rows = list(pairs) + list(negatives) + list(hard) + hallucinated
    alignments = align_batch([(p.document, p.question, p.answer) for p in rows], embedder=embedder)
    true_alignments = alignments[: len(pairs)]
    random_neg = alignments[len(pairs) : len(pairs) + len(negatives)]
    hard_neg = alignments[len(pairs) + len(negatives) : len(pairs) + len(negatives) + len(hard)]
    hallucinated_alignments = alignments[len(pairs) + len(negatives) + len(hard) :]
    print(f"\n== {name} ==")
    print(f"{'split':8s} {'kind':12s} {'n':>5s} {'located':>8s} {'grounded':>9s} {'flagged':>8s} {'flagged(same topic)':>20s} {'hallucinated':>13s}")
    for split in ("tune", "heldout"):
        kinds = sorted({p.kind for p in pairs if p.split == split})
        for kind in ["all", *kinds]:
            select = [i for i, p in enumerate(pairs) if p.split == split and (kind == "all" or p.kind == kind)]
            if not select:
                continue
            true = alignment_metrics([pairs[i] for i in select], [true_alignments[i] for i in select])
            flagged = alignment_metrics([negatives[i] for i in select], [random_neg[i] for i in select])
            flagged_hard = alignment_metrics([hard[i] for i in select], [hard_neg[i] for i in select])
            made_up = [(h, a) for h, a in zip(hallucinated, hallucinated_alignments)
                       if h.split == split and (kind == "all" or h.kind == kind)]
            made_up_flagged = (
                f"{sum(not a.grounded for _, a in made_up) / len(made_up):8.3f} ({len(made_up):4d})" if made_up else f"{'-':>15s}"
            )
            print(f"{split:8s} {kind:12s} {len(select):5d} {true['located']:8.3f} {true['grounded_kept']:9.3f} "
                  f"{flagged['unrelated_flagged']:8.3f} {flagged_hard['unrelated_flagged']:20.3f} {made_up_flagged}")
    codes = Counter(a.reason for a in alignments[len(pairs) :] if not a.grounded)
    print("reason codes of the flagged negatives: " + ", ".join(f"{code} {n}" for code, n in codes.most_common()))


def load_or_generate_smollm2(pairs: Sequence[LabelledQA], n: int) -> list[LabelledQA]:
    if SMOLLM2_CACHE.exists() and not n:
        return [LabelledQA(**json.loads(line)) for line in SMOLLM2_CACHE.read_text(encoding="utf-8").splitlines() if line]
    if not n:
        return []
    generated = smollm2_answered_pairs([p for p in pairs if p.kind == "short"][:n])
    SMOLLM2_CACHE.parent.mkdir(parents=True, exist_ok=True)
    SMOLLM2_CACHE.write_text("".join(json.dumps(dataclasses.asdict(p), ensure_ascii=False) + "\n" for p in generated), encoding="utf-8")
    return generated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=600)
    parser.add_argument("--embedder", default=None, help="also evaluate with this embedder (e.g. minilm, wordllama)")
    parser.add_argument("--smollm2", type=int, default=0, help="generate this many SmolLM2 answers (cached)")
    args = parser.parse_args()

    documents = wikipedia_summaries(args.documents, seed=2024, min_chars=200)
    topics = {d.title: d.topic for d in documents}
    pairs = build_qa_pairs(documents, per_document=3, seed=2024)
    print(f"{len(pairs)} labelled pairs on {len(documents)} real Wikipedia summaries "
          f"({sum(p.split == 'heldout' for p in pairs)} held out); kinds: "
          + ", ".join(f"{k} {sum(p.kind == k for p in pairs)}" for k in sorted({p.kind for p in pairs})))
    negatives = unrelated_pairs(pairs, seed=7)
    hard = same_topic_unrelated(pairs, topics, seed=8)
    embedders = [("lexical", None)]
    if args.embedder:
        from distilabel_qabias.embedders import load_embedder

        embedders.append((f"lexical + {args.embedder}", load_embedder(args.embedder)))
    for name, embedder in embedders:
        report(name, pairs, negatives, hard, embedder)

    smollm2 = load_or_generate_smollm2(pairs, args.smollm2)
    if smollm2:
        smol_topics = {p.title: topics.get(p.title, "") for p in smollm2}
        print(f"\nSmolLM2-135M answers containing the known fact: {len(smollm2)} ({SMOLLM2_CACHE})")
        # negatives among the SmolLM2 rows need several documents: reuse the labelled set's documents
        pool = list(smollm2) + [p for p in pairs if p.title not in smol_topics][: len(smollm2)]
        neg = [n for n in unrelated_pairs(pool, seed=9)[: len(smollm2)]]
        hard_neg = same_topic_unrelated(pool, topics, seed=10)[: len(smollm2)]
        for name, embedder in embedders:
            report(f"SmolLM2 answers, {name}", smollm2, neg, hard_neg, embedder)


if __name__ == "__main__":
    main()
