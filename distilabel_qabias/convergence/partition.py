"""Partitioned convergence dedup: partitions deduplicated in parallel, then one merge pass over their
representatives (as SemDeDup and NeMo Curator do), for more rows than one search should hold at once.

:func:`deduplicate_partitioned` takes the arguments of :func:`~distilabel_qabias.convergence.dedup.deduplicate`
and ``partitions``. Rows are split by spherical k-means of their vectors (:func:`partition_rows`), or by
document when ``documents`` is given (rows of different documents never merge, so the result is exactly
the one-worker result and no merge pass runs). Each partition is deduplicated on its own, in forked
worker processes (at most one per core, each on ``cores // workers`` threads; one after another inside
a process that may not fork, such as a distilabel step worker or a Ray actor). The representatives of
all the partitions' clusters are then deduplicated together; partition clusters whose representatives
merge become one cluster. The result is a :class:`~distilabel_qabias.convergence.result.ConvergenceResult`
like one worker's, with the same columns and explanations: the merge forests and refused joins of the
partitions and of the merge pass, and every duplicate's cosine to its final representative.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Hashable, Sequence

import numpy as np
from scipy import sparse

from distilabel_qabias.convergence.dedup import (
    DEFAULT_GRAPH_MARGIN,
    check_column_lengths,
    dedup_inputs,
    deduplicate,
    embed_texts,
    normalized_codes,
    representative_priority,
    resolve_embedder,
    row_vectors,
)
from distilabel_qabias.convergence.graph import DEFAULT_EXACT_LIMIT, NeighbourGraph, thread_budget
from distilabel_qabias.convergence.memory import memory_settings
from distilabel_qabias.convergence.merge import DEFAULT_CHAIN_MARGIN, Merges, merge_guarded
from distilabel_qabias.convergence.normalize import MAX_COMPARED_CHARS
from distilabel_qabias.convergence.result import ConvergenceResult, DedupInputs, Representative, hashable
from distilabel_qabias.embedders import DEFAULT_EMBEDDER, Embedder
from distilabel_qabias.schema import invalid_text_reason
from distilabel_qabias.threads import available_cores


def partition_rows(vectors: np.ndarray, partitions: int, *, seed: int = 0) -> np.ndarray:
    """The partition (0 .. ``partitions - 1``) of each row: its closest of ``partitions`` spherical k-means
    centroids (faiss, trained on up to 256 rows each). Rows whose vector is zero or not finite go to 0.
    Equal vectors share a partition, so exact repeats are deduplicated inside one."""
    import faiss

    vectors = np.asarray(vectors)
    part = np.zeros(len(vectors), dtype=np.int64)
    if partitions <= 1 or not len(vectors):
        return part
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors, dtype=np.float64))
    usable = np.flatnonzero(np.isfinite(norms) & (norms > 0))
    if len(usable) <= partitions:
        part[usable] = np.arange(len(usable))
        return part
    rng = np.random.default_rng(seed)
    sample = usable[np.sort(rng.choice(len(usable), min(len(usable), 256 * partitions), replace=False))]

    def unit(rows: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(vectors[rows] / norms[rows, None], dtype=np.float32)

    with thread_budget():
        kmeans = faiss.Kmeans(vectors.shape[1], partitions, niter=10, spherical=True, seed=seed,
                              max_points_per_centroid=256)
        kmeans.train(unit(sample))
        for start in range(0, len(usable), 65_536):
            rows = usable[start : start + 65_536]
            part[rows] = kmeans.index.search(unit(rows), 1)[1].ravel()
    return part


def _keep_repeats_together(part: np.ndarray, questions: Sequence[Any]) -> np.ndarray:
    """``part`` with every row moved to the partition of the first row with its normalised question, so exact
    repeats (whose vectors may differ a little: "What is X?" / "what is x") are one node of one partition."""
    usable = np.flatnonzero([invalid_text_reason(q) is None for q in questions])
    if not len(usable):
        return part
    codes = normalized_codes([questions[row][:MAX_COMPARED_CHARS] for row in usable.tolist()])
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    part = part.copy()
    part[usable] = part[usable[first]][inverse.reshape(-1)]
    return part


def document_partitions(documents: Sequence[Any], partitions: int) -> np.ndarray:
    """The partition of each row such that a document's rows stay together, largest documents first into
    the partition with the fewest rows."""
    code_of: dict[Hashable, int] = {}
    codes = np.fromiter((code_of.setdefault(hashable(d), len(code_of)) for d in documents), np.int64, len(documents))
    sizes = np.bincount(codes, minlength=len(code_of))
    load = np.zeros(max(partitions, 1), dtype=np.int64)
    of_document = np.zeros(len(code_of), dtype=np.int64)
    for document in np.argsort(-sizes, kind="stable").tolist():
        of_document[document] = int(np.argmin(load))
        load[of_document[document]] += sizes[document]
    return of_document[codes]


@dataclass(frozen=True)
class _PartitionOutcome:
    """What the merge needs of one partition's result (node ids and rows local to the partition)."""

    row_node: np.ndarray
    row_reason: list[str | None]
    node_first_row: np.ndarray
    kept_row: np.ndarray
    cluster_id: np.ndarray
    graph: NeighbourGraph
    merges: Merges
    timings: dict[str, float]


# The partitions' inputs, set before the workers fork (they read it without a copy through a pipe).
_JOB: dict[str, Any] = {}


def _subset(values: Sequence[Any] | None, rows: np.ndarray) -> list[Any] | None:
    return None if values is None else [values[row] for row in rows.tolist()]


def _dedup_partition(index: int) -> _PartitionOutcome:
    job = _JOB
    if job["threads"]:
        os.environ["OMP_NUM_THREADS"] = str(job["threads"])  # read by available_cores() in this worker
    rows = job["rows"][index]
    result = deduplicate(
        _subset(job["questions"], rows), answers=_subset(job["answers"], rows),
        documents=_subset(job["documents"], rows), embedder=job["embedder"], embeddings=job["vectors"][rows],
        threshold=job["threshold"], representative=job["representative"],
        grounded=_subset(job["grounded"], rows), alignment=_subset(job["alignment"], rows), **job["options"],
    )
    inputs = result.inputs
    return _PartitionOutcome(inputs.row_node, inputs.row_reason, inputs.node_first_row, result.kept_row,
                             result.cluster_id, inputs.graph, result.merges, result.timings)


def _run_partitions(n_partitions: int, workers: int) -> list[_PartitionOutcome]:
    """Each partition's outcome, in forked workers when allowed. A daemonic process (a distilabel step
    worker) may not start processes and a Ray worker should not fork: the partitions then run one after
    another in it."""
    ray = sys.modules.get("ray")
    in_ray = ray is not None and hasattr(ray, "is_initialized") and ray.is_initialized()
    can_fork = "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon
    can_fork = can_fork and not in_ray
    if workers <= 1 or not can_fork:
        return [_dedup_partition(p) for p in range(n_partitions)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_dedup_partition, range(n_partitions), chunksize=1)


def _embedded_rows(model: Embedder, questions: Sequence[Any], answers: Sequence[Any] | None) -> np.ndarray:
    """Each row's vector as :func:`deduplicate` embeds it (every distinct text once; zeros where the
    question is unusable)."""
    usable = [row for row, q in enumerate(questions) if invalid_text_reason(q) is None]
    if not usable:
        return np.zeros((len(questions), 1), dtype=np.float32)
    question_text = [questions[row][:MAX_COMPARED_CHARS].strip() for row in usable]
    answer_text = None
    if answers is not None:
        answer_text = [answers[r][:MAX_COMPARED_CHARS].strip() if isinstance(answers[r], str) else "" for r in usable]
    vectors = embed_texts(model, question_text, answer_text)
    out = np.zeros((len(questions), vectors.shape[1]), dtype=np.float32)
    out[usable] = vectors
    return out


@memory_settings()
def deduplicate_partitioned(
    questions: Sequence[Any],
    *,
    partitions: int,
    workers: int | None = None,
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
    """:func:`~distilabel_qabias.convergence.dedup.deduplicate` over ``partitions`` partitions deduplicated
    apart (``workers`` processes, default one per available core), then a merge pass over their
    representatives. The other arguments are :func:`deduplicate`'s."""
    if partitions < 1:
        raise ValueError(f"partitions must be >= 1, got {partitions}")
    n_rows = len(questions)
    check_column_lengths(n_rows, answers=answers, documents=documents, prompts=prompts, grounded=grounded,
                         alignment=alignment, embeddings=embeddings)
    model, name, threshold = resolve_embedder(embedder, embeddings, threshold)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if embeddings is None:
        embeddings = _embedded_rows(model, questions, answers)
        name = model.name
    matrix, norms, _ = row_vectors(embeddings, questions)
    timings["embedding_s"] = time.perf_counter() - started

    started = time.perf_counter()
    if documents is not None:
        part = document_partitions(documents, partitions)
    else:
        part = _keep_repeats_together(partition_rows(matrix, partitions, seed=seed), questions)
    order = np.argsort(part, kind="stable")
    rows_of = [rows for rows in np.split(order, np.searchsorted(part[order], np.arange(1, partitions))) if len(rows)]
    timings["partitioning_s"] = time.perf_counter() - started

    started = time.perf_counter()
    workers = max(1, min(workers or available_cores(), len(rows_of)))
    options = dict(chain_margin=chain_margin, entity_guard=entity_guard, graph_margin=graph_margin,
                   exact_limit=exact_limit, seed=seed)
    _JOB.update(questions=questions, answers=answers, documents=documents, grounded=grounded, alignment=alignment,
                vectors=matrix, rows=rows_of, embedder=name, threshold=threshold, representative=representative,
                options=options, threads=max(1, available_cores() // workers) if workers > 1 else None)
    try:
        outcomes = _run_partitions(len(rows_of), workers)
    finally:
        _JOB.clear()
    timings["partitions_s"] = time.perf_counter() - started

    started = time.perf_counter()
    combined = _combine(outcomes, rows_of, n_rows)
    node_first_row = combined.node_first_row
    vectors = matrix[node_first_row].astype(np.float32, copy=True)
    vectors /= norms[node_first_row, None]
    reps = combined.representatives
    merge_pass = None
    if documents is None and len(reps) > 1:
        pass_inputs, _ = dedup_inputs(
            [questions[r] for r in reps.tolist()], answers=_subset(answers, reps), embedder=name,
            embeddings=matrix[reps], threshold=threshold, representative=representative,
            grounded=_subset(grounded, reps), alignment=_subset(alignment, reps), **options,
        )
        merges = merge_guarded(
            pass_inputs.vectors, pass_inputs.graph, threshold, chain_margin=chain_margin,
            facts=pass_inputs.facts_for(threshold), stands_for=_stood_for(combined, pass_inputs, vectors),
        )
        merge_pass = ConvergenceResult.from_merges(pass_inputs, threshold, merges)
    timings["merge_pass_s"] = time.perf_counter() - started
    for outcome in outcomes:
        for key, seconds in outcome.timings.items():
            timings[f"partition_{key}"] = timings.get(f"partition_{key}", 0.0) + seconds

    started = time.perf_counter()
    question_text = [questions[r][:MAX_COMPARED_CHARS].strip() for r in node_first_row.tolist()]
    if answers is not None:
        answer_text = [answers[r][:MAX_COMPARED_CHARS].strip() if isinstance(answers[r], str) else ""
                       for r in node_first_row.tolist()]
        question_text = [f"{q}\n{a}" for q, a in zip(question_text, answer_text)]
    merges, graph = _merged(combined, merge_pass, vectors, threshold - graph_margin)
    inputs = DedupInputs(
        questions=list(questions), answers=None if answers is None else list(answers),
        prompts=None if prompts is None else list(prompts), row_node=combined.row_node,
        row_reason=combined.row_reason, node_first_row=node_first_row, node_text=question_text, vectors=vectors,
        graph=graph, priority=representative_priority(n_rows, representative, answers, grounded, alignment),
        representative=representative, embedder_name=name, chain_margin=float(chain_margin),
        entity_guard=entity_guard, timings=timings,
    )
    return ConvergenceResult.from_merges(inputs, threshold, merges, started)


@dataclass(frozen=True)
class _Combined:
    """The partitions' outcomes in global row and node ids."""

    row_node: np.ndarray
    row_reason: list[str | None]
    node_first_row: np.ndarray
    row_cluster: np.ndarray  # partition cluster of each row, numbered across partitions
    representatives: np.ndarray  # each compared partition cluster's representative row, in row order
    graphs: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    forests: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    refused: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    exhaustive: bool


def _combine(outcomes: list[_PartitionOutcome], rows_of: list[np.ndarray], n_rows: int) -> _Combined:
    row_node = np.full(n_rows, -1, dtype=np.int64)
    row_reason: list[str | None] = [None] * n_rows
    row_cluster = np.zeros(n_rows, dtype=np.int64)
    first_rows, representatives, graphs, forests, refused = [], [], [], [], []
    node_offset = cluster_offset = 0
    for outcome, rows in zip(outcomes, rows_of):
        local = outcome.row_node
        row_node[rows] = np.where(local >= 0, local + node_offset, -1)
        for row, reason in zip(rows.tolist(), outcome.row_reason):
            row_reason[row] = reason
        row_cluster[rows] = outcome.cluster_id + cluster_offset
        kept = outcome.kept_row[local[outcome.kept_row] >= 0]
        representatives.append(rows[kept])
        first_rows.append(rows[outcome.node_first_row])
        g, m = outcome.graph, outcome.merges
        graphs.append((g.src + node_offset, g.dst + node_offset, g.score))
        forests.append((m.forest_src + node_offset, m.forest_dst + node_offset, m.forest_score))
        refused.append((m.refused_src + node_offset, m.refused_dst + node_offset, m.refused_score, m.refused_reason))
        node_offset += len(outcome.node_first_row)
        cluster_offset += int(outcome.cluster_id.max(initial=-1)) + 1
    return _Combined(
        row_node, row_reason, np.concatenate(first_rows).astype(np.int64), row_cluster,
        np.sort(np.concatenate(representatives)), graphs, forests, refused,
        all(o.graph.exhaustive for o in outcomes),
    )


def _stood_for(combined: _Combined, pass_inputs: DedupInputs, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per merge-pass node, the summed vectors and the number of the nodes of the partition clusters its
    representatives stand for."""
    cluster_of_node = combined.row_cluster[combined.node_first_row]
    n_clusters = int(combined.row_cluster.max(initial=-1)) + 1
    n_nodes = len(cluster_of_node)
    sums = sparse.csr_matrix((np.ones(n_nodes, dtype=np.float32), (cluster_of_node, np.arange(n_nodes))),
                             shape=(n_clusters, n_nodes)) @ vectors
    sizes = np.bincount(cluster_of_node, minlength=n_clusters)
    rep_cluster = combined.row_cluster[combined.representatives]
    pass_node = pass_inputs.row_node
    n_pass = len(pass_inputs.node_first_row)
    into_pass = sparse.csr_matrix((np.ones(len(pass_node), dtype=np.float32), (pass_node, rep_cluster)),
                                  shape=(n_pass, n_clusters))
    pass_sizes = np.bincount(pass_node, weights=sizes[rep_cluster], minlength=n_pass).astype(np.int64)
    return np.asarray(into_pass @ sums, dtype=np.float32), pass_sizes


def _merged(
    combined: _Combined, merge_pass: ConvergenceResult | None, vectors: np.ndarray, floor: float
) -> tuple[Merges, NeighbourGraph]:
    """The clusters of the partitions joined by the merge pass: node labels, the union of the merge
    forests and refused joins, and the union of the neighbour graphs (global node ids)."""
    reps = combined.representatives
    rep_node = combined.row_node[reps]
    graphs, forests, refused = list(combined.graphs), list(combined.forests), list(combined.refused)
    exhaustive = combined.exhaustive
    # A partition cluster's final cluster is that of its representative in the merge pass.
    final_of_cluster = np.arange(int(combined.row_cluster.max(initial=-1)) + 1)
    if merge_pass is not None:
        final_of_cluster[combined.row_cluster[reps]] = len(final_of_cluster) + merge_pass.cluster_id
        pass_inputs = merge_pass.inputs
        node_of = rep_node[pass_inputs.node_first_row]  # merge-pass node -> global node
        g, m = pass_inputs.graph, merge_pass.merges
        graphs.append((node_of[g.src], node_of[g.dst], g.score))
        forests.append((node_of[m.forest_src], node_of[m.forest_dst], m.forest_score))
        refused.append((node_of[m.refused_src], node_of[m.refused_dst], m.refused_score, m.refused_reason))
        # Representatives with one normalised text (from different partitions) are one merge-pass node:
        # each joins through the node of the first of them.
        joined = node_of[pass_inputs.row_node]
        apart = np.flatnonzero((pass_inputs.row_node >= 0) & (joined != rep_node))
        scores = np.einsum("ij,ij->i", vectors[joined[apart]], vectors[rep_node[apart]]).astype(np.float32)
        forests.append((joined[apart], rep_node[apart], np.minimum(scores, np.float32(1.0))))
        exhaustive = exhaustive and g.exhaustive
    labels = final_of_cluster[combined.row_cluster[combined.node_first_row]]
    f_src, f_dst, f_score = (np.concatenate(parts) for parts in zip(*forests))
    low, high = np.minimum(f_src, f_dst), np.maximum(f_src, f_dst)
    r_src, r_dst, r_score, r_reason = (np.concatenate(parts) for parts in zip(*refused))
    by_score = np.argsort(-r_score, kind="stable")
    merges = Merges(labels, low, high, f_score.astype(np.float32), r_src[by_score], r_dst[by_score],
                    r_score[by_score], r_reason[by_score])
    src, dst, score = (np.concatenate(parts) for parts in zip(*graphs))
    src, dst = np.minimum(src, dst), np.maximum(src, dst)
    order = np.lexsort((dst, src, -score))
    return merges, NeighbourGraph(src[order], dst[order], score[order], float(floor), exhaustive)
