"""What must hold at the end of a run, once faults have stopped and the
cluster has settled: plain functions over what the servers answered and
what the clients recorded, each returning the problems it found."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from tests.faults.history import Call


def placement_problems(tasks: Sequence[dict], nodes: Sequence[dict]) -> list[str]:
    """Every task bound once to one node, and every node's allocation the
    sum of its tasks' requests."""
    problems = []
    known = {n["id"] for n in nodes}
    used: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for task in tasks:
        if task["status"] != "running" or task["node"] is None:
            problems.append(f"task {task['id']} is {task['status']} on {task['node']}, not running on a node")
            continue
        if task["attempts"] != 1:
            problems.append(f"task {task['id']} was bound {task['attempts']} times")
        if task["node"] not in known:
            problems.append(f"task {task['id']} is bound to {task['node']}, which does not exist")
        for resource, amount in task["resources"].items():
            used[task["node"]][resource] += amount
    for node in nodes:
        for resource, amount in node["allocated"].items():
            if amount != used[node["id"]][resource]:
                problems.append(f"node {node['id']} has {amount} {resource} allocated, its tasks ask "
                                f"{used[node['id']][resource]}")
    return problems


def agreement_problems(answers: Sequence[tuple[str, object]]) -> list[str]:
    """Every server answers the same (``answers``: (server, what it said))."""
    first_server, first = answers[0]
    return [f"{server} answers {what!r:.300} where {first_server} answers {first!r:.300}"
            for server, what in answers[1:] if what != first]


def acknowledged_problems(calls: Sequence[Call], present: set[str]) -> list[str]:
    """Every acknowledged create present at the end unless a delete may
    have come after it; no acknowledged delete's task present
    unless a create may have come after it. (The final reads in the history
    check the same with every order; this says it in plain words.)"""
    problems = []
    by_key: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        if call.kind in ("cas", "delete") and call.key.startswith("task-"):
            by_key[call.key].append(call)
    for key, mutations in by_key.items():
        for call in mutations:
            if call.outcome != "ok":
                continue
            # the mutations that may have taken effect after this one
            later = [c for c in mutations if c is not call and c.value is not False
                     and (c.outcome == "unknown" or (c.outcome == "ok" and c.completed > call.invoked))]
            created = call.kind == "cas" and call.value is True
            deleted = call.kind == "delete"
            if created and key not in present and not any(c.kind == "delete" for c in later):
                problems.append(f"{key}: created (acknowledged at {call.completed:.2f}) and never deleted, but missing")
            if deleted and key in present and not any(c.kind == "cas" for c in later):
                problems.append(f"{key}: deleted (acknowledged at {call.completed:.2f}) and never created again, "
                                "but present")
    return problems
