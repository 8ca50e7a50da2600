"""Pods and deployments belong to a namespace: the same name in two
namespaces is two objects, lists and watches keep to their namespace, the
native API reaches them with ``?namespace=``, and a namespace's deletion
takes its pods and deployments with it."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import post_node
from tests.api.kube.conftest import TABLE, assert_status, pod_manifest
from tests.api.kube.test_apps import deployment_manifest

NS = "/api/v1/namespaces"
APPS = "/apis/apps/v1/namespaces"


@pytest.fixture
def team(client):
    assert client.simulate_post(NS, json={"metadata": {"name": "team"}}).status_code == 201
    post_node(client, "n1")
    return "team"


def names(resp) -> list[tuple[str, str]]:
    assert resp.status_code == 200, resp.text
    return [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in resp.json["items"]]


def test_the_same_pod_name_in_two_namespaces_is_two_pods(client, team, settled):
    for namespace in ("default", "team"):
        created = client.simulate_post(f"{NS}/{namespace}/pods", json=pod_manifest("web", cpu="1"))
        assert created.status_code == 201, created.text
        assert created.json["metadata"]["namespace"] == namespace
    assert_status(client.simulate_post(f"{NS}/team/pods", json=pod_manifest("web")), 409, "AlreadyExists",
                  'pods "web" already exists')
    settled()
    assert names(client.simulate_get(f"{NS}/team/pods")) == [("team", "web")]
    assert names(client.simulate_get(f"{NS}/default/pods")) == [("default", "web")]
    assert names(client.simulate_get("/api/v1/pods")) == [("default", "web"), ("team", "web")]
    shown = client.simulate_get(f"{NS}/team/pods/web").json
    assert shown["status"]["phase"] == "Running" and shown["spec"]["nodeName"] == "n1"
    assert shown["metadata"]["uid"] != client.simulate_get(f"{NS}/default/pods/web").json["metadata"]["uid"]
    assert client.simulate_get("/nodes/n1").json["allocated"]["cpu"] == 2000  # both hold the node
    by_field = client.simulate_get("/api/v1/pods", params={"fieldSelector": "metadata.namespace=team"})
    assert names(by_field) == [("team", "web")]
    table = client.simulate_get(f"{NS}/team/pods", headers={"Accept": TABLE}).json
    assert [row["cells"][0] for row in table["rows"]] == ["web"]
    assert table["rows"][0]["object"]["metadata"]["namespace"] == "team"


def test_all_namespaces_page_through_every_pod_once(client, team):
    for i in range(3):
        for namespace in ("default", "team"):
            client.simulate_post(f"{NS}/{namespace}/pods", json=pod_manifest(f"p{i}"))
    seen, token = [], None
    while True:
        page = client.simulate_get("/api/v1/pods", params={"limit": 4, **({"continue": token} if token else {})})
        seen += names(page)
        token = page.json["metadata"].get("continue")
        if not token:
            break
    assert sorted(seen) == sorted((ns, f"p{i}") for i in range(3) for ns in ("default", "team"))
    first = client.simulate_get(f"{NS}/team/pods", params={"limit": 2})
    rest = client.simulate_get(f"{NS}/team/pods", params={"limit": 2, "continue": first.json["metadata"]["continue"]})
    assert names(first) + names(rest) == [("team", "p0"), ("team", "p1"), ("team", "p2")]


def test_each_verb_on_a_pod_finds_it_in_its_own_namespace(client, team):
    client.simulate_post(f"{NS}/team/pods", json=pod_manifest("web", schedulerName="mine"))
    assert_status(client.simulate_get(f"{NS}/default/pods/web"), 404, "NotFound", 'pods "web" not found')
    patched = client.simulate_patch(f"{NS}/team/pods/web", body=json.dumps({"metadata": {"labels": {"a": "b"}}}),
                                    headers={"Content-Type": "application/merge-patch+json"})
    assert patched.status_code == 200 and patched.json["metadata"]["labels"] == {"a": "b"}
    assert patched.json["metadata"]["namespace"] == "team"
    bound = client.simulate_post(f"{NS}/team/pods/web/binding", json={
        "apiVersion": "v1", "kind": "Binding", "metadata": {"name": "web"}, "target": {"kind": "Node", "name": "n1"}})
    assert bound.status_code == 201, bound.text
    assert client.simulate_get(f"{NS}/team/pods/web/status").json["spec"]["nodeName"] == "n1"
    assert client.simulate_get("/tasks/web", params={"namespace": "team"}).json["node"] == "n1"
    assert client.simulate_delete(f"{NS}/team/pods/web").status_code == 200
    assert_status(client.simulate_get(f"{NS}/team/pods/web"), 404, "NotFound")


def test_a_pod_in_a_namespace_that_does_not_exist_is_refused(client):
    assert_status(client.simulate_post(f"{NS}/nowhere/pods", json=pod_manifest("web")), 404, "NotFound",
                  'namespaces "nowhere" not found')
    assert client.simulate_get("/tasks").json == []


def test_a_deployment_and_its_pods_and_replica_sets_stay_in_its_namespace(client, team, settled):
    created = client.simulate_post(f"{APPS}/team/deployments", json=deployment_manifest("web", replicas=2))
    assert created.status_code == 201, created.text
    settled()
    shown = client.simulate_get(f"{APPS}/team/deployments/web").json
    assert shown["metadata"]["namespace"] == "team" and shown["status"]["readyReplicas"] == 2
    assert_status(client.simulate_get(f"{APPS}/default/deployments/web"), 404, "NotFound",
                  'deployments.apps "web" not found')
    assert names(client.simulate_get(f"{APPS}/default/deployments")) == []
    pods = client.simulate_get(f"{NS}/team/pods", params={"labelSelector": "app=web"}).json["items"]
    assert len(pods) == 2 and {p["metadata"]["namespace"] for p in pods} == {"team"}
    (replica_set,) = client.simulate_get(f"{APPS}/team/replicasets").json["items"]
    assert replica_set["metadata"]["namespace"] == "team"
    assert pods[0]["metadata"]["ownerReferences"][0]["name"] == replica_set["metadata"]["name"]
    assert pods[0]["metadata"]["ownerReferences"][0]["uid"] == replica_set["metadata"]["uid"]
    one = client.simulate_get(f"{APPS}/team/replicasets/{replica_set['metadata']['name']}")
    assert one.status_code == 200 and one.json["metadata"]["uid"] == replica_set["metadata"]["uid"]
    scaled = client.simulate_patch(f"{APPS}/team/deployments/web/scale", body=json.dumps({"spec": {"replicas": 3}}),
                                   headers={"Content-Type": "application/merge-patch+json"})
    assert scaled.status_code == 200 and scaled.json["metadata"]["namespace"] == "team"
    settled()
    assert len(client.simulate_get(f"{NS}/team/pods").json["items"]) == 3
    native = client.simulate_get("/deployments/web", params={"namespace": "team"}).json
    assert (native["id"], native["namespace"], native["replicas"]) == ("web", "team", 3)
    assert client.simulate_get("/deployments").json == []
    events = client.simulate_get(f"{NS}/team/events").json["items"]
    assert events and {e["involvedObject"]["namespace"] for e in events} == {"team"}
    assert all("/" not in e["metadata"]["name"] and "/" not in e["involvedObject"]["name"] for e in events)
    assert not [e for e in client.simulate_get(f"{NS}/default/events").json["items"]
                if e["involvedObject"].get("namespace") == "team"]


def test_deleting_a_namespace_deletes_its_pods_and_deployments_and_frees_their_nodes(client, team, settled):
    client.simulate_post(f"{APPS}/team/deployments", json=deployment_manifest("web", replicas=2))
    client.simulate_post(f"{NS}/team/pods", json=pod_manifest("solo"))
    client.simulate_post(f"{NS}/default/pods", json=pod_manifest("kept"))
    settled()
    assert client.simulate_get("/nodes/n1").json["allocated"]["cpu"] == 2 * 100 + 2 * 250
    assert client.simulate_delete(f"{NS}/team").status_code == 200
    settled()
    assert names(client.simulate_get("/api/v1/pods")) == [("default", "kept")]
    assert names(client.simulate_get("/apis/apps/v1/deployments")) == []
    assert client.simulate_get("/nodes/n1").json["allocated"]["cpu"] == 250


def test_the_native_api_reaches_other_namespaces_with_a_parameter(client, team):
    client.simulate_post(f"{NS}/team/pods", json=pod_manifest("web"))
    client.simulate_post("/tasks", json={"id": "web"})
    task = client.simulate_get("/tasks/web", params={"namespace": "team"}).json
    assert (task["id"], task["namespace"]) == ("web", "team")
    assert [(t["namespace"], t["id"]) for t in client.simulate_get("/tasks").json] == [("default", "web")]
    assert [(t["namespace"], t["id"]) for t in client.simulate_get("/tasks", params={"namespace": "team"}).json] == [
        ("team", "web")]
    refused = client.simulate_post("/tasks", params={"namespace": "team"}, json={"id": "other"})
    assert refused.status_code == 400 and "Kubernetes API" in refused.json["description"]
    assert client.simulate_get("/tasks/other").status_code == 404
    bad = client.simulate_get("/tasks/web", params={"namespace": "Team!"})
    assert bad.status_code == 422 and bad.json["field"] == "namespace"
    assert client.simulate_delete("/tasks/web", params={"namespace": "team"}).status_code == 204
    assert client.simulate_get(f"{NS}/team/pods").json["items"] == []
    assert client.simulate_get("/tasks/web").status_code == 200  # default's is another task


def test_the_native_event_log_finds_an_object_of_another_namespace(client, team):
    client.simulate_post(f"{NS}/team/pods", json=pod_manifest("web"))
    client.simulate_post("/tasks", json={"id": "web"})
    theirs = client.simulate_get("/events", params={"object": "web", "namespace": "team"}).json
    assert theirs and {(e["namespace"], e["object"]) for e in theirs} == {("team", "web")}
    ours = client.simulate_get("/events", params={"object": "web"}).json
    assert ours and {(e["namespace"], e["object"]) for e in ours} == {("default", "web")}
