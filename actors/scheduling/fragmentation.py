"""GPU fragmentation, as "Beware of Fragmentation" (Weng et al., USENIX ATC
2023) defines it: free GPU room that the workload's typical tasks cannot use.

**Typical tasks** are the most frequent task shapes (cpu, GPU share, device
count, accepted models) that together cover at least 95% of a workload's
tasks, each weighted by its frequency among them (:func:`typical_tasks`).

**A node's fragmentation for one typical task**: if the task needs no GPU,
or cannot be placed on the node at all (its cpu or its GPU does not fit, or
the node's model is not one it accepts), all the node's free GPU room is
fragment for it; otherwise the free room on the devices that have less free
than the task's share is. **A node's fragmentation** is the
frequency-weighted sum over the typical tasks, in milli-GPU; the cluster's
is the sum over nodes.

:class:`Fragmentation` keeps, for every node and typical task, how many
devices could take the task's share and how much free room lies on the
devices that could not. Placing a task changes one node, and the
fragmentation that placement would leave is worked out from those counts for
every candidate node (and device) at once, without copying a node: what
``fgd`` needs to score a cluster in a few vector operations. Pure.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from actors.scheduling.gpu import WHOLE, GpuNodes, Request

COVERAGE = 0.95


@dataclasses.dataclass(frozen=True, slots=True)
class TypicalTasks:
    shapes: tuple[Request, ...]  # memory 0: it is no part of a shape
    weights: tuple[float, ...]  # frequencies among the shapes, summing to 1
    coverage: float  # the share of the workload's tasks they cover


def typical_tasks(requests: Iterable[Request] | Mapping[Request, int], coverage: float = COVERAGE) -> TypicalTasks:
    """The most frequent shapes until they cover ``coverage`` of the tasks
    (given one by one, or as how many of each); among shapes equally
    frequent, the larger (cpu, share, count, models) first."""
    counts: collections.Counter[Request] = collections.Counter()
    pairs = requests.items() if isinstance(requests, Mapping) else ((r, 1) for r in requests)
    for r, n in pairs:
        counts[Request(r.cpu, 0, r.count, r.share, r.models)] += n
    total = sum(counts.values())
    if not total:
        return TypicalTasks((), (), 0.0)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], _descending(kv[0])))
    chosen: list[tuple[Request, int]] = []
    covered = 0
    for shape, n in ordered:
        chosen.append((shape, n))
        covered += n
        if covered >= coverage * total:
            break
    return TypicalTasks(tuple(s for s, _ in chosen), tuple(n / covered for _, n in chosen), covered / total)


def _descending(shape: Request) -> tuple:
    return (-shape.cpu, -shape.share, -shape.count, tuple(sorted(shape.models)))


class Fragmentation:
    """The fragmentation of every node of ``nodes`` for ``typical``, kept up
    to date by :meth:`refresh` of each node a placement changed."""

    def __init__(self, nodes: GpuNodes, typical: TypicalTasks) -> None:
        self.nodes = nodes
        self.shapes = typical.shapes
        self.weights = np.asarray(typical.weights, dtype=np.float64)
        self.share = np.asarray([s.share for s in self.shapes], dtype=np.int64)  # [T]
        self.count = np.asarray([s.count for s in self.shapes], dtype=np.int64)
        self.cpu = np.asarray([s.cpu for s in self.shapes], dtype=np.int64)
        self.gpu_shape = self.share > 0
        # [N, T]: the node's model is one the shape accepts (every model when it names none)
        self.model_ok = np.stack([nodes.model_ok(s.models) for s in self.shapes], axis=1) if self.shapes else \
            np.ones((len(nodes), 0), dtype=bool)
        n = len(nodes)
        self.fitting = np.zeros((n, len(self.shapes)), dtype=np.int64)  # devices with >= share free
        self.short = np.zeros((n, len(self.shapes)), dtype=np.int64)  # free room on the others
        self.idle = np.zeros(n, dtype=np.int64)
        self.of_node = np.zeros(n, dtype=np.float64)
        self.refresh(np.arange(n))

    @property
    def total(self) -> float:
        """The cluster's fragmentation, milli-GPU."""
        return float(self.of_node.sum())

    def refresh(self, rows: np.ndarray | Sequence[int]) -> None:
        """Recount the nodes of ``rows`` from their free devices."""
        rows = np.asarray(rows, dtype=np.int64)
        free = self.nodes.dev_free[rows]  # [R, D], -1 for no device
        room = np.clip(free, 0, None)
        fits = free[:, None, :] >= self.share[None, :, None]  # [R, T, D]
        self.fitting[rows] = fits.sum(axis=2)
        self.short[rows] = np.where(fits | (free[:, None, :] < 0), 0, room[:, None, :]).sum(axis=2)
        self.idle[rows] = room.sum(axis=1)
        self.of_node[rows] = self._amount(self.nodes.cpu_free[rows], self.fitting[rows], self.short[rows],
                                          self.idle[rows], self.model_ok[rows])

    def _amount(self, cpu_free: np.ndarray, fitting: np.ndarray, short: np.ndarray, idle: np.ndarray,
                model_ok: np.ndarray) -> np.ndarray:
        """Node fragmentation from the counts (any leading shape: [R] with
        [R, T] counts)."""
        usable = (self.gpu_shape & model_ok & (fitting >= self.count)
                  & (cpu_free[..., None] >= self.cpu))
        per_shape = np.where(usable, short, idle[..., None])
        return per_shape @ self.weights

    def after_whole(self, rows: np.ndarray, request: Request) -> np.ndarray:
        """Each node of ``rows``'s fragmentation once ``request`` (no GPU, or
        whole devices, taken entirely free) is placed on it."""
        cpu = self.nodes.cpu_free[rows] - request.cpu
        fitting, short, idle = self.fitting[rows], self.short[rows], self.idle[rows]
        if request.count:  # free devices (counted in fitting for every share) become empty ones (0 room)
            fitting = fitting - request.count
            idle = idle - request.count * WHOLE
        return self._amount(cpu, fitting, short, idle, self.model_ok[rows])

    def after_share(self, rows: np.ndarray, devices: np.ndarray, request: Request) -> np.ndarray:
        """For each pair (``rows[i]``, ``devices[i]``), the node's
        fragmentation once the share of ``request`` is placed on that device."""
        cpu = self.nodes.cpu_free[rows] - request.cpu
        before = self.nodes.dev_free[rows, devices]  # [P]
        after = before - request.share
        was = before[:, None] >= self.share[None, :]  # [P, T]
        now = after[:, None] >= self.share[None, :]
        fitting = self.fitting[rows] - was + now
        short = self.short[rows] - np.where(was, 0, before[:, None]) + np.where(now, 0, after[:, None])
        idle = self.idle[rows] - request.share
        return self._amount(cpu, fitting, short, idle, self.model_ok[rows])
