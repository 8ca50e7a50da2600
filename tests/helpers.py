"""Builders and time control shared by the tests."""

from __future__ import annotations

import dataclasses

from actors.domain.models import Deployment, Node, Resources, Task, TaskStatus, TaskTemplate
from actors.domain.rollout import template_hash
from actors.system import ControlPlane

START = 1_800_000_000.0  # a fixed epoch second for the fake clock


class FakeClock:
    """A clock that moves only when told: ``clock()`` reads, ``advance(s)`` moves."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def make_node(id: str = "n1", cpu: int = 4000, memory: int = 8192, gpus: int = 0, **changes) -> Node:
    return dataclasses.replace(Node(id=id, capacity=Resources(cpu, memory, gpus * 1000)), **changes)


def make_task(id: str = "t1", cpu: int = 0, memory: int = 0, gpu: int = 0, **changes) -> Task:
    return dataclasses.replace(Task(id=id, name=id, resources=Resources(cpu, memory, gpu)), **changes)


def make_template(cpu: int = 0, memory: int = 0, gpu: int = 0, **changes) -> TaskTemplate:
    return dataclasses.replace(TaskTemplate(resources=Resources(cpu, memory, gpu)), **changes)


def make_deployment(id: str = "web", replicas: int = 3, template: TaskTemplate | None = None, **changes) -> Deployment:
    """A deployment whose ``template_hash`` matches its template, as stored."""
    template = template or TaskTemplate()
    return dataclasses.replace(
        Deployment(id=id, replicas=replicas, template=template, template_hash=template_hash(template)), **changes
    )


def settle(cp: ControlPlane, rounds: int = 50, timeout: float = 5.0) -> None:
    """Let every queued reconcile and kubelet message run to the end, without
    sleeping: alternate a reconcile and a round trip to the kubelet until a
    round where the reconcile changes nothing and nothing else wrote either.
    (The second condition matters when the actors chain work on their own: a
    reconcile the controller queued for itself may take a rollout's next step
    between ours, and its kubelet work would still be on the way.)"""
    for _ in range(rounds):
        before = cp.datastore.revision.get(timeout=timeout)
        result = cp.controller.reconcile().get(timeout=timeout)
        cp.kubelet.tracked.get(timeout=timeout)
        if not result.changed and not result.more and cp.datastore.revision.get(timeout=timeout) == before:
            return
    raise AssertionError(f"control plane did not settle in {rounds} reconciles")


def statuses(cp: ControlPlane) -> dict[str, TaskStatus]:
    return {t.id: t.status for t in cp.task_manager.list().get(timeout=5)}
