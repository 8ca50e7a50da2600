"""The scheduling features through the Kubernetes front end, as a user of
kube-scheduler would try them: taints, anti-affinity across a deployment's
replicas, preemption with the victim replaced."""

from __future__ import annotations

import json

from tests.api.kube.conftest import node_manifest
from tests.api.kube.test_scheduling_fields import (
    CLASSES,
    DEPLOYMENTS,
    PODS,
    create,
    deployment,
    labelled_pod,
    priority_class,
)

NODES = "/api/v1/nodes"
MERGE = {"Content-Type": "application/merge-patch+json"}
HOST = "kubernetes.io/hostname"


def pods(client) -> dict[str, dict]:
    return {p["metadata"]["name"]: p for p in client.simulate_get(PODS).json["items"]}


def condition(pod: dict) -> dict:
    return next((c for c in pod["status"].get("conditions", []) if c["type"] == "PodScheduled"), {})


def test_a_tainted_node_refuses_a_pod_until_it_tolerates_the_taint(client, settled):
    create(client, NODES, node_manifest("gpu-1"))
    patched = client.simulate_patch(f"{NODES}/gpu-1", headers=MERGE, body=json.dumps(
        {"spec": {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}}))
    assert patched.status_code == 200, patched.text
    create(client, PODS, labelled_pod("plain"))
    create(client, PODS, labelled_pod("tolerant", tolerations=[
        {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]))
    settled()
    found = pods(client)
    assert condition(found["plain"])["message"] == (
        "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.")
    assert found["tolerant"]["spec"]["nodeName"] == "gpu-1"
    client.simulate_patch(f"{NODES}/gpu-1", headers=MERGE, body=json.dumps({"spec": {"taints": None}}))
    settled()
    assert pods(client)["plain"]["spec"]["nodeName"] == "gpu-1"


def test_required_anti_affinity_spreads_a_deployments_replicas_one_per_node(client, settled):
    for name in ("n1", "n2", "n3"):
        create(client, NODES, node_manifest(name))
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": HOST}]}}
    create(client, DEPLOYMENTS, deployment("web", replicas=4, affinity=anti))
    settled()
    found = pods(client)
    placed = sorted(p["spec"]["nodeName"] for p in found.values() if p["spec"].get("nodeName"))
    assert placed == ["n1", "n2", "n3"]  # one per node, and a fourth nowhere
    (waiting,) = [p for p in found.values() if not p["spec"].get("nodeName")]
    assert condition(waiting)["message"] == "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."


def test_a_high_priority_pod_preempts_and_the_victims_deployment_reschedules_it(client, settled):
    create(client, CLASSES, priority_class("urgent", 1_000_000))
    create(client, NODES, node_manifest("n1", cpu="1"))
    create(client, DEPLOYMENTS, deployment("batch", replicas=2, cpu="400m"))
    settled()
    before = {n for n, p in pods(client).items() if p["spec"].get("nodeName") == "n1"}
    assert len(before) == 2
    create(client, PODS, labelled_pod("vip", cpu="500m", priorityClassName="urgent"))
    settled()
    found = pods(client)
    assert found["vip"]["spec"]["nodeName"] == "n1"
    (victim,) = [found[n] for n in before if found[n]["status"]["phase"] == "Failed"]
    assert (victim["status"]["reason"], victim["status"]["message"]) == (
        "Preempted", "preempted by vip (priority 1000000) on node n1")
    events = client.simulate_get("/api/v1/namespaces/default/events").json["items"]
    assert any(e["reason"] == "Preempted" and e["involvedObject"]["name"] == victim["metadata"]["name"]
               for e in events)
    # the deployment makes a new replica; it waits for room, and takes a new node when one comes
    replacement = [n for n, p in found.items() if n.startswith("batch") and n not in before]
    assert len(replacement) == 1 and not found[replacement[0]]["spec"].get("nodeName")
    create(client, NODES, node_manifest("n2", cpu="1"))
    settled()
    assert pods(client)[replacement[0]]["spec"]["nodeName"] == "n2"
