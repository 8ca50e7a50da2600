"""503 with ``Retry-After`` over real HTTP from the real actors: a stopped
actor, and a store whose disk fails. (tests/api/test_unavailable.py covers
the API layer alone, on a fake control plane.)"""

from __future__ import annotations

import sqlite3

import pytest
import requests

from actors.store.backends import open_backend
from actors.system import Settings, start_control_plane
from api.app import create_app
from api.server import Server
from tests.helpers import FakeClock


@pytest.fixture
def serve():
    """``serve(backend)``: the real actors over ``backend`` behind a real
    waitress server, on a fake clock without the timer, so nothing restarts
    a stopped actor until the test asks the supervisor."""
    started = []

    def start(backend=None):
        cp = start_control_plane(Settings(clock=FakeClock(), start_timer=False), backend)
        server = Server(create_app(cp), host="127.0.0.1", port=0, threads=4,
                        on_stop=[cp.end_watches]).start_in_thread()
        started.append((cp, server))
        return cp, server.url

    yield start
    for cp, server in started:
        server.stop()
        cp.stop()


def assert_unavailable(response: requests.Response, *mentions: str) -> dict:
    """A 503 with ``Retry-After`` and a JSON error naming ``mentions``."""
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()
    assert error["title"] == "Service unavailable" and error["description"], error
    for mention in mentions:
        assert mention in error["description"], error
    return error


def test_a_stopped_actor_gives_503_with_retry_after_and_the_rest_keeps_answering(serve):
    cp, url = serve()
    assert requests.post(url + "/tasks", json={"id": "t1"}, timeout=10).status_code == 201
    dead = cp.task_manager.actor_ref
    dead.stop()  # a clean stop reports no failure: the supervisor learns of it at its next check
    assert_unavailable(requests.get(url + "/tasks", timeout=10), "retry")
    assert_unavailable(requests.get(url + "/tasks/t1", timeout=10), "retry")
    assert requests.get(url + "/nodes", timeout=10).status_code == 200  # other actors still answer
    assert requests.get(url + "/health", timeout=10).status_code == 200
    assert cp.supervisor.check().get(timeout=10) == ["task-manager"]  # what the timer does every tick
    assert cp.task_manager.actor_ref is not dead
    listed = requests.get(url + "/tasks", timeout=10)
    assert listed.status_code == 200 and [t["id"] for t in listed.json()] == ["t1"]


def test_a_disk_failure_gives_503_and_nothing_unacknowledged_is_stored(serve, tmp_path, monkeypatch):
    path = tmp_path / "state.db"
    backend = open_backend(f"sqlite:{path}")
    cp, url = serve(backend)
    assert requests.post(url + "/tasks", json={"id": "before"}, timeout=10).status_code == 201

    def broken(batch):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(backend, "_write", broken)  # the writer thread's one SQLite transaction
    assert_unavailable(requests.post(url + "/tasks", json={"id": "lost"}, timeout=10), "disk I/O error")
    # The store refuses further writes until restarted.
    assert_unavailable(requests.post(url + "/nodes", json={"id": "n1"}, timeout=10))
    assert requests.get(url + "/health", timeout=10).status_code == 200
    monkeypatch.undo()
    db = sqlite3.connect(path)
    try:
        stored = {row[0] for row in db.execute("SELECT id FROM tasks")}
    finally:
        db.close()
    assert stored == {"before"}
