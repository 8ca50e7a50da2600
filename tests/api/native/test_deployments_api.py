"""/deployments through falcon.testing: create, read with readiness, scale,
change the template, delete with its tasks, versions."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import (
    DEPLOYMENT_FIELDS,
    VERSION_FIELD,
    assert_error,
    list_ids,
    post_node,
    post_task,
)

HASH = re.compile(r"^[0-9a-f]{10}$")


def post_deployment(client, deployment_id="web", **fields):
    resp = client.simulate_post("/deployments", json={"id": deployment_id, **fields})
    assert resp.status_code == 201, resp.text
    return resp.json


def get_deployment(client, deployment_id="web"):
    resp = client.simulate_get(f"/deployments/{deployment_id}")
    assert resp.status_code == 200, resp.text
    return resp.json


def put_deployment(client, body, deployment_id="web", **kw):
    resp = client.simulate_put(f"/deployments/{deployment_id}", json=body, **kw)
    assert resp.status_code == 200, resp.text
    return resp.json


def tasks_of(client, deployment_id="web"):
    resp = client.simulate_get("/tasks")
    assert resp.status_code == 200
    return [t for t in resp.json if t["owner"] == deployment_id]


# -- POST /deployments ------------------------------------------------------------------


def test_create_answers_201_with_defaults(client):
    resp = client.simulate_post("/deployments", json={"id": "web"})

    assert resp.status_code == 201
    deployment = resp.json
    assert set(deployment) == DEPLOYMENT_FIELDS | {VERSION_FIELD}
    assert resp.headers["location"].endswith("/deployments/web")
    assert resp.headers["etag"] == f'"{deployment["version"]}"'
    assert deployment == {
        **deployment,
        "id": "web",
        "replicas": 1,
        "template": {"resources": {"cpu": 0, "memory": 0}, "node_selector": {}, "duration": None,
                     "outcome": "succeeded", "labels": {}, "priority": 0, "preemption_policy": "PreemptLowerPriority"},
    }
    assert HASH.fullmatch(deployment["template_hash"])
    assert deployment["created_at"].endswith("Z")


def test_replicas_are_made_from_the_template_and_counted_ready(client, settled):
    post_node(client, "n1", labels={"zone": "a"})
    deployment = post_deployment(client, replicas=3, template={
        "resources": {"cpu": "250m", "memory": "64Mi"}, "node_selector": {"zone": "a"}, "duration": 60,
    })
    settled()

    tasks = tasks_of(client)
    assert len(tasks) == 3
    for task in tasks:
        assert re.fullmatch(r"web-[a-z0-9]{5}", task["id"]) and task["name"] == task["id"]
        assert (task["status"], task["node"], task["template_hash"]) == ("running", "n1", deployment["template_hash"])
        assert (task["resources"], task["node_selector"], task["duration"]) == (
            {"cpu": 250, "memory": 64}, {"zone": "a"}, 60.0,
        )
    shown = get_deployment(client)
    assert (shown["replicas"], shown["ready"], shown["available"]) == (3, 3, 3)


def test_ready_counts_only_running_replicas(client, settled):
    post_node(client, "n1", capacity={"cpu": 1000})
    post_deployment(client, replicas=3, template={"resources": {"cpu": 400}})
    settled()

    shown = get_deployment(client)
    assert (shown["replicas"], shown["ready"], shown["available"]) == (3, 2, 2)
    assert sorted(t["status"] for t in tasks_of(client)) == ["pending", "running", "running"]


def test_a_taken_id_is_409_naming_it(client):
    post_deployment(client, replicas=2)

    assert_error(client.simulate_post("/deployments", json={"id": "web", "replicas": 5}), 409, "web")
    assert get_deployment(client)["replicas"] == 2


def test_a_deployment_and_a_task_may_share_an_id(client):
    post_task(client, id="web")
    post_deployment(client)

    assert get_deployment(client)["id"] == "web"


# -- GET --------------------------------------------------------------------------------


def test_list_is_sorted_by_id(client):
    for deployment_id in ("web", "api", "cache"):
        post_deployment(client, deployment_id, replicas=0)

    assert list_ids(client, "/deployments") == ["api", "cache", "web"]
    assert client.simulate_get("/deployments").json[0] == get_deployment(client, "api")


def test_an_unknown_deployment_is_404_naming_it(client):
    for method in ("GET", "PUT", "DELETE"):
        resp = client.simulate_request(method, "/deployments/ghost", json={} if method == "PUT" else None)
        assert_error(resp, 404, "deployment 'ghost'")


# -- PUT --------------------------------------------------------------------------------


def test_scale_up_and_down(client, settled):
    post_node(client, "n1")
    post_deployment(client, replicas=2)
    settled()

    assert put_deployment(client, {"replicas": 5})["replicas"] == 5
    settled()
    assert len(tasks_of(client)) == 5 and get_deployment(client)["ready"] == 5
    assert put_deployment(client, {"replicas": 1})["replicas"] == 1
    settled()
    assert len(tasks_of(client)) == 1 and get_deployment(client)["ready"] == 1


def test_a_template_change_replaces_every_task(client, settled):
    post_node(client, "n1")
    before = post_deployment(client, replicas=3, template={"resources": {"cpu": 100}})
    settled()
    old_ids = {t["id"] for t in tasks_of(client)}

    after = put_deployment(client, {"template": {"resources": {"cpu": 200}}})
    settled()

    assert after["template_hash"] != before["template_hash"] and after["replicas"] == 3
    assert after["template"]["resources"] == {"cpu": 200, "memory": 0}
    tasks = tasks_of(client)
    assert len(tasks) == 3 and old_ids.isdisjoint(t["id"] for t in tasks)
    assert {(t["template_hash"], t["status"], t["resources"]["cpu"]) for t in tasks} == {
        (after["template_hash"], "running", 200)
    }


def test_a_put_without_changes_writes_nothing(client):
    created = post_deployment(client, replicas=0)

    assert put_deployment(client, {}) == created
    assert put_deployment(client, {"replicas": 0, "version": created["version"]}) == created


def test_a_stale_version_is_409_and_changes_nothing(client):
    created = post_deployment(client, replicas=0)
    put_deployment(client, {"replicas": 1})

    resp = client.simulate_put("/deployments/web", json={"replicas": 4}, headers={"If-Match": f'"{created["version"]}"'})
    assert_error(resp, 409, "web", str(created["version"]))
    resp = client.simulate_put("/deployments/web", json={"replicas": 4, "version": created["version"]})
    assert_error(resp, 409, "web")
    assert get_deployment(client)["replicas"] == 1


def test_put_with_the_current_version_applies(client):
    created = post_deployment(client, replicas=0)

    resp = client.simulate_put("/deployments/web", json={"replicas": 2}, headers={"If-Match": f'"{created["version"]}"'})
    assert resp.status_code == 200
    assert resp.json["version"] > created["version"]
    assert resp.headers["etag"] == f'"{resp.json["version"]}"'


# -- DELETE -----------------------------------------------------------------------------


def test_delete_removes_the_deployment_and_its_tasks(client, settled):
    post_node(client, "n1")
    post_deployment(client, "web", replicas=3, template={"resources": {"cpu": 100}})
    post_deployment(client, "api", replicas=1, template={"resources": {"cpu": 100}})
    post_task(client, id="solo")
    settled()

    resp = client.simulate_delete("/deployments/web")
    assert resp.status_code == 204
    assert tasks_of(client, "web") == []
    settled()
    assert tasks_of(client, "web") == []
    assert list_ids(client, "/deployments") == ["api"]
    assert "solo" in list_ids(client, "/tasks") and len(tasks_of(client, "api")) == 1
    assert client.simulate_get("/nodes/n1").json["allocated"] == {"cpu": 100, "memory": 0}
    assert_error(client.simulate_get("/deployments/web"), 404, "web")


def test_delete_with_a_stale_version_is_409_and_keeps_everything(client, settled):
    post_node(client, "n1")
    created = post_deployment(client, replicas=2)
    put_deployment(client, {"replicas": 3})
    settled()

    assert_error(client.simulate_delete("/deployments/web", json={"version": created["version"]}), 409, "web")
    assert len(tasks_of(client)) == 3
    current = get_deployment(client)["version"]
    assert client.simulate_delete("/deployments/web", headers={"If-Match": f'"{current}"'}).status_code == 204


@pytest.mark.parametrize("replicas", [0, 2])
def test_a_task_of_a_deployment_deleted_by_hand_comes_back(client, settled, replicas):
    post_node(client, "n1")
    post_deployment(client, replicas=replicas)
    settled()
    for task in tasks_of(client):
        assert client.simulate_delete(f"/tasks/{task['id']}").status_code == 204
    settled()

    assert len(tasks_of(client)) == replicas and get_deployment(client)["ready"] == replicas
