"""Hostile input on the Kubernetes API's write routes, to the native API's
standard: every answer is a 4xx Status (never a 5xx, never a hang) and a
refused request stores nothing. The bodies here are wrong for every route;
what is wrong for one kind only is in that kind's tests."""

from __future__ import annotations

import pytest

from tests.api.conftest import post_node

BODIES = [
    (b"", "application/json"),
    (b"{", "application/json"),
    (b"[]", "application/json"),
    (b"null", "application/json"),
    (b'"text"', "application/json"),
    (b'{"a": NaN}', "application/json"),
    (b'{"a": 1, "a": 2}', "application/json"),
    (b"[" * 5000 + b"]" * 5000, "application/json"),
    (b'{"metadata": "x"}', "application/json"),
    (b'{"metadata": {"name": 5}}', "application/json"),
    (b'{"metadata": {"name": "' + b"x" * 300 + b'"}}', "application/json"),
    (b'{"metadata": {"name": "ok", "labels": {"k": 5}}}', "application/json"),
    (b'{"metadata": {"name": "ok"}, "spec": []}', "application/json"),
    (b'{"metadata": {"name": "ok"}, "status": "x"}', "application/json"),
    (b'{"metadata": {"name": "Not_OK"}}', "application/json"),
    (b'{"metadata": {"name": "ok", "annotations": {"a": 1}}}', "application/json"),
    (b'\xff\xfe', "application/json"),
    (b'{"metadata": {"name": "ok"}}', "text/plain"),
    (b"k8s\x00", "application/vnd.kubernetes.protobuf"),
    (b'{"metadata": {"name": "ok"}}', "application/apply-patch+yaml"),
]
WRITES = [
    ("POST", "/api/v1/nodes"),
    ("POST", "/api/v1/namespaces"),
    ("POST", "/api/v1/namespaces/default/pods"),
    ("POST", "/api/v1/namespaces/default/configmaps"),
    ("POST", "/apis/apps/v1/namespaces/default/deployments"),
    ("POST", "/api/v1/namespaces/default/pods/p/binding"),
    ("PUT", "/api/v1/nodes/n1"),
    ("PATCH", "/api/v1/nodes/n1"),
    ("PATCH", "/api/v1/namespaces/default/pods/p"),
    ("PATCH", "/api/v1/namespaces/default/pods/p/status"),
    ("PUT", "/api/v1/namespaces/default/pods/p/status"),
    ("PUT", "/api/v1/namespaces/default/pods/p"),
    ("PATCH", "/apis/apps/v1/namespaces/default/deployments/d"),
    ("PATCH", "/apis/apps/v1/namespaces/default/deployments/d/scale"),
    ("PATCH", "/api/v1/namespaces/default/configmaps/c"),
    ("PATCH", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1"),
]


@pytest.fixture
def seeded(client, settled):
    post_node(client, "n1")
    client.simulate_post("/api/v1/namespaces/default/pods", json={
        "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}], "schedulerName": "mine"}})
    client.simulate_post("/apis/apps/v1/namespaces/default/deployments", json={
        "metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"a": "d"}}, "template": {
            "metadata": {"labels": {"a": "d"}}, "spec": {"containers": [{"name": "c"}]}}}})
    client.simulate_post("/api/v1/namespaces/default/configmaps", json={"metadata": {"name": "c"}})
    settled()  # the controller has done what the seeds ask: what follows must change nothing
    return client


def state(client) -> tuple:
    return tuple(client.simulate_get(path).json for path in ("/nodes", "/tasks", "/deployments")) + (
        client.simulate_get("/api/v1/configmaps").json["items"], client.simulate_get("/api/v1/namespaces").json["items"])


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_hostile_bodies_get_a_4xx_status_and_change_nothing(seeded, method, path):
    before = state(seeded)
    for body, content_type in BODIES:
        if method == "PATCH" and content_type == "application/json":
            content_type = "application/merge-patch+json"
        resp = seeded.simulate_request(method, path, body=body, headers={"Content-Type": content_type})
        assert 400 <= resp.status_code < 500, (method, path, body[:60], resp.status_code, resp.text[:300])
        assert resp.json["kind"] == "Status" and resp.json["code"] == resp.status_code, resp.text[:300]
    assert state(seeded) == before
