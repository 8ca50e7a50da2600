"""``gpu-packing``: prefer, in this order, a partly used device (the less
free, the better), then a free device on a partly used node, then an idle
node (the fewer its GPUs, the better). On each node the task's devices are
the tightest that fit; scores: 50 to 100 when none of them is free
(``100 - free percent / 10``), 33 to 49 when some are (``50 - free ones``),
below 33 on a node whose every device is free (``33 - its devices``). A task
without GPU scores 0 everywhere."""

from __future__ import annotations

import numpy as np

from actors.scheduling.gpu import WHOLE, GpuNodes, Request
from actors.scheduling.policies.base import Policy

_NEVER = 10 * WHOLE  # sorts after every real free amount


class GpuPackingPolicy(Policy):
    name = "gpu-packing"

    def score(self, nodes: GpuNodes, request: Request, candidates: np.ndarray) -> np.ndarray:
        if request.count == 0:
            return np.zeros(candidates.size, dtype=np.int64)
        free = nodes.dev_free[candidates]
        idle_node = ((free == WHOLE) | (free < 0)).all(axis=1)
        chosen = np.sort(np.where(free >= request.share, free, _NEVER), axis=1)[:, :request.count]
        whole_free = (chosen == WHOLE).sum(axis=1)
        percent = (chosen * 100 // WHOLE).sum(axis=1) // 10
        partly = np.where(whole_free > 0, np.maximum(50 - whole_free, 33), np.maximum(100 - percent, 50))
        return np.where(idle_node, 33 - nodes.gpus[candidates], partly)
