"""Fixtures and helpers for the API tests: a Falcon test client over the
real actors (fake clock, no timer), and small builders that assert as they go.

Helpers are plain functions imported by the test modules
(``from tests.api.conftest import ...``); fixtures are found by pytest.
"""

from __future__ import annotations

import os
from typing import Any

import falcon.testing
import pytest

from actors.store.memory import MemoryBackend
from actors.store.backends import open_backend
from actors.system import ControlPlane, Settings, start_control_plane
from api.app import create_app
from tests.helpers import FakeClock, settle

JSON = "application/json"

NODE_FIELDS = {
    "id", "healthy", "schedulable", "simulated", "capacity", "allocated", "labels",
    "last_heartbeat", "created_at",
}
TASK_FIELDS = {
    "id", "name", "status", "node", "resources", "node_selector", "duration", "outcome",
    "attempts", "message", "created_at", "scheduled_at", "started_at", "finished_at", "owner", "template_hash", "namespace",
    "labels", "priority", "preemption_policy", "nominated_node",
}
DEPLOYMENT_FIELDS = {"id", "replicas", "ready", "available", "template", "template_hash", "created_at", "namespace"}
# Not in the spec's field lists: the record version behind ETag / If-Match
# (optimistic concurrency, the way Kubernetes exposes resourceVersion).
VERSION_FIELD = "version"


STORES = ["memory", "sqlite", "etcd"]
ALL_STORES_EVERYWHERE = os.environ.get("ORCHESTRATOR_TEST_ALL_STORES") == "1"
"""The hostile-input and OpenAPI property tests run whole on every store
only when this is set (CI's second step, see .ci/run): they test the API
layer, hundreds of cases each, and whole on SQLite and etcd they would add
minutes to the suite. Without it they run whole on memory and a sample on
the others (see :func:`pytest_collection_modifyitems`)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A module that sets ``SAMPLE_ON_OTHER_STORES = N`` runs every case on
    memory but only every Nth on SQLite and etcd (a different share on each,
    the same on every run and xdist worker), unless ALL_STORES_EVERYWHERE."""
    if ALL_STORES_EVERYWHERE:
        return
    seen: dict[tuple[object, str], int] = {}
    kept, dropped = [], []
    for item in items:
        every = getattr(getattr(item, "module", None), "SAMPLE_ON_OTHER_STORES", None)
        callspec = getattr(item, "callspec", None)
        store = callspec.params.get("store") if callspec is not None else None
        if not every or store in (None, "memory"):
            kept.append(item)
            continue
        index = seen[item.module, store] = seen.get((item.module, store), -1) + 1
        offset = STORES.index(store) * every // len(STORES)
        (kept if index % every == offset else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """The API tests run against every store (a module may narrow this by
    defining its own ``store`` fixture)."""
    return request.param


@pytest.fixture
def control_plane(store: str, clock: FakeClock, tmp_path, request: pytest.FixtureRequest) -> ControlPlane:
    """The real actors on a fake clock without the timer (see the root
    conftest), over ``store``: memory, a SQLite file, or a fresh prefix of
    the session's etcd cluster (this process elected before the test starts)."""
    if store == "memory":
        backend = MemoryBackend()
    elif store == "sqlite":
        backend = open_backend(f"sqlite:{tmp_path / 'api.db'}")
    else:
        backend = open_backend(request.getfixturevalue("etcd_store"))
    cp = start_control_plane(Settings(clock=clock, start_timer=False, node_timeout=40.0, leader_ttl=2), backend)
    try:
        if cp.elector is not None:
            assert cp.elector.wait_elected(10), "not elected on a fresh etcd prefix"
        yield cp
    finally:
        cp.stop()


@pytest.fixture
def client(control_plane: ControlPlane) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(control_plane))


@pytest.fixture
def settled(control_plane: ControlPlane):
    """``settled()`` runs reconciles and the kubelet until nothing changes."""
    return lambda: settle(control_plane)


def post_node(client: falcon.testing.TestClient, node_id: str = "n1", **fields: Any) -> dict[str, Any]:
    resp = client.simulate_post("/nodes", json={"id": node_id, **fields})
    assert resp.status_code == 201, resp.text
    return resp.json


def post_task(client: falcon.testing.TestClient, **fields: Any) -> dict[str, Any]:
    resp = client.simulate_post("/tasks", json=fields)
    assert resp.status_code == 201, resp.text
    return resp.json


def get_node(client: falcon.testing.TestClient, node_id: str) -> dict[str, Any]:
    resp = client.simulate_get(f"/nodes/{node_id}")
    assert resp.status_code == 200, resp.text
    return resp.json


def get_task(client: falcon.testing.TestClient, task_id: str) -> dict[str, Any]:
    resp = client.simulate_get(f"/tasks/{task_id}")
    assert resp.status_code == 200, resp.text
    return resp.json


def list_ids(client: falcon.testing.TestClient, path: str, **params: str) -> list[str]:
    resp = client.simulate_get(path, params=params or None)
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json]


def send_raw(
    client: falcon.testing.TestClient,
    method: str,
    path: str,
    body: bytes | str,
    content_type: str | None = JSON,
    headers: dict[str, str] | None = None,
) -> falcon.testing.Result:
    """A request with exactly ``body`` (no JSON encoding by the client)."""
    all_headers = dict(headers or {})
    if content_type is not None:
        all_headers["Content-Type"] = content_type
    return client.simulate_request(method, path, body=body, headers=all_headers)


def assert_error(resp: falcon.testing.Result, status: int, *mentions: str) -> dict[str, Any]:
    """The response is a JSON error ``{"title", "description"}`` with
    ``status``, and the description names every one of ``mentions``."""
    assert resp.status_code == status, f"{resp.status_code}: {resp.text[:300]}"
    assert resp.headers.get("content-type", "").startswith(JSON), resp.headers
    error = resp.json
    assert isinstance(error, dict), error
    assert isinstance(error.get("title"), str) and error["title"], error
    assert isinstance(error.get("description"), str) and error["description"], error
    for mention in mentions:
        assert mention in error["description"], f"{mention!r} not in {error['description']!r}"
    return error


def snapshot(client: falcon.testing.TestClient) -> tuple[list[dict], list[dict], list[dict]]:
    """Everything stored, as the API shows it: (nodes, tasks, deployments)."""
    nodes, tasks = client.simulate_get("/nodes"), client.simulate_get("/tasks")
    deployments = client.simulate_get("/deployments")
    assert nodes.status_code == 200 and tasks.status_code == 200 and deployments.status_code == 200
    return nodes.json, tasks.json, deployments.json
