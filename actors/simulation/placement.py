"""The placement experiment of "Beware of Fragmentation" (Weng et al., USENIX
ATC 2023): how much of a GPU cluster each policy can fill.

One run, for a policy and a seed:

1. The tasks are sorted by name, shuffled with the seed, then padded with
   draws (with replacement, seeded) from the same sorted list until the next
   draw would take their total GPU request past ``fill`` times the cluster's
   GPU capacity.
2. They are placed one at a time in that order by the policy
   (:func:`actors.scheduling.policies.choose`, the code the scheduler
   runs); one that fits nowhere is dropped and counted as failed; nothing
   ever leaves. Times in the trace are ignored.
3. After each task the run records the *arrived* GPU % (GPU requested by
   every task so far, failed ones included, over capacity), the *allocated*
   GPU % and the *fragmented* GPU % (the cluster's fragmentation for the
   workload's typical tasks, :mod:`actors.scheduling.fragmentation`). The
   curve's point at integer ``x`` is the mean of the records whose arrived %
   rounds to ``x``.

A study reports, per policy, the unallocated GPU % (100 - allocated) at
``x = 100``, mean and standard deviation over the seeds.

One random generator per run (NumPy's PCG64 from the seed) draws, in this
order: the shuffle, the padding, the nodes' tie priority (a random order of
the nodes, fixed for the run, as the paper's simulator ranks tied nodes)
and the ``random`` policy's picks. The same inputs and seed give the same
run. Pure: no threads, no clock.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Callable, Sequence

import numpy as np

from actors.scheduling import policies
from actors.scheduling.fragmentation import Fragmentation, typical_tasks
from actors.scheduling.gpu import GpuNodes, Request
from actors.simulation.openb import TraceNode, TracePod

DEFAULT_FILL = 1.3
AT = 100  # the arrived % the headline figure is read at


@dataclasses.dataclass(frozen=True)
class Point:
    arrived: int  # GPU %, the curve's x
    allocated: float
    fragmented: float


@dataclasses.dataclass(frozen=True)
class Run:
    policy: str
    seed: int
    tasks: int  # placed and failed, padding included
    failed: int
    curve: tuple[Point, ...]

    @property
    def unallocated_at_100(self) -> float:
        return 100.0 - allocated_at(self.curve, AT)


@dataclasses.dataclass(frozen=True)
class Summary:
    policy: str
    mean: float
    sd: float
    runs: tuple[Run, ...]


def cluster(nodes: Sequence[TraceNode]) -> GpuNodes:
    return GpuNodes([n.name for n in nodes], [n.cpu for n in nodes], [n.memory for n in nodes],
                    [n.gpus for n in nodes], [n.model for n in nodes])


def request_of(pod: TracePod) -> Request:
    return Request(pod.cpu, pod.memory, pod.gpu_count, pod.gpu_share, pod.models)


def workload(pods: Sequence[TracePod], capacity: int, fill: float, rng: np.random.Generator) -> list[TracePod]:
    """Step 1: sorted, shuffled, padded."""
    ordered = sorted(pods, key=lambda p: p.name)
    tasks = [ordered[i] for i in rng.permutation(len(ordered))]
    total = sum(p.gpu for p in tasks)
    target = fill * capacity
    if any(p.gpu for p in ordered):
        while True:
            drawn = ordered[int(rng.integers(len(ordered)))]
            if total + drawn.gpu > target:
                break
            tasks.append(drawn)
            total += drawn.gpu
    return tasks


def run(nodes: Sequence[TraceNode], pods: Sequence[TracePod], policy: str | policies.Policy, seed: int,
        fill: float = DEFAULT_FILL) -> Run:
    """One run of ``policy`` (a name, or an instance of a user's) with ``seed``."""
    rng = np.random.default_rng(seed)
    state = cluster(nodes)
    if state.gpu_capacity == 0:
        raise ValueError("the cluster has no GPUs: the experiment measures GPU allocation")
    tasks = workload(pods, state.gpu_capacity, fill, rng)
    priority = np.empty(len(state), dtype=np.int64)
    priority[rng.permutation(len(state))] = np.arange(len(state))
    chosen = policies.make(policy) if isinstance(policy, str) else policy
    originals = [request_of(p) for p in pods]
    chosen.prepare(policies.Context(state, originals, rng))
    report = Fragmentation(state, typical_tasks(originals))
    capacity = state.gpu_capacity
    arrived = allocated = 0
    failed = 0
    records = np.empty((len(tasks), 3), dtype=np.float64)
    requests: dict[TracePod, Request] = {}
    for i, pod in enumerate(tasks):
        request = requests.get(pod) or requests.setdefault(pod, request_of(pod))
        arrived += request.gpu
        choice = policies.choose(chosen, state, request, priority)
        if choice is None:
            failed += 1
        else:
            state.book(choice.node, request, choice.devices)
            chosen.booked(state, choice.node)
            report.refresh([choice.node])
            allocated += request.gpu
        records[i] = (arrived, allocated, report.total)
    return Run(chosen.name, seed, len(tasks), failed, curve(records * (100 / capacity)))


def curve(records: np.ndarray) -> tuple[Point, ...]:
    """Step 3: the mean allocated and fragmented % at each integer arrived %."""
    x = np.rint(records[:, 0]).astype(np.int64)
    points = []
    for value in np.unique(x):
        mine = records[x == value]
        points.append(Point(int(value), float(mine[:, 1].mean()), float(mine[:, 2].mean())))
    return tuple(points)


def allocated_at(points: Sequence[Point], x: int) -> float:
    """The curve's allocated % at ``x``; where no record rounds to ``x``,
    the mean of the points at ``x - 1`` and ``x + 1`` there are."""
    for p in points:
        if p.arrived == x:
            return p.allocated
    near = [p.allocated for p in points if abs(p.arrived - x) == 1]
    if not near:
        raise ValueError(f"the run never reached {x}% of the cluster's GPU arrived (raise --fill)")
    return sum(near) / len(near)


def study(nodes: Sequence[TraceNode], pods: Sequence[TracePod], names: Sequence[str], seeds: Sequence[int],
          fill: float = DEFAULT_FILL, progress: Callable[[Run], None] | None = None) -> list[Summary]:
    """Every policy of ``names`` with every seed."""
    summaries = []
    for name in names:
        runs = []
        for seed in seeds:
            one = run(nodes, pods, name, seed, fill)
            runs.append(one)
            if progress is not None:
                progress(one)
        values = [r.unallocated_at_100 for r in runs]
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        summaries.append(Summary(name, statistics.fmean(values), sd if math.isfinite(sd) else 0.0, tuple(runs)))
    return summaries


def as_json(summaries: Sequence[Summary]) -> dict:
    """The ``--json`` document."""
    return {
        "summary": [{"policy": s.policy, "unallocated_gpu_percent_at_100": {"mean": s.mean, "sd": s.sd}}
                    for s in summaries],
        "runs": [{"policy": r.policy, "seed": r.seed, "tasks": r.tasks, "failed": r.failed, "curve": [
            {"arrived_gpu_percent": p.arrived, "allocated_gpu_percent": p.allocated,
             "fragmented_gpu_percent": p.fragmented} for p in r.curve]} for s in summaries for r in s.runs],
    }
