"""CLI wall time and Hub push round-trip time, with same-run baselines.

    python benchmarks/bench_cli_hub.py [--rows 400] [--embedder wordllama]

1. ``qabias audit`` as a subprocess (what a user runs, imports included) on N real QA rows
   (Wikipedia summaries, questions/answers built from their sentences), against the same Steps run
   in-process through ``runner.run_steps`` (the CLI's overhead is the difference).
2. A push through the loopback Hub (tests/fixtures/hub_server.py, real huggingface_hub/datasets clients):
   ``hub.push_dataset`` (data + report files + merged card) against a plain ``Dataset.push_to_hub``
   of the same rows, and the ``load_dataset`` round trip.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))


def qa_rows(n_rows: int) -> list[dict]:
    from evaluation.qa_pairs import build_qa_pairs

    pairs = build_qa_pairs(n_documents=max(1, n_rows // 2) + 10, per_document=2, seed=11)[:n_rows]
    return [{"id": i, "document": p.document, "question": p.question, "answer": p.answer} for i, p in enumerate(pairs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--embedder", default="wordllama")
    args = parser.parse_args()

    from hub_server import LoopbackHub

    from distilabel_qabias.io import write_rows

    with tempfile.TemporaryDirectory(prefix="qabias-bench-") as tmp_name:
        tmp = Path(tmp_name)
        rows = qa_rows(args.rows)
        source = write_rows(rows, tmp / "qa.jsonl")
        n_docs = len({r["document"] for r in rows})
        print(f"rows: {len(rows)} QA rows on {n_docs} Wikipedia documents; embedder: {args.embedder}")

        audit = ["audit", str(source), "-o", str(tmp / "audited.parquet"), "--document-column", "document",
                 "--embedder", args.embedder, "--report", str(tmp / "report")]
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "distilabel_qabias.cli", *audit], capture_output=True, text=True)
        cli_seconds = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"qabias audit failed:\n{done.stderr[-3000:]}")

        in_process = run_in_process(rows, args.embedder, tmp)
        print(f"qabias audit (subprocess, imports included): {cli_seconds:.2f} s = {len(rows) / cli_seconds:.0f} rows/s")
        print(f"same steps in-process (run_steps, models loaded inside): {in_process:.2f} s "
              f"-> CLI/in-process ratio {cli_seconds / in_process:.2f}")

        with LoopbackHub() as server:
            env = {**os.environ, **server.client_env(tmp)}
            script = textwrap.dedent(f"""
                import json, time
                from datasets import Dataset, load_dataset
                from distilabel_qabias import hub
                from distilabel_qabias.io import load_rows
                rows = load_rows({str(tmp / 'audited.parquet')!r})
                t = time.perf_counter(); Dataset.from_list(rows).push_to_hub("qabias-tester/plain")
                plain = time.perf_counter() - t
                t = time.perf_counter(); hub.push_dataset(rows, "qabias-tester/qabias", report={str(tmp / 'report')!r})
                ours = time.perf_counter() - t
                t = time.perf_counter(); back = load_dataset("qabias-tester/qabias", split="train").to_list()
                load = time.perf_counter() - t
                assert back == rows
                print(json.dumps({{"plain": plain, "ours": ours, "load": load}}))
            """)
            done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=tmp)
            if done.returncode != 0:
                sys.exit(f"push benchmark failed:\n{done.stderr[-3000:]}")
            timing = json.loads(done.stdout.strip().splitlines()[-1])
            size = sum(len(c) for c in server.files("qabias-tester/qabias").values())
        print(f"plain Dataset.push_to_hub (loopback): {timing['plain']:.2f} s")
        print(f"hub.push_dataset with report + merged card: {timing['ours']:.2f} s "
              f"-> ratio {timing['ours'] / timing['plain']:.2f} (one extra commit: card + {size // 1024} KiB repo)")
        print(f"load_dataset round trip: {timing['load']:.2f} s; rows identical: yes")


def run_in_process(rows: list[dict], embedder: str, tmp: Path) -> float:
    """The same recipe the CLI builds, run through ``runner.run_steps``, report written."""
    from distilabel_qabias.report import write_report
    from distilabel_qabias.runner import quiet_distilabel_steps, run_steps
    from distilabel_qabias.steps.recipes import AUDIT_REPORT, audit_steps

    started = time.perf_counter()
    with quiet_distilabel_steps():
        steps = audit_steps(document_column="document", embedder=embedder)
    run_steps(steps, [dict(r) for r in rows], show_progress=False)
    report = next(step for step in steps if step.name == AUDIT_REPORT).report
    write_report(report, tmp / "report-in-process")
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
