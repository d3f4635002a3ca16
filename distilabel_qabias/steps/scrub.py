"""`ScrubArtifacts`: remove (or tag) markup, broken Unicode and boilerplate in text columns."""

from typing import TYPE_CHECKING, List, Literal, Optional

from distilabel.mixins.runtime_parameters import RuntimeParameter
from distilabel.steps.base import Step, StepInput
from pydantic import Field

from distilabel_qabias import schema
from distilabel_qabias.text.artifacts import DEFAULT_MAX_ARTIFACT_SHARE, SCRUB, scrub_rows

if TYPE_CHECKING:
    from distilabel.typing import StepColumns, StepOutput


class ScrubArtifacts(Step):
    """Removes non-content residue from text columns, keeping the visible words, and records it.

    Handles mojibake and broken Unicode (ftfy, encoding fixes only: quotes are not uncurled, no
    NFKC), invisible characters (zero-width spaces/joiners, soft hyphens, BOM, other format,
    private-use, unassigned and control characters), HTML tags, entities and script/style/comment
    blocks, Markdown emphasis, links, images, headings, tables, lists and code marks, LaTeX commands,
    environments, math delimiters and comments, wiki citation markers, templates, links and quote
    markup, and boilerplate lines (navigation, cookie/privacy/terms footers, share bars,
    "Retrieved from", newsletter prompts). `<b>word</b>` becomes `word`, `[text](url)` becomes `text`,
    `\\cite{x}` and `[12]` disappear. Clean prose such as `x < y`, `C++`, `#1 hit`, `AT&T`, `$5`,
    `Sagittarius A*` or `snake_case` is left alone (see `distilabel_qabias.text.artifacts`).

    Run it on documents before generation, or on questions and answers after: a question or answer
    about markup ("What does the <div> tag contain?", "What is the URL of the link?") or dominated by
    artifacts gets `keep_row_after_artifact_filtering = False`, and so does any field with nothing
    but artifacts in it. Missing or non-string cells are tagged (`type` "missing" / "not_text") and
    flagged, never an error.

    Attributes:
        columns: text columns to scrub. Defaults to `["document"]`.
        mode: `"scrub"` rewrites the text (default); `"tag"` only records the artifacts.
        output_suffix: write the scrubbed text to `<column><suffix>` instead of in place
            (e.g. `"_scrubbed"`). Defaults to `None` (in place).
        markup_question_columns: columns (among `columns`) holding generated questions and
            answers: they are flagged when dominated by artifacts or asking about markup.
            Defaults to `["question", "answer"]`.

    Runtime parameters:
        - `max_artifact_share`: a question or answer whose artifacts cover more than this share of
            its characters is dominated by artifacts and flags the row. Defaults to `0.5`.
        - `drop_rows`: remove flagged rows instead of only flagging them. Defaults to `False`.

    Input columns:
        - dynamic (determined by `columns` attribute): the text columns to scrub (`str`).

    Output columns:
        - dynamic (determined by `columns` and `output_suffix`): the scrubbed text (`str`), in place
            unless `output_suffix` is set.
        - qabias_artifacts (`List[Dict]`): `{field, type, start, end, removed}` per artifact; offsets
            index the field's original text; `removed` is true in scrub mode.
        - keep_row_after_artifact_filtering (`bool`): false when a field is missing, not text or
            nothing but artifacts, or a question/answer is dominated by artifacts or asks about markup.
        - qabias_keep (`bool`): all keep flags on the row, AND-ed.

    Categories:
        - filtering

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
    mode: Literal["scrub", "tag"] = SCRUB
    output_suffix: Optional[str] = None
    markup_question_columns: List[str] = Field(default_factory=lambda: ["question", "answer"])

    max_artifact_share: RuntimeParameter[float] = Field(
        default=DEFAULT_MAX_ARTIFACT_SHARE,
        description="Share of a field's characters covered by artifacts above which the row is flagged.",
    )
    drop_rows: RuntimeParameter[bool] = Field(default=False, description="Remove flagged rows instead of only flagging them.")

    @property
    def inputs(self) -> "StepColumns":
        return {column: True for column in self.columns}

    @property
    def outputs(self) -> "StepColumns":
        scrubbed = [f"{c}{self.output_suffix}" for c in self.columns] if self.output_suffix else []
        return [*scrubbed, schema.ARTIFACTS, schema.KEEP_ARTIFACT, schema.KEEP]

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        schema.require_columns(inputs, self.columns, self.name)
        yield scrub_rows(
            inputs,
            columns=self.columns,
            mode=self.mode,
            output_suffix=self.output_suffix,
            max_artifact_share=self.max_artifact_share,
            markup_question_columns=self.markup_question_columns,
            drop_rows=self.drop_rows,
        )
