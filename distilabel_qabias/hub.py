"""Push QA data with its per-row ``qabias_*`` columns to the Hugging Face Hub, plus a "QA bias report"
section in the dataset card.

The card section sits between two HTML comments; a later push replaces what is between them and
keeps everything else of the card (the YAML header that ``datasets`` maintains and any text a person
wrote). Plots and the report files go to the repo under ``qabias_report/`` in the same commit as the card.

Works for a ``datasets.Dataset`` (or plain rows, as the CLI has them) and for a distilabel ``Distiset``.
The token comes from the argument, ``HF_TOKEN`` or the saved login (``huggingface_hub.get_token``); it is
passed to the clients and never printed, logged or written anywhere.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence, Union

from distilabel_qabias import schema

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


class HubPushError(RuntimeError):
    """A push problem with a message meant for the user (no token, token rejected, Hub error)."""


@dataclass(frozen=True)
class PushResult:
    repo_id: str
    url: str
    commit: str
    report_files: tuple[str, ...]


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
        raise HubPushError(f"the Hub rejected the token: {_short(err)}") from err
    except _network_errors() as err:
        raise HubPushError(f"cannot reach the Hub at {api.endpoint}: {_short(err)}") from err


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
    """Push ``data`` (a Dataset or rows with their ``qabias_*`` columns) and merge the report into the card."""
    from datasets import Dataset

    from distilabel_qabias.io import to_dataset

    token = resolve_token(token)
    api = _api(token)
    check_token(api)
    dataset = data if isinstance(data, Dataset) else to_dataset(data)
    if len(dataset) == 0:
        raise HubPushError("nothing to push: the dataset has no rows")
    with _hub_errors(repo_id):
        dataset.push_to_hub(
            repo_id, config_name=config_name, split=split, private=private, token=token,
            commit_message=commit_message,
        )
        return push_report_card(api, repo_id, report, columns=dataset.column_names)


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
    """
    token = resolve_token(token)
    api = _api(token)
    check_token(api)
    with _hub_errors(repo_id):
        had_card = read_card(api, repo_id) is not None
        distiset.push_to_hub(repo_id, private=private, token=token, generate_card=not had_card, **push_kwargs)
        columns = sorted({c for dataset in distiset.values() for c in _column_names(dataset)})
        return push_report_card(api, repo_id, report if report is not None else find_report_artifact(distiset),
                                columns=columns)


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
    written = report.write(tmp)
    return report.to_markdown(image_prefix=f"{REPORT_FOLDER}/"), sorted(written.values())


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


class _hub_errors:
    """Turn the Hub client's HTTP errors into :class:`HubPushError` with a short, token-free message."""

    def __init__(self, repo_id: str):
        self.repo_id = repo_id

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        from huggingface_hub.errors import HfHubHTTPError

        if exc is None or isinstance(exc, HubPushError):
            return False
        if isinstance(exc, HfHubHTTPError):
            raise HubPushError(f"pushing to {self.repo_id!r} failed: {_short(exc)}") from exc
        if isinstance(exc, _network_errors()) and not isinstance(exc, FileNotFoundError):
            raise HubPushError(f"pushing to {self.repo_id!r} failed: {type(exc).__name__}: {_short(exc)}") from exc
        return False


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
