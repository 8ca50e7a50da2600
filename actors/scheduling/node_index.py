"""The scheduler's working copy of the nodes, as columns, so that one task is
filtered and scored against every node in a few vector operations.

:func:`actors.scheduling.rules.place` is the rule, written for people: each
node through the filters, the feasible ones scored by the profile's
plug-ins, the best total wins, ties to the smallest id. :class:`NodeIndex`
computes the same decision for the whole cluster at once with NumPy, from
each plug-in's vector form; every score is a whole number, so the totals,
and the ties, are exactly the rule's. A property test holds the two to the
same decision for every task.

What makes it fast: the resource scores and fit (NodeResourcesFit and
BalancedAllocation) depend only on a node's requests and the task's *shape*
(cpu, memory, GPU), and a batch holds few shapes. So each shape keeps its
fit mask and score vector, and a placement marks its node's row stale in
every shape kept; a shape brings its stale rows up to date (one node at a
time, by the plain rule) when it is next used. The masks of the filters
that look at labels and taints are kept per node selector, affinity and
tolerations. The other scores, and the filters that look at where other
tasks run, are computed only for a task that uses them (or when a running
task's terms bind it).

The index is kept, not rebuilt: :meth:`place` books each placement into its
row at once (kube-scheduler's "assume"), so the next task of the batch sees
it, and :meth:`sync` takes the nodes the controller saw and rewrites the rows
of the nodes that changed (by identity of the frozen records) and of those
booked into since (the truth has the bindings that were committed, and not
those that were not).

Pure: no threads, no actors, no clock.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np

from actors.domain import taints
from actors.domain.models import WHOLE_GPU, Node, Task
from actors.scheduling.explanation import Explanation, Verdict
from actors.scheduling.plugins import inter_pod_affinity, node_affinity, resources, taint_toleration, topology_spread
from actors.scheduling.plugins.base import Cluster
from actors.scheduling.plugins.pod_state import relevant
from actors.scheduling.plugins.profiles import PROFILES, Profile
from actors.scheduling.rules import (
    AFFINITY_MISMATCH,
    INSUFFICIENT_CPU,
    INSUFFICIENT_GPU,
    INSUFFICIENT_MEMORY,
    NOT_READY,
    UNSCHEDULABLE,
    Decision,
    Placement,
    Unschedulable,
    unschedulable_message_counts,
    untolerated_taint,
)

VECTOR_POLICIES = tuple(PROFILES)
MAX_SHAPES = 32  # shapes kept; the least recently used goes first
FULL_REFRESH = 48  # stale rows beyond which a shape is recomputed whole


@dataclasses.dataclass
class _Shape:
    fits: np.ndarray
    score: np.ndarray
    stale: set[int]


class NodeIndex:
    def __init__(self, policy: str | Profile = "spread") -> None:
        if isinstance(policy, Profile):
            self.profile = policy
        elif policy in PROFILES:
            self.profile = PROFILES[policy]
        else:
            raise ValueError(f"no vector form of policy '{policy}'")
        self.policy = self.profile.name
        self._extras = self.profile.extra_scores()
        self._nodes: list[Node] = []
        self._given: Sequence[Node] | None = None  # the list last synced from
        self._ids: list[str] = []
        self._allocate(0)

    def _allocate(self, n: int) -> None:
        self._cap_cpu = np.zeros(n, dtype=np.int64)
        self._cap_mem = np.zeros(n, dtype=np.int64)
        self._cap_cpu_safe = np.ones(n, dtype=np.int64)
        self._cap_mem_safe = np.ones(n, dtype=np.int64)
        self._alloc_cpu = np.zeros(n, dtype=np.int64)
        self._alloc_mem = np.zeros(n, dtype=np.int64)
        self._healthy = np.zeros(n, dtype=bool)
        self._schedulable = np.zeros(n, dtype=bool)
        self._ready = np.zeros(n, dtype=bool)
        self._dev_free = np.full((n, 0), -1, dtype=np.int64)  # free milli-GPU per device, -1: no such device
        self._label_masks: dict[tuple, np.ndarray] = {}
        self._shapes: dict[tuple[int, int, int], _Shape] = {}
        self._tainted = False  # whether any node has a taint
        self._booked: set[int] = set()  # rows placements were booked into since the last sync
        self._cluster = Cluster(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    # -- keeping it current ---------------------------------------------------

    def sync(self, nodes: Sequence[Node], changed: Iterable[int] | None = None) -> None:
        """Make the index hold ``nodes`` (with ``allocated`` and ``pods``
        filled in), in id order, forgetting what :meth:`place` booked:
        ``nodes`` say what was committed. Rows of records seen last time (the
        same object) and not booked into are kept as they are. ``changed``,
        when given, names the positions replaced since the list last synced
        from (same members, same order: :meth:`NodeSnapshot.take_changes`),
        so only those rows are looked at, however many nodes there are; the
        list may be the one given last time, patched in place (the
        controller's :class:`~actors.scheduling.node_snapshot.NodeSnapshot`
        does so: a copy of 10,000 nodes on every reconcile costs 0.1 ms).
        Without ``changed``, the same list again means nothing changed but
        the booked rows."""
        if changed is not None and self._given is not None and len(nodes) == len(self._nodes):
            self._given = nodes
            self._rewrite(nodes, changed)
            return
        if nodes is self._given:
            self._rewrite(self._nodes, ())
            return
        self._given = nodes
        ids = [n.id for n in nodes]
        if ids != self._ids:
            order = sorted(range(len(nodes)), key=ids.__getitem__)
            if order != list(range(len(nodes))):
                nodes = [nodes[i] for i in order]
                ids = [ids[i] for i in order]
        if ids != self._ids:
            self._rebuild(list(nodes), ids)
            return
        self._rewrite(nodes, [i for i, node in enumerate(nodes) if node is not self._nodes[i]])

    def _rewrite(self, nodes: Sequence[Node], rows: Iterable[int]) -> None:
        """Rewrite ``rows`` and the rows booked into since the last sync
        (the truth replaces what was booked) from ``nodes``; a changed
        label, readiness or taint makes the label masks and the cluster's
        facts stale."""
        rows = set(rows) | self._booked
        self._booked.clear()
        stale = False
        for i in rows:
            node, old = nodes[i], self._nodes[i]
            if node is not old and (node.labels != old.labels or node.healthy != old.healthy
                                    or node.schedulable != old.schedulable or node.taints != old.taints):
                stale = True
            self._write_row(i, node)
        if stale:
            self._label_masks.clear()
            self._cluster = Cluster(self._nodes)
            self._tainted = any(node.taints for node in self._nodes)

    def _rebuild(self, nodes: list[Node], ids: list[str]) -> None:
        self._allocate(len(nodes))
        self._nodes = nodes
        self._ids = ids
        for i, node in enumerate(nodes):
            self._write_row(i, node, fresh=True)
        self._cluster = Cluster(self._nodes)
        self._tainted = any(node.taints for node in self._nodes)

    def _write_row(self, i: int, node: Node, fresh: bool = False) -> None:
        if not fresh:
            self._cluster.pods.sync_row(i, node)
            for shape in self._shapes.values():
                shape.stale.add(i)
        self._nodes[i] = node
        self._cap_cpu[i] = node.capacity.cpu
        self._cap_mem[i] = node.capacity.memory
        self._cap_cpu_safe[i] = max(node.capacity.cpu, 1)
        self._cap_mem_safe[i] = max(node.capacity.memory, 1)
        self._alloc_cpu[i] = node.allocated.cpu
        self._alloc_mem[i] = node.allocated.memory
        self._healthy[i] = node.healthy
        self._schedulable[i] = node.schedulable
        self._ready[i] = node.healthy and node.schedulable
        if node.capacity.gpu or self._dev_free.shape[1]:  # nothing to do in a cluster without GPUs
            free = node.gpu_free()
            if len(free) > self._dev_free.shape[1]:
                self._dev_free = np.pad(self._dev_free, ((0, 0), (0, len(free) - self._dev_free.shape[1])),
                                        constant_values=-1)
            self._dev_free[i] = -1
            self._dev_free[i, :len(free)] = free

    def _book(self, i: int, task: Task, devices: tuple[int, ...]) -> None:
        self._booked.add(i)
        self._alloc_cpu[i] += task.resources.cpu
        self._alloc_mem[i] += task.resources.memory
        for d in devices:
            self._dev_free[i, d] -= task.resources.gpu // len(devices)
        for shape in self._shapes.values():
            shape.stale.add(i)
        if relevant(task):
            self._cluster.pods.add(i, task)

    # -- placing ----------------------------------------------------------------

    def place_all(self, tasks: Iterable[Task]) -> list[Decision]:
        """Place ``tasks`` in order, each seeing what the earlier ones took."""
        return [self.place(task) for task in tasks]

    def place(self, task: Task) -> Decision:
        """The decision :func:`actors.scheduling.rules.place` makes for
        ``task`` over every node; a placement is booked into the node's row."""
        if not self._nodes:
            return Unschedulable(task.id, unschedulable_message_counts(0, {}))
        candidates = self._selected(task)
        shape = self._shape(task)
        feasible = candidates & shape.fits
        pod_filters = self._pod_filters(task)
        for _, passes in pod_filters:
            feasible &= passes
        total = shape.score
        extra = 0
        for plugin, weight in self._extras:
            if not plugin.applies(task, self._cluster):
                extra += weight * plugin.constant()
                continue
            raw = plugin.raws(task, self._cluster, feasible)
            values = np.zeros(len(self._nodes), dtype=np.int64)
            values[feasible] = plugin.normalize(raw[feasible])
            total = total + weight * values
        masked = np.where(feasible, total, -1)
        i = -1
        if task.nominated_node is not None:
            row = self._row(task.nominated_node)
            if row is not None and feasible[row]:
                i = row
        if i < 0:
            i = int(masked.argmax())
            if masked[i] < 0:
                return Unschedulable(task.id, self._message(task, candidates, pod_filters))
        devices = self._devices(i, task.resources.gpu)
        self._book(i, task, devices)
        return Placement(task.id, self._ids[i], float(total[i] + extra), devices)

    def _row(self, node_id: str) -> int | None:
        i = bisect.bisect_left(self._ids, node_id)
        return i if i < len(self._ids) and self._ids[i] == node_id else None

    def _pod_filters(self, task: Task) -> list[tuple[str, np.ndarray]]:
        found = []
        if task.constraints.topology_spread:
            found += topology_spread.masks(task, self._cluster)
        if inter_pod_affinity.applies_filter(task, self._cluster):
            found += inter_pod_affinity.masks(task, self._cluster)
        return found

    # -- shapes: the resource fit and scores --------------------------------------

    def _shape(self, task: Task) -> _Shape:
        r = task.resources
        key = (r.cpu, r.memory, r.gpu)
        shape = self._shapes.pop(key, None)
        if shape is None or len(shape.stale) > FULL_REFRESH:
            shape = self._compute_shape(r.cpu, r.memory, r.gpu)
        elif shape.stale:
            for i in shape.stale:
                self._refresh_row(shape, i, r.cpu, r.memory, r.gpu)
            shape.stale.clear()
        self._shapes[key] = shape  # the most recently used last
        if len(self._shapes) > MAX_SHAPES:
            del self._shapes[next(iter(self._shapes))]
        return shape

    def _compute_shape(self, cpu: int, memory: int, gpu: int) -> _Shape:
        columns = (self._alloc_cpu, self._alloc_mem, self._cap_cpu, self._cap_mem, self._cap_cpu_safe,
                   self._cap_mem_safe)
        fits = (self._cap_cpu - self._alloc_cpu >= cpu) & (self._cap_mem - self._alloc_mem >= memory)
        if gpu:
            fits &= self._gpu_fits(gpu)
        score = np.zeros(len(self._nodes), dtype=np.int64)
        if self.profile.fit_weight:
            score += self.profile.fit_weight * resources.fit_scores(self.profile.fit, cpu, memory, *columns)
        if self.profile.balanced_weight:
            score += self.profile.balanced_weight * resources.balanced_scores(cpu, memory, *columns)
        return _Shape(fits, score, set())

    def _refresh_row(self, shape: _Shape, i: int, cpu: int, memory: int, gpu: int) -> None:
        cap_cpu, cap_mem = int(self._cap_cpu[i]), int(self._cap_mem[i])
        want_cpu, want_mem = int(self._alloc_cpu[i]) + cpu, int(self._alloc_mem[i]) + memory
        fits = want_cpu <= cap_cpu and want_mem <= cap_mem
        if fits and gpu:
            free = self._dev_free[i]
            fits = bool((free >= gpu).any()) if gpu < WHOLE_GPU else int((free == WHOLE_GPU).sum()) >= gpu // WHOLE_GPU
        shape.fits[i] = fits
        score = 0
        if self.profile.fit_weight:
            score += self.profile.fit_weight * resources.fit_value(self.profile.fit, want_cpu, cap_cpu, want_mem, cap_mem)
        if self.profile.balanced_weight:
            score += self.profile.balanced_weight * resources.balanced_value(want_cpu, cap_cpu, want_mem, cap_mem)
        shape.score[i] = score

    def _gpu_fits(self, gpu: int) -> np.ndarray:
        """Nodes with a device holding the share, or enough free devices."""
        if gpu < WHOLE_GPU:
            return (self._dev_free >= gpu).any(axis=1)
        return (self._dev_free == WHOLE_GPU).sum(axis=1) >= gpu // WHOLE_GPU

    def _devices(self, i: int, gpu: int) -> tuple[int, ...]:
        """:func:`actors.scheduling.rules.gpu_devices` on row ``i``."""
        if gpu <= 0:
            return ()
        free = self._dev_free[i]
        if gpu < WHOLE_GPU:
            fitting = np.flatnonzero(free >= gpu)
            return (int(fitting[np.argmin(free[fitting])]),)
        return tuple(int(d) for d in np.flatnonzero(free == WHOLE_GPU)[:gpu // WHOLE_GPU])

    # -- explaining ---------------------------------------------------------------------

    def explain(self, task: Task, limit: int = 20, offset: int = 0, search: str | None = None) -> Explanation:
        """Every node's verdict on ``task`` as the nodes are now (nothing is
        booked): the count of each filter's rejections, and a page of the
        feasible nodes (best first, from ``offset``) with each score plug-in's
        part, and of the rejected ones with their reasons; ``search`` keeps
        the nodes whose id contains it."""
        n = len(self._nodes)
        rejected: list[tuple[str, np.ndarray]] = []  # (reason, rejected by this stage), in filter order
        remaining = np.ones(n, dtype=bool)

        def stage(reason: str, passes: np.ndarray) -> None:
            nonlocal remaining
            rejected.append((reason, remaining & ~passes))
            remaining = remaining & passes

        stage(NOT_READY, self._healthy)
        stage(UNSCHEDULABLE, self._schedulable)
        if self._tainted:
            stage("taint", self._tolerated(task))
        stage(AFFINITY_MISMATCH, self._affinity_match(task))
        r = task.resources
        short = [(INSUFFICIENT_CPU, self._cap_cpu - self._alloc_cpu >= r.cpu),
                 (INSUFFICIENT_MEMORY, self._cap_mem - self._alloc_mem >= r.memory)]
        if r.gpu:
            short.append((INSUFFICIENT_GPU, self._gpu_fits(r.gpu)))
        fits = np.ones(n, dtype=bool)
        for _, ok in short:
            fits &= ok
        before_fit = remaining
        stage("resources", fits)
        for reason, passes in self._pod_filters(task):
            stage(reason, passes)
        feasible = remaining
        counts: collections.Counter[str] = collections.Counter()
        for reason, mask in rejected:
            if reason == "taint":
                for i in np.flatnonzero(mask).tolist():
                    counts[untolerated_taint(taints.untolerated(self._nodes[i].taints, task.tolerations))] += 1
            elif reason == "resources":
                for name, ok in short:
                    short_here = int((before_fit & ~ok).sum())
                    if short_here:
                        counts[name] += short_here
            elif mask.any():
                counts[reason] += int(mask.sum())
        columns = (self._alloc_cpu, self._alloc_mem, self._cap_cpu, self._cap_mem, self._cap_cpu_safe,
                   self._cap_mem_safe)
        parts: dict[str, np.ndarray] = {}
        total = np.zeros(n, dtype=np.int64)
        if self.profile.fit_weight:
            parts["NodeResourcesFit"] = resources.fit_scores(self.profile.fit, r.cpu, r.memory, *columns)
            total += self.profile.fit_weight * parts["NodeResourcesFit"]
        if self.profile.balanced_weight:
            parts["NodeResourcesBalancedAllocation"] = resources.balanced_scores(r.cpu, r.memory, *columns)
            total += self.profile.balanced_weight * parts["NodeResourcesBalancedAllocation"]
        for plugin, weight in self._extras:
            if plugin.applies(task, self._cluster):
                values = np.zeros(n, dtype=np.int64)
                values[feasible] = plugin.normalize(plugin.raws(task, self._cluster, feasible)[feasible])
            else:
                values = np.full(n, plugin.constant(), dtype=np.int64)
            parts[plugin.name] = values
            total += weight * values
        chosen = None
        if feasible.any():
            row = self._row(task.nominated_node) if task.nominated_node is not None else None
            if row is None or not feasible[row]:
                row = int(np.where(feasible, total, -1).argmax())
            chosen = self._ids[row]
        shown = np.ones(n, dtype=bool)
        if search:
            shown = np.fromiter((search in node_id for node_id in self._ids), dtype=bool, count=n)
        good = np.flatnonzero(feasible & shown)
        good = good[np.lexsort((good, -total[good]))][offset:offset + limit]  # best first, ties by id
        candidates = tuple(Verdict(self._ids[i], (), int(total[i]), {k: int(v[i]) for k, v in parts.items()})
                           for i in good.tolist())
        bad = np.flatnonzero(~feasible & shown)[offset:offset + limit]
        rejections = tuple(Verdict(self._ids[i], self._reasons_of(i, task, rejected, short)) for i in bad.tolist())
        return Explanation(task.id, self.policy, chosen, n, int(feasible.sum()),
                           dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))), candidates, rejections,
                           dict(self.profile.weights), offset=offset)

    def _reasons_of(self, i: int, task: Task, rejected: list[tuple[str, np.ndarray]],
                    short: list[tuple[str, np.ndarray]]) -> tuple[str, ...]:
        for reason, mask in rejected:
            if not mask[i]:
                continue
            if reason == "taint":
                return (untolerated_taint(taints.untolerated(self._nodes[i].taints, task.tolerations)),)
            if reason == "resources":
                return tuple(name for name, ok in short if not ok[i])
            return (reason,)
        return ()

    # -- the label filters ----------------------------------------------------------

    def _selected(self, task: Task) -> np.ndarray:
        """Ready nodes whose taints the task tolerates and whose labels match
        its node selector and node affinity (cached)."""
        if not task.node_selector and not task.node_affinity and not self._tainted:
            return self._ready
        key = (tuple(sorted(task.node_selector.items())), task.node_affinity, task.tolerations)
        mask = self._label_masks.get(key)
        if mask is None:
            mask = self._ready & self._tolerated(task) & self._affinity_match(task)
            self._label_masks[key] = mask
        return mask

    def _tolerated(self, task: Task) -> np.ndarray:
        if not self._tainted:
            return self._ready
        return taint_toleration.tolerated_mask(task, self._nodes)

    def _affinity_match(self, task: Task) -> np.ndarray:
        if not task.node_selector and not task.node_affinity:
            return self._ready
        return node_affinity.matches_mask(task, self._nodes)

    def _message(self, task: Task, selected: np.ndarray, pod_filters: list[tuple[str, np.ndarray]]) -> str:
        """Why no node fits, each node counted under the first filter that
        rejects it, as ``place`` reports."""
        cpu, memory = task.resources.cpu, task.resources.memory
        counts: collections.Counter[str] = collections.Counter()
        counts[NOT_READY] = int((~self._healthy).sum())
        counts[UNSCHEDULABLE] = int((self._healthy & ~self._schedulable).sum())
        tolerated = self._ready
        if self._tainted:
            tolerated = self._ready & self._tolerated(task)
            for i in np.flatnonzero(self._ready & ~tolerated).tolist():
                counts[untolerated_taint(taints.untolerated(self._nodes[i].taints, task.tolerations))] += 1
        counts[AFFINITY_MISMATCH] = int((tolerated & ~selected).sum())
        free_cpu = self._cap_cpu - self._alloc_cpu
        free_mem = self._cap_mem - self._alloc_mem
        counts[INSUFFICIENT_CPU] = int((selected & (free_cpu < cpu)).sum())
        counts[INSUFFICIENT_MEMORY] = int((selected & (free_mem < memory)).sum())
        remaining = selected & (free_cpu >= cpu) & (free_mem >= memory)
        if task.resources.gpu:
            gpu_fits = self._gpu_fits(task.resources.gpu)
            counts[INSUFFICIENT_GPU] = int((selected & ~gpu_fits).sum())
            remaining &= gpu_fits
        for reason, passes in pod_filters:
            counts[reason] += int((remaining & ~passes).sum())
            remaining = remaining & passes
        return unschedulable_message_counts(len(self._nodes), counts)
