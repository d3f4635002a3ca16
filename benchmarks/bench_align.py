"""Speed of evidence alignment and sentence segmentation on real Wikipedia summaries.

Prints rows/s for lexical alignment (cold: every document indexed during the run), alignment with
embeddings (MiniLM and a static model, when ``distilabel_qabias.embedders`` is
available), and a same-run baseline: one raw ``rapidfuzz.fuzz.partial_ratio(answer, document)`` per
row, the cheapest fuzzy grounding check (YourBench-style). Then segmentation sentences/s against pysbd
on the same documents. Timings are noisy on a shared machine; compare the ratios.

The worst case comes last: one row whose document has no sentence terminator or line break (real
prose with the sentence ends turned into commas) and whose answer is half as long and not a copy
(the document's words reversed), with a quoted evidence that is not in the document, at 10k, 100k
and 1M characters. It prints the time per row, the ratio to tokenising the document once (a linear
reference, same run) and the growth exponent between sizes (1 = linear). Before the work per row
was bounded, this row took seconds at 10k characters and grew with the cube of the length; the
unbounded comparison it made is timed once at the smallest size for reference.

    python benchmarks/bench_align.py [--documents 1500] [--pysbd-documents 300] [--worst-case-sizes 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import math
import re
import time

from rapidfuzz import fuzz

from evaluation.corpora import wikipedia_summaries
from distilabel_qabias.coverage.align import align, align_batch, clear_caches
from distilabel_qabias.coverage.tokens import fuzzy_text, normalize_tokens
from evaluation.qa_pairs import build_qa_pairs, unrelated_pairs
from distilabel_qabias.text.segment import uncached_split_sentences


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def unterminated_text(texts: list[str], chars: int) -> str:
    """Real prose without sentence terminators or line breaks, ``chars`` long (repeated if needed)."""
    flat = re.sub(r"[.!?…](?=\s)", ",", " ".join(texts)).replace("\n", " ")
    return ((flat + " ") * (chars // (len(flat) + 1) + 1))[:chars]


def worst_case(texts: list[str], sizes: list[int]) -> None:
    print("\nworst case: no sentence terminator, answer half the document and not a copy, quote not found")
    print(f"{'characters':>11s} {'align s':>9s} {'tokenise s':>11s} {'ratio':>7s} {'exponent':>9s}  reason")
    previous = None
    for size in sizes:
        document = unterminated_text(texts, size)
        answer = " ".join(reversed(document[size // 2 :].split()))
        quote = answer[: max(500, size // 20)]
        clear_caches()
        result, align_s = timed(lambda: align(document, "What does the text say about these places and people?", answer, evidence=quote))
        _, tokenise_s = timed(lambda: normalize_tokens(document))
        exponent = f"{math.log(align_s / previous[1]) / math.log(size / previous[0]):9.2f}" if previous else f"{'':9s}"
        print(f"{size:11,d} {align_s:9.3f} {tokenise_s:11.3f} {align_s / tokenise_s:6.1f}x {exponent}  {result.reason}")
        previous = (size, align_s)
    size = sizes[0]
    document = unterminated_text(texts, size)
    answer = " ".join(reversed(document[size // 2 :].split()))
    _, unbounded_s = timed(lambda: fuzz.partial_ratio(fuzzy_text(answer), fuzzy_text(document)))
    print(f"for reference, the one unbounded partial_ratio(answer, sentence) the old code made per row at {size:,}: {unbounded_s:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1500)
    parser.add_argument("--pysbd-documents", type=int, default=300)
    parser.add_argument("--embedding-rows", type=int, default=1000)
    parser.add_argument("--worst-case-sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--skip-embeddings", action="store_true", help="skip the (slow) embedding alignment")
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

    if args.skip_embeddings:
        print("embedding alignment: skipped (--skip-embeddings)")
    else:
        from distilabel_qabias.embedders import load_embedder

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

    if args.worst_case_sizes:
        worst_case([d.text for d in wikipedia_summaries(None)], sorted(args.worst_case_sizes))


if __name__ == "__main__":
    main()
