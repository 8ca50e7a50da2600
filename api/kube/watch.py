"""Kubernetes watches: ``?watch=true`` on a list, as a stream of
newline-delimited JSON events.

Each line is ``{"type": "ADDED"|"MODIFIED"|"DELETED"|"BOOKMARK"|"ERROR",
"object": {...}}``. The stream starts after ``resourceVersion``; without one
(or with ``0``) it first sends an ADDED event for every object that matches
now, as kube-apiserver does. Selectors apply to the object before and after
each change, so an object that starts to match is ADDED and one that stops
matching is DELETED. A revision no longer kept in the log gives one ERROR
event carrying a 410 ``Expired`` Status, after which the client lists again.

``allowWatchBookmarks=true`` adds a BOOKMARK (the current revision, no
object) whenever the stream has been quiet for ``keepalive`` seconds: it tells
the client where to resume and shows the server whether the client is still
there. Without bookmarks nothing is written while nothing changes (a blank
line breaks some clients), so a client that left is noticed at the next event.
The stream opens with a single space, so that the status and headers go out
at once (a WSGI server sends them with the first non-empty chunk); JSON
readers skip whitespace before a value.

A watch holds a server thread: watches share the ``--max-watches`` slots with
the native event stream (more get 429 ``TooManyRequests`` with Retry-After).
Each ends after ``timeoutSeconds`` (default :data:`DEFAULT_TIMEOUT`), when the
client leaves, or at once when the server stops.
``sendInitialEvents`` is refused with 400: it needs the watch-list feature,
which is not served; clients then list and watch as usual.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import falcon

from actors.watch_log import Change, Expired, WatchLog
from api.kube.status import StatusError, status
from api.streams import ReleasingStream

DEFAULT_TIMEOUT = 1800.0  # seconds, as kube-apiserver's --min-request-timeout
KEEPALIVE_SECONDS = 5.0
MAX_TIMEOUT = 24 * 3600


def _line(kind: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"


class Watcher:
    """Opens watch streams over one log, within a shared number of slots."""

    def __init__(self, log: WatchLog, slots: threading.BoundedSemaphore, max_watches: int,
                 keepalive: float = KEEPALIVE_SECONDS) -> None:
        self.log = log
        self.slots = slots
        self.max_watches = max_watches
        self.keepalive = keepalive

    def respond(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        *,
        list_now: Callable[[], Iterable[dict[str, Any]]],
        relevant: Callable[[Change], bool],
        render: Callable[[Any], dict[str, Any]],
        matches: Callable[[dict[str, Any]], bool],
        bookmark_kind: tuple[str, str],
        present: Callable[[dict[str, Any]], dict[str, Any]] = lambda obj: obj,
    ) -> None:
        """Answer ``req`` with a watch stream. ``list_now`` gives the objects
        that exist (for the initial ADDED events), ``relevant`` says whether a
        change is of this collection, ``render`` turns a record into the
        object, ``matches`` applies the request's selectors, ``present`` gives
        what an event carries (the object, or a one-row Table for kubectl)."""
        if req.get_param("sendInitialEvents") is not None:
            raise StatusError(400, "sendInitialEvents is not served (the watch-list feature); list, then watch "
                              "from the list's resourceVersion", "BadRequest")
        try:
            timeout = float(req.get_param("timeoutSeconds") or DEFAULT_TIMEOUT)
        except ValueError:
            raise StatusError(400, "timeoutSeconds must be a number of seconds", "BadRequest") from None
        timeout = min(max(timeout, 0.0), MAX_TIMEOUT)
        given = req.get_param("resourceVersion")
        bookmarks = req.get_param("allowWatchBookmarks") == "true"
        initial: list[dict[str, Any]] = []
        if given in (None, "", "0"):
            start = self.log.revision
            initial = [obj for obj in list_now() if matches(obj)]
        else:
            try:
                start = int(given)
            except ValueError:
                raise StatusError(400, f"resourceVersion: '{given[:30]}' is not a version", "BadRequest") from None
        try:
            self.log.after(start)  # a version no longer kept is refused before the stream opens
        except Expired as exc:
            raise StatusError(410, str(exc), "Expired") from None
        if not self.slots.acquire(blocking=False):
            resp.set_header("Retry-After", "5")
            raise StatusError(429, f"{self.max_watches} watches are open, the most this server allows "
                              "(--max-watches); retry later", "TooManyRequests", retry_after=5)
        resp.content_type = "application/json"
        resp.set_header("Cache-Control", "no-cache")
        resp.stream = ReleasingStream(self._stream(initial, start, timeout, bookmarks, relevant, render, matches,
                                           bookmark_kind, present), self.slots.release)

    def _stream(self, initial, start, timeout, bookmarks, relevant, render, matches, bookmark_kind,
                present) -> Iterator[bytes]:
        # A WSGI server sends the status and headers with the first non-empty chunk of the body, and a
        # client waits for them: one space goes first, so they leave at once. JSON allows whitespace
        # before a value, and every client's reader skips it (a blank line would not be skipped).
        yield b" "
        for obj in initial:
            yield _line("ADDED", present(obj))
        seen = {(obj["metadata"].get("namespace", ""), obj["metadata"]["name"]): int(
            obj["metadata"]["resourceVersion"]) for obj in initial}
        cursor = start
        deadline = time.monotonic() + timeout
        while not self.log.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                changes = self.log.wait_after(cursor, min(left, self.keepalive))
            except Expired as exc:
                yield _line("ERROR", status(410, str(exc), "Expired"))
                return
            if self.log.closed:
                return
            if not changes:
                if bookmarks:
                    api_version, kind = bookmark_kind
                    yield _line("BOOKMARK", {"kind": kind, "apiVersion": api_version,
                                             "metadata": {"resourceVersion": str(cursor)}})
                continue
            for change in changes:
                cursor = change.revision
                if not relevant(change):
                    continue
                event = self._event(change, render, matches, seen)
                if event is not None:
                    yield _line(event[0], present(event[1]))

    @staticmethod
    def _event(change: Change, render, matches, seen: dict) -> tuple[str, dict[str, Any]] | None:
        """The event a change makes for this watch, if any: its type and object."""
        before = render(change.before) if change.before is not None else None
        after = render(change.after) if change.after is not None else None
        was = before is not None and matches(before)
        now = after is not None and matches(after)
        obj = after if after is not None else before
        if obj is None:  # what changed is not (or no longer) an object of this watch
            return None
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if key in seen:  # listed already at this version or later: the initial ADDED said it
            if change.revision <= seen.pop(key):
                return None
        if after is None:
            gone = {**before, "metadata": {**before["metadata"], "resourceVersion": str(change.revision)}}
            return ("DELETED", gone) if was else None
        if was and now:
            return "MODIFIED", after
        if now:
            return "ADDED", after
        if was:
            return "DELETED", after
        return None
