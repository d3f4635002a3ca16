"""Writing OUTPUT, and checking before the work that it can be written.

:func:`check_output_path`, :func:`check_report_folder` and :func:`check_rows_fit` run before any
work, so a user mistake (a directory, a missing or read-only folder, the input file itself, a
parquet column mixing str and int, text parquet cannot encode) is one line and nothing is lost.
:func:`write_rows` keeps every value the format can hold (a lone surrogate in JSON is written as
its ``\\ud800`` escape; timestamps as ISO 8601), writes atomically (temp file + rename) with the
permissions a new file would get or the existing file has, and writes through a symlink.
Failures raise :class:`~distilabel_qabias.errors.OutputError` with a one-line message.
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
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from distilabel_qabias.errors import OutputError
from distilabel_qabias.io.read import LOCAL_FORMATS, first_line
from distilabel_qabias.schema import is_encodable



def _output_suffix(path: Path) -> str:
    """The output's file type, or a one-line :class:`OutputError` naming the ones we write."""
    suffix = path.suffix.lower()
    if suffix not in LOCAL_FORMATS:
        raise OutputError(
            f"{path}: unknown output type {suffix or '(no extension)'!r}; expected one of {', '.join(LOCAL_FORMATS)}"
        )
    return suffix

def check_output_path(destination: str | Path, *, inputs: Iterable[str | Path] = (), overwrite: bool = False) -> Path:
    """Raise :class:`OutputError` unless ``destination`` can be written; return the path writes go to.

    Checked before any work: the extension, that it is not a directory, that its folder exists and
    accepts a new file (a probe file is created and removed), and that it is not one of ``inputs``
    unless ``overwrite``. A symlink is followed: the file it points to is the one written.
    """
    path = Path(destination).expanduser()
    suffix = _output_suffix(path)
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
                    f"in one column ({first_line(err)[:120]}); write .jsonl or .json instead"
                ) from None


def write_rows(rows: Sequence[Mapping[str, Any]], destination: str | Path) -> Path:
    """Write rows to ``destination`` in the format its extension names; atomic (temp file + rename).

    The written file gets the existing file's permissions, or those the umask gives a new file. A
    symlink is written through (the file it points to is replaced, the link stays); a device or pipe
    is written directly. CSV cannot hold nested values, so lists and dicts are written there as JSON.
    An interrupt (SIGINT, or SIGTERM when the CLI turns it into an exception) removes the temp file.
    """
    path = Path(destination).expanduser()
    suffix = _output_suffix(path)
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
            raise OutputError(f"parquet cannot store these rows ({first_line(err)}); "
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
