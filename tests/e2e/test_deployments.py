"""End to end: a deployment's life over real HTTP, on a real server whose
periodic reconcile is an hour away, so every step must follow from a change."""

from __future__ import annotations


def _register(cluster, node_id: str) -> None:
    response = cluster.post("/nodes", {"id": node_id})
    assert response.status_code == 201, response.text


def test_a_deployment_is_scaled_rolled_healed_and_deleted(cluster):
    def deployment() -> dict:
        response = cluster.get("/deployments/web")
        assert response.status_code == 200, response.text
        return response.json()

    def replicas() -> list[dict]:
        return [t for t in cluster.get("/tasks").json() if t["owner"] == "web" and t["status"] != "succeeded"]

    def settled_at(count: int, template_hash: str) -> bool:
        tasks = replicas()
        return (
            deployment()["ready"] == count
            and len(tasks) == count
            and all(t["template_hash"] == template_hash and t["status"] == "running" for t in tasks)
        )

    _register(cluster, "a")
    _register(cluster, "b")
    created = cluster.post("/deployments", {"id": "web", "replicas": 3, "template": {"resources": {"cpu": "500m"}}})
    assert created.status_code == 201, created.text
    first_hash = created.json()["template_hash"]
    cluster.wait_until(lambda: settled_at(3, first_hash))

    assert cluster.put("/deployments/web", {"replicas": 5}).status_code == 200
    cluster.wait_until(lambda: settled_at(5, first_hash))
    assert {t["node"] for t in replicas()} == {"a", "b"}

    changed = cluster.put("/deployments/web", {"template": {"resources": {"cpu": "600m"}}})
    assert changed.status_code == 200, changed.text
    second_hash = changed.json()["template_hash"]
    assert second_hash != first_hash
    cluster.wait_until(lambda: settled_at(5, second_hash))

    assert cluster.put("/nodes/a", {"healthy": False}).status_code == 200
    cluster.wait_until(lambda: settled_at(5, second_hash) and {t["node"] for t in replicas()} == {"b"})
    assert deployment()["available"] == 5

    assert cluster.delete("/deployments/web").status_code == 204
    assert cluster.get("/deployments/web").status_code == 404
    assert [t for t in cluster.get("/tasks").json() if t["owner"] == "web"] == []
    assert cluster.get("/nodes/b").json()["allocated"] == {"cpu": 0, "memory": 0}
