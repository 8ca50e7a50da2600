"""The Kubernetes front end's tests run on the memory store: it is the same
managers and datastore as the native API, whose tests cover every store;
``tests/etcd`` and ``tests/e2e`` reach it through the other stores."""

from __future__ import annotations

import falcon.testing
import pytest


@pytest.fixture
def store() -> str:
    return "memory"


TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def assert_status(resp: falcon.testing.Result, code: int, reason: str, *mentions: str) -> dict:
    """The answer is a Kubernetes ``Status`` of ``code`` and ``reason`` whose
    message names every one of ``mentions``."""
    assert resp.status_code == code, f"{resp.status_code}: {resp.text[:400]}"
    body = resp.json
    assert body["kind"] == "Status" and body["apiVersion"] == "v1", body
    assert body["status"] == "Failure" and body["code"] == code and body["reason"] == reason, body
    for mention in mentions:
        assert mention in body["message"], f"{mention!r} not in {body['message']!r}"
    return body


def pod_manifest(name: str = "web", cpu: str = "250m", memory: str = "64Mi", **spec) -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [{"name": "main", "image": "nginx",
                                 "resources": {"requests": {"cpu": cpu, "memory": memory}}}], **spec},
    }


def node_manifest(name: str = "n1", cpu: str = "4", memory: str = "8Gi", **labels: str) -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels},
            "status": {"capacity": {"cpu": cpu, "memory": memory}}}
