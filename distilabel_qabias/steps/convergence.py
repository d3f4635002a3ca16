"""`DeduplicateConvergentQuestions`: explainable convergence dedup as a distilabel GlobalStep.

The Step reads the rows and writes the cluster columns and keep flag; the clustering itself is
``distilabel_qabias.convergence.dedup.deduplicate``.
"""

# No `from __future__ import annotations`: distilabel inspects the real `StepInput` annotation of `process`.

from functools import partial
from typing import TYPE_CHECKING, Any, Literal, Optional, Union

from distilabel.mixins.runtime_parameters import RuntimeParameter
from distilabel.models.embeddings.base import Embeddings
from distilabel.steps.base import GlobalStep, StepInput
from pydantic import Field, PrivateAttr, model_validator

from distilabel_qabias import schema
from distilabel_qabias.convergence.dedup import deduplicate
from distilabel_qabias.convergence.merge import DEFAULT_CHAIN_MARGIN
from distilabel_qabias.convergence.partition import deduplicate_partitioned
from distilabel_qabias.convergence.result import ConvergenceResult
from distilabel_qabias.embedders import DEFAULT_EMBEDDER
from distilabel_qabias.steps.base import set_aside_non_text, set_keep, text_cell

if TYPE_CHECKING:
    from distilabel.typing import StepColumns, StepOutput

    from distilabel_qabias.embedders import Embedder


class DeduplicateConvergentQuestions(GlobalStep):
    """Clusters questions that converged on the same fact and keeps one representative per cluster.

    Diverse seed prompts make a generator ask the same questions again and again. This step groups
    rows by exact match after normalisation (case, punctuation, spacing) and by cosine similarity of
    sentence embeddings, joined transitively with union-find under two guards: a cluster only
    absorbs another if their *average-link* similarity (each side against the other's centroid)
    stays >= `threshold - chain_margin` (no chaining of a~b~c into one cluster when a and c differ),
    and never when the questions name different entities, numbers or dates ("capital of India" vs
    "capital of Brazil", "in 1990" vs "in 1991"). Exactly one row per cluster is kept (unlike
    distilabel's `EmbeddingDedup`, which flags *both* rows of a near-duplicate pair, and
    `MinHashDedup`, which gives no reason). Missing, non-string and blank questions are never
    merged: each is its own cluster with `qabias_convergence_reason` set. Rows stay in the dataset;
    add `DropFlaggedRows` to remove the duplicates.

    The neighbour search is a faiss index (exhaustive up to 8,192 distinct questions, inverted file
    beyond), and the guards run on whole arrays, so the clustering stays cheap next to embedding. With
    `embeddings_column` the Step reuses vectors computed upstream, e.g. by distilabel's
    `EmbeddingGeneration` (which distilabel can replicate across workers), and loads no model: only
    the clustering is global.

    The explanation (every cluster with its members, scores and the link each joined by, the least
    similar merges and the closest refused joins, to tune the threshold) is saved as the distilabel
    artifact `artifact_name` (`convergence.json`) and kept on `self.result`;
    `self.result.rethreshold(t)` re-clusters at another threshold without re-embedding.

    Attributes:
        question_column: column with the question. Defaults to `"question"`.
        answer_column: optional column with the answer; when set, two rows are similar by the mean of
            their question and answer cosines and exact repeats need the same answer too.
        document_column: column with the document, used when `per_document` is true. Defaults to `"document"`.
        per_document: only rows with the same document can be duplicates. Defaults to `False`.
        prompt_column: optional seed-prompt column; `qabias_cluster_prompts` counts its distinct values per cluster.
        embedder: `"minilm-int8"` (default: offline all-MiniLM-L6-v2 through ONNX Runtime with int8
            weights, about 4x faster than the float32 `"minilm"` with the same merges), `"minilm"`,
            `"wordllama"` or `"tokenlearn"` (fast static models), any sentence-transformers id / local path, or a distilabel `Embeddings`
            instance. With `embeddings_column` it is not loaded; its name only picks the tuned threshold.
        embeddings_column: optional column of precomputed question vectors (a list of floats per row),
            e.g. the `embedding` column of distilabel's `EmbeddingGeneration`; a row whose vector is
            missing, of another length or not finite is not compared (`no_embedding`).
        representative: which row stands for a cluster: `"first"`, `"best_grounded"` (highest
            `qabias_grounded`, then `qabias_alignment_score`, when present) or `"longest_answer"`
            (needs `answer_column`). Defaults to `"first"`.
        artifact_name: name of the saved artifact. Defaults to `"qabias_convergence"`.
        partitions: split the rows into this many partitions (spherical k-means of the vectors; by document
            with `per_document`), deduplicate each apart, then merge the partitions' representatives in
            one pass (as SemDeDup does). `None` (default): one search over all rows. With `per_document`
            the clusters are exactly the one-search ones; otherwise nearly (README). Inside a pipeline the
            partitions run one after another (step workers may not fork); `deduplicate_partitioned` run
            directly spreads them over the cores.
        threshold: runtime parameter, see below.
        chain_margin: runtime parameter, see below.
        entity_guard: runtime parameter, see below.

    Runtime parameters:
        - `threshold`: cosine similarity from which two questions are duplicates; `None` uses the
          embedder's threshold tuned in benchmarks/eval_dedup.py.
        - `chain_margin`: how far below `threshold` the average-link similarity of two clusters may fall.
        - `entity_guard`: refuse merges of questions naming different entities, numbers or dates.

    Input columns:
        - question (`str`): the question (name set by `question_column`).
        - answer (`str`, optional): when `answer_column` is set.
        - document (`str`, optional): when `per_document` is true.
        - prompt (`str`, optional): when `prompt_column` is set.
        - embedding (`List[float]`, optional): when `embeddings_column` is set.
        - qabias_grounded (`bool`, optional): used by `representative="best_grounded"`.
        - qabias_alignment_score (`float`, optional): used by `representative="best_grounded"`.

    Output columns:
        - qabias_cluster_id (`int`): convergence cluster of the row (0, 1, ... in order of first row).
        - qabias_cluster_size (`int`): rows in the cluster.
        - qabias_duplicate_of (`int | None`): index (in this step's input) of the row kept for the cluster; null on kept rows.
        - qabias_duplicate_score (`float | None`): cosine similarity to the kept row (1.0 for exact repeats).
        - qabias_cluster_prompts (`int | None`): distinct seed prompts in the cluster, when `prompt_column` is set.
        - qabias_convergence_reason (`str | None`): `missing`, `not_text`, `empty` or `no_embedding` for rows that were not compared.
        - keep_row_after_convergence_filtering (`bool`): false on every cluster member but the kept one.
        - qabias_keep (`bool`): all keep flags of the row together.
        - qabias_non_text_cells (`Optional[str]`): JSON of question/answer cells that were not text, as given.

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
        Tag converged questions (and see why):

        ```python
        from distilabel.pipeline import Pipeline
        from distilabel.steps import LoadDataFromDicts
        from distilabel_qabias import DeduplicateConvergentQuestions

        with Pipeline() as pipeline:
            rows = LoadDataFromDicts(data=[
                {"question": "What is the capital of India?", "prompt": "question"},
                {"question": "Which city is the capital of India?", "prompt": "use case"},
                {"question": "What is the capital of Brazil?", "prompt": "question"},
            ])
            rows >> DeduplicateConvergentQuestions(prompt_column="prompt", embedder="wordllama")

        distiset = pipeline.run(use_cache=False)
        # explanation: distiset.artifacts_path / "deduplicate_convergent_questions_0" / "qabias_convergence"
        ```

        Reuse the embeddings of distilabel's `EmbeddingGeneration` (no model loaded in the GlobalStep):

        ```python
        from distilabel.models import SentenceTransformerEmbeddings
        from distilabel.steps import EmbeddingGeneration

        embed = EmbeddingGeneration(
            embeddings=SentenceTransformerEmbeddings(model="sentence-transformers/all-MiniLM-L6-v2"),
            input_mappings={"text": "question"},
        )
        dedup = DeduplicateConvergentQuestions(embeddings_column="embedding", embedder="minilm")
        # rows >> embed >> dedup
        ```
    """

    question_column: str = "question"
    answer_column: Optional[str] = None
    document_column: Optional[str] = "document"
    per_document: bool = False
    prompt_column: Optional[str] = None
    embedder: Union[str, Embeddings] = DEFAULT_EMBEDDER
    embeddings_column: Optional[str] = None
    representative: Literal["first", "best_grounded", "longest_answer"] = "first"
    artifact_name: str = "qabias_convergence"
    partitions: Optional[int] = Field(default=None, ge=1)

    threshold: Optional[RuntimeParameter[float]] = Field(
        default=None,
        description="Cosine similarity from which two questions are duplicates; None uses the embedder's tuned default.",
    )
    chain_margin: RuntimeParameter[float] = Field(
        default=DEFAULT_CHAIN_MARGIN,
        description="How far below the threshold the average-link similarity of two merged clusters may fall.",
    )
    entity_guard: RuntimeParameter[bool] = Field(
        default=True, description="Refuse merges of questions naming different entities, numbers or dates."
    )

    _embedder: Optional["Embedder"] = PrivateAttr(default=None)
    _result: Optional[ConvergenceResult] = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_options(self) -> "DeduplicateConvergentQuestions":
        if self.per_document and not self.document_column:
            raise ValueError("per_document=True needs a document_column")
        if self.representative == "longest_answer" and not self.answer_column:
            raise ValueError('representative="longest_answer" needs an answer_column')
        return self

    @property
    def inputs(self) -> "StepColumns":
        columns: dict[str, bool] = {self.question_column: True}
        if self.answer_column:
            columns[self.answer_column] = True
        if self.per_document and self.document_column:
            columns[self.document_column] = True
        if self.prompt_column:
            columns[self.prompt_column] = True
        if self.embeddings_column:
            columns[self.embeddings_column] = True
        if self.representative == "best_grounded":
            columns[schema.GROUNDED] = False
            columns[schema.ALIGNMENT_SCORE] = False
        return columns

    @property
    def outputs(self) -> "StepColumns":
        return [
            schema.CLUSTER_ID, schema.CLUSTER_SIZE, schema.DUPLICATE_OF, schema.DUPLICATE_SCORE,
            schema.CLUSTER_PROMPTS, schema.CONVERGENCE_REASON, schema.KEEP_CONVERGENCE, schema.KEEP,
            schema.NON_TEXT_CELLS,
        ]

    @property
    def result(self) -> Optional[ConvergenceResult]:
        """The explanation of the last `process` call (in this process; pipeline steps run in workers)."""
        return self._result

    def load(self) -> None:
        super().load()
        if self.embeddings_column is None:
            from distilabel_qabias.embedders import load_embedder

            self._embedder = load_embedder(self.embedder)

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        required = [c for c, needed in self.inputs.items() if needed]  # type: ignore[union-attr]
        schema.require_columns(inputs, required, where=self.name or type(self).__name__)
        if self._embedder is None and self.embeddings_column is None:
            self.load()
        text_columns = [c for c in (self.question_column, self.answer_column) if c]
        set_aside_non_text(inputs, text_columns)
        cells = [text_cell(row, self.question_column) for row in inputs]

        def column(name: Optional[str]) -> Optional[list[Any]]:
            return [row.get(name) for row in inputs] if name else None

        best_grounded = self.representative == "best_grounded"
        partitioned = self.partitions is not None and self.partitions > 1
        run = partial(deduplicate_partitioned, partitions=self.partitions) if partitioned else deduplicate
        result = run(
            [text for text, _ in cells],
            answers=column(self.answer_column),
            documents=column(self.document_column) if self.per_document else None,
            prompts=column(self.prompt_column),
            embedder=self._embedder if self._embedder is not None else self._embedder_name(),
            embeddings=column(self.embeddings_column),
            threshold=self.threshold,
            representative=self.representative,
            grounded=column(schema.GROUNDED) if best_grounded else None,
            alignment=column(schema.ALIGNMENT_SCORE) if best_grounded else None,
            chain_margin=self.chain_margin,
            entity_guard=self.entity_guard,
        )
        for index, row in enumerate(inputs):
            duplicate_of = int(result.duplicate_of[index])
            prompts = int(result.cluster_prompts[index])
            row[schema.CLUSTER_ID] = int(result.cluster_id[index])
            row[schema.CLUSTER_SIZE] = int(result.cluster_size[index])
            row[schema.DUPLICATE_OF] = duplicate_of if duplicate_of >= 0 else None
            row[schema.DUPLICATE_SCORE] = float(result.duplicate_score[index]) if duplicate_of >= 0 else None
            row[schema.CLUSTER_PROMPTS] = prompts if prompts >= 0 else None
            # text_cell's reason first: a cell set aside as non-text reads as None to the clustering
            row[schema.CONVERGENCE_REASON] = cells[index][1] or result.row_reason[index]
            set_keep(row, schema.KEEP_CONVERGENCE, duplicate_of < 0)
        self._result = result
        if inputs:
            self._save(result)
        yield inputs

    def _embedder_name(self) -> str:
        return self.embedder if isinstance(self.embedder, str) else type(self.embedder).__name__

    def _save(self, result: ConvergenceResult) -> None:
        explanation = result.to_dict(with_clusters=False)
        self.save_artifact(
            name=self.artifact_name,
            write_function=lambda path: result.write_json(path / "convergence.json"),
            metadata={
                "embedder": explanation["embedder"],
                "threshold": round(explanation["threshold"], 3),
                "rows": explanation["rows"],
                "clusters": explanation["clusters"],
                "duplicates": explanation["duplicates"],
                "duplicate_ratio": round(explanation["duplicate_ratio"], 3),
                "refused_joins": explanation["refused_joins"],
            },
        )
