"""Speed and memory of convergence dedup, with same-run baselines on the same embeddings.

    python benchmarks/bench_dedup.py                       # 100k rows: ours vs distilabel chain vs semhash
    python benchmarks/bench_dedup.py --rows 20000 --skip-distilabel
    python benchmarks/bench_dedup.py --memory-rows 1000000 # peak RSS of a 1M-row run (separate process)

Rows are questions about real Wikipedia articles in many surface forms (``scaled_questions``), 10% exact
repeats. Speed comparisons use one embedder for everybody (default ``wordllama``, the fast static model).

* ours: :func:`deduplicate` (exact grouping, neighbour graph, guarded union-find, representatives).
* distilabel 1.5.3 chain: ``FaissNearestNeighbour(k, METRIC_INNER_PRODUCT).process`` +
  ``EmbeddingDedup.process`` on the same embeddings (``EmbeddingGeneration`` would only add the
  same embedding pass). Correctness: clusters of ours in which distilabel keeps no row.
* semhash: ``SemHash.from_records(..., model=<our embedder>)`` + ``self_deduplicate(threshold)``.
* dedup cost beyond the embedding pass, for the static embedder and for MiniLM (``--minilm-rows``).
* neighbour-graph recall of the bucketed search against all pairs, on a sample of nodes.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

from distilabel_qabias.convergence.cluster import deduplicate, similar_pairs
from distilabel_qabias.embedders import Embedder, load_embedder
from evaluation.questions import scaled_questions


def fresh(name: str) -> Embedder:
    """The same loaded model with an empty cache, so every contender pays the embedding pass."""
    model = load_embedder(name)
    return Embedder(model.name, model.dim, model._encode_batch)


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # ru_maxrss is KiB on Linux


def run_ours(texts, embedder_name, threshold):
    embedder = fresh(embedder_name)
    started = time.perf_counter()
    result = deduplicate(texts, embedder=embedder, threshold=threshold)
    total = time.perf_counter() - started
    return result, total


def run_distilabel(texts, vectors, threshold, k):
    import faiss
    from distilabel.steps import EmbeddingDedup, FaissNearestNeighbour

    rows = [{"text": t, "embedding": v} for t, v in zip(texts, vectors.tolist())]
    started = time.perf_counter()
    nn = FaissNearestNeighbour(k=k, metric_type=faiss.METRIC_INNER_PRODUCT, search_batch_size=1000)
    nn.load()
    rows = next(nn.process(rows))
    dedup = EmbeddingDedup(threshold=threshold)
    dedup.load()
    rows = next(dedup.process(rows))
    return [r["keep_row_after_embedding_filtering"] for r in rows], time.perf_counter() - started


def run_semhash(texts, embedder_name, threshold):
    from semhash import SemHash

    embedder = fresh(embedder_name)
    started = time.perf_counter()
    semhash = SemHash.from_records(records=list(texts), model=embedder)
    result = semhash.self_deduplicate(threshold=threshold)
    return result, time.perf_counter() - started


def graph_recall(vectors: np.ndarray, threshold: float, sample: int = 3000, seed: int = 0) -> tuple[float, float, int]:
    """For node pairs with cosine >= threshold (one end in a random sample): the share the bucketed graph
    holds as an edge, and the share it connects (same connected component of its edges >= threshold),
    which is what union-find needs (each node keeps at most ``max_neighbours`` edges per bucket)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = similar_pairs(vectors, threshold, exact_limit=0)
    n = len(vectors)
    _, component = connected_components(coo_matrix((np.ones(len(graph)), (graph.src, graph.dst)), shape=(n, n)), directed=False)
    rng = np.random.default_rng(seed)
    picked = rng.choice(n, min(sample, n), replace=False)
    truth = set()
    for start in range(0, len(picked), 500):
        block = picked[start : start + 500]
        sims = vectors[block] @ vectors.T
        rows, cols = np.nonzero(sims >= threshold)
        for r, c in zip(block[rows].tolist(), cols.tolist()):
            if r != c:
                truth.add((min(r, c), max(r, c)))
    if not truth:
        return 1.0, 1.0, 0
    found = set(zip(graph.src.tolist(), graph.dst.tolist()))
    connected = sum(component[a] == component[b] for a, b in truth)
    return len(truth & found) / len(truth), connected / len(truth), len(truth)


def memory_run(rows: int, embedder_name: str) -> None:
    texts = scaled_questions(rows)
    before = peak_rss_gib()
    started = time.perf_counter()
    result = deduplicate(texts, embedder=fresh(embedder_name))
    total = time.perf_counter() - started
    print(json.dumps({
        "rows": rows, "embedder": embedder_name, "seconds": round(total, 1), "timings": result.timings,
        "peak_rss_gib": round(peak_rss_gib(), 2), "rss_before_dedup_gib": round(before, 2),
        "duplicates": result.n_duplicates, "clusters": len(result.clusters),
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--embedder", default="wordllama")
    parser.add_argument("--threshold", type=float, default=None, help="default: the embedder's tuned threshold")
    parser.add_argument("--k", type=int, default=10, help="neighbours for distilabel's FaissNearestNeighbour")
    parser.add_argument("--minilm-rows", type=int, default=3000, help="rows for the MiniLM cost ratio (0 to skip)")
    parser.add_argument("--skip-distilabel", action="store_true")
    parser.add_argument("--skip-semhash", action="store_true")
    parser.add_argument("--memory-rows", type=int, default=0, help="run only the peak-memory measurement at this size")
    parser.add_argument("--_memory-child", dest="memory_child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")

    if args.memory_child:
        memory_run(args.memory_rows, args.embedder)
        return
    if args.memory_rows:
        # A fresh process, so the peak RSS is that of one dedup run of this size only.
        out = subprocess.run([sys.executable, __file__, "--_memory-child", "--memory-rows", str(args.memory_rows),
                              "--embedder", args.embedder], capture_output=True, text=True, check=True)
        print(out.stdout.strip())
        return

    threshold = args.threshold if args.threshold is not None else load_embedder(args.embedder).default_threshold
    texts = scaled_questions(args.rows)
    print(f"{args.rows} rows ({len(set(texts))} distinct), embedder {args.embedder}, threshold {threshold}")

    ours, ours_s = run_ours(texts, args.embedder, threshold)
    t = ours.timings
    beyond = ours_s - t["embedding_s"]
    print(f"ours: {ours_s:.2f}s total = embedding {t['embedding_s']:.2f}s + exact {t['exact_s']:.2f}s + "
          f"neighbours {t['neighbours_s']:.2f}s + clustering {t['clustering_s']:.2f}s; "
          f"{ours.n_duplicates} duplicates in {len(ours.clusters)} clusters")
    print(f"  dedup cost beyond embedding with {args.embedder}: {beyond:.2f}s = {beyond / t['embedding_s']:.0%} of the embedding time")

    if not args.skip_semhash:
        semhash_result, semhash_s = run_semhash(texts, args.embedder, threshold)
        print(f"semhash (same embedder, self_deduplicate): {semhash_s:.2f}s, {len(semhash_result.filtered)} duplicates "
              f"-> ours is {semhash_s / ours_s:.2f}x the speed of semhash")

    if not args.skip_distilabel:
        vectors = load_embedder(args.embedder).encode([x.strip() for x in texts])
        keep, distilabel_s = run_distilabel(texts, vectors, threshold, args.k)
        ours_beyond = ours_s - t["embedding_s"]
        no_survivor = sum(1 for c in ours.clusters if c.size > 1 and not any(keep[m.row] for m in c.members))
        multi = sum(1 for c in ours.clusters if c.size > 1)
        print(f"distilabel FaissNearestNeighbour(k={args.k}, inner product) + EmbeddingDedup on the same embeddings: "
              f"{distilabel_s:.2f}s -> ours (without its embedding pass) is {distilabel_s / ours_beyond:.1f}x faster, "
              f"{distilabel_s / ours_s:.1f}x including it")
        print(f"  distilabel keeps {sum(keep)} rows; in {no_survivor} of our {multi} multi-row clusters it keeps NO row "
              f"(ours keeps exactly one in each)")

    nodes = load_embedder(args.embedder).encode(list(dict.fromkeys(x.strip() for x in texts)))
    edge_recall, connected, pairs = graph_recall(nodes, threshold)
    print(f"bucketed neighbour graph vs all {pairs} sampled pairs at cosine >= {threshold}: {edge_recall:.2%} kept as edges, "
          f"{connected:.2%} connected (what union-find needs)")

    if args.minilm_rows:
        sample = texts[: args.minilm_rows]
        minilm, minilm_s = run_ours(sample, "minilm", None)
        m = minilm.timings
        print(f"minilm, {len(sample)} rows: embedding {m['embedding_s']:.2f}s, dedup beyond it "
              f"{minilm_s - m['embedding_s']:.2f}s = {(minilm_s - m['embedding_s']) / m['embedding_s']:.1%} of the embedding time")
        # The dedup work after embedding does not depend on the model, only on the graph it builds.
        minilm_rate = len(set(x.strip() for x in sample)) / m["embedding_s"]
        minilm_embedding = len(set(x.strip() for x in texts)) / minilm_rate
        print(f"  at {args.rows} rows MiniLM would embed for ~{minilm_embedding:.0f}s ({minilm_rate:.0f} texts/s measured above); "
              f"the {beyond:.1f}s of dedup measured above with {args.embedder} would be {beyond / minilm_embedding:.1%} of it")
    print(f"peak RSS of this process: {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
