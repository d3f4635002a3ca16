"""`DropFlaggedRows`: the one Step that removes rows, by their keep flags.

The other qabias Steps only tag (``keep_row_after_*_filtering`` and ``qabias_keep``); this Step drops.
It also works around a distilabel 1.5.3 stall: a Step that sends an empty *last* batch, or no row at
all, leaves the next Step (and any GlobalStep) waiting forever. So the Step holds back one kept row
until it knows whether another batch follows, and stops the run with one line when every row is
dropped and a Step is waiting downstream.
"""

import sys
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from distilabel.steps.base import Step, StepInput
from pydantic import Field, PrivateAttr
from typing_extensions import override

from distilabel_qabias import schema
from distilabel_qabias.errors import StepLoadError

if TYPE_CHECKING:
    from distilabel.typing import StepColumns, StepOutput


class DropFlaggedRows(Step):
    """Removes the rows whose keep flags say so: the one way to drop rows flagged by the qabias Steps.

    `qabias_keep` is recomputed on every row as the AND of all its `keep_row_after_*_filtering` flags
    (the stored value is stale after distilabel's `CombineOutputs`, which keeps whichever branch was
    merged last), and rows whose `qabias_keep` is false are removed. With `flags`, only those keep
    flags decide (e.g. drop ungrounded rows but keep converged questions). A flag that is missing or
    `None` on a row counts as keep. Rows that stay keep their order.

    In a Pipeline the Step never sends an empty last batch (distilabel 1.5.3 stalls the next Step on
    it): it holds back the last kept row of each batch and sends it with the next one. When every row
    is dropped and another Step follows, it stops the pipeline with a one-line error instead of
    leaving that Step waiting forever. It runs as a single replica (a held-back row must reach the
    last batch).

    Attributes:
        flags: keep flag columns that decide (e.g. `["keep_row_after_grounding_filtering"]`);
            `None` (default) uses every keep flag on the row, i.e. `qabias_keep`.

    Input columns:
        - keep_flags (`bool`, optional): the `keep_row_after_*_filtering` columns written by the qabias
          Steps; the ones named in `flags` are required.

    Output columns:
        - qabias_keep (`bool`): all keep flags on the row, AND-ed (recomputed).

    Categories:
        - filtering

    References:
        - [Self-Study Reconsidered](https://arxiv.org/abs/2606.32002)

    Citations:
        ```
        @misc{selfstudyreconsidered2026,
            title={Self-Study Reconsidered},
            year={2026},
            eprint={2606.32002},
            archivePrefix={arXiv},
            url={https://arxiv.org/abs/2606.32002},
        }
        ```

    Examples:

        Keep only the rows that pass every check:

        ```python
        from distilabel.pipeline import Pipeline
        from distilabel.steps import LoadDataFromDicts
        from distilabel_qabias import DropFlaggedRows, TagSpanCoverage

        with Pipeline() as pipeline:
            data = LoadDataFromDicts(data=[
                {"document": "Kigali is the capital of Rwanda.", "question": "What is the capital?", "answer": "Kigali."},
                {"document": "Kigali is the capital of Rwanda.", "question": "Who won in 1998?", "answer": "Brazil."},
            ])
            coverage = TagSpanCoverage()
            drop = DropFlaggedRows()
            data >> coverage >> drop

        if __name__ == "__main__":
            distiset = pipeline.run(use_cache=False)
            # one row left: the grounded one
        ```

        Drop only on one flag:

        ```python
        from distilabel_qabias import DropFlaggedRows

        drop = DropFlaggedRows(flags=["keep_row_after_grounding_filtering"])
        drop.load()
        rows = [
            {"keep_row_after_grounding_filtering": True, "keep_row_after_convergence_filtering": False},
            {"keep_row_after_grounding_filtering": False, "keep_row_after_convergence_filtering": True},
        ]
        kept = next(drop.process(rows))
        # kept == [rows[0]], with qabias_keep == False (its convergence flag is still false)
        ```
    """

    flags: Optional[List[str]] = Field(
        default=None, description="Keep flag columns that decide; None uses every keep flag on the row."
    )

    _held: Optional[dict] = PrivateAttr(None)  # last kept row, sent with the next batch
    _kept: int = PrivateAttr(0)
    _seen: int = PrivateAttr(0)
    _feeds_steps: bool = PrivateAttr(False)  # another Step waits for this one's rows

    def model_post_init(self, __context: Any) -> None:
        super().model_post_init(__context)
        for flag in self.flags or []:
            if not schema.is_keep_flag(flag):
                raise ValueError(
                    f"DropFlaggedRows: {flag!r} is not a keep flag; expected "
                    f"'{schema.KEEP_FLAG_PREFIX}<name>{schema.KEEP_FLAG_SUFFIX}', e.g. {schema.KEEP_GROUNDING!r}"
                )

    @property
    def inputs(self) -> "StepColumns":
        return {flag: True for flag in self.flags or []}

    @property
    def outputs(self) -> "StepColumns":
        return [schema.KEEP]

    def set_pipeline_artifacts_path(self, path: Any) -> None:
        # distilabel calls this in the main process on the DAG it is about to run (rebuilt from its
        # cache on a re-run), the last moment the Step can see its successors: in the worker process
        # it no longer knows its pipeline.
        super().set_pipeline_artifacts_path(path)
        dag = getattr(self.pipeline, "dag", None)
        self._feeds_steps = dag is not None and bool(list(dag.get_step_successors(self.name)))

    def load(self) -> None:
        super().load()
        if self.resources.replicas and self.resources.replicas > 1:
            raise StepLoadError(
                f"{self.name}: DropFlaggedRows runs as one replica (it is cheap, and a second one "
                "would lose the row it holds back); remove its `resources=StepResources(replicas=...)`"
            )
        self._held, self._kept, self._seen = None, 0, 0

    def keeps(self, row: dict) -> bool:
        """Whether ``row`` stays; recomputes its ``qabias_keep`` first."""
        schema.update_keep(row)
        if self.flags is None:
            return row[schema.KEEP]
        return all(row.get(flag) is not False for flag in self.flags)

    @override
    def process(self, inputs: StepInput) -> "StepOutput":
        kept = [row for row in inputs if self.keeps(row)]
        self._seen += len(inputs)
        self._kept += len(kept)
        if self._held is not None:
            kept.insert(0, self._held)
            self._held = None
        wrapper, batch = _running_batch()
        if batch is not None and not batch.last_batch and kept:
            self._held = kept.pop()
        elif batch is not None and batch.last_batch and not kept and self._feeds_steps:
            self._stop_pipeline(wrapper)
        self._logger.info(f"{self.name}: kept {self._kept} of {self._seen} rows so far")
        yield kept

    def _stop_pipeline(self, wrapper: Any) -> None:
        """End the run: the Steps after this one would wait forever for a first row.

        ``None`` on the output queue is distilabel's own signal to leave its batch loop; the run then
        finishes as after Ctrl-C, with the rows its leaf Steps had written.
        """
        self._logger.error(
            f"{self.name}: every row was dropped ({self._seen} of {self._seen}); the Steps after it have "
            "nothing to process, so the pipeline stops here (distilabel 1.5.3 would wait forever)"
        )
        wrapper.output_queue.put(None)


def _running_batch() -> Tuple[Any, Any]:
    """distilabel's step wrapper and the ``_Batch`` this call of ``process`` works on; Nones outside a Pipeline.

    distilabel 1.5.3 does not tell a Step whether its batch is the last one; its step wrapper holds the
    batch in a local variable of ``_non_generator_process_loop``, a few frames up.
    """
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "_non_generator_process_loop":
            batch = frame.f_locals.get("batch")
            if hasattr(batch, "last_batch"):
                return frame.f_locals.get("self"), batch
            break
        frame = frame.f_back
    return None, None
