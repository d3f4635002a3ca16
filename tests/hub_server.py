"""A loopback server that speaks enough of the Hugging Face Hub HTTP API for the real
``huggingface_hub`` and ``datasets`` clients to create a dataset repo, push to it (preupload,
LFS batch/upload/verify, NDJSON commit) and load it back (info, tree, paths-info, resolve with Range).

Point the clients at it with ``HF_ENDPOINT=<server.url>``, ``HF_TOKEN=<server.token>`` and
``HF_HUB_DISABLE_XET=1`` (``LoopbackHub.client_env`` builds that environment). The clients read
``HF_ENDPOINT`` when they are imported, so pushes run most reliably in a subprocess.

Storage is in memory and bounded (``max_bytes``); the server binds 127.0.0.1 on an ephemeral
port and ``stop()`` (or leaving the ``with`` block) shuts it down. Routes it does not know answer
404 and are recorded in ``unhandled`` so tests can fail loudly on a client path we do not cover.

Run it by hand with ``python tests/hub_server.py`` (prints the URL and a token).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import yaml

REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
# Files the real Hub stores through LFS because of the default .gitattributes of a new repo.
LFS_SUFFIXES = (
    ".parquet", ".arrow", ".bin", ".safetensors", ".pt", ".pth", ".onnx", ".npy", ".npz", ".h5",
    ".zip", ".gz", ".tar", ".zst", ".xz", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".wav", ".mp3",
)
REGULAR_MAX_BYTES = 10 * 1024 * 1024
PAGE_SIZE = 1000
DEFAULT_GITATTRIBUTES = "".join(f"*{suffix} filter=lfs diff=lfs merge=lfs -text\n" for suffix in LFS_SUFFIXES)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def git_blob_oid(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


class HubError(Exception):
    """An error answered to the client, with the Hub's X-Error-Code header when there is one."""

    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass
class StoredFile:
    content: bytes
    lfs: bool
    last_commit: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def git_oid(self) -> str:
        # the git object of an LFS file is its pointer, as on the real Hub
        return git_blob_oid(lfs_pointer(self.sha256, len(self.content)) if self.lfs else self.content)


@dataclass
class Commit:
    oid: str
    parent: str | None
    title: str
    description: str
    date: str
    files: dict[str, StoredFile]


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    created: str
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)

    def resolve(self, revision: str) -> Commit:
        oid = self.branches.get(revision, revision)
        if oid not in self.commits:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return self.commits[oid]


class HubState:
    """Repos, LFS objects and request bookkeeping, guarded by one lock."""

    def __init__(self, tokens: dict[str, str], max_bytes: int):
        self.tokens = tokens
        self.max_bytes = max_bytes
        self.stored_bytes = 0
        self.repos: dict[tuple[str, str], Repo] = {}
        self.lfs_objects: dict[str, bytes] = {}
        self.lock = threading.RLock()
        self.requests: deque[tuple[str, str]] = deque(maxlen=5000)
        self.unhandled: list[tuple[str, str]] = []
        # set to an HTTP status to make the next commits fail (simulates a push that breaks mid-way)
        self.fail_commits_with: int | None = None
        # seconds each commit waits before it is applied (lets a test interrupt a push in flight)
        self.commit_delay_s: float = 0.0
        self._counter = itertools.count()

    def charge(self, nbytes: int) -> None:
        if self.stored_bytes + nbytes > self.max_bytes:
            raise HubError(413, f"loopback hub storage limit of {self.max_bytes} bytes reached")
        self.stored_bytes += nbytes

    def new_commit(self, repo: Repo, parent: Commit | None, title: str, description: str,
                   files: dict[str, StoredFile]) -> Commit:
        seed = json.dumps([parent.oid if parent else None, title, sorted(files), next(self._counter)])
        oid = hashlib.sha1(seed.encode()).hexdigest()
        for stored in files.values():
            if stored.last_commit == "":
                stored.last_commit = oid
        commit = Commit(oid, parent.oid if parent else None, title, description, _now(), files)
        repo.commits[oid] = commit
        return commit

    def create_repo(self, repo_type: str, repo_id: str, private: bool) -> Repo:
        repo = Repo(repo_type, repo_id, private, _now())
        content = DEFAULT_GITATTRIBUTES.encode()
        self.charge(len(content))
        initial = self.new_commit(repo, None, "initial commit", "",
                                  {".gitattributes": StoredFile(content, lfs=False, last_commit="")})
        repo.branches["main"] = initial.oid
        self.repos[(repo_type, repo_id)] = repo
        return repo


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    # -- plumbing ----------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        pass

    @property
    def state(self) -> HubState:
        return self.server.state

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        self.query = parse_qs(parts.query)
        self.state.requests.append((method, parts.path))
        segments = [s for s in parts.path.split("/") if s]
        try:
            self.user = self._authenticate()
            self._route(method, segments)
        except HubError as err:
            headers = {"X-Error-Message": err.message}
            if err.code:
                headers["X-Error-Code"] = err.code
            self._send_json({"error": err.message}, status=err.status, headers=headers)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _authenticate(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if not header:
            return None
        token = header.removeprefix("Bearer ").strip()
        if token not in self.state.tokens:
            raise HubError(401, "Invalid credentials in Authorization header")
        return self.state.tokens[token]

    def _require_user(self) -> str:
        if self.user is None:
            raise HubError(401, "You must be authenticated to do this")
        return self.user

    def _read_body(self) -> bytes:
        limit = self.server.max_request_bytes
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > limit:
                    raise HubError(413, "request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            raise HubError(413, "request body too large")
        return self.rfile.read(length) if length else b""

    def _json_body(self) -> Any:
        try:
            return json.loads(self._read_body() or b"{}")
        except ValueError as err:
            raise HubError(400, f"malformed JSON body: {err}") from err

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None,
              head_only: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _send_json(self, payload: Any, status: int = 200, headers: dict[str, str] | None = None,
                   content_type: str = "application/json") -> None:
        self._send(status, json.dumps(payload).encode(), content_type, headers, head_only=self.command == "HEAD")

    # -- routing -----------------------------------------------------------------------------
    def _route(self, method: str, segments: list[str]) -> None:
        if segments[:1] == ["api"]:
            rest = segments[1:]
            if rest == ["whoami-v2"] and method == "GET":
                return self._whoami()
            if rest == ["repos", "create"] and method == "POST":
                return self._create_repo()
            if rest == ["validate-yaml"] and method == "POST":
                return self._validate_yaml()
            if len(rest) >= 3 and rest[0] in REPO_TYPES:
                return self._repo_api(method, REPO_TYPES[rest[0]], rest[1:])
        elif segments[:2] == ["_loopback", "lfs"] and len(segments) >= 3:
            if method == "PUT" and len(segments) == 3:
                return self._lfs_upload(segments[2])
            if method == "POST" and segments[3:] == ["verify"]:
                return self._lfs_verify(segments[2])
        else:
            repo_type = "dataset" if segments[:1] == ["datasets"] else "space" if segments[:1] == ["spaces"] else "model"
            rest = segments[1:] if repo_type != "model" else segments
            if len(rest) == 6 and rest[1].endswith(".git") and rest[2:] == ["info", "lfs", "objects", "batch"]:
                return self._lfs_batch(repo_type, f"{rest[0]}/{rest[1][:-4]}") if method == "POST" else None
            if len(rest) >= 5 and rest[2] == "resolve" and method in ("GET", "HEAD"):
                return self._resolve(repo_type, f"{rest[0]}/{rest[1]}", unquote(rest[3]),
                                     unquote("/".join(rest[4:])))
        self.state.unhandled.append((method, urlsplit(self.path).path))
        raise HubError(404, f"loopback hub: no route for {method} {urlsplit(self.path).path}")

    def _repo_api(self, method: str, repo_type: str, rest: list[str]) -> None:
        repo_id, action = f"{rest[0]}/{rest[1]}", rest[2:]
        write = method in ("POST", "PUT", "DELETE") and action[:1] != ["paths-info"]
        repo = self._repo(repo_type, repo_id, write=write)
        verb, args = (action[0], action[1:]) if action else ("", [])
        if method == "GET" and verb == "":
            return self._repo_info(repo, "main")
        if method == "GET" and verb == "revision" and args:
            return self._repo_info(repo, unquote("/".join(args)))
        if method == "GET" and verb == "tree" and args:
            return self._tree(repo, unquote(args[0]), unquote("/".join(args[1:])))
        if method == "POST" and verb == "paths-info" and len(args) == 1:
            return self._paths_info(repo, unquote(args[0]))
        if method == "POST" and verb == "preupload" and len(args) == 1:
            return self._preupload(repo, unquote(args[0]))
        if method == "POST" and verb == "commit" and len(args) == 1:
            return self._commit(repo, unquote(args[0]))
        if method == "POST" and verb == "branch" and args:
            return self._create_branch(repo, unquote("/".join(args)))
        if method == "GET" and verb == "refs":
            return self._refs(repo)
        if method == "GET" and verb == "commits" and args:
            return self._commits(repo, unquote("/".join(args)))
        self.state.unhandled.append((method, urlsplit(self.path).path))
        raise HubError(404, f"loopback hub: no route for {method} {urlsplit(self.path).path}")

    def _repo(self, repo_type: str, repo_id: str, write: bool = False) -> Repo:
        with self.state.lock:
            repo = self.state.repos.get((repo_type, repo_id))
        readable = repo is not None and (not repo.private or self.user == repo_id.split("/")[0])
        if not readable:
            # like the Hub: a private repo you cannot see looks exactly like a missing one
            raise HubError(401 if self.user is None else 404, "Repository not found", "RepoNotFound")
        if write and self._require_user() != repo_id.split("/")[0]:
            raise HubError(403, "You don't have the rights to write to this repository")
        return repo

    def _repo_url(self, repo: Repo) -> str:
        return f"{self.server.url}/{URL_PREFIX[repo.repo_type]}{repo.repo_id}"

    # -- endpoints ---------------------------------------------------------------------------
    def _whoami(self) -> None:
        user = self._require_user()
        self._send_json({
            "type": "user", "id": hashlib.sha1(user.encode()).hexdigest()[:24], "name": user,
            "fullname": user, "email": None, "emailVerified": True, "canPay": False, "isPro": False,
            "avatarUrl": "", "orgs": [],
            "auth": {"type": "access_token", "accessToken": {"displayName": "loopback", "role": "write",
                                                             "createdAt": _now()}},
        })

    def _create_repo(self) -> None:
        user = self._require_user()
        payload = self._json_body()
        name, namespace = payload.get("name"), payload.get("organization") or user
        repo_type = payload.get("type") or "model"
        if not name or not re.fullmatch(r"[\w.-]{1,96}", name) or repo_type not in URL_PREFIX:
            raise HubError(400, f"invalid repo name or type: {name!r}, {repo_type!r}")
        if namespace != user:
            raise HubError(403, f"You don't have the rights to create repos under '{namespace}'")
        repo_id = f"{namespace}/{name}"
        with self.state.lock:
            existing = self.state.repos.get((repo_type, repo_id))
            if existing is None:
                repo = self.state.create_repo(repo_type, repo_id, payload.get("visibility") == "private")
        if existing is not None:
            self._send_json({"error": "You already created this repo", "url": self._repo_url(existing)}, status=409)
            return
        self._send_json({"url": self._repo_url(repo), "name": repo_id, "id": repo_id})

    def _validate_yaml(self) -> None:
        content = self._json_body().get("content", "")
        match = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", content, re.DOTALL)
        try:
            metadata = yaml.safe_load(match.group(1)) if match else {}
        except yaml.YAMLError as err:
            self._send_json({"errors": [{"message": f"Invalid YAML: {err}"}], "warnings": []}, status=400)
            return
        if metadata is not None and not isinstance(metadata, dict):
            self._send_json({"errors": [{"message": "metadata must be a mapping"}], "warnings": []}, status=400)
            return
        self._send_json({"errors": [], "warnings": []})

    def _repo_info(self, repo: Repo, revision: str) -> None:
        with self.state.lock:
            commit = repo.resolve(revision)
            files = dict(commit.files)
        card = files.get("README.md")
        payload: dict[str, Any] = {
            "_id": hashlib.sha1(repo.repo_id.encode()).hexdigest()[:24], "id": repo.repo_id,
            "author": repo.repo_id.split("/")[0], "sha": commit.oid, "lastModified": commit.date,
            "createdAt": repo.created, "private": repo.private, "gated": False, "disabled": False,
            "downloads": 0, "likes": 0, "tags": [],
            "siblings": [{"rfilename": path} for path in sorted(files)],
            "usedStorage": sum(len(f.content) for f in files.values()),
        }
        if card is not None:
            metadata = _card_metadata(card.content.decode("utf-8", errors="replace"))
            if metadata:
                payload["cardData"] = metadata
        self._send_json(payload)

    def _entry(self, path: str, stored: StoredFile | None, commits: dict[str, Commit], expand: bool) -> dict:
        if stored is None:
            entry: dict[str, Any] = {"type": "directory", "oid": hashlib.sha1(path.encode()).hexdigest(),
                                     "size": 0, "path": path}
        else:
            entry = {"type": "file", "oid": stored.git_oid, "size": len(stored.content), "path": path}
            if stored.lfs:
                pointer = lfs_pointer(stored.sha256, len(stored.content))
                entry["lfs"] = {"oid": stored.sha256, "size": len(stored.content), "pointerSize": len(pointer)}
        if expand and stored is not None:
            commit = commits[stored.last_commit]
            entry["lastCommit"] = {"id": commit.oid, "title": commit.title, "date": commit.date}
        return entry

    def _tree(self, repo: Repo, revision: str, path: str) -> None:
        recursive = self.query.get("recursive", ["false"])[0].lower() == "true"
        expand = self.query.get("expand", ["false"])[0].lower() == "true"
        with self.state.lock:
            commit = repo.resolve(revision)
            files, commits = dict(commit.files), dict(repo.commits)
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        below = [p for p in files if p.startswith(prefix)]
        if prefix and not below:
            raise HubError(404, f"{path} does not exist on {revision}", "EntryNotFound")
        entries: dict[str, dict] = {}
        for file_path in below:
            relative = file_path[len(prefix):].split("/")
            depth = len(relative) if recursive else 1
            for level in range(1, min(depth, len(relative)) + 1):
                entry_path = prefix + "/".join(relative[:level])
                is_file = level == len(relative)
                if entry_path not in entries:
                    entries[entry_path] = self._entry(entry_path, files[file_path] if is_file else None, commits, expand)
        ordered = sorted(entries.values(), key=lambda e: (e["type"] != "directory", e["path"]))
        cursor = int(self.query.get("cursor", ["0"])[0])
        page = ordered[cursor:cursor + PAGE_SIZE]
        headers = {}
        if cursor + PAGE_SIZE < len(ordered):
            base = urlsplit(self.path)
            params = "&".join(f"{k}={quote(v[0])}" for k, v in self.query.items() if k != "cursor")
            headers["Link"] = f'<{self.server.url}{base.path}?{params}&cursor={cursor + PAGE_SIZE}>; rel="next"'
        self._send_json(page, headers=headers)

    def _paths_info(self, repo: Repo, revision: str) -> None:
        body = self._read_body().decode()
        form = parse_qs(body) if "json" not in self.headers.get("Content-Type", "") else json.loads(body)
        paths = form.get("paths", [])
        expand = str((form.get("expand") or ["false"])[0] if isinstance(form.get("expand"), list)
                     else form.get("expand")).lower() == "true"
        with self.state.lock:
            commit = repo.resolve(revision)
            files, commits = dict(commit.files), dict(repo.commits)
        out = []
        for path in paths:
            path = path.strip("/")
            if path in files:
                out.append(self._entry(path, files[path], commits, expand))
            elif any(p.startswith(path + "/") for p in files):
                out.append(self._entry(path, None, commits, expand))
        self._send_json(out)

    def _preupload(self, repo: Repo, revision: str) -> None:
        payload = self._json_body()
        with self.state.lock:
            files = dict(repo.resolve(revision).files)
        answers = []
        for item in payload.get("files", []):
            path, size = item["path"], int(item.get("size", 0))
            sample = base64.b64decode(item.get("sample", ""))
            # data files go to LFS: `datasets` deletes its temporary shard right after preupload,
            # so a "regular" answer would leave nothing to read at commit time
            lfs = path.lower().endswith(LFS_SUFFIXES) or b"\0" in sample or size > REGULAR_MAX_BYTES
            existing = files.get(path)
            remote_oid = None
            if existing is not None and existing.lfs == lfs:
                remote_oid = existing.sha256 if lfs else existing.git_oid
            answers.append({"path": path, "uploadMode": "lfs" if lfs else "regular",
                            "shouldIgnore": False, "oid": remote_oid})
        self._send_json({"files": answers})

    def _lfs_batch(self, repo_type: str, repo_id: str) -> None:
        self._repo(repo_type, repo_id, write=True)
        payload = self._json_body()
        if payload.get("operation") != "upload":
            raise HubError(400, "loopback hub: only the LFS upload operation is supported")
        objects = []
        for obj in payload.get("objects", []):
            oid, size = obj["oid"], int(obj["size"])
            answer: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
            with self.state.lock:
                present = oid in self.state.lfs_objects
            if not present:
                href = f"{self.server.url}/_loopback/lfs/{oid}"
                answer["actions"] = {"upload": {"href": href}, "verify": {"href": f"{href}/verify"}}
            objects.append(answer)
        self._send_json({"transfer": "basic", "objects": objects, "hash_algo": "sha256"},
                        content_type="application/vnd.git-lfs+json")

    def _lfs_upload(self, oid: str) -> None:
        content = self._read_body()
        if hashlib.sha256(content).hexdigest() != oid:
            raise HubError(400, "uploaded content does not match its sha256 oid")
        with self.state.lock:
            if oid not in self.state.lfs_objects:
                self.state.charge(len(content))
                self.state.lfs_objects[oid] = content
        self._send(200, b"", "text/plain", {"ETag": f'"{oid}"'})

    def _lfs_verify(self, oid: str) -> None:
        payload = self._json_body()
        with self.state.lock:
            content = self.state.lfs_objects.get(oid)
        if content is None or len(content) != int(payload.get("size", -1)):
            raise HubError(404, f"LFS object {oid} was not uploaded")
        self._send_json({"success": True})

    def _commit(self, repo: Repo, revision: str) -> None:
        if self.query.get("create_pr"):
            raise HubError(400, "loopback hub: pull requests are not supported")
        lines = [json.loads(line) for line in self._read_body().splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            raise HubError(400, "commit payload must start with a header line")
        header = lines[0]["value"]
        if self.state.commit_delay_s:
            time.sleep(self.state.commit_delay_s)
        if self.state.fail_commits_with is not None:
            raise HubError(self.state.fail_commits_with, "loopback hub: commit refused (simulated failure)")
        with self.state.lock:
            if revision not in repo.branches:
                raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
            head = repo.commits[repo.branches[revision]]
            if header.get("parentCommit") and header["parentCommit"] != head.oid:
                raise HubError(412, "A commit has happened since. Please refresh and try again.")
            files = dict(head.files)
            for line in lines[1:]:
                key, value = line["key"], line["value"]
                path = value["path"].strip("/")
                if key == "file":
                    content = base64.b64decode(value["content"])
                    self.state.charge(len(content))
                    files[path] = StoredFile(content, lfs=False, last_commit="")
                elif key == "lfsFile":
                    content = self.state.lfs_objects.get(value["oid"])
                    if content is None:
                        raise HubError(422, f"LFS object {value['oid']} for {path} was never uploaded")
                    files[path] = StoredFile(content, lfs=True, last_commit="")
                elif key == "deletedFile":
                    if files.pop(path, None) is None:
                        raise HubError(404, f"cannot delete {path}: no such file", "EntryNotFound")
                elif key == "deletedFolder":
                    files = {p: f for p, f in files.items() if not p.startswith(path + "/")}
                else:
                    raise HubError(400, f"unsupported commit operation {key!r}")
            commit = self.state.new_commit(repo, head, header.get("summary") or "commit",
                                           header.get("description") or "", files)
            repo.branches[revision] = commit.oid
        self._send_json({"success": True, "commitOid": commit.oid, "pullRequestUrl": None,
                         "commitUrl": f"{self._repo_url(repo)}/commit/{commit.oid}"})

    def _create_branch(self, repo: Repo, branch: str) -> None:
        payload = self._json_body()
        with self.state.lock:
            if branch in repo.branches:
                raise HubError(409, f"Branch {branch} already exists")
            start = repo.resolve(payload.get("startingPoint") or "main")
            repo.branches[branch] = start.oid
        self._send_json({})

    def _refs(self, repo: Repo) -> None:
        with self.state.lock:
            branches = [{"name": name, "ref": f"refs/heads/{name}", "targetCommit": oid}
                        for name, oid in repo.branches.items()]
        self._send_json({"branches": branches, "converts": [], "tags": []})

    def _commits(self, repo: Repo, revision: str) -> None:
        out = []
        with self.state.lock:
            commit: Commit | None = repo.resolve(revision)
            while commit is not None:
                out.append({"id": commit.oid, "title": commit.title, "message": commit.description,
                            "authors": [{"user": repo.repo_id.split("/")[0]}], "date": commit.date})
                commit = repo.commits.get(commit.parent) if commit.parent else None
        self._send_json(out)

    def _resolve(self, repo_type: str, repo_id: str, revision: str, path: str) -> None:
        repo = self._repo(repo_type, repo_id)
        with self.state.lock:
            commit = repo.resolve(revision)
            stored = commit.files.get(path)
        if stored is None:
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound")
        content, size = stored.content, len(stored.content)
        headers = {"X-Repo-Commit": commit.oid, "Accept-Ranges": "bytes",
                   "ETag": f'"{stored.sha256 if stored.lfs else stored.git_oid}"'}
        if stored.lfs:
            headers.update({"X-Linked-Etag": f'"{stored.sha256}"', "X-Linked-Size": str(size)})
        status, body = 200, content
        byte_range = self.headers.get("Range")
        if byte_range:
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", byte_range.strip())
            if not match or match.groups() == ("", ""):
                raise HubError(400, f"malformed Range header {byte_range!r}")
            first, last = match.groups()
            if first == "":
                start, end = max(size - int(last), 0), size - 1
            else:
                start, end = int(first), min(int(last), size - 1) if last else size - 1
            if start >= size or start > end:
                headers["Content-Range"] = f"bytes */{size}"
                self._send(416, b"", "text/plain", headers, head_only=self.command == "HEAD")
                return
            status, body = 206, content[start:end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        self._send(status, body, "application/octet-stream", headers, head_only=self.command == "HEAD")


def _card_metadata(text: str) -> dict | None:
    match = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", text, re.DOTALL)
    if not match:
        return None
    try:
        metadata = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None
    return metadata if isinstance(metadata, dict) else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: HubState
    url: str
    max_request_bytes: int


class LoopbackHub:
    """A Hub HTTP API on 127.0.0.1:<ephemeral port>; use as a context manager or call start/stop."""

    def __init__(self, user: str = "qabias-tester", token: str | None = None,
                 max_bytes: int = 256 * 1024 * 1024, max_request_bytes: int = 128 * 1024 * 1024):
        self.user = user
        self.token = token or f"hf_loopback_{secrets.token_hex(16)}"
        self.state = HubState({self.token: user}, max_bytes)
        self._max_request_bytes = max_request_bytes
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the loopback hub is not running")
        return self._server.url

    def start(self) -> "LoopbackHub":
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = self.state
        server.url = f"http://127.0.0.1:{server.server_address[1]}"
        server.max_request_bytes = self._max_request_bytes
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="loopback-hub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    def __enter__(self) -> "LoopbackHub":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def client_env(self, home: Path, token: bool = True) -> dict[str, str]:
        """Environment for a client process: endpoint, token (optional), no Xet, caches under ``home``."""
        env = {
            "HF_ENDPOINT": self.url,
            "HF_HUB_DISABLE_XET": "1",
            "HF_HOME": str(home / "hf_home"),
            "HF_DATASETS_CACHE": str(home / "hf_datasets"),
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
        if token:
            env["HF_TOKEN"] = self.token
        return env

    # -- inspection helpers for tests --------------------------------------------------------
    def files(self, repo_id: str, revision: str = "main", repo_type: str = "dataset") -> dict[str, bytes]:
        with self.state.lock:
            repo = self.state.repos[(repo_type, repo_id)]
            return {path: stored.content for path, stored in repo.resolve(revision).files.items()}

    def commit_count(self, repo_id: str, repo_type: str = "dataset") -> int:
        with self.state.lock:
            return len(self.state.repos[(repo_type, repo_id)].commits)


if __name__ == "__main__":
    with LoopbackHub() as hub:
        print(f"HF_ENDPOINT={hub.url} HF_TOKEN={hub.token} HF_HUB_DISABLE_XET=1", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
