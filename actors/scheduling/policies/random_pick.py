"""``random``: a feasible node chosen uniformly (seeded), and a random device
that fits for a GPU share."""

from __future__ import annotations

import numpy as np

from actors.scheduling.gpu import WHOLE, GpuNodes, Request
from actors.scheduling.policies.base import Policy


class RandomPolicy(Policy):
    name = "random"

    def score(self, nodes: GpuNodes, request: Request, candidates: np.ndarray) -> np.ndarray:
        scores = np.zeros(candidates.size, dtype=np.int64)
        scores[self.rng.integers(candidates.size)] = 100
        return scores

    def devices(self, nodes: GpuNodes, request: Request, node: int) -> tuple[int, ...]:
        if request.count == 1 and request.share < WHOLE:
            fitting = np.flatnonzero(nodes.dev_free[node] >= request.share)
            return (int(fitting[self.rng.integers(fitting.size)]),)
        return super().devices(nodes, request, node)
