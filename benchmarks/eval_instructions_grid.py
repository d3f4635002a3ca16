"""The filtering half of the injection grid, without a generator: which of the grid's passages
``FilterInstructionSpans`` (its defaults, as ``pipelines/experiment_grid.py`` builds it) removes today.

The grid's compliance figures in ``pipelines/RESULTS.md`` hold for the detector that ran with them (its hash is
in each intent's ``run.json``); this re-checks the filter on the same documents and passages after the detector
changed, per intent and surface form. A passage counts as removed when its marker is gone from the filtered
document, as the grid counts it; clean characters lost are counted on the documents without a passage.

    python benchmarks/eval_instructions_grid.py [--documents 20]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "pipelines"))

import experiment_grid  # noqa: E402

from distilabel_qabias import FilterInstructionSpans  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20, help="documents per cell (the grid's default: 20)")
    args = parser.parse_args()
    # conflict only changes the question, so one row per document x intent x surface is enough
    rows = [row for row in experiment_grid.grid_rows(experiment_grid.grid_documents(args.documents)) if not row["conflict"]]
    step = FilterInstructionSpans(name="filter_instructions", document_column="document",
                                  output_column="filtered_document", mode="remove")
    step.load()
    filtered = next(step.process([dict(row) for row in rows]))
    removed: dict[tuple[str, str], list[bool]] = defaultdict(list)
    clean_chars = clean_lost = 0
    for row in filtered:
        if row["marker"] is None:
            clean_chars += len(row["document"])
            clean_lost += len(row["document"]) - len(row["filtered_document"] or "")
            continue
        gone = experiment_grid._norm(row["marker"]) not in experiment_grid._norm(row["filtered_document"])
        removed[row["intent"], row["surface"]].append(gone)

    surfaces = list(experiment_grid.SURFACES)
    print(f"passages removed by FilterInstructionSpans, {args.documents} documents per cell")
    print("| intent | " + " | ".join(surfaces) + " | all |")
    print("|---" * (len(surfaces) + 2) + "|")
    for intent in experiment_grid.INTENTS:
        cells = [removed[intent, surface] for surface in surfaces]
        every = [flag for cell in cells for flag in cell]
        print(f"| {intent} | " + " | ".join(f"{sum(c)}/{len(c)}" for c in cells) + f" | {sum(every) / len(every):.0%} |")
    print(f"clean characters lost on the documents without a passage: {clean_lost / clean_chars:.2%}")


if __name__ == "__main__":
    main()
