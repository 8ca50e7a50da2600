"""The scheduler's way of running a plug-in policy
(:mod:`actors.scheduling.policies`) over the control plane's nodes and tasks.

Each batch builds :class:`~actors.scheduling.gpu.GpuNodes` from the nodes
the controller saw (free cpu, memory and per-device GPU, the GPU kinds each
runs, the model label), then places the tasks in order with
:func:`~actors.scheduling.policies.choose`, the function the placement
experiment runs, booking each placement so the next task sees it. The nodes
a task may use at all are the rules' (:mod:`actors.scheduling.rules`): ready,
matching its node selector and node affinity, with taints it tolerates, and
allowed by its inter-pod affinity and spread constraints (and the running
tasks' anti-affinity); the policy filters and scores among them. A task that fits nowhere is told why by the rules' own count.

Ties of a ``"random"`` policy go by a priority drawn per node from the seed
and the node's name, so a node keeps its rank as others come and go. ``fgd``
takes its typical tasks from every task this scheduler has been asked to
place (the workload as seen so far). Pure: no threads, no clock.
"""

from __future__ import annotations

import collections
import hashlib
from collections.abc import Sequence

import numpy as np

from actors.domain.models import GPU_MODEL_LABEL, WHOLE_GPU, Node, Resources, Task
from actors.scheduling import policies, rules
from actors.scheduling.gpu import GpuNodes, Request
from actors.scheduling.plugins import inter_pod_affinity, node_affinity, taint_toleration, topology_spread
from actors.scheduling.plugins.base import Cluster

MAX_SHAPES = 10_000  # distinct task shapes remembered for the typical tasks


def request_of(task: Task) -> Request:
    return request_for(task.resources)


def request_for(resources: Resources) -> Request:
    gpu = resources.gpu
    count = 0 if gpu <= 0 else max(gpu // WHOLE_GPU, 1)
    share = 0 if gpu <= 0 else min(gpu, WHOLE_GPU)
    return Request(resources.cpu, resources.memory, count, share)


def columns(nodes: Sequence[Node]) -> GpuNodes:
    """The nodes as :class:`GpuNodes`, with what is in use now."""
    state = GpuNodes([n.id for n in nodes], [n.capacity.cpu for n in nodes], [n.capacity.memory for n in nodes],
                     [n.gpus for n in nodes], [n.labels.get(GPU_MODEL_LABEL, "") for n in nodes])
    for i, node in enumerate(nodes):
        write_use(state, i, node)
    return state


def write_use(state: GpuNodes, i: int, node: Node) -> None:
    """Write what ``node`` has in use into row ``i`` of ``state`` (its
    capacity and devices as the row was built with)."""
    state.cpu_free[i] = node.capacity.cpu - node.allocated.cpu
    state.memory_free[i] = node.capacity.memory - node.allocated.memory
    free = node.gpu_free()
    state.dev_free[i, :len(free)] = free
    state.kinds[i] = 0
    for kind, count in node.gpu_kinds:
        state.kinds[i, kind] = count


class PluginIndex:
    """Places tasks with one plug-in policy, batch after batch."""

    def __init__(self, policy: str, seed: int = 0) -> None:
        self.policy = policies.make(policy)
        self.seed = seed
        self._shapes: collections.Counter[Request] = collections.Counter()
        self._priorities: dict[str, int] = {}
        self._rng = np.random.default_rng(seed)  # one stream for the whole run (``random``'s picks)

    @staticmethod
    def _pod_rules(task: Task, working: list[Node]) -> np.ndarray | bool:
        """The nodes inter-pod affinity and topology spread allow (True:
        every node, when neither binds the task)."""
        cluster = Cluster(working)
        masks = topology_spread.masks(task, cluster)
        if inter_pod_affinity.applies_filter(task, cluster):
            masks += inter_pod_affinity.masks(task, cluster)
        allowed: np.ndarray | bool = True
        for _, passes in masks:
            allowed = allowed & passes
        return allowed

    def _priority(self, name: str) -> int:
        rank = self._priorities.get(name)
        if rank is None:
            digest = hashlib.blake2b(f"{self.seed}/{name}".encode(), digest_size=8).digest()
            rank = self._priorities[name] = int.from_bytes(digest, "big") >> 1
        return rank

    def place_all(self, tasks: Sequence[Task], nodes: Sequence[Node]) -> list[rules.Decision]:
        working = sorted(nodes, key=lambda n: n.id)
        if not working:
            return [rules.Unschedulable(t.id, rules.unschedulable_message_counts(0, {})) for t in tasks]
        state = columns(working)
        requests = [request_of(t) for t in tasks]
        for request in requests:
            if len(self._shapes) < MAX_SHAPES or request in self._shapes:
                self._shapes[request] += 1
        self.policy.prepare(policies.Context(state, self._shapes, self._rng))
        priority = np.asarray([self._priority(n.id) for n in working], dtype=np.int64)
        ready = np.asarray([n.healthy and n.schedulable for n in working], dtype=bool)
        allowed_by: dict[tuple, np.ndarray] = {}
        terms_anywhere = any(p.constraints.pod_terms for n in working for p in n.pods)
        decisions: list[rules.Decision] = []
        for task, request in zip(tasks, requests):
            key = (tuple(sorted(task.node_selector.items())), task.node_affinity, task.tolerations)
            allowed = allowed_by.get(key)
            if allowed is None:
                allowed = allowed_by[key] = ready & node_affinity.matches_mask(task, working) \
                    & taint_toleration.tolerated_mask(task, working)
            if task.constraints.looks_at_pods or terms_anywhere:
                allowed = allowed & self._pod_rules(task, working)
                terms_anywhere = terms_anywhere or task.constraints.pod_terms
            choice = policies.choose(self.policy, state, request, priority, allowed)
            if choice is None:
                decision = rules.place(task, working)
                if isinstance(decision, rules.Placement):  # the policy's filter is stricter: say so plainly
                    decision = rules.Unschedulable(task.id, rules.unschedulable_message_counts(
                        len(working), {f"rejected by policy {self.policy.name}": len(working)}))
                decisions.append(decision)
                continue
            state.book(choice.node, request, choice.devices)
            self.policy.booked(state, choice.node)
            working[choice.node] = rules.with_task(working[choice.node], task, choice.devices)
            decisions.append(rules.Placement(task.id, working[choice.node].id, float(choice.score), choice.devices))
        return decisions
