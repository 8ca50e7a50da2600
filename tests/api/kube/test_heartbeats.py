"""A kubelet's heartbeats: nodes/status and its Lease in kube-node-lease are
the native heartbeat; deletecollection of pods."""

from __future__ import annotations

import json

from tests.api.conftest import get_node, post_node, post_task
from tests.api.kube.conftest import assert_status

LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"


def test_renewing_the_lease_keeps_a_real_node_healthy_past_the_timeout(client, clock, settled):
    post_node(client, "real", simulated=False)
    clock.advance(30)
    lease = client.simulate_get(f"{LEASES}/real").json
    assert lease["spec"]["holderIdentity"] == "real" and lease["spec"]["leaseDurationSeconds"] == 40
    renewed = client.simulate_patch(f"{LEASES}/real", body=json.dumps({"spec": {"renewTime": "2027-01-01T00:00:00.000000Z"}}),
                                    headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert renewed.status_code == 200, renewed.text
    clock.advance(30)  # 60 s after registering, 30 s after the renewal
    settled()
    assert get_node(client, "real")["healthy"] is True
    clock.advance(41)
    settled()
    assert get_node(client, "real")["healthy"] is False
    client.simulate_put(f"{LEASES}/real", json={"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                                "metadata": {"name": "real"}})
    assert get_node(client, "real")["healthy"] is True


def test_a_status_update_is_a_heartbeat(client, clock, settled):
    post_node(client, "real", simulated=False)
    clock.advance(35)
    resp = client.simulate_patch("/api/v1/nodes/real/status", body=json.dumps({"status": {"conditions": [
        {"type": "Ready", "status": "True"}]}}), headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert resp.status_code == 200, resp.text
    clock.advance(35)
    settled()
    assert get_node(client, "real")["healthy"] is True
    assert client.simulate_get("/api/v1/nodes/real/status").json["status"]["conditions"][0]["status"] == "True"


def test_leases_exist_for_nodes_only(client):
    post_node(client, "n1")
    assert [item["metadata"]["name"] for item in client.simulate_get(LEASES).json["items"]] == ["n1"]
    assert_status(client.simulate_get(f"{LEASES}/nope"), 404, "NotFound", "nope")
    assert_status(client.simulate_post(LEASES, json={"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                                     "metadata": {"name": "nope"}}), 404, "NotFound")
    assert_status(client.simulate_get("/apis/coordination.k8s.io/v1/namespaces/default/leases"), 404, "NotFound")
    created = client.simulate_post(LEASES, json={"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                                 "metadata": {"name": "n1"}})
    assert created.status_code == 201


def test_deletecollection_deletes_what_the_selector_chooses(client):
    for name, app in (("a", "web"), ("b", "web"), ("c", "db")):
        client.simulate_post("/api/v1/namespaces/default/pods", json={
            "metadata": {"name": name, "labels": {"app": app}}, "spec": {"containers": [{"name": "c"}]}})
    post_task(client, id="native")
    dry = client.simulate_delete("/api/v1/namespaces/default/pods", params={"labelSelector": "app=web",
                                                                             "dryRun": "All"})
    assert [p["metadata"]["name"] for p in dry.json["items"]] == ["a", "b"]
    assert len(client.simulate_get("/tasks").json) == 4
    resp = client.simulate_delete("/api/v1/namespaces/default/pods", params={"labelSelector": "app=web"})
    assert resp.status_code == 200 and [p["metadata"]["name"] for p in resp.json["items"]] == ["a", "b"]
    assert sorted(t["id"] for t in client.simulate_get("/tasks").json) == ["c", "native"]
