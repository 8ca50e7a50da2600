"""``GET /events``: list the event log, or watch it as Server-Sent Events.

A watch holds one server thread for as long as it is open, so at most
``max_watches`` may be open at once (more get 503 with Retry-After) and the
rest of the API keeps its threads. A watch ends when the client leaves (seen
at the next write: an event or the keep-alive comment every ``keepalive``
seconds, so a slot comes back at most that long after its client left) or
when the server stops (the feed closes).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import falcon

from actors.domain import namespaces
from actors.event_recorder import EventFeed, EventRecorderProxy, Expired
from api.native import serialize, validation
from api.streams import ReleasingStream
from api.params import bool_param

KINDS = ("node", "task", "deployment")
MAX_SEQ_DIGITS = 19
KEEPALIVE_SECONDS = 5.0  # also how soon the slot of a client that left comes back
RECONNECT_MS = 1000  # told to EventSource clients: reconnect a second after a drop (browsers wait 3 by default)


class Events:
    def __init__(
        self,
        recorder: EventRecorderProxy,
        feed: EventFeed,
        timeout: float,
        max_watches: int = 4,
        keepalive: float = KEEPALIVE_SECONDS,
        slots: threading.BoundedSemaphore | None = None,
    ) -> None:
        """``slots``: the watch slots, shared with the Kubernetes API's
        watches (``max_watches`` of them when not given)."""
        self.recorder = recorder
        self.feed = feed
        self.timeout = timeout
        self.keepalive = keepalive
        self.max_watches = max_watches
        self._slots = slots if slots is not None else threading.BoundedSemaphore(max_watches)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        since = req.get_param_as_int("since", min_value=0) or 0
        last_event_id = req.get_header("Last-Event-ID")
        if last_event_id is not None:
            # At most 19 digits: a seq is far below 10**19, and int() of over 4,300 digits raises.
            if not last_event_id.isascii() or not last_event_id.isdigit() or len(last_event_id) > MAX_SEQ_DIGITS:
                raise falcon.HTTPInvalidHeader("must be the seq of the last event seen", "Last-Event-ID")
            since = int(last_event_id)
        object_id = req.get_param("object")
        namespace = req.get_param("namespace")
        if namespace is not None:
            namespace = validation.valid_id(namespace, "namespace")
            if object_id is not None:  # a task's or deployment's name in another namespace
                object_id = namespaces.key(namespace, object_id)
        kind = req.get_param("kind")
        if kind is not None and kind not in KINDS:
            raise falcon.HTTPInvalidParam(f"must be one of {', '.join(KINDS)}", "kind")
        limit = req.get_param_as_int("limit", min_value=1, max_value=100_000)
        resp.set_header("X-Last-Seq", str(self.feed.seq))  # where a watch after this list starts
        if not bool_param(req, "watch", default=False):
            events = self.recorder.list(since, object_id, kind, limit).get(timeout=self.timeout)
            resp.media = [serialize.event(e) for e in events]
            return
        first, head = self.recorder.read(since, object_id, kind).get(timeout=self.timeout)  # 410 before 200
        if not self._slots.acquire(blocking=False):
            resp.set_header("Retry-After", "5")
            raise falcon.HTTPServiceUnavailable(
                title="Too many watches",
                description=f"{self.max_watches} watches are open, the most this server allows; retry later",
                retry_after=5,
            )
        resp.content_type = "text/event-stream"
        resp.set_header("Cache-Control", "no-cache")
        resp.set_header("X-Accel-Buffering", "no")
        resp.stream = ReleasingStream(self._watch(first, head, object_id, kind), self._slots.release)

    def _watch(self, first: list, head: int, object_id: str | None, kind: str | None) -> Iterator[bytes]:
        """The stream's frames; its slot comes back when waitress closes it."""
        yield b": watching\nretry: %d\n\n" % RECONNECT_MS
        events, cursor = first, head
        while True:
            for event in events:
                yield _frame(event)
            if self.feed.closed:
                return
            newest = self.feed.wait_after(cursor, self.keepalive)
            if self.feed.closed:
                return
            if newest <= cursor:
                yield b": keep-alive\n\n"
                events = []
                continue
            try:
                events, cursor = self.recorder.read(cursor, object_id, kind).get(timeout=self.timeout)
            except Expired as exc:  # this watcher fell too far behind
                yield f"event: error\ndata: {json.dumps({'status': 410, 'description': str(exc)})}\n\n".encode()
                return


def _frame(event) -> bytes:
    data = json.dumps(serialize.event(event), separators=(",", ":"))
    return f"id: {event.seq}\ndata: {data}\n\n".encode()
