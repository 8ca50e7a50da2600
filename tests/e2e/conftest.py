from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
import requests

from actors.system import ControlPlane, Settings, start_control_plane
from api.app import create_app
from api.server import Server


@dataclasses.dataclass
class Cluster:
    """A real control plane behind a real waitress server on an ephemeral port."""

    control_plane: ControlPlane
    server: Server
    http: requests.Session

    @property
    def url(self) -> str:
        return self.server.url

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.url + path, timeout=10, **kw)

    def post(self, path: str, body=None, **kw) -> requests.Response:
        return self.http.post(self.url + path, json=body, timeout=10, **kw)

    def put(self, path: str, body, **kw) -> requests.Response:
        return self.http.put(self.url + path, json=body, timeout=10, **kw)

    def delete(self, path: str, **kw) -> requests.Response:
        return self.http.delete(self.url + path, timeout=10, **kw)

    def task(self, task_id: str) -> dict:
        response = self.get(f"/tasks/{task_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Re-check after every change in the store (no sleeping); fail on timeout."""
        assert self.control_plane.feed.wait_until(predicate, timeout), "condition not reached in time"

    def wait_for_status(self, task_id: str, status: str, timeout: float = 10.0) -> dict:
        self.wait_until(lambda: self.task(task_id)["status"] == status, timeout)
        return self.task(task_id)


def start_cluster(**settings) -> Cluster:
    control_plane = start_control_plane(Settings(**settings))
    server = Server(
        create_app(control_plane, max_watches=3), host="127.0.0.1", port=0, threads=8,
        on_stop=[control_plane.end_watches],
    ).start_in_thread()
    return Cluster(control_plane, server, requests.Session())


@pytest.fixture
def cluster_factory():
    started: list[Cluster] = []

    def factory(**settings) -> Cluster:
        cluster = start_cluster(**settings)
        started.append(cluster)
        return cluster

    yield factory
    for cluster in started:
        cluster.http.close()
        cluster.server.stop()
        cluster.control_plane.stop()


@pytest.fixture
def cluster(cluster_factory) -> Cluster:
    # A long interval: everything below must happen because a change
    # triggered a reconcile, not because a tick came by.
    return cluster_factory(reconcile_interval=3600.0)
