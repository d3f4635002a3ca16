"""Embedding throughput of each offline embedder against MiniLM (torch, float32) in the same run, and the
dedup quality each reaches on the labelled questions of eval_dedup.py (threshold tuned on the tune split,
reported on the held-out split).

    python benchmarks/bench_embed.py [--questions 3000] [--rounds 3] [--threads 1 2] [--no-quality]
                                     [--model2vec-dir DIR]

Throughput: distinct generated-looking questions (evaluation.questions.scaled_questions), embedded from an
empty cache, at each thread count; candidates take turns within each round and the best round counts, so
load from other processes hits every candidate alike. Wall-clock and process CPU time are both printed: on
a shared machine the CPU-time rate is the steadier one at one thread.

Batch drift: the largest cosine distance between a question's vector embedded alone and the same
question's vector inside other batches (shuffled, and next to long passages); a curation default must
give the same vector for the same text.

The bar (issue 13): >= 80% held-out paraphrases merged with <= 2% same-template twins merged, at >= 5x
MiniLM's throughput. ``--model2vec-dir`` adds a static Model2Vec model distilled from MiniLM (made with
``model2vec.distill``, which needs the ``model2vec[distill]`` extra: it pins other transformers and
tokenizers versions, so distil in a separate environment and pass the saved directory here).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import time
import warnings

import numpy as np

PARAPHRASE_BAR = 0.80
TWIN_BAR = 0.02
SPEED_BAR = 5.0


def _model2vec_embedder(directory: str):
    from model2vec import StaticModel

    from distilabel_qabias.embedders import Embedder

    model = StaticModel.from_pretrained(directory)
    return Embedder("model2vec-minilm", int(model.dim), lambda texts: model.encode(texts, show_progress_bar=False))


def measure_throughput(embedders: dict, texts: list[str], rounds: int) -> dict[str, tuple[float, float]]:
    """``name -> (best wall-clock sentences/s, best CPU-time sentences/s)`` over ``rounds`` turns."""
    best = {name: (0.0, 0.0) for name in embedders}
    for embedder in embedders.values():  # warm-up: sessions, first-call allocations
        embedder.encode(texts[:64])
    for _ in range(rounds):
        for name, embedder in embedders.items():
            embedder.clear_cache()
            wall, cpu = time.perf_counter(), time.process_time()
            embedder.encode(texts)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[name] = (max(best[name][0], len(texts) / wall), max(best[name][1], len(texts) / max(cpu, 1e-9)))
    return best


def batch_drift(embedder, texts: list[str], long_texts: list[str]) -> float:
    """Largest ``1 - cosine`` between each text embedded alone and inside two other batches."""

    def fresh(batch: list[str]) -> np.ndarray:
        embedder.clear_cache()
        return embedder.encode(batch)

    alone = np.concatenate([fresh([text]) for text in texts])
    order = np.random.default_rng(0).permutation(len(texts))
    shuffled = fresh([texts[i] for i in order])[np.argsort(order)]
    with_long = fresh(long_texts + texts)[len(long_texts) :]
    return float(max(1.0 - (alone * other).sum(axis=1).min() for other in (shuffled, with_long)))


def measure_quality(embedders: dict, documents: int) -> dict[str, dict]:
    from eval_dedup import evaluate
    from evaluation.questions import build_question_set

    questions = build_question_set(documents, seed=0)
    sweep = np.round(np.arange(0.60, 0.971, 0.01), 2)
    results = {}
    for name, embedder in embedders.items():
        with contextlib.redirect_stdout(io.StringIO()):  # eval_dedup prints its whole sweep
            results[name] = evaluate(embedder, questions, sweep)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="threads per embedder (QABIAS_EMBED_THREADS)")
    parser.add_argument("--embedders", nargs="+", default=["minilm", "minilm-int8", "wordllama", "tokenlearn"])
    parser.add_argument("--model2vec-dir", default=None, help="a Model2Vec model distilled from MiniLM")
    parser.add_argument("--no-quality", action="store_true", help="throughput and drift only")
    parser.add_argument("--documents", type=int, default=500, help="articles for the quality set (as eval_dedup.py)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")

    import torch

    from distilabel_qabias.embedders import load_embedder
    from evaluation.corpora import wikipedia_summaries
    from evaluation.questions import scaled_questions

    embedders = {name: load_embedder(name) for name in args.embedders}
    if args.model2vec_dir:
        embedders["model2vec-minilm"] = _model2vec_embedder(args.model2vec_dir)
    texts = list(dict.fromkeys(scaled_questions(2 * args.questions, seed=3)))[: args.questions]
    print(f"{len(texts)} distinct questions (mean {np.mean([len(t) for t in texts]):.0f} characters), "
          f"threads {args.threads}, best of {args.rounds} rounds")
    speed = {}
    for threads in args.threads:
        os.environ["QABIAS_EMBED_THREADS"] = str(threads)  # read by the ONNX encoder at each call
        torch.set_num_threads(threads)
        speed[threads] = measure_throughput(embedders, texts, args.rounds)
    os.environ["QABIAS_EMBED_THREADS"] = "1"
    torch.set_num_threads(1)
    long_texts = [doc.text for doc in wikipedia_summaries(20, seed=9, min_chars=400)]
    drift = {name: batch_drift(embedder, texts[:100], long_texts) for name, embedder in embedders.items()}
    quality = {} if args.no_quality else measure_quality(embedders, args.documents)

    print(f"\n{'embedder':18s} {'dim':>4s}" + "".join(f" {f'{t} thr: sent/s wall (x minilm) cpu (x minilm)':>44s}" for t in args.threads)
          + f" {'drift':>8s}" + ("" if args.no_quality else f"  {'t':>4s} {'paraphrase tune/held':>20s} {'twins tune/held':>15s}  bar"))
    for name, embedder in embedders.items():
        line = f"{name:18s} {embedder.dim:4d}"
        ratios = []
        for threads in args.threads:
            base_wall, base_cpu = speed[threads]["minilm"] if "minilm" in speed[threads] else next(iter(speed[threads].values()))
            wall, cpu = speed[threads][name]
            ratios += [wall / base_wall, cpu / base_cpu]
            line += f" {wall:15.0f} ({wall / base_wall:6.2f}x) {cpu:9.0f} ({cpu / base_cpu:6.2f}x)"
        line += f" {drift[name]:8.1e}"
        if name in quality:
            q = quality[name]
            tuned, held = q["tuned"], q["heldout"]
            meets = held.paraphrase_merged >= PARAPHRASE_BAR and held.twin_merged <= TWIN_BAR and min(ratios[:2]) >= SPEED_BAR
            line += (f"  {q['threshold']:.2f} {tuned.paraphrase_merged:9.1%} / {held.paraphrase_merged:6.1%} "
                     f"{tuned.twin_merged:6.1%} / {held.twin_merged:5.1%}  {'MEETS' if meets else '-'}")
        print(line)
    print(f"\nbar: held-out paraphrases >= {PARAPHRASE_BAR:.0%}, twins <= {TWIN_BAR:.0%}, >= {SPEED_BAR:.0f}x minilm "
          f"(wall and CPU at {args.threads[0]} thread(s)); drift = largest 1 - cosine, alone vs in other batches")


if __name__ == "__main__":
    main()
