"""GPUs and node affinity through the native API: nodes with devices, tasks
that take shares or whole devices, what each device holds, and why a task
waits."""

from __future__ import annotations

from tests.api.conftest import post_node

T4 = {"nvidia.com/gpu.product": "T4"}


def post_task(client, task_id: str, **fields) -> dict:
    resp = client.simulate_post("/tasks", json={"id": task_id, **fields})
    assert resp.status_code == 201, resp.text
    return resp.json


def test_shares_fill_a_device_before_whole_gpus_take_free_ones(client, settled):
    node = post_node(client, "g", capacity={"cpu": 64000, "memory": 65536, "gpu": 2}, labels=T4)
    assert node["capacity"]["gpu"] == 2 and node["gpu_allocation"] == [0, 0]
    assert post_task(client, "half", resources={"gpu": 0.5})["resources"]["gpu"] == 0.5
    post_task(client, "quarter", resources={"gpu": "250m"})
    post_task(client, "whole", resources={"gpu": 1})
    post_task(client, "two", resources={"gpu": 2})
    settled()
    shown = {t["id"]: t for t in client.simulate_get("/tasks").json}
    assert (shown["half"]["gpu_devices"], shown["quarter"]["gpu_devices"], shown["whole"]["gpu_devices"]) == (
        [0], [0], [1])
    assert shown["two"]["status"] == "pending"
    assert shown["two"]["message"] == "0/1 nodes are available: 1 Insufficient nvidia.com/gpu."
    node = client.simulate_get("/nodes/g").json
    assert node["allocated"]["gpu"] == 1.75 and node["gpu_allocation"] == [0.75, 1]
    assert client.simulate_delete("/tasks/whole").status_code == 204
    assert client.simulate_get("/nodes/g").json["gpu_allocation"] == [0.75, 0]


def test_node_affinity_chooses_the_gpu_model_and_counts_the_nodes_that_did_not_match(client, settled):
    post_node(client, "t4", capacity={"gpu": 1}, labels=T4)
    post_node(client, "v100", capacity={"gpu": 1}, labels={"nvidia.com/gpu.product": "V100"})
    wants_v100 = [[{"key": "nvidia.com/gpu.product", "operator": "In", "values": ["V100", "A100"]}]]
    created = post_task(client, "train", resources={"gpu": 1}, node_affinity=wants_v100)
    assert created["node_affinity"] == wants_v100
    post_task(client, "again", resources={"gpu": 1}, node_affinity=wants_v100)
    settled()
    assert client.simulate_get("/tasks/train").json["node"] == "v100"
    assert client.simulate_get("/tasks/again").json["message"] == (
        "0/2 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) didn't match Pod's node affinity/selector.")


def test_a_deployments_replicas_carry_its_gpu_and_affinity(client, settled):
    post_node(client, "g", capacity={"gpu": 4}, labels=T4)
    resp = client.simulate_post("/deployments", json={"id": "infer", "replicas": 3, "template": {
        "resources": {"gpu": 0.5}, "node_affinity": [[{"key": "nvidia.com/gpu.product", "operator": "Exists"}]]}})
    assert resp.status_code == 201, resp.text
    settled()
    assert client.simulate_get("/deployments/infer").json["ready"] == 3
    assert client.simulate_get("/nodes/g").json["gpu_allocation"] == [1, 0.5, 0, 0]


def test_a_node_without_gpus_shows_none_and_a_task_without_gpu_fits_anywhere(client, settled):
    node = post_node(client, "cpu")
    assert "gpu" not in node["capacity"] and "gpu_allocation" not in node
    task = post_task(client, "plain")
    assert "gpu" not in task["resources"] and "gpu_devices" not in task
    settled()
    assert client.simulate_get("/tasks/plain").json["node"] == "cpu"
