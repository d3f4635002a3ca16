"""Speed, memory and neighbour recall of convergence dedup, with same-run baselines on the same embeddings.

    python benchmarks/bench_dedup.py                        # 100k rows: ours vs semhash vs distilabel chain, recall
    python benchmarks/bench_dedup.py --rows 20000 --skip-distilabel
    python benchmarks/bench_dedup.py --curve 10000 30000 100000 300000 1000000   # cost curve, exponent, peak memory

Rows are questions about real Wikipedia articles in many surface forms (``scaled_questions``), 10% exact
repeats. Every contender gets the same precomputed embeddings (default ``wordllama``, the fast static
model), so the times are the dedup *beyond* embedding:

* ours: :func:`deduplicate` with ``embeddings=`` (exact grouping, faiss neighbour graph, guarded merging,
  representatives and explanations), as ``DeduplicateConvergentQuestions(embeddings_column=...)`` runs it.
* semhash: ``SemHash.from_embeddings(...)`` + ``self_deduplicate(threshold)`` (usearch index).
* distilabel 1.5.3 chain: ``FaissNearestNeighbour(k, METRIC_INNER_PRODUCT).process`` +
  ``EmbeddingDedup.process``. Correctness: clusters of ours in which distilabel keeps no row.
* recall: the pairs at cosine >= threshold that an exhaustive search finds (one end in a random sample),
  and the share the approximate graph holds as an edge or connects (what the clustering needs).
* ``--curve``: each size in a fresh process (peak RSS of that run alone), and the fitted exponent of
  seconds against rows. Thread counts follow ``available_cores()``; ``OMP_NUM_THREADS`` caps them.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

from distilabel_qabias.convergence.dedup import deduplicate
from distilabel_qabias.convergence.graph import similar_pairs
from distilabel_qabias.threads import available_cores
from distilabel_qabias.embedders import load_embedder
from evaluation.questions import scaled_questions


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # ru_maxrss is KiB on Linux


def row_embeddings(texts: list[str], embedder_name: str) -> np.ndarray:
    return load_embedder(embedder_name).encode([t.strip() for t in texts])


def run_ours(texts, vectors, embedder_name, threshold):
    started = time.perf_counter()
    result = deduplicate(texts, embeddings=vectors, embedder=embedder_name, threshold=threshold)
    return result, time.perf_counter() - started


def run_semhash(texts, vectors, embedder_name, threshold):
    from semhash import SemHash

    model = load_embedder(embedder_name)
    started = time.perf_counter()
    semhash = SemHash.from_embeddings(vectors, list(texts), model=model)
    result = semhash.self_deduplicate(threshold=threshold)
    return result, time.perf_counter() - started


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


def graph_recall(vectors: np.ndarray, threshold: float, sample: int = 3000, seed: int = 0) -> tuple[float, float, int, float]:
    """For pairs at cosine >= threshold with one end in a random sample: the share the approximate graph
    holds as an edge, the share it connects (same component of its edges >= threshold), their number,
    and the seconds the approximate search took."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    started = time.perf_counter()
    graph = similar_pairs(vectors, threshold, exact_limit=0)
    seconds = time.perf_counter() - started
    n = len(vectors)
    edges = sparse.coo_matrix((np.ones(len(graph)), (graph.src, graph.dst)), shape=(n, n))
    _, component = connected_components(edges, directed=False)
    picked = np.random.default_rng(seed).choice(n, min(sample, n), replace=False)
    truth = set()
    for start in range(0, len(picked), 500):
        block = picked[start : start + 500]
        rows, cols = np.nonzero(vectors[block] @ vectors.T >= threshold)
        truth |= {(min(r, c), max(r, c)) for r, c in zip(block[rows].tolist(), cols.tolist()) if r != c}
    if not truth:
        return 1.0, 1.0, 0, seconds
    found = set(zip(graph.src.tolist(), graph.dst.tolist()))
    connected = sum(component[a] == component[b] for a, b in truth)
    return len(truth & found) / len(truth), connected / len(truth), len(truth), seconds


def curve_point(rows: int, embedder_name: str) -> None:
    """One size of the cost curve (run in its own process): dedup beyond embedding, and peak RSS."""
    texts = scaled_questions(rows)
    vectors = row_embeddings(texts, embedder_name)
    load_embedder(embedder_name).clear_cache()
    before = peak_rss_gib()
    result, seconds = run_ours(texts, vectors, embedder_name, None)
    print(json.dumps({
        "rows": rows, "seconds": round(seconds, 2), "timings": {k: round(v, 2) for k, v in result.timings.items()},
        "peak_rss_gib": round(peak_rss_gib(), 2), "rss_before_dedup_gib": round(before, 2),
        "edges": len(result.inputs.graph), "duplicates": result.n_duplicates, "clusters": result.n_clusters,
    }))


def cost_curve(sizes: list[int], embedder_name: str) -> None:
    points = []
    for rows in sizes:
        out = subprocess.run([sys.executable, __file__, "--_curve-point", str(rows), "--embedder", embedder_name],
                             capture_output=True, text=True, check=True)
        point = json.loads(out.stdout.strip().splitlines()[-1])
        points.append(point)
        print(f"{rows:>9} rows: {point['seconds']:7.1f}s beyond embedding {point['timings']}, "
              f"peak RSS {point['peak_rss_gib']:.2f} GiB ({point['rss_before_dedup_gib']:.2f} before dedup), "
              f"{point['edges']} edges", flush=True)
    if len(points) > 1:
        x = np.log([p["rows"] for p in points])
        y = np.log([p["seconds"] for p in points])
        slope = np.polyfit(x, y, 1)[0]
        steps = ", ".join(f"{a['rows']}->{b['rows']}: {math.log(b['seconds'] / a['seconds']) / math.log(b['rows'] / a['rows']):.2f}"
                          for a, b in zip(points, points[1:]))
        print(f"cost exponent (seconds ~ rows^k, least squares over all sizes): k = {slope:.2f}; per step: {steps}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--embedder", default="wordllama")
    parser.add_argument("--threshold", type=float, default=None, help="default: the embedder's tuned threshold")
    parser.add_argument("--k", type=int, default=10, help="neighbours for distilabel's FaissNearestNeighbour")
    parser.add_argument("--skip-distilabel", action="store_true")
    parser.add_argument("--skip-semhash", action="store_true")
    parser.add_argument("--curve", type=int, nargs="+", help="row counts of the cost curve (each in its own process)")
    parser.add_argument("--_curve-point", dest="curve_point", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")

    if args.curve_point:
        curve_point(args.curve_point, args.embedder)
        return
    print(f"threads: {available_cores()} (os.sched_getaffinity, capped by OMP_NUM_THREADS)")
    if args.curve:
        cost_curve(args.curve, args.embedder)
        return

    threshold = args.threshold if args.threshold is not None else load_embedder(args.embedder).default_threshold
    texts = scaled_questions(args.rows)
    started = time.perf_counter()
    vectors = row_embeddings(texts, args.embedder)
    print(f"{args.rows} rows ({len(set(texts))} distinct), embedder {args.embedder} "
          f"({time.perf_counter() - started:.1f}s to embed), threshold {threshold}; times below exclude embedding")

    ours, ours_s = run_ours(texts, vectors, args.embedder, threshold)
    print(f"ours: {ours_s:.2f}s ({ {k: round(v, 2) for k, v in ours.timings.items()} }); "
          f"{ours.n_duplicates} duplicates in {ours.n_clusters} clusters; refused joins {ours.refused_counts()}")

    if not args.skip_semhash:
        semhash_result, semhash_s = run_semhash(texts, vectors, args.embedder, threshold)
        print(f"semhash from_embeddings + self_deduplicate: {semhash_s:.2f}s, {len(semhash_result.filtered)} duplicates "
              f"-> ours is {semhash_s / ours_s:.2f}x faster")

    if not args.skip_distilabel:
        keep, distilabel_s = run_distilabel(texts, vectors, threshold, args.k)
        merged = ours.merged_clusters()
        no_survivor = sum(1 for c in merged if not any(keep[m.row] for m in c.members))
        print(f"distilabel FaissNearestNeighbour(k={args.k}, inner product) + EmbeddingDedup: {distilabel_s:.2f}s "
              f"-> ours is {distilabel_s / ours_s:.1f}x faster")
        print(f"  distilabel keeps {sum(keep)} rows; in {no_survivor} of our {len(merged)} multi-row clusters it keeps "
              f"NO row (ours keeps exactly one in each)")

    nodes = load_embedder(args.embedder).encode(list(dict.fromkeys(t.strip() for t in texts)))
    edge_recall, connected, pairs, seconds = graph_recall(nodes, threshold)
    print(f"approximate neighbour graph ({seconds:.1f}s on {len(nodes)} distinct questions) vs exhaustive search, "
          f"{pairs} sampled pairs at cosine >= {threshold}: {edge_recall:.1%} kept as edges, {connected:.1%} connected")
    print(f"peak RSS of this process: {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
