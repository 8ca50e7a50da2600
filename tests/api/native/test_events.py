"""The watch stream's frames, on a fake feed that says when time is up
(watches over real HTTP are in tests/e2e/test_events.py)."""

from __future__ import annotations

import falcon
import falcon.testing
import pykka

from api.native.events import KEEPALIVE_SECONDS, Events


class IdleFeed:
    """An event feed where nothing happens: each wait runs out its timeout
    at once, and the feed closes after ``waits`` of them (so that the
    in-process client, which reads the whole body, gets an end)."""

    def __init__(self, waits: int) -> None:
        self.seq = 0
        self.closed = False
        self.timeouts: list[float] = []
        self._waits = waits

    def wait_after(self, seq: int, timeout: float) -> int:
        self.timeouts.append(timeout)
        if len(self.timeouts) >= self._waits:
            self.closed = True
        return self.seq


class NoEvents:
    def read(self, since, object_id, kind) -> pykka.Future:
        future = pykka.ThreadingFuture()
        future.set(([], 0))
        return future


def test_an_idle_watch_gets_a_keep_alive_comment_each_keep_alive_period():
    feed = IdleFeed(waits=3)
    app = falcon.App()
    app.add_route("/events", Events(NoEvents(), feed, timeout=1.0))
    response = falcon.testing.TestClient(app).simulate_get("/events", params={"watch": "true"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    # Two periods ran out with nothing new, each answered with the comment;
    # the third wait ended with the feed closed (the server stopping).
    assert response.text == ": watching\nretry: 1000\n\n" + ": keep-alive\n\n" * 2  # retry: a browser's reconnect
    assert feed.timeouts == [KEEPALIVE_SECONDS] * 3
    assert KEEPALIVE_SECONDS == 5.0  # the README's period
