"""An example of a placement policy of one's own: ``worst-fit``, the
opposite of ``bestfit``: the node with the most cpu and GPU left once the
task is placed (averaged, normalised by the largest node's capacity).

    orchestrator simulate placement --nodes NODES.csv --tasks TASKS.csv \\
        --policy-module scripts/example_policy.py:WorstFit --policy worst-fit --policy bestfit

A policy subclasses ``Policy``, names itself, and scores the candidate
nodes (indexes into the ``GpuNodes`` columns) with whole numbers from 0 to
100; it may also override ``filter``, ``devices``, ``prepare`` and
``booked`` (see ``actors/scheduling/policies/base.py``).
"""

from __future__ import annotations

import numpy as np

from actors.scheduling.gpu import GpuNodes, Request
from actors.scheduling.policies import Policy
from actors.scheduling.policies.base import truncated


class WorstFit(Policy):
    name = "worst-fit"

    def score(self, nodes: GpuNodes, request: Request, candidates: np.ndarray) -> np.ndarray:
        left = (0.5 * (nodes.cpu_free[candidates] - request.cpu) / nodes.max_cpu
                + 0.5 * (nodes.gpu_free[candidates] - request.gpu) / nodes.max_gpu)
        return truncated(left * 100)
