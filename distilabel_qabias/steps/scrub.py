"""`ScrubArtifacts`: remove (or tag) markup, broken Unicode and boilerplate in text columns."""

from typing import TYPE_CHECKING, Any, Dict, List, Literal

from distilabel.mixins.runtime_parameters import RuntimeParameter
from distilabel.steps.base import Step, StepInput
from pydantic import Field, field_validator, model_validator

from distilabel_qabias import schema
from distilabel_qabias.errors import QABiasError
from distilabel_qabias.steps.base import Row, set_aside_non_text, set_keep, text_cell
from distilabel_qabias.text.artifacts import ScrubResult, scrub_text
from distilabel_qabias.text.markup_questions import asks_about_markup

if TYPE_CHECKING:
    from distilabel.typing import StepColumns, StepOutput

REMOVE = "remove"
TAG = "tag"
_RENAMED_OPTIONS = {
    "output_suffix": "`output_suffix` was replaced by `output_columns`, a dict from column to output column "
                     "(e.g. {'document': 'document_scrubbed'})",
    "drop_rows": "`drop_rows` was removed: flagged rows stay; add a `DropFlaggedRows` step after it to remove them",
}


class ScrubArtifacts(Step):
    """Removes non-content residue from text columns, keeping the visible words, and records it.

    Broken encodings are decoded first (ftfy, encoding fixes only: Windows-125x, Latin-1 and MacRoman
    mixups, C1 controls, terminal escapes; quotes are not uncurled, no NFKC), then invisible
    characters are removed (zero-width spaces/joiners, soft hyphens, BOM, other format, private-use,
    unassigned and control characters; U+FFFD stays, it marks a lost letter), then HTML tags,
    entities and script/style/comment blocks, Markdown emphasis, links, images, headings, tables,
    lists and code marks, LaTeX commands, environments, math delimiters and comments, wiki citation
    markers, templates, links and quote markup, and boilerplate lines (navigation,
    cookie/privacy/terms footers, share bars, "Retrieved from", newsletter prompts). The rounds
    repeat until nothing is left, so scrubbing scrubbed text changes nothing. `<b>word</b>` becomes
    `word`, `[text](url)` becomes `text`, `\\cite{x}` and `[12]` disappear. Clean prose such as
    `x < y`, `C++`, `#1 hit`, `AT&T`, `$5`, `Sagittarius A*` or `snake_case` is left alone (see
    `distilabel_qabias.text.artifacts`).

    Run it on documents before generation, or on questions and answers after: a question or answer
    about markup ("What does the <div> tag contain?", "What is the URL of the link?") or dominated by
    artifacts gets `keep_row_after_artifact_filtering = False`, and so does any field with nothing
    but artifacts in it. Missing, non-string, blank or unencodable cells are tagged (`type`
    "missing" / "not_text" / "empty") and flagged, never an error; in `"remove"` mode lone
    surrogates are repaired or removed like other broken Unicode. Flagged rows stay in the
    dataset; add `DropFlaggedRows` to remove them.

    Attributes:
        columns: text columns to scrub. Defaults to `["document"]`.
        mode: `"remove"` rewrites the text without its artifacts (default); `"tag"` only records
            them. (`"scrub"`, the old name of `"remove"`, is refused with a one-line error.)
        output_columns: where the scrubbed text of a column goes, as `{column: output_column}`
            (e.g. `{"document": "document_scrubbed"}`, which keeps the original next to it);
            columns not named are rewritten in place. Defaults to `{}`.
        markup_question_columns: columns (among `columns`) holding generated questions and
            answers, flagged when dominated by artifacts or asking about markup.
            Defaults to `["question", "answer"]`.
        max_artifact_share: runtime parameter, see below.

    Runtime parameters:
        - `max_artifact_share`: a question or answer whose artifacts cover more than this share of
            its characters is dominated by artifacts and flags the row. Defaults to `0.5`.

    Input columns:
        - dynamic (determined by `columns` attribute): the text columns to scrub (`str`).

    Output columns:
        - dynamic (determined by `output_columns`, else each of `columns`): the scrubbed text (`str`),
            or the text unchanged in `"tag"` mode.
        - qabias_artifacts (`List[Dict]`): `{field, type, start, end, removed}` per artifact; offsets
            index the field's original text; `type` is a short stable code (`html_tag`,
            `mojibake`, `invisible`, ...; `missing`, `not_text` or `empty` for an unusable cell);
            `removed` is true in `"remove"` mode.
        - keep_row_after_artifact_filtering (`bool`): false when a field is missing, not text, blank
            or nothing but artifacts, or a question/answer is dominated by artifacts or asks about markup.
        - qabias_keep (`bool`): all keep flags on the row, AND-ed.
        - qabias_non_text_cells (`Optional[str]`): JSON of cells that were not text, as given.

    Categories:
        - text-manipulation
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

        Scrub documents before generating questions:

        ```python
        from distilabel.pipeline import Pipeline
        from distilabel.steps import LoadDataFromDicts
        from distilabel_qabias import ScrubArtifacts

        with Pipeline() as pipeline:
            data = LoadDataFromDicts(data=[{"document": "<p>Paris is the <b>capital</b> of France.[1]</p>"}])
            data >> ScrubArtifacts(columns=["document"])
        ```

        Flag generated questions that ask about markup, keeping the text as it is:

        ```python
        from distilabel_qabias import ScrubArtifacts

        step = ScrubArtifacts(columns=["question", "answer"], mode="tag")
        step.load()
        rows = next(step.process([{"question": "What does the <div> tag contain?", "answer": "A menu."}]))
        # rows[0]["keep_row_after_artifact_filtering"] is False
        ```
    """

    columns: List[str] = Field(default_factory=lambda: ["document"])
    mode: Literal["remove", "tag"] = REMOVE
    output_columns: Dict[str, str] = Field(default_factory=dict)
    markup_question_columns: List[str] = Field(default_factory=lambda: ["question", "answer"])

    max_artifact_share: RuntimeParameter[float] = Field(
        default=0.5,
        description="Share of a question's or answer's characters covered by artifacts above which the row is flagged.",
    )

    @model_validator(mode="before")
    @classmethod
    def _refuse_removed_options(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, message in _RENAMED_OPTIONS.items():
                if name in data:
                    raise QABiasError(f"ScrubArtifacts: {message}")
        return data

    @field_validator("mode", mode="before")
    @classmethod
    def _refuse_old_mode(cls, mode: Any) -> Any:
        if mode == "scrub":
            raise QABiasError("ScrubArtifacts: mode 'scrub' was renamed to 'remove' (the other mode is 'tag')")
        return mode

    @property
    def inputs(self) -> "StepColumns":
        return {column: True for column in self.columns}

    @property
    def outputs(self) -> "StepColumns":
        rewritten = [self.output_columns[c] for c in self.columns if c in self.output_columns]
        return [*rewritten, schema.ARTIFACTS, schema.KEEP_ARTIFACT, schema.KEEP, schema.NON_TEXT_CELLS]

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        schema.require_columns(inputs, self.columns, self.name)
        # "remove" repairs unencodable text (lone surrogates are broken Unicode); "tag" cannot
        set_aside_non_text(inputs, self.columns, unencodable=self.mode == TAG)
        for row in inputs:
            self._scrub_row(row)
        yield inputs

    def _scrub_row(self, row: Row) -> None:
        previous = row.get(schema.ARTIFACTS)
        entries = [e for e in previous if isinstance(e, dict) and e.get("field") not in self.columns] if isinstance(previous, list) else []
        keep = row.get(schema.KEEP_ARTIFACT) is not False  # an earlier scrub's verdict stays
        removed = self.mode == REMOVE
        for column in self.columns:
            value = row.get(column)
            target = self.output_columns.get(column, column)
            reason = _unusable_reason(row, column)
            result = scrub_text(value) if reason is None else None
            if result is not None and removed and not schema.is_encodable(result.text):
                reason, result = schema.REASON_NOT_TEXT, None
                set_aside_non_text([row], [column])
                value = row.get(column)
            if result is None:
                entries.append({"field": column, "type": reason, "start": 0, "end": 0, "removed": False})
                row[target] = value
                keep = False
                continue
            entries += [{"field": column, "type": a.type, "start": a.start, "end": a.end, "removed": removed} for a in result.artifacts]
            row[target] = result.text if removed else value
            if not result.text.strip():
                keep = False  # nothing but artifacts
            if column in self.markup_question_columns and (self._dominated(result, value) or asks_about_markup(value)):
                keep = False
        row[schema.ARTIFACTS] = entries
        set_keep(row, schema.KEEP_ARTIFACT, keep)

    def _dominated(self, result: ScrubResult, original: str) -> bool:
        visible = len(original.strip())
        return bool(visible) and result.artifact_chars / visible > self.max_artifact_share


def _unusable_reason(row: Row, column: str) -> "str | None":
    """The one rule for unusable text (``schema.invalid_text_reason``), except that unencodable text
    left in place (``"remove"`` mode) is scrubbed: its surrogates are broken Unicode to repair."""
    _, reason = text_cell(row, column)
    return None if reason == schema.REASON_NOT_TEXT and isinstance(row.get(column), str) else reason
