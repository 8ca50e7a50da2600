"""/tasks through falcon.testing: submit, list and filter, scheduling as
seen over HTTP, status reports, deletion, versions and racing creators."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import falcon.testing
import pytest

from api.app import create_app
from tests.api.conftest import (
    TASK_FIELDS,
    VERSION_FIELD,
    assert_error,
    get_node,
    get_task,
    list_ids,
    post_node,
    post_task,
)

AUTO_ID = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$")


# -- POST /tasks ---------------------------------------------------------------------


def test_submit_without_id_answers_201_with_a_pending_task_and_defaults(client):
    resp = client.simulate_post("/tasks", json={})

    assert resp.status_code == 201
    task = resp.json
    assert set(task) == TASK_FIELDS | {VERSION_FIELD}
    assert AUTO_ID.fullmatch(task["id"])
    assert resp.headers["location"].endswith(f"/tasks/{task['id']}")
    assert task == {
        **task,
        "name": task["id"],
        "status": "pending",
        "node": None,
        "resources": {"cpu": 0, "memory": 0},
        "node_selector": {},
        "duration": None,
        "outcome": "succeeded",
        "attempts": 0,
        "message": "",
        "scheduled_at": None,
        "started_at": None,
        "finished_at": None,
    }
    assert task["created_at"].endswith("Z")
    # A reconcile may already have said why it waits (no nodes): message and version move.
    unchanging = lambda t: {k: v for k, v in t.items() if k not in ("message", "version")}  # noqa: E731
    assert unchanging(get_task(client, task["id"])) == unchanging(task)


def test_ids_made_by_the_server_are_unique(client):
    ids = {post_task(client)["id"] for _ in range(20)}

    assert len(ids) == 20
    assert set(list_ids(client, "/tasks")) == ids


def test_submit_with_every_field_keeps_them(client):
    resp = client.simulate_post("/tasks", json={
        "id": "t1",
        "name": "render frame 7",
        "resources": {"cpu": "1.5", "memory": "1Gi"},
        "node_selector": {"zone": "a"},
        "duration": 2.5,
        "outcome": "failed",
    })

    assert resp.status_code == 201
    assert resp.headers["location"].endswith("/tasks/t1")
    task = resp.json
    assert (task["id"], task["name"], task["status"]) == ("t1", "render frame 7", "pending")
    assert task["resources"] == {"cpu": 1500, "memory": 1024}
    assert task["node_selector"] == {"zone": "a"}
    assert (task["duration"], task["outcome"]) == (2.5, "failed")


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        ({}, {"cpu": 0, "memory": 0}),
        ({"cpu": 250}, {"cpu": 250, "memory": 0}),
        ({"memory": "512Mi"}, {"cpu": 0, "memory": 512}),
        ({"cpu": "500m", "memory": "8Gi"}, {"cpu": 500, "memory": 8192}),
        ({"cpu": "2", "memory": 64}, {"cpu": 2000, "memory": 64}),
    ],
)
def test_resources_default_to_zero_and_take_quantities(client, resources, expected):
    assert post_task(client, resources=resources)["resources"] == expected


def test_an_explicit_null_id_lets_the_server_choose(client):
    task = post_task(client, id=None)

    assert AUTO_ID.fullmatch(task["id"])


def test_duplicate_id_is_409_naming_it_and_keeps_the_first(client):
    post_task(client, id="t1", name="first")

    resp = client.simulate_post("/tasks", json={"id": "t1", "name": "second"})

    assert_error(resp, 409, "t1")
    assert get_task(client, "t1")["name"] == "first"
    assert list_ids(client, "/tasks") == ["t1"]


# -- GET /tasks ------------------------------------------------------------------------


# -- POST /tasks with an array: a batch --------------------------------------------------------


def test_a_batch_answers_201_with_the_created_tasks_in_order(client, store, control_plane):
    batch = [
        {"id": "b1", "resources": {"cpu": "250m", "memory": "64Mi"}, "duration": 30},
        {},
        {"name": "third", "node_selector": {"zone": "a"}, "outcome": "failed"},
    ]

    resp = client.simulate_post("/tasks", json=batch)

    assert resp.status_code == 201, resp.text
    created = resp.json
    assert isinstance(created, list) and len(created) == 3
    assert all(set(task) == TASK_FIELDS | {VERSION_FIELD} for task in created)
    assert all(task["status"] == "pending" for task in created)
    assert created[0]["id"] == "b1" and created[0]["resources"] == {"cpu": 250, "memory": 64}
    assert AUTO_ID.fullmatch(created[1]["id"]) and created[1]["name"] == created[1]["id"]
    assert created[2]["name"] == "third" and created[2]["outcome"] == "failed"
    assert created[2]["node_selector"] == {"zone": "a"}
    assert len({task["version"] for task in created}) == 1  # one transaction
    assert len({task["created_at"] for task in created}) == 1  # at one moment
    ids = [task["id"] for task in created]
    assert list_ids(client, "/tasks") == (sorted(ids) if store.startswith("etcd") else ids)  # etcd: by id
    assert "location" not in resp.headers


def test_a_batch_of_one_is_still_an_array(client):
    resp = client.simulate_post("/tasks", json=[{"id": "one"}])

    assert resp.status_code == 201
    assert [task["id"] for task in resp.json] == ["one"]


def test_a_batch_of_1000_tasks_is_created(client, store):
    resp = client.simulate_post("/tasks", json=[{"id": f"t{i}"} for i in range(1000)])

    assert resp.status_code == 201, resp.text[:300]
    sent = [f"t{i}" for i in range(1000)]
    assert [task["id"] for task in resp.json] == sent
    # On etcd a batch is one revision, and tasks of one revision list by id
    # on every process (see README, "How it works").
    assert list_ids(client, "/tasks") == (sorted(sent) if store.startswith("etcd") else sent)


def test_batched_tasks_are_scheduled_like_any_other(client, settled):
    post_node(client, "n1")
    assert client.simulate_post("/tasks", json=[{"id": "a"}, {"id": "b"}]).status_code == 201
    settled()

    assert [get_task(client, i)["status"] for i in ("a", "b")] == ["running", "running"]


def test_a_batch_records_a_created_event_per_task_in_order(client):
    client.simulate_post("/tasks", json=[{"id": "e1"}, {"id": "e2"}])

    created = [e["object"] for e in client.simulate_get("/events", params={"kind": "task"}).json if e["reason"] == "Created"]
    assert created == ["e1", "e2"]


def test_get_an_unknown_task_is_404_naming_it(client):
    assert_error(client.simulate_get("/tasks/ghost"), 404, "ghost")


def test_list_is_in_creation_order(client, settled):
    post_node(client, "n1")
    for task_id in ["c", "a", "b", "z-1", "m"]:
        post_task(client, id=task_id)
    settled()  # scheduling rewrites every task; the order must not change

    assert list_ids(client, "/tasks") == ["c", "a", "b", "z-1", "m"]


@pytest.fixture
def mixed(client, settled, control_plane) -> None:
    """On n1 (cpu 1000): r1, r2 running; big pending; f1 failed; done succeeded."""
    post_node(client, "n1", capacity={"cpu": 1000})
    post_task(client, id="r1", resources={"cpu": 300})
    post_task(client, id="big", resources={"cpu": 5000})
    post_task(client, id="f1", resources={"cpu": 100})
    post_task(client, id="done", resources={"cpu": 100}, duration=0)
    post_task(client, id="r2", resources={"cpu": 300})
    settled()
    assert client.simulate_put("/tasks/f1", json={"status": "failed"}).status_code == 200
    # duration 0: "done" ends the first time the kubelet looks at the clock
    control_plane.kubelet.tick().get(timeout=5)
    settled()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["r1", "big", "f1", "done", "r2"]),
        ({"status": "running"}, ["r1", "r2"]),
        ({"status": "pending"}, ["big"]),
        ({"status": "failed"}, ["f1"]),
        ({"status": "succeeded"}, ["done"]),
        ({"status": "scheduled"}, []),
        ({"node": "n1"}, ["r1", "f1", "done", "r2"]),
        ({"node": "n1", "status": "running"}, ["r1", "r2"]),
        ({"node": "n1", "status": "pending"}, []),
        ({"node": "n1", "status": "succeeded"}, ["done"]),
        ({"node": "n2"}, []),
    ],
)
def test_status_and_node_filters(client, mixed, query, expected):
    assert list_ids(client, "/tasks", **query) == expected


def test_node_filter_splits_tasks_between_nodes(client, settled):
    post_node(client, "n1", labels={"zone": "a"})
    post_node(client, "n2", labels={"zone": "b"})
    for task_id, zone in [("t1", "a"), ("t2", "b"), ("t3", "a"), ("t4", "b")]:
        post_task(client, id=task_id, node_selector={"zone": zone})
    settled()

    assert list_ids(client, "/tasks", node="n1") == ["t1", "t3"]
    assert list_ids(client, "/tasks", node="n2") == ["t2", "t4"]


# -- scheduling as seen over HTTP ---------------------------------------------------------


def test_a_task_is_scheduled_and_running_after_settle(client, settled):
    post_node(client, "n1")
    submitted = post_task(client, id="t1", resources={"cpu": 500, "memory": 256})

    settled()

    task = get_task(client, "t1")
    assert submitted["status"] == "pending"
    assert (task["status"], task["node"], task["attempts"], task["message"]) == ("running", "n1", 1, "")
    assert task["scheduled_at"] is not None and task["started_at"] is not None
    assert task["finished_at"] is None
    assert get_node(client, "n1")["allocated"] == {"cpu": 500, "memory": 256}


def test_a_task_on_a_non_simulated_node_stays_scheduled(client, settled):
    post_node(client, "n1", simulated=False)
    post_task(client, id="t1")

    settled()

    task = get_task(client, "t1")
    assert (task["status"], task["node"], task["started_at"]) == ("scheduled", "n1", None)


def test_a_task_with_a_duration_ends_in_its_outcome(client, settled, clock, control_plane):
    post_node(client, "n1")
    post_task(client, id="ok", duration=10)
    post_task(client, id="bad", duration=10, outcome="failed")
    settled()

    clock.advance(10)
    control_plane.kubelet.tick().get(timeout=5)
    settled()

    assert get_task(client, "ok")["status"] == "succeeded"
    assert get_task(client, "bad")["status"] == "failed"
    assert get_task(client, "ok")["finished_at"] is not None
    assert get_node(client, "n1")["allocated"] == {"cpu": 0, "memory": 0}


@pytest.mark.parametrize(
    ("nodes", "resources", "message"),
    [
        ([("n1", {"cpu": 1000}, {})], {"cpu": 2000}, "0/1 nodes are available: 1 Insufficient cpu."),
        ([("n1", {"memory": 512}, {})], {"memory": "1Gi"}, "0/1 nodes are available: 1 Insufficient memory."),
        (
            [("n1", {"cpu": 1000}, {}), ("n2", {"cpu": 1000}, {}), ("n3", {}, {"healthy": False})],
            {"cpu": "1.5"},
            "0/3 nodes are available: 1 node(s) were not ready, 2 Insufficient cpu.",
        ),
        (
            [("n1", {}, {"schedulable": False}), ("n2", {}, {"healthy": False})],
            {},
            "0/2 nodes are available: 1 node(s) were not ready, 1 node(s) were unschedulable.",
        ),
        ([], {}, "0/0 nodes are available: no nodes registered."),
    ],
)
def test_a_task_that_fits_nowhere_stays_pending_with_the_reasons(client, settled, nodes, resources, message):
    for node_id, capacity, changes in nodes:
        post_node(client, node_id, capacity=capacity)
        if changes:
            assert client.simulate_put(f"/nodes/{node_id}", json=changes).status_code == 200
    post_task(client, id="t1", resources=resources)

    settled()

    task = get_task(client, "t1")
    assert (task["status"], task["node"], task["attempts"]) == ("pending", None, 0)
    assert task["message"] == message


def test_a_selector_that_no_node_matches_keeps_the_task_pending(client, settled):
    post_node(client, "n1", labels={"zone": "a"})
    post_task(client, id="t1", node_selector={"zone": "b"})

    settled()

    task = get_task(client, "t1")
    assert task["status"] == "pending"
    assert task["message"].startswith("0/1 nodes are available: 1 ")


# -- PUT /tasks/{id}: status reports --------------------------------------------------------


@pytest.fixture
def task_in(client, settled):
    """``task_in(status)`` makes task t1 reach ``status`` on a non-simulated
    node n1 (cpu 1000), through the API, and returns it."""
    post_node(client, "n1", simulated=False, capacity={"cpu": 1000})

    def make(status: str) -> dict:
        too_big = status == "pending"
        post_task(client, id="t1", resources={"cpu": 5000 if too_big else 500})
        settled()
        path = {
            "pending": [], "scheduled": [], "running": ["running"],
            "succeeded": ["running", "succeeded"], "failed": ["failed"],
        }[status]
        for step in path:
            assert client.simulate_put("/tasks/t1", json={"status": step}).status_code == 200
        task = get_task(client, "t1")
        assert task["status"] == status
        return task

    return make


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("scheduled", "running"),
        ("running", "succeeded"),
        ("running", "failed"),
        ("pending", "failed"),
        ("scheduled", "failed"),
    ],
)
def test_allowed_status_reports(client, task_in, start, target):
    before = task_in(start)

    resp = client.simulate_put("/tasks/t1", json={"status": target})

    assert resp.status_code == 200
    assert resp.json["status"] == target
    assert get_task(client, "t1")["status"] == target
    if target == "running":
        assert resp.json["started_at"] is not None
    else:
        assert resp.json["finished_at"] is not None
    assert resp.json["version"] > before["version"]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("pending", "scheduled"),
        ("pending", "running"),
        ("pending", "succeeded"),
        ("pending", "pending"),
        ("scheduled", "pending"),
        ("scheduled", "scheduled"),
        ("scheduled", "succeeded"),
        ("running", "pending"),
        ("running", "scheduled"),
        ("running", "running"),
        ("succeeded", "failed"),
        ("succeeded", "running"),
        ("succeeded", "pending"),
        ("failed", "succeeded"),
        ("failed", "running"),
        ("failed", "failed"),
    ],
)
def test_illegal_status_reports_are_409_naming_both_statuses(client, task_in, start, target):
    before = task_in(start)

    resp = client.simulate_put("/tasks/t1", json={"status": target})

    error = assert_error(resp, 409, "t1", start, target)
    if start != target:
        assert error["description"].index(start) < error["description"].index(target)
    assert get_task(client, "t1") == before


def test_a_status_report_for_an_unknown_task_is_404(client):
    assert_error(client.simulate_put("/tasks/ghost", json={"status": "failed"}), 404, "ghost")


def test_failing_a_running_task_frees_its_resources_for_a_waiting_one(client, task_in, settled):
    task_in("running")
    post_task(client, id="t2", resources={"cpu": 800})
    settled()
    assert get_task(client, "t2")["status"] == "pending"

    client.simulate_put("/tasks/t1", json={"status": "failed"})
    settled()

    assert get_task(client, "t2")["node"] == "n1"
    assert get_node(client, "n1")["allocated"]["cpu"] == 800


# -- DELETE /tasks/{id} -----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "scheduled", "running", "succeeded", "failed"])
def test_delete_answers_204_and_frees_the_resources(client, task_in, status):
    task_in(status)

    resp = client.simulate_delete("/tasks/t1")

    assert resp.status_code == 204
    assert resp.text == ""
    assert_error(client.simulate_get("/tasks/t1"), 404, "t1")
    assert get_node(client, "n1")["allocated"] == {"cpu": 0, "memory": 0}
    assert list_ids(client, "/tasks") == []


def test_deleting_a_task_lets_a_waiting_one_be_placed(client, settled):
    post_node(client, "n1", capacity={"cpu": 1000})
    post_task(client, id="t1", resources={"cpu": 1000})
    post_task(client, id="t2", resources={"cpu": 1000})
    settled()
    assert get_task(client, "t2")["message"] == "0/1 nodes are available: 1 Insufficient cpu."

    client.simulate_delete("/tasks/t1")
    settled()

    assert (get_task(client, "t2")["status"], get_task(client, "t2")["node"]) == ("running", "n1")


def test_delete_an_unknown_task_is_404(client):
    assert_error(client.simulate_delete("/tasks/ghost"), 404, "ghost")


# -- versions: ETag, If-Match and "version" -----------------------------------------------------


def test_every_answer_about_a_task_carries_its_version_as_etag(client):
    created = client.simulate_post("/tasks", json={"id": "t1"})
    read = client.simulate_get("/tasks/t1")

    assert created.headers["etag"] == f'"{created.json["version"]}"'
    assert read.headers["etag"] == f'"{read.json["version"]}"'


def _stale(client, task_in) -> int:
    """t1 scheduled, read, then changed by someone else: the version read is stale."""
    version = task_in("scheduled")["version"]
    assert client.simulate_put("/tasks/t1", json={"status": "running"}).status_code == 200
    return version


@pytest.mark.parametrize(
    ("method", "how"),
    [("PUT", "if-match"), ("PUT", "weak-if-match"), ("PUT", "body"), ("DELETE", "if-match"), ("DELETE", "body")],
)
def test_a_write_with_a_stale_version_is_409_and_changes_nothing(client, task_in, method, how):
    stale = _stale(client, task_in)
    before = get_task(client, "t1")
    body = {"status": "failed"} if method == "PUT" else {}
    headers = {}
    if how == "body":
        body["version"] = stale
    else:
        headers["If-Match"] = f'W/"{stale}"' if how == "weak-if-match" else f'"{stale}"'

    resp = client.simulate_request(method, "/tasks/t1", json=body, headers=headers)

    assert_error(resp, 409, "t1", str(stale))
    assert get_task(client, "t1") == before


@pytest.mark.parametrize(
    ("method", "how"),
    [("PUT", "if-match"), ("PUT", "body"), ("PUT", "star"), ("DELETE", "if-match"), ("DELETE", "body")],
)
def test_a_write_with_the_current_version_applies(client, task_in, method, how):
    current = task_in("running")["version"]
    body = {"status": "succeeded"} if method == "PUT" else {}
    headers = {"If-Match": "*" if how == "star" else f'"{current}"'} if how != "body" else {}
    if how == "body":
        body["version"] = current

    resp = client.simulate_request(method, "/tasks/t1", json=body, headers=headers)

    assert resp.status_code == (200 if method == "PUT" else 204), resp.text
    if method == "PUT":
        assert get_task(client, "t1")["status"] == "succeeded"
    else:
        assert list_ids(client, "/tasks") == []


def test_if_match_and_body_version_that_disagree_are_422(client, task_in):
    current = task_in("running")["version"]

    resp = client.simulate_put(
        "/tasks/t1", json={"status": "failed", "version": current}, headers={"If-Match": f'"{current + 1}"'},
    )

    assert_error(resp, 422, "If-Match")
    assert get_task(client, "t1")["status"] == "running"


# -- racing creators ---------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "body"), [("/tasks", {"id": "same"}), ("/nodes", {"id": "same"})])
def test_twenty_clients_racing_to_create_one_id_give_exactly_one_201(control_plane, path, body):
    app = create_app(control_plane)
    clients = [falcon.testing.TestClient(app) for _ in range(20)]
    start = threading.Barrier(len(clients), timeout=10)

    def create(c: falcon.testing.TestClient) -> int:
        start.wait()
        return c.simulate_post(path, json=body).status_code

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        codes = list(pool.map(create, clients, timeout=30))

    assert sorted(codes) == [201] + [409] * 19
    assert [item["id"] for item in clients[0].simulate_get(path).json] == ["same"]
