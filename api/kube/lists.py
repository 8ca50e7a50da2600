"""What every Kubernetes collection shares: label and field selectors,
``limit``/``continue`` pages rendered a page at a time, Tables for kubectl,
single objects, and ``?watch=true`` handed to the :class:`~api.kube.watch.Watcher`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gc
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import falcon

from actors.domain import namespaces
from actors.domain.errors import NotFound
from api.kube import objects, selectors, tables
from api.kube.status import StatusError
from api.kube.watch import Watcher

MAX_LIMIT = 100_000
PAUSE_FROM = 1000  # objects in a list from which its rendering pauses the collector
_PAUSED = [0]  # renderings under way with the garbage collector paused
_PAUSE_LOCK = threading.Lock()


@contextlib.contextmanager
def collector_paused() -> Any:
    """No garbage collection while a big list is rendered: each of its
    100,000 rows allocates a few dicts, which sets off the collector's full
    passes over the whole heap (every stored record) again and again; paused,
    a Table of 100,000 pods takes 0.6 s instead of 2 s. Only the rendering
    of a list of PAUSE_FROM objects or more is paused (no waiting on the
    datastore inside). Counted, so the collector comes back when the last
    rendering under way ends; the rows are freed by reference counting as
    usual meanwhile."""
    with _PAUSE_LOCK:
        _PAUSED[0] += 1
        if _PAUSED[0] == 1:
            was_enabled = gc.isenabled()
            gc.disable()
            _PAUSED.append(was_enabled)
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _PAUSED[0] -= 1
            if _PAUSED[0] == 0 and _PAUSED.pop():
                gc.enable()


class NamespaceIndex:
    """Which namespaces exist: the four built in, and those a user made
    (kept by the object manager as ``namespaces/NAME``)."""

    def __init__(self, manager: Any = None, timeout: float = 10.0) -> None:
        self.manager = manager
        self.timeout = timeout

    def exists(self, namespace: str) -> bool:
        if namespace in objects.BUILTIN_NAMESPACES:
            return True
        if self.manager is None:
            return False
        try:
            self.manager.get(f"namespaces/{namespace}").get(timeout=self.timeout)
        except NotFound:
            return False
        return True

    def check(self, namespace: str) -> None:
        if not self.exists(namespace):
            raise StatusError(404, f'namespaces "{namespace}" not found', "NotFound", name=namespace,
                              kind="namespaces")


BUILT_IN_ONLY = NamespaceIndex()


class Lister:
    """What every collection shares: selectors, pages and tables."""

    resource: str
    kind: str
    fields: frozenset[str]
    fields_of: Callable[[Mapping[str, Any]], dict[str, str]]

    api_version = "v1"
    namespaces: NamespaceIndex = BUILT_IN_ONLY  # api.kube.add_routes gives each resource the app's own
    clock: Callable[[], float] = staticmethod(time.time)  # api.kube.add_routes gives the control plane's
    record_type: type | None = None  # the stored record a watch follows (None: nothing changes)
    render: Callable[[Any], dict[str, Any]]

    def __init__(self, revision: Callable[[], int], timeout: float, watcher: Watcher) -> None:
        self.revision = revision
        self.timeout = timeout
        self.watcher = watcher

    def check_namespace(self, namespace: str) -> None:
        """404 unless the namespace exists."""
        self.namespaces.check(namespace)

    def in_scope(self, obj: Mapping[str, Any], namespace: str | None) -> bool:
        return namespace is None or obj["metadata"].get("namespace") == namespace

    def watch_relevant(self, change: Any) -> bool:
        """Whether a stored change is one of this collection's (a watch's filter)."""
        record = change.after if change.after is not None else change.before
        return type(record) is self.record_type

    def watch_render(self, record: Any) -> dict[str, Any] | None:
        """The object a changed record is, as a watch shows it (None: none)."""
        return self.render_record(record)

    def respond_one(self, req: falcon.Request, resp: falcon.Response, obj: dict[str, Any]) -> None:
        """One object, or a one-row Table when the client asks for one
        (``kubectl get pod NAME``)."""
        if tables.wants_table(req.get_header("Accept")):
            resp.media = tables.table(self.resource, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]},
                                      now=self.clock())
            return
        resp.media = obj

    def describe(self, record: Any) -> tuple[str, Mapping[str, str], Mapping[str, str]]:
        """A stored record's key (what a continue token holds: its id,
        ``NAMESPACE/NAME`` outside ``default``), labels and selectable
        fields, without rendering the whole object."""
        obj = self.render_record(record)
        meta = obj["metadata"]
        key = namespaces.key(meta["namespace"], meta["name"]) if "namespace" in meta else meta["name"]
        return key, meta.get("labels") or {}, type(self).fields_of(obj)

    def render_record(self, record: Any) -> dict[str, Any]:
        return type(self).render(record)

    def table_rows(self, records: list) -> list[tuple[list[Any], dict[str, Any]]] | None:
        """Table rows made straight from the records, where a kind can do
        that cheaper than rendering each object (None: render them)."""
        return None

    def respond_list(self, req: falcon.Request, resp: falcon.Response, records: Callable[[], list],
                     namespace: str | None = None,
                     page: Callable[[int | None, str | None], tuple[list, bool]] | None = None) -> None:
        """A list (or a Table) of the ``records()`` the request's selectors
        choose, a page at a time; with ``?watch=true``, a watch stream instead.
        ``records()`` and ``page`` are already the request's ``namespace``'s
        (all namespaces' when None); a watch filters by it.

        Only the page is rendered. ``page(limit, after)`` (the store's own
        paging, in its order) serves a list without selectors in O(page): so
        ``kubectl get pods -A``, which asks 500 at a time, costs each request
        its page, not the whole list."""
        try:
            by_label = selectors.label_selector(req.get_param("labelSelector"))
            by_field = selectors.field_selector(req.get_param("fieldSelector"), self.fields)
        except selectors.SelectorError as exc:
            raise StatusError(400, f"unable to parse requirement: {exc}", "BadRequest") from None
        render = self.render_record
        if req.get_param("watch") in ("true", "1"):
            def matches(item: Mapping[str, Any]) -> bool:
                return (self.in_scope(item, namespace)
                        and (by_label is None or by_label(item["metadata"].get("labels") or {}))
                        and (by_field is None or by_field(type(self).fields_of(item))))

            self.watcher.respond(
                req, resp, list_now=lambda: [render(r) for r in records()], render=self.watch_render,
                matches=matches, relevant=self.watch_relevant, bookmark_kind=(self.api_version, self.kind),
                present=(lambda obj: tables.table(self.resource, [obj], {
                    "resourceVersion": obj["metadata"]["resourceVersion"]}, now=self.clock()))
                if tables.wants_table(req.get_header("Accept")) else (lambda obj: obj),
            )
            return
        limit, after = self._page_params(req)
        wants_table = tables.wants_table(req.get_header("Accept"))
        if wants_table:
            # kubectl get: the whole list at once. The API conventions let a server "choose not to support
            # the limit argument and return all of the available results", and kubectl holds itself to 5
            # requests a second: 200 pages of 500 cost it 40 s, one answer 2 s.
            limit = None
        self._respond_page(req, resp, records, page, by_label, by_field, limit, after, wants_table)

    def _respond_page(self, req: falcon.Request, resp: falcon.Response, records: Callable[[], list],
                      page: Callable[[int | None, str | None], tuple[list, bool]] | None, by_label: Any,
                      by_field: Any, limit: int | None, after: str | None, wants_table: bool) -> None:
        render = self.render_record
        revision = str(self.revision())
        if page is not None and by_label is None and by_field is None:
            found, more = page(limit, after)
        else:
            chosen = []
            for record in records():
                key, labels, fields = self.describe(record)
                if (by_label is None or by_label(labels)) and (by_field is None or by_field(fields)):
                    chosen.append((key, record))
            start = 0
            if after is not None:
                start = next((i + 1 for i, (key, _) in enumerate(chosen) if key == after), None)
                if start is None:
                    raise expired_token(after)
            end = start + limit if limit else len(chosen)
            found = [record for _, record in chosen[start:end]]
            more = end < len(chosen)
        meta: dict[str, Any] = {"resourceVersion": revision}
        if more and found:
            meta["continue"] = base64.urlsafe_b64encode(json.dumps([self.describe(found[-1])[0]]).encode()).decode()
        with collector_paused() if len(found) >= PAUSE_FROM else contextlib.nullcontext():  # rendering only
            if wants_table:
                rows = self.table_rows(found)
                resp.media = tables.table(self.resource, [render(r) for r in found] if rows is None else [], meta,
                                          rows, now=self.clock())
                return
            objs = [render(r) for r in found]
        resp.media = {"kind": f"{self.kind}List", "apiVersion": self.api_version, "metadata": meta, "items": objs}

    @staticmethod
    def _page_params(req: falcon.Request) -> tuple[int | None, str | None]:
        """``limit`` and ``continue``. The token holds the key of the last
        object given, so the next page starts after it in the store's order
        (creation order for pods, names for the rest); unlike
        kube-apiserver's, it does not pin the list's version, and a token
        whose object has since been deleted is 410 ``Expired``: list again."""
        text = req.get_param("limit")
        try:
            limit = int(text) if text else None
        except ValueError:
            raise StatusError(400, "limit must be a whole number", "BadRequest") from None
        if limit is not None and limit <= 0:
            limit = None
        if limit is not None:
            limit = min(limit, MAX_LIMIT)
        token = req.get_param("continue")
        after = None
        if token:
            try:
                (after,) = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
                after = str(after)
            except (ValueError, binascii.Error, TypeError, UnicodeDecodeError):
                raise StatusError(400, "the continue token is not one this server gave", "BadRequest") from None
        return limit, after


def expired_token(after: str) -> StatusError:
    return StatusError(410, f"the continue token's object ({after[:80]}) is gone; list again from the start",
                       "Expired")



class Managed(Lister):
    """A collection over one of the managers: asks it with the request's
    timeout, and waits for what it wrote to be durable before answering."""

    def __init__(self, manager: Any, revision: Callable[[], int], timeout: float, watcher: Watcher,
                 durable: Callable[[int, float], None]) -> None:
        super().__init__(revision, timeout, watcher)
        self.manager = manager
        self.durable = durable

    def ask(self, future: Any) -> Any:
        return future.get(timeout=self.timeout)
