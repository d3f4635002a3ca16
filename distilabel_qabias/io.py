"""Reading INPUT and writing OUTPUT for the CLI: local files by extension, or a Hub dataset id.

Every failure a user can cause (missing file, unknown type, unreadable content, unknown dataset id,
empty dataset) raises :class:`InputError` with a message meant to be printed as is.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

LOCAL_FORMATS = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


class InputError(ValueError):
    """A problem with the INPUT or OUTPUT the user gave; the message names the problem."""


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
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    if suffix in (".json", ".jsonl"):
        return _read_json(path)
    import datasets
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()
    with tempfile.TemporaryDirectory(prefix="qabias-read-") as cache_dir:
        try:
            reader = datasets.Dataset.from_parquet if suffix == ".parquet" else datasets.Dataset.from_csv
            dataset = reader(str(path), cache_dir=cache_dir, keep_in_memory=True)
        except Exception as err:  # pyarrow/pandas raise many types for a corrupt file
            raise InputError(f"{path}: cannot read it as {suffix[1:]} ({_first_line(err)})") from err
        return dataset.to_list()


def _read_json(path: Path) -> list[dict[str, Any]]:
    """JSON lines, a JSON array of objects, or an object holding one list of objects (e.g. ``{"data": [...]}``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    if path.suffix.lower() == ".json":
        try:
            return _json_document_rows(path, json.loads(text))
        except json.JSONDecodeError:
            pass  # a .json file written as JSON lines
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise InputError(f"{path}: line {number} is not valid JSON ({err.msg})") from err
    return _only_objects(path, rows)


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


def write_rows(rows: Sequence[Mapping[str, Any]], destination: str | Path) -> Path:
    """Write rows to ``destination`` in the format its extension names; atomic (temp file + rename).

    CSV cannot hold nested values, so lists and dicts are written there as JSON strings.
    """
    path = Path(destination).expanduser()
    suffix = path.suffix.lower()
    if suffix not in LOCAL_FORMATS:
        raise InputError(
            f"{path}: unknown output type {suffix or '(no extension)'!r}; expected one of {', '.join(LOCAL_FORMATS)}"
        )
    if not path.parent.exists():
        raise InputError(f"{path}: the folder {path.parent} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if suffix == ".jsonl":
            with tmp.open("w", encoding="utf-8") as handle:
                for row in rows:
                    handle.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")
        elif suffix == ".json":
            tmp.write_text(json.dumps(list(rows), ensure_ascii=False, default=_json_default, indent=1), encoding="utf-8")
        elif suffix == ".parquet":
            from datasets.utils.logging import disable_progress_bar

            disable_progress_bar()
            to_dataset(rows).to_parquet(str(tmp))
        else:
            _write_csv(rows, tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def to_dataset(rows: Sequence[Mapping[str, Any]]):
    """A ``datasets.Dataset`` of ``rows`` (columns in first-seen order, values made JSON-clean)."""
    import datasets

    columns = _column_order(rows)
    clean = [{column: _plain(row.get(column)) for column in columns} for row in rows]
    return datasets.Dataset.from_list(clean)


def _write_csv(rows: Sequence[Mapping[str, Any]], path: Path) -> None:
    import csv

    columns = _column_order(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({
                column: json.dumps(_plain(value), ensure_ascii=False) if isinstance(value, (list, dict, tuple)) else value
                for column, value in ((c, row.get(c)) for c in columns)
            })


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
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    raise TypeError(f"cannot write a {type(value).__name__} value to JSON")


def _first_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0][:300]
