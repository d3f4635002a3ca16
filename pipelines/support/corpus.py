"""Documents for the examples: the bundled Wikipedia corpus, or the user's file / Hub dataset."""

import argparse
import json
from importlib.resources import files
from typing import Any, Iterable

from distilabel_qabias import schema

DEMO_CORPUS = "demo_corpus.jsonl"


CORPUS_COLUMNS = ("id", "title", "document", "rendering", "source", "license")


def load_demo_corpus(limit: int | None = None, *, titles: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Rows of the bundled corpus (real Wikipedia text, half of it with scraper-style markup we added).

    See ``distilabel_qabias/data/README.md`` for sources, licence and what was added.
    """
    text = files("distilabel_qabias").joinpath("data", DEMO_CORPUS).read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    if titles is not None:
        wanted = list(titles)
        by_title = {row["title"]: row for row in rows}
        unknown = [t for t in wanted if t not in by_title]
        if unknown:
            raise ValueError(f"unknown corpus title(s) {unknown}; available: {sorted(by_title)}")
        rows = [by_title[t] for t in wanted]
    return rows if limit is None else rows[:limit]


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("documents")
    group.add_argument(
        "--input",
        default=None,
        help="a .jsonl/.json/.csv/.parquet file or Hub dataset id with a 'document' column "
        "(default: the bundled Wikipedia corpus)",
    )
    group.add_argument("--documents", type=int, default=None, help="use only the first N documents")
    group.add_argument("--seed", type=int, default=0, help="sampling seed (chunks, prompt kinds, generation)")


def documents_from_args(args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.input is None:
        rows = [{k: row[k] for k in CORPUS_COLUMNS} for row in load_demo_corpus()]
    else:
        rows = read_rows(args.input)
        try:
            schema.require_columns(rows, ["document"], where=str(args.input))
        except schema.MissingColumnsError as err:
            raise SystemExit(str(err)) from None
    rows = rows if args.documents is None else rows[: args.documents]
    if getattr(args, "scrub_first", False):
        # scrubbing rewrites `document` (and its artifact record); keep the text as it came for provenance
        rows = [{**row, "raw_document": row["document"]} for row in rows]
    return rows


def read_rows(source: str) -> list[dict[str, Any]]:
    """Rows of a local .jsonl/.json/.csv/.parquet file or a Hub dataset id (``distilabel_qabias.io``)."""
    from distilabel_qabias.io import InputError, load_rows

    try:
        return load_rows(source)
    except InputError as err:
        raise SystemExit(str(err)) from None
