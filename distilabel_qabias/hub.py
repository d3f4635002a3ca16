"""Push QA data with its per-row ``qabias_*`` columns to the Hugging Face Hub, plus a "QA bias report"
section in the dataset card.

The card section sits between two HTML comments; a later push replaces what is between them and
keeps everything else of the card (the YAML header that ``datasets`` maintains and any text a person
wrote). Plots and the report files go to the repo under ``qabias_report/`` in the same commit as the card.

Works for a ``datasets.Dataset`` (or plain rows, as the CLI has them) and for a distilabel ``Distiset``.
The token comes from the argument, ``HF_TOKEN`` or the saved login (``huggingface_hub.get_token``); it is
passed to the clients and never printed, logged or written anywhere: the repo id is validated before
any work, every failure of a push becomes one :class:`HubPushError` line without the token, and
tracebacks never show local variables (distilabel's import installs rich's traceback hook with
``show_locals=True``; :func:`hide_traceback_locals` puts it back without them).
"""

from __future__ import annotations

import re
import sys
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence, TypeVar, Union

from distilabel_qabias import schema
from distilabel_qabias.errors import HubPushError

if TYPE_CHECKING:
    from datasets import Dataset
    from distilabel.distiset import Distiset
    from huggingface_hub import HfApi

    from distilabel_qabias.report import BiasReport

SECTION_START = "<!-- qabias-report:start -->"
SECTION_END = "<!-- qabias-report:end -->"
REPORT_FOLDER = "qabias_report"
CARD_FILE = "README.md"
_SECTION = re.compile(re.escape(SECTION_START) + r".*?" + re.escape(SECTION_END), re.DOTALL)
_IMAGE_LINK = re.compile(r"(!\[[^\]]*\]\()([^)\s/:]+\.png\))")

ReportSource = Union["BiasReport", str, Path, None]
T = TypeVar("T")


@dataclass(frozen=True)
class PushResult:
    repo_id: str
    url: str
    commit: str
    report_files: tuple[str, ...]


def check_repo_id(repo_id: str) -> str:
    """Raise :class:`HubPushError` unless ``repo_id`` is a valid Hub repo id (checked before any work)."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        raise HubPushError(
            f"{repo_id!r} is not a valid Hub repo id: use 'name' or 'user/name' with letters, digits, '-', '_' "
            "and '.' (not starting or ending with '-' or '.', at most 96 characters)"
        ) from None
    return repo_id


def check_push_target(repo_id: str, token: str | None = None) -> str:
    """Before any work: the repo id is valid, there is a token and the Hub accepts it; the user name."""
    hide_traceback_locals()
    check_repo_id(repo_id)
    return check_token(_api(resolve_token(token)))


def resolve_token(token: str | None = None) -> str:
    """The token to push with: the argument, else ``HF_TOKEN``, else the saved login."""
    from huggingface_hub import get_token

    token = token or get_token()
    if not token:
        raise HubPushError(
            "no Hugging Face token for the push: set HF_TOKEN or log in with `hf auth login`"
        )
    return token


def check_token(api: "HfApi") -> str:
    """Return the user name the token belongs to, or raise :class:`HubPushError` if the Hub rejects it."""
    from huggingface_hub.errors import HfHubHTTPError

    try:
        return api.whoami(cache=True)["name"]
    except HfHubHTTPError as err:
        raise HubPushError(f"the Hub rejected the token: {redact_secrets(_short(err), api.token)}") from None
    except Exception as err:  # network failure, an endpoint that is not the Hub (answers without JSON), ...
        raise HubPushError(f"checking the token with the Hub at {api.endpoint} failed: "
                           f"{_describe(err, api)}") from None


def push_dataset(
    data: Union["Dataset", Sequence[Mapping[str, Any]]],
    repo_id: str,
    *,
    report: ReportSource = None,
    private: bool = False,
    token: str | None = None,
    config_name: str = "default",
    split: str = "train",
    commit_message: str = "Upload QA dataset with qabias metadata",
) -> PushResult:
    """Push ``data`` (a Dataset or rows with their ``qabias_*`` columns) and merge the report into the card.

    Every failure is a :class:`HubPushError` with a one-line message that never holds the token.
    """
    hide_traceback_locals()
    check_repo_id(repo_id)
    api = _api(resolve_token(token))
    del token  # only ``api`` holds it from here on (its repr does not show it)

    def push() -> PushResult:
        from datasets import Dataset

        from distilabel_qabias.io import to_dataset

        check_token(api)
        dataset = data if isinstance(data, Dataset) else to_dataset(data)
        if len(dataset) == 0:
            raise HubPushError("nothing to push: the dataset has no rows")
        dataset.push_to_hub(
            repo_id, config_name=config_name, split=split, private=private, token=api.token,
            commit_message=commit_message,
        )
        return push_report_card(api, repo_id, report, columns=dataset.column_names)

    return _one_line_errors(api, repo_id, push)


def push_distiset(
    distiset: "Distiset",
    repo_id: str,
    *,
    report: ReportSource = None,
    private: bool = False,
    token: str | None = None,
    **push_kwargs: Any,
) -> PushResult:
    """Push a pipeline's ``Distiset`` and merge the report section into its card.

    On a repo without a card distilabel generates its card first (pipeline, examples, artifacts);
    when the repo already has one, that card is kept and only the report section is merged into it.
    Without ``report`` the report saved by ``QABiasReport`` in the Distiset's artifacts is used.
    Every failure is a :class:`HubPushError` with a one-line message that never holds the token.
    """
    hide_traceback_locals()
    check_repo_id(repo_id)
    api = _api(resolve_token(token))
    del token  # only ``api`` holds it from here on (its repr does not show it)

    def push() -> PushResult:
        check_token(api)
        generate_card = push_kwargs.pop("generate_card", None)
        if generate_card is None:
            generate_card = read_card(api, repo_id) is None
        with _skip_missing_pipeline_files(distiset):
            distiset.push_to_hub(repo_id, private=private, token=api.token, generate_card=generate_card,
                                 **push_kwargs)
        columns = sorted({c for dataset in distiset.values() for c in _column_names(dataset)})
        return push_report_card(api, repo_id, report if report is not None else find_report_artifact(distiset),
                                columns=columns)

    return _one_line_errors(api, repo_id, push)


@contextmanager
def _skip_missing_pipeline_files(distiset: "Distiset") -> Iterator[None]:
    """Leave out ``pipeline.yaml``/``pipeline.log`` uploads whose files do not exist, for the push only.

    distilabel 1.5.3 uploads both after the data and the card, so a missing one failed the push half
    done ("pipeline.log not found"). With ``LoadDataFromFileSystem`` the Distiset names a log that was
    never written there: the step's ``load()`` fills in ``num_examples`` (and ``filetype``), which
    changes the steps' signature and so the execution folder computed at the end of the run, while
    the log was opened in the folder computed at the start.
    """
    missing = {attr: path for attr in ("_pipeline_path", "_log_filename_path")
               if (path := getattr(distiset, attr, None)) is not None and not Path(path).is_file()}
    for attr, path in missing.items():
        setattr(distiset, attr, None)
        warnings.warn(f"not uploading {Path(path).name}: the Distiset names {path}, which does not exist "
                      "(distilabel wrote it to another execution folder of the same pipeline)", stacklevel=4)
    try:
        yield
    finally:
        for attr, path in missing.items():
            setattr(distiset, attr, path)


def hide_traceback_locals() -> None:
    """Reinstall rich's traceback hook without local variables if it is installed (distilabel's import
    installs it with ``show_locals=True``, which prints tokens and row contents held in locals)."""
    if getattr(sys.excepthook, "__module__", "") == "rich.traceback":
        import rich.traceback

        rich.traceback.install(show_locals=False)


def push_report_card(
    api: "HfApi", repo_id: str, report: ReportSource, *, columns: Iterable[str] = ()
) -> PushResult:
    """Upload the report files under ``qabias_report/`` and merge the section into the card, in one commit."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    head = api.dataset_info(repo_id).sha
    card = read_card(api, repo_id, revision=head)
    with tempfile.TemporaryDirectory(prefix="qabias-report-") as tmp:
        markdown, files = _report_files(report, Path(tmp))
        section = render_section(markdown, columns)
        operations: list = [
            CommitOperationAdd(path_in_repo=f"{REPORT_FOLDER}/{path.name}", path_or_fileobj=str(path))
            for path in files
        ]
        uploaded = {f"{REPORT_FOLDER}/{path.name}" for path in files}
        stale = [p for p in _report_folder_files(api, repo_id, head) if p not in uploaded]
        operations += [CommitOperationDelete(path_in_repo=p) for p in stale]
        operations.append(CommitOperationAdd(path_in_repo=CARD_FILE,
                                             path_or_fileobj=merge_card(card, section).encode("utf-8")))
        info = api.create_commit(
            repo_id, operations=operations, repo_type="dataset", parent_commit=head,
            commit_message="Update QA bias report",
        )
    return PushResult(repo_id, f"{api.endpoint}/datasets/{repo_id}", info.oid, tuple(sorted(uploaded)))


def render_section(report_markdown: str | None, columns: Iterable[str] = ()) -> str:
    """The card section: the report (tables and plot links) and the qabias columns this dataset carries."""
    present = [schema.COLUMNS_BY_NAME[c] for c in columns if c in schema.COLUMNS_BY_NAME]
    parts = [SECTION_START]
    if report_markdown:
        parts.append(report_markdown.strip())
    else:
        parts.append("## QA bias report\n\nNo report was computed for this push.")
    if present:
        table = ["| column | type | meaning |", "|---|---|---|"]
        table += [f"| `{c.name}` | {c.type} | {c.meaning} |" for c in present]
        parts.append("### Per-row qabias columns\n\n" + "\n".join(table))
    parts.append("*Written by distilabel-qabias; this section is replaced on the next push, "
                 "text outside the markers is kept.*")
    parts.append(SECTION_END)
    return "\n\n".join(parts)


def merge_card(card: str | None, section: str) -> str:
    """Replace the previous report section of ``card`` with ``section``, or append it; keep the rest as is."""
    if not card or not card.strip():
        return section + "\n"
    if _SECTION.search(card):
        return _SECTION.sub(lambda _: section, card, count=1)
    return card.rstrip("\n") + "\n\n" + section + "\n"


def read_card(api: "HfApi", repo_id: str, revision: str | None = None) -> str | None:
    """The dataset card text, or ``None`` when the repo or its README does not exist."""
    from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError

    try:
        path = api.hf_hub_download(repo_id, CARD_FILE, repo_type="dataset", revision=revision)
    except (EntryNotFoundError, RepositoryNotFoundError):
        return None
    return Path(path).read_text(encoding="utf-8")


def find_report_artifact(distiset: "Distiset") -> Path | None:
    """The folder of the report QABiasReport saved as a pipeline artifact (it holds ``report.md``), if any."""
    root = getattr(distiset, "artifacts_path", None)
    if not root or not Path(root).is_dir():
        return None
    found = sorted(Path(root).rglob("report.md"))
    return found[0].parent if found else None


def _report_files(report: ReportSource, tmp: Path) -> tuple[str | None, list[Path]]:
    """Card markdown (image links under ``qabias_report/``) and the files to upload next to it."""
    if report is None:
        return None, []
    if isinstance(report, (str, Path)):
        folder = Path(report)
        markdown_path = folder / "report.md"
        if not markdown_path.is_file():
            raise HubPushError(f"{folder}: no report.md in the report folder")
        markdown = _IMAGE_LINK.sub(lambda m: f"{m.group(1)}{REPORT_FOLDER}/{m.group(2)}",
                                   markdown_path.read_text(encoding="utf-8"))
        files = sorted(p for p in folder.iterdir() if p.suffix in (".png", ".json", ".md") and p.is_file()
                       and p.name != "metadata.json")
        return markdown, files
    from distilabel_qabias.report import render_markdown, write_report

    written = write_report(report, tmp)
    return render_markdown(report, image_prefix=f"{REPORT_FOLDER}/"), sorted(written.values())


def _report_folder_files(api: "HfApi", repo_id: str, revision: str) -> list[str]:
    from huggingface_hub.errors import EntryNotFoundError
    from huggingface_hub.hf_api import RepoFile

    try:
        entries = api.list_repo_tree(repo_id, REPORT_FOLDER, repo_type="dataset", revision=revision)
        return [entry.path for entry in entries if isinstance(entry, RepoFile)]
    except EntryNotFoundError:
        return []


def _column_names(dataset: Any) -> list[str]:
    names = dataset.column_names
    return sorted({c for cols in names.values() for c in cols}) if isinstance(names, dict) else list(names)


def _api(token: str) -> "HfApi":
    from huggingface_hub import HfApi

    return HfApi(token=token, library_name="distilabel-qabias")


def _one_line_errors(api: "HfApi", repo_id: str, push: Callable[[], T]) -> T:
    """Run ``push``; turn any exception it raises into a :class:`HubPushError` line without the token.

    The original exception is not chained (``from None``): its frames hold the token and request headers.
    """
    try:
        return push()
    except HubPushError as err:
        raise HubPushError(redact_secrets(str(err), api.token)) from None
    except Exception as err:
        raise HubPushError(f"pushing to {repo_id!r} failed: {_describe(err, api)}") from None


def _describe(err: BaseException, api: "HfApi") -> str:
    """One token-free line saying what went wrong, for any exception a push can raise."""
    import json

    from huggingface_hub.errors import HfHubHTTPError

    if isinstance(err, HfHubHTTPError):
        text = _short(err)
    elif isinstance(err, json.JSONDecodeError) or "JSONDecodeError" in type(err).__name__:
        text = (f"the server at {api.endpoint} answered with something that is not the Hub API "
                f"({type(err).__name__}: {_short(err)}); check HF_ENDPOINT")
    elif isinstance(err, _network_errors()) and not isinstance(err, FileNotFoundError):
        text = f"cannot reach the Hub at {api.endpoint}: {type(err).__name__}: {_short(err)}"
    else:
        text = f"{type(err).__name__}: {_short(err)}"
    return redact_secrets(text, api.token)


_SECRET = re.compile(r"(Bearer\s+)\S+|\bhf_[A-Za-z0-9]{16,}")  # HF tokens: hf_ + 34 letters/digits


def redact_secrets(text: str, token: str | None) -> str:
    """``text`` with ``token``, any ``Bearer ...`` credential and any ``hf_...`` token masked."""
    if token:
        text = text.replace(token, "***")
    return _SECRET.sub(lambda m: f"{m.group(1)}***" if m.group(1) else "hf_***", text)


def _network_errors() -> tuple[type[BaseException], ...]:
    """Connection failures: huggingface_hub 2.x raises httpx2's, datasets and older clients httpx's."""
    import importlib

    errors: list[type[BaseException]] = [OSError]
    for module in ("httpx2", "httpx"):
        try:
            errors.append(importlib.import_module(module).TransportError)
        except (ImportError, AttributeError):
            continue
    return tuple(errors)


def _short(err: BaseException) -> str:
    response = getattr(err, "response", None)
    server_message = getattr(err, "server_message", None)
    if response is not None and server_message:
        return f"HTTP {response.status_code}: {server_message.strip().splitlines()[0][:300]}"
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return " ".join(lines[:2])[:300] or type(err).__name__
