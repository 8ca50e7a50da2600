"""Labels, placement constraints and priority through the Kubernetes API: a
pod's labels, preferred node affinity, inter-pod (anti-)affinity and
topology spread constraints are its task's; what we do not implement is a
422 naming the field; PriorityClasses are served, and a pod's priority is
resolved from them as Kubernetes' admission resolves it."""

from __future__ import annotations

import copy
import json

import pytest

from actors.domain.models import Task, TaskStatus
from api.kube import objects, tables
from tests.api.conftest import post_node
from tests.api.kube.conftest import TABLE, assert_status, node_manifest, pod_manifest

PODS = "/api/v1/namespaces/default/pods"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
CLASSES = "/apis/scheduling.k8s.io/v1/priorityclasses"
ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"
REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"
MERGE = {"Content-Type": "application/merge-patch+json"}

AFFINITY = {
    "nodeAffinity": {PREFERRED: [
        {"weight": 30, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}},
    ]},
    "podAffinity": {REQUIRED: [
        {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": ZONE, "namespaces": ["default", "data"]},
    ]},
    "podAntiAffinity": {PREFERRED: [
        {"weight": 60, "podAffinityTerm": {"labelSelector": {"matchExpressions": [
            {"key": "app", "operator": "In", "values": ["web"]}]}, "topologyKey": HOST}},
    ]},
}
SPREAD = [{"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": "DoNotSchedule",
           "labelSelector": {"matchLabels": {"app": "web"}}}]
NATIVE = {
    "preferred_node_affinity": [{"weight": 30, "preference": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}],
    "pod_affinity": {"required": [{"label_selector": {"match_labels": {"app": "db"}}, "topology_key": ZONE,
                                   "namespaces": ["default", "data"]}], "preferred": []},
    "pod_anti_affinity": {"required": [], "preferred": [
        {"label_selector": {"match_expressions": [{"key": "app", "operator": "In", "values": ["web"]}]},
         "topology_key": HOST, "weight": 60}]},
    "topology_spread": [{"max_skew": 1, "topology_key": ZONE, "when_unsatisfiable": "DoNotSchedule",
                         "label_selector": {"match_labels": {"app": "web"}}}],
}
"""What the native API shows of AFFINITY and SPREAD."""


def labelled_pod(name: str = "web", labels: dict | None = None, **spec) -> dict:
    manifest = pod_manifest(name, **spec)
    manifest["metadata"]["labels"] = labels if labels is not None else {"app": name}
    return manifest


def deployment(name: str = "web", replicas: int = 2, **pod_spec) -> dict:
    template = pod_manifest(name, **pod_spec)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": {
        "replicas": replicas, "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name, "tier": "front"}}, "spec": template["spec"]}}}


def priority_class(name: str, value: int, **fields) -> dict:
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value, **fields}


def create(client, path: str, manifest: dict) -> dict:
    resp = client.simulate_post(path, json=manifest)
    assert resp.status_code == 201, resp.text
    return resp.json


# --- labels and constraints ------------------------------------------------


def test_a_pods_labels_and_constraints_are_its_tasks(client):
    sent = labelled_pod(labels={"app": "web", "tier": "front"}, affinity=AFFINITY, topologySpreadConstraints=SPREAD)
    created = create(client, PODS, sent)
    assert created["spec"]["affinity"] == AFFINITY and created["spec"]["topologySpreadConstraints"] == SPREAD
    assert created["metadata"]["labels"] == {"app": "web", "tier": "front"}
    task = client.simulate_get("/tasks/web").json
    assert task["labels"] == {"app": "web", "tier": "front"}
    assert {key: task[key] for key in NATIVE} == NATIVE


def test_a_deployments_template_gives_its_pods_its_labels_and_constraints(client, settled):
    post_node(client, "n1", labels={ZONE: "a", "disk": "ssd"})
    create(client, DEPLOYMENTS, deployment(affinity=AFFINITY, topologySpreadConstraints=SPREAD))
    native = client.simulate_get("/deployments/web").json["template"]
    assert native["labels"] == {"app": "web", "tier": "front"}
    assert {key: native[key] for key in NATIVE} == NATIVE
    settled()
    tasks = client.simulate_get("/tasks").json
    assert len(tasks) == 2
    assert all(t["labels"] == {"app": "web", "tier": "front"} and t["topology_spread"] == NATIVE["topology_spread"]
               for t in tasks)


def test_a_native_tasks_labels_and_constraints_show_in_its_pod(client):
    client.simulate_post("/tasks", json={"id": "n", "labels": {"app": "n"}, **NATIVE})
    pod = client.simulate_get(f"{PODS}/n").json
    assert pod["metadata"]["labels"] == {"app": "n"}
    assert pod["spec"]["affinity"] == AFFINITY and pod["spec"]["topologySpreadConstraints"] == SPREAD
    selected = client.simulate_get(PODS, params={"labelSelector": "app=n"}).json["items"]
    assert [p["metadata"]["name"] for p in selected] == ["n"]


def test_an_empty_preference_changes_nothing_and_is_left_out(client):
    affinity = {"nodeAffinity": {PREFERRED: [{"weight": 5, "preference": {}}]}}
    create(client, PODS, labelled_pod(affinity=affinity))
    assert "preferred_node_affinity" not in client.simulate_get("/tasks/web").json


def test_a_pods_labels_follow_an_update(client):
    create(client, PODS, labelled_pod())
    resp = client.simulate_patch(f"{PODS}/web", body=json.dumps({"metadata": {"labels": {"app": "api"}}}),
                                 headers=MERGE)
    assert resp.status_code == 200 and resp.json["metadata"]["labels"] == {"app": "api"}
    assert client.simulate_get("/tasks/web").json["labels"] == {"app": "api"}


def test_an_update_may_not_change_constraints_but_may_leave_out_the_servers_fields(client):
    created = create(client, PODS, labelled_pod(affinity=AFFINITY))
    changed = copy.deepcopy(created)
    changed["spec"]["topologySpreadConstraints"] = SPREAD
    assert_status(client.simulate_put(f"{PODS}/web", json=changed), 422, "Invalid", "spec.topologySpreadConstraints")
    replaced = client.simulate_put(f"{PODS}/web", json=labelled_pod(affinity=AFFINITY))  # no spec.priority
    assert replaced.status_code == 200, replaced.text
    assert replaced.json["spec"]["priority"] == 0


def _affinity(path: str, value) -> dict:
    """A pod spec with ``value`` at ``path`` (dotted, under spec) in an otherwise valid pod."""
    spec = {"affinity": copy.deepcopy(AFFINITY), "topologySpreadConstraints": copy.deepcopy(SPREAD)}
    *parents, last = path.split(".")
    where = spec
    for part in parents:
        name, _, index = part.partition("[")
        where = where[name] if not index else where[name][int(index[:-1])]
    if value is _DROP:
        del where[last]
    else:
        where[last] = value
    return spec


_DROP = object()
NODE_PREF = f"affinity.nodeAffinity.{PREFERRED}[0]"
POD_REQ = f"affinity.podAffinity.{REQUIRED}[0]"
ANTI_PREF = f"affinity.podAntiAffinity.{PREFERRED}[0]"
SPREAD_0 = "topologySpreadConstraints[0]"


@pytest.mark.parametrize(("path", "value", "mention"), [
    (f"{NODE_PREF}.weight", 0, "1 to 100"),
    (f"{NODE_PREF}.weight", _DROP, "1 to 100"),
    (f"{NODE_PREF}.preference.matchFields", [{"key": "metadata.name", "operator": "In", "values": ["n1"]}],
     "matchFields is not served"),
    (f"{NODE_PREF}.preference.matchExpressions", [{"key": "disk", "operator": "Near"}], "operator"),
    (f"{NODE_PREF}.preference", _DROP, "must be an object"),
    (f"{POD_REQ}.namespaceSelector", {}, "not supported"),
    (f"{POD_REQ}.matchLabelKeys", ["pod-template-hash"], "not supported"),
    (f"{POD_REQ}.mismatchLabelKeys", ["tenant"], "not supported"),
    (f"{POD_REQ}.topologyKey", _DROP, "is required"),
    (f"{POD_REQ}.topologyKey", "", "is required"),
    (f"{POD_REQ}.labelSelector", _DROP, "Required value"),
    (f"{POD_REQ}.labelSelector", {"matchExpressions": [{"key": "app", "operator": "Gt", "values": ["1"]}]},
     "In, NotIn, Exists, DoesNotExist"),
    (f"{POD_REQ}.labelSelector", {"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["x"]}]},
     "empty"),
    (f"{POD_REQ}.labelSelector", {"matchLabels": {"app": "not valid"}}, "label values"),
    (f"{POD_REQ}.namespaces", ["Data"], "not a valid id"),
    (f"{ANTI_PREF}.weight", 101, "1 to 100"),
    (f"{ANTI_PREF}.podAffinityTerm", _DROP, "must be an object"),
    (f"{SPREAD_0}.maxSkew", 0, "greater than zero"),
    (f"{SPREAD_0}.maxSkew", _DROP, "greater than zero"),
    (f"{SPREAD_0}.topologyKey", "not a key", "label keys"),
    (f"{SPREAD_0}.whenUnsatisfiable", _DROP, "Required value"),
    (f"{SPREAD_0}.whenUnsatisfiable", "Sometimes", "DoNotSchedule or ScheduleAnyway"),
    (f"{SPREAD_0}.labelSelector", _DROP, "Required value"),
    (f"{SPREAD_0}.minDomains", 2, "not supported"),
    (f"{SPREAD_0}.matchLabelKeys", ["pod-template-hash"], "not supported"),
    (f"{SPREAD_0}.nodeAffinityPolicy", "Ignore", "not supported"),
    (f"{SPREAD_0}.nodeTaintsPolicy", "Honor", "not supported"),
    ("priority", "high", "whole number"),
    ("preemptionPolicy", "Sometimes", "PreemptLowerPriority or Never"),
    ("priorityClassName", 5, "must be a string"),
])
def test_bad_scheduling_fields_are_422_naming_the_kubernetes_field(client, path, value, mention):
    spec = {"affinity": AFFINITY, path: value} if path in ("priority", "preemptionPolicy", "priorityClassName") \
        else _affinity(path, value)
    body = assert_status(client.simulate_post(PODS, json=labelled_pod(**spec)), 422, "Invalid", mention)
    assert body["details"]["causes"][0]["field"].startswith(f"spec.{path}")
    body = assert_status(client.simulate_post(DEPLOYMENTS, json=deployment(**spec)), 422, "Invalid", mention)
    assert body["details"]["causes"][0]["field"].startswith(f"spec.template.spec.{path}")
    assert client.simulate_get("/tasks").json == [] and client.simulate_get("/deployments").json == []


def test_tolerated_defaults_of_a_spread_constraint_are_accepted(client):
    spread = [{**SPREAD[0], "nodeAffinityPolicy": "Honor", "nodeTaintsPolicy": "Ignore", "minDomains": None,
               "matchLabelKeys": []}]
    create(client, PODS, labelled_pod(topologySpreadConstraints=spread))
    assert client.simulate_get("/tasks/web").json["topology_spread"] == NATIVE["topology_spread"]


# --- PriorityClasses -------------------------------------------------------


def test_the_built_in_classes_are_listed_and_cannot_change(client):
    listed = client.simulate_get(CLASSES).json
    assert listed["kind"] == "PriorityClassList" and listed["apiVersion"] == "scheduling.k8s.io/v1"
    assert [(c["metadata"]["name"], c["value"]) for c in listed["items"]] == [
        ("system-cluster-critical", 2000000000), ("system-node-critical", 2000001000)]
    one = client.simulate_get(f"{CLASSES}/system-node-critical").json
    assert one["kind"] == "PriorityClass" and one["preemptionPolicy"] == "PreemptLowerPriority"
    assert_status(client.simulate_delete(f"{CLASSES}/system-node-critical"), 403, "Forbidden",
                  "cannot be deleted")
    assert_status(client.simulate_patch(f"{CLASSES}/system-node-critical", body=json.dumps(
        {"description": "mine"}), headers=MERGE), 403, "Forbidden", "cannot be changed")
    assert client.simulate_put(f"{CLASSES}/system-node-critical", json=one).status_code == 200  # no change
    assert_status(client.simulate_post(CLASSES, json=priority_class("system-node-critical", 5)), 409,
                  "AlreadyExists", 'priorityclasses.scheduling.k8s.io "system-node-critical" already exists')


def test_a_class_is_created_read_updated_patched_and_deleted(client):
    created = create(client, CLASSES, priority_class("gold", 1000, description="paying customers"))
    assert (created["value"], created["preemptionPolicy"], created["description"]) == (
        1000, "PreemptLowerPriority", "paying customers")
    assert "globalDefault" not in created and created["metadata"]["uid"]
    replaced = client.simulate_put(f"{CLASSES}/gold", json=priority_class("gold", 1000, description="gold"))
    assert replaced.status_code == 200 and replaced.json["description"] == "gold"
    patched = client.simulate_patch(f"{CLASSES}/gold", body=json.dumps({"metadata": {"labels": {"tier": "1"}}}),
                                    headers=MERGE)
    assert patched.status_code == 200 and patched.json["metadata"]["labels"] == {"tier": "1"}
    for change, field in (({"value": 5}, "value"), ({"preemptionPolicy": "Never"}, "preemptionPolicy")):
        refused = client.simulate_patch(f"{CLASSES}/gold", body=json.dumps(change), headers=MERGE)
        assert_status(refused, 422, "Invalid", field, "may not be changed")
    stale = client.simulate_put(f"{CLASSES}/gold", json=priority_class("gold", 1000) | {
        "metadata": {"name": "gold", "resourceVersion": created["metadata"]["resourceVersion"]}})
    assert_status(stale, 409, "Conflict")
    names = [c["metadata"]["name"] for c in client.simulate_get(CLASSES).json["items"]]
    assert names == ["gold", "system-cluster-critical", "system-node-critical"]
    selected = client.simulate_get(CLASSES, params={"labelSelector": "tier=1"}).json["items"]
    assert [c["metadata"]["name"] for c in selected] == ["gold"]
    assert client.simulate_delete(f"{CLASSES}/gold").json["metadata"]["name"] == "gold"
    assert_status(client.simulate_get(f"{CLASSES}/gold"), 404, "NotFound",
                  'priorityclasses.scheduling.k8s.io "gold" not found')


@pytest.mark.parametrize(("fields", "field", "mention"), [
    ({"value": None}, "value", "Required value"),
    ({"value": "high"}, "value", "whole number"),
    ({"value": 2**31}, "value", "whole number"),
    ({"value": 1_000_000_001}, "value", "maximum allowed value of a user defined priority is 1000000000"),
    ({"preemptionPolicy": "Always"}, "preemptionPolicy", "PreemptLowerPriority or Never"),
    ({"globalDefault": "yes"}, "globalDefault", "true or false"),
    ({"description": 5}, "description", "must be a string"),
    ({"metadata": {"name": "system-mine"}}, "metadata.name", "system- prefix"),
    ({"metadata": {"name": "gold", "labels": {"a": "b c"}}}, "metadata.labels", "label values"),
])
def test_invalid_classes_are_422_and_store_nothing(client, fields, field, mention):
    assert_status(client.simulate_post(CLASSES, json=priority_class("gold", 10) | fields), 422, "Invalid",
                  field, mention)
    assert len(client.simulate_get(CLASSES).json["items"]) == 2


def test_unknown_fields_of_a_class_follow_field_validation(client):
    resp = client.simulate_post(CLASSES, params={"fieldValidation": "Strict"},
                                json=priority_class("gold", 10, colour="gold"))
    assert_status(resp, 422, "Invalid", 'unknown field "colour"')


def test_at_most_one_class_is_the_global_default(client):
    create(client, CLASSES, priority_class("low", 10, globalDefault=True))
    assert_status(client.simulate_post(CLASSES, json=priority_class("high", 20, globalDefault=True)), 403,
                  "Forbidden", "PriorityClass low is already marked as default")
    create(client, CLASSES, priority_class("high", 20))
    refused = client.simulate_patch(f"{CLASSES}/high", body=json.dumps({"globalDefault": True}), headers=MERGE)
    assert_status(refused, 403, "Forbidden", "Only one default can exist")
    assert client.simulate_patch(f"{CLASSES}/low", body=json.dumps({"globalDefault": True}),
                                 headers=MERGE).status_code == 200  # itself again


def test_kubectl_gets_classes_as_a_table_and_finds_them_in_discovery(client):
    create(client, CLASSES, priority_class("gold", 1000, globalDefault=True, preemptionPolicy="Never"))
    table = client.simulate_get(CLASSES, headers={"Accept": TABLE}).json
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name", "Value", "Global-Default", "Age", "PreemptionPolicy"]
    assert table["rows"][0]["cells"][:3] == ["gold", 1000, True] and table["rows"][0]["cells"][4] == "Never"
    one = client.simulate_get(f"{CLASSES}/system-cluster-critical", headers={"Accept": TABLE}).json
    assert one["rows"][0]["cells"][:3] == ["system-cluster-critical", 2000000000, False]
    assert "scheduling.k8s.io" in [g["name"] for g in client.simulate_get("/apis").json["groups"]]
    resources = client.simulate_get("/apis/scheduling.k8s.io/v1").json["resources"]
    assert [(r["name"], r["kind"], r["namespaced"], r["shortNames"]) for r in resources] == [
        ("priorityclasses", "PriorityClass", False, ["pc"])]
    document = client.simulate_get("/openapi/v3/apis/scheduling.k8s.io/v1").json
    assert "/apis/scheduling.k8s.io/v1/priorityclasses/{name}" in document["paths"]


def test_a_watch_on_classes_lists_them_then_follows_until_its_timeout(client):
    create(client, CLASSES, priority_class("gold", 1000))
    resp = client.simulate_get(CLASSES, params={"watch": "true", "timeoutSeconds": "1"})
    events = [json.loads(line) for line in resp.text.splitlines() if line.strip()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "gold"), ("ADDED", "system-cluster-critical"), ("ADDED", "system-node-critical")]


# --- a pod's priority ------------------------------------------------------


def test_a_pods_priority_is_its_classs(client):
    create(client, CLASSES, priority_class("gold", 1000))
    create(client, CLASSES, priority_class("batch", 100, preemptionPolicy="Never"))
    pod = create(client, PODS, labelled_pod("a", priorityClassName="gold"))
    assert (pod["spec"]["priority"], pod["spec"]["preemptionPolicy"], pod["spec"]["priorityClassName"]) == (
        1000, "PreemptLowerPriority", "gold")
    task = client.simulate_get("/tasks/a").json
    assert (task["priority"], task["preemption_policy"]) == (1000, "PreemptLowerPriority")
    create(client, PODS, labelled_pod("b", priorityClassName="batch"))
    assert client.simulate_get("/tasks/b").json["preemption_policy"] == "Never"
    create(client, PODS, labelled_pod("c", priorityClassName="gold", preemptionPolicy="Never", priority=1000))
    assert (client.simulate_get("/tasks/c").json["priority"], client.simulate_get(f"{PODS}/c").json["spec"][
        "preemptionPolicy"]) == (1000, "Never")
    create(client, PODS, labelled_pod("d", priorityClassName="system-node-critical"))
    assert client.simulate_get("/tasks/d").json["priority"] == 2000001000


def test_a_pod_without_a_class_takes_the_global_defaults_else_zero(client):
    plain = create(client, PODS, labelled_pod("plain"))
    assert (plain["spec"]["priority"], plain["spec"]["preemptionPolicy"]) == (0, "PreemptLowerPriority")
    assert "priorityClassName" not in plain["spec"]
    create(client, CLASSES, priority_class("normal", 50, globalDefault=True, preemptionPolicy="Never"))
    create(client, PODS, labelled_pod("later"))
    assert (client.simulate_get("/tasks/later").json["priority"],
            client.simulate_get("/tasks/later").json["preemption_policy"]) == (50, "Never")
    assert client.simulate_get("/tasks/plain").json["priority"] == 0  # resolved when it was made


def test_priority_admission_refuses_an_unknown_class_and_a_priority_of_ones_own(client):
    assert_status(client.simulate_post(PODS, json=labelled_pod(priorityClassName="gold")), 403, "Forbidden",
                  'pods "web" is forbidden: no PriorityClass with name gold was found')
    assert_status(client.simulate_post(PODS, json=labelled_pod(priority=7)), 403, "Forbidden",
                  "the integer value of priority (7) must not be provided in pod spec; priority admission "
                  "controller computed 0")
    create(client, CLASSES, priority_class("gold", 1000))
    assert_status(client.simulate_post(PODS, json=labelled_pod(priorityClassName="gold", priority=5)), 403,
                  "Forbidden", "computed 1000")
    assert_status(client.simulate_post(PODS, params={"dryRun": "All"}, json=labelled_pod(priorityClassName="x")),
                  403, "Forbidden", "no PriorityClass with name x was found")
    assert client.simulate_get("/tasks").json == []


def test_a_deployments_pods_take_the_priority_resolved_when_its_template_was_given(client, settled):
    create(client, CLASSES, priority_class("gold", 1000, preemptionPolicy="Never"))
    post_node(client, "n1")
    create(client, DEPLOYMENTS, deployment(priorityClassName="gold"))
    assert client.simulate_get("/deployments/web").json["template"]["priority"] == 1000
    settled()
    tasks = client.simulate_get("/tasks").json
    assert [(t["priority"], t["preemption_policy"]) for t in tasks] == [(1000, "Never")] * 2
    assert_status(client.simulate_post(DEPLOYMENTS, json=deployment("api", priorityClassName="silver")), 403,
                  "Forbidden", 'deployments.apps "api" is forbidden: spec.template.spec.priorityClassName: '
                  "no PriorityClass with name silver was found")
    client.simulate_delete(f"{CLASSES}/gold")
    scaled = client.simulate_patch(f"{DEPLOYMENTS}/web", body=json.dumps({"spec": {"replicas": 3}}), headers=MERGE)
    assert scaled.status_code == 200, scaled.text  # the template is unchanged: nothing to resolve again
    changed = client.simulate_patch(f"{DEPLOYMENTS}/web", body=json.dumps({"spec": {"template": {"metadata": {
        "annotations": {"x": "y"}}}}}), headers=MERGE)
    assert_status(changed, 403, "Forbidden", "no PriorityClass with name gold was found")


# --- what the scheduler sets ------------------------------------------------


def test_a_nominated_pod_shows_its_node_and_a_preempted_one_says_so():
    nominated = Task(id="vip", name="vip", priority=1000, nominated_node="n1",
                     message="0/1 nodes available: 1 insufficient cpu")
    pod = objects.pod(nominated)
    assert pod["status"]["nominatedNodeName"] == "n1" and pod["status"]["phase"] == "Pending"
    assert (pod["spec"]["priority"], pod["spec"]["preemptionPolicy"]) == (1000, "PreemptLowerPriority")
    assert tables.pod_row(nominated)[0][7] == "n1"
    assert tables.table("pods", [pod], {})["rows"][0]["cells"][7] == "n1"
    assert "nominatedNodeName" not in objects.pod(Task(id="a", name="a"))["status"]
    preempted = Task(id="low", name="low", status=TaskStatus.FAILED, node="n1", scheduled_at=1.0, started_at=2.0,
                     finished_at=3.0, message="preempted by default/vip on n1")
    status = objects.pod(preempted)["status"]
    assert (status["phase"], status["reason"], status["message"]) == (
        "Failed", "Preempted", "preempted by default/vip on n1")
    assert tables.pod_row(preempted)[0][2] == "Preempted"
    assert tables.table("pods", [objects.pod(preempted)], {})["rows"][0]["cells"][2] == "Preempted"
    failed = objects.pod(Task(id="f", name="f", status=TaskStatus.FAILED, message="exit 1"))["status"]
    assert "reason" not in failed


def test_nodes_keep_their_labels_for_topology(client):
    """The topology keys are node labels like any other."""
    resp = client.simulate_post("/api/v1/nodes", json=node_manifest("n1", **{ZONE: "a"}))
    assert resp.status_code == 201 and resp.json["metadata"]["labels"][ZONE] == "a"


def test_a_pod_of_higher_priority_preempts_one_of_lower_which_shows_as_preempted(client, settled):
    create(client, CLASSES, priority_class("gold", 1000))
    post_node(client, "n1", capacity={"cpu": 1000})
    create(client, PODS, labelled_pod("low", cpu="800m"))
    settled()
    create(client, PODS, labelled_pod("vip", cpu="800m", priorityClassName="gold"))
    settled()
    low = client.simulate_get(f"{PODS}/low").json
    assert (low["status"]["phase"], low["status"]["reason"]) == ("Failed", "Preempted")
    assert low["status"]["message"].startswith("preempted by vip")
    assert client.simulate_get(f"{PODS}/vip").json["spec"]["nodeName"] == "n1"
    rows = {row["cells"][0]: row["cells"] for row in client.simulate_get(PODS, headers={"Accept": TABLE}).json["rows"]}
    assert rows["low"][2] == "Preempted"
