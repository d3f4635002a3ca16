"""Speed, memory and neighbour recall of convergence dedup, with same-run baselines on the same embeddings.

    python benchmarks/bench_dedup.py --rows 100000 --curve 10000 30000 100000 300000 1000000   # everything, one run
    python benchmarks/bench_dedup.py --rows 20000 --skip-distilabel                            # quick comparison

Rows are questions about real Wikipedia articles in many surface forms (``scaled_questions``), 10% exact
repeats. Every contender gets the same precomputed embeddings (default ``wordllama``, the fast static
model; computed once for the largest size, smaller sizes take a prefix), so the times are the dedup
*beyond* embedding. Times are wall seconds and CPU seconds of this process (CPU is the steadier figure
on a shared machine); ratios are against ours in the same run.

* ours: :func:`deduplicate` with ``embeddings=`` (exact grouping, faiss neighbour graph, guarded merging,
  representatives and explanations), as ``DeduplicateConvergentQuestions(embeddings_column=...)`` runs it.
* semhash: ``SemHash.from_embeddings(...)`` + ``self_deduplicate(threshold)`` (usearch index).
* distilabel 1.5.3 chain: ``FaissNearestNeighbour(k, METRIC_INNER_PRODUCT).process`` +
  ``EmbeddingDedup.process``. Correctness: clusters of ours in which distilabel keeps no row.
* recall: the pairs at cosine >= threshold that an exhaustive search finds (one end in a random sample),
  and the share the approximate graph holds as an edge or connects (what the clustering needs).
* default embedder: seconds per row of the default embedder on a sample, so dedup beyond embedding is
  printed as a share of embedding the same rows.
* ``--partitions P``: :func:`deduplicate_partitioned` with P partitions on the same rows (forked workers,
  one per core): its time and how many of the one-worker duplicate pairs (rows in one cluster) it keeps
  together, and how many of its own pairs one worker has too.
* ``--curve``: each size in a fresh process (peak RSS of that run alone), the stage timings (CPU seconds; the
  kernel's share is printed apart: on this machine zeroing fresh transparent huge pages is much of it), and the
  fitted exponent of seconds against rows. Thread counts follow ``available_cores()``; ``OMP_NUM_THREADS``
  caps them. ``--curve-repeats R``: every size but the largest runs R times and counts with its median run
  (a 10k point takes 0.3 s, and a single run of it moved the fitted exponent by +-0.05 between runs).
  ``--curve-partitions P``: the largest size again through :func:`deduplicate_partitioned`.
* ``--by-fact``: the questions come fact by fact (``scaled_questions(by_fact=True)``: every lead-in and form
  of a fact together), so every size has about the same duplicates per question; by default they come
  lead-in by lead-in and 1M rows hold about four times the duplicates per question of 100k.
* ``--search-baseline``: at each curve size the neighbour search alone on the same node vectors, with and
  without cutting crowded lists into sub-lists (the previous search), and without comparing a list's members
  with each other once (every query against every member); the recall of the first two at ``--rows`` and
  ``--recall-sizes``.
* ``--search-settings PROBES,MARGIN ...``: at each of ``--recall-sizes`` the neighbour search alone (at the
  dedup's graph floor) with each setting of lists probed and probe margin: its CPU seconds and recall, and
  per setting the exponent of its seconds; shows what holding recall costs as the rows grow.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import resource
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

from distilabel_qabias.convergence.dedup import DEFAULT_GRAPH_MARGIN, deduplicate
from distilabel_qabias.convergence import graph as graph_module
from distilabel_qabias.convergence.graph import similar_pairs, thread_budget
from distilabel_qabias.convergence.partition import deduplicate_partitioned
from distilabel_qabias.threads import available_cores
from distilabel_qabias.embedders import DEFAULT_EMBEDDER, load_embedder
from evaluation import questions as question_sets

# Set from --by-fact (curve points get it on their command line).
BY_FACT = False


def scaled_questions(rows: int) -> list[str]:
    return question_sets.scaled_questions(rows, by_fact=BY_FACT)


def peak_rss_gib() -> float:
    """Peak resident memory of this process: VmHWM, which starts afresh in a new program (ru_maxrss keeps the
    peak of the process that started it, so every curve point would report the comparison's peak)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**20  # KiB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # ru_maxrss is KiB on Linux


def row_embeddings(texts: list[str], embedder_name: str) -> np.ndarray:
    return load_embedder(embedder_name).encode([t.strip() for t in texts])


def timed(run, *args):
    """``run(*args)`` with its wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = run(*args)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def approximate_search(vectors: np.ndarray, floor: float, **settings):
    """The shipped inverted-file search at its default settings but ``settings`` (keyword arguments of
    ``graph._approximate_pairs``), on the thread budget the dedup uses."""
    defaults = {"probes": graph_module.DEFAULT_PROBES, "probe_margin": graph_module.DEFAULT_PROBE_MARGIN,
                "neighbours": graph_module.DEFAULT_NEIGHBOURS, "seed": 0}
    with thread_budget():
        return graph_module._approximate_pairs(vectors, floor, **(defaults | settings))


def search_without_splitting(vectors: np.ndarray, floor: float):
    """The previous neighbour search: the same inverted-file index with no crowded list cut into sub-lists."""
    return approximate_search(vectors, floor, crowded=float("inf"))


def search_without_triangle(vectors: np.ndarray, floor: float):
    """The search before a list's members were compared with each other once: every query against every member."""
    return approximate_search(vectors, floor, triangle_part=len(vectors))


def search_with_splitting(vectors: np.ndarray, floor: float):
    return approximate_search(vectors, floor)


class SettingSearch:
    """The neighbour search with ``probes`` lists and ``margin`` at ``graph_floor`` (the dedup's floor, below the
    threshold), keeping the pairs at or above the threshold it is called with; ``cpu_seconds`` of its last call."""

    def __init__(self, probes: int, margin: float, graph_floor: float):
        self.probes, self.margin, self.graph_floor = probes, margin, graph_floor
        self.cpu_seconds = 0.0

    def __call__(self, vectors: np.ndarray, threshold: float):
        started = time.process_time()
        src, dst, score = approximate_search(vectors, self.graph_floor, probes=self.probes, probe_margin=self.margin)
        keep = score >= threshold
        self.cpu_seconds = time.process_time() - started
        return src[keep], dst[keep], score[keep]


def parse_search_setting(text: str) -> tuple[int, float]:
    """``PROBES,MARGIN`` of --search-settings (an argparse type, so a malformed one ends the run before any work)."""
    try:
        probes, margin = text.split(",")
        setting = int(probes), float(margin)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not PROBES,MARGIN (for example 8,0.2)") from None
    if setting[0] < 1 or not 0 <= setting[1] <= 2:
        raise argparse.ArgumentTypeError(f"{text!r}: PROBES must be at least 1 and MARGIN a cosine gap from 0 to 2")
    return setting


def search_settings(settings: list[tuple[int, float]], sizes: list[int], embedder_name: str, path: str) -> None:
    """Search CPU seconds and recall of each (probes, margin) setting at each size; the exponent per setting."""
    threshold = load_embedder(embedder_name).default_threshold
    floor = threshold - DEFAULT_GRAPH_MARGIN
    points: dict[tuple[int, float], list[dict]] = {}
    for size in sorted(sizes):
        nodes = recall_nodes(size, embedder_name, path)
        if not points:  # faiss and BLAS start up outside the timings
            SettingSearch(graph_module.DEFAULT_PROBES, graph_module.DEFAULT_PROBE_MARGIN, floor)(nodes[:2000], threshold)
        for setting in settings:
            probes, margin = setting
            search = SettingSearch(probes, margin, floor)
            edge_recall, connected, pairs, _ = graph_recall(nodes, threshold, search=search)
            points.setdefault(setting, []).append({"rows": size, "search_s": search.cpu_seconds})
            print(f"  {len(nodes):>8} distinct questions ({size} rows), probes {probes}, margin {margin}: search "
                  f"{search.cpu_seconds:.2f}s CPU at floor {floor:.2f}; {pairs} sampled pairs at cosine >= {threshold}: "
                  f"{edge_recall:.1%} kept as edges, {connected:.1%} connected", flush=True)
    for setting, found in points.items():
        if len(found) > 1:
            k, steps = exponent(found, "search_s")
            print(f"search exponent at probes {setting[0]}, margin {setting[1]}: {k:.2f} ({steps})", flush=True)


def run_ours(texts, vectors, embedder_name, threshold):
    return deduplicate(texts, embeddings=vectors, embedder=embedder_name, threshold=threshold)


def pair_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Of the row pairs that share a cluster under labels ``a``, the share that also share one under ``b``."""
    def pairs(labels: np.ndarray) -> int:
        sizes = np.unique(labels, return_counts=True)[1].astype(np.int64)
        return int((sizes * (sizes - 1) // 2).sum())

    width = int(b.max(initial=0)) + 1
    both = pairs(a.astype(np.int64) * width + b)
    return both / pairs(a) if pairs(a) else 1.0


def run_semhash(texts, vectors, model, threshold):
    from semhash import SemHash

    semhash = SemHash.from_embeddings(vectors, list(texts), model=model)
    return semhash.self_deduplicate(threshold=threshold)


def run_distilabel(texts, vectors, threshold, k):
    import faiss
    from distilabel.steps import EmbeddingDedup, FaissNearestNeighbour

    rows = [{"text": t, "embedding": v} for t, v in zip(texts, vectors.tolist())]
    nn = FaissNearestNeighbour(k=k, metric_type=faiss.METRIC_INNER_PRODUCT, search_batch_size=1000)
    nn.load()
    rows = next(nn.process(rows))
    dedup = EmbeddingDedup(threshold=threshold)
    dedup.load()
    rows = next(dedup.process(rows))
    return [r["keep_row_after_embedding_filtering"] for r in rows]


def graph_recall(vectors: np.ndarray, threshold: float, sample: int = 3000, seed: int = 0,
                 search=None) -> tuple[float, float, int, float]:
    """For pairs at cosine >= threshold with one end in a random sample: the share the approximate graph
    holds as an edge, the share it connects (same component of its edges >= threshold), their number,
    and the seconds the approximate search took. ``search(vectors, threshold) -> (src, dst, score)``
    replaces ``similar_pairs`` (e.g. the search without splitting, for a same-run comparison)."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    started = time.perf_counter()
    if search is None:
        graph = similar_pairs(vectors, threshold, exact_limit=0)
        src, dst = graph.src, graph.dst
    else:
        src, dst, _ = search(vectors, threshold)
        src, dst = np.minimum(src, dst), np.maximum(src, dst)
    seconds = time.perf_counter() - started
    n = len(vectors)
    edges = sparse.coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, component = connected_components(edges, directed=False)
    picked = np.random.default_rng(seed).choice(n, min(sample, n), replace=False)
    truth = set()
    for start in range(0, len(picked), 500):
        block = picked[start : start + 500]
        rows, cols = np.nonzero(vectors[block] @ vectors.T >= threshold)
        truth |= {(min(r, c), max(r, c)) for r, c in zip(block[rows].tolist(), cols.tolist()) if r != c}
    if not truth:
        return 1.0, 1.0, 0, seconds
    found = set(zip(src.tolist(), dst.tolist()))
    connected = sum(component[a] == component[b] for a, b in truth)
    return len(truth & found) / len(truth), connected / len(truth), len(truth), seconds


def recall_nodes(rows: int, embedder_name: str, path: str) -> np.ndarray:
    """Unit vectors of the distinct questions among the first ``rows`` (from the saved embeddings)."""
    first: dict[str, int] = {}
    for i, text in enumerate(scaled_questions(rows)):
        first.setdefault(text.strip(), i)
    vectors = np.array(np.load(path, mmap_mode="r")[np.fromiter(first.values(), np.int64)], dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def embeddings_file(rows: int, embedder_name: str) -> str:
    """The embeddings of the first ``rows`` questions, computed once into a temporary .npy file."""
    order = "_by_fact" if BY_FACT else ""
    path = os.path.join(tempfile.gettempdir(), f"bench_dedup_{embedder_name}{order}_{rows}.npy")
    if not os.path.exists(path):
        np.save(path, row_embeddings(scaled_questions(rows), embedder_name))
    return path


def curve_point(rows: int, embedder_name: str, path: str, partitions: int = 0, search_baseline: bool = False) -> None:
    """One size of the cost curve (run in its own process): dedup beyond embedding, and peak RSS. With
    ``partitions``, :func:`deduplicate_partitioned` instead, and its agreement with the one-search run
    of the same size (whose cluster labels that run left next to the embeddings). With ``search_baseline``,
    afterwards the neighbour search alone on the same node vectors, with and without splitting crowded
    lists (CPU seconds; the peak RSS printed is the dedup's)."""
    import types

    from distilabel_qabias.convergence import dedup, partition, result as result_module

    # Stage timings in CPU seconds of this process (steadier than wall seconds on a shared machine).
    dedup.time = partition.time = result_module.time = types.SimpleNamespace(perf_counter=time.process_time)
    texts = scaled_questions(rows)  # a prefix of the largest size's questions
    vectors = np.array(np.load(path, mmap_mode="r")[:rows])
    before = peak_rss_gib()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    if partitions:
        result, seconds, cpu = timed(lambda: deduplicate_partitioned(
            texts, embeddings=vectors, embedder=embedder_name, partitions=partitions))
    else:
        result, seconds, cpu = timed(run_ours, texts, vectors, embedder_name, None)
    system = resource.getrusage(resource.RUSAGE_SELF).ru_stime - usage.ru_stime
    peak = peak_rss_gib()
    baseline = {}
    if search_baseline and not partitions:
        graph = result.inputs.graph
        nodes = np.ascontiguousarray(result.inputs.vectors)
        for key, search in (("previous_search_cpu_seconds", search_without_splitting),
                            ("search_cpu_seconds", search_with_splitting),
                            ("untriangled_search_cpu_seconds", search_without_triangle)):
            started = time.process_time()
            src, _, _ = search(nodes, graph.floor)
            baseline[key] = round(time.process_time() - started, 2)
            baseline[key.replace("cpu_seconds", "edges")] = len(src)
    labels_path = f"{path}.clusters_{rows}.npy"
    agreement = {}
    if not partitions:
        np.save(labels_path, result.cluster_id)
    elif os.path.exists(labels_path):
        one = np.load(labels_path)
        agreement = {"one_search_pairs_kept": round(pair_agreement(one, result.cluster_id), 4),
                     "pairs_one_search_has": round(pair_agreement(result.cluster_id, one), 4)}
    print(json.dumps({
        "rows": rows, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "system_cpu_seconds": round(system, 2),
        **agreement, **baseline,
        "timings": {k: round(v, 2) for k, v in result.timings.items()},
        "peak_rss_gib": round(peak, 2), "rss_before_dedup_gib": round(before, 2),
        "edges": len(result.inputs.graph), "duplicates": result.n_duplicates, "clusters": result.n_clusters,
    }))


def exponent(points: list[dict], key: str) -> tuple[float, str]:
    x = np.log([p["rows"] for p in points])
    y = np.log([p[key] for p in points])
    steps = ", ".join(f"{a['rows']}->{b['rows']}: {math.log(b[key] / a[key]) / math.log(b['rows'] / a['rows']):.2f}"
                      for a, b in zip(points, points[1:]))
    return float(np.polyfit(x, y, 1)[0]), steps


def run_curve_point(rows: int, embedder_name: str, path: str, partitions: int = 0, search_baseline: bool = False) -> dict:
    out = subprocess.run([sys.executable, __file__, "--_curve-point", str(rows), "--embedder", embedder_name,
                          "--_embeddings", path, "--_partitions", str(partitions),
                          *(["--search-baseline"] if search_baseline else []), *(["--by-fact"] if BY_FACT else [])],
                         capture_output=True, text=True, check=True)
    point = json.loads(out.stdout.strip().splitlines()[-1])
    agreement = (f"; one-search pairs kept together {point['one_search_pairs_kept']:.1%}, its pairs one search has "
                 f"{point['pairs_one_search_has']:.1%}" if "one_search_pairs_kept" in point else "")
    print(f"{rows:>9} rows{f' ({partitions} partitions)' if partitions else ''}: {point['seconds']:7.1f}s wall, "
          f"{point['cpu_seconds']:7.1f}s CPU ({point['system_cpu_seconds']:.1f}s of it in the kernel) beyond embedding "
          f"{point['timings']}, peak RSS {point['peak_rss_gib']:.2f} GiB ({point['rss_before_dedup_gib']:.2f} "
          f"before dedup), {point['edges']} edges, {point['duplicates']} duplicates{agreement}", flush=True)
    if "previous_search_cpu_seconds" in point:
        print(f"{'':>15}search alone on the same nodes: {point['search_cpu_seconds']:.1f}s CPU with crowded lists split "
              f"({point['search_edges']} pairs), {point['previous_search_cpu_seconds']:.1f}s without "
              f"({point['previous_search_edges']} pairs): {point['previous_search_cpu_seconds'] / point['search_cpu_seconds']:.2f}x; "
              f"{point['untriangled_search_cpu_seconds']:.1f}s with every query against every member of a list "
              f"({point['untriangled_search_edges']} pairs): "
              f"{point['untriangled_search_cpu_seconds'] / point['search_cpu_seconds']:.2f}x", flush=True)
    return point


def median_point(rows: int, repeats: int, embedder_name: str, path: str, search_baseline: bool) -> dict:
    """The run with the median CPU seconds among ``repeats`` runs of one size."""
    runs = sorted((run_curve_point(rows, embedder_name, path, search_baseline=search_baseline) for _ in range(repeats)),
                  key=lambda point: point["cpu_seconds"])
    if repeats > 1:
        print(f"{rows:>9} rows: median of {repeats} runs {runs[repeats // 2]['cpu_seconds']:.2f}s CPU "
              f"(all: {', '.join(format(run['cpu_seconds'], '.2f') for run in runs)})", flush=True)
    return runs[repeats // 2]


def cost_curve(sizes: list[int], embedder_name: str, path: str, partitions: int = 0, search_baseline: bool = False,
               repeats: int = 1) -> None:
    points = [median_point(rows, repeats if rows < sizes[-1] else 1, embedder_name, path, search_baseline)
              for rows in sizes]
    if len(points) > 1:
        keys = [("seconds", "wall"), ("cpu_seconds", "CPU")]
        if search_baseline:
            keys += [("search_cpu_seconds", "search CPU"), ("previous_search_cpu_seconds", "previous search CPU")]
        for key, what in keys:
            slope, steps = exponent(points, key)
            print(f"cost exponent ({what} seconds ~ rows^k, least squares over all sizes): k = {slope:.2f}; per step: {steps}")
    largest = points[-1]
    print(f"at {largest['rows']} rows: {largest['seconds']:.1f}s wall / {largest['cpu_seconds']:.1f}s CPU beyond embedding; "
          f"stages {largest['timings']}; peak RSS {largest['peak_rss_gib']:.2f} GiB")
    if partitions:
        run_curve_point(largest["rows"], embedder_name, path, partitions)


def compare(rows: int, args, path: str) -> None:
    """Ours against semhash and the distilabel chain on the same rows and embeddings, recall, embedding share."""
    model = load_embedder(args.embedder)
    threshold = args.threshold if args.threshold is not None else model.default_threshold
    texts = scaled_questions(rows)
    vectors = np.array(np.load(path, mmap_mode="r")[:rows])
    print(f"{rows} rows ({len(set(texts))} distinct), embedder {args.embedder}, threshold {threshold}; "
          "times below exclude embedding")
    ours, ours_s, ours_cpu = timed(run_ours, texts, vectors, args.embedder, threshold)
    print(f"ours: {ours_s:.2f}s wall, {ours_cpu:.2f}s CPU ({ {k: round(v, 2) for k, v in ours.timings.items()} }); "
          f"{ours.n_duplicates} duplicates in {ours.n_clusters} clusters; refused joins {ours.refused_counts()}", flush=True)

    if args.partitions:
        split, split_s, split_cpu = timed(
            lambda: deduplicate_partitioned(texts, embeddings=vectors, embedder=args.embedder, threshold=threshold,
                                            partitions=args.partitions))
        print(f"partitioned ({args.partitions} partitions, {split.timings.get('partitions_s', 0):.2f}s in the "
              f"partitions, merge pass {split.timings.get('merge_pass_s', 0):.2f}s): {split_s:.2f}s wall, "
              f"{split_cpu:.2f}s CPU of this process; {split.n_duplicates} duplicates in {split.n_clusters} clusters; "
              f"one-worker pairs kept together {pair_agreement(ours.cluster_id, split.cluster_id):.1%}, its pairs "
              f"one worker has too {pair_agreement(split.cluster_id, ours.cluster_id):.1%}", flush=True)

    if not args.skip_semhash:
        semhash_result, semhash_s, semhash_cpu = timed(run_semhash, texts, vectors, model, threshold)
        print(f"semhash from_embeddings + self_deduplicate: {semhash_s:.2f}s wall, {semhash_cpu:.2f}s CPU, "
              f"{len(semhash_result.filtered)} duplicates -> ours is {semhash_s / ours_s:.2f}x faster (wall), "
              f"{semhash_cpu / ours_cpu:.2f}x (CPU)", flush=True)

    if not args.skip_distilabel:
        keep, distilabel_s, distilabel_cpu = timed(run_distilabel, texts, vectors, threshold, args.k)
        merged = ours.merged_clusters()
        no_survivor = sum(1 for c in merged if not any(keep[m.row] for m in c.members))
        print(f"distilabel FaissNearestNeighbour(k={args.k}, inner product) + EmbeddingDedup: {distilabel_s:.2f}s wall, "
              f"{distilabel_cpu:.2f}s CPU -> ours is {distilabel_s / ours_s:.1f}x faster (wall), "
              f"{distilabel_cpu / ours_cpu:.1f}x (CPU)")
        print(f"  distilabel keeps {sum(keep)} rows; in {no_survivor} of our {len(merged)} multi-row clusters it keeps "
              f"NO row (ours keeps exactly one in each)", flush=True)

    nodes = model.encode(list(dict.fromkeys(t.strip() for t in texts)))
    edge_recall, connected, pairs, seconds = graph_recall(nodes, threshold)
    print(f"approximate neighbour graph ({seconds:.1f}s on {len(nodes)} distinct questions) vs exhaustive search, "
          f"{pairs} sampled pairs at cosine >= {threshold}: {edge_recall:.1%} kept as edges, {connected:.1%} connected",
          flush=True)
    if args.search_baseline:
        for size in sorted({len(nodes), *args.recall_sizes}):
            sized = nodes if size == len(nodes) else recall_nodes(size, args.embedder, path)
            for name, search in (("without splitting (previous)", search_without_splitting),
                                 ("with crowded lists split", search_with_splitting)):
                edge_recall, connected, pairs, seconds = graph_recall(sized, threshold, search=search)
                print(f"  search {name} on {len(sized)} distinct questions: {seconds:.1f}s wall, {pairs} sampled "
                      f"pairs at cosine >= {threshold}: {edge_recall:.1%} kept as edges, {connected:.1%} connected",
                      flush=True)

    if args.embed_sample:
        default = load_embedder(DEFAULT_EMBEDDER)
        sample = [t.strip() for t in texts[: args.embed_sample]]
        default.encode(sample[:32])  # load the model outside the timing
        _, embed_s, embed_cpu = timed(default.encode, sample)
        per_row, per_row_cpu = embed_s / len(sample), embed_cpu / len(sample)
        print(f"default embedder {DEFAULT_EMBEDDER}: {len(sample) / embed_s:.0f} rows/s wall ({len(sample)} rows), so "
              f"{rows} rows take about {per_row * rows:.0f}s wall / {per_row_cpu * rows:.0f}s CPU to embed; "
              f"dedup beyond embedding is {ours_s / (per_row * rows):.1%} of that (wall), "
              f"{ours_cpu / (per_row_cpu * rows):.1%} (CPU)")
    print(f"peak RSS of this process: {peak_rss_gib():.2f} GiB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the comparison (0: none)")
    parser.add_argument("--embedder", default="wordllama")
    parser.add_argument("--threshold", type=float, default=None, help="default: the embedder's tuned threshold")
    parser.add_argument("--k", type=int, default=10, help="neighbours for distilabel's FaissNearestNeighbour")
    parser.add_argument("--skip-distilabel", action="store_true")
    parser.add_argument("--skip-semhash", action="store_true")
    parser.add_argument("--partitions", type=int, default=0, help="also run the partitioned path (0: skip)")
    parser.add_argument("--embed-sample", type=int, default=2000, help="rows to time the default embedder on (0: skip)")
    parser.add_argument("--curve", type=int, nargs="+", help="row counts of the cost curve (each in its own process)")
    parser.add_argument("--curve-repeats", type=int, default=3,
                        help="runs of every curve size but the largest; the median one counts (default 3)")
    parser.add_argument("--curve-partitions", type=int, default=0,
                        help="after the curve, the largest size again with deduplicate_partitioned (0: skip)")
    parser.add_argument("--search-baseline", action="store_true",
                        help="also time the neighbour search without splitting crowded lists (the previous search) "
                             "at every curve size, and print both searches' recall")
    parser.add_argument("--recall-sizes", type=int, nargs="*", default=[300_000],
                        help="with --search-baseline: also measure both searches' recall on the distinct questions "
                             "of these row counts; with --search-settings: each setting's")
    parser.add_argument("--search-settings", nargs="+", type=parse_search_setting, metavar="PROBES,MARGIN",
                        help="the neighbour search alone with these settings at each of --recall-sizes: CPU seconds, "
                             "recall, and the exponent per setting")
    parser.add_argument("--by-fact", action="store_true",
                        help="questions fact by fact (the same duplicates per question at every size)")
    parser.add_argument("--_curve-point", dest="curve_point", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_partitions", dest="point_partitions", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--_embeddings", dest="embeddings_path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    global BY_FACT
    BY_FACT = args.by_fact

    if args.curve_point:
        curve_point(args.curve_point, args.embedder, args.embeddings_path, args.point_partitions, args.search_baseline)
        return
    print(f"threads: {available_cores()} (os.sched_getaffinity, capped by OMP_NUM_THREADS)")
    largest = max([args.rows, *(args.curve or []), *(args.recall_sizes if args.search_settings else [])])
    started = time.perf_counter()
    path = embeddings_file(largest, args.embedder)
    print(f"embeddings of {largest} rows ({args.embedder}): {path} ({time.perf_counter() - started:.1f}s)", flush=True)
    if args.rows:
        compare(args.rows, args, path)
    if args.search_settings:
        search_settings(args.search_settings, args.recall_sizes, args.embedder, path)
    if args.curve:
        cost_curve(sorted(args.curve), args.embedder, path, args.curve_partitions, args.search_baseline,
                   max(1, args.curve_repeats))


if __name__ == "__main__":
    main()
