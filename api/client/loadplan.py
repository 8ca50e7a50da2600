"""The plan of a load run (``scripts/load.py``): what to do (:class:`Scenario`),
and the requests it makes, decided before the run starts (:func:`make_plan`).

Pure: the same scenario (seed included) always gives the same plan.
:mod:`api.client.loadrun` sends it; :mod:`api.client.loadreport` reads what came back.
"""

from __future__ import annotations

import dataclasses
import math
import random
from typing import Any

from api.client.normalize import Invalid, valid_id

NODE_CAPACITY = {"cpu": 4000, "memory": 8192}  # millicores, MiB
# (cpu millicores, memory MiB, weight): every size fits an empty node.
TASK_SIZES = ((100, 128, 6), (500, 512, 3), (2000, 2048, 1))
ZONES = ("a", "b", "c")
SELECTOR_SHARES = ((("zone",), 0.2), (("disk",), 0.1), (("zone", "disk"), 0.1))  # the rest select nothing
GPU_REQUESTS = ((0.25, 2), (0.5, 2), (1, 1))  # (GPUs, weight) of a task that asks for GPU: shares, or one device



@dataclasses.dataclass(frozen=True)
class Scenario:
    """What to do. Times in seconds, ``rate`` in tasks per second (0: as
    fast as the clients go), ``endless`` the share of tasks submitted
    without a duration (they settle once running and are left running)."""

    nodes: int = 10
    tasks: int = 1000
    rate: float = 0.0
    clients: int = 8
    fail_nodes: int = 0
    duration_range: tuple[float, float] = (0.5, 2.0)
    endless: float = 0.0
    seed: int = 1
    gpus: int = 0
    """GPU devices per node; with ``gpu_tasks``, that share of the tasks asks
    for GPU (a quarter or a half of a device, or one whole device)."""
    gpu_tasks: float = 0.0
    prefix: str = "load"
    timeout: float = 300.0
    poll_interval: float = 0.5

    def problems(self) -> list[str]:
        """What is wrong with it, one message per flag; empty when fine."""
        found = []
        if self.nodes < 1:
            found.append("--nodes must be at least 1")
        if self.tasks < 1:
            found.append("--tasks must be at least 1")
        if not (self.rate >= 0 and math.isfinite(self.rate)):
            found.append("--rate must be 0 (as fast as possible) or a positive number of tasks per second")
        if self.clients < 1:
            found.append("--clients must be at least 1")
        if not 0 <= self.fail_nodes < max(self.nodes, 1):
            found.append("--fail-nodes must be at least 0 and less than --nodes, so that tasks can still run")
        low, high = self.duration_range
        if not (0 <= low <= high and math.isfinite(high)):
            found.append("--duration-range must be A,B with 0 <= A <= B seconds")
        if not 0 <= self.endless <= 1:
            found.append("--endless must be a share between 0 and 1")
        if not 0 <= self.gpus <= 64:
            found.append("--gpus-per-node must be from 0 to 64")
        if not 0 <= self.gpu_tasks <= 1:
            found.append("--gpu-tasks must be a share between 0 and 1")
        elif self.gpu_tasks and not self.gpus:
            found.append("--gpu-tasks needs --gpus-per-node: no task asking for GPU could run")
        if not (self.timeout > 0 and math.isfinite(self.timeout)):
            found.append("--timeout must be a positive number of seconds")
        if not (self.poll_interval > 0 and math.isfinite(self.poll_interval)):
            found.append("--poll-interval must be a positive number of seconds")
        if self.nodes >= 1 and self.tasks >= 1:
            try:  # ids differ only in the digits after the prefix: the longest of each kind decides
                valid_id(node_id(self.prefix, self.nodes - 1, self.nodes), "--prefix")
                valid_id(task_id(self.prefix, self.tasks - 1, self.tasks), "--prefix")
            except Invalid as exc:
                found.append(f"--prefix: {exc.message} (ids are PREFIX-nN for nodes, PREFIX-tN for tasks)")
        return found


def parse_range(text: str) -> tuple[float, float]:
    """``"A,B"`` (or ``"A"`` for A,A) to (A, B) seconds; ValueError if not."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2:
        raise ValueError(f"expected A,B seconds, not {text!r}")
    low, high = float(parts[0]), float(parts[1])
    if not (0 <= low <= high and math.isfinite(high)):
        raise ValueError(f"expected 0 <= A <= B seconds, not {text!r}")
    return low, high


def default_prefix() -> str:
    """``load-`` and 6 random hex digits, so that runs on one server don't clash."""
    return f"load-{random.SystemRandom().getrandbits(24):06x}"


def _width(count: int) -> int:
    return len(str(max(count - 1, 0)))


def node_id(prefix: str, index: int, count: int) -> str:
    return f"{prefix}-n{index:0{_width(count)}d}"


def task_id(prefix: str, index: int, count: int) -> str:
    return f"{prefix}-t{index:0{_width(count)}d}"


def node_labels(index: int) -> dict[str, str]:
    return {"zone": ZONES[index % len(ZONES)], "disk": "ssd" if index % 2 == 0 else "hdd"}


@dataclasses.dataclass(frozen=True)
class Plan:
    """The requests of a run, decided before it starts: ``nodes`` and
    ``tasks`` are POST bodies, ``fail`` the node ids to set unhealthy just
    before task number ``fail_before`` is submitted (the middle one)."""

    nodes: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    fail: list[str]
    fail_before: int | None


def make_plan(scenario: Scenario) -> Plan:
    """The same scenario (seed included) always gives the same plan. A node
    selector is always a subset of the labels of a node that will not be
    failed, and every size fits an empty node, so every task can run."""
    rng = random.Random(scenario.seed)
    capacity = {**NODE_CAPACITY, "gpu": scenario.gpus} if scenario.gpus else NODE_CAPACITY
    nodes = [
        {"id": node_id(scenario.prefix, i, scenario.nodes), "capacity": dict(capacity), "labels": node_labels(i)}
        for i in range(scenario.nodes)
    ]
    failing = set(rng.sample(range(scenario.nodes), scenario.fail_nodes))
    survivors = [n for i, n in enumerate(nodes) if i not in failing]
    low, high = scenario.duration_range
    sizes = [(cpu, memory) for cpu, memory, _ in TASK_SIZES]
    weights = [weight for _, _, weight in TASK_SIZES]
    tasks = []
    for i in range(scenario.tasks):
        cpu, memory = rng.choices(sizes, weights)[0]
        body: dict[str, Any] = {"id": task_id(scenario.prefix, i, scenario.tasks),
                                "resources": {"cpu": cpu, "memory": memory}}
        draw, keys = rng.random(), ()
        for selector_keys, share in SELECTOR_SHARES:
            if draw < share:
                keys = selector_keys
                break
            draw -= share
        if keys:
            labels = rng.choice(survivors)["labels"]
            body["node_selector"] = {k: labels[k] for k in keys}
        if rng.random() >= scenario.endless:
            body["duration"] = round(rng.uniform(low, high), 3)
        if scenario.gpu_tasks and rng.random() < scenario.gpu_tasks:  # no draw at all without GPU: plans as before
            body["resources"]["gpu"] = rng.choices([g for g, _ in GPU_REQUESTS], [w for _, w in GPU_REQUESTS])[0]
        tasks.append(body)
    fail = [nodes[i]["id"] for i in sorted(failing)]
    return Plan(nodes, tasks, fail, scenario.tasks // 2 if fail else None)
