"""Explainable convergence dedup: which generated questions ask the same thing, and which row stands for them.

:func:`deduplicate` runs the stages and times each:

1. **Exact repeats** - rows whose normalised question (and answer, when given) are equal, within one
   document when ``documents`` is given, form one *node*, embedded once. Unusable questions (missing,
   not text, blank) are never compared: each is a cluster of its own, with its reason.
2. **Neighbour graph** - every pair of nodes with cosine >= ``threshold - graph_margin``
   (:mod:`~distilabel_qabias.convergence.graph`; below the threshold so the result can be
   re-thresholded without re-embedding).
3. **Guarded merging** - union-find along edges >= ``threshold`` with the fact and chaining guards
   (:mod:`~distilabel_qabias.convergence.merge`).
4. **Representatives** - exactly one row per cluster (``representative="first" | "best_grounded" |
   "longest_answer"``); every other member records it and its cosine to it
   (:class:`~distilabel_qabias.convergence.result.ConvergenceResult`).
"""

from __future__ import annotations

import math
import time
from functools import partial
from typing import Any, Hashable, Sequence

import numpy as np

from distilabel_qabias.convergence.graph import DEFAULT_EXACT_LIMIT, similar_pairs
from distilabel_qabias.convergence.memory import memory_settings
from distilabel_qabias.convergence.merge import DEFAULT_CHAIN_MARGIN
from distilabel_qabias.convergence.normalize import MAX_COMPARED_CHARS, normalize_questions
from distilabel_qabias.convergence.result import (
    REPRESENTATIVES,
    ConvergenceResult,
    DedupInputs,
    Representative,
    hashable,
)
from distilabel_qabias.embedders import DEFAULT_EMBEDDER, DEFAULT_THRESHOLDS, FALLBACK_THRESHOLD, Embedder, load_embedder
from distilabel_qabias.schema import invalid_text_reason

# The graph keeps edges this far below the threshold, so rethreshold() can also go down.
DEFAULT_GRAPH_MARGIN = 0.06
# Why a row with a usable question was not compared: its precomputed vector is unusable.
NO_EMBEDDING = "no_embedding"  # the same code as schema.Reason.NO_EMBEDDING


@memory_settings()
def deduplicate(
    questions: Sequence[Any],
    *,
    answers: Sequence[Any] | None = None,
    documents: Sequence[Any] | None = None,
    prompts: Sequence[Any] | None = None,
    embedder: str | Embedder = DEFAULT_EMBEDDER,
    embeddings: Sequence[Any] | np.ndarray | None = None,
    threshold: float | None = None,
    representative: Representative = "first",
    grounded: Sequence[Any] | None = None,
    alignment: Sequence[Any] | None = None,
    chain_margin: float = DEFAULT_CHAIN_MARGIN,
    entity_guard: bool = True,
    graph_margin: float = DEFAULT_GRAPH_MARGIN,
    exact_limit: int = DEFAULT_EXACT_LIMIT,
    seed: int = 0,
) -> ConvergenceResult:
    """Cluster converged questions (question + answer when ``answers`` is given, within a document when
    ``documents`` is given) and pick one representative row per cluster.

    Args:
        questions: one value per row; missing, non-string and blank values are tagged, never merged.
        answers: per-row answers; rows are then similar by the mean of question and answer cosines.
        documents: per-row document (any hashable value); rows of different documents never merge.
        prompts: per-row seed prompt; counted per cluster (``cluster_prompts``).
        embedder: an :class:`Embedder` or a name for :func:`load_embedder`; not loaded when
            ``embeddings`` is given (its name then only picks the tuned default threshold).
        embeddings: precomputed per-row vectors (e.g. from distilabel's ``EmbeddingGeneration``); a row
            whose vector is missing, of the wrong length or not finite is not compared (``no_embedding``).
        threshold: cosine from which two rows are duplicates; defaults to the embedder's tuned one.
        representative: ``"first"``, ``"best_grounded"`` (``grounded`` True first, then the highest
            ``alignment``) or ``"longest_answer"``.
        chain_margin: clusters join only if their average-link cosine is >= ``threshold - chain_margin``.
        entity_guard: refuse joins of questions naming different entities, numbers or dates.
        graph_margin: the neighbour graph keeps edges down to ``threshold - graph_margin`` for rethreshold().
        exact_limit: partitions up to this many distinct texts are compared exhaustively.
        seed: seed of the approximate index of larger partitions.
    """
    inputs, threshold = dedup_inputs(
        questions, answers=answers, documents=documents, prompts=prompts, embedder=embedder, embeddings=embeddings,
        threshold=threshold, representative=representative, grounded=grounded, alignment=alignment,
        chain_margin=chain_margin, entity_guard=entity_guard, graph_margin=graph_margin, exact_limit=exact_limit,
        seed=seed,
    )
    return ConvergenceResult.at(inputs, threshold)


@memory_settings()
def dedup_inputs(
    questions: Sequence[Any],
    *,
    answers: Sequence[Any] | None = None,
    documents: Sequence[Any] | None = None,
    prompts: Sequence[Any] | None = None,
    embedder: str | Embedder = DEFAULT_EMBEDDER,
    embeddings: Sequence[Any] | np.ndarray | None = None,
    threshold: float | None = None,
    representative: Representative = "first",
    grounded: Sequence[Any] | None = None,
    alignment: Sequence[Any] | None = None,
    chain_margin: float = DEFAULT_CHAIN_MARGIN,
    entity_guard: bool = True,
    graph_margin: float = DEFAULT_GRAPH_MARGIN,
    exact_limit: int = DEFAULT_EXACT_LIMIT,
    seed: int = 0,
) -> tuple[DedupInputs, float]:
    """What :func:`deduplicate` clusters (exact groups, neighbour graph, fact codes) and its threshold;
    the arguments are :func:`deduplicate`'s. The partitioned merge pass clusters these its own way."""
    n_rows = len(questions)
    check_column_lengths(n_rows, answers=answers, documents=documents, prompts=prompts, grounded=grounded,
                         alignment=alignment, embeddings=embeddings)
    model, name, threshold = resolve_embedder(embedder, embeddings, threshold)
    priority = representative_priority(n_rows, representative, answers, grounded, alignment)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    given_vectors, row_norms, row_reason = row_vectors(embeddings, questions)
    compared = np.fromiter((reason is None for reason in row_reason), dtype=bool, count=n_rows)
    compared_rows = np.flatnonzero(compared)
    question_text = [questions[row][:MAX_COMPARED_CHARS] for row in compared_rows.tolist()]
    key_parts = [normalized_codes(question_text)]
    answer_text = None
    if answers is not None:
        answer_text = [a[:MAX_COMPARED_CHARS] if isinstance(a, str) else "" for a in (answers[r] for r in compared_rows.tolist())]
        key_parts.append(normalized_codes(answer_text))
    if documents is not None:
        key_parts.append(_codes([hashable(documents[row]) for row in compared_rows.tolist()])[0])
    # Exact repeats share a node; nodes are numbered in order of their first row.
    key = key_parts[0]
    for part in key_parts[1:]:
        key = np.unique(key * (int(part.max(initial=0)) + 1) + part, return_inverse=True)[1].reshape(-1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    node_of_compared = rank[inverse.reshape(-1)]
    first_of_node = np.sort(first)  # position among the compared rows
    row_node = np.full(n_rows, -1, dtype=np.int64)
    row_node[compared_rows] = node_of_compared
    node_first_row = compared_rows[first_of_node]
    node_question = [question_text[i].strip() for i in first_of_node.tolist()]
    node_answer = [answer_text[i].strip() for i in first_of_node.tolist()] if answer_text is not None else None
    partitioned = documents is not None and len(key_parts[-1]) > 0
    node_partition = key_parts[-1][first_of_node] if partitioned else None
    timings["exact_s"] = time.perf_counter() - started

    started = time.perf_counter()
    if given_vectors is not None:
        vectors = given_vectors[node_first_row].astype(np.float32, copy=False)
        vectors /= row_norms[node_first_row, None]
        del given_vectors  # the caller's array when it was float32 already; this function's copy otherwise
    else:
        vectors = embed_texts(model, node_question, node_answer)
    timings["embedding_s"] = time.perf_counter() - started

    started = time.perf_counter()
    graph = similar_pairs(
        vectors,
        max(-1.0, threshold - graph_margin),
        partitions=node_partition,
        exact_limit=exact_limit,
        seed=seed,
    )
    timings["neighbours_s"] = time.perf_counter() - started

    started = time.perf_counter()
    node_text = node_question if answers is None else [f"{q}\n{a}" for q, a in zip(node_question, node_answer)]
    del question_text, answer_text
    inputs = DedupInputs(
        questions=list(questions), answers=None if answers is None else list(answers),
        prompts=None if prompts is None else list(prompts), row_node=row_node, row_reason=row_reason,
        node_first_row=node_first_row, node_text=node_text, vectors=vectors, graph=graph, priority=priority,
        representative=representative, embedder_name=model.name if model is not None else name,
        chain_margin=float(chain_margin), entity_guard=entity_guard, timings=timings,
    )
    inputs.facts_for(threshold)
    timings["signatures_s"] = time.perf_counter() - started
    return inputs, threshold


def check_column_lengths(n_rows: int, **columns: Sequence[Any] | np.ndarray | None) -> None:
    """Every given per-row column has one value per question."""
    for name, column in columns.items():
        if column is not None and len(column) != n_rows:
            raise ValueError(f"{name} has {len(column)} values for {n_rows} questions")


def embed_texts(model: Embedder, questions: list[str], answers: list[str] | None) -> np.ndarray:
    """Unit vectors of the questions, or of question and answer pairs when ``answers`` is given."""
    # No copy of rows the embedder's cache holds (a read-only view where they lie in one block).
    encode = partial(model.encode, copy=False) if isinstance(model, Embedder) else model.encode
    vectors = encode(questions)
    if answers is not None:
        # Concatenated unit halves scaled by 1/sqrt(2): the cosine is the mean of question and answer cosines.
        vectors = np.hstack([vectors, encode(answers)]) / np.sqrt(np.float32(2.0))
    return vectors


def resolve_embedder(
    embedder: str | Embedder, embeddings: Any, threshold: float | None
) -> tuple[Embedder | None, str, float]:
    """The embedder (loaded only without ``embeddings``), its name, and the threshold (its tuned one by default)."""
    model = None
    if embeddings is None:
        model = load_embedder(embedder) if isinstance(embedder, str) else embedder
    name = embedder if isinstance(embedder, str) else embedder.name
    if threshold is None:
        threshold = model.default_threshold if model is not None else DEFAULT_THRESHOLDS.get(name, FALLBACK_THRESHOLD)
    threshold = float(threshold)
    if not -1.0 <= threshold <= 1.0:
        raise ValueError(f"threshold is a cosine similarity in [-1, 1], got {threshold}")
    return model, name, threshold


def _codes(values: Sequence[Hashable]) -> tuple[np.ndarray, list[Hashable]]:
    """An integer code per value (equal values, equal codes) and the distinct values in order of first appearance."""
    code_of: dict[Hashable, int] = {}
    codes = np.fromiter((code_of.setdefault(v, len(code_of)) for v in values), dtype=np.int64, count=len(values))
    return codes, list(code_of)


def normalized_codes(texts: list[str]) -> np.ndarray:
    """Per text, a code shared exactly by the texts with the same normalised key (each distinct text normalised once)."""
    verbatim, distinct = _codes(texts)
    keys, _ = _codes(normalize_questions(distinct))
    return keys[verbatim]


def row_vectors(
    embeddings: Any, questions: Sequence[Any]
) -> tuple[np.ndarray | None, np.ndarray | None, list[str | None]]:
    """``embeddings`` as a matrix (None without them; a float16/32/64 array is not copied, so float16
    vectors take half the memory of float32 ones), the float32 norm of each row, and why each row
    cannot be compared."""
    reasons = [invalid_text_reason(q) for q in questions]
    if embeddings is None:
        return None, None, reasons
    if isinstance(embeddings, np.ndarray) and embeddings.ndim == 2 and embeddings.dtype.kind == "f":
        matrix = embeddings
    elif isinstance(embeddings, np.ndarray) and embeddings.ndim == 2:
        matrix = embeddings.astype(np.float32)
    else:
        dims = [len(v) for v in embeddings if isinstance(v, (list, tuple, np.ndarray)) and len(v)]
        dim = max(set(dims), key=dims.count) if dims else 0
        matrix = np.zeros((len(questions), dim), dtype=np.float32)
        for row, vector in enumerate(embeddings):
            if isinstance(vector, (list, tuple, np.ndarray)) and len(vector) == dim:
                try:
                    matrix[row] = np.asarray(vector, dtype=np.float32)
                except (TypeError, ValueError):
                    matrix[row] = np.nan
            else:
                matrix[row] = np.nan
    norms = np.empty(len(matrix), dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, len(matrix), 65_536):  # np.linalg.norm is 100x slower on rows
            part = matrix[start : start + 65_536].astype(np.float32, copy=False)
            norms[start : start + 65_536] = np.sqrt(np.einsum("ij,ij->i", part, part))
    usable = np.isfinite(norms) & (norms > 0)
    for row in np.flatnonzero(~usable).tolist():
        reasons[row] = reasons[row] or NO_EMBEDDING
    return matrix, norms, reasons


def representative_priority(
    n_rows: int,
    representative: str,
    answers: Sequence[Any] | None,
    grounded: Sequence[Any] | None,
    alignment: Sequence[Any] | None,
) -> np.ndarray:
    """Higher = better representative (ties go to the first row)."""
    priority = np.zeros(n_rows, dtype=np.float64)
    if representative == "best_grounded":
        for row in range(n_rows):
            is_grounded = grounded is not None and grounded[row] is True
            score = alignment[row] if alignment is not None else None
            usable = isinstance(score, (int, float)) and not isinstance(score, bool) and math.isfinite(score)
            priority[row] = (2.0 if is_grounded else 0.0) + (min(max(float(score), 0.0), 1.0) if usable else 0.0)
    elif representative == "longest_answer":
        if answers is None:
            raise ValueError('representative="longest_answer" needs answers')
        for row in range(n_rows):
            answer = answers[row]
            priority[row] = len(answer.strip()) if isinstance(answer, str) else -1.0
    elif representative != "first":
        raise ValueError(f"representative must be one of {REPRESENTATIVES}, got {representative!r}")
    return priority
