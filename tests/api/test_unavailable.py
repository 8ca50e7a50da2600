"""A request waits on the actors with a timeout and gets a 503, never a hang.
These test the API layer on a fake control plane; tests/e2e/test_unavailable.py
has the real actors behind a real server."""

from __future__ import annotations

import threading
import types

import falcon.testing
import pykka

from actors.feed import ChangeFeed
from actors.system import Settings
from actors.watch_log import WatchLog
from api.app import create_app


def fake_control_plane(manager) -> types.SimpleNamespace:
    """What create_app reads of a control plane, with ``manager`` behind every route."""
    return types.SimpleNamespace(
        node_manager=manager, task_manager=manager, deployment_manager=manager, object_manager=manager,
        wait_durable=lambda r, t: None,
        settings=Settings(), feed=ChangeFeed(), watch_log=WatchLog(),
    )
from tests.api.conftest import assert_error


class StuckManager(pykka.ThreadingActor):
    def __init__(self, release: threading.Event) -> None:
        super().__init__()
        self.release = release

    def list(self, *args):
        self.release.wait(timeout=10)
        return []

    def page(self, *args):
        self.release.wait(timeout=10)
        return [], False


def test_a_stuck_actor_gives_503_with_retry_after():
    release = threading.Event()
    stuck = StuckManager.start(release).proxy()
    control_plane = fake_control_plane(stuck)
    client = falcon.testing.TestClient(create_app(control_plane, timeout=0.05))
    try:
        response = client.simulate_get("/nodes")  # the actor never answers: only the timeout ends the wait
        error = assert_error(response, 503, "did not answer in time", "retry")
        assert response.headers["Retry-After"] == "1"
        assert error["title"] == "Service unavailable"
    finally:
        release.set()


def test_a_stopped_actor_gives_503_with_retry_after():
    stuck = StuckManager.start(threading.Event()).proxy()
    control_plane = fake_control_plane(stuck)
    client = falcon.testing.TestClient(create_app(control_plane))  # the default timeout: a dead actor fails at once
    stuck.actor_ref.stop()
    response = client.simulate_get("/tasks")
    error = assert_error(response, 503, "retry")
    assert response.headers["Retry-After"] == "1"
    assert error["title"] == "Service unavailable"


def test_a_store_refusal_gives_503_naming_the_reason():
    """Unavailable from the store (a failed disk, etcd's limits) names why."""
    from actors.domain.errors import Unavailable

    class RefusingManager(pykka.ThreadingActor):
        def page(self, *args):
            raise Unavailable("the store failed: disk I/O error")

    refusing = RefusingManager.start().proxy()
    control_plane = fake_control_plane(refusing)
    client = falcon.testing.TestClient(create_app(control_plane))
    response = client.simulate_get("/tasks")
    assert_error(response, 503, "disk I/O error", "retry")
    assert response.headers["Retry-After"] == "1"
