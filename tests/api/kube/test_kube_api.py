"""The Kubernetes API through ``falcon.testing``: discovery, the shared
objects of both front ends, lists, tables, patches and Status errors."""

from __future__ import annotations

import json

import falcon.testing
import pytest

from api.app import create_app
from tests.api.conftest import get_task, post_node, post_task
from tests.api.kube.conftest import TABLE, assert_status, node_manifest, pod_manifest

MERGE, STRATEGIC, JSON_PATCH = ("application/merge-patch+json", "application/strategic-merge-patch+json",
                                "application/json-patch+json")


def patch(client, path, body, content_type):
    """``falcon.testing``'s ``json=`` would set Content-Type to plain JSON."""
    return client.simulate_patch(path, body=json.dumps(body), headers={"Content-Type": content_type})

# -- discovery ----------------------------------------------------------------------------


def test_version_names_a_kubernetes_release_kubectl_can_match(client):
    body = client.simulate_get("/version").json
    assert (body["major"], body["minor"]) == ("1", "29")
    assert body["gitVersion"].startswith("v1.29.")


def test_core_group_and_resource_lists(client):
    assert client.simulate_get("/api").json["versions"] == ["v1"]
    assert client.simulate_get("/apis").json["kind"] == "APIGroupList"
    resources = {r["name"]: r for r in client.simulate_get("/api/v1").json["resources"]}
    assert {"pods", "nodes", "namespaces"} <= set(resources)
    assert resources["pods"]["namespaced"] and not resources["nodes"]["namespaced"]
    assert {"create", "get", "list", "delete"} <= set(resources["pods"]["verbs"])
    assert resources["pods"]["shortNames"] == ["po"]


def test_openapi_v3_names_every_served_patch_with_field_validation(client):
    index = client.simulate_get("/openapi/v3").json["paths"]
    url = index["api/v1"]["serverRelativeURL"]
    path, _, query = url.partition("?")
    document = client.simulate_get(path, query_string=query).json
    patches = [op["patch"] for op in document["paths"].values() if "patch" in op]
    kinds = {p["x-kubernetes-group-version-kind"]["kind"] for p in patches}
    assert "Node" in kinds
    for p in patches:
        assert any(param["name"] == "fieldValidation" and param["in"] == "query" for param in p["parameters"])


# -- one object, two front ends ---------------------------------------------------------------


def test_a_node_created_as_kubernetes_node_is_the_native_node(client):
    resp = client.simulate_post("/api/v1/nodes", json=node_manifest("n1", cpu="2", memory="4Gi", zone="a"))
    assert resp.status_code == 201, resp.text
    native = client.simulate_get("/nodes/n1").json
    assert native["capacity"] == {"cpu": 2000, "memory": 4096}
    assert native["labels"] == {"zone": "a"}
    node = client.simulate_get("/api/v1/nodes/n1").json
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "n1"
    assert node["metadata"]["labels"]["zone"] == "a"
    assert node["metadata"]["resourceVersion"] == str(native["version"])
    assert node["status"]["capacity"] == {"cpu": "2", "memory": "4Gi", "pods": "110"}
    (ready,) = node["status"]["conditions"]
    assert (ready["type"], ready["status"]) == ("Ready", "True") and ready["lastHeartbeatTime"]
    assert len(node["status"]["nodeInfo"]) == 10


def test_an_unhealthy_or_cordoned_node_reads_as_such(client):
    post_node(client, "n1")
    client.simulate_put("/nodes/n1", json={"healthy": False, "schedulable": False})
    node = client.simulate_get("/api/v1/nodes/n1").json
    assert node["status"]["conditions"][0]["status"] == "False"
    assert node["spec"]["unschedulable"] is True


def test_a_pod_created_through_kubernetes_is_the_task_the_native_api_shows(client, settled):
    post_node(client, "n1")
    manifest = pod_manifest("web", cpu="500m", memory="256Mi")
    manifest["metadata"]["annotations"] = {"orchestrator.dev/duration-seconds": "30"}
    resp = client.simulate_post("/api/v1/namespaces/default/pods", json=manifest)
    assert resp.status_code == 201, resp.text
    assert resp.json["status"]["phase"] == "Pending"
    settled()
    task = get_task(client, "web")
    assert task["resources"] == {"cpu": 500, "memory": 256} and task["duration"] == 30
    assert task["status"] == "running" and task["node"] == "n1"
    pod = client.simulate_get("/api/v1/namespaces/default/pods/web").json
    assert pod["status"]["phase"] == "Running" and pod["spec"]["nodeName"] == "n1"
    assert pod["status"]["podIP"] and pod["status"]["hostIP"]
    types = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
    assert types == {"PodScheduled": "True", "Initialized": "True", "ContainersReady": "True", "Ready": "True"}
    (container,) = pod["status"]["containerStatuses"]
    assert {"image", "imageID", "name", "ready", "restartCount"} <= set(container) and "running" in container["state"]


def test_a_native_task_is_a_pod_kubectl_lists(client):
    post_task(client, id="batch-1", resources={"cpu": 100, "memory": 64})
    pods = client.simulate_get("/api/v1/namespaces/default/pods").json
    assert pods["kind"] == "PodList" and [p["metadata"]["name"] for p in pods["items"]] == ["batch-1"]
    assert pods["items"][0]["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "100m", "memory": "64Mi"}
    assert client.simulate_get("/api/v1/pods").json["items"][0]["metadata"]["namespace"] == "default"


def test_a_pod_that_fits_nowhere_says_why_in_pod_scheduled(client, settled):
    post_node(client, "n1")
    client.simulate_post("/api/v1/namespaces/default/pods", json=pod_manifest("big", cpu="64"))
    settled()
    pod = client.simulate_get("/api/v1/namespaces/default/pods/big").json
    (scheduled,) = pod["status"]["conditions"]
    assert scheduled["status"] == "False" and scheduled["reason"] == "Unschedulable"
    assert scheduled["message"].startswith("0/1 nodes are available")


def test_deleting_a_pod_deletes_the_task(client):
    client.simulate_post("/api/v1/namespaces/default/pods", json=pod_manifest("web"))
    resp = client.simulate_delete("/api/v1/namespaces/default/pods/web")
    assert resp.status_code == 200 and resp.json["metadata"]["name"] == "web"
    assert client.simulate_get("/tasks/web").status_code == 404


def test_generate_name_makes_a_name(client):
    manifest = pod_manifest()
    manifest["metadata"] = {"generateName": "job-"}
    resp = client.simulate_post("/api/v1/namespaces/default/pods", json=manifest)
    assert resp.status_code == 201 and resp.json["metadata"]["name"].startswith("job-")


# -- lists ------------------------------------------------------------------------------------


def test_lists_carry_the_revision_and_answer_tables_for_kubectl(client):
    post_node(client, "n1")
    nodes = client.simulate_get("/api/v1/nodes").json
    assert int(nodes["metadata"]["resourceVersion"]) >= 1
    table = client.simulate_get("/api/v1/nodes", headers={"Accept": TABLE}).json
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0] == [
        "Name", "Status", "Roles", "Age", "Version"]
    assert table["rows"][0]["cells"][:2] == ["n1", "Ready"]
    assert table["rows"][0]["object"]["metadata"]["name"] == "n1"
    post_task(client, id="t1")
    pods = client.simulate_get("/api/v1/namespaces/default/pods", headers={"Accept": TABLE}).json
    assert [c["name"] for c in pods["columnDefinitions"] if c["priority"] == 0] == [
        "Name", "Ready", "Status", "Restarts", "Age"]
    assert {"IP", "Node"} <= {c["name"] for c in pods["columnDefinitions"] if c["priority"] == 1}


@pytest.mark.parametrize(("selector", "expected"), [
    ("zone=a", ["n1"]),
    ("zone!=a", ["n2", "n3"]),
    ("zone in (a,b)", ["n1", "n2"]),
    ("zone notin (a)", ["n2", "n3"]),
    ("zone", ["n1", "n2"]),
    ("!zone", ["n3"]),
    ("zone=b,disk=ssd", ["n2"]),
    ("kubernetes.io/hostname=n3", ["n3"]),
])
def test_label_selectors(client, selector, expected):
    post_node(client, "n1", labels={"zone": "a"})
    post_node(client, "n2", labels={"zone": "b", "disk": "ssd"})
    post_node(client, "n3")
    resp = client.simulate_get("/api/v1/nodes", params={"labelSelector": selector})
    assert [n["metadata"]["name"] for n in resp.json["items"]] == expected


def test_field_selectors_on_pods(client, settled):
    post_node(client, "n1")
    post_task(client, id="placed")
    settled()
    post_node(client, "n2", capacity={"cpu": 1, "memory": 1})
    client.simulate_put("/nodes/n1", json={"schedulable": False})
    post_task(client, id="waiting", resources={"cpu": 500})
    settled()
    def names(selector):
        return [p["metadata"]["name"] for p in client.simulate_get(
            "/api/v1/pods", params={"fieldSelector": selector}).json["items"]]
    assert names("spec.nodeName=n1") == ["placed"]
    assert names("status.phase=Pending") == ["waiting"]
    assert names("status.phase!=Pending,metadata.namespace=default") == ["placed"]


def test_an_unsupported_selector_is_a_400(client):
    resp = client.simulate_get("/api/v1/pods", params={"fieldSelector": "spec.restartPolicy=Never"})
    assert_status(resp, 400, "BadRequest", "field label not supported: spec.restartPolicy")
    assert_status(client.simulate_get("/api/v1/nodes", params={"labelSelector": "a in (b"}), 400, "BadRequest")


def test_limit_and_continue_page_through_everything_once(client):
    for i in range(5):
        post_task(client, id=f"t{i}")
    seen, token = [], None
    while True:
        params = {"limit": "2", **({"continue": token} if token else {})}
        page = client.simulate_get("/api/v1/namespaces/default/pods", params=params).json
        seen += [p["metadata"]["name"] for p in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
        assert len(page["items"]) == 2
    assert seen == [f"t{i}" for i in range(5)]
    assert_status(client.simulate_get("/api/v1/pods", params={"continue": "garbage"}), 400, "BadRequest")
    first = client.simulate_get("/api/v1/pods", params={"limit": "1"}).json["metadata"]["continue"]
    client.simulate_delete("/tasks/t0")
    assert_status(client.simulate_get("/api/v1/pods", params={"limit": "1", "continue": first}), 410, "Expired",
                  "list again")
    selected = client.simulate_get("/api/v1/pods", params={"limit": "1", "labelSelector": "!x"}).json
    assert [p["metadata"]["name"] for p in selected["items"]] == ["t1"] and selected["metadata"]["continue"]


def test_a_table_is_answered_whole_whatever_the_limit(client):
    """kubectl get asks Tables 500 at a time and holds itself to 5 requests a
    second: the server answers the whole list in one, as the API conventions
    allow a server that does not support ``limit``."""
    for i in range(5):
        post_task(client, id=f"t{i}")
    table = client.simulate_get("/api/v1/pods", params={"limit": "2"}, headers={"Accept": TABLE}).json
    assert [row["cells"][0] for row in table["rows"]] == [f"t{i}" for i in range(5)]
    assert "continue" not in table["metadata"]
    plain = client.simulate_get("/api/v1/pods", params={"limit": "2"}).json  # the client libraries page
    assert len(plain["items"]) == 2 and plain["metadata"]["continue"]


def test_namespaces(client):
    names = [n["metadata"]["name"] for n in client.simulate_get("/api/v1/namespaces").json["items"]]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    assert client.simulate_get("/api/v1/namespaces/default").json["status"]["phase"] == "Active"
    assert_status(client.simulate_get("/api/v1/namespaces/nope"), 404, "NotFound", 'namespaces "nope" not found')
    assert client.simulate_get("/api/v1/namespaces/kube-system/pods").json["items"] == []


# -- patches ----------------------------------------------------------------------------------


def test_cordon_is_a_strategic_merge_patch_of_spec_unschedulable(client):
    post_node(client, "n1")
    resp = patch(client, "/api/v1/nodes/n1", {"spec": {"unschedulable": True}},
                 STRATEGIC)
    assert resp.status_code == 200, resp.text
    assert client.simulate_get("/nodes/n1").json["schedulable"] is False
    patch(client, "/api/v1/nodes/n1", {"spec": {"unschedulable": None}},
                 MERGE)
    assert client.simulate_get("/nodes/n1").json["schedulable"] is True


def test_labels_by_json_patch_and_merge_patch(client):
    post_node(client, "n1", labels={"zone": "a"})
    resp = patch(client, "/api/v1/nodes/n1", [
        {"op": "add", "path": "/metadata/labels/disk", "value": "ssd"},
        {"op": "remove", "path": "/metadata/labels/zone"}],
        JSON_PATCH)
    assert resp.status_code == 200, resp.text
    assert client.simulate_get("/nodes/n1").json["labels"] == {"disk": "ssd"}
    patch(client, "/api/v1/nodes/n1", {"metadata": {"labels": {"disk": None, "gpu": "a100"}}},
                 MERGE)
    assert client.simulate_get("/nodes/n1").json["labels"] == {"gpu": "a100"}


@pytest.mark.parametrize(("body", "content_type", "status", "reason", "mention"), [
    ({"status": {"capacity": {"cpu": "64"}}}, "application/merge-patch+json", 422, "Invalid", "status"),
    ({"metadata": {"name": "other"}}, "application/merge-patch+json", 422, "Invalid", "metadata.name"),
    ({"spec": {"unschedulable": "yes"}}, "application/merge-patch+json", 422, "Invalid", "spec.unschedulable"),
    ([{"op": "remove", "path": "/metadata/nothing"}], "application/json-patch+json", 422, "Invalid", "nothing"),
    ({"spec": {}}, "application/json", 415, "UnsupportedMediaType", "patch type"),
    ({"metadata": {"labels": {"bad key!": "x"}}}, "application/merge-patch+json", 422, "Invalid", "labels"),
])
def test_patches_that_cannot_apply_change_nothing(client, body, content_type, status, reason, mention):
    post_node(client, "n1", labels={"zone": "a"})
    before = client.simulate_get("/nodes/n1").json
    resp = patch(client, "/api/v1/nodes/n1", body, content_type)
    assert_status(resp, status, reason, mention)
    assert client.simulate_get("/nodes/n1").json == before


def test_a_stale_resource_version_in_a_patch_is_a_conflict(client):
    node = post_node(client, "n1")
    client.simulate_put("/nodes/n1", json={"labels": {"a": "b"}})
    resp = patch(client, "/api/v1/nodes/n1", {
        "metadata": {"resourceVersion": str(node["version"]), "labels": {"c": "d"}}},
        MERGE)
    assert_status(resp, 409, "Conflict", "the object has been modified")


# -- errors -----------------------------------------------------------------------------------


def test_not_found_and_already_exists_name_the_object(client):
    body = assert_status(client.simulate_get("/api/v1/namespaces/default/pods/nope"), 404, "NotFound",
                         'pods "nope" not found')
    assert body["details"] == {"name": "nope", "kind": "pods", "group": ""}
    client.simulate_post("/api/v1/namespaces/default/pods", json=pod_manifest("web"))
    assert_status(client.simulate_post("/api/v1/namespaces/default/pods", json=pod_manifest("web")),
                  409, "AlreadyExists", 'pods "web" already exists')
    assert_status(client.simulate_get("/api/v1/nodes/nope"), 404, "NotFound", 'nodes "nope" not found')


@pytest.mark.parametrize(("change", "field"), [
    (lambda m: m["spec"]["containers"][0]["resources"]["requests"].update(cpu="lots"),
     "spec.containers[0].resources.requests.cpu"),
    (lambda m: m["spec"]["containers"][0]["resources"]["requests"].update(memory="-1Gi"),
     "spec.containers[0].resources.requests.memory"),
    (lambda m: m["spec"].update(containers=[]), "spec.containers"),
    (lambda m: m["metadata"].update(name="Not_A_Name"), "metadata.name"),
    (lambda m: m["metadata"].update(annotations={"orchestrator.dev/duration-seconds": "soon"}),
     "metadata.annotations[orchestrator.dev/duration-seconds]"),
    (lambda m: m["metadata"].update(annotations={"orchestrator.dev/outcome": "Maybe"}),
     "metadata.annotations[orchestrator.dev/outcome]"),
])
def test_invalid_pods_are_422_naming_the_field_and_store_nothing(client, change, field):
    manifest = pod_manifest("web")
    change(manifest)
    body = assert_status(client.simulate_post("/api/v1/namespaces/default/pods", json=manifest), 422, "Invalid",
                         field)
    assert body["details"]["causes"][0]["field"] == field
    assert client.simulate_get("/tasks").json == []


def test_protobuf_bodies_get_415_naming_json_and_apply(client):
    resp = client.simulate_post("/api/v1/namespaces/default/pods", body=b"k8s\x00\x0a",
                                headers={"Content-Type": "application/vnd.kubernetes.protobuf"})
    assert_status(resp, 415, "UnsupportedMediaType", "JSON", "kubectl apply -f")


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b'{"a": NaN}', b"null"])
def test_malformed_bodies_are_400_statuses(client, body):
    resp = client.simulate_post("/api/v1/nodes", body=body, headers={"Content-Type": "application/json"})
    assert_status(resp, 400, "BadRequest")
    assert client.simulate_get("/nodes").json == []


def test_unknown_fields_follow_field_validation(client):
    manifest = pod_manifest("web")
    manifest["spec"]["containers"][0]["bogus"] = 1
    strict = client.simulate_post("/api/v1/namespaces/default/pods", json=manifest,
                                  params={"fieldValidation": "Strict"})
    assert_status(strict, 422, "Invalid", 'unknown field "spec.containers[0].bogus"')
    assert client.simulate_get("/tasks").json == []
    warned = client.simulate_post("/api/v1/namespaces/default/pods", json=manifest)
    assert warned.status_code == 201 and "spec.containers[0].bogus" in warned.headers["warning"]
    manifest["metadata"]["name"] = "quiet"
    ignored = client.simulate_post("/api/v1/namespaces/default/pods", json=manifest,
                                   params={"fieldValidation": "Ignore"})
    assert ignored.status_code == 201 and "warning" not in ignored.headers
    assert_status(client.simulate_post("/api/v1/namespaces/default/pods", json=manifest,
                                       params={"fieldValidation": "Loose"}), 400, "BadRequest", "fieldValidation")


def test_a_body_of_another_kind_or_namespace_is_refused(client):
    assert_status(client.simulate_post("/api/v1/nodes", json=pod_manifest()), 400, "BadRequest", "Pod")
    manifest = pod_manifest()
    manifest["metadata"]["namespace"] = "kube-system"
    assert_status(client.simulate_post("/api/v1/namespaces/default/pods", json=manifest), 400, "BadRequest",
                  "does not match")


def test_unknown_routes_and_methods_answer_statuses(client):
    assert_status(client.simulate_get("/api/v1/widgets"), 404, "NotFound")
    assert_status(client.simulate_put("/api/v1/namespaces", json={}), 405, "MethodNotAllowed")


def test_the_native_api_keeps_its_own_error_form(client):
    body = client.simulate_get("/nodes/nope").json
    assert set(body) == {"title", "description"}


# -- tokens -----------------------------------------------------------------------------------


def test_tokens_are_kubeconfig_bearer_tokens_and_errors_are_statuses(control_plane):
    admin, viewer = "admin-token-0123456789", "viewer-token-0123456789"
    client = falcon.testing.TestClient(create_app(control_plane, tokens={admin: "admin", viewer: "viewer"}))
    assert_status(client.simulate_get("/api/v1/pods"), 401, "Unauthorized")
    assert client.simulate_get("/api/v1/pods", headers={"Authorization": f"Bearer {viewer}"}).status_code == 200
    assert_status(client.simulate_post("/api/v1/namespaces/default/pods", json=pod_manifest(),
                                       headers={"Authorization": f"Bearer {viewer}"}), 403, "Forbidden", "viewer")
    created = client.simulate_post("/api/v1/namespaces/default/pods", json=pod_manifest(),
                                   headers={"Authorization": f"Bearer {admin}"})
    assert created.status_code == 201


def test_kubeconfig_carries_the_server_and_token():
    import yaml

    from api.client.kubeconfig import kubeconfig

    config = yaml.safe_load(kubeconfig("http://127.0.0.1:9/", "secret-token-0123456789"))
    assert config["clusters"][0]["cluster"]["server"] == "http://127.0.0.1:9"
    assert config["users"][0]["user"] == {"token": "secret-token-0123456789"}
    assert config["contexts"][0]["context"]["namespace"] == "default"
    assert yaml.safe_load(kubeconfig("http://h:1"))["users"][0]["user"] == {}
    with pytest.raises(ValueError, match="--server"):
        kubeconfig("localhost:8080")


def test_manifests_survive_a_restart_on_sqlite(tmp_path):
    from actors.store.backends import open_backend
    from actors.system import Settings, start_control_plane

    path = f"sqlite:{tmp_path / 'kube.db'}"
    first = start_control_plane(Settings(start_timer=False), open_backend(path))
    try:
        client = falcon.testing.TestClient(create_app(first))
        manifest = pod_manifest("web")
        manifest["metadata"]["labels"] = {"app": "web"}
        assert client.simulate_post("/api/v1/namespaces/default/pods", json=manifest).status_code == 201
        before = client.simulate_get("/api/v1/namespaces/default/pods/web").json
    finally:
        first.stop()
    second = start_control_plane(Settings(start_timer=False), open_backend(path))
    try:
        after = falcon.testing.TestClient(create_app(second)).simulate_get("/api/v1/namespaces/default/pods/web").json
        def kept(pod):  # what the client sent, and the identity the server gave it
            return {k: v for k, v in pod["metadata"].items() if k != "resourceVersion"}, pod["spec"]["containers"]

        assert kept(after) == kept(before) and after["metadata"]["labels"] == {"app": "web"}
    finally:
        second.stop()


def test_a_node_is_replaced_whole_with_put(client):
    post_node(client, "n1", labels={"zone": "a"})
    node = client.simulate_get("/api/v1/nodes/n1").json
    node["metadata"]["labels"]["disk"] = "ssd"
    node["spec"]["unschedulable"] = True
    replaced = client.simulate_put("/api/v1/nodes/n1", json=node)
    assert replaced.status_code == 200, replaced.text
    native = client.simulate_get("/nodes/n1").json
    assert native["labels"] == {"zone": "a", "disk": "ssd"} and native["schedulable"] is False
    assert_status(client.simulate_put("/api/v1/nodes/n1", json=node), 409, "Conflict")  # its version is stale now
    node = client.simulate_get("/api/v1/nodes/n1").json
    node["status"]["capacity"]["cpu"] = "64"
    assert_status(client.simulate_put("/api/v1/nodes/n1", json=node), 422, "Invalid", "status")


def test_ages_in_tables_count_on_the_control_planes_clock(client, clock):
    post_node(client, "n1")
    clock.advance(150)
    row = client.simulate_get("/api/v1/nodes", headers={"Accept": TABLE}).json["rows"][0]["cells"]
    assert row[3] == "2m30s"  # created at the fake clock's start, 150 fake seconds ago
    post_task(client, id="t1")
    clock.advance(45)
    pods = client.simulate_get("/api/v1/pods", headers={"Accept": TABLE}).json["rows"]
    assert pods[0]["cells"][4] == "45s"


def test_a_pods_malformed_toleration_is_a_422_in_kubernetes_field_names(client):
    pod = pod_manifest("bad", tolerations=[{"key": "k", "operator": "Equal", "tolerationSeconds": 5}])
    body = assert_status(client.simulate_post("/api/v1/namespaces/default/pods", json=pod), 422, "Invalid",
                         "only for effect NoExecute")
    assert body["details"]["causes"][0]["field"] == "spec.tolerations[0].tolerationSeconds"
