"""Kubernetes watches over a real server: list-then-watch, selectors,
expiry, the shared watch slots, shutdown, and the official Python client.
Streams are read line by line as a client does; every wait is bounded by the
stream's own ``timeoutSeconds`` or the request's read timeout."""

from __future__ import annotations

import json
import threading
import time

import kubernetes
import pytest
import requests

from tests.e2e.conftest import start_cluster

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "main", "image": "nginx", "resources": {"requests": {"cpu": "100m"}}}]}}


def events(response: requests.Response):
    """The watch events of a streaming response, one per line."""
    for line in response.iter_lines():
        assert line, "a watch stream has no blank lines (the Python client cannot read them)"
        if line.strip():  # the space the stream opens with stands alone when nothing follows
            yield json.loads(line)


def watch(cluster, path: str, **params) -> requests.Response:
    response = cluster.http.get(cluster.url + path, params={"watch": "true", **params}, stream=True, timeout=10)
    assert response.status_code == 200, response.text
    return response


def test_list_then_watch_sees_every_change_of_a_pod_in_order(cluster):
    cluster.post("/nodes", {"id": "n1"})
    listed = cluster.get("/api/v1/namespaces/default/pods").json()
    with watch(cluster, "/api/v1/namespaces/default/pods",
               resourceVersion=listed["metadata"]["resourceVersion"], timeoutSeconds="10") as stream:
        seen = events(stream)
        assert cluster.post("/api/v1/namespaces/default/pods", POD).status_code == 201
        first = next(seen)
        assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", "web")
        phases = [first["object"]["status"]["phase"]]
        while phases[-1] != "Running":
            event = next(seen)
            assert event["type"] == "MODIFIED"
            phases.append(event["object"]["status"]["phase"])
        cluster.delete("/api/v1/namespaces/default/pods/web")
        deleted = next(seen)
        assert deleted["type"] == "DELETED" and deleted["object"]["metadata"]["name"] == "web"
        versions = [int(e) for e in (first["object"]["metadata"]["resourceVersion"],
                                     deleted["object"]["metadata"]["resourceVersion"])]
        assert versions[0] < versions[1]


def test_a_watch_without_a_version_starts_with_what_exists(cluster):
    cluster.post("/nodes", {"id": "n1"})
    cluster.post("/nodes", {"id": "n2"})
    with watch(cluster, "/api/v1/nodes", timeoutSeconds="1") as stream:
        got = list(events(stream))
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in got] == [("ADDED", "n1"), ("ADDED", "n2")]


def test_selectors_turn_changes_into_added_and_deleted(cluster):
    cluster.post("/nodes", {"id": "n1", "labels": {"zone": "a"}})
    version = cluster.get("/api/v1/nodes").json()["metadata"]["resourceVersion"]
    with watch(cluster, "/api/v1/nodes", resourceVersion=version, labelSelector="disk=ssd",
               timeoutSeconds="10") as stream:
        seen = events(stream)
        cluster.post("/nodes", {"id": "n2"})  # never matches: not seen
        cluster.put("/nodes/n1", {"labels": {"zone": "a", "disk": "ssd"}})
        assert (lambda e: (e["type"], e["object"]["metadata"]["name"]))(next(seen)) == ("ADDED", "n1")
        cluster.put("/nodes/n1", {"schedulable": False})
        assert next(seen)["type"] == "MODIFIED"
        cluster.put("/nodes/n1", {"labels": {}})
        assert (lambda e: (e["type"], e["object"]["metadata"]["name"]))(next(seen)) == ("DELETED", "n1")


def test_a_namespaced_watch_sees_only_its_namespace(cluster):
    with watch(cluster, "/api/v1/namespaces/kube-system/pods", timeoutSeconds="1") as stream:
        cluster.post("/tasks", {"id": "t1"})
        assert list(events(stream)) == []


def test_a_version_no_longer_kept_is_410_expired(cluster_factory):
    cluster = cluster_factory(reconcile_interval=3600.0)
    for i in range(3):
        cluster.post("/nodes", {"id": f"n{i}"})
    cluster.control_plane.watch_log._compacted = cluster.control_plane.watch_log.revision  # as if it wrapped
    response = cluster.get("/api/v1/nodes", params={"watch": "true", "resourceVersion": "1"})
    assert response.status_code == 410
    assert response.json()["reason"] == "Expired" and response.json()["code"] == 410


def test_a_stream_ends_at_its_timeout(cluster):
    """(What a quiet stream sends meanwhile is tested without a server, in tests/api/kube/test_watch.py.)"""
    started = time.monotonic()
    with watch(cluster, "/api/v1/pods", resourceVersion="0", timeoutSeconds="1") as stream:
        assert list(events(stream)) == []
    assert 0.9 <= time.monotonic() - started < 5


def test_watches_share_the_slots_with_the_event_stream_and_end_at_shutdown():
    cluster = start_cluster(reconcile_interval=3600.0)  # create_app(max_watches=3) in start_cluster
    try:
        open_ = [watch(cluster, "/api/v1/nodes", timeoutSeconds="60"),
                 cluster.http.get(cluster.url + "/events", params={"watch": "true"}, stream=True, timeout=10),
                 watch(cluster, "/api/v1/pods", timeoutSeconds="60")]
        refused = cluster.get("/api/v1/nodes", params={"watch": "true"})
        assert refused.status_code == 429 and refused.json()["reason"] == "TooManyRequests"
        assert refused.headers["Retry-After"] == "5"
        assert cluster.get("/events", params={"watch": "true"}).status_code == 503
        ended = []
        readers = [threading.Thread(target=lambda r=r: ended.append(r.raw.read())) for r in (open_[0], open_[2])]
        for reader in readers:
            reader.start()
        started = time.monotonic()
        cluster.server.stop()
        for reader in readers:
            reader.join(timeout=5)
        assert len(ended) == 2 and time.monotonic() - started < 2, "open watches end at once on shutdown"
    finally:
        cluster.http.close()
        cluster.server.stop()
        cluster.control_plane.stop()


def test_send_initial_events_is_refused_at_once(cluster):
    response = cluster.get("/api/v1/pods", params={"watch": "true", "sendInitialEvents": "true",
                                                   "resourceVersionMatch": "NotOlderThan"})
    assert response.status_code == 400 and "sendInitialEvents" in response.json()["message"]


@pytest.fixture
def core_v1(cluster):
    config = kubernetes.client.Configuration()
    config.host = cluster.url
    with kubernetes.client.ApiClient(config) as client:
        yield kubernetes.client.CoreV1Api(client)


def test_the_python_client_lists_then_watches(cluster, core_v1):
    cluster.post("/nodes", {"id": "n1"})
    nodes = core_v1.list_node()
    assert [n.metadata.name for n in nodes.items] == ["n1"]
    assert nodes.items[0].status.node_info.kubelet_version.startswith("v1.29")
    pods = core_v1.list_namespaced_pod("default")
    created = core_v1.create_namespaced_pod("default", kubernetes.client.V1Pod(
        metadata=kubernetes.client.V1ObjectMeta(name="job", labels={"app": "job"}),
        spec=kubernetes.client.V1PodSpec(containers=[kubernetes.client.V1Container(
            name="main", image="busybox", resources=kubernetes.client.V1ResourceRequirements(
                requests={"cpu": "100m", "memory": "32Mi"}))])))
    assert created.metadata.name == "job" and created.status.phase == "Pending"
    seen = []
    for event in kubernetes.watch.Watch().stream(core_v1.list_namespaced_pod, "default",
                                                 resource_version=pods.metadata.resource_version,
                                                 timeout_seconds=10):
        seen.append((event["type"], event["object"].status.phase))
        if event["object"].status.phase == "Running":
            break
    assert seen[0] == ("ADDED", "Pending") and seen[-1] == ("MODIFIED", "Running")
    running = core_v1.read_namespaced_pod("job", "default")
    assert running.spec.node_name == "n1" and running.status.container_statuses[0].ready
    core_v1.delete_namespaced_pod("job", "default")
    with pytest.raises(kubernetes.client.ApiException) as missing:
        core_v1.read_namespaced_pod("job", "default")
    assert missing.value.status == 404


def test_events_are_watched_from_a_lists_version(cluster):
    version = cluster.get("/api/v1/events").json()["metadata"]["resourceVersion"]
    with watch(cluster, "/api/v1/events", resourceVersion=version, timeoutSeconds="10") as stream:
        seen = events(stream)
        cluster.post("/nodes", {"id": "n1"})
        first = next(seen)
        assert first["type"] == "ADDED" and first["object"]["reason"] == "Registered"
        assert first["object"]["involvedObject"]["name"] == "n1"


def test_a_scheduler_of_your_own_binds_with_the_python_client(cluster, core_v1):
    cluster.post("/nodes", {"id": "n1"})
    core_v1.create_namespaced_pod("default", kubernetes.client.V1Pod(
        metadata=kubernetes.client.V1ObjectMeta(name="mine"),
        spec=kubernetes.client.V1PodSpec(scheduler_name="my-scheduler", containers=[
            kubernetes.client.V1Container(name="main", image="busybox")])))
    waiting = core_v1.list_namespaced_pod("default", field_selector="spec.nodeName=").items
    assert [p.metadata.name for p in waiting] == ["mine"]
    binding = core_v1.create_namespaced_pod_binding("mine", "default", kubernetes.client.V1Binding(
        metadata=kubernetes.client.V1ObjectMeta(name="mine"),
        target=kubernetes.client.V1ObjectReference(kind="Node", api_version="v1", name="n1")))
    assert binding.target.name == "n1"
    assert cluster.wait_for_status("mine", "running")["node"] == "n1"
