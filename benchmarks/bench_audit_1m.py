"""End-to-end convergence audit of many questions with the default embedder: embedding + dedup, wall,
CPU, peak memory (issue 13's bar: 1M questions in <= 25 minutes on this 2-core machine, <= 8 GiB peak).

    python benchmarks/bench_audit_1m.py                      # the 1M measurement (about 10-20 minutes)
    python benchmarks/bench_audit_1m.py --rows 100000        # a tenth, with clearly marked extrapolations

Rows are questions about real Wikipedia articles in many surface forms (``scaled_questions``, as in
bench_dedup.py), 10% exact repeats. They go through :func:`deduplicate` with no precomputed vectors,
as ``DeduplicateConvergentQuestions`` runs it: exact grouping, embedding each distinct question with
``embedders.DEFAULT_EMBEDDER``, the neighbour graph, guarded merging, representatives. Loading the
model (and its one-off ONNX export) happens before the clock starts and is printed apart.

Printed: wall and CPU seconds of the whole call and of each stage, peak RSS of this process (it
includes the row strings, which a pipeline holds anyway), and, after the measurement (so the
baseline's torch does not count towards the peak), float32 MiniLM timed on a sample of the same
rows at the same thread count, for the speed ratio. Below 1M rows the 1M figures are extrapolated:
embedding in proportion to the distinct questions, dedup beyond embedding with a cost exponent
(``--dedup-exponent``, default 1.15: the issue's bar; bench_dedup.py --curve measures the real one).
Thread counts follow the cores available (``QABIAS_EMBED_THREADS`` / ``--threads`` to pin them).
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import time
import warnings

TARGET_ROWS = 1_000_000
WALL_BAR_S = 25 * 60
PEAK_BAR_GIB = 8.0


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # ru_maxrss is KiB on Linux


def timed(run, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    out = run(*args, **kwargs)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def count_cpu_seconds(embedder) -> list[float]:
    """Wraps ``embedder.encode``: the process CPU seconds spent inside it add up in the returned list's
    first cell, its second is the peak RSS (GiB) when the last call returned."""
    spent = [0.0, 0.0]
    encode = embedder.encode

    def counted(texts, **options):
        started = time.process_time()
        try:
            return encode(texts, **options)
        finally:
            spent[0] += time.process_time() - started
            spent[1] = peak_rss_gib()

    embedder.encode = counted
    return spent


def baseline_ratio(texts: list[str], embedder, sample: int) -> str:
    """Float32 MiniLM against the default embedder on the same sample of distinct rows, same threads."""
    import torch

    from distilabel_qabias.embedders import embedding_threads, load_embedder

    torch.set_num_threads(embedding_threads())
    minilm = load_embedder("minilm")
    picked = texts[:sample]
    minilm.encode(picked[:32])
    lines = []
    for name, model in (("minilm (float32, torch)", minilm), (embedder.name, embedder)):
        model.clear_cache()
        _, wall, cpu = timed(model.encode, picked)
        lines.append((name, len(picked) / wall, len(picked) / cpu))
    base_wall, base_cpu = lines[0][1], lines[0][2]
    return "\n".join(f"  {name:26s} {wall:7.0f} rows/s wall ({wall / base_wall:5.2f}x), {cpu:7.0f} rows/s CPU ({cpu / base_cpu:5.2f}x)"
                     for name, wall, cpu in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument("--threads", type=int, default=None, help="embedding threads (default: the cores available)")
    parser.add_argument("--baseline-sample", type=int, default=2000, help="rows to time float32 MiniLM on afterwards (0: skip)")
    parser.add_argument("--dedup-exponent", type=float, default=1.15, help="cost exponent for extrapolating dedup beyond embedding")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    if args.threads:
        os.environ["QABIAS_EMBED_THREADS"] = str(args.threads)

    from distilabel_qabias.convergence.dedup import deduplicate
    from distilabel_qabias.embedders import DEFAULT_EMBEDDER, embedding_threads, load_embedder
    from evaluation.questions import scaled_questions

    (texts, build_s, _) = timed(scaled_questions, args.rows)
    distinct = len(set(texts))
    print(f"{args.rows} rows ({distinct} distinct questions, mean {sum(map(len, texts)) / len(texts):.0f} characters) "
          f"built in {build_s:.1f}s; default embedder {DEFAULT_EMBEDDER}, {embedding_threads()} embedding thread(s)", flush=True)
    embedder, load_s, _ = timed(load_embedder, DEFAULT_EMBEDDER)
    embedder.encode(texts[:64])  # session and first-call allocations outside the clock
    embedder.clear_cache()
    print(f"embedder loaded in {load_s:.1f}s (includes the one-off ONNX export when the cache is empty); "
          f"peak RSS before the audit {peak_rss_gib():.2f} GiB", flush=True)

    embedding_cpu = count_cpu_seconds(embedder)
    result, wall, cpu = timed(deduplicate, texts, embedder=embedder)
    peak = peak_rss_gib()
    timings = {key: round(value, 1) for key, value in result.timings.items()}
    embedding_s = result.timings["embedding_s"]
    beyond_s = wall - embedding_s
    print(f"\nMEASURED at {args.rows} rows: {wall:.1f}s wall ({wall / 60:.1f} min), {cpu:.1f}s CPU; "
          f"embedding {embedding_s:.1f}s wall / {embedding_cpu[0]:.1f}s CPU ({distinct / embedding_s:.0f} distinct "
          f"questions/s wall), "
          f"dedup beyond embedding {beyond_s:.1f}s ({beyond_s / embedding_s:.1%} of embedding); "
          f"peak RSS {peak:.2f} GiB ({embedding_cpu[1]:.2f} GiB when the embedding returned)")
    print(f"  stages (wall s): {timings}")
    print(f"  {result.n_duplicates} duplicates in {result.n_clusters} clusters")
    threads = embedding_threads()
    print(f"  the embedding had {embedding_cpu[0] / embedding_s:.2f} of its {threads} thread(s) busy on average; with {threads} "
          f"free core(s) it would take about {embedding_cpu[0] / threads:.0f}s (its CPU seconds / threads; an estimate)")
    embedder.clear_cache()

    if args.rows == TARGET_ROWS:
        verdict = "MEETS" if wall <= WALL_BAR_S and peak <= PEAK_BAR_GIB else "does NOT meet"
        print(f"bar (1M rows <= {WALL_BAR_S / 60:.0f} min, <= {PEAK_BAR_GIB:.0f} GiB peak): {verdict}")
    else:
        full_distinct = len(set(scaled_questions(TARGET_ROWS))) if args.rows < TARGET_ROWS else distinct
        scale = TARGET_ROWS / args.rows
        embed_1m = embedding_s * full_distinct / distinct
        embed_1m_free = embedding_cpu[0] / threads * full_distinct / distinct
        beyond_1m = beyond_s * scale**args.dedup_exponent
        print(f"\nEXTRAPOLATED to {TARGET_ROWS} rows ({full_distinct} distinct; not measured): embedding about "
              f"{embed_1m:.0f}s (in proportion to distinct questions), dedup beyond embedding about {beyond_1m:.0f}s "
              f"(x{scale:.0f}^{args.dedup_exponent}), total about {(embed_1m + beyond_1m) / 60:.1f} min against the "
              f"{WALL_BAR_S / 60:.0f}-minute bar ({(embed_1m_free + beyond_1m) / 60:.1f} min with the embedding on "
              f"{threads} free core(s)); memory is not extrapolated (measure it at 1M)")

    if args.baseline_sample:
        print(f"\nsame rows, same threads, after the audit ({args.baseline_sample} distinct rows):", flush=True)
        print(baseline_ratio(list(dict.fromkeys(t.strip() for t in texts)), embedder, args.baseline_sample))


if __name__ == "__main__":
    main()
