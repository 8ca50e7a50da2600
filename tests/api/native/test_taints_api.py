"""Taints and tolerations through the native API: a tainted node refuses a
task until it tolerates the taint, and says which taint in its message."""

from __future__ import annotations

from tests.api.conftest import assert_error, post_node


def test_a_tainted_node_refuses_a_task_until_it_tolerates_the_taint(client, settled):
    node = post_node(client, "g", taints=[{"key": "dedicated", "value": "gpu"}])
    assert node["taints"] == [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    client.simulate_post("/tasks", json={"id": "plain"})
    client.simulate_post("/tasks", json={"id": "tolerant", "tolerations": [{"key": "dedicated", "value": "gpu"}]})
    settled()
    assert client.simulate_get("/tasks/plain").json["message"] == (
        "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.")
    tolerant = client.simulate_get("/tasks/tolerant").json
    assert tolerant["node"] == "g" and tolerant["tolerations"] == [
        {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": ""}]
    resp = client.simulate_put("/nodes/g", json={"taints": []})
    assert resp.status_code == 200 and "taints" not in resp.json
    settled()
    assert client.simulate_get("/tasks/plain").json["node"] == "g"


def test_prefer_no_schedule_does_not_keep_a_task_off_and_exists_tolerates_every_value(client, settled):
    post_node(client, "soft", taints=[{"key": "spot", "effect": "PreferNoSchedule"}])
    post_node(client, "hard", taints=[{"key": "team", "value": "a", "effect": "NoExecute"}])
    client.simulate_post("/tasks", json={"id": "any", "tolerations": [{"key": "team", "operator": "Exists"}],
                                         "node_selector": {}})
    client.simulate_post("/tasks", json={"id": "soft-only"})
    settled()
    assert client.simulate_get("/tasks/soft-only").json["node"] == "soft"
    assert client.simulate_get("/tasks/any").json["node"] in ("soft", "hard")


def test_malformed_taints_and_tolerations_are_422_naming_the_field(client):
    for body, field in (
        ({"id": "n", "taints": [{"key": "k", "effect": "Sometimes"}]}, "taints[0].effect"),
        ({"id": "n", "taints": [{"value": "v"}]}, "taints[0].key"),
    ):
        assert_error(client.simulate_post("/nodes", json=body), 422, field)
    for toleration, field in (
        ({"key": "k", "operator": "Near"}, "tolerations[0].operator"),
        ({"value": "x"}, "tolerations[0].operator"),
        ({"key": "k", "operator": "Exists", "value": "x"}, "tolerations[0].value"),
        ({"key": "k", "toleration_seconds": 5}, "tolerations[0].toleration_seconds"),
    ):
        assert_error(client.simulate_post("/tasks", json={"tolerations": [toleration]}), 422, field)
    assert client.simulate_get("/nodes").json == [] and client.simulate_get("/tasks").json == []
