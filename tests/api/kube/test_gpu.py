"""GPUs and node affinity through the Kubernetes API: ``nvidia.com/gpu``
for whole GPUs, ``orchestrator.dev/gpu-share`` for a share of one, the
model label, and ``requiredDuringSchedulingIgnoredDuringExecution``."""

from __future__ import annotations

import pytest

from tests.api.kube.conftest import assert_status, node_manifest, pod_manifest

PODS = "/api/v1/namespaces/default/pods"
MODEL = "nvidia.com/gpu.product"


def gpu_node(client, name: str, gpus: int, model: str = "T4") -> dict:
    manifest = node_manifest(name, cpu="32", memory="64Gi", **{MODEL: model})
    manifest["status"]["capacity"]["nvidia.com/gpu"] = str(gpus)
    resp = client.simulate_post("/api/v1/nodes", json=manifest)
    assert resp.status_code == 201, resp.text
    return resp.json


def gpu_pod(name: str, resource: str = "nvidia.com/gpu", amount: str = "1", **spec) -> dict:
    manifest = pod_manifest(name, **spec)
    manifest["spec"]["containers"][0]["resources"]["limits"] = {resource: amount}
    return manifest


def model_affinity(*models: str) -> dict:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": MODEL, "operator": "In", "values": list(models)}]}]}}}


def test_a_node_shows_its_gpus_and_what_each_device_holds(client, settled):
    node = gpu_node(client, "g", 2)
    assert node["status"]["capacity"]["nvidia.com/gpu"] == "2" == node["status"]["allocatable"]["nvidia.com/gpu"]
    assert node["metadata"]["labels"][MODEL] == "T4"
    assert client.simulate_get("/nodes/g").json["capacity"]["gpu"] == 2
    for name, resource, amount in (("whole", "nvidia.com/gpu", "1"), ("half", "orchestrator.dev/gpu-share", "500m")):
        assert client.simulate_post(PODS, json=gpu_pod(name, resource, amount)).status_code == 201
    settled()
    assert client.simulate_get("/api/v1/nodes/g").json["metadata"]["annotations"][
        "orchestrator.dev/gpu-allocation"] == "1,0.5"
    assert client.simulate_get("/tasks/half").json["resources"]["gpu"] == 0.5
    assert client.simulate_get(f"{PODS}/half").json["spec"]["nodeName"] == "g"


def test_node_affinity_picks_the_model_and_a_pod_that_fits_nowhere_says_why(client, settled):
    gpu_node(client, "t4", 1, "T4")
    gpu_node(client, "v100", 1, "V100")
    for name in ("a", "b"):
        assert client.simulate_post(PODS, json=gpu_pod(name, affinity=model_affinity("V100"))).status_code == 201
    settled()
    assert client.simulate_get(f"{PODS}/a").json["spec"]["nodeName"] == "v100"
    waiting = client.simulate_get(f"{PODS}/b").json["status"]["conditions"][0]
    assert waiting["reason"] == "Unschedulable"
    assert waiting["message"] == "0/2 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) didn't match Pod's node affinity/selector."
    assert client.simulate_get("/tasks/b").json["node_affinity"] == [
        [{"key": MODEL, "operator": "In", "values": ["V100"]}]]


def test_a_deployments_pods_carry_its_gpu_and_affinity(client, settled):
    gpu_node(client, "g", 4)
    manifest = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "infer"}, "spec": {
        "replicas": 3, "selector": {"matchLabels": {"app": "infer"}}, "template": {
            "metadata": {"labels": {"app": "infer"}}, "spec": {**gpu_pod("x", "orchestrator.dev/gpu-share", "250m",
                                                                         affinity=model_affinity("T4"))["spec"]}}}}
    assert client.simulate_post("/apis/apps/v1/namespaces/default/deployments", json=manifest).status_code == 201
    settled()
    assert client.simulate_get("/nodes/g").json["gpu_allocation"] == [0.75, 0, 0, 0]


def test_a_native_gpu_task_shows_as_a_pod_with_gpu_limits_and_affinity(client):
    client.simulate_post("/tasks", json={"id": "n", "resources": {"gpu": 2}, "node_affinity": [
        [{"key": MODEL, "operator": "Exists"}]]})
    pod = client.simulate_get(f"{PODS}/n").json
    assert pod["spec"]["containers"][0]["resources"]["limits"] == {"nvidia.com/gpu": "2"}
    assert pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": MODEL, "operator": "Exists"}]}]}
    client.simulate_post("/tasks", json={"id": "s", "resources": {"gpu": 0.25}})
    assert client.simulate_get(f"{PODS}/s").json["spec"]["containers"][0]["resources"]["limits"] == {
        "orchestrator.dev/gpu-share": "250m"}


@pytest.mark.parametrize(("change", "field"), [
    (lambda c: c["resources"]["limits"].update({"nvidia.com/gpu": "1.5"}), "limits[nvidia.com/gpu]"),
    (lambda c: c["resources"]["limits"].update({"nvidia.com/gpu": "2"}) or c["resources"]["requests"].update(
        {"nvidia.com/gpu": "1"}), "requests[nvidia.com/gpu]"),
    (lambda c: c["resources"]["limits"].update({"orchestrator.dev/gpu-share": "1"}),
     "limits[orchestrator.dev/gpu-share]"),
    (lambda c: c["resources"]["limits"].update({"nvidia.com/gpu": "1", "orchestrator.dev/gpu-share": "500m"}),
     "spec.containers"),
    (lambda c: c["resources"]["limits"].update({"nvidia.com/gpu": "lots"}), "limits[nvidia.com/gpu]"),
])
def test_a_gpu_request_kubernetes_would_refuse_is_a_422_naming_the_field(client, change, field):
    manifest = gpu_pod("bad")
    manifest["spec"]["containers"][0]["resources"]["limits"] = {}
    change(manifest["spec"]["containers"][0])
    body = assert_status(client.simulate_post(PODS, json=manifest), 422, "Invalid")
    assert field in body["details"]["causes"][0]["field"], body
    assert client.simulate_get("/tasks").json == []


@pytest.mark.parametrize(("affinity", "field"), [
    ({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}},
     "nodeSelectorTerms"),
    ({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "Near", "values": ["a"]}]}]}}}, "matchExpressions[0].operator"),
    ({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]}}}, "matchFields"),
    ({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "rank", "operator": "Gt", "values": ["x"]}]}]}}}, "matchExpressions[0].values"),
])
def test_a_malformed_node_affinity_is_a_422_naming_the_field(client, affinity, field):
    body = assert_status(client.simulate_post(PODS, json=pod_manifest("bad", affinity=affinity)), 422, "Invalid")
    assert field in body["details"]["causes"][0]["field"], body


def test_gpu_in_requests_without_limits_is_refused_as_kubernetes_does(client):
    manifest = pod_manifest("bad")
    manifest["spec"]["containers"][0]["resources"]["requests"]["nvidia.com/gpu"] = "1"
    body = assert_status(client.simulate_post(PODS, json=manifest), 422, "Invalid", "Limit must be set")
    assert body["details"]["causes"][0]["field"] == "spec.containers[0].resources.limits[nvidia.com/gpu]"
    manifest["spec"]["containers"][0]["resources"]["limits"] = {"nvidia.com/gpu": 1.0}
    assert client.simulate_post(PODS, json=manifest).status_code == 201  # "1" and 1.0 are the same amount
