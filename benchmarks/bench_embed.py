"""Embedding throughput of each offline embedder against MiniLM (torch, float32) in the same run, and the
dedup quality each reaches on the labelled questions of eval_dedup.py (threshold tuned on the tune split,
reported on the held-out split).

    python benchmarks/bench_embed.py [--questions 3000] [--rounds 3] [--threads 1] [--no-quality]
                                     [--model2vec-dir DIR]

Throughput: distinct generated-looking questions (evaluation.questions.scaled_questions), embedded from an
empty cache; candidates take turns within each round and the best round counts, so load from other
processes hits every candidate alike. Wall-clock and process CPU time are both printed: on a shared
machine the CPU-time rate is the steadier one at one thread.

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
    parser.add_argument("--threads", type=int, default=1, help="threads per embedder (QABIAS_EMBED_THREADS)")
    parser.add_argument("--embedders", nargs="+", default=["minilm", "minilm-int8", "wordllama", "tokenlearn"])
    parser.add_argument("--model2vec-dir", default=None, help="a Model2Vec model distilled from MiniLM")
    parser.add_argument("--no-quality", action="store_true", help="throughput only")
    parser.add_argument("--documents", type=int, default=500, help="articles for the quality set (as eval_dedup.py)")
    args = parser.parse_args()
    os.environ["QABIAS_EMBED_THREADS"] = str(args.threads)
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")

    import torch

    from distilabel_qabias.embedders import load_embedder
    from evaluation.questions import scaled_questions

    torch.set_num_threads(args.threads)
    embedders = {name: load_embedder(name) for name in args.embedders}
    if args.model2vec_dir:
        embedders["model2vec-minilm"] = _model2vec_embedder(args.model2vec_dir)
    texts = list(dict.fromkeys(scaled_questions(2 * args.questions, seed=3)))[: args.questions]
    print(f"{len(texts)} distinct questions (mean {np.mean([len(t) for t in texts]):.0f} characters), "
          f"{args.threads} thread(s), best of {args.rounds} rounds")
    speed = measure_throughput(embedders, texts, args.rounds)
    quality = {} if args.no_quality else measure_quality(embedders, args.documents)

    base_wall, base_cpu = speed["minilm"] if "minilm" in speed else next(iter(speed.values()))
    print(f"\n{'embedder':18s} {'dim':>4s} {'sent/s wall':>11s} {'x minilm':>8s} {'sent/s cpu':>10s} {'x minilm':>8s}"
          + ("" if args.no_quality else f"  {'t':>4s} {'paraphrase tune/held':>20s} {'twins tune/held':>15s}  bar"))
    for name, embedder in embedders.items():
        wall, cpu = speed[name]
        line = f"{name:18s} {embedder.dim:4d} {wall:11.0f} {wall / base_wall:7.2f}x {cpu:10.0f} {cpu / base_cpu:7.2f}x"
        if name in quality:
            q = quality[name]
            tuned, held = q["tuned"], q["heldout"]
            meets = (held.paraphrase_merged >= PARAPHRASE_BAR and held.twin_merged <= TWIN_BAR
                     and min(wall / base_wall, cpu / base_cpu) >= SPEED_BAR)
            line += (f"  {q['threshold']:.2f} {tuned.paraphrase_merged:9.1%} / {held.paraphrase_merged:6.1%} "
                     f"{tuned.twin_merged:6.1%} / {held.twin_merged:5.1%}  {'MEETS' if meets else '-'}")
        print(line)
    print(f"\nbar: held-out paraphrases >= {PARAPHRASE_BAR:.0%}, twins <= {TWIN_BAR:.0%}, >= {SPEED_BAR:.0f}x minilm "
          "(wall and CPU)")


if __name__ == "__main__":
    main()
