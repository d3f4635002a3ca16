"""The learned detector: a logistic regression over hashed character n-grams and a few shape marks of a unit.

Character 3-, 4- and 5-grams of the lower-cased unit (digits and symbols read as the letters they stand for in
leetspeak: "1gn0r3" reads "ignore") are hashed into ``BUCKETS`` weights, so wording, spelling variants and
upper-case forms never seen in training still share n-grams with what was. Lead words: the unit's first word and
first two words, hashed into the same buckets (an imperative opening a sentence, "Write a ...", "Develop a ...",
reads differently from the same verb inside one). Shape marks: shouting, a closing colon, a chat-turn prefix
("User:", "System:"), and the unit's length. Scoring is vectorised with numpy over all
the units it is given at once (one call per document, or per batch of documents). The weights ship as
``distilabel_qabias/data/instruction_detector.json.gz`` and are produced by
``training/train_instruction_detector.py`` (seeded; its data card is in the README).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import zlib
from functools import lru_cache
from importlib.resources import files
from typing import Sequence

import numpy as np

MODEL_RESOURCE = "instruction_detector.json.gz"
ORDERS = (3, 4, 5)
BUCKET_BITS = 18
BUCKETS = 1 << BUCKET_BITS
SHAPES = ("shout", "colon_end", "turn", "len:1-3", "len:4-8", "len:9-20", "len:21-40", "len:41+")
_SHAPE_INDEX = {name: BUCKETS + i for i, name in enumerate(SHAPES)}  # ASCII letters count for "shout"
N_FEATURES = BUCKETS + len(SHAPES)

# the first word and the word after it (letters only, past any leading marks or digits)
_LEAD = re.compile(r"[\W\d_]*([^\W\d_]+)(?:[^\w\n]{1,3}([^\W\d_]+))?")
_TURN = re.compile(r"^\W{0,4}(system|user|assistant|human|ai|bot|model|gpt|chatgpt|dan|developer)\s*:", re.I)
_SEPARATOR = "\x00"
# a polynomial rolling hash of each n-gram, salted per order, then mixed and cut to BUCKET_BITS
_ORDER_SALT = {n: np.uint64(0x27D4EB2F165667C5 * n % (1 << 64)) for n in ORDERS}
_MIX = np.uint64(0x94D049BB133111EB)
_PRIME = np.uint64(0x100000001B3)
_LENGTH_EDGES = np.array([3, 8, 20, 40])  # words: 1-3, 4-8, 9-20, 21-40, 41+
_SHIFT = np.uint64(64 - BUCKET_BITS)


def _normalising_table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint32)
    for upper in range(ord("A"), ord("Z") + 1):
        table[upper] = upper + 32
    for source, target in zip("0134578@$|!", "oieastbasii"):
        table[ord(source)] = ord(target)
    for space in "\t\n\r\f\v\xa0":
        table[ord(space)] = ord(" ")
    return table


_TABLE = _normalising_table()


def _codes(pieces: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised code points of the pieces joined (each padded with a space), the raw code points, and the
    index of the piece each position belongs to (-1 for separators)."""
    joined = _SEPARATOR.join(" " + p + " " for p in pieces)
    raw = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    codes = np.where(raw < 256, _TABLE[np.minimum(raw, 255)], raw)
    lengths = np.fromiter((len(p) + 2 for p in pieces), dtype=np.int64, count=len(pieces))
    owner = np.repeat(np.arange(len(pieces), dtype=np.int64), lengths + 1)[: len(raw)]
    owner[raw == 0] = -1
    return codes, raw, owner


def features(pieces: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[int]]]:
    """The features of each piece: the hashed bucket of every character n-gram and the piece it belongs to, each
    piece's n-gram scale (1/sqrt of its number of 3-grams: long units are not favoured just for having more
    n-grams), and each piece's lead-word and shape features (lead words hashed into the n-gram buckets, shape
    marks as indices after them)."""
    codes, raw, owner = _codes(pieces)
    wide = codes.astype(np.uint64)
    ids, owners = [], []
    rolling = wide.copy()  # polynomial hash of the n-gram starting at each position, grown one character per order
    for n in range(2, max(ORDERS) + 1):
        if len(wide) < n:
            break
        rolling = rolling[:-1] * _PRIME + wide[n - 1 :]
        if n not in ORDERS:
            continue
        valid = (owner[: len(rolling)] >= 0) & (owner[: len(rolling)] == owner[n - 1 :])
        ids.append((((rolling[valid] + _ORDER_SALT[n]) * _MIX) >> _SHIFT).astype(np.int64))
        owners.append(owner[: len(rolling)][valid])
    trigrams = np.fromiter((len(p) for p in pieces), dtype=np.float64, count=len(pieces))  # of the padded piece
    scale = 1.0 / np.sqrt(np.maximum(trigrams, 1.0))
    inside = owner >= 0
    counted = owner[inside]
    upper = np.bincount(counted, weights=((raw >= 65) & (raw <= 90))[inside], minlength=len(pieces))
    lower = np.bincount(counted, weights=((raw >= 97) & (raw <= 122))[inside], minlength=len(pieces))
    word_start = np.zeros(len(codes), dtype=bool)
    word_start[1:] = (codes[1:] != 32) & (codes[:-1] == 32) & (owner[1:] >= 0)  # pieces are padded with a space
    words = np.bincount(owner[word_start], minlength=len(pieces))
    length_feature = np.searchsorted(_LENGTH_EDGES, words, side="left") + _SHAPE_INDEX["len:1-3"]
    shout = (upper + lower >= 6) & (upper >= 0.7 * (upper + lower))
    shapes = []
    for k, piece in enumerate(pieces):
        feats = [int(length_feature[k])]
        lead = _LEAD.match(piece)
        if lead:
            first = lead.group(1).lower()
            feats.append(_lead_bucket("1 " + first))
            if lead.group(2):
                feats.append(_lead_bucket("2 " + first + " " + lead.group(2).lower()))
        if shout[k]:
            feats.append(_SHAPE_INDEX["shout"])
        if piece.rstrip().endswith(":"):
            feats.append(_SHAPE_INDEX["colon_end"])
        if _TURN.match(piece):
            feats.append(_SHAPE_INDEX["turn"])
        shapes.append(feats)
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), scale, shapes
    return np.concatenate(ids), np.concatenate(owners), scale, shapes


def _lead_bucket(words: str) -> int:
    return zlib.crc32(words.encode("utf-8")) & (BUCKETS - 1)


class LearnedDetector:
    """Scores units with hashed n-gram weights. A unit with probability ``extend_threshold`` or more is
    instruction-like enough to join a passage; one with ``start_threshold`` or more may start a passage; in a
    declarative document (no other unit instruction-like, none addressing the reader) ``declarative_threshold``
    or more may (all chosen in training for low false-positive rates on clean text never trained on; the last on
    encyclopedic text alone). ``declarative_threshold`` defaults to ``start_threshold``."""

    def __init__(self, weights: np.ndarray, intercept: float, extend_threshold: float, start_threshold: float,
                 declarative_threshold: float | None = None):
        if len(weights) != N_FEATURES:
            raise ValueError(f"expected {N_FEATURES} weights, got {len(weights)}")
        self.weights = np.asarray(weights, dtype=np.float32)
        self.intercept = float(intercept)
        self.extend_threshold = extend_threshold
        self.start_threshold = start_threshold
        self.declarative_threshold = start_threshold if declarative_threshold is None else declarative_threshold

    @classmethod
    def from_file(cls, path) -> "LearnedDetector":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("orders") != list(ORDERS) or data.get("bucket_bits") != BUCKET_BITS or not data.get("lead_words"):
            raise ValueError(f"{path}: weights for another feature layout")
        weights = np.frombuffer(base64.b64decode(data["weights"]), dtype="<f2").astype(np.float32)
        return cls(weights, data["intercept"], data["extend_threshold"], data["start_threshold"],
                   data.get("declarative_threshold"))

    def probabilities(self, pieces: Sequence[str]) -> np.ndarray:
        """The probability that each piece is instruction-like, all pieces at once."""
        if not pieces:
            return np.zeros(0)
        ids, owners, scale, shapes = features(pieces)
        z = np.bincount(owners, weights=self.weights[ids], minlength=len(pieces)) * scale + self.intercept
        shape_owner = np.repeat(np.arange(len(pieces)), [len(f) for f in shapes])
        shape_ids = np.fromiter((i for f in shapes for i in f), dtype=np.int64, count=len(shape_owner))
        z += np.bincount(shape_owner, weights=self.weights[shape_ids], minlength=len(pieces))
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))

    def probability(self, piece: str) -> float:
        return float(self.probabilities([piece])[0])

    def __call__(self, pieces: Sequence[str]) -> list[float]:
        """Scores on the rules' scale (:meth:`rule_scale`)."""
        return self.rule_scale(self.probabilities(list(pieces)))

    def rule_scale(self, probabilities: np.ndarray, start_threshold: float | None = None) -> list[float]:
        """A probability of 0.5 or less maps to 0, ``extend_threshold`` to 0.25 (the default extension
        threshold), ``start_threshold`` (default: the detector's) to 0.5 (the default threshold), 1 to 1; linear
        in between."""
        start = self.start_threshold if start_threshold is None else start_threshold
        knots_p = [0.5, self.extend_threshold, start, 1.0]
        knots_s = [0.0, 0.25, 0.5, 1.0]
        if start <= self.extend_threshold:  # degenerate thresholds: keep the map monotone
            knots_p, knots_s = [0.5, self.extend_threshold, 1.0], [0.0, 0.5, 1.0]
        return [float(s) for s in np.interp(probabilities, knots_p, knots_s, left=0.0)]


def to_payload(weights: np.ndarray, intercept: float, extend_threshold: float, start_threshold: float,
               declarative_threshold: float, **extra) -> dict:
    """The JSON payload of a weights file (weights as little-endian float16, base64)."""
    quantised = np.asarray(weights, dtype="<f2")
    return {"orders": list(ORDERS), "bucket_bits": BUCKET_BITS, "lead_words": True, "shapes": list(SHAPES),
            "intercept": round(float(intercept), 6), "extend_threshold": round(extend_threshold, 6),
            "start_threshold": round(start_threshold, 6), "declarative_threshold": round(declarative_threshold, 6),
            "weights": base64.b64encode(quantised.tobytes()).decode(), **extra}


def quantised(weights: np.ndarray) -> np.ndarray:
    """The weights as the file stores them (float16), back in float32."""
    return np.asarray(weights, dtype="<f2").astype(np.float32)


@lru_cache(maxsize=1)
def default_detector() -> LearnedDetector:
    """The detector shipped with the package."""
    return LearnedDetector.from_file(files("distilabel_qabias") / "data" / MODEL_RESOURCE)

