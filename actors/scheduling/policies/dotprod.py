"""``dotprod``: the node whose free (cpu, gpu) vector has the smallest dot
product with the task's request, both normalised by the largest node's
capacity: score ``100 * (1 - free . request / 2)``."""

from __future__ import annotations

import numpy as np

from actors.scheduling.gpu import GpuNodes, Request
from actors.scheduling.policies.base import Policy, truncated


class DotProductPolicy(Policy):
    name = "dotprod"

    def score(self, nodes: GpuNodes, request: Request, candidates: np.ndarray) -> np.ndarray:
        cpu = nodes.cpu_free[candidates] / nodes.max_cpu * (request.cpu / nodes.max_cpu)
        gpu = nodes.gpu_free[candidates] / nodes.max_gpu * (request.gpu / nodes.max_gpu)
        return truncated(100 * (1 - (cpu + gpu) / 2))
