"""A request waits on the actors with a timeout and gets a 503, never a hang."""

from __future__ import annotations

import threading
import types

import falcon.testing
import pykka

from api.app import create_app


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
    control_plane = types.SimpleNamespace(node_manager=stuck, task_manager=stuck, deployment_manager=stuck, wait_durable=lambda r, t: None)
    client = falcon.testing.TestClient(create_app(control_plane, timeout=0.05))
    try:
        response = client.simulate_get("/nodes")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert response.json["title"] == "Service unavailable"
        assert "retry" in response.json["description"]
    finally:
        release.set()


def test_a_stopped_actor_gives_503():
    stuck = StuckManager.start(threading.Event()).proxy()
    control_plane = types.SimpleNamespace(node_manager=stuck, task_manager=stuck, deployment_manager=stuck, wait_durable=lambda r, t: None)
    client = falcon.testing.TestClient(create_app(control_plane))
    stuck.actor_ref.stop()
    response = client.simulate_get("/tasks")
    assert response.status_code == 503
