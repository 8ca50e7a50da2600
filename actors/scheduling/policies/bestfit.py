"""``bestfit``: the tightest fit: the least cpu and GPU left free once the
task is placed, averaged and normalised by the largest node's capacity:
score ``100 * (1 - left)``."""

from __future__ import annotations

import numpy as np

from actors.scheduling.gpu import GpuNodes, Request
from actors.scheduling.policies.base import Policy, truncated


class BestFitPolicy(Policy):
    name = "bestfit"

    def score(self, nodes: GpuNodes, request: Request, candidates: np.ndarray) -> np.ndarray:
        left = (0.5 * (nodes.cpu_free[candidates] - request.cpu) / nodes.max_cpu
                + 0.5 * (nodes.gpu_free[candidates] - request.gpu) / nodes.max_gpu)
        return truncated((1 - left) * 100)
