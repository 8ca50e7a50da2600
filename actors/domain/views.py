"""The datastore's answers to the controller: a reconcile's view of the
cluster and the deployments that changed, each read in one round trip.

Plain frozen records of :mod:`actors.domain.models`, here rather than beside
the datastore so that pure code (:mod:`actors.scheduling.node_snapshot`)
can take them without importing an actor module.
"""

from __future__ import annotations

import dataclasses

from actors.domain.models import Deployment, Node, Task


@dataclasses.dataclass(frozen=True, slots=True)
class ClusterView:
    """What the controller needs for one reconcile, read in one round trip."""

    nodes: list[Node]
    """Every node, or with ``complete`` False, those that changed (their
    record or their allocation) after the revision asked about."""
    pending: list[Task]
    """Pending tasks not skipped, oldest first, at most the limit asked for."""
    stranded: list[Task]
    """Active tasks whose node is gone or unhealthy."""
    more_pending: bool = False
    """More pending tasks wait beyond the limit."""
    cursor: int | None = None
    """Where the returned pending tasks end in creation order: pass it as
    ``after`` to start behind them."""
    removed: list[str] = dataclasses.field(default_factory=list)
    """With ``complete`` False: the ids of nodes deleted after that revision."""
    complete: bool = True
    revision: int = 0
    """The revision read at: pass it as ``nodes_since`` to hear only what changes after."""
    deployments_touched: int = 0
    """The last revision at which a deployment, or a task of one, changed."""
    pending_total: int | None = None
    """How many tasks are pending in all, parked or not (None: not said)."""


@dataclasses.dataclass(frozen=True, slots=True)
class DeploymentView:
    """The deployments the controller has to look at, each with its tasks."""

    deployments: list[tuple[Deployment, list[Task]]]
    """Deployments by id, each with every task it owns in creation order."""
    revision: int
    """The revision read at: pass it as ``since`` to see only what changes after."""
