"""The audit steps under distilabel's RayPipeline on a local Ray cluster (loopback only) give the same rows
and columns as the local Pipeline on the same real-text rows, GlobalSteps included.

CI installs ray through the ``ray`` extra; the test skips only where ray is not importable.
"""

import os
import time

import pytest

from distilabel_qabias import schema
from evaluation.qa_pairs import build_qa_pairs

ray = pytest.importorskip("ray")


def _rows() -> list[dict]:
    """60 QA pairs on about 20 real Wikipedia summaries, a few documents marked up, a few questions asked twice."""
    pairs = build_qa_pairs(n_documents=24, per_document=3, seed=7)[:60]
    rows = [{"id": i, "document": p.document, "question": p.question, "answer": p.answer} for i, p in enumerate(pairs)]
    for row in rows[::7]:
        row["document"] = f"<div class=\"mw-parser-output\"><p>{row['document']}</p></div>"
    rows += [dict(rows[i], id=len(rows) + n) for n, i in enumerate((3, 11, 29))]  # verbatim repeats: one cluster each
    return rows


def _run(pipeline_class, rows: list[dict], cache_dir, **pipeline_kwargs) -> tuple[list[dict], float]:
    from distilabel.steps import LoadDataFromDicts

    from distilabel_qabias import DeduplicateConvergentQuestions, QABiasReport, ScrubArtifacts, TagSpanCoverage

    with pipeline_class(name="qabias-ray-parity", cache_dir=str(cache_dir), **pipeline_kwargs) as pipeline:
        load = LoadDataFromDicts(data=[dict(r) for r in rows], batch_size=16)
        scrub = ScrubArtifacts(columns=["document"], mode="tag", input_batch_size=16)
        coverage = TagSpanCoverage(input_batch_size=16)
        dedup = DeduplicateConvergentQuestions(embedder="wordllama")
        report = QABiasReport()
        load >> scrub >> coverage >> dedup >> report
    started = time.perf_counter()
    distiset = pipeline.run(use_cache=False)
    elapsed = time.perf_counter() - started
    return distiset["default"]["train"].to_list(), elapsed


@pytest.fixture(scope="module")
def local_cluster():
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # no usage report leaves the machine
    ray.init(num_cpus=4, include_dashboard=False, _node_ip_address="127.0.0.1", object_store_memory=256 * 1024**2,
             log_to_driver=False)
    yield
    ray.shutdown()


def test_audit_steps_give_the_same_rows_under_ray_as_locally(local_cluster, tmp_path):
    from distilabel.pipeline import Pipeline, RayPipeline

    rows = _rows()
    local, local_seconds = _run(Pipeline, rows, tmp_path / "local")
    on_ray, ray_seconds = _run(RayPipeline, rows, tmp_path / "ray")
    print(f"\nRay vs local Pipeline on {len(rows)} rows: {ray_seconds:.1f} s vs {local_seconds:.1f} s "
          f"(overhead ratio {ray_seconds / local_seconds:.2f}x)")

    assert [r["id"] for r in local] == list(range(len(rows)))  # every row, in order
    assert list(on_ray[0]) == list(local[0])  # same columns, same order
    assert on_ray == local
    # the steps did real work on both: artifacts tagged, rows aligned, repeats merged, report columns written
    assert any(r[schema.ARTIFACTS] for r in local)
    assert sum(r[schema.GROUNDED] for r in local) >= 50
    assert sum(not r[schema.KEEP_CONVERGENCE] for r in local) >= 3
