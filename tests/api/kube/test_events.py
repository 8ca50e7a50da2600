"""v1 Events: the event log as Kubernetes events, listed, selected and got."""

from __future__ import annotations

from tests.api.conftest import post_node
from tests.api.kube.conftest import TABLE, assert_status, pod_manifest


def test_events_name_their_object_with_its_uid_type_and_source(client, settled):
    post_node(client, "n1")
    client.simulate_post("/api/v1/namespaces/default/pods", json=pod_manifest("web"))
    client.simulate_post("/api/v1/namespaces/default/pods", json=pod_manifest("big", cpu="64"))
    settled()
    listed = client.simulate_get("/api/v1/namespaces/default/events").json
    assert listed["kind"] == "EventList" and int(listed["metadata"]["resourceVersion"]) >= len(listed["items"])
    by_reason = {(e["involvedObject"]["name"], e["reason"]): e for e in listed["items"]}
    scheduled = by_reason[("web", "Scheduled")]
    pod = client.simulate_get("/api/v1/namespaces/default/pods/web").json
    assert scheduled["involvedObject"] == {"kind": "Pod", "name": "web", "apiVersion": "v1", "namespace": "default",
                                           "uid": pod["metadata"]["uid"]}
    assert (scheduled["type"], scheduled["source"]["component"], scheduled["count"]) == (
        "Normal", "default-scheduler", 1)
    failed = by_reason[("big", "FailedScheduling")]
    assert failed["type"] == "Warning" and failed["message"].startswith("0/1 nodes are available")
    node = by_reason[("n1", "Registered")]["involvedObject"]
    assert node["kind"] == "Node" and "namespace" not in node
    one = client.simulate_get(f"/api/v1/namespaces/default/events/{scheduled['metadata']['name']}").json
    assert one == scheduled
    assert_status(client.simulate_get("/api/v1/namespaces/default/events/nope.1"), 404, "NotFound")


def test_field_selectors_find_an_objects_events_as_kubectl_describe_asks(client, settled):
    post_node(client, "n1")
    client.simulate_post("/api/v1/namespaces/default/pods", json=pod_manifest("web"))
    settled()
    uid = client.simulate_get("/api/v1/namespaces/default/pods/web").json["metadata"]["uid"]
    selector = f"involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Pod,involvedObject.uid={uid}"
    reasons = [e["reason"] for e in client.simulate_get("/api/v1/events", params={"fieldSelector": selector}).json["items"]]
    assert reasons == ["Created", "Scheduled", "Started"]
    warnings = client.simulate_get("/api/v1/events", params={"fieldSelector": "type=Warning"}).json["items"]
    assert warnings == []
    assert_status(client.simulate_get("/api/v1/events", params={"fieldSelector": "message=x"}), 400, "BadRequest")


def test_events_as_a_table(client, settled):
    post_node(client, "n1")
    table = client.simulate_get("/api/v1/events", headers={"Accept": TABLE}).json
    assert [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0] == [
        "Last Seen", "Type", "Reason", "Object", "Message"]
    assert table["rows"][0]["cells"][1:4] == ["Normal", "Registered", "node/n1"]
