"""Run distilabel Steps in-process over a list of rows: the one code path the CLI shares with pipelines.

The same Step classes a ``Pipeline`` uses are loaded here and fed through
``process_applying_mappings`` (so input/output mappings behave the same): a ``Step`` batch by batch
(``input_batch_size`` rows), a ``GlobalStep`` once over all rows. Column requirements are checked
for every step before any of them runs, so a missing column fails fast with
:class:`~distilabel_qabias.schema.MissingColumnsError` instead of halfway through.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from distilabel_qabias.errors import MissingColumnsError, StepLoadError

if TYPE_CHECKING:
    from distilabel.steps.base import Step
    from rich.console import Console

__all__ = ["StepLoadError", "StepContractError", "check_columns", "quiet_distilabel_steps", "run_steps"]


class StepContractError(RuntimeError):
    """A step returned a different number of rows than it received (our steps tag, they never drop)."""


def check_columns(steps: Sequence["Step"], rows: Sequence[dict[str, Any]]) -> None:
    """Raise :class:`MissingColumnsError` naming the first step whose required inputs are not available.

    A column is available when any row has it (rows lacking it are tagged ``missing`` by the step);
    each step's declared outputs become available to the next ones.
    """
    available = list({key: None for row in rows for key in row})
    for step in steps:
        missing = [name for name, required in step.get_inputs().items() if required and name not in available]
        if missing:
            raise MissingColumnsError(missing, available, where=f"step {type(step).__name__}")
        available += [name for name in step.get_outputs() if name not in available]


@contextmanager
def quiet_distilabel_steps() -> Iterator[None]:
    """Silence the warnings distilabel logs for steps used outside a Pipeline (no pipeline, no artifacts dir)."""
    logger = logging.getLogger("distilabel.step")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


def run_steps(
    steps: Sequence["Step"],
    rows: list[dict[str, Any]],
    *,
    console: "Console | None" = None,
    show_progress: bool = True,
    allow_drop: bool = False,
    validate: bool = True,
) -> list[dict[str, Any]]:
    """Load each step and run it over ``rows``; return the rows the last step produced, in order.

    Raises :class:`MissingColumnsError` before anything runs when a step lacks an input column
    (unless ``validate`` is false: the caller ran :func:`check_columns` already),
    :class:`StepLoadError` when a step cannot load its resources, and :class:`StepContractError`
    when a step changes the number of rows and ``allow_drop`` is false.
    """
    from distilabel.steps.base import GlobalStep

    if validate and rows:
        check_columns(steps, rows)
    progress = _progress(console) if show_progress else None
    with progress or nullcontext(), quiet_distilabel_steps():
        for step in steps:
            name = type(step).__name__
            task = progress.add_task(f"{name} (loading)", total=len(rows)) if progress else None
            try:
                step.load()
            except Exception as err:  # a model/resource the user named cannot be loaded
                detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
                raise StepLoadError(f"{name} cannot load: {detail}") from err
            if progress:
                progress.update(task, description=name)
            is_global = isinstance(step, GlobalStep)
            batch_size = len(rows) if is_global else max(1, int(step.input_batch_size or 1))
            output: list[dict[str, Any]] = []
            for start in range(0, len(rows), batch_size):
                batch = rows[start:start + batch_size]
                for produced in step.process_applying_mappings(batch):
                    output.extend(produced)
                if progress:
                    progress.update(task, advance=len(batch))
            if len(output) != len(rows) and not allow_drop:
                raise StepContractError(f"{name} returned {len(output)} rows for {len(rows)} input rows")
            step.unload()
            rows = output
    return rows


def _progress(console: "Console | None"):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
