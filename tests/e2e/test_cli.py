"""The kubectl-style commands against a real server: output and exit codes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading

import yaml

from api.cli import main
from tests.e2e.processes import ROOT

SAMPLE = os.path.join(ROOT, "scripts", "sample-cluster.yaml")


def run(cluster, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*args, "--server", cluster.url], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_sample_cluster_applies_in_one_command(cluster):
    code, out, err = run(cluster, "apply", "-f", SAMPLE)
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == ["node/node-a1 created", "node/node-a2 created"]
    assert "task/too-big created" in out
    cluster.wait_until(lambda: cluster.task("db")["status"] == "running")
    assert cluster.task("db")["node"] == "node-a1"  # the only ssd node
    assert cluster.get("/nodes/node-b2").json()["schedulable"] is False
    code, out, _ = run(cluster, "apply", "-f", SAMPLE)
    assert code == 0 and set(line.rsplit(" ", 1)[1] for line in out.splitlines()) == {"unchanged"}


def test_get_prints_kubectl_tables(cluster):
    run(cluster, "apply", "-f", SAMPLE)
    cluster.wait_until(lambda: "0/" in cluster.task("too-big")["message"])
    code, out, _ = run(cluster, "get", "nodes")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["NAME", "STATUS", "AGE"]
    assert lines[5].split()[:2] == ["node-b2", "Ready,SchedulingDisabled"]
    assert [line.split()[0] for line in lines[1:]] == ["edge-1", "node-a1", "node-a2", "node-b1", "node-b2"]
    code, out, _ = run(cluster, "get", "tasks", "-o", "wide")
    header, *rows = out.splitlines()
    assert header.split() == ["NAME", "STATUS", "NODE", "AGE", "CPU", "MEMORY", "GPU", "ATTEMPTS", "MESSAGE"]
    too_big = next(r for r in rows if r.startswith("too-big"))
    assert too_big.split()[1:3] == ["Pending", "<none>"]
    assert "nodes are available" in too_big


def test_get_as_json_and_yaml(cluster):
    run(cluster, "apply", "-f", SAMPLE)
    code, out, _ = run(cluster, "get", "node", "node-a1", "-o", "yaml")
    assert code == 0 and yaml.safe_load(out)["labels"] == {"zone": "a", "disk": "ssd"}
    code, out, _ = run(cluster, "get", "tasks", "-o", "json")
    assert code == 0 and len(yaml.safe_load(out)) == 7


def test_describe_shows_fields_and_events(cluster):
    run(cluster, "apply", "-f", SAMPLE)
    cluster.wait_until(lambda: "0/" in cluster.task("too-big")["message"])
    code, out, _ = run(cluster, "describe", "task", "too-big")
    assert code == 0
    assert "Status:" in out and "pending" in out
    events = out.split("Events:")[1]
    assert "Created" in events and "FailedScheduling" in events and "Insufficient cpu" in events


def test_cordon_uncordon_and_delete(cluster):
    run(cluster, "apply", "-f", SAMPLE)
    assert run(cluster, "cordon", "node-a2")[:2] == (0, "node/node-a2 cordoned\n")
    assert cluster.get("/nodes/node-a2").json()["schedulable"] is False
    assert run(cluster, "uncordon", "node-a2")[:2] == (0, "node/node-a2 uncordoned\n")
    assert run(cluster, "delete", "task", "web-1", "web-2")[:2] == (0, 'task "web-1" deleted\ntask "web-2" deleted\n')
    assert cluster.get("/tasks/web-1").status_code == 404


def test_errors_go_to_stderr_with_a_non_zero_exit(cluster, tmp_path):
    assert run(cluster, "get", "task", "nope") == (1, "", "Error from server (Not found): task 'nope' not found\n")
    assert run(cluster, "get", "pods")[0] == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Node\nid: Not_Valid\n")
    code, _, err = run(cluster, "apply", "-f", str(bad))
    assert code == 1 and "not a valid id" in err
    weird = tmp_path / "weird.yaml"
    weird.write_text("kind: Pod\nid: x\n")
    code, _, err = run(cluster, "apply", "-f", str(weird))
    assert code == 1 and "kind: Node" in err
    code, _, err = run(cluster, "apply", "-f", str(tmp_path / "missing.yaml"))
    assert code == 1 and "cannot read" in err


def test_apply_refuses_to_change_what_cannot_change(cluster, tmp_path):
    first = tmp_path / "a.yaml"
    first.write_text("kind: Task\nid: t1\nresources: {cpu: 500m}\n---\nkind: Node\nid: n1\nlabels: {zone: a}\n")
    assert run(cluster, "apply", "-f", str(first))[0] == 0
    second = tmp_path / "b.yaml"
    second.write_text("kind: Task\nid: t1\nresources: {cpu: 600m}\n---\nkind: Node\nid: n1\nlabels: {zone: b}\n")
    code, out, err = run(cluster, "apply", "-f", str(second))
    assert code == 1
    assert "task/t1: resources cannot change" in err
    assert out == "node/n1 configured\n"
    assert cluster.get("/nodes/n1").json()["labels"] == {"zone": "b"}


def test_get_watch_prints_changes_until_the_server_stops(cluster_factory):
    cluster = cluster_factory(reconcile_interval=3600.0)
    cluster.post("/nodes", {"id": "n1"})
    out, err = io.StringIO(), io.StringIO()
    result = {}
    watcher = threading.Thread(
        target=lambda: result.update(code=main(["get", "tasks", "-w", "--server", cluster.url], out=out, err=err))
    )
    watcher.start()
    cluster.wait_until(lambda: "No tasks found." in out.getvalue())
    cluster.post("/tasks", {"id": "t1"})
    cluster.wait_until(lambda: "Running" in out.getvalue())
    cluster.server.stop(timeout=5)
    watcher.join(timeout=10)
    assert result == {"code": 0}, err.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[0] == "No tasks found."
    assert [line.split()[:2] for line in lines[1:]][-1] == ["t1", "Running"]


def test_the_command_line_exits_non_zero_when_the_server_is_down():
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "get", "nodes", "--server", "http://127.0.0.1:9"],
        capture_output=True, text=True, timeout=20, cwd=ROOT,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach the server at http://127.0.0.1:9")
    assert result.stdout == ""


def test_deployments_from_the_command_line(cluster, tmp_path):
    cluster.post("/nodes", {"id": "n1"})
    manifest = tmp_path / "web.yaml"
    manifest.write_text("kind: Deployment\nid: web\nreplicas: 2\ntemplate: {resources: {cpu: 100m}}\n")
    assert run(cluster, "apply", "-f", str(manifest))[:2] == (0, "deployment/web created\n")
    assert run(cluster, "apply", "-f", str(manifest))[:2] == (0, "deployment/web unchanged\n")
    cluster.wait_until(lambda: cluster.get("/deployments/web").json()["ready"] == 2)
    code, out, _ = run(cluster, "get", "deployments")
    assert code == 0 and out.splitlines()[0].split() == ["NAME", "READY", "AVAILABLE", "AGE"]
    assert out.splitlines()[1].split()[:3] == ["web", "2/2", "2"]
    assert run(cluster, "scale", "deployment", "web", "--replicas", "3")[:2] == (0, "deployment/web scaled\n")
    cluster.wait_until(lambda: cluster.get("/deployments/web").json()["ready"] == 3)
    code, out, _ = run(cluster, "describe", "deployment", "web")
    assert code == 0 and "Created" in out and "replicas 2 -> 3" in out
    manifest.write_text("kind: Deployment\nid: web\nreplicas: 1\ntemplate: {resources: {cpu: 100m}}\n")
    assert run(cluster, "apply", "-f", str(manifest))[:2] == (0, "deployment/web configured\n")
    cluster.wait_until(lambda: len([t for t in cluster.get("/tasks").json() if t["status"] == "running"]) == 1)
    assert run(cluster, "delete", "deployment", "web")[:2] == (0, 'deployment "web" deleted\n')
    assert cluster.get("/deployments/web").status_code == 404


def test_explain_task_prints_every_nodes_verdict(cluster):
    run(cluster, "apply", "-f", SAMPLE)
    cluster.wait_until(lambda: cluster.task("db")["status"] == "running")
    code, out, err = run(cluster, "explain", "task", "db")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "task db (on node-a1), policy spread: recorded when it was placed"
    assert lines[1].startswith("1 of 5 nodes feasible; chosen: node-a1")
    assert any("node(s) didn't match Pod's node affinity/selector" in line for line in lines[2:6])
    header = next(line for line in lines if line.startswith("NODE"))
    assert header.split() == ["NODE", "FITx1", "BALANCEx1", "TAINTSx3", "AFFINITYx2", "SPREADx2", "PODSx2", "TOTAL"]
    assert any(line.startswith("REJECTED NODE") for line in lines)
    code, out, err = run(cluster, "explain", "task", "too-big", "--node", "node-a")
    assert code == 0 and "computed now against the current nodes" in out and "no node fits" in out
    assert "node-b1" not in out
    code, _, err = run(cluster, "explain", "task", "nothing")
    assert code == 1 and "not found" in err
