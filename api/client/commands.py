"""kubectl-style commands against a running server: get, describe, apply,
delete, cordon, uncordon, scale.

Each command returns the process exit code; output goes to stdout, errors to
stderr as ``Error from server (Title): description`` or ``error: ...``.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import sys
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any, TextIO

import yaml

from api.client import normalize, tables

DEFAULT_SERVER = "http://127.0.0.1:8080"
APPLY_KINDS = {"Node": "node", "Task": "task", "Deployment": "deployment"}
# What `apply` may change on an object that exists, by kind.
MUTABLE = {"node": ("healthy", "schedulable", "labels"), "task": (), "deployment": ("replicas", "template")}


# How long `get -w` goes on while the objects its events name cannot be
# fetched (a stopping server's stream ends well within it).
FETCH_GRACE_SECONDS = 10.0
_clock = time.monotonic

# How a kept-alive connection that the server has since closed fails.
_STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class CommandError(Exception):
    """A failure to report on stderr; the command exits 1."""


class Unreachable(CommandError):
    """No answer from the server: refused, reset or closed."""


def default_server() -> str:
    return os.environ.get("ORCHESTRATOR_URL", DEFAULT_SERVER)


class Api:
    """A keep-alive connection to the server speaking JSON."""

    def __init__(self, server: str, timeout: float = 30.0, token: str | None = None) -> None:
        self.server = server.rstrip("/")
        self._auth = {"Authorization": f"Bearer {token}"} if token else {}
        parts = urllib.parse.urlsplit(self.server)
        if parts.scheme != "http" or not parts.hostname:
            raise CommandError(f"error: --server must be an http:// URL, not '{server}'")
        self._host, self._port, self._timeout = parts.hostname, parts.port or 80, timeout
        self._conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any, http.client.HTTPMessage]:
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        # A GET is sent again, once, on a new connection when the kept-alive
        # one turns out closed: the server closes connections idle for a
        # minute, which a `get -w` fetching each changed object outlives.
        attempts = 2 if method == "GET" else 1
        for attempt in range(attempts):
            try:
                self._conn.request(method, path, body=payload, headers={**headers, **self._auth})
                response = self._conn.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self._conn.close()
                if not isinstance(exc, _STALE_CONNECTION) or attempt == attempts - 1:
                    raise Unreachable(f"error: cannot reach the server at {self.server}: {exc}") from None
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return response.status, parsed, response.headers

    def call(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200, 201, 204)) -> Any:
        status, data, _ = self.request(method, path, body)
        if status not in ok:
            if isinstance(data, dict) and "title" in data:
                raise CommandError(f"Error from server ({data['title']}): {data.get('description', '')}")
            raise CommandError(f"Error from server: HTTP {status}")
        return data

    def exists(self, path: str) -> dict[str, Any] | None:
        data = self.call("GET", path, ok=(200, 404))
        return data if isinstance(data, dict) and "id" in data else None

    def last_event_seq(self) -> int:
        status, _, headers = self.request("GET", "/events?limit=1")
        if status != 200:
            raise CommandError(f"Error from server: HTTP {status} for /events")
        return int(headers.get("X-Last-Seq", "0"))

    def watch(self, since: int, kind: str) -> Iterator[dict[str, Any]]:
        """Events after ``since`` of one kind, as they happen (Server-Sent Events)."""
        conn = http.client.HTTPConnection(self._host, self._port, timeout=None)
        try:
            conn.request("GET", f"/events?watch=true&kind={kind}&since={since}", headers=self._auth)
            response = conn.getresponse()
            if response.status != 200:
                data = json.loads(response.read() or b"{}")
                raise CommandError(f"Error from server ({data.get('title', response.status)}): {data.get('description', '')}")
            for raw in response:
                line = raw.decode().rstrip("\n")
                if line.startswith("data: "):
                    yield json.loads(line[len("data: "):])
        except (OSError, http.client.HTTPException) as exc:
            raise CommandError(f"error: the watch on {self.server} ended: {exc}") from None
        finally:
            conn.close()

    def close(self) -> None:
        self._conn.close()


def _kind(word: str) -> str:
    kind = tables.ALIASES.get(word.lower())
    if kind is None:
        raise CommandError(f"error: unknown resource type '{word}'; use nodes, tasks or deployments")
    return kind


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _dump(objects: Any, output: str, out: TextIO) -> None:
    if output == "json":
        out.write(json.dumps(objects, indent=2) + "\n")
    else:
        out.write(yaml.safe_dump(objects, sort_keys=False))


def get(api: Api, kind_word: str, names: list[str], output: str | None, watch: bool, out: TextIO) -> int:
    kind = _kind(kind_word)
    path = tables.KINDS[kind][0]
    # The informer pattern: note where the event log is, list, then watch
    # from that point, so nothing that happens in between is missed.
    since = api.last_event_seq() if watch else 0
    if names:
        objects = [api.call("GET", f"/{path}/{urllib.parse.quote(name)}") for name in names]
    else:
        objects = api.call("GET", f"/{path}")
    if output in ("json", "yaml"):
        _dump(objects[0] if len(names) == 1 else objects, output, out)
    elif objects:
        out.write(tables.table(kind, objects, _now(), wide=output == "wide") + "\n")
    else:
        out.write(f"No {path} found.\n")
    out.flush()
    if not watch:
        return 0
    wanted = set(names)
    failing_since: float | None = None
    for event in api.watch(since, kind):
        if wanted and event["object"] not in wanted:
            continue
        try:
            obj = api.exists(f"/{path}/{urllib.parse.quote(event['object'])}")
        except Unreachable:
            # A server that is stopping refuses fetches a moment before its
            # stream ends, the usual end of a watch (exit 0), and events
            # already on their way still arrive. Fetches failing for longer
            # than that while the stream goes on are an error.
            failing_since = _clock() if failing_since is None else failing_since
            if _clock() - failing_since > FETCH_GRACE_SECONDS:
                raise
            continue
        failing_since = None
        if obj is None:
            out.write(f"{event['object']}   Deleted\n")
        elif output in ("json", "yaml"):
            _dump(obj, output, out)
        else:
            out.write(tables.table(kind, [obj], _now(), wide=output == "wide", headers=False) + "\n")
        out.flush()
    return 0


def describe(api: Api, kind_word: str, name: str, out: TextIO) -> int:
    kind = _kind(kind_word)
    path = tables.KINDS[kind][0]
    obj = api.call("GET", f"/{path}/{urllib.parse.quote(name)}")
    query = urllib.parse.urlencode({"object": name, "kind": kind})
    events = api.call("GET", f"/events?{query}")[-20:]
    out.write(tables.describe(kind, obj, events, _now()) + "\n")
    return 0


def explain(api: Api, name: str, limit: int, node: str | None, out: TextIO) -> int:
    """``GET /tasks/NAME/placement`` as text: the decision, the filters'
    counts, the best nodes with each score's part, the rejected nodes."""
    params = {"limit": min(limit, 500)} | ({"node": node} if node else {})
    shown = api.call("GET", f"/tasks/{urllib.parse.quote(name)}/placement?{urllib.parse.urlencode(params)}")
    out.write(tables.explanation(shown) + "\n")
    return 0


def load_documents(text: str, source: str) -> list[dict[str, Any]]:
    """A YAML (or JSON) stream of objects, each with a ``kind``."""
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise CommandError(f"error: {source} is not valid YAML or JSON: {exc}") from None
    flat: list[dict[str, Any]] = []
    for document in documents:
        items = document if isinstance(document, list) else [document]
        for item in items:
            if not isinstance(item, dict) or item.get("kind") not in APPLY_KINDS:
                raise CommandError(
                    f"error: {source}: every document needs 'kind: Node', 'kind: Task' or 'kind: Deployment'"
                )
            flat.append(item)
    return flat


def apply(api: Api, filename: str, out: TextIO, err: TextIO) -> int:
    if filename == "-":
        text, source = sys.stdin.read(), "standard input"
    else:
        try:
            with open(filename, encoding="utf-8") as f:
                text, source = f.read(), filename
        except OSError as exc:
            raise CommandError(f"error: cannot read {filename}: {exc.strerror}") from None
    failed = 0
    for document in load_documents(text, source):
        kind = APPLY_KINDS[document["kind"]]
        body = {k: v for k, v in document.items() if k != "kind"}
        try:
            out.write(_apply_one(api, kind, body) + "\n")
        except CommandError as exc:
            err.write(f"{exc}\n")
            failed += 1
    return 1 if failed else 0


def _apply_one(api: Api, kind: str, body: dict[str, Any]) -> str:
    path = tables.KINDS[kind][0]
    name = body.get("id")
    current = api.exists(f"/{path}/{urllib.parse.quote(str(name))}") if isinstance(name, str) and name else None
    if current is None:
        later = {k: body.pop(k) for k in ("healthy", "schedulable") if kind == "node" and k in body}
        created = api.call("POST", f"/{path}", body)
        if later:  # registration takes no state: set it right after
            api.call("PUT", f"/{path}/{urllib.parse.quote(created['id'])}", later)
        return f"{kind}/{created['id']} created"
    fixed = _fixed_changes(kind, body, current)
    if fixed:
        raise CommandError(
            f"error: {kind}/{name}: {', '.join(fixed)} cannot change on an existing {kind}; "
            "delete it and apply again"
        )
    normal = _normalized(kind, body)
    changes = {k: v for k, v in body.items() if k in MUTABLE[kind] and current.get(k) != normal.get(k, v)}
    if not changes:
        return f"{kind}/{name} unchanged"
    api.call("PUT", f"/{path}/{urllib.parse.quote(name)}", changes)
    return f"{kind}/{name} configured"


def _normalized(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The mutable fields as the server would store them ("100m" -> 100)."""
    if kind != "deployment":
        return {}
    try:
        spec = normalize.deployment(body)
    except normalize.Invalid as exc:
        raise CommandError(f"error: deployment/{body.get('id')}: {exc}") from None
    return {"replicas": spec["replicas"], "template": spec["template"]}


def _fixed_changes(kind: str, body: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Fields that differ from the stored object but may not change. The
    document is read with the server's rules (:mod:`api.client.normalize`),
    so "500m" equals 500."""
    try:
        if kind == "node":
            spec = normalize.node({k: v for k, v in body.items() if k not in ("healthy", "schedulable")})
            wanted = {"capacity": spec["capacity"], "simulated": spec["simulated"]}
        elif kind == "task":
            spec = normalize.task(body)
            wanted = {
                "name": spec["name"] or current["name"],
                "resources": spec["resources"],
                "node_selector": spec["node_selector"],
                "duration": spec["duration"],
                "outcome": spec["outcome"],
            }
        else:
            return []
    except normalize.Invalid as exc:
        raise CommandError(f"error: {kind}/{body.get('id')}: {exc}") from None
    return sorted(k for k, v in wanted.items() if (k in body or k == "capacity" and "capacity" in body) and current.get(k) != v)


def delete(api: Api, kind_word: str, names: list[str], out: TextIO) -> int:
    kind = _kind(kind_word)
    path = tables.KINDS[kind][0]
    for name in names:
        api.call("DELETE", f"/{path}/{urllib.parse.quote(name)}")
        out.write(f'{kind} "{name}" deleted\n')
    return 0


def cordon(api: Api, node: str, schedulable: bool, out: TextIO) -> int:
    api.call("PUT", f"/nodes/{urllib.parse.quote(node)}", {"schedulable": schedulable})
    out.write(f"node/{node} {'uncordoned' if schedulable else 'cordoned'}\n")
    return 0


def scale(api: Api, kind_word: str, name: str, replicas: int, out: TextIO) -> int:
    if _kind(kind_word) != "deployment":
        raise CommandError("error: only deployments can be scaled")
    api.call("PUT", f"/deployments/{urllib.parse.quote(name)}", {"replicas": replicas})
    out.write(f"deployment/{name} scaled\n")
    return 0
