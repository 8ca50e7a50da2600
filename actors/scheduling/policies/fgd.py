"""``fgd``, fragmentation gradient descent: the node, and for a GPU share the
device, where placing the task increases the cluster's fragmentation least
(see :mod:`actors.scheduling.fragmentation`). Score
``100 * sigmoid(-increase / 1000)``, truncated; a share goes on the device
of the best score (the lowest-numbered among equals)."""

from __future__ import annotations

import numpy as np

from actors.scheduling.fragmentation import Fragmentation, typical_tasks
from actors.scheduling.gpu import WHOLE, GpuNodes, Request
from actors.scheduling.policies.base import Context, Policy, truncated


def _score(increase: np.ndarray) -> np.ndarray:
    return truncated(100 / (1 + np.exp(increase / 1000)))


class FgdPolicy(Policy):
    name = "fgd"

    def prepare(self, context: Context) -> None:
        super().prepare(context)
        self.fragmentation = Fragmentation(context.nodes, typical_tasks(context.workload))
        self._devices: dict[int, int] = {}

    def score(self, nodes: GpuNodes, request: Request, candidates: np.ndarray) -> np.ndarray:
        frag = self.fragmentation
        before = frag.of_node[candidates]
        if request.count != 1 or request.share >= WHOLE:
            return _score(frag.after_whole(candidates, request) - before)
        rows, devices = np.nonzero(nodes.dev_free[candidates] >= request.share)  # every device that fits
        pair_scores = _score(frag.after_share(candidates[rows], devices, request) - before[rows])
        best = np.full(candidates.size, -1, dtype=np.int64)
        np.maximum.at(best, rows, pair_scores)
        # the lowest-numbered device of each node's best score: pairs come in (row, device) order
        winners = pair_scores == best[rows]
        first = np.unique(rows[winners], return_index=True)[1]
        self._devices = dict(zip(candidates[rows[winners][first]].tolist(), devices[winners][first].tolist()))
        return best

    def devices(self, nodes: GpuNodes, request: Request, node: int) -> tuple[int, ...]:
        if request.count == 1 and request.share < WHOLE:
            return (self._devices[node],)
        return super().devices(nodes, request, node)

    def booked(self, nodes: GpuNodes, node: int) -> None:
        self.fragmentation.refresh([node])
