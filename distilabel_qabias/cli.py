"""``qabias``: audit and scrub QA data from the command line with the same Steps a pipeline uses.

    qabias audit INPUT -o OUTPUT [--document-column C] [--filter] [--report DIR] [--push-to-hub REPO]
    qabias scrub INPUT -o OUTPUT --column C [--mode remove|tag] [--no-instructions]

INPUT is a local .jsonl/.json/.parquet/.csv file or a Hub dataset id (--config/--split/--revision).
Every input row comes out, in order, with the qabias_* columns and keep flags added; only --filter
drops rows. Every user mistake is one line on stderr, found before the work where it can be: the
output location, the report folder, the repo id and token of a push, the columns, and values the
output format cannot hold. The local output and the report are written before a push starts, so a
failed or interrupted push loses nothing.
"""

from __future__ import annotations

import logging
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from distilabel_qabias import schema
from distilabel_qabias.cli_errors import Terminated, user_errors
from distilabel_qabias.embedders import DEFAULT_EMBEDDER
from distilabel_qabias.errors import OutputError, QABiasError
from distilabel_qabias.io import LOCAL_FORMATS, check_output_path, check_report_folder, check_rows_fit, is_local_path
from distilabel_qabias.steps import recipes

app = typer.Typer(
    name="qabias",
    help="Audit synthetic QA data for generation bias (coverage, convergence, artifacts) and scrub documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold a token or rows; user_errors prints bugs itself
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
DEFAULT_ANSWER_COLUMN = "answer"


class ScrubMode(str, Enum):
    remove = "remove"
    tag = "tag"
    scrub = "scrub"  # the old name of remove, still accepted


def _check_before_work(input: str, output: Optional[Path], report: Optional[Path], push_to_hub: Optional[str],
                       overwrite: bool) -> None:
    """Every output problem a user can cause, before the input is read: one line each."""
    if output is None and not push_to_hub:
        raise OutputError("give an OUTPUT file with -o/--output and/or a repo with --push-to-hub")
    if output is not None:
        check_output_path(output, inputs=[input] if is_local_path(input) else [], overwrite=overwrite)
    if report is not None:
        check_report_folder(report)
    if push_to_hub:
        from distilabel_qabias.hub import check_push_target

        with console.status(f"Checking the Hub token for {push_to_hub} ..."):
            check_push_target(push_to_hub)


def _check_rows_fit(rows: list[dict], output: Optional[Path], push_to_hub: Optional[str], text_columns: list[str]) -> None:
    """Values the output format cannot hold (a parquet column mixing str and int), before the work."""
    if output is not None:
        check_rows_fit(rows, LOCAL_FORMATS[output.suffix.lower()], where=str(output), skip=text_columns)
    if push_to_hub:
        check_rows_fit(rows, "parquet", where=f"--push-to-hub {push_to_hub}", skip=text_columns)


def _load(input: str, config: Optional[str], split: Optional[str], revision: Optional[str]) -> list[dict]:
    from distilabel_qabias.io import load_rows

    with console.status(f"Reading {input} ..."):
        rows = load_rows(input, config=config, split=split, revision=revision)
    columns = {key: None for row in rows for key in row}
    console.print(f"Read {len(rows)} rows with columns: {', '.join(columns)}", highlight=False)
    return rows


def _new_steps(factory) -> dict[str, Any]:
    """Build steps outside a Pipeline without distilabel's "no pipeline" and import-time pydantic warnings;
    return them by name, in order."""
    import warnings

    from distilabel_qabias.hub import hide_traceback_locals
    from distilabel_qabias.runner import quiet_distilabel_steps

    with quiet_distilabel_steps(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        steps = factory()
    hide_traceback_locals()  # importing distilabel installed rich's traceback hook with show_locals=True
    return {step.name: step for step in steps}


def _run(steps: dict[str, Any], rows: list[dict], drop_name: str) -> tuple[list[dict], list[dict]]:
    """Run the steps (columns checked once, before any of them loads); the rows before and after the drop step."""
    import huggingface_hub

    from distilabel_qabias.runner import check_columns, run_steps

    check_columns(list(steps.values()), rows)
    # our progress bars replace the model loaders' own (transformers reads this when it is imported)
    huggingface_hub.utils.disable_progress_bars()
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # which CPU build it tried, at INFO
    drop = steps.get(drop_name)
    work = [step for name, step in steps.items() if name != drop_name]
    tagged = run_steps(work, rows, console=console, validate=False)
    if drop is None:
        return tagged, tagged
    return tagged, run_steps([drop], list(tagged), console=console, allow_drop=True, validate=False)


def _write_outputs(rows: list[dict], output: Optional[Path]) -> None:
    from distilabel_qabias.io import write_rows

    if output is not None:
        write_rows(rows, output)
        console.print(f"Wrote {len(rows)} rows to {output}", highlight=False)


def _push(rows: list[dict], repo_id: str, private: bool, report: Any, output: Optional[Path]) -> None:
    from distilabel_qabias.errors import HubPushError
    from distilabel_qabias.hub import push_dataset

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
    except KeyboardInterrupt as interrupt:
        console.print(f"[bold red]Interrupted:[/] {escape(f'the push to {repo_id!r} did not finish{kept}.')}",
                      highlight=False, soft_wrap=True)
        raise typer.Exit(143 if isinstance(interrupt, Terminated) else 130) from None
    except HubPushError as err:
        raise HubPushError(f"{err}{kept}") from None
    console.print(
        f"Pushed to {result.url} in {time.perf_counter() - started:.1f} s "
        f"(card section 'QA bias report', {len(result.report_files)} report files)",
        highlight=False,
    )


def _drop_reasons(tagged: list[dict]) -> dict[str, int]:
    """How many rows each keep flag removes (a row may count twice)."""
    reasons: dict[str, int] = {}
    for row in tagged:
        if schema.combined_keep(row):
            continue
        for flag, value in row.items():
            if schema.is_keep_flag(flag) and value is False:
                reasons[flag] = reasons.get(flag, 0) + 1
    return reasons


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


def _answer_column(rows: list[dict], given: Optional[str], document_column: Optional[str]) -> Optional[str]:
    """The answer column: the one given, else ``answer`` when the input has it, else none (questions only)."""
    if given is not None:
        return given
    if any(DEFAULT_ANSWER_COLUMN in row for row in rows):
        return DEFAULT_ANSWER_COLUMN
    if document_column:
        raise QABiasError(f"no {DEFAULT_ANSWER_COLUMN!r} column: coverage (--document-column) aligns answers to "
                          "documents; name the answer column with --answer-column, or drop --document-column")
    console.print(f"No {DEFAULT_ANSWER_COLUMN!r} column: auditing the questions alone (artifact tags and "
                  "convergence dedup); name an answer column with --answer-column.", highlight=False)
    return None


@app.command()
def audit(
    input: str = typer.Argument(..., metavar="INPUT", help="Local .jsonl/.json/.parquet/.csv file or Hub dataset id."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Output file; format from the extension."),
    document_column: Optional[str] = typer.Option(
        None, help="Column with the source document; enables coverage tagging and the report."),
    question_column: str = typer.Option("question", help="Column with the generated question."),
    answer_column: Optional[str] = typer.Option(
        None, help="Column with the answer (used for grounding). Default: 'answer' when the input has it; "
        "without one, the questions alone are audited."),
    prompt_column: Optional[str] = typer.Option(None, help="Column with the seed-prompt kind of each row."),
    embedder: str = typer.Option(
        DEFAULT_EMBEDDER, help="Question embedder for convergence dedup: minilm-int8, minilm, wordllama, tokenlearn, "
        "or a sentence-transformers id/path."),
    filter: bool = typer.Option(False, "--filter", help="Drop rows whose qabias_keep is false (the report says why)."),
    report: Optional[Path] = typer.Option(None, help="Folder for the bias report (JSON, Markdown, PNG plots)."),
    push_to_hub: Optional[str] = typer.Option(None, metavar="REPO", help="Push the output to this Hub dataset repo."),
    private: bool = typer.Option(False, "--private", help="Create the Hub repo as private."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Allow OUTPUT to be the INPUT file (replaced)."),
    config: Optional[str] = typer.Option(None, help="Config of a Hub INPUT."),
    split: Optional[str] = typer.Option(None, help="Split of a Hub INPUT (default: the only one, or train)."),
    revision: Optional[str] = typer.Option(None, help="Revision of a Hub INPUT."),
) -> None:
    """Tag artifacts, evidence coverage and converged questions, and build the bias report."""
    with user_errors(console):
        started = time.perf_counter()
        _check_before_work(input, output, report, push_to_hub, overwrite)
        rows = _load(input, config, split, revision)
        answer = _answer_column(rows, answer_column, document_column)
        text_columns = [c for c in (question_column, answer, document_column) if c]
        _check_rows_fit(rows, output, push_to_hub, text_columns)
        steps = _new_steps(lambda: recipes.audit_steps(
            question_column=question_column, answer_column=answer, document_column=document_column,
            prompt_column=prompt_column, embedder=embedder, drop_flagged=filter,
        ))
        audited, rows = _run(steps, rows, recipes.AUDIT_DROP)
        report_step, dedup_step = steps.get(recipes.AUDIT_REPORT), steps.get(recipes.AUDIT_CONVERGENCE)
        bias_report = report_step.report if report_step is not None else None

        filter_note = None
        if filter:
            filter_note = _filter_note(len(audited), len(rows), _drop_reasons(audited))
            if bias_report is not None:
                bias_report = bias_report.with_notes(filter_note)
            if not rows:
                console.print("[yellow]Warning:[/] --filter removed every row.")

        _write_outputs(rows, output)
        if report is not None:
            _write_report(report, bias_report, dedup_step.result if dedup_step else None, filter_note)
        out.print(_audit_summary(audited, len(rows), bias_report, time.perf_counter() - started))
        if filter_note:
            out.print(filter_note, highlight=False)
        if push_to_hub:
            if not rows:
                raise QABiasError("nothing to push: --filter removed every row")
            # the plots already written to --report are uploaded as they are instead of drawn again
            written = report if report is not None and bias_report is not None else bias_report
            _push(rows, push_to_hub, private, written, output)


def _write_report(directory: Path, bias_report: Any, dedup_result: Any, filter_note: Optional[str]) -> None:
    import json

    if bias_report is not None:
        from distilabel_qabias.report import write_report

        written = write_report(bias_report, directory)
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
    items.append(("rows with qabias_keep = false", sum(1 for r in audited if not schema.combined_keep(r))))
    if schema.GROUNDED in first:
        items.append(("grounded rows", sum(1 for r in audited if r.get(schema.GROUNDED))))
    if schema.CLUSTER_ID in first:
        items.append(("question clusters", len({r.get(schema.CLUSTER_ID) for r in audited})))
        items.append(("duplicates of a kept question", sum(1 for r in audited if r.get(schema.DUPLICATE_OF) is not None)))
    if schema.ARTIFACTS in first:
        items.append(("rows with artifacts", sum(1 for r in audited if r.get(schema.ARTIFACTS))))
    if bias_report is not None:
        coverage = bias_report.coverage
        for value, label in ((coverage.mean_coverage, "mean coverage per document"),
                             (coverage.uniform_mean_coverage, "coverage under uniform placement"),
                             (coverage.mean_position, "mean evidence position (0 = start)")):
            if value is not None:
                items.append((label, value))
    items.append(("wall time", f"{seconds:.1f} s"))
    return _summary_table("qabias audit", items)


@app.command()
def scrub(
    input: str = typer.Argument(..., metavar="INPUT", help="Local .jsonl/.json/.parquet/.csv file or Hub dataset id."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Output file; format from the extension."),
    column: str = typer.Option(..., help="Document column to clean."),
    mode: ScrubMode = typer.Option(ScrubMode.remove, help="remove: remove artifacts (also accepted as 'scrub'); "
                                   "tag: only record them."),
    no_instructions: bool = typer.Option(False, "--no-instructions",
                                         help="Skip the instruction-like span filter."),
    push_to_hub: Optional[str] = typer.Option(None, metavar="REPO", help="Push the output to this Hub dataset repo."),
    private: bool = typer.Option(False, "--private", help="Create the Hub repo as private."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Allow OUTPUT to be the INPUT file (replaced)."),
    config: Optional[str] = typer.Option(None, help="Config of a Hub INPUT."),
    split: Optional[str] = typer.Option(None, help="Split of a Hub INPUT."),
    revision: Optional[str] = typer.Option(None, help="Revision of a Hub INPUT."),
) -> None:
    """Clean a document column (markup artifacts, instruction-like spans) before generation.

    Artifact offsets index the original text; in remove mode the instruction-span offsets index the
    text after artifact removal (the text the span filter was given).
    """
    with user_errors(console):
        started = time.perf_counter()
        removing = mode is not ScrubMode.tag
        _check_before_work(input, output, None, push_to_hub, overwrite)
        rows = _load(input, config, split, revision)
        _check_rows_fit(rows, output, push_to_hub, [column])
        steps = _new_steps(lambda: recipes.scrub_steps(
            column, mode="remove" if removing else "tag", instructions=not no_instructions,
        ))
        rows, _ = _run(steps, rows, recipes.SCRUB_DROP)
        _write_outputs(rows, output)
        items: list[tuple[str, Any]] = [("rows", len(rows))]
        items.append(("rows with artifacts", sum(1 for r in rows if r.get(schema.ARTIFACTS))))
        items.append(("artifacts " + ("removed" if removing else "tagged"),
                      sum(len(r.get(schema.ARTIFACTS) or []) for r in rows)))
        if not no_instructions:
            items.append(("rows with instruction-like spans", sum(1 for r in rows if r.get(schema.INSTRUCTION_SPANS))))
        items.append(("wall time", f"{time.perf_counter() - started:.1f} s"))
        out.print(_summary_table("qabias scrub", items))
        if push_to_hub:
            _push(rows, push_to_hub, private, None, output)


def main() -> None:  # pragma: no cover - entry point for `python -m distilabel_qabias.cli`
    app()


if __name__ == "__main__":
    sys.exit(main())
