"""What a replay samples of the cluster, kept up to date from what changed.

A sample is the share of the cluster's cpu, memory and GPU the bound tasks
request, and its GPU fragmentation for the workload's typical tasks
(:mod:`actors.scheduling.fragmentation`). Reading every node out of the
datastore for each sample costs a second at 10,000 nodes, and a replay
samples hundreds of times; so the sampler keeps its own columns of the
nodes (:class:`~actors.scheduling.gpu.GpuNodes`, a
:class:`~actors.scheduling.fragmentation.Fragmentation`) and is given only
the nodes that changed since its last look
(:meth:`actors.datastore.Datastore.cluster_view` with ``nodes_since``), as
the controller's :class:`~actors.scheduling.node_snapshot.NodeSnapshot` is.
A node added or deleted, or one whose capacity or GPU model changed, makes
it build the columns again. Pure: no threads, no clock.
"""

from __future__ import annotations

import numpy as np

from actors.domain.models import GPU_MODEL_LABEL, Node, Resources
from actors.domain.views import ClusterView
from actors.scheduling.fragmentation import Fragmentation, TypicalTasks
from actors.scheduling.node_snapshot import NodeSnapshot
from actors.scheduling.plugin_index import columns, write_use


class ClusterSampler:
    def __init__(self, typical: TypicalTasks | None) -> None:
        self.typical = typical
        self.revision: int | None = None
        """The revision of the last view applied: ask for the nodes changed after it."""
        self._snapshot = NodeSnapshot()
        self._shapes: list[tuple] | None = None  # each row's _shape when the columns were built
        self._allocated = np.zeros((0, 3), dtype=np.int64)  # [N, (cpu, memory, gpu)] the bound tasks request
        self._capacity = np.zeros(3, dtype=np.int64)

    def apply(self, view: ClusterView) -> None:
        """Take in the nodes that changed (or every node, ``view.complete``)."""
        self._snapshot.apply(view)
        self.revision = view.revision
        changed = self._snapshot.take_changes()
        nodes = self._snapshot.nodes
        if changed is None or self._shapes is None or any(_shape(nodes[i]) != self._shapes[i] for i in changed):
            self._build(nodes)
        elif changed:
            self._update(nodes, sorted(changed))

    def _build(self, nodes: list[Node]) -> None:
        self._shapes = [_shape(n) for n in nodes]
        self._columns = columns(nodes)
        self._fragmentation = Fragmentation(self._columns, self.typical) if self.typical is not None else None
        self._allocated = np.asarray([(n.allocated.cpu, n.allocated.memory, n.allocated.gpu) for n in nodes],
                                     dtype=np.int64).reshape(len(nodes), 3)
        self._capacity = np.asarray([sum(n.capacity.cpu for n in nodes), sum(n.capacity.memory for n in nodes),
                                     sum(n.capacity.gpu for n in nodes)], dtype=np.int64)

    def _update(self, nodes: list[Node], rows: list[int]) -> None:
        """Write the changed rows as :func:`columns` would have."""
        changed = [nodes[i] for i in rows]
        for row, node in zip(rows, changed):
            write_use(self._columns, row, node)
        index = np.asarray(rows, dtype=np.int64)
        self._allocated[index] = [(n.allocated.cpu, n.allocated.memory, n.allocated.gpu) for n in changed]
        if self._fragmentation is not None:
            self._fragmentation.refresh(index)

    @property
    def capacity(self) -> Resources:
        """Every node's, summed (cpu in millicores, memory in MiB, GPU in milli-GPU)."""
        return Resources(*(int(v) for v in self._capacity))

    @property
    def allocated(self) -> Resources:
        """What the bound tasks request, summed over the nodes."""
        return Resources(*(int(v) for v in self._allocated.sum(axis=0)))

    @property
    def fragmentation(self) -> float:
        """The cluster's GPU fragmentation (milli-GPU); 0 without typical tasks."""
        return self._fragmentation.total if self._fragmentation is not None else 0.0


def _shape(node: Node) -> tuple:
    """What the columns hold of a node apart from its use: a change of it rebuilds them."""
    return node.capacity, node.labels.get(GPU_MODEL_LABEL, "")
