"""The Kubernetes API on the etcd store, through two control planes on one
prefix: what one acknowledges the other serves, resourceVersion is the etcd
revision, a stale write through the other is a 409 Conflict Status, and a
watch on one sees what was written through the other."""

from __future__ import annotations

import json

from tests.etcd.test_etcd_store import api, planes, start  # noqa: F401: planes is the fixture these share

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "main", "image": "nginx", "resources": {"requests": {"cpu": "100m"}}}]}}


def test_a_pod_made_through_one_is_served_by_the_other_with_its_manifest(planes):
    a, b = planes
    created = api(a).simulate_post("/api/v1/namespaces/default/pods", json=POD)
    assert created.status_code == 201
    seen = api(b).simulate_get("/api/v1/namespaces/default/pods/web").json  # no waiting: the read barrier
    assert seen["metadata"]["labels"] == {"app": "web"} and seen["spec"]["containers"][0]["image"] == "nginx"
    assert int(seen["metadata"]["resourceVersion"]) >= int(created.json["metadata"]["resourceVersion"])
    # the leader writes why it is pending (no nodes): then both serve that version, the etcd revision
    assert b.feed.wait_until(lambda: api(b).simulate_get("/tasks/web").json["message"] != "", 10)
    on_a = api(a).simulate_get("/api/v1/namespaces/default/pods/web").json
    on_b = api(b).simulate_get("/api/v1/namespaces/default/pods/web").json
    assert on_a["metadata"]["resourceVersion"] == on_b["metadata"]["resourceVersion"]
    assert api(b).simulate_get("/tasks/web").json["version"] == int(on_b["metadata"]["resourceVersion"])


def test_a_stale_patch_through_the_other_is_a_conflict(planes):
    a, b = planes
    created = api(a).simulate_post("/api/v1/namespaces/default/pods", json=POD).json
    relabel = {"metadata": {"labels": {"app": "web", "tier": "front"}}}
    changed = api(b).simulate_patch("/api/v1/namespaces/default/pods/web", body=json.dumps(relabel),
                                    headers={"Content-Type": "application/merge-patch+json"})
    assert changed.status_code == 200, changed.text
    stale = {"metadata": {"resourceVersion": created["metadata"]["resourceVersion"], "labels": {"app": "x"}}}
    refused = api(a).simulate_patch("/api/v1/namespaces/default/pods/web", body=json.dumps(stale),
                                    headers={"Content-Type": "application/merge-patch+json"})
    assert refused.status_code == 409 and refused.json["reason"] == "Conflict"
    assert api(a).simulate_get("/api/v1/namespaces/default/pods/web").json["metadata"]["labels"]["tier"] == "front"


def test_the_watch_log_of_one_has_the_writes_of_the_other(planes):
    a, b = planes
    start_revision = b.watch_log.revision
    api(a).simulate_post("/api/v1/namespaces/default/pods", json=POD)
    assert b.feed.wait_until(lambda: any(c.after is not None and c.after.id == "web"
                                         for c in b.watch_log.after(start_revision)), 10)
    (change,) = [c for c in b.watch_log.after(start_revision) if c.after is not None and c.after.id == "web"][:1]
    assert change.before is None and change.after.manifest["metadata"]["labels"] == {"app": "web"}


def test_config_maps_and_namespaces_are_kept_in_etcd_and_served_by_the_other(planes, etcd_store):
    a, b = planes
    assert api(a).simulate_post("/api/v1/namespaces", json={"metadata": {"name": "team"}}).status_code == 201
    made = api(a).simulate_post("/api/v1/namespaces/team/configmaps", json={
        "metadata": {"name": "app"}, "data": {"mode": "fast"}})
    assert made.status_code == 201
    seen = api(b).simulate_get("/api/v1/namespaces/team/configmaps/app").json
    assert seen["data"] == {"mode": "fast"} and seen["metadata"]["resourceVersion"] == made.json["metadata"][
        "resourceVersion"]
    fresh = start(etcd_store)  # a third process loads what etcd holds
    try:
        assert api(fresh).simulate_get("/api/v1/namespaces/team/configmaps/app").json["data"] == {"mode": "fast"}
    finally:
        fresh.stop()
    assert api(b).simulate_delete("/api/v1/namespaces/team").status_code == 200
    assert api(a).simulate_get("/api/v1/namespaces/team/configmaps/app").status_code == 404
    assert api(a).simulate_get("/api/v1/namespaces/team").status_code == 404
