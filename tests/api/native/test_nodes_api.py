"""/nodes through falcon.testing: register, read, list, update, heartbeat,
delete, and what those do to the tasks placed on a node."""

from __future__ import annotations

import datetime

import pytest

from tests.api.conftest import (
    NODE_FIELDS,
    VERSION_FIELD,
    assert_error,
    get_node,
    get_task,
    list_ids,
    post_node,
    post_task,
)
from tests.helpers import START


def rfc3339(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# -- POST /nodes ---------------------------------------------------------------


def test_register_answers_201_with_location_and_the_node(client):
    resp = client.simulate_post("/nodes", json={"id": "n1"})

    assert resp.status_code == 201
    assert resp.headers["location"].endswith("/nodes/n1")
    assert resp.json == {
        "id": "n1",
        "healthy": True,
        "schedulable": True,
        "simulated": True,
        "capacity": {"cpu": 4000, "memory": 8192},
        "allocated": {"cpu": 0, "memory": 0},
        "labels": {},
        "last_heartbeat": rfc3339(START),
        "created_at": rfc3339(START),
        VERSION_FIELD: resp.json[VERSION_FIELD],
    }


def test_node_fields_are_exactly_the_specified_ones_plus_version(client):
    created = post_node(client, "n1")
    listed = client.simulate_get("/nodes").json[0]

    for node in (created, get_node(client, "n1"), listed):
        assert set(node) == NODE_FIELDS | {VERSION_FIELD}
        assert isinstance(node[VERSION_FIELD], int)


@pytest.mark.parametrize(
    ("capacity", "expected"),
    [
        ({"cpu": 2000, "memory": 1024}, {"cpu": 2000, "memory": 1024}),
        ({"cpu": "500m", "memory": "512Mi"}, {"cpu": 500, "memory": 512}),
        ({"cpu": "2", "memory": "8Gi"}, {"cpu": 2000, "memory": 8192}),
        ({"cpu": "1.5", "memory": "1Gi"}, {"cpu": 1500, "memory": 1024}),
        ({"cpu": "250m"}, {"cpu": 250, "memory": 8192}),
        ({"memory": "2Gi"}, {"cpu": 4000, "memory": 2048}),
        ({}, {"cpu": 4000, "memory": 8192}),
        ({"cpu": 0, "memory": 0}, {"cpu": 0, "memory": 0}),
    ],
)
def test_capacity_takes_integers_or_quantity_strings_and_defaults_the_rest(client, capacity, expected):
    node = post_node(client, "n1", capacity=capacity)

    assert node["capacity"] == expected
    assert get_node(client, "n1")["capacity"] == expected


def test_register_keeps_labels_and_simulated_flag(client):
    node = post_node(client, "n1", labels={"zone": "a", "example.com/disk": "ssd"}, simulated=False)

    assert node["labels"] == {"zone": "a", "example.com/disk": "ssd"}
    assert node["simulated"] is False
    assert get_node(client, "n1")["simulated"] is False


@pytest.mark.parametrize("node_id", ["a", "0", "a" * 63, "node-1", "rack1.node-2", "9x"])
def test_every_kind_of_valid_id_is_accepted(client, node_id):
    post_node(client, node_id)

    assert get_node(client, node_id)["id"] == node_id


def test_duplicate_id_is_409_naming_it_and_keeps_the_first(client):
    post_node(client, "n1", capacity={"cpu": 1000})

    resp = client.simulate_post("/nodes", json={"id": "n1", "capacity": {"cpu": 9000}})

    assert_error(resp, 409, "n1")
    assert get_node(client, "n1")["capacity"]["cpu"] == 1000
    assert list_ids(client, "/nodes") == ["n1"]


# -- GET /nodes ------------------------------------------------------------------


def test_get_an_unknown_node_is_404_naming_it(client):
    assert_error(client.simulate_get("/nodes/ghost"), 404, "ghost")


def test_list_is_sorted_by_id_whatever_the_order_of_registration(client):
    for node_id in ["node-b", "node-10", "a.2", "node-a", "0", "a-1"]:
        post_node(client, node_id)

    assert list_ids(client, "/nodes") == sorted(["node-b", "node-10", "a.2", "node-a", "0", "a-1"])


def test_list_is_empty_at_first(client):
    resp = client.simulate_get("/nodes")

    assert resp.status_code == 200
    assert resp.json == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["n1", "n2", "n3"]),
        ({"healthy": "true"}, ["n1", "n3"]),
        ({"healthy": "false"}, ["n2"]),
    ],
)
def test_healthy_filter(client, query, expected):
    for node_id in ["n3", "n2", "n1"]:
        post_node(client, node_id)
    assert client.simulate_put("/nodes/n2", json={"healthy": False}).status_code == 200

    assert list_ids(client, "/nodes", **query) == expected


# -- PUT /nodes/{id} ---------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"healthy": False},
        {"schedulable": False},
        {"labels": {"zone": "b"}},
        {"labels": {}},
        {"healthy": False, "schedulable": False, "labels": {"gpu": "yes"}},
    ],
)
def test_put_changes_only_the_given_fields(client, changes):
    before = post_node(client, "n1", labels={"zone": "a"})

    resp = client.simulate_put("/nodes/n1", json=changes)

    assert resp.status_code == 200
    expected = {**before, **changes}
    for field in ("id", "healthy", "schedulable", "labels", "capacity", "simulated", "created_at"):
        assert resp.json[field] == expected[field]
    assert get_node(client, "n1") == resp.json


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/nodes/ghost", None),
        ("PUT", "/nodes/ghost", {"healthy": False}),
        ("DELETE", "/nodes/ghost", None),
        ("POST", "/nodes/ghost/heartbeat", None),
    ],
)
def test_unknown_node_is_404_naming_it(client, method, path, body):
    post_node(client, "n1")

    resp = client.simulate_request(method, path, json=body)

    assert_error(resp, 404, "ghost")
    assert list_ids(client, "/nodes") == ["n1"]


def test_put_with_a_stale_version_is_409_and_changes_nothing(client):
    node = post_node(client, "n1")
    client.simulate_put("/nodes/n1", json={"labels": {"zone": "a"}})

    resp = client.simulate_put("/nodes/n1", json={"schedulable": False}, headers={"If-Match": f'"{node["version"]}"'})

    assert_error(resp, 409, "n1")
    assert get_node(client, "n1")["schedulable"] is True


def test_put_with_the_current_version_applies(client):
    post_node(client, "n1")
    etag = client.simulate_get("/nodes/n1").headers["etag"]

    resp = client.simulate_put("/nodes/n1", json={"schedulable": False}, headers={"If-Match": etag})

    assert resp.status_code == 200
    assert resp.json["schedulable"] is False
    assert resp.headers["etag"] != etag


def test_delete_with_a_stale_version_is_409_and_keeps_the_node(client):
    node = post_node(client, "n1")
    client.simulate_put("/nodes/n1", json={"labels": {"zone": "a"}})

    resp = client.simulate_delete("/nodes/n1", headers={"If-Match": f'"{node["version"]}"'})

    assert_error(resp, 409, "n1", str(node["version"]))
    assert get_node(client, "n1")["labels"] == {"zone": "a"}


# -- heartbeat ---------------------------------------------------------------------


def test_heartbeat_answers_the_node_with_a_new_last_heartbeat(client, clock):
    post_node(client, "n1", simulated=False)
    clock.advance(5)

    resp = client.simulate_post("/nodes/n1/heartbeat")

    assert resp.status_code == 200
    assert resp.json["id"] == "n1"
    assert resp.json["last_heartbeat"] == rfc3339(START + 5)
    assert resp.json["created_at"] == rfc3339(START)


def test_a_node_without_heartbeats_turns_unhealthy_and_a_heartbeat_revives_it(client, clock, settled):
    post_node(client, "n1", simulated=False)
    clock.advance(41)
    settled()
    assert list_ids(client, "/nodes", healthy="false") == ["n1"]

    resp = client.simulate_post("/nodes/n1/heartbeat")

    assert resp.status_code == 200
    assert resp.json["healthy"] is True
    assert list_ids(client, "/nodes", healthy="true") == ["n1"]


def test_a_timed_out_node_set_healthy_by_hand_stays_healthy_and_takes_work(client, clock, settled):
    post_node(client, "n1", simulated=False)
    post_task(client, id="t1")
    settled()
    clock.advance(41)
    settled()
    assert get_task(client, "t1")["status"] == "pending"

    resp = client.simulate_put("/nodes/n1", json={"healthy": True})
    settled()

    assert resp.json["last_heartbeat"] == rfc3339(START + 41)
    assert get_node(client, "n1")["healthy"] is True
    task = get_task(client, "t1")
    assert (task["status"], task["node"], task["attempts"]) == ("scheduled", "n1", 2)


def test_a_heartbeat_revives_a_node_set_unhealthy_by_hand(client):
    post_node(client, "n1")
    client.simulate_put("/nodes/n1", json={"healthy": False})

    assert client.simulate_post("/nodes/n1/heartbeat").json["healthy"] is True


# -- DELETE /nodes/{id} ---------------------------------------------------------------


def test_delete_answers_204_and_the_node_is_gone(client):
    post_node(client, "n1")
    post_node(client, "n2")

    resp = client.simulate_delete("/nodes/n1")

    assert resp.status_code == 204
    assert resp.text == ""
    assert_error(client.simulate_get("/nodes/n1"), 404, "n1")
    assert list_ids(client, "/nodes") == ["n2"]


def test_deleting_a_node_puts_its_tasks_back_to_pending(client, settled):
    post_node(client, "n1")
    post_task(client, id="t1", resources={"cpu": 500})
    settled()
    assert get_task(client, "t1")["node"] == "n1"

    assert client.simulate_delete("/nodes/n1").status_code == 204
    requeued = get_task(client, "t1")
    settled()

    assert requeued["status"] == "pending"
    assert requeued["node"] is None
    assert get_task(client, "t1")["status"] == "pending"
    assert get_task(client, "t1")["message"].startswith("0/0 nodes are available")


def test_tasks_of_a_deleted_node_are_placed_on_another(client, settled):
    post_node(client, "n1")
    post_task(client, id="t1", resources={"cpu": 500})
    settled()
    post_node(client, "n2")

    client.simulate_delete("/nodes/n1")
    settled()

    task = get_task(client, "t1")
    assert (task["status"], task["node"], task["attempts"]) == ("running", "n2", 2)
    assert get_node(client, "n2")["allocated"]["cpu"] == 500


def test_a_node_registered_again_does_not_inherit_the_tasks_of_the_deleted_one(client, settled):
    post_node(client, "n1", simulated=False)
    post_task(client, id="t1", resources={"cpu": 500}, node_selector={"pool": "old"})
    client.simulate_put("/nodes/n1", json={"labels": {"pool": "old"}})
    settled()
    assert get_task(client, "t1")["node"] == "n1"

    client.simulate_delete("/nodes/n1")
    post_node(client, "n1")
    settled()

    assert get_node(client, "n1")["allocated"] == {"cpu": 0, "memory": 0}
    assert list_ids(client, "/tasks", node="n1") == []


# -- health and cordon move or keep tasks -----------------------------------------------


def test_setting_a_node_unhealthy_moves_its_tasks_after_settle(client, settled):
    post_node(client, "n1")
    post_task(client, id="t1", resources={"cpu": 1000, "memory": 256})
    post_task(client, id="t2", resources={"cpu": 1000, "memory": 256})
    settled()
    post_node(client, "n2")

    resp = client.simulate_put("/nodes/n1", json={"healthy": False})
    settled()

    assert resp.status_code == 200
    assert resp.json["healthy"] is False
    for task_id in ("t1", "t2"):
        task = get_task(client, task_id)
        assert (task["status"], task["node"], task["attempts"]) == ("running", "n2", 2)
    assert get_node(client, "n1")["allocated"] == {"cpu": 0, "memory": 0}
    assert get_node(client, "n2")["allocated"] == {"cpu": 2000, "memory": 512}


def test_an_unhealthy_node_gets_no_work_until_set_healthy_again(client, settled):
    post_node(client, "n1")
    client.simulate_put("/nodes/n1", json={"healthy": False})
    post_task(client, id="t1")
    settled()
    waiting = get_task(client, "t1")

    client.simulate_put("/nodes/n1", json={"healthy": True})
    settled()

    assert (waiting["status"], waiting["message"]) == ("pending", "0/1 nodes are available: 1 node(s) were not ready.")
    assert get_task(client, "t1")["node"] == "n1"


def test_cordon_keeps_running_tasks_and_turns_new_ones_away(client, settled):
    post_node(client, "n1")
    post_task(client, id="old", resources={"cpu": 100})
    settled()

    resp = client.simulate_put("/nodes/n1", json={"schedulable": False})
    post_task(client, id="new", resources={"cpu": 100})
    settled()

    assert resp.json["schedulable"] is False
    assert resp.json["healthy"] is True
    old, new = get_task(client, "old"), get_task(client, "new")
    assert (old["status"], old["node"]) == ("running", "n1")
    assert (new["status"], new["node"]) == ("pending", None)
    assert new["message"] == "0/1 nodes are available: 1 node(s) were unschedulable."


def test_uncordon_lets_waiting_tasks_in(client, settled):
    post_node(client, "n1")
    client.simulate_put("/nodes/n1", json={"schedulable": False})
    post_task(client, id="t1")
    settled()

    client.simulate_put("/nodes/n1", json={"schedulable": True})
    settled()

    assert get_task(client, "t1")["node"] == "n1"


def test_allocated_is_the_sum_of_the_active_tasks(client, settled):
    post_node(client, "n1")
    post_task(client, resources={"cpu": "500m", "memory": "512Mi"})
    post_task(client, resources={"cpu": 250, "memory": 100})
    settled()

    assert get_node(client, "n1")["allocated"] == {"cpu": 750, "memory": 612}
    assert client.simulate_get("/nodes").json[0]["allocated"] == {"cpu": 750, "memory": 612}
