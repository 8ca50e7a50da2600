"""apps/v1 through falcon.testing: deployments over the native deployment
manager, their scale and status, and the derived replica sets."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import post_node
from tests.api.kube.conftest import TABLE, assert_status

BASE = "/apis/apps/v1/namespaces/default"


def deployment_manifest(name: str = "web", replicas: int = 3, image: str = "nginx:1.26", **labels) -> dict:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": {
            "metadata": {"labels": labels},
            "spec": {"containers": [{"name": "main", "image": image,
                                     "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}}},
    }


def patch(client, path, body, content_type="application/merge-patch+json"):
    return client.simulate_patch(path, body=json.dumps(body), headers={"Content-Type": content_type})


@pytest.fixture
def web(client, settled):
    post_node(client, "n1")
    resp = client.simulate_post(f"{BASE}/deployments", json=deployment_manifest())
    assert resp.status_code == 201, resp.text
    settled()
    return client.simulate_get(f"{BASE}/deployments/web").json


def test_discovery_lists_the_apps_group(client):
    assert [g["name"] for g in client.simulate_get("/apis").json["groups"]] == [
        "apps", "coordination.k8s.io", "scheduling.k8s.io"]
    names = {r["name"] for r in client.simulate_get("/apis/apps/v1").json["resources"]}
    assert {"deployments", "deployments/scale", "deployments/status", "replicasets"} <= names
    assert client.simulate_get("/apis/apps").json["preferredVersion"]["groupVersion"] == "apps/v1"


def test_a_deployment_is_the_native_deployment_and_its_pods_carry_the_template(client, web):
    native = client.simulate_get("/deployments/web").json
    assert native["replicas"] == 3 and native["template"]["resources"] == {"cpu": 100, "memory": 64}
    assert web["status"] | {} == web["status"]
    assert {k: web["status"][k] for k in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")} == {
        "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}
    assert web["metadata"]["generation"] == web["status"]["observedGeneration"]
    assert {c["type"]: c["status"] for c in web["status"]["conditions"]} == {"Available": "True",
                                                                             "Progressing": "True"}
    pods = client.simulate_get("/api/v1/namespaces/default/pods", params={"labelSelector": "app=web"}).json["items"]
    assert len(pods) == 3
    for pod in pods:
        assert pod["spec"]["containers"][0]["image"] == "nginx:1.26"
        (owner,) = pod["metadata"]["ownerReferences"]
        assert owner["kind"] == "ReplicaSet" and owner["name"] == f"web-{pod['metadata']['labels']['pod-template-hash']}"


def test_replica_sets_are_derived_from_the_template_hash(client, web):
    (rs,) = client.simulate_get(f"{BASE}/replicasets").json["items"]
    assert rs["metadata"]["name"].startswith("web-") and rs["spec"]["replicas"] == 3
    assert rs["status"]["readyReplicas"] == 3 and rs["metadata"]["ownerReferences"][0]["name"] == "web"
    assert client.simulate_get(f"{BASE}/replicasets/{rs['metadata']['name']}").json == rs
    assert_status(client.simulate_get(f"{BASE}/replicasets/web-0000000000"), 404, "NotFound")


def test_scale_and_a_new_image_roll_out(client, web, settled):
    resp = patch(client, f"{BASE}/deployments/web/scale", {"spec": {"replicas": 5}})
    assert resp.status_code == 200 and resp.json["spec"]["replicas"] == 5
    settled()
    assert client.simulate_get(f"{BASE}/deployments/web/scale").json["status"]["replicas"] == 5
    before = web["metadata"]["resourceVersion"]
    resp = patch(client, f"{BASE}/deployments/web", {"spec": {"template": {"spec": {"containers": [
        {"name": "main", "image": "nginx:1.27"}]}}}}, "application/strategic-merge-patch+json")
    assert resp.status_code == 200, resp.text
    settled()
    after = client.simulate_get(f"{BASE}/deployments/web").json
    assert int(after["metadata"]["resourceVersion"]) > int(before)
    assert after["status"]["updatedReplicas"] == 5 and after["status"]["replicas"] == 5
    images = {p["spec"]["containers"][0]["image"] for p in client.simulate_get("/api/v1/pods").json["items"]}
    assert images == {"nginx:1.27"}
    (rs,) = client.simulate_get(f"{BASE}/replicasets").json["items"]
    assert rs["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_a_patch_that_changes_nothing_writes_nothing(client, web):
    resp = patch(client, f"{BASE}/deployments/web", {"spec": {"replicas": 3, "revisionHistoryLimit": 10}})
    assert resp.status_code == 200 and resp.json["metadata"]["resourceVersion"] == web["metadata"]["resourceVersion"]


def test_deleting_a_deployment_deletes_its_pods(client, web):
    assert client.simulate_delete(f"{BASE}/deployments/web").status_code == 200
    assert client.simulate_get("/api/v1/pods").json["items"] == []
    assert client.simulate_get("/deployments/web").status_code == 404


def test_tables_for_deployments_and_replica_sets(client, web):
    table = client.simulate_get(f"{BASE}/deployments", headers={"Accept": TABLE}).json
    assert [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0] == [
        "Name", "Ready", "Up-to-date", "Available", "Age"]
    assert table["rows"][0]["cells"][:4] == ["web", "3/3", 3, 3]
    rs = client.simulate_get(f"{BASE}/replicasets", headers={"Accept": TABLE}).json
    assert rs["rows"][0]["cells"][1:4] == [3, 3, 3]


@pytest.mark.parametrize(("change", "field"), [
    (lambda m: m["spec"]["template"]["metadata"].update(labels={"app": "other"}), "spec.template.metadata.labels"),
    (lambda m: m["spec"].pop("selector"), "spec.selector"),
    (lambda m: m["spec"].update(replicas=-1), "spec.replicas"),
    (lambda m: m["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"].update(cpu="x"),
     "spec.template.spec.containers[0].resources.requests.cpu"),
    (lambda m: m["spec"].pop("template"), "spec.template"),
])
def test_invalid_deployments_are_422_naming_the_field_and_store_nothing(client, change, field):
    manifest = deployment_manifest()
    change(manifest)
    body = assert_status(client.simulate_post(f"{BASE}/deployments", json=manifest), 422, "Invalid", field)
    assert body["details"]["causes"][0]["field"] == field and body["details"]["group"] == "apps"
    assert client.simulate_get("/deployments").json == []


def test_the_selector_is_immutable_and_stale_versions_conflict(client, web):
    resp = patch(client, f"{BASE}/deployments/web", {"spec": {"selector": {"matchLabels": {"app": "x"}}}})
    assert_status(resp, 422, "Invalid", "spec.selector")
    stale = patch(client, f"{BASE}/deployments/web", {"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 1}})
    assert_status(stale, 409, "Conflict")


def test_native_deployments_are_listed_and_scale_without_a_rollout(client, settled):
    post_node(client, "n1")
    client.simulate_post("/deployments", json={"id": "api", "replicas": 2, "template": {"resources": {"cpu": 50}}})
    settled()
    listed = client.simulate_get(f"{BASE}/deployments").json["items"]
    assert [d["metadata"]["name"] for d in listed] == ["api"] and listed[0]["status"]["readyReplicas"] == 2
    hash_before = client.simulate_get("/deployments/api").json["template_hash"]
    patch(client, f"{BASE}/deployments/api", {"spec": {"replicas": 3}})
    settled()
    after = client.simulate_get("/deployments/api").json
    assert after["replicas"] == 3 and after["template_hash"] == hash_before


def test_a_dry_run_creates_nothing(client):
    resp = client.simulate_post(f"{BASE}/deployments", json=deployment_manifest(), params={"dryRun": "All"})
    assert resp.status_code == 201 and resp.json["metadata"]["name"] == "web"
    assert client.simulate_get("/deployments").json == []
