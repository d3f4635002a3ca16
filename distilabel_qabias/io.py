"""Reading INPUT and writing OUTPUT for the CLI: local files by extension, or a Hub dataset id.

Values come out as they went in: CSV cells are read as strings (``001``, ``1889``, ``NA`` stay
text), JSON lines are split on ``\\n`` only, and the writers keep every value they can represent
(a lone surrogate in JSON is written as its ``\\ud800`` escape). What a format cannot hold (a
parquet column mixing str and int) is refused by :func:`check_rows_fit` before any work.

Every failure a user can cause raises :class:`~distilabel_qabias.errors.InputError` (reading) or
:class:`~distilabel_qabias.errors.OutputError` (writing) with a one-line message.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import datetime as dt
import decimal
import errno
import json
import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from distilabel_qabias.errors import InputError, OutputError
from distilabel_qabias.schema import is_encodable

LOCAL_FORMATS = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}
# JSON values nested deeper than this are refused when read: deeper ones overflow Python's stack later
MAX_NESTING = 100
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")

__all__ = ["LOCAL_FORMATS", "InputError", "OutputError", "is_local_path", "load_rows", "check_output_path",
           "check_report_folder", "check_rows_fit", "write_rows", "to_dataset"]


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


# --- reading -------------------------------------------------------------------------------


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
        raise InputError(f"{path}: cannot read it as parquet ({_first_line(err)})") from err
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
        raise InputError(f"{where}: cannot reach the Hub ({_first_line(err)})") from err
    except ValueError as err:  # unknown config or split
        raise InputError(f"{where}: {_first_line(err)}") from err
    except Exception as err:  # revision not found, corrupt files, ...
        raise InputError(f"{where}: cannot load it ({type(err).__name__}: {_first_line(err)})") from err
    if isinstance(loaded, datasets.DatasetDict):
        splits = list(loaded)
        if len(splits) == 1 or "train" in loaded:
            loaded = loaded[splits[0] if len(splits) == 1 else "train"]
        else:
            raise InputError(f"{where} has several splits ({', '.join(splits)}); choose one with --split")
    return loaded.to_list()


# --- before the work: can the output be written? ----------------------------------------------


def check_output_path(destination: str | Path, *, inputs: Iterable[str | Path] = (), overwrite: bool = False) -> Path:
    """Raise :class:`OutputError` unless ``destination`` can be written; return the path writes go to.

    Checked before any work: the extension, that it is not a directory, that its folder exists and
    accepts a new file (a probe file is created and removed), and that it is not one of ``inputs``
    unless ``overwrite``. A symlink is followed: the file it points to is the one written.
    """
    path = Path(destination).expanduser()
    suffix = path.suffix.lower()
    if suffix not in LOCAL_FORMATS:
        raise OutputError(
            f"{path}: unknown output type {suffix or '(no extension)'!r}; expected one of {', '.join(LOCAL_FORMATS)}"
        )
    target = _write_target(path)
    if target.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name such as {path / ('output' + suffix)}")
    for source in inputs:
        if Path(source).expanduser().exists() and _same_file(target, Path(source).expanduser()) and not overwrite:
            raise OutputError(f"{path}: is the input file; write elsewhere or pass --overwrite to replace it")
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{path}: {folder} is a file, not a folder")
    if not folder.exists():
        raise OutputError(f"{path}: the folder {folder} does not exist")
    if target.exists() and not _is_regular(target):
        return target  # a device or pipe (e.g. /dev/stdout): written directly
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{path}: the file exists and is read-only")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise OutputError(f"{path}: cannot write in {folder} ({err.strerror})") from None
    return target


def check_report_folder(directory: str | Path) -> Path:
    """Create the report folder now (before the work) or raise :class:`OutputError` saying why not."""
    path = Path(directory).expanduser()
    if path.exists() and not path.is_dir():
        raise OutputError(f"--report {path}: is a file; the report needs a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".qabias-probe.", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise OutputError(f"--report {path}: cannot write there ({err.strerror})") from None
    return path


def check_rows_fit(rows: Sequence[Mapping[str, Any]], fmt: str, *, where: str, skip: Iterable[str] = ()) -> None:
    """Raise :class:`OutputError` when a value of ``rows`` cannot be stored as ``fmt`` (json, parquet or csv).

    Parquet (also what a Hub push writes) needs one type per column; parquet and CSV need text that
    can be encoded as UTF-8. JSON holds any value read from a file. ``skip`` names columns the steps
    will make writable (the text columns they read: non-text cells are set aside). ``where`` starts
    the message (the output path, or the push).
    """
    if fmt not in ("parquet", "csv"):
        return
    skipped = set(skip)
    columns = [c for c in _column_order(rows) if c not in skipped]
    for column in columns:
        for index, row in enumerate(rows):
            value = row.get(column)
            if isinstance(value, str) and not is_encodable(value):
                raise OutputError(
                    f"{where}: row {index}, column {column!r} holds text that is not valid Unicode "
                    f"(a lone surrogate); {fmt} cannot store it: write .jsonl or .json instead"
                )
    if fmt == "parquet":
        import pyarrow as pa

        for column in columns:
            values = [_plain(row.get(column)) for row in rows]
            try:
                pa.array(values)
            except (pa.ArrowException, ValueError, TypeError, OverflowError, RecursionError) as err:
                kinds = sorted({type(v).__name__ for v in values if v is not None})
                raise OutputError(
                    f"{where}: column {column!r} holds {' and '.join(kinds)} values, which parquet cannot store "
                    f"in one column ({_first_line(err)[:120]}); write .jsonl or .json instead"
                ) from None


# --- writing ---------------------------------------------------------------------------------


def write_rows(rows: Sequence[Mapping[str, Any]], destination: str | Path) -> Path:
    """Write rows to ``destination`` in the format its extension names; atomic (temp file + rename).

    The written file gets the existing file's permissions, or those the umask gives a new file. A
    symlink is written through (the file it points to is replaced, the link stays); a device or pipe
    is written directly. CSV cannot hold nested values, so lists and dicts are written there as JSON.
    An interrupt (SIGINT, or SIGTERM when the CLI turns it into an exception) removes the temp file.
    """
    path = Path(destination).expanduser()
    suffix = path.suffix.lower()
    if suffix not in LOCAL_FORMATS:
        raise OutputError(
            f"{path}: unknown output type {suffix or '(no extension)'!r}; expected one of {', '.join(LOCAL_FORMATS)}"
        )
    target = _write_target(path)
    if not target.parent.is_dir():
        raise OutputError(f"{path}: the folder {target.parent} does not exist")
    try:
        if target.exists() and not _is_regular(target):
            _write_format(rows, target, suffix)
            return path
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            _write_format(rows, tmp, suffix)
            os.chmod(tmp, mode)
            tmp.replace(target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OutputError as err:
        raise OutputError(f"{path}: {err}; an existing file there is unchanged") from None
    except OSError as err:
        full = " (disk full)" if err.errno in (errno.ENOSPC, errno.EDQUOT) else ""
        raise OutputError(f"{path}: cannot write it{full}: {err.strerror or err}; "
                          "an existing file there is unchanged") from None
    return path


def _write_format(rows: Sequence[Mapping[str, Any]], path: Path, suffix: str) -> None:
    if suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for index, row in enumerate(rows):
                handle.write(_json_text(row, index) + "\n")
    elif suffix == ".json":
        with path.open("w", encoding="utf-8") as handle:
            handle.write("[\n" + ",\n".join(_json_text(row, i) for i, row in enumerate(rows)) + "\n]\n")
    elif suffix == ".parquet":
        from datasets.utils.logging import disable_progress_bar

        disable_progress_bar()
        try:
            to_dataset(rows).to_parquet(str(path))
        except OSError:
            raise
        except Exception as err:  # pyarrow: a column its type inference cannot hold
            raise OutputError(f"parquet cannot store these rows ({_first_line(err)}); "
                              "write .jsonl or .json instead") from None
    else:
        _write_csv(rows, path)


def _json_text(row: Mapping[str, Any], index: int) -> str:
    """One row as JSON; text JSON cannot encode as UTF-8 (lone surrogates) is kept as ``\\uXXXX`` escapes."""
    try:
        text = json.dumps(row, ensure_ascii=False, default=_json_default)
    except (TypeError, ValueError) as err:
        raise OutputError(f"row {index}: {err}") from None
    return text if is_encodable(text) else json.dumps(row, ensure_ascii=True, default=_json_default)


def to_dataset(rows: Sequence[Mapping[str, Any]]):
    """A ``datasets.Dataset`` of ``rows`` (columns in first-seen order, values made JSON-clean)."""
    import datasets

    columns = _column_order(rows)
    clean = [{column: _plain(row.get(column)) for column in columns} for row in rows]
    return datasets.Dataset.from_list(clean)


def _write_csv(rows: Sequence[Mapping[str, Any]], path: Path) -> None:
    columns = _column_order(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for index, row in enumerate(rows):
            writer.writerow({column: _csv_cell(row.get(column), index) for column in columns})


def _csv_cell(value: Any, index: int) -> Any:
    if isinstance(value, (list, dict, tuple)):
        return _json_text(_plain(value), index)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def _column_order(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def _plain(value: Any) -> Any:
    """numpy scalars/arrays and tuples to Python values; NaN floats stay floats."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return value.tolist()
    return value


def _json_default(value: Any) -> Any:
    """Values JSON has no type for: timestamps as ISO 8601, decimals as exact strings, bytes as text or base64."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot write a {type(value).__name__} value to JSON")


def _write_target(path: Path) -> Path:
    """The file a write to ``path`` lands in: a symlink's final target, else ``path`` itself."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _is_regular(path: Path) -> bool:
    return stat.S_ISREG(path.stat().st_mode)


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        return a.exists() and os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def _umask() -> int:
    """The process umask, read without changing it where Linux allows (``/proc/self/status``)."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        with open("/proc/self/status", encoding="ascii") as status:
            line = next(line for line in status if line.startswith("Umask:"))
        return int(line.split()[1], 8)
    current = os.umask(0o022)
    os.umask(current)
    return current


def _first_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0][:300]
