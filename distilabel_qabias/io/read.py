"""Reading INPUT: a local ``.jsonl``/``.json``/``.parquet``/``.csv`` file by extension, or a Hub dataset id.

Values come in as they are in the file: CSV cells are read as strings (``001``, ``1889``, ``NA``
stay text), JSON lines are split on ``\\n`` only (U+2028, U+2029 and U+0085 are valid inside JSON
strings), a UTF-8 byte order mark is accepted. Every failure a user can cause raises
:class:`~distilabel_qabias.errors.InputError` with a one-line message.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path
from typing import Any

from distilabel_qabias.errors import InputError

LOCAL_FORMATS = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}
# JSON values nested deeper than this are refused when read: deeper ones overflow Python's stack later
MAX_NESTING = 100
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def is_local_path(source: str) -> bool:
    """Local when it exists, looks like a path, or has a data-file suffix; otherwise a Hub dataset id."""
    return (
        Path(source).expanduser().exists()
        or source.startswith((".", "/", "~"))
        or Path(source).suffix.lower() in LOCAL_FORMATS
        or not _HUB_ID.match(source)
    )


def load_rows(
    source: str,
    *,
    config: str | None = None,
    split: str | None = None,
    revision: str | None = None,
    token: str | bool | None = None,
) -> list[dict[str, Any]]:
    """Rows of a local ``.jsonl``/``.json``/``.parquet``/``.csv`` file or of a Hub dataset, in order.

    For a Hub dataset without ``split`` the only split is used, or ``train`` when there are several.
    """
    rows = _load_local(Path(source).expanduser()) if is_local_path(source) else _load_hub(
        source, config=config, split=split, revision=revision, token=token
    )
    if not rows:
        raise InputError(f"{source}: the dataset has no rows")
    return rows


def _load_local(path: Path) -> list[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix not in LOCAL_FORMATS:
        raise InputError(
            f"{path}: unknown file type {suffix or '(no extension)'!r}; "
            f"expected one of {', '.join(LOCAL_FORMATS)} or a Hub dataset id"
        )
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a {suffix[1:]} file")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    if suffix == ".parquet":
        return _read_parquet(path)
    text = _read_text(path)
    return _read_csv(path, text) if suffix == ".csv" else _read_json(path, text)


def _read_text(path: Path) -> str:
    """The file as UTF-8 text, without a leading byte order mark."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    except OSError as err:
        raise InputError(f"{path}: cannot read it ({err.strerror})") from err


def _read_json(path: Path, text: str) -> list[dict[str, Any]]:
    """JSON lines, a JSON array of objects, or an object holding one list of objects (e.g. ``{"data": [...]}``).

    Lines are split on ``\\n`` only: U+2028, U+2029 and U+0085 are valid inside a JSON string.
    """
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            pass  # a .json file written as JSON lines
        except RecursionError:
            raise InputError(f"{path}: the JSON is nested too deeply to read") from None
        else:
            rows = _json_document_rows(path, data)
            _check_nesting(path, rows, "row")
            return rows
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise InputError(f"{path}: line {number} is not valid JSON ({err.msg})") from err
        except RecursionError:
            raise InputError(f"{path}: line {number} is nested too deeply to read") from None
    rows = _only_objects(path, rows)
    _check_nesting(path, rows, "line")
    return rows


def _json_document_rows(path: Path, data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        tables = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)]
        return tables[0] if len(tables) == 1 else [data]
    return _only_objects(path, data if isinstance(data, list) else [data])


def _only_objects(path: Path, rows: list[Any]) -> list[dict[str, Any]]:
    bad = next((i for i, row in enumerate(rows) if not isinstance(row, dict)), None)
    if bad is not None:
        raise InputError(f"{path}: row {bad} is a {type(rows[bad]).__name__}, expected a JSON object")
    return rows


def _check_nesting(path: Path, rows: list[dict[str, Any]], unit: str) -> None:
    for index, row in enumerate(rows):
        for column, value in row.items():
            if isinstance(value, (list, dict)) and _depth(value, MAX_NESTING) > MAX_NESTING:
                where = f"line {index + 1}" if unit == "line" else f"row {index}"
                raise InputError(f"{path}: {where}, column {column!r} is nested more than {MAX_NESTING} levels deep")


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of lists/dicts in ``value``, counted up to ``limit + 1`` without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > limit:
            return depth
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (list, dict)))
    return deepest


def _read_csv(path: Path, text: str) -> list[dict[str, Any]]:
    """Every cell as the string it is in the file: no type guessing, no NA/None/null detection.

    An empty cell is the empty string; a row shorter than the header has ``None`` in its missing cells.
    """
    import io

    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # documents are longer than csv's default 128 KiB
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header:
            raise InputError(f"{path}: no header line")
        duplicated = sorted({name for name in header if header.count(name) > 1})
        if duplicated:
            raise InputError(f"{path}: the header names column(s) {', '.join(map(repr, duplicated))} more than once")
        rows = []
        for cells in reader:
            if not cells:
                continue  # a blank line
            if len(cells) > len(header):
                raise InputError(f"{path}: line {reader.line_num} has {len(cells)} cells but the header has "
                                 f"{len(header)} columns")
            rows.append(dict(zip(header, cells + [None] * (len(header) - len(cells)))))
    except csv.Error as err:
        raise InputError(f"{path}: line {reader.line_num} is not valid CSV ({err})") from err
    if not rows:
        raise InputError(f"{path}: the CSV has a header ({', '.join(header)}) but no rows")
    return rows


def _read_parquet(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises several types for a corrupt file
        raise InputError(f"{path}: cannot read it as parquet ({first_line(err)})") from err
    if table.num_rows == 0:
        raise InputError(f"{path}: the parquet file has columns ({', '.join(table.column_names)}) but no rows")
    return table.to_pylist()


def _load_hub(source: str, *, config: str | None, split: str | None, revision: str | None,
              token: str | bool | None) -> list[dict[str, Any]]:
    import datasets
    from datasets.exceptions import DatasetNotFoundError
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()
    where = f"Hub dataset {source!r}" + (f" (config {config!r})" if config else "")
    try:
        loaded = datasets.load_dataset(source, config, split=split, revision=revision, token=token)
    except DatasetNotFoundError as err:
        raise InputError(
            f"{source!r} is neither a local file nor a dataset on the Hub "
            "(if it is a private dataset, log in or set HF_TOKEN)"
        ) from err
    except ConnectionError as err:
        raise InputError(f"{where}: cannot reach the Hub ({first_line(err)})") from err
    except ValueError as err:  # unknown config or split
        raise InputError(f"{where}: {first_line(err)}") from err
    except Exception as err:  # revision not found, corrupt files, ...
        raise InputError(f"{where}: cannot load it ({type(err).__name__}: {first_line(err)})") from err
    if isinstance(loaded, datasets.DatasetDict):
        splits = list(loaded)
        if len(splits) == 1 or "train" in loaded:
            loaded = loaded[splits[0] if len(splits) == 1 else "train"]
        else:
            raise InputError(f"{where} has several splits ({', '.join(splits)}); choose one with --split")
    return loaded.to_list()


def first_line(err: BaseException) -> str:
    """The first line of an error's message (at most 300 characters), for one-line messages."""
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0][:300]
