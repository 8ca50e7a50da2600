"""The controller's copy of the nodes, kept current from what changed.

A reconcile asks the datastore only for the nodes that changed since the
revision of the last view (:meth:`actors.datastore.Datastore.cluster_view`
with ``nodes_since``) and applies them here, so a cluster of thousands of
nodes is not copied out of the datastore on every reconcile. A fresh
snapshot (a new or restarted controller) has no revision and asks for every
node.
"""

from __future__ import annotations

from actors.domain.models import Node
from actors.domain.views import ClusterView


class NodeSnapshot:
    def __init__(self) -> None:
        self.revision: int | None = None
        """The revision of the last view applied; None until the first."""
        self.by_id: dict[str, Node] = {}
        self._sorted: list[Node] | None = []
        self._positions: dict[str, int] = {}
        self.real: dict[str, Node] = {}
        """The nodes that are not simulated (they heartbeat), by id."""
        self.no_execute: dict[str, Node] = {}
        """The nodes with a ``NoExecute`` taint, by id."""
        self._changed: set[int] | None = None  # positions replaced since take_changes; None: anything may have

    def take_changes(self) -> set[int] | None:
        """The positions in :attr:`nodes` whose record was replaced since the
        last call (the same members, in the same order), or None when the
        members changed or this is the first call: then look at them all."""
        changed, self._changed = self._changed, set()
        return changed

    def forget_changes(self) -> None:
        """The last changes taken were not delivered: the next take says
        "all", and :attr:`nodes` is a new list (a reader told "all" of the
        list it had may take it as unchanged)."""
        self._changed = None
        self._sorted = None

    def _note(self, node: Node) -> None:
        for kept, holds in ((self.real, not node.simulated),
                            (self.no_execute, any(t.effect == "NoExecute" for t in node.taints))):
            if holds:
                kept[node.id] = node
            else:
                kept.pop(node.id, None)

    def apply(self, view: ClusterView) -> None:
        self.revision = view.revision
        if view.complete:
            self.by_id = {node.id: node for node in view.nodes}
            self.real, self.no_execute = {}, {}
            for node in view.nodes:
                self._note(node)
            self._sorted = None
            self._changed = None
            return
        if not view.nodes and not view.removed:
            return
        members_changed = False
        for node_id in view.removed:
            members_changed |= self.by_id.pop(node_id, None) is not None
            self.real.pop(node_id, None)
            self.no_execute.pop(node_id, None)
        for node in view.nodes:
            members_changed |= node.id not in self.by_id
            self.by_id[node.id] = node
            self._note(node)
        if members_changed or self._sorted is None:
            self._sorted = None
            self._changed = None
            return
        for node in view.nodes:  # in place: take_changes tells the scheduler which positions
            position = self._positions[node.id]
            self._sorted[position] = node
            if self._changed is not None:
                self._changed.add(position)

    @property
    def nodes(self) -> list[Node]:
        """Every node, sorted by id: the same list object while the members
        stay the same, its records replaced in place as they change
        (:meth:`take_changes` says where); a new one when members come or go."""
        if self._sorted is None:
            self._sorted = [self.by_id[i] for i in sorted(self.by_id)]
            self._positions = {node.id: i for i, node in enumerate(self._sorted)}
        return self._sorted
