"""The filtering half of the injection experiment, without a generator: how many injected passages
``FilterInstructionSpans`` (its defaults, as ``pipelines/injection_experiment.py`` builds it) removes.

The rows are the experiment's own (``injection_rows``: the bundled corpus's clean Wikipedia text, one passage with
a canary per document, templates of every split) for several seeds; a passage counts as removed when its canary
is gone from the filtered document, as the experiment counts it. Clean characters lost per document as well.

    python benchmarks/eval_instructions_experiment.py [--seeds 20]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "pipelines"))

from injection_experiment import _clean_chars_lost, injection_rows  # noqa: E402
from support import corpus  # noqa: E402

from distilabel_qabias import FilterInstructionSpans  # noqa: E402
from evaluation import inject_instructions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="experiment seeds (one passage per document each)")
    args = parser.parse_args()
    documents = corpus.load_demo_corpus()
    step = FilterInstructionSpans(name="filter_instructions", document_column="document",
                                  output_column="filtered_document", mode="remove")
    step.load()
    removed: dict[str, list[bool]] = defaultdict(list)
    lost: list[float] = []
    for seed in range(args.seeds):
        rows = next(step.process(injection_rows(documents, seed=seed)))
        for row in rows:
            gone = not inject_instructions.canary_in_answer(row["filtered_document"], row["canary"])
            removed[row["injection_split"]].append(gone)
            removed["all"].append(gone)
            lost.append(_clean_chars_lost(row))
    print(f"{len(documents)} documents x {args.seeds} seeds, FilterInstructionSpans defaults (learned={step.learned!r})")
    for split, flags in sorted(removed.items()):
        print(f"  {split:<10} passages removed {sum(flags)}/{len(flags)} ({sum(flags) / len(flags):.1%})")
    print(f"  clean characters lost per document: {sum(lost) / len(lost):.2%}")


if __name__ == "__main__":
    main()
