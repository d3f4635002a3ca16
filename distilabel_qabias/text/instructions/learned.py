"""The learned detector: a logistic regression over word and shape features of one unit of text.

Features are strings (lower-cased words, word pairs, the first words of the unit, and a few shape marks:
shouting, runs of "!", a closing colon, chat-turn prefixes); the model is a table feature -> weight, so
scoring a unit is one regex pass and a few dictionary look-ups (pure Python, no numpy at run time). The
table ships as ``distilabel_qabias/data/instruction_detector.json.gz`` and is produced by
``training/train_instruction_detector.py`` (seeded; its data card is in the README).
"""

from __future__ import annotations

import gzip
import json
import math
import re
from functools import lru_cache
from importlib.resources import files
from itertools import repeat
from typing import Iterable

MODEL_RESOURCE = "instruction_detector.json.gz"

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?|[<>\[\]{}|#*:!?\"“”/\\=_-]")
_LETTERS = re.compile(r"[A-Za-z]")
_UPPER = re.compile(r"[A-Z]")
_TURN = re.compile(r"^\W{0,4}(system|user|assistant|human|ai|bot|model|gpt|chatgpt|dan|developer)\s*:", re.I)


def unit_features(piece: str) -> list[str]:
    """The features of one unit (deduplicated, order kept)."""
    lowered = piece.lower()
    words = _WORD.findall(lowered)
    feats = ["bias"]
    feats += ["w:" + w for w in words]
    feats += ["b:" + a + "_" + b for a, b in zip(words, words[1:])]
    alpha = [w for w in words if w[0].isalpha()]
    if alpha:
        feats.append("^" + alpha[0])
        if len(alpha) > 1:
            feats.append("^^" + alpha[0] + "_" + alpha[1])
    letters = len(_LETTERS.findall(piece))
    if letters >= 6 and len(_UPPER.findall(piece)) >= 0.7 * letters:
        feats.append("shape:shout")
    if "!!" in piece:
        feats.append("shape:bangs")
    if piece.rstrip().endswith(":"):
        feats.append("shape:colon_end")
    if _TURN.match(piece):
        feats.append("shape:turn")
    n = len(words)
    feats.append("len:" + ("1-3" if n <= 3 else "4-8" if n <= 8 else "9-20" if n <= 20 else "21-40" if n <= 40 else "41+"))
    return list(dict.fromkeys(feats))


class LearnedDetector:
    """Scores units with a feature -> weight table. A unit with probability ``extend_threshold`` or more is
    instruction-like enough to join a passage; one with ``start_threshold`` or more may start a passage
    (both chosen in training for low false-positive rates on clean text)."""

    def __init__(self, weights: dict[str, float], extend_threshold: float, start_threshold: float):
        self.weights = weights
        self.extend_threshold = extend_threshold
        self.start_threshold = start_threshold

    @classmethod
    def from_file(cls, path) -> "LearnedDetector":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        return cls(data["weights"], data["extend_threshold"], data["start_threshold"])

    def probability(self, piece: str) -> float:
        features = unit_features(piece)
        z = sum(map(self.weights.get, features, repeat(0.0, len(features))))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def __call__(self, pieces: Iterable[str]) -> list[float]:
        """Scores on the rules' scale: a probability of 0.5 or less maps to 0, ``extend_threshold`` to 0.25
        (the default extension threshold), ``start_threshold`` to 0.5 (the default threshold), 1 to 1."""
        knots = ((0.5, 0.0), (self.extend_threshold, 0.25), (self.start_threshold, 0.5), (1.0, 1.0))
        out = []
        for piece in pieces:
            p = self.probability(piece)
            score = 0.0
            for (p0, s0), (p1, s1) in zip(knots, knots[1:]):
                if p0 <= p <= p1 and p1 > p0:
                    score = s0 + (s1 - s0) * (p - p0) / (p1 - p0)
                    break
            out.append(score)
        return out


@lru_cache(maxsize=1)
def default_detector() -> LearnedDetector:
    """The detector shipped with the package."""
    return LearnedDetector.from_file(files("distilabel_qabias") / "data" / MODEL_RESOURCE)
