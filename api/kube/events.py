"""``v1`` Events: the event log (:mod:`actors.event_recorder`) seen as
Kubernetes events, read-only (get, list, watch).

Each event of ours is one Kubernetes Event: ``involvedObject`` names the pod,
node or deployment (with its ``uid``, looked up when the object still exists,
so that ``kubectl describe`` finds its events), ``reason`` and ``message`` are
ours, ``type`` is ``Warning`` for FailedScheduling, Unhealthy and Failed and
``Normal`` otherwise, ``count`` is 1, both timestamps are the event's time and
``source.component`` is the part of the control plane that acted. An event's
``resourceVersion`` is its sequence number, and a list's is the last one:
events are numbered apart from the store's revisions, so a watch of events
resumes from an event's number, like the native event stream.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import falcon

from actors.domain import namespaces
from actors.domain.errors import NotFound
from actors.event_recorder import EventFeed, Expired
from api.kube import objects, tables
from api.kube.lists import BUILT_IN_ONLY, NamespaceIndex
from api.kube.selectors import SelectorError, field_selector, label_selector
from api.kube.status import StatusError, status
from api.kube.watch import DEFAULT_TIMEOUT, MAX_TIMEOUT, Watcher, _line
from api.streams import ReleasingStream

WARNINGS = frozenset({"FailedScheduling", "Unhealthy", "Failed"})
SOURCES = {"Scheduled": "default-scheduler", "FailedScheduling": "default-scheduler", "Started": "kubelet",
           "Succeeded": "kubelet", "Failed": "kubelet", "Rescheduled": "node-controller"}
KINDS = {"task": ("Pod", "v1"), "node": ("Node", "v1"), "deployment": ("Deployment", "apps/v1")}
FIELDS = frozenset({
    "metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.name",
    "involvedObject.namespace", "involvedObject.uid", "involvedObject.apiVersion", "reason", "type", "source",
})


def event_name(e: Any) -> str:
    return f"{namespaces.name_of(e.object)}.{e.seq:016x}"


def event(e: Any, uid: str | None) -> dict[str, Any]:
    """An event in its object's namespace (a node's in ``default``, as
    kube-apiserver keeps them)."""
    kind, api_version = KINDS[e.kind]
    name = event_name(e)
    when = objects.timestamp(e.time)
    namespace, object_name = namespaces.split(e.object) if kind != "Node" else (namespaces.DEFAULT, e.object)
    involved = {"kind": kind, "name": object_name, "apiVersion": api_version}
    if kind != "Node":
        involved["namespace"] = namespace
    if uid is not None:
        involved["uid"] = uid
    component = SOURCES.get(e.reason, "node-controller" if kind == "Node" else
                            "deployment-controller" if kind == "Deployment" else "orchestrator")
    return {
        "kind": "Event", "apiVersion": "v1",
        "metadata": {"name": name, "namespace": namespace, "uid": objects.uid("event", name, e.time),
                     "resourceVersion": str(e.seq), "creationTimestamp": when},
        "involvedObject": involved, "reason": e.reason, "message": e.message,
        "type": "Warning" if e.reason in WARNINGS else "Normal",
        "count": 1, "firstTimestamp": when, "lastTimestamp": when, "eventTime": None,
        "source": {"component": component},
        "reportingComponent": component, "reportingInstance": "",
    }


def _fields(obj: Mapping[str, Any]) -> dict[str, str]:
    involved = obj["involvedObject"]
    return {
        "metadata.name": obj["metadata"]["name"], "metadata.namespace": obj["metadata"]["namespace"],
        "involvedObject.kind": involved["kind"], "involvedObject.name": involved["name"],
        "involvedObject.namespace": involved.get("namespace", ""), "involvedObject.uid": involved.get("uid", ""),
        "involvedObject.apiVersion": involved["apiVersion"], "reason": obj["reason"], "type": obj["type"],
        "source": obj["source"]["component"],
    }


class Events:
    """``/api/v1/events`` and ``/api/v1/namespaces/{namespace}/events[/{name}]``."""

    namespaces: NamespaceIndex = BUILT_IN_ONLY
    clock: Callable[[], float] = staticmethod(time.time)

    def check_namespace(self, namespace: str) -> None:
        self.namespaces.check(namespace)

    def __init__(self, recorder: Any, feed: EventFeed, managers: Mapping[str, Any], timeout: float,
                 watcher: Watcher) -> None:
        self.recorder = recorder
        self.feed = feed
        self.managers = managers  # kind ("task", "node", "deployment") -> its manager, to find uids
        self.timeout = timeout
        self.watcher = watcher

    def _uids(self, found: list) -> Callable[[Any], str | None]:
        """The uid of each event's object, where it still exists."""
        known: dict[tuple[str, str], str | None] = {}
        for e in found:
            key = (e.kind, e.object)
            if key in known:
                continue
            try:
                record = self.managers[e.kind].get(e.object).get(timeout=self.timeout)
                known[key] = objects.uid({"task": "pod"}.get(e.kind, e.kind), e.object, record.created_at)
            except NotFound:
                known[key] = None
        return lambda e: known[(e.kind, e.object)]

    def _render(self, found: list) -> list[dict[str, Any]]:
        uid = self._uids(found)
        return [event(e, uid(e)) for e in found]

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        if namespace is not None:
            self.check_namespace(namespace)
        try:
            by_label = label_selector(req.get_param("labelSelector"))
            by_field = field_selector(req.get_param("fieldSelector"), FIELDS)
        except SelectorError as exc:
            raise StatusError(400, f"unable to parse requirement: {exc}", "BadRequest") from None

        def matches(obj: Mapping[str, Any]) -> bool:
            return ((namespace is None or obj["metadata"]["namespace"] == namespace)
                    and (by_label is None or by_label({})) and (by_field is None or by_field(_fields(obj))))

        given = req.get_param("resourceVersion")
        if req.get_param("watch") in ("true", "1"):
            self._watch(req, resp, given, matches)
            return
        found, head = self.recorder.read(0).get(timeout=self.timeout)
        items = [obj for obj in self._render(found) if matches(obj)]
        meta = {"resourceVersion": str(head)}
        if tables.wants_table(req.get_header("Accept")):
            resp.media = tables.table("events", items, meta, now=self.clock())
            return
        resp.media = {"kind": "EventList", "apiVersion": "v1", "metadata": meta, "items": items}

    def on_get_one(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self.check_namespace(namespace)
        found, _ = self.recorder.read(0).get(timeout=self.timeout)
        for obj in self._render([e for e in found if event_name(e) == name]):
            if obj["metadata"]["namespace"] == namespace:
                resp.media = obj
                return
        raise StatusError(404, f'events "{name}" not found', "NotFound", name=name, kind="events")

    def _watch(self, req: falcon.Request, resp: falcon.Response, given: str | None,
               matches: Callable[[Mapping[str, Any]], bool]) -> None:
        if req.get_param("sendInitialEvents") is not None:
            raise StatusError(400, "sendInitialEvents is not served; list, then watch from the list's "
                              "resourceVersion", "BadRequest")
        try:
            since = int(given) if given not in (None, "", "0") else None
            first, head = self.recorder.read(since or 0).get(timeout=self.timeout)
        except ValueError:
            raise StatusError(400, "resourceVersion must be an event's number", "BadRequest") from None
        except Expired as exc:
            raise StatusError(410, str(exc), "Expired") from None
        if not self.watcher.slots.acquire(blocking=False):
            resp.set_header("Retry-After", "5")
            raise StatusError(429, f"{self.watcher.max_watches} watches are open, the most this server allows "
                              "(--max-watches); retry later", "TooManyRequests", retry_after=5)
        try:
            timeout = min(max(float(req.get_param("timeoutSeconds") or DEFAULT_TIMEOUT), 0.0), MAX_TIMEOUT)
        except ValueError:
            raise StatusError(400, "timeoutSeconds must be a number of seconds", "BadRequest") from None
        table = tables.wants_table(req.get_header("Accept"))
        present = (lambda obj: tables.table("events", [obj], {"resourceVersion": obj["metadata"][
            "resourceVersion"]}, now=self.clock())) if table else (lambda obj: obj)
        resp.content_type = "application/json"
        resp.stream = ReleasingStream(self._stream(first, head, matches, present, time.monotonic() + timeout),
                              self.watcher.slots.release)

    def _stream(self, first: list, cursor: int, matches, present, deadline: float) -> Iterator[bytes]:
        yield b" "  # the headers leave with it (see api.kube.watch)
        events = first
        while time.monotonic() < deadline:
            for obj in self._render(events):
                if matches(obj):
                    yield _line("ADDED", present(obj))
            if self.feed.closed:
                return
            newest = self.feed.wait_after(cursor, max(0.0, min(self.watcher.keepalive, deadline - time.monotonic())))
            if self.feed.closed:
                return
            if newest <= cursor:
                events = []
                continue
            try:
                events, cursor = self.recorder.read(cursor).get(timeout=self.timeout)
            except Expired as exc:
                yield _line("ERROR", status(410, str(exc), "Expired"))
                return
