"""kubectl-like tables and ages for the CLI: pure functions over API JSON."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

NONE = "<none>"


def parse_time(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def age(since: str | None, now: datetime.datetime) -> str:
    """kubectl's short ages: 45s, 3m20s, 25m, 5h30m, 20h, 3d."""
    start = parse_time(since)
    if start is None:
        return NONE
    seconds = max(int((now - start).total_seconds()), 0)
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if hours < 3:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if days < 2:
        return f"{hours}h"
    return f"{days}d"


def render(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, three spaces apart, like kubectl."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = ["   ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in [headers, *rows]]
    return "\n".join(lines)


def node_status(node: dict[str, Any]) -> str:
    status = "Ready" if node["healthy"] else "NotReady"
    return status if node["schedulable"] else status + ",SchedulingDisabled"


def _labels(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or NONE


def node_row(node: dict[str, Any], now: datetime.datetime, wide: bool = False) -> list[str]:
    row = [node["id"], node_status(node), age(node["created_at"], now)]
    if wide:
        row += [
            f"{node['allocated']['cpu']}m/{node['capacity']['cpu']}m",
            f"{node['allocated']['memory']}Mi/{node['capacity']['memory']}Mi",
            _node_gpu(node),
            "true" if node["simulated"] else "false",
            _labels(node["labels"]),
        ]
    return row


NODE_HEADERS = ["NAME", "STATUS", "AGE"]
NODE_WIDE = ["CPU", "MEMORY", "GPU", "SIMULATED", "LABELS"]


def _node_gpu(node: dict[str, Any]) -> str:
    """``1.5/4 [1,0.5,0,0]``: GPUs in use of the devices, and each device's use."""
    devices = node["capacity"].get("gpu", 0)
    if not devices:
        return NONE
    per_device = ",".join(f"{used:g}" for used in node.get("gpu_allocation", []))
    return f"{node['allocated'].get('gpu', 0):g}/{devices} [{per_device}]"


def task_status(task: dict[str, Any]) -> str:
    return task["status"].capitalize()


def task_row(task: dict[str, Any], now: datetime.datetime, wide: bool = False) -> list[str]:
    row = [task["id"], task_status(task), task["node"] or NONE, age(task["created_at"], now)]
    if wide:
        row += [
            f"{task['resources']['cpu']}m",
            f"{task['resources']['memory']}Mi",
            _task_gpu(task),
            str(task["attempts"]),
            task["message"] or NONE,
        ]
    return row


TASK_HEADERS = ["NAME", "STATUS", "NODE", "AGE"]
TASK_WIDE = ["CPU", "MEMORY", "GPU", "ATTEMPTS", "MESSAGE"]


def _task_gpu(task: dict[str, Any]) -> str:
    """``0.5`` or ``2``, and the devices it holds once bound: ``2 [0,1]``."""
    gpu = task["resources"].get("gpu", 0)
    if not gpu:
        return NONE
    devices = task.get("gpu_devices")
    return f"{gpu:g} [{','.join(map(str, devices))}]" if devices else f"{gpu:g}"


def deployment_row(deployment: dict[str, Any], now: datetime.datetime, wide: bool = False) -> list[str]:
    row = [
        deployment["id"],
        f"{deployment.get('ready', 0)}/{deployment['replicas']}",
        str(deployment.get("available", deployment.get("ready", 0))),
        age(deployment.get("created_at"), now),
    ]
    if wide:
        template = deployment.get("template", {})
        resources = template.get("resources", {})
        row += [f"{resources.get('cpu', 0)}m", f"{resources.get('memory', 0)}Mi", _labels(template.get("node_selector", {}))]
    return row


DEPLOYMENT_HEADERS = ["NAME", "READY", "AVAILABLE", "AGE"]
DEPLOYMENT_WIDE = ["CPU", "MEMORY", "SELECTOR"]

KINDS = {
    # kind: (collection path, headers, wide headers, row function)
    "node": ("nodes", NODE_HEADERS, NODE_WIDE, node_row),
    "task": ("tasks", TASK_HEADERS, TASK_WIDE, task_row),
    "deployment": ("deployments", DEPLOYMENT_HEADERS, DEPLOYMENT_WIDE, deployment_row),
}
ALIASES = {
    "node": "node", "nodes": "node", "no": "node",
    "task": "task", "tasks": "task",
    "deployment": "deployment", "deployments": "deployment", "deploy": "deployment",
}


def table(kind: str, objects: Sequence[dict[str, Any]], now: datetime.datetime, wide: bool = False,
          headers: bool = True) -> str:
    _, head, wide_head, row = KINDS[kind]
    rows = [row(o, now, wide) for o in objects]
    columns = head + (wide_head if wide else [])
    text = render(columns, rows)
    return text if headers else "\n".join(text.splitlines()[1:])


def describe(kind: str, obj: dict[str, Any], events: Sequence[dict[str, Any]], now: datetime.datetime) -> str:
    """``kubectl describe``: the fields, then the object's recent events."""
    lines = []
    width = max(len(key) for key in obj) + 2
    for key, value in obj.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items()) or NONE
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value) or NONE
        elif value is None or value == "":
            value = NONE
        label = key.replace("_", " ").capitalize() + ":"
        lines.append(f"{label:<{width}} {value}")
    lines.append("Events:")
    if not events:
        lines.append("  <none>")
    else:
        rows = [[e["reason"], age(e["time"], now), e["message"]] for e in events]
        lines.extend("  " + line for line in render(["REASON", "AGE", "MESSAGE"], rows).splitlines())
    return "\n".join(lines)


SCORE_COLUMNS = (("NodeResourcesFit", "FIT"), ("NodeResourcesBalancedAllocation", "BALANCE"),
                 ("TaintToleration", "TAINTS"), ("NodeAffinity", "AFFINITY"), ("PodTopologySpread", "SPREAD"),
                 ("InterPodAffinity", "PODS"))


def explanation(shown: dict[str, Any]) -> str:
    """A task's placement explanation (``GET /tasks/{id}/placement``) as text."""
    nodes = shown["nodes"]
    where = (f"on {shown['bound_to']}" if shown.get("bound_to") else shown["status"])
    when = "recorded when it was placed" if shown["recorded"] else "computed now against the current nodes"
    lines = [f"task {shown['task']} ({where}), policy {shown['policy']}: {when}",
             f"{nodes['feasible']} of {nodes['total']} nodes feasible"
             + (f"; chosen: {shown['node']}" if shown.get("node") else "; no node fits")]
    for reason, count in shown["rejected"].items():
        lines.append(f"  {count:>6}  {reason}")
    if shown["candidates"]:
        weights = shown["weights"]
        header = [("NODE", 0)] + [(f"{label}x{weights.get(name, 0)}", 0) for name, label in SCORE_COLUMNS] + [("TOTAL", 0)]
        rows = [[c["node"]] + [str(c["scores"].get(name, "-")) for name, _ in SCORE_COLUMNS]
                + [str(c["total"] if c.get("total") is not None else "-")] for c in shown["candidates"]]
        lines += ["", _columns([h for h, _ in header], rows)]
    if shown["rejections"]:
        lines += ["", _columns(["REJECTED NODE", "REASONS"],
                               [[r["node"], "; ".join(r["reasons"])] for r in shown["rejections"]])]
    return "\n".join(lines)


def _columns(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join("   ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows])
