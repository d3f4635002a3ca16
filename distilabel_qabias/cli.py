"""``qabias``: audit and scrub QA data from the command line with the same Steps a pipeline uses.

    qabias audit INPUT -o OUTPUT [--document-column C] [--filter] [--report DIR] [--push-to-hub REPO]
    qabias scrub INPUT -o OUTPUT --column C [--mode scrub|tag] [--no-instructions]

INPUT is a local .jsonl/.json/.parquet/.csv file or a Hub dataset id (--config/--split/--revision).
Every input row comes out, in order, with the qabias_* columns and keep flags added; only --filter
drops rows. The local output and the report are written before a push starts, so a failed or
interrupted push loses nothing.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any, Iterator, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from distilabel_qabias import schema
from distilabel_qabias.io import LOCAL_FORMATS, InputError, load_rows, write_rows

app = typer.Typer(
    name="qabias",
    help="Audit synthetic QA data for generation bias (coverage, convergence, artifacts) and scrub documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold a token
)
# progress and messages on stderr, so stdout carries only the summary
console = Console(stderr=True)
out = Console()

DROP_REASONS = {
    schema.KEEP_CONVERGENCE: "duplicate of a kept question (convergence)",
    schema.KEEP_GROUNDING: "answer not grounded in the document",
    schema.KEEP_ARTIFACT: "question/answer dominated by markup artifacts",
    schema.KEEP_INSTRUCTION: "document mostly instruction-like text",
}


class ScrubMode(str, Enum):
    scrub = "scrub"
    tag = "tag"


class UserError(Exception):
    """Printed as one clear message; exit status 1."""


@contextmanager
def _user_errors() -> Iterator[None]:
    """Every mistake a user can make ends here: one message, non-zero exit, no traceback."""
    from distilabel_qabias.hub import HubPushError
    from distilabel_qabias.runner import StepLoadError

    try:
        yield
    except (UserError, InputError, schema.MissingColumnsError, HubPushError, StepLoadError) as err:
        console.print(f"[bold red]Error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        console.print("[bold red]Interrupted.[/]")
        raise typer.Exit(130) from None


def _check_output_options(output: Optional[Path], push_to_hub: Optional[str]) -> None:
    if output is None and not push_to_hub:
        raise UserError("give an OUTPUT file with -o/--output and/or a repo with --push-to-hub")
    if output is not None:
        if output.suffix.lower() not in LOCAL_FORMATS:
            raise UserError(
                f"{output}: unknown output type {output.suffix or '(no extension)'!r}; "
                f"expected one of {', '.join(LOCAL_FORMATS)}"
            )
        if not output.parent.exists():
            raise UserError(f"{output}: the folder {output.parent} does not exist")
    if push_to_hub:
        from distilabel_qabias.hub import resolve_token

        resolve_token()  # fail before the work, not after it


def _load(input: str, config: Optional[str], split: Optional[str], revision: Optional[str]) -> list[dict]:
    with console.status(f"Reading {input} ..."):
        rows = load_rows(input, config=config, split=split, revision=revision)
    console.print(f"Read {len(rows)} rows with columns: {', '.join(rows[0])}", highlight=False)
    return rows


def _run(steps: list, rows: list[dict]) -> list[dict]:
    import huggingface_hub

    from distilabel_qabias.runner import run_steps

    # our progress bars replace the model loaders' own (transformers reads this when it is imported)
    huggingface_hub.utils.disable_progress_bars()
    return run_steps(steps, rows, console=console)


def _new_steps(factory) -> Any:
    """Build steps outside a Pipeline without distilabel's "no pipeline" and import-time pydantic warnings."""
    import warnings

    from distilabel_qabias.runner import quiet_distilabel_steps

    with quiet_distilabel_steps(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return factory()


def _write_outputs(rows: list[dict], output: Optional[Path]) -> None:
    if output is not None:
        write_rows(rows, output)
        console.print(f"Wrote {len(rows)} rows to {output}", highlight=False)


def _push(rows: list[dict], repo_id: str, private: bool, report: Any, output: Optional[Path]) -> None:
    from distilabel_qabias.hub import HubPushError, push_dataset

    import datasets
    import huggingface_hub

    # the spinner below replaces the clients' own progress bars and shard-count chatter
    datasets.utils.logging.disable_progress_bar()
    datasets.utils.logging.set_verbosity_error()
    huggingface_hub.utils.disable_progress_bars()
    started = time.perf_counter()
    kept = f" (the local output is complete in {output})" if output is not None else ""
    try:
        with console.status(f"Pushing {len(rows)} rows to {repo_id} ..."):
            result = push_dataset(rows, repo_id, report=report, private=private)
    except KeyboardInterrupt:
        console.print(f"[bold red]Interrupted:[/] {escape(f'the push to {repo_id!r} did not finish{kept}.')}",
                      highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    except HubPushError as err:
        raise HubPushError(f"{err}{kept}") from None
    console.print(
        f"Pushed to {result.url} in {time.perf_counter() - started:.1f} s "
        f"(card section 'QA bias report', {len(result.report_files)} report files)",
        highlight=False,
    )


def _drop_filtered(rows: list[dict]) -> tuple[list[dict], dict[str, int]]:
    """Rows with ``qabias_keep`` true, and how many rows each keep flag removed (a row may count twice)."""
    kept, reasons = [], {}
    for row in rows:
        if row.get(schema.KEEP, True) is not False:
            kept.append(row)
            continue
        for flag, value in row.items():
            if flag.startswith(schema.KEEP_FLAG_PREFIX) and value is False:
                reasons[flag] = reasons.get(flag, 0) + 1
    return kept, reasons


def _filter_note(n_in: int, n_out: int, reasons: dict[str, int]) -> str:
    why = "; ".join(f"{count} {DROP_REASONS.get(flag, flag)} (`{flag}`)" for flag, count in sorted(reasons.items()))
    return f"--filter removed {n_in - n_out} of {n_in} rows: {why or 'none flagged'}."


def _summary_table(title: str, items: list[tuple[str, Any]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    for key, value in items:
        table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
    return table


@app.command()
def audit(
    input: str = typer.Argument(..., metavar="INPUT", help="Local .jsonl/.json/.parquet/.csv file or Hub dataset id."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Output file; format from the extension."),
    document_column: Optional[str] = typer.Option(
        None, help="Column with the source document; enables coverage tagging and the report."),
    question_column: str = typer.Option("question", help="Column with the generated question."),
    answer_column: str = typer.Option("answer", help="Column with the answer (used for grounding)."),
    prompt_column: Optional[str] = typer.Option(None, help="Column with the seed-prompt kind of each row."),
    embedder: str = typer.Option(
        "minilm", help="Question embedder for convergence dedup: minilm, wordllama, tokenlearn, or a "
        "sentence-transformers id/path."),
    filter: bool = typer.Option(False, "--filter", help="Drop rows whose qabias_keep is false (the report says why)."),
    report: Optional[Path] = typer.Option(None, help="Folder for the bias report (JSON, Markdown, PNG plots)."),
    push_to_hub: Optional[str] = typer.Option(None, metavar="REPO", help="Push the output to this Hub dataset repo."),
    private: bool = typer.Option(False, "--private", help="Create the Hub repo as private."),
    config: Optional[str] = typer.Option(None, help="Config of a Hub INPUT."),
    split: Optional[str] = typer.Option(None, help="Split of a Hub INPUT (default: the only one, or train)."),
    revision: Optional[str] = typer.Option(None, help="Revision of a Hub INPUT."),
) -> None:
    """Tag artifacts, evidence coverage and converged questions, and build the bias report."""
    with _user_errors():
        started = time.perf_counter()
        _check_output_options(output, push_to_hub)
        rows = _load(input, config, split, revision)
        steps = _new_steps(lambda: _audit_steps(document_column, question_column, answer_column, prompt_column, embedder))
        rows = _run(steps, rows)
        bias_report = steps[-1].report if document_column else None
        dedup_result = next((s.result for s in steps if type(s).__name__ == "DeduplicateConvergentQuestions"), None)

        audited, filter_note = rows, None
        if filter:
            rows, reasons = _drop_filtered(audited)
            filter_note = _filter_note(len(audited), len(rows), reasons)
            if bias_report is not None:
                bias_report.notes.append(filter_note)
            if not rows:
                console.print("[yellow]Warning:[/] --filter removed every row.")

        _write_outputs(rows, output)
        if report is not None:
            _write_report(report, bias_report, dedup_result, filter_note)
        out.print(_audit_summary(audited, len(rows), bias_report, time.perf_counter() - started))
        if filter_note:
            out.print(filter_note, highlight=False)
        if push_to_hub:
            if not rows:
                raise UserError("nothing to push: --filter removed every row")
            # the plots already written to --report are uploaded as they are instead of drawn again
            written = report if report is not None and bias_report is not None else bias_report
            _push(rows, push_to_hub, private, written, output)


def _audit_steps(document_column, question_column, answer_column, prompt_column, embedder) -> list:
    from distilabel_qabias import (
        DeduplicateConvergentQuestions,
        QABiasReport,
        ScrubArtifacts,
        TagSpanCoverage,
    )

    qa_columns = [question_column, answer_column]
    steps = [ScrubArtifacts(columns=qa_columns, mode="tag", markup_question_columns=qa_columns)]
    if document_column:
        steps.append(TagSpanCoverage(
            document_column=document_column, question_column=question_column, answer_column=answer_column,
        ))
    # with grounding known, a cluster keeps its best-grounded member rather than its first
    steps.append(DeduplicateConvergentQuestions(
        question_column=question_column, prompt_column=prompt_column, embedder=embedder,
        keep="best_grounded" if document_column else "first",
    ))
    if document_column:
        steps.append(QABiasReport(
            document_column=document_column, question_column=question_column, prompt_column=prompt_column,
        ))
    return steps


def _write_report(directory: Path, bias_report: Any, dedup_result: Any, filter_note: Optional[str]) -> None:
    import json

    directory.mkdir(parents=True, exist_ok=True)
    if bias_report is not None:
        written = bias_report.write(directory)
        console.print(f"Wrote the bias report to {directory} ({', '.join(sorted(p.name for p in written.values()))})",
                      highlight=False)
        return
    # without a document there is no coverage: the report is the convergence result alone
    data = {"title": "QA bias report", "coverage": None,
            "convergence": dedup_result.to_dict() if dedup_result is not None else None,
            "notes": ["no --document-column: coverage statistics need the documents"] + ([filter_note] if filter_note else [])}
    (directory / "report.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    console.print(f"Wrote the convergence report to {directory / 'report.json'}", highlight=False)


def _audit_summary(audited: list[dict], n_out: int, bias_report: Any, seconds: float) -> Table:
    """Headline numbers over every audited row (before --filter)."""
    first = audited[0] if audited else {}
    items: list[tuple[str, Any]] = [("input rows", len(audited)), ("output rows", n_out)]
    items.append(("rows with qabias_keep = false", sum(1 for r in audited if r.get(schema.KEEP) is False)))
    if schema.GROUNDED in first:
        items.append(("grounded rows", sum(1 for r in audited if r.get(schema.GROUNDED))))
    if schema.CLUSTER_ID in first:
        items.append(("question clusters", len({r.get(schema.CLUSTER_ID) for r in audited})))
        items.append(("duplicates of a kept question", sum(1 for r in audited if r.get(schema.DUPLICATE_OF) is not None)))
    if schema.ARTIFACTS in first:
        items.append(("rows with artifacts", sum(1 for r in audited if r.get(schema.ARTIFACTS))))
    if bias_report is not None:
        summary = bias_report.summary
        for key, label in (("mean_coverage", "mean coverage per document"),
                           ("uniform_mean_coverage", "coverage under uniform placement"),
                           ("mean_position", "mean evidence position (0 = start)")):
            if summary.get(key) is not None:
                items.append((label, summary[key]))
    items.append(("wall time", f"{seconds:.1f} s"))
    return _summary_table("qabias audit", items)


@app.command()
def scrub(
    input: str = typer.Argument(..., metavar="INPUT", help="Local .jsonl/.json/.parquet/.csv file or Hub dataset id."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Output file; format from the extension."),
    column: str = typer.Option(..., help="Document column to clean."),
    mode: ScrubMode = typer.Option(ScrubMode.scrub, help="scrub: remove artifacts; tag: only record them."),
    no_instructions: bool = typer.Option(False, "--no-instructions",
                                         help="Skip the instruction-like span filter."),
    push_to_hub: Optional[str] = typer.Option(None, metavar="REPO", help="Push the output to this Hub dataset repo."),
    private: bool = typer.Option(False, "--private", help="Create the Hub repo as private."),
    config: Optional[str] = typer.Option(None, help="Config of a Hub INPUT."),
    split: Optional[str] = typer.Option(None, help="Split of a Hub INPUT."),
    revision: Optional[str] = typer.Option(None, help="Revision of a Hub INPUT."),
) -> None:
    """Clean a document column (markup artifacts, instruction-like spans) before generation.

    Artifact offsets index the original text; in scrub mode the instruction-span offsets index the
    text after artifact removal (the text the span filter was given).
    """
    with _user_errors():
        started = time.perf_counter()
        _check_output_options(output, push_to_hub)
        rows = _load(input, config, split, revision)
        steps = _new_steps(lambda: _scrub_steps(column, mode.value, not no_instructions))
        rows = _run(steps, rows)
        _write_outputs(rows, output)
        items: list[tuple[str, Any]] = [("rows", len(rows))]
        items.append(("rows with artifacts", sum(1 for r in rows if r.get(schema.ARTIFACTS))))
        items.append(("artifacts " + ("removed" if mode is ScrubMode.scrub else "tagged"),
                      sum(len(r.get(schema.ARTIFACTS) or []) for r in rows)))
        if not no_instructions:
            items.append(("rows with instruction-like spans", sum(1 for r in rows if r.get(schema.INSTRUCTION_SPANS))))
        items.append(("wall time", f"{time.perf_counter() - started:.1f} s"))
        out.print(_summary_table("qabias scrub", items))
        if push_to_hub:
            _push(rows, push_to_hub, private, None, output)


def _scrub_steps(column: str, mode: str, instructions: bool) -> list:
    from distilabel_qabias import ScrubArtifacts

    steps = [ScrubArtifacts(columns=[column], mode=mode)]
    if instructions:
        from distilabel_qabias import FilterInstructionSpans

        # after artifact scrubbing, so in scrub mode its span offsets index the artifact-free text
        steps.append(FilterInstructionSpans(document_column=column, mode="remove" if mode == "scrub" else "tag"))
    return steps


def main() -> None:  # pragma: no cover - entry point for `python -m distilabel_qabias.cli`
    app()


if __name__ == "__main__":
    sys.exit(main())
