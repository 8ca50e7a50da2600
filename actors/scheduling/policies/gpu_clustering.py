"""``gpu-clustering``: keep GPU tasks of a kind together (a kind is a share
of one device, or a number of whole devices). 75 points on a node that runs
only this kind, 50 on one that runs it among others, 25 on one that runs no
GPU task, 0 on one that runs only other kinds; plus up to 25 the fuller the
node's GPUs (``25 * used / the largest node's GPU``, whole numbers). A task
without GPU scores 0 everywhere."""

from __future__ import annotations

import numpy as np

from actors.scheduling.gpu import GpuNodes, Request
from actors.scheduling.policies.base import Policy


class GpuClusteringPolicy(Policy):
    name = "gpu-clustering"

    def score(self, nodes: GpuNodes, request: Request, candidates: np.ndarray) -> np.ndarray:
        if request.count == 0:
            return np.zeros(candidates.size, dtype=np.int64)
        fuller = 25 * (nodes.max_gpu - nodes.gpu_free[candidates]) // nodes.max_gpu
        running = nodes.kinds[candidates] > 0
        mine = running[:, request.kind]
        others = running.sum(axis=1) - mine
        bonus = np.where(mine, np.where(others == 0, 75, 50), np.where(others == 0, 25, 0))
        return fuller + bonus
