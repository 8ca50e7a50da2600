"""``GET /tasks/{id}/placement``: the explanation recorded when a task was
placed, or computed now for one that waits; paged and searchable."""

from __future__ import annotations

from tests.api.conftest import post_node


def test_a_placed_task_shows_the_recorded_decision_with_every_score_part(client, settled):
    post_node(client, "small", capacity={"cpu": 1000})
    post_node(client, "big", capacity={"cpu": 8000})
    post_node(client, "down", capacity={"cpu": 8000})
    client.simulate_put("/nodes/down", json={"healthy": False})
    client.simulate_post("/tasks", json={"id": "t", "resources": {"cpu": 2000}})
    settled()
    shown = client.simulate_get("/tasks/t/placement").json
    assert shown["recorded"] is True and shown["node"] == shown["bound_to"] == "big"
    assert shown["nodes"] == {"total": 3, "feasible": 1, "rejected": 2}
    assert shown["rejected"] == {"Insufficient cpu": 1, "node(s) were not ready": 1}
    (best,) = shown["candidates"]
    assert best["node"] == "big" and set(best["scores"]) == {
        "NodeResourcesFit", "NodeResourcesBalancedAllocation", "TaintToleration", "NodeAffinity",
        "PodTopologySpread", "InterPodAffinity"}
    assert best["total"] == sum(shown["weights"][k] * v for k, v in best["scores"].items())
    assert shown["status"] in ("scheduled", "running") and shown["scheduled_at"]


def test_a_pending_task_is_explained_now_each_node_with_its_reasons(client, settled):
    post_node(client, "a", capacity={"cpu": 1000}, labels={"zone": "x"})
    post_node(client, "b", capacity={"cpu": 8000})
    client.simulate_post("/tasks", json={"id": "t", "resources": {"cpu": 2000}, "node_selector": {"zone": "x"}})
    settled()
    shown = client.simulate_get("/tasks/t/placement").json
    assert shown["recorded"] is False and shown["node"] is None and shown["bound_to"] is None
    assert shown["status"] == "pending" and shown["message"].startswith("0/2 nodes are available")
    assert shown["rejections"] == [{"node": "a", "reasons": ["Insufficient cpu"]},
                                   {"node": "b", "reasons": ["node(s) didn't match Pod's node affinity/selector"]}]
    assert shown["candidates"] == []


def test_pages_and_search_cover_a_large_cluster(client, settled):
    for i in range(30):
        post_node(client, f"n{i:02d}", capacity={"cpu": 1000 + 100 * i})
    client.simulate_post("/tasks", json={"id": "t", "resources": {"cpu": 500}})
    settled()
    first = client.simulate_get("/tasks/t/placement", params={"limit": 5}).json
    assert first["recorded"] is True and first["nodes"]["feasible"] == 30
    assert [c["node"] for c in first["candidates"]][:1] == [first["bound_to"]]
    page = client.simulate_get("/tasks/t/placement", params={"limit": 5, "offset": 5}).json
    assert page["recorded"] is False and len(page["candidates"]) == 5
    totals = [c["total"] for c in page["candidates"]]
    assert totals == sorted(totals, reverse=True)
    found = client.simulate_get("/tasks/t/placement", params={"node": "n2"}).json
    assert {c["node"] for c in found["candidates"]} == {f"n2{i}" for i in range(10)}


def test_bad_parameters_and_unknown_tasks_are_4xx(client):
    assert client.simulate_get("/tasks/none/placement").status_code == 404
    client.simulate_post("/tasks", json={"id": "t"})
    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "x"}):
        response = client.simulate_get("/tasks/t/placement", params=params)
        assert response.status_code == 400 and response.json["title"], params
