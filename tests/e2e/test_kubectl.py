"""The real ``kubectl`` against a real server: what a user of Kubernetes
types, answered by our actors. Each test gets its own kubeconfig (from
``orchestrator kubeconfig``) and its own discovery cache, so nothing is
read from the user's ``~/.kube``."""

from __future__ import annotations

import io
import json
import os
import queue
import shutil
import subprocess
import threading

import pytest
import yaml

from api.cli import main as orchestrator

KUBECTL = os.environ.get("KUBECTL_BINARY") or shutil.which("kubectl")

POD = """
apiVersion: v1
kind: Pod
metadata:
  name: api
  labels: {app: api}
spec:
  containers:
  - name: main
    image: nginx:1.27
    resources:
      requests: {cpu: 250m, memory: 64Mi}
"""


@pytest.fixture
def kubectl(cluster, tmp_path):
    assert KUBECTL, "kubectl is not on PATH: scripts/test installs Debian's kubernetes-client where it is missing"
    out = io.StringIO()
    assert orchestrator(["kubeconfig", "--server", cluster.url], out=out) == 0
    config = tmp_path / "kubeconfig"
    config.write_text(out.getvalue())
    env = {**os.environ, "KUBECONFIG": str(config), "HOME": str(tmp_path)}

    def run(*args: str, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([KUBECTL, "--cache-dir", str(tmp_path / "cache"), *args], input=stdin,
                              capture_output=True, text=True, env=env, timeout=60)
        if ok:
            assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
        return done

    return run


def test_get_nodes_and_pods_print_kubectls_columns(cluster, kubectl):
    cluster.post("/nodes", {"id": "n1", "labels": {"zone": "a"}})
    cluster.post("/tasks", {"id": "batch", "resources": {"cpu": 100}})
    cluster.wait_for_status("batch", "running")
    nodes = kubectl("get", "nodes").stdout.splitlines()
    assert nodes[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert nodes[1].split()[:2] == ["n1", "Ready"]
    pods = kubectl("get", "pods", "-o", "wide").stdout.splitlines()
    assert pods[0].split()[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    row = pods[1].split()
    assert row[:3] == ["batch", "1/1", "Running"] and row[6] == "n1"
    everywhere = kubectl("get", "pods", "-A").stdout.splitlines()
    assert everywhere[0].split()[:2] == ["NAMESPACE", "NAME"] and everywhere[1].split()[:2] == ["default", "batch"]
    assert "zone=a" in kubectl("get", "nodes", "--show-labels").stdout
    assert kubectl("get", "ns").stdout.split()[3:5] == ["default", "Active"]


def test_apply_creates_then_is_unchanged_then_configures(cluster, kubectl):
    cluster.post("/nodes", {"id": "n1"})
    assert kubectl("apply", "-f", "-", stdin=POD).stdout.strip() == "pod/api created"
    assert kubectl("apply", "-f", "-", stdin=POD).stdout.strip() == "pod/api unchanged"
    assert kubectl("apply", "-f", "-", stdin=POD.replace("app: api", "app: web")).stdout.strip() == \
        "pod/api configured"
    task = cluster.wait_for_status("api", "running")
    assert task["resources"] == {"cpu": 250, "memory": 64}
    pod = json.loads(kubectl("get", "pod", "api", "-o", "json").stdout)
    assert pod["metadata"]["labels"] == {"app": "web"}
    assert "kubectl.kubernetes.io/last-applied-configuration" in pod["metadata"]["annotations"]
    assert pod["spec"]["containers"][0]["image"] == "nginx:1.27" and pod["spec"]["nodeName"] == "n1"
    assert yaml.safe_load(kubectl("get", "pod", "api", "-o", "yaml").stdout)["status"]["phase"] == "Running"
    assert kubectl("get", "pod", "api", "-o", "jsonpath={.status.podIP}").stdout.startswith("10.")
    kubectl("wait", "--for=condition=Ready", "pod/api", "--timeout=20s")
    described = kubectl("describe", "pod", "api").stdout
    assert "Node:" in described and "n1/" in described and "Status:       Running" in described
    assert "Scheduled" in described.split("Events:")[1] and "default-scheduler" in described
    events = kubectl("get", "events", "--field-selector", "reason=Started").stdout.splitlines()
    assert len(events) == 2 and events[1].split()[1:4] == ["Normal", "Started", "pod/api"]


def test_create_validates_on_the_server(cluster, kubectl):
    bad = POD.replace("    image: nginx:1.27", "    image: nginx:1.27\n    bogus: 1")
    refused = kubectl("create", "-f", "-", stdin=bad, ok=False)
    assert refused.returncode != 0
    assert "spec.containers[0].bogus" in refused.stderr and "unknown field" in refused.stderr
    assert cluster.get("/tasks/api").status_code == 404
    warned = kubectl("create", "-f", "-", "--validate=warn", stdin=bad)
    assert "pod/api created" in warned.stdout and "bogus" in warned.stderr
    invalid = kubectl("create", "-f", "-", stdin=POD.replace("name: api", "name: other").replace("250m", "lots"), ok=False)
    assert "spec.containers[0].resources.requests.cpu" in invalid.stderr


def test_cordon_label_and_delete_reach_the_native_objects(cluster, kubectl):
    cluster.post("/nodes", {"id": "n1"})
    assert kubectl("cordon", "n1").stdout.strip() == "node/n1 cordoned"
    assert cluster.get("/nodes/n1").json()["schedulable"] is False
    assert "SchedulingDisabled" in kubectl("get", "node", "n1").stdout
    kubectl("uncordon", "n1")
    kubectl("label", "node", "n1", "disk=ssd")
    assert cluster.get("/nodes/n1").json()["labels"] == {"disk": "ssd"}
    assert cluster.get("/nodes/n1").json()["schedulable"] is True
    kubectl("apply", "-f", "-", stdin=POD)
    kubectl("label", "pod", "api", "tier=front")
    assert json.loads(kubectl("get", "pod", "api", "-o", "json").stdout)["metadata"]["labels"] == {
        "app": "api", "tier": "front"}
    assert kubectl("delete", "pod", "api").stdout.strip() == 'pod "api" deleted'
    assert cluster.get("/tasks/api").status_code == 404
    missing = kubectl("get", "pod", "api", ok=False)
    assert missing.returncode == 1 and 'pods "api" not found' in missing.stderr


def test_get_watch_prints_a_row_per_change(cluster, kubectl, tmp_path):
    cluster.post("/nodes", {"id": "n1"})
    cluster.post("/tasks", {"id": "first"})
    env = {**os.environ, "KUBECONFIG": str(tmp_path / "kubeconfig"), "HOME": str(tmp_path)}
    watcher = subprocess.Popen([KUBECTL, "--cache-dir", str(tmp_path / "cache"), "get", "pods", "-w"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    rows: queue.Queue[str] = queue.Queue()
    readers = [threading.Thread(target=lambda: [rows.put(line) for line in watcher.stdout], daemon=True)]
    for reader in readers:
        reader.start()
    try:
        # a row for "first" means kubectl has listed and watches from there: "api" is made after that
        while rows.get(timeout=20).split()[:1] != ["first"]:
            pass
        kubectl("apply", "-f", "-", stdin=POD)
        statuses = []
        while "Running" not in statuses:
            row = rows.get(timeout=20).split()  # kubectl prints each change as it comes
            if row and row[0] == "api":
                statuses.append(row[2])
        assert statuses[0] == "Pending" and statuses[-1] == "Running"
    finally:
        watcher.kill()
        watcher.wait(timeout=10)
        for reader in readers:
            reader.join(timeout=10)


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.26
        resources:
          requests: {cpu: 100m, memory: 64Mi}
"""


def test_a_deployments_life_through_kubectl(cluster, kubectl):
    for node in ("n1", "n2"):
        cluster.post("/nodes", {"id": node})
    assert kubectl("apply", "-f", "-", stdin=DEPLOYMENT).stdout.strip() == "deployment.apps/web created"
    assert 'deployment "web" successfully rolled out' in kubectl(
        "rollout", "status", "deployment/web", "--timeout=30s").stdout
    row = kubectl("get", "deployment", "web").stdout.splitlines()[1].split()
    assert row[:4] == ["web", "3/3", "3", "3"]
    assert kubectl("scale", "deployment", "web", "--replicas=5").stdout.strip() == "deployment.apps/web scaled"
    kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    assert cluster.get("/deployments/web").json()["replicas"] == 5
    kubectl("set", "image", "deployment/web", "nginx=nginx:1.27")
    kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    images = kubectl("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.containers[0].image}").stdout
    assert images.split() == ["nginx:1.27"] * 5
    replica_sets = kubectl("get", "rs").stdout.splitlines()
    assert len(replica_sets) == 2 and replica_sets[1].split()[1:4] == ["5", "5", "5"]
    assert "NewReplicaSet:" in kubectl("describe", "deployment", "web").stdout
    assert kubectl("apply", "-f", "-", stdin=DEPLOYMENT).stdout.strip() == "deployment.apps/web configured"
    kubectl("delete", "deployment", "web")
    assert cluster.get("/tasks").json() == []


def test_namespaces_and_config_maps_through_kubectl(cluster, kubectl):
    assert kubectl("create", "namespace", "team").stdout.strip() == "namespace/team created"
    created = kubectl("create", "configmap", "app", "-n", "team", "--from-literal=mode=fast")
    assert created.stdout.strip() == "configmap/app created"
    assert kubectl("get", "cm", "app", "-n", "team", "-o", "jsonpath={.data.mode}").stdout == "fast"
    rows = kubectl("get", "configmaps", "-A").stdout.splitlines()
    assert rows[0].split()[:3] == ["NAMESPACE", "NAME", "DATA"] and rows[1].split()[:3] == ["team", "app", "1"]
    applied = kubectl("create", "configmap", "app", "-n", "team", "--from-literal=mode=slow", "--dry-run=client",
                      "-o", "yaml").stdout
    assert kubectl("apply", "-f", "-", stdin=applied).stdout.strip() == "configmap/app configured"
    assert kubectl("delete", "namespace", "team").stdout.strip() == 'namespace "team" deleted'
    assert "No resources found" in kubectl("get", "cm", "-A").stderr


def test_pods_and_deployments_live_in_their_namespace_and_go_with_it(cluster, kubectl):
    cluster.post("/nodes", {"id": "n1", "capacity": {"cpu": 16000, "memory": 65536}})
    kubectl("create", "namespace", "team")
    assert kubectl("apply", "-n", "team", "-f", "-", stdin=POD).stdout.strip() == "pod/api created"
    assert kubectl("apply", "-f", "-", stdin=POD).stdout.strip() == "pod/api created"  # default's, another pod
    assert kubectl("apply", "-n", "team", "-f", "-", stdin=DEPLOYMENT).stdout.strip() == "deployment.apps/web created"
    kubectl("rollout", "status", "-n", "team", "deployment/web", "--timeout=30s")
    kubectl("wait", "-n", "team", "--for=condition=Ready", "pod/api", "--timeout=30s")
    assert kubectl("get", "pods", "-o", "name").stdout.split() == ["pod/api"]
    team = kubectl("get", "pods", "-n", "team", "-o", "jsonpath={.items[*].metadata.namespace}").stdout.split()
    assert team == ["team"] * 4
    rows = [line.split()[:2] for line in kubectl("get", "pods", "-A").stdout.splitlines()[1:]]
    assert sorted(ns for ns, _ in rows) == ["default"] + ["team"] * 4 and ["team", "api"] in rows
    assert cluster.get("/tasks/api?namespace=team").json()["namespace"] == "team"
    assert kubectl("delete", "namespace", "team").stdout.strip() == 'namespace "team" deleted'
    assert kubectl("get", "pods", "-A", "-o", "name").stdout.split() == ["pod/api"]
    assert "No resources found" in kubectl("get", "deployments", "-A").stderr


NODE = """
apiVersion: v1
kind: Node
metadata:
  name: big
  labels: {zone: a}
status:
  capacity: {cpu: "16", memory: 64Gi}
"""
NAMESPACE = """
apiVersion: v1
kind: Namespace
metadata: {name: team, labels: {tier: a}}
"""


def test_apply_of_nodes_and_namespaces_is_created_unchanged_configured(cluster, kubectl):
    for manifest, name in ((NODE, "node/big"), (NAMESPACE, "namespace/team")):
        assert kubectl("apply", "-f", "-", stdin=manifest).stdout.strip() == f"{name} created"
        assert kubectl("apply", "-f", "-", stdin=manifest).stdout.strip() == f"{name} unchanged"
    assert kubectl("apply", "-f", "-", stdin=NODE.replace("zone: a", "zone: b")).stdout.strip() == \
        "node/big configured"
    assert cluster.get("/nodes/big").json()["labels"] == {"zone": "b"}
    assert cluster.get("/nodes/big").json()["capacity"] == {"cpu": 16000, "memory": 65536}
    assert kubectl("apply", "-f", "-", stdin=NAMESPACE.replace("tier: a", "tier: b")).stdout.strip() == \
        "namespace/team configured"
    assert "tier=b" in kubectl("get", "ns", "team", "--show-labels").stdout


def test_kubectl_taint_keeps_pods_off_until_they_tolerate(cluster, kubectl):
    cluster.post("/nodes", {"id": "n1"})
    assert kubectl("taint", "nodes", "n1", "dedicated=gpu:NoSchedule").stdout.strip() == "node/n1 tainted"
    assert cluster.get("/nodes/n1").json()["taints"] == [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    kubectl("apply", "-f", "-", stdin=POD)
    cluster.wait_until(lambda: cluster.task("api")["message"] != "")
    assert cluster.task("api")["message"] == "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}."
    tolerant = POD.replace("name: api", "name: tolerant").replace("spec:\n", "spec:\n  tolerations:\n  - {key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}\n", 1)
    kubectl("apply", "-f", "-", stdin=tolerant)
    kubectl("wait", "--for=condition=Ready", "pod/tolerant", "--timeout=30s")
    assert kubectl("taint", "nodes", "n1", "dedicated-").stdout.strip() == "node/n1 untainted"
    kubectl("wait", "--for=condition=Ready", "pod/api", "--timeout=30s")
    assert "taints" not in cluster.get("/nodes/n1").json()
