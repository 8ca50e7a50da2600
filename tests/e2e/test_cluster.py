"""End to end: a real server on an ephemeral port, a real HTTP client."""

from __future__ import annotations

import collections


def register(cluster, node_id, **body):
    response = cluster.post("/nodes", {"id": node_id, **body})
    assert response.status_code == 201, response.text
    return response.json()


def submit(cluster, **body):
    response = cluster.post("/tasks", body)
    assert response.status_code == 201, response.text
    return response.json()


def test_tasks_are_scheduled_run_and_succeed(cluster):
    for node_id in ("n1", "n2", "n3"):
        register(cluster, node_id)
    # Long enough that none ends before the last is placed, even on a busy
    # machine: an early end would free its node for the next (still spread).
    ids = [submit(cluster, resources={"cpu": "500m", "memory": "256Mi"}, duration=1.0)["id"] for _ in range(6)]
    for task_id in ids:
        done = cluster.wait_for_status(task_id, "succeeded")
        assert done["attempts"] == 1
        assert done["created_at"] <= done["scheduled_at"] <= done["started_at"] < done["finished_at"]
    placed = collections.Counter(cluster.task(t)["node"] for t in ids)
    assert placed == {"n1": 2, "n2": 2, "n3": 2}  # spread
    nodes = cluster.get("/nodes").json()
    assert [n["allocated"] for n in nodes] == [{"cpu": 0, "memory": 0}] * 3


def test_a_failed_node_sheds_its_tasks_to_the_others(cluster):
    register(cluster, "a")
    task_id = submit(cluster, resources={"cpu": 1000})["id"]
    assert cluster.wait_for_status(task_id, "running")["node"] == "a"
    register(cluster, "b")
    assert cluster.put("/nodes/a", {"healthy": False}).status_code == 200
    cluster.wait_until(lambda: cluster.task(task_id)["node"] == "b")
    moved = cluster.wait_for_status(task_id, "running")
    assert moved["attempts"] == 2
    assert [n["id"] for n in cluster.get("/nodes", params={"healthy": "false"}).json()] == ["a"]


def test_deleting_a_node_reschedules_its_tasks(cluster):
    register(cluster, "a")
    task_id = submit(cluster)["id"]
    cluster.wait_for_status(task_id, "running")
    assert cluster.delete("/nodes/a").status_code == 204
    assert cluster.get("/nodes/a").status_code == 404
    pending = cluster.task(task_id)
    assert (pending["status"], pending["node"]) == ("pending", None)
    register(cluster, "b")
    assert cluster.wait_for_status(task_id, "running")["node"] == "b"


def test_a_cordoned_node_takes_no_new_work(cluster):
    register(cluster, "a")
    register(cluster, "b")
    assert cluster.put("/nodes/a", {"schedulable": False}).json()["schedulable"] is False
    ids = [submit(cluster)["id"] for _ in range(3)]
    for task_id in ids:
        assert cluster.wait_for_status(task_id, "running")["node"] == "b"


def test_a_task_too_big_for_any_node_stays_pending_with_reasons(cluster):
    register(cluster, "a", capacity={"cpu": 1000, "memory": 1024})
    register(cluster, "b", capacity={"cpu": 1000, "memory": 1024})
    task_id = submit(cluster, resources={"cpu": 2000, "memory": "2Gi"})["id"]
    cluster.wait_until(lambda: cluster.task(task_id)["message"] != "")
    task = cluster.task(task_id)
    assert task["status"] == "pending"
    assert task["message"] == "0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory."


def test_binpack_fills_one_node_first(cluster_factory):
    cluster = cluster_factory(reconcile_interval=3600.0, policy="binpack")
    register(cluster, "a")
    register(cluster, "b")
    ids = [submit(cluster, resources={"cpu": 1000})["id"] for _ in range(4)]
    assert {cluster.wait_for_status(t, "running")["node"] for t in ids} == {"a"}


def test_a_real_node_must_heartbeat(cluster_factory):
    cluster = cluster_factory(reconcile_interval=0.05, node_timeout=0.3)
    register(cluster, "real", simulated=False)
    task_id = submit(cluster)["id"]
    assert cluster.wait_for_status(task_id, "scheduled")["node"] == "real"
    cluster.wait_until(lambda: cluster.get("/nodes/real").json()["healthy"] is False)
    cluster.wait_until(lambda: cluster.task(task_id)["status"] == "pending")
    revived = cluster.post("/nodes/real/heartbeat")
    assert revived.status_code == 200 and revived.json()["healthy"] is True
    assert cluster.wait_for_status(task_id, "scheduled")["attempts"] == 2
    assert cluster.put(f"/tasks/{task_id}", {"status": "running"}).json()["status"] == "running"
    assert cluster.put(f"/tasks/{task_id}", {"status": "succeeded"}).json()["status"] == "succeeded"


def test_deleting_a_task_frees_room_for_the_next(cluster):
    register(cluster, "a", capacity={"cpu": 1000})
    first = submit(cluster, resources={"cpu": 1000})["id"]
    second = submit(cluster, resources={"cpu": 1000})["id"]
    cluster.wait_for_status(first, "running")
    assert cluster.delete(f"/tasks/{first}").status_code == 204
    assert cluster.wait_for_status(second, "running")["node"] == "a"
