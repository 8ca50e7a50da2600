"""What a replay plays: the nodes at the start and what happens when.

Times are seconds from the start of the replay. A :class:`Workload` holds
the nodes registered at time 0 and its *events*, each at a time: a task
arriving (:class:`Arrival`), a deployment made or scaled (:class:`Deploy`,
:class:`Scale`), a node event (:class:`NodeEvent`). Events at the same time
are applied in the order given.

Made from the openb trace (:func:`from_openb`), from a seeded synthetic
generator (:func:`synthetic`), or, by :mod:`api.simulate`, from a YAML or
JSON-lines file (the format is in ``scripts/example-workload.yaml``).
Pure: no threads, no clock.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence

import numpy as np

from actors.domain.affinity import Requirement
from actors.domain.models import (
    GPU_MODEL_LABEL,
    WHOLE_GPU,
    DeploymentSpec,
    NodeSpec,
    Resources,
    TaskSpec,
    TaskStatus,
)
from actors.simulation.openb import TraceNode, TracePod

NODE_ACTIONS = ("add", "remove", "fail", "recover", "cordon", "uncordon", "stop_heartbeats")


@dataclasses.dataclass(frozen=True)
class Arrival:
    spec: TaskSpec
    """The task (its id set); its ``duration`` counts from when it starts."""
    leave_at: float | None = None
    """When it is taken away: withdrawn if still pending then (counted as
    withdrawn), deleted if running (its end)."""
    production_wait: float | None = None
    """How long it waited in the cluster the trace came from (openb)."""


@dataclasses.dataclass(frozen=True)
class Deploy:
    spec: DeploymentSpec


@dataclasses.dataclass(frozen=True)
class Scale:
    deployment: str
    replicas: int


@dataclasses.dataclass(frozen=True)
class NodeEvent:
    node: str
    action: str
    """One of :data:`NODE_ACTIONS`. ``fail`` marks the node unhealthy (a
    simulated node) or stops its heartbeats (a real one, which the
    controller then finds silent after ``--node-timeout``); ``recover``
    brings it back (and its heartbeats)."""
    spec: NodeSpec | None = None
    """For ``add``: the node."""


Event = Arrival | Deploy | Scale | NodeEvent


@dataclasses.dataclass
class Workload:
    name: str
    nodes: list[NodeSpec]
    events: list[tuple[float, Event]]
    """In time order (stable: the given order within a time)."""
    heartbeat_every: float = 10.0
    """Seconds between the heartbeats of non-simulated nodes."""

    def __post_init__(self) -> None:
        self.events = sorted(self.events, key=lambda e: e[0])

    @property
    def arrivals(self) -> int:
        return sum(1 for _, e in self.events if isinstance(e, Arrival))

    @property
    def span(self) -> float:
        """The time of the last event."""
        return self.events[-1][0] if self.events else 0.0


# -- openb ------------------------------------------------------------------------


def node_spec(node: TraceNode) -> NodeSpec:
    labels = {GPU_MODEL_LABEL: node.model} if node.model else {}
    return NodeSpec(node.name, Resources(node.cpu, node.memory, node.gpus * WHOLE_GPU), labels)


def task_spec(pod: TracePod, duration: float | None) -> TaskSpec:
    affinity = ((Requirement(GPU_MODEL_LABEL, "In", tuple(sorted(pod.models))),),) if pod.models else ()
    outcome = TaskStatus.FAILED if pod.phase == "Failed" else TaskStatus.SUCCEEDED
    return TaskSpec(id=pod.name, resources=Resources(pod.cpu, pod.memory, pod.gpu), duration=duration,
                    outcome=outcome, node_affinity=affinity)


def from_openb(nodes: Sequence[TraceNode], pods: Sequence[TracePod], name: str = "openb") -> Workload:
    """A pod arrives at its ``creation_time``; one that ran in production
    runs for ``deletion_time - scheduled_time`` (to the end, if it was never
    deleted); one never placed there is taken away at its ``deletion_time``
    (withdrawn if still pending, deleted if we placed it)."""
    events: list[tuple[float, Event]] = []
    for pod in pods:
        if pod.scheduled is not None:
            duration = None if pod.deletion is None else max(pod.deletion - pod.scheduled, 0.0)
            events.append((pod.creation, Arrival(task_spec(pod, duration),
                                                 production_wait=max(pod.scheduled - pod.creation, 0.0))))
        else:
            events.append((pod.creation, Arrival(task_spec(pod, None), leave_at=pod.deletion)))
    return Workload(name, [node_spec(n) for n in nodes], events)


# -- synthetic --------------------------------------------------------------------

SYNTHETIC_SIZES = (  # (cpu millicores, memory MiB, GPU milli, weight)
    (250, 512, 0, 40),
    (1_000, 2_048, 0, 30),
    (4_000, 16_384, 0, 10),
    (2_000, 8_192, 500, 10),
    (8_000, 32_768, 1_000, 7),
    (16_000, 65_536, 4_000, 3),
)
"""The task mix of :func:`synthetic`: mostly small cpu tasks, a fifth with GPU."""
SYNTHETIC_NODE = Resources(64_000, 262_144, 8 * WHOLE_GPU)
"""Every synthetic node: 64 cores, 256 GiB, 8 GPUs."""


def synthetic(tasks: int, nodes: int, seed: int, load: float = 0.8, mean_duration: float = 600.0) -> Workload:
    """``tasks`` tasks on ``nodes`` nodes (:data:`SYNTHETIC_NODE` each):
    Poisson arrivals (exponential gaps) at the rate that keeps about
    ``load`` of the cluster's cpu requested on average, sizes drawn from
    :data:`SYNTHETIC_SIZES`, durations exponential with mean
    ``mean_duration`` seconds (at least one second), one in fifty failing.
    The same arguments give the same workload."""
    rng = np.random.default_rng(seed)
    weights = np.asarray([w for *_, w in SYNTHETIC_SIZES], dtype=np.float64)
    sizes = rng.choice(len(SYNTHETIC_SIZES), size=tasks, p=weights / weights.sum())
    mean_cpu = float(sum(SYNTHETIC_SIZES[i][0] * w for i, w in enumerate(weights)) / weights.sum())
    rate = load * nodes * SYNTHETIC_NODE.cpu / (mean_cpu * mean_duration)  # arrivals a second
    gaps = rng.exponential(1.0 / rate, size=tasks)
    durations = np.maximum(rng.exponential(mean_duration, size=tasks), 1.0)
    fails = rng.random(tasks) < 0.02
    # One Resources per size, shared (they are frozen); Python floats from
    # tolist(), summed in order as a running total: a million tasks in a few
    # seconds, the same values as a loop of float() and +=.
    shapes = [Resources(cpu, memory, gpu) for cpu, memory, gpu, _ in SYNTHETIC_SIZES]
    width = max(6, len(str(tasks)))
    events: list[tuple[float, Event]] = [
        (round(now, 3), Arrival(TaskSpec(id=f"task-{i:0{width}d}", resources=shapes[size],
                                         duration=round(duration, 3),
                                         outcome=TaskStatus.FAILED if fail else TaskStatus.SUCCEEDED)))
        for i, (now, size, duration, fail) in enumerate(zip(
            itertools.accumulate(gaps.tolist()), sizes.tolist(), durations.tolist(), fails.tolist()))
    ]
    node_width = max(5, len(str(nodes)))
    return Workload(f"synthetic-{seed}", [NodeSpec(f"node-{i:0{node_width}d}", SYNTHETIC_NODE)
                                          for i in range(nodes)], events)


def seconds(value: float) -> str:
    """A duration for people: 90 -> "1.5 min", 86400 -> "1.0 d"."""
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if abs(value) >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value:.0f} s" if not math.isnan(value) else "-"
