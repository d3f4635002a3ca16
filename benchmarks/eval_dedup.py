"""Quality of convergence deduplication on labelled questions about real Wikipedia articles.

    python benchmarks/eval_dedup.py [--documents 500] [--embedders minilm wordllama tokenlearn]

For each embedder: sweep the cosine threshold on the *tune* split (articles and surface forms never
used for the held-out split), pick the threshold with the most paraphrases merged while keeping
same-template twins (different entity / number / date) merged <= 2% and different questions about
the same article ("What is X?" / "What is X known for?") merged <= 5%, then report the *held-out*
split at that threshold. Targets: exact repeats merged 100%, paraphrases merged >= 80%, twins merged
<= 2%, every cluster keeps exactly one row.

Also printed on the held-out split, at the same threshold and embeddings: our clustering without the
entity guard, and distilabel 1.5.3's EmbeddingDedup (k nearest neighbours, as FaissNearestNeighbour
would give it), whose clusters often keep no row at all.
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings

import numpy as np

from distilabel_qabias.convergence.dedup import deduplicate
from distilabel_qabias.embedders import load_embedder
from evaluation.questions import build_question_set, dedup_metrics

TWIN_LIMIT = 0.02
# Different questions about the same article ("What is X?" / "What is X known for?") must mostly stay apart too.
RELATED_LIMIT = 0.05


def _fmt(metrics) -> str:
    return (
        f"exact {metrics.exact_merged:6.1%} ({metrics.exact_pairs} pairs)  "
        f"paraphrase {metrics.paraphrase_merged:6.1%} ({metrics.paraphrase_pairs})  "
        f"twins {metrics.twin_merged:5.1%} ({metrics.twin_pairs})  "
        f"related {metrics.related_merged:5.1%} ({metrics.related_pairs})  "
        f"mixed clusters {metrics.clusters_mixing_facts}  clusters without exactly 1 kept {metrics.clusters_without_one_kept}"
    )


def distilabel_embedding_dedup_keep(vectors: np.ndarray, threshold: float, k: int = 10) -> list[bool]:
    """distilabel's EmbeddingDedup.process on exact k-NN (what FaissNearestNeighbour would feed it)."""
    from distilabel.steps import EmbeddingDedup

    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    nn = np.argsort(-sims, axis=1)[:, :k]
    rows = [{"nn_indices": nn[i].tolist(), "nn_scores": sims[i, nn[i]].tolist()} for i in range(len(vectors))]
    step = EmbeddingDedup(threshold=threshold)
    step.load()
    out = next(step.process(rows))
    return [row["keep_row_after_embedding_filtering"] for row in out]


def evaluate(embedder_name: str, questions, sweep: np.ndarray) -> dict:
    embedder = load_embedder(embedder_name)
    tune = [q for q in questions if q.split == "tune"]
    held = [q for q in questions if q.split == "heldout"]

    started = time.perf_counter()
    base = deduplicate([q.question for q in tune], embedder=embedder, threshold=float(sweep.max()),
                       graph_margin=float(sweep.max() - sweep.min()))
    print(f"\n== {embedder_name} (dim {embedder.dim}); tune split: {len(tune)} questions, "
          f"embedded+graph in {time.perf_counter() - started:.1f}s")
    best = None
    for threshold in sweep:
        result = base.rethreshold(float(threshold))
        metrics = dedup_metrics(tune, result.cluster_id, result.is_kept)
        ok = metrics.twin_merged <= TWIN_LIMIT and metrics.related_merged <= RELATED_LIMIT
        print(f"  t={threshold:.2f} {'ok ' if ok else '   '} {_fmt(metrics)}")
        if ok and (best is None or metrics.paraphrase_merged > best[1].paraphrase_merged):
            best = (float(threshold), metrics)
    if best is None:
        best = (float(sweep.max()), dedup_metrics(tune, base.cluster_id, base.is_kept))
    threshold, tuned = best
    print(f"  chosen threshold {threshold:.2f}")

    texts = [q.question for q in held]
    result = deduplicate(texts, embedder=embedder, threshold=threshold)
    held_metrics = dedup_metrics(held, result.cluster_id, result.is_kept)
    unguarded = deduplicate(texts, embedder=embedder, threshold=threshold, entity_guard=False)
    unguarded_metrics = dedup_metrics(held, unguarded.cluster_id, unguarded.is_kept)
    distilabel_keep = distilabel_embedding_dedup_keep(embedder.encode([t.strip() for t in texts]), threshold)
    distilabel_metrics = dedup_metrics(held, result.cluster_id, distilabel_keep)
    print(f"  tuned    ({len(tune)} q): {_fmt(tuned)}")
    print(f"  HELD-OUT ({len(held)} q): {_fmt(held_metrics)}")
    print(f"  held-out, no entity guard : {_fmt(unguarded_metrics)}")
    print(f"  held-out, distilabel EmbeddingDedup on our clusters' rows: "
          f"{distilabel_metrics.clusters_without_one_kept} of {len(result.clusters)} clusters do not keep exactly one row "
          f"(ours: {held_metrics.clusters_without_one_kept}); rows kept {sum(distilabel_keep)} vs ours {int(result.is_kept.sum())}")
    print(f"  refused joins on held-out: {result.refused_counts()}; closest refused: {result.closest_refused(3)}")
    return {"threshold": threshold, "tuned": tuned, "heldout": held_metrics}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--embedders", nargs="+", default=["wordllama", "tokenlearn", "minilm"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")

    questions = build_question_set(args.documents, seed=args.seed)
    print(f"{len(questions)} labelled questions from {args.documents} Wikipedia articles "
          f"({sum(q.split == 'heldout' for q in questions)} held out)")
    sweep = np.round(np.arange(0.60, 0.971, 0.01), 2)
    summary = {name: evaluate(name, questions, sweep) for name in args.embedders}
    print("\nsummary (threshold tuned on the tune split; held-out = unseen articles and unseen surface forms)")
    for name, s in summary.items():
        t, h = s["tuned"], s["heldout"]
        print(f"  {name:10s} t={s['threshold']:.2f}  paraphrase tuned {t.paraphrase_merged:.1%} / held-out {h.paraphrase_merged:.1%}  "
              f"twins tuned {t.twin_merged:.1%} / held-out {h.twin_merged:.1%}  exact held-out {h.exact_merged:.0%}  "
              f"clusters without exactly one kept row: {h.clusters_without_one_kept}")


if __name__ == "__main__":
    main()
