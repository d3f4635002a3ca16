"""Speed of evidence alignment and sentence segmentation on real Wikipedia summaries.

Prints rows/s for lexical alignment (cold: every document indexed during the run), alignment with
embeddings (MiniLM and a static model, when ``distilabel_qabias.embedders`` is
available), and a same-run baseline: one raw ``rapidfuzz.fuzz.partial_ratio(answer, document)`` per
row, the cheapest fuzzy grounding check (YourBench-style). Then segmentation sentences/s against pysbd
on the same documents. Timings are noisy on a shared machine; compare the ratios.

    python benchmarks/bench_align.py [--documents 1500] [--pysbd-documents 300]
"""

from __future__ import annotations

import argparse
import time

from rapidfuzz import fuzz

from evaluation.corpora import wikipedia_summaries
from distilabel_qabias.coverage.align import align_batch, clear_caches
from evaluation.qa_pairs import build_qa_pairs, unrelated_pairs
from distilabel_qabias.text.segment import uncached_split_sentences


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1500)
    parser.add_argument("--pysbd-documents", type=int, default=300)
    parser.add_argument("--embedding-rows", type=int, default=1000)
    args = parser.parse_args()

    documents = wikipedia_summaries(args.documents, seed=42, min_chars=200)
    pairs = build_qa_pairs(documents, per_document=3, seed=42)
    pairs += unrelated_pairs(pairs, seed=43)
    rows = [(p.document, p.question, p.answer) for p in pairs]
    print(f"{len(rows)} QA rows on {len(documents)} real Wikipedia summaries (half on an unrelated document)")

    _, baseline_s = timed(lambda: [fuzz.partial_ratio(a, d) for d, _, a in rows])
    clear_caches()
    _, lexical_s = timed(lambda: align_batch(rows))
    _, warm_s = timed(lambda: align_batch(rows))
    baseline = len(rows) / baseline_s
    print(f"baseline rapidfuzz partial_ratio(answer, document): {baseline:10.0f} rows/s")
    print(f"lexical alignment, cold (documents indexed):        {len(rows) / lexical_s:10.0f} rows/s  ratio {len(rows) / lexical_s / baseline:.2f}x baseline")
    print(f"lexical alignment, warm (documents cached):         {len(rows) / warm_s:10.0f} rows/s  ratio {len(rows) / warm_s / baseline:.2f}x baseline")

    try:
        from distilabel_qabias.embedders import load_embedder
    except ImportError as error:
        print(f"embedding alignment: skipped ({error})")
    else:
        subset = rows[: args.embedding_rows // 2] + rows[len(rows) // 2 : len(rows) // 2 + args.embedding_rows // 2]
        for name in ("minilm", "wordllama"):
            try:
                embedder = load_embedder(name)
            except Exception as error:  # a missing optional model must not stop the benchmark
                print(f"embedding alignment ({name}): skipped ({type(error).__name__}: {error})")
                continue
            embedder.encode(["warm-up sentence, not timed"])  # first call initialises the model's kernels
            clear_caches()
            _, embed_s = timed(lambda: align_batch(subset, embedder=embedder))
            rate = len(subset) / embed_s
            print(f"alignment + {name:9s} embeddings, cold:           {rate:10.0f} rows/s  ratio {rate / baseline:.2f}x baseline ({len(subset)} rows)")

    texts = [d.text for d in documents]
    sentences, ours_s = timed(lambda: sum(len(uncached_split_sentences(t)) for t in texts))
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=False)
    sample = texts[: args.pysbd_documents]
    pysbd_sentences, pysbd_s = timed(lambda: sum(len(segmenter.segment(t)) for t in sample))
    ours_rate, pysbd_rate = sentences / ours_s, pysbd_sentences / pysbd_s
    print(f"segmentation (ours):  {ours_rate:10.0f} sentences/s ({sentences} sentences, {len(texts)} documents)")
    print(f"segmentation (pysbd): {pysbd_rate:10.0f} sentences/s ({pysbd_sentences} sentences, {len(sample)} documents)")
    print(f"segmentation speed-up: {ours_rate / pysbd_rate:.0f}x pysbd")


if __name__ == "__main__":
    main()
