"""A scheduler of the user's own: pods it names wait for it, and it binds
them with pods/binding; a pod created with spec.nodeName is bound at once."""

from __future__ import annotations

import json

from tests.api.conftest import get_task, post_node
from tests.api.kube.conftest import assert_status, pod_manifest

PODS = "/api/v1/namespaces/default/pods"


def bind(client, pod: str, node: str):
    return client.simulate_post(f"{PODS}/{pod}/binding", json={
        "apiVersion": "v1", "kind": "Binding", "metadata": {"name": pod},
        "target": {"apiVersion": "v1", "kind": "Node", "name": node}})


def test_a_pod_for_another_scheduler_waits_until_that_scheduler_binds_it(client, settled):
    post_node(client, "n1")
    post_node(client, "n2")
    client.simulate_post(PODS, json=pod_manifest("mine", schedulerName="my-scheduler"))
    settled()
    task = get_task(client, "mine")
    assert task["status"] == "pending" and task["message"] == "waiting for scheduler 'my-scheduler' to bind it"
    assert client.simulate_get(f"{PODS}/mine").json["spec"]["schedulerName"] == "my-scheduler"
    resp = bind(client, "mine", "n2")
    assert resp.status_code == 201 and resp.json["kind"] == "Binding" and resp.json["target"]["name"] == "n2"
    settled()
    task = get_task(client, "mine")
    assert (task["status"], task["node"], task["attempts"]) == ("running", "n2", 1)
    assert_status(bind(client, "mine", "n1"), 409, "Conflict", "already assigned to node 'n2'")


def test_a_binding_needs_a_ready_node(client, settled):
    post_node(client, "n1")
    client.simulate_put("/nodes/n1", json={"schedulable": False})
    client.simulate_post(PODS, json=pod_manifest("mine", schedulerName="my-scheduler"))
    assert_status(bind(client, "mine", "n1"), 409, "Conflict", "not ready")
    assert_status(bind(client, "mine", "nowhere"), 404, "NotFound", 'nodes "nowhere" not found')
    assert_status(bind(client, "ghost", "n1"), 404, "NotFound", 'pods "ghost" not found')
    bad = client.simulate_post(f"{PODS}/mine/binding", json={"apiVersion": "v1", "kind": "Binding",
                                                             "metadata": {"name": "mine"}, "target": {}})
    assert_status(bad, 422, "Invalid", "target.name")
    assert get_task(client, "mine")["status"] == "pending"


def test_a_pod_with_a_node_name_is_bound_there_at_once(client, settled):
    post_node(client, "n1")
    post_node(client, "n2", capacity={"cpu": 8000, "memory": 16384})  # the scheduler would pick this one
    resp = client.simulate_post(PODS, json=pod_manifest("pinned", nodeName="n1"))
    assert resp.status_code == 201 and resp.json["spec"].get("nodeName") == "n1", (resp.json, get_task(client, "pinned"))
    settled()
    assert (get_task(client, "pinned")["node"], get_task(client, "pinned")["status"]) == ("n1", "running")
    client.simulate_post(PODS, json=pod_manifest("lost", nodeName="nowhere"))
    settled()
    assert get_task(client, "lost")["status"] == "pending"


def test_the_agent_of_a_real_node_reports_progress_through_pods_status(client, settled):
    post_node(client, "real", simulated=False)
    client.simulate_post(PODS, json=pod_manifest("job"))
    settled()
    assert get_task(client, "job")["status"] == "scheduled"  # a real node's agent starts it, not the simulator
    for phase, status in (("Running", "running"), ("Succeeded", "succeeded")):
        resp = client.simulate_patch(f"{PODS}/job/status", body=json.dumps({"status": {"phase": phase}}),
                                     headers={"Content-Type": "application/merge-patch+json"})
        assert resp.status_code == 200, resp.text
        assert resp.json["status"]["phase"] == phase and get_task(client, "job")["status"] == status
    back = client.simulate_patch(f"{PODS}/job/status", body=json.dumps({"status": {"phase": "Running"}}),
                                 headers={"Content-Type": "application/merge-patch+json"})
    assert_status(back, 409, "Conflict", "cannot go from succeeded to running")
    odd = client.simulate_patch(f"{PODS}/job/status", body=json.dumps({"status": {"phase": "Pending"}}),
                                headers={"Content-Type": "application/merge-patch+json"})
    assert_status(odd, 422, "Invalid", "status.phase")
    assert client.simulate_get(f"{PODS}/job/status").json["status"]["phase"] == "Succeeded"
