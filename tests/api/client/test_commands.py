"""The command line's HTTP client and `get -w`, without a control plane."""

from __future__ import annotations

import http.server
import io
import json
import threading
from collections.abc import Iterator

import pytest

from api.client import commands


class _OneRequestPerConnection(http.server.BaseHTTPRequestHandler):
    """Answers with keep-alive headers, then closes the connection anyway,
    as a server does to a connection that has been idle too long."""

    protocol_version = "HTTP/1.1"
    served: list[str] = []

    def _answer(self) -> None:
        self.served.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps({"id": "n1"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def closing_server() -> Iterator[tuple[str, list[str]]]:
    served: list[str] = []
    handler = type("Handler", (_OneRequestPerConnection,), {"served": served})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_get_is_sent_again_when_the_kept_alive_connection_was_closed(closing_server):
    url, served = closing_server
    api = commands.Api(url)
    try:
        assert api.call("GET", "/nodes/n1") == {"id": "n1"}
        assert api.call("GET", "/nodes/n1") == {"id": "n1"}
    finally:
        api.close()
    assert served == ["GET /nodes/n1", "GET /nodes/n1"]


def test_a_post_is_not_sent_twice_when_its_connection_was_closed(closing_server):
    url, served = closing_server
    api = commands.Api(url)
    try:
        assert api.call("POST", "/nodes", {"id": "n1"}) == {"id": "n1"}
        with pytest.raises(commands.Unreachable, match=f"cannot reach the server at {url}"):
            api.call("POST", "/nodes", {"id": "n2"})
    finally:
        api.close()
    assert served == ["POST /nodes"]


class _WatchingApi:
    """Lists nothing, then streams ``events``; fetching the objects whose ids
    are in ``unreachable`` fails, as on a server that has gone away."""

    def __init__(self, events: list[dict], unreachable: set[str], stream_error: bool = False) -> None:
        self.events, self.unreachable, self.stream_error = events, unreachable, stream_error

    def last_event_seq(self) -> int:
        return 0

    def call(self, method: str, path: str) -> list:
        return []

    def watch(self, since: int, kind: str) -> Iterator[dict]:
        yield from self.events
        if self.stream_error:
            raise commands.CommandError("error: the watch on http://x ended: reset")

    def exists(self, path: str) -> dict:
        task_id = path.rsplit("/", 1)[1]
        if task_id in self.unreachable:
            raise commands.Unreachable("error: cannot reach the server at http://x: refused")
        return {"id": task_id, "node": "n1", "status": "running", "created_at": None}


def _events(*task_ids: str) -> list[dict]:
    return [{"kind": "task", "object": task_id} for task_id in task_ids]


def _watch(api: _WatchingApi) -> list[str]:
    out = io.StringIO()
    assert commands.get(api, "tasks", [], None, True, out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "No tasks found."
    return [line.split()[0] for line in lines[1:]]


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """The watch's clock, read from the list's one item."""
    now = [0.0]
    monkeypatch.setattr(commands, "_clock", lambda: now[0])
    return now


def test_a_watch_whose_server_stops_during_its_fetches_ends_as_a_stopped_stream_does(clock):
    # The events already on their way arrive after the fetches are refused.
    assert _watch(_WatchingApi(_events("t1", "t2", "t3", "t4"), unreachable={"t2", "t3", "t4"})) == ["t1"]


def test_a_fetch_that_fails_for_a_moment_skips_only_its_event(clock):
    assert _watch(_WatchingApi(_events("t1", "t2", "t3"), unreachable={"t2"})) == ["t1", "t3"]


def test_fetches_failing_longer_than_the_grace_while_the_stream_goes_on_are_an_error(clock):
    api = _WatchingApi(_events("t1", "t2", "t3", "t4"), unreachable={"t2", "t3", "t4"})
    real_exists = api.exists

    def exists_later(path: str) -> dict:
        clock[0] += commands.FETCH_GRACE_SECONDS / 2 + 0.1
        return real_exists(path)

    api.exists = exists_later
    with pytest.raises(commands.CommandError, match="cannot reach the server"):
        commands.get(api, "tasks", [], None, True, io.StringIO())


def test_a_failed_fetch_then_a_broken_stream_reports_the_stream(clock):
    api = _WatchingApi(_events("t1"), unreachable={"t1"}, stream_error=True)
    with pytest.raises(commands.CommandError, match="the watch on http://x ended"):
        commands.get(api, "tasks", [], None, True, io.StringIO())


def test_a_fetch_the_server_answers_with_an_error_ends_the_watch_at_once(clock):
    api = _WatchingApi(_events("t1", "t2"), unreachable=set())

    def refused(path: str) -> dict:
        raise commands.CommandError("Error from server (Unauthorized): the token is not valid")

    api.exists = refused
    with pytest.raises(commands.CommandError, match="Unauthorized"):
        commands.get(api, "tasks", [], None, True, io.StringIO())
