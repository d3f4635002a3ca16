"""Speed of building the QA bias report, against a same-run numpy baseline.

Rows: synthetic evidence (lead-biased, with seed prompts, chunk offsets, dedup, grounding, target
and keep columns) over real Wikipedia lead summaries. The baseline is the least any coverage
report must do: one ``np.bincount`` of hits per (document, sentence) over the same evidence
indices, with the sentence counts already known. The timed path is the Step's: read the rows
into columns (``report_columns``, which also rewrites ``qabias_keep``), then ``build_report``
groups rows by document text, segments each document (cold run) and computes every section.

    .venv/bin/python benchmarks/bench_report.py [--rows 50000] [--docs 2500]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time

import numpy as np

from distilabel_qabias import schema
from distilabel_qabias.report import ReportConfig, build_report, documents, write_report
from distilabel_qabias.steps.report import report_columns
from distilabel_qabias.text.segment import split_sentences
from evaluation.corpora import wikipedia_summaries


def make_rows(n_rows: int, n_docs: int, seed: int = 0):
    rng = random.Random(seed)
    docs = wikipedia_summaries(n_docs, seed=seed, min_chars=300)
    sizes = [len(split_sentences(d.text)) for d in docs]
    rows, doc_index = [], []
    for i in range(n_rows):
        d = i % len(docs)
        n = sizes[d]
        sentence = 0 if rng.random() < 0.5 else rng.randrange(n)
        start = rng.randrange(max(1, len(docs[d].text) - 250))
        rows.append(
            {
                "document": docs[d].text,
                "question": f"question {i}?",
                "prompt": rng.choice(["structuring", "summarization", "question", "use case", "creative"]),
                schema.EVIDENCE_SENTENCE: sentence if rng.random() < 0.95 else None,
                schema.GROUNDED: rng.random() < 0.9,
                schema.TARGET_SENTENCE: rng.randrange(n),
                schema.KEEP_GROUNDING: True,
                "chunk_start": start,
                "chunk_end": start + 250,
                schema.CLUSTER_ID: rng.randrange(n_rows // 3),
                schema.KEEP_CONVERGENCE: rng.random() < 0.8,
            }
        )
        doc_index.append(d)
    return rows, np.array(doc_index), np.array(sizes)


def baseline(rows, doc_index: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    evidence = np.array([r[schema.EVIDENCE_SENTENCE] if r[schema.EVIDENCE_SENTENCE] is not None else -1 for r in rows])
    hit = evidence >= 0
    return np.bincount(offsets[doc_index[hit]] + evidence[hit], minlength=int(sizes.sum()))


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--docs", type=int, default=2_500)
    args = parser.parse_args()
    rows, doc_index, sizes = make_rows(args.rows, args.docs)
    full = ReportConfig(prompt_column="prompt", chunk_start_column="chunk_start", chunk_end_column="chunk_end",
                        grounded_only=False)
    core = ReportConfig(grounded_only=False)
    core_rows = [{"document": r["document"], schema.EVIDENCE_SENTENCE: r[schema.EVIDENCE_SENTENCE]} for r in rows]

    def build(config, rows=rows):
        return build_report(report_columns(rows, config), config)

    documents._sentences.cache_clear()
    cold = timed(lambda: build(full))
    warm = timed(lambda: build(full), repeat=3)
    minimal = timed(lambda: build(core, core_rows), repeat=3)
    columns_only = timed(lambda: report_columns(rows, full), repeat=3)
    base = timed(lambda: baseline(rows, doc_index, sizes), repeat=5)
    report = build(full)
    with tempfile.TemporaryDirectory() as tmp:
        write = timed(lambda: write_report(report, tmp))

    # Same counts as the baseline: the report is not faster by skipping work.
    counts = baseline(rows, doc_index, sizes)
    assert sum(d.hit_rows for d in report.per_document) == counts.sum()

    n = len(rows)
    print(f"rows={n} documents={len(sizes)} sentences={int(sizes.sum())}")
    print(f"baseline numpy bincount        : {n / base:12,.0f} rows/s ({base * 1e3:8.1f} ms)")
    for label, seconds in (
        ("build_report cold (segmenting)", cold),
        ("build_report warm, all sections", warm),
        ("build_report warm, core only", minimal),
        ("rows -> columns only", columns_only),
    ):
        print(f"{label:31}: {n / seconds:12,.0f} rows/s ({seconds * 1e3:8.1f} ms)  time ratio to baseline = {seconds / base:6.0f}x")
    print(f"write_report (json, md, 4 PNGs): {write * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
