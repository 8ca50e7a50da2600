"""ConfigMaps and namespaces of one's own: stored, listed, watched, and
acted on by nothing; a namespace goes with its ConfigMaps."""

from __future__ import annotations

import json

import falcon.testing
import pytest

from api.app import create_app
from tests.api.kube.conftest import assert_status

NS = "/api/v1/namespaces"


def configmap(name: str = "app", namespace: str | None = None, **data: str) -> dict:
    meta = {"name": name, "labels": {"app": name}} | ({"namespace": namespace} if namespace else {})
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data or {"mode": "fast"}}


def test_a_namespace_of_ones_own_holds_config_maps_and_goes_with_them(client):
    created = client.simulate_post(NS, json={"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": "team", "labels": {"owner": "me"}}})
    assert created.status_code == 201 and created.json["metadata"]["labels"]["owner"] == "me"
    names = [n["metadata"]["name"] for n in client.simulate_get(NS).json["items"]]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system", "team"]
    assert client.simulate_post(f"{NS}/team/configmaps", json=configmap("a")).status_code == 201
    assert client.simulate_post(f"{NS}/default/configmaps", json=configmap("b")).status_code == 201
    everywhere = client.simulate_get("/api/v1/configmaps").json["items"]
    assert [(c["metadata"]["namespace"], c["metadata"]["name"]) for c in everywhere] == [
        ("default", "b"), ("team", "a")]
    assert client.simulate_get(f"{NS}/team/pods").json["items"] == []
    gone = client.simulate_delete(f"{NS}/team")
    assert gone.status_code == 200 and gone.json["status"]["phase"] == "Terminating"
    assert [c["metadata"]["name"] for c in client.simulate_get("/api/v1/configmaps").json["items"]] == ["b"]
    assert_status(client.simulate_get(f"{NS}/team"), 404, "NotFound", 'namespaces "team" not found')
    assert_status(client.simulate_post(f"{NS}/team/configmaps", json=configmap("c")), 404, "NotFound")


def test_built_in_namespaces_stay(client):
    assert_status(client.simulate_delete(f"{NS}/default"), 403, "Forbidden", "may not be deleted")
    assert_status(client.simulate_post(NS, json={"metadata": {"name": "kube-system"}}), 409, "AlreadyExists")
    client.simulate_post(NS, json={"metadata": {"name": "team"}})
    assert_status(client.simulate_post(NS, json={"metadata": {"name": "team"}}), 409, "AlreadyExists",
                  'namespaces "team" already exists')


def test_a_config_map_is_created_read_updated_patched_and_deleted(client):
    base = f"{NS}/default/configmaps"
    created = client.simulate_post(base, json=configmap("app", mode="fast"))
    assert created.status_code == 201 and created.json["data"] == {"mode": "fast"}
    assert_status(client.simulate_post(base, json=configmap("app")), 409, "AlreadyExists", 'configmaps "app"')
    version = created.json["metadata"]["resourceVersion"]
    replaced = client.simulate_put(f"{base}/app", json=configmap("app", mode="slow") | {
        "metadata": {"name": "app", "labels": {"app": "app"}, "resourceVersion": version}})
    assert replaced.status_code == 200 and replaced.json["data"] == {"mode": "slow"}
    stale = client.simulate_put(f"{base}/app", json=configmap("app") | {
        "metadata": {"name": "app", "resourceVersion": version}})
    assert_status(stale, 409, "Conflict")
    patched = client.simulate_patch(f"{base}/app", body=json.dumps({"data": {"level": "3"}}),
                                    headers={"Content-Type": "application/merge-patch+json"})
    assert patched.json["data"] == {"mode": "slow", "level": "3"}
    assert client.simulate_get(f"{base}/app").json["data"] == {"mode": "slow", "level": "3"}
    selected = client.simulate_get(base, params={"labelSelector": "app=app"}).json["items"]
    assert [c["metadata"]["name"] for c in selected] == ["app"]
    assert client.simulate_delete(f"{base}/app").json["metadata"]["name"] == "app"
    assert_status(client.simulate_get(f"{base}/app"), 404, "NotFound", 'configmaps "app" not found')


def test_an_immutable_config_map_keeps_its_data(client):
    base = f"{NS}/default/configmaps"
    client.simulate_post(base, json=configmap("frozen") | {"immutable": True})
    refused = client.simulate_patch(f"{base}/frozen", body=json.dumps({"data": {"mode": "slow"}}),
                                    headers={"Content-Type": "application/merge-patch+json"})
    assert_status(refused, 422, "Invalid", "data")
    relabelled = client.simulate_patch(f"{base}/frozen", body=json.dumps({"metadata": {"labels": {"x": "y"}}}),
                                       headers={"Content-Type": "application/merge-patch+json"})
    assert relabelled.status_code == 200 and relabelled.json["data"] == {"mode": "fast"}


@pytest.mark.parametrize(("body", "field"), [
    ({"data": {"bad key!": "x"}}, "data[bad key!]"),
    ({"data": {"a": 1}}, "data[a]"),
    ({"binaryData": {"a": "not base64!"}}, "binaryData[a]"),
    ({"data": {"a": "x"}, "binaryData": {"a": "eA=="}}, "data[a]"),
    ({"immutable": "yes"}, "immutable"),
    ({"data": "x"}, "data"),
])
def test_invalid_config_maps_are_422_and_store_nothing(client, body, field):
    resp = client.simulate_post(f"{NS}/default/configmaps", json={"metadata": {"name": "c"}, **body})
    assert_status(resp, 422, "Invalid", field)
    assert client.simulate_get("/api/v1/configmaps").json["items"] == []


def test_deletecollection_of_config_maps(client):
    base = f"{NS}/default/configmaps"
    for name in ("a", "b"):
        client.simulate_post(base, json=configmap(name))
    resp = client.simulate_delete(base, params={"labelSelector": "app=a"})
    assert [c["metadata"]["name"] for c in resp.json["items"]] == ["a"]
    assert [c["metadata"]["name"] for c in client.simulate_get(base).json["items"]] == ["b"]


@pytest.mark.parametrize("store", ["sqlite"])
def test_config_maps_and_namespaces_survive_a_restart(store, tmp_path):
    from actors.store.backends import open_backend
    from actors.system import Settings, start_control_plane

    path = f"sqlite:{tmp_path / 'objects.db'}"
    first = start_control_plane(Settings(start_timer=False), open_backend(path))
    try:
        client = falcon.testing.TestClient(create_app(first))
        client.simulate_post(NS, json={"metadata": {"name": "team"}})
        client.simulate_post(f"{NS}/team/configmaps", json=configmap("app", mode="fast"))
    finally:
        first.stop()
    second = start_control_plane(Settings(start_timer=False), open_backend(path))
    try:
        client = falcon.testing.TestClient(create_app(second))
        assert client.simulate_get(f"{NS}/team/configmaps/app").json["data"] == {"mode": "fast"}
        assert client.simulate_get(f"{NS}/team").json["status"]["phase"] == "Active"
    finally:
        second.stop()


def test_a_namespaces_labels_change_and_a_built_in_one_refuses(client):
    client.simulate_post(NS, json={"metadata": {"name": "team", "labels": {"a": "b"}}})
    patched = client.simulate_patch(f"{NS}/team", body=json.dumps({"metadata": {"labels": {"a": "c"}}}),
                                    headers={"Content-Type": "application/merge-patch+json"})
    assert patched.status_code == 200 and patched.json["metadata"]["labels"]["a"] == "c"
    refused = client.simulate_patch(f"{NS}/default", body=json.dumps({"metadata": {"labels": {"a": "c"}}}),
                                    headers={"Content-Type": "application/merge-patch+json"})
    assert_status(refused, 403, "Forbidden", "built-in")
