"""Cartridges-style self-study inputs: `SampleChunks` (a random chunk of each document per sample, with
its offsets) and `AssignPromptKinds` (one of the five seed prompt kinds per row).

The chunk offsets (`qabias_chunk_start`/`qabias_chunk_end`) let `TagSpanCoverage` and `QABiasReport`
normalise coverage by how often each sentence was actually shown to the generator.
"""

import hashlib
import random
from typing import TYPE_CHECKING, List, Tuple

from distilabel.steps.base import Step, StepInput
from pydantic import Field
from typing_extensions import override

from distilabel_qabias import schema
from distilabel_qabias.steps.base import set_aside_non_text, text_cell
from distilabel_qabias.text.segment import split_sentences

if TYPE_CHECKING:
    from distilabel.typing import StepColumns, StepOutput

# The five seed prompt kinds of Cartridges' self-study (Eyuboglu et al., 2025).
PROMPT_KINDS: Tuple[str, ...] = ("structuring", "summarization", "question", "use_case", "creative")
CHUNK_COLUMNS = ("chunk", schema.CHUNK_START, schema.CHUNK_END, "prompt", "sample_index", "chunk_reason")


def stable_rng(*parts: object) -> random.Random:
    """A Random seeded by ``parts`` (e.g. seed, document, sample number): the same draw in any batch."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def sample_chunk(text: str, chunk_chars: int, rng: random.Random) -> Tuple[int, int]:
    """Offsets of a chunk of about ``chunk_chars`` characters with a uniformly random start.

    The chunk is widened to whole sentences so the model never sees half a sentence. Like
    Cartridges' token chunks, uniform starts show the middle of a document more often than its
    ends; the offsets are recorded so statistics can be normalised by that exposure.
    """
    if len(text) <= chunk_chars:
        return 0, len(text)
    start = rng.randint(0, len(text) - chunk_chars)
    end = start + chunk_chars
    sentences = split_sentences(text)
    if sentences:
        start = max((s.start for s in sentences if s.start <= start), default=0)
        end = min((s.end for s in sentences if s.end >= end), default=len(text))
    return start, end


class SampleChunks(Step):
    """Expands every document into `samples_per_document` self-study rows: a random chunk and a seed prompt kind.

    As in Cartridges' self-study, each row shows the generator one chunk of the document (a uniformly
    random start, widened to whole sentences) and one of five seed prompt kinds drawn at random. The
    chunk's offsets are written, so coverage can be normalised by exposure. Sampling is seeded by
    `seed`, the document text and the sample number, so results do not depend on batch boundaries. A
    document that is missing, not text or empty yields one row with null chunk columns and
    `chunk_reason` set to `missing`, `not_text` or `empty` (a question Task then skips it).

    Attributes:
        samples_per_document: rows generated per document.
        chunk_chars: approximate chunk length in characters (whole sentences are kept).
        seed: sampling seed.
        document_column: the column holding the document.
        prompt_kinds: the seed prompt kinds to draw from.

    Input columns:
        - document (`str`): the document.

    Output columns:
        - chunk (`str` or `None`): the text shown to the question generator.
        - qabias_chunk_start (`int` or `None`): offset of the chunk in the document.
        - qabias_chunk_end (`int` or `None`): end offset (exclusive) of the chunk.
        - prompt (`str` or `None`): the seed prompt kind.
        - sample_index (`int` or `None`): number of the sample within its document.
        - chunk_reason (`str` or `None`): `missing`, `not_text` or `empty` when the row got no chunk.
        - qabias_non_text_cells (`str` or `None`): JSON of a document cell that was not text, as given.

    Categories:
        - columns

    References:
        - [Self-Study Reconsidered](https://arxiv.org/abs/2606.32002)
        - [Cartridges: Lightweight and general-purpose long context representations via self-study](https://arxiv.org/abs/2506.06266)

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
        ```
        @misc{eyuboglu2025cartridges,
            title={Cartridges: Lightweight and general-purpose long context representations via self-study},
            author={Sabri Eyuboglu and others},
            year={2025},
            eprint={2506.06266},
            archivePrefix={arXiv},
            url={https://arxiv.org/abs/2506.06266},
        }
        ```

    Examples:

        Two self-study rows per document:

        ```python
        from distilabel_qabias.steps.chunks import SampleChunks

        step = SampleChunks(samples_per_document=2, chunk_chars=60, seed=1)
        step.load()
        text = "Kigali is the capital of Rwanda. It lies near the centre. It has about a million people."
        rows = next(step.process([{"document": text}]))
        # rows[0]["chunk"] == text[rows[0]["qabias_chunk_start"]:rows[0]["qabias_chunk_end"]]
        ```
    """

    samples_per_document: int = 5
    chunk_chars: int = 600
    seed: int = 0
    document_column: str = "document"
    prompt_kinds: List[str] = Field(default_factory=lambda: list(PROMPT_KINDS))

    @property
    def inputs(self) -> "StepColumns":
        return [self.document_column]

    @property
    def outputs(self) -> "StepColumns":
        return [*CHUNK_COLUMNS, schema.NON_TEXT_CELLS]

    @override
    def process(self, inputs: StepInput) -> "StepOutput":
        schema.require_columns(inputs, [self.document_column], where=self.name)
        set_aside_non_text(inputs, [self.document_column])
        rows = []
        for row in inputs:
            document, reason = text_cell(row, self.document_column)
            if reason is not None:
                rows.append({**row, **dict.fromkeys(CHUNK_COLUMNS), "chunk_reason": reason})
                continue
            for sample in range(self.samples_per_document):
                rng = stable_rng(self.seed, document, sample)
                start, end = sample_chunk(document, self.chunk_chars, rng)
                rows.append(
                    {
                        **row,
                        "chunk": document[start:end],
                        schema.CHUNK_START: start,
                        schema.CHUNK_END: end,
                        "prompt": rng.choice(self.prompt_kinds),
                        "sample_index": sample,
                        "chunk_reason": None,
                    }
                )
        yield rows


class AssignPromptKinds(Step):
    """Gives every row a seed prompt kind drawn at random, so runs without chunks compare kind by kind with self-study.

    The draw is seeded by `seed`, the document and the row's target offset (`qabias_target_start`, as
    written by `SampleTargetSpans`) or else its position among the rows of its document, so it does not
    depend on batch boundaries.

    Attributes:
        seed: sampling seed.
        document_column: the column holding the document.
        prompt_kinds: the seed prompt kinds to draw from.

    Input columns:
        - document (`str`): the document (any value; it only seeds the draw).

    Output columns:
        - prompt (`str`): the seed prompt kind.

    Categories:
        - columns

    References:
        - [Self-Study Reconsidered](https://arxiv.org/abs/2606.32002)
        - [Cartridges: Lightweight and general-purpose long context representations via self-study](https://arxiv.org/abs/2506.06266)

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
        ```
        @misc{eyuboglu2025cartridges,
            title={Cartridges: Lightweight and general-purpose long context representations via self-study},
            author={Sabri Eyuboglu and others},
            year={2025},
            eprint={2506.06266},
            archivePrefix={arXiv},
            url={https://arxiv.org/abs/2506.06266},
        }
        ```

    Examples:

        Draw a seed prompt kind for each row:

        ```python
        from distilabel_qabias.steps.chunks import AssignPromptKinds

        step = AssignPromptKinds(seed=3)
        step.load()
        rows = next(step.process([{"document": "Kigali is the capital of Rwanda."}]))
        # rows[0]["prompt"] is one of structuring, summarization, question, use_case, creative
        ```
    """

    seed: int = 0
    document_column: str = "document"
    prompt_kinds: List[str] = Field(default_factory=lambda: list(PROMPT_KINDS))

    @property
    def inputs(self) -> "StepColumns":
        return [self.document_column]

    @property
    def outputs(self) -> "StepColumns":
        return ["prompt"]

    @override
    def process(self, inputs: StepInput) -> "StepOutput":
        schema.require_columns(inputs, [self.document_column], where=self.name)
        seen: dict = {}
        for row in inputs:
            document = row.get(self.document_column)
            key = document if isinstance(document, str) else repr(document)
            position = seen[key] = seen.get(key, -1) + 1
            anchor = row.get(schema.TARGET_START, position)
            row["prompt"] = stable_rng(self.seed, key, anchor).choice(self.prompt_kinds)
        yield inputs
