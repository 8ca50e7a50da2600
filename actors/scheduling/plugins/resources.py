"""NodeResourcesFit and NodeResourcesBalancedAllocation.

The filter: the node's capacity minus what its active tasks request must
cover the task's request, every short resource named (``Insufficient cpu``);
a GPU share needs one device with that much free, whole GPUs that many
entirely free devices.

The scores, with kube-scheduler's whole-number formulas over cpu and memory
(weight 1 each), ``requested`` being the node's requests plus the task's:

- LeastAllocated (``spread``): per resource ``(capacity - requested) * 100
  // capacity`` (0 when it does not fit or there is no capacity), averaged
  (``//``);
- MostAllocated (``binpack``): per resource ``requested * 100 // capacity``
  (requested held to capacity), averaged;
- BalancedAllocation: ``int((1 - std) * 100)``, ``std`` the standard
  deviation of the two shares ``requested / capacity`` (each at most 1), that
  is ``|cpu share - memory share| / 2``; a resource without capacity is
  left out (std 0).

Each has its rule for one node (ints and floats, the same IEEE operations)
and its form over arrays of every node; they agree bit for bit.
"""

from __future__ import annotations

import numpy as np

from actors.domain.models import WHOLE_GPU, Node, Task
from actors.scheduling.plugins.base import MAX_SCORE

INSUFFICIENT_CPU = "Insufficient cpu"
INSUFFICIENT_MEMORY = "Insufficient memory"
INSUFFICIENT_GPU = "Insufficient nvidia.com/gpu"
FIT_STRATEGIES = ("LeastAllocated", "MostAllocated")


def gpu_devices(task: Task, node: Node) -> tuple[int, ...] | None:
    """The devices ``task``'s GPU request takes on ``node``: a share the
    device with the least free room that still holds it (the lowest-numbered
    among equals), whole GPUs the lowest-numbered entirely free devices;
    ``()`` without GPU, None when it does not fit."""
    gpu = task.resources.gpu
    if gpu <= 0:
        return ()
    free = node.gpu_free()
    if gpu < WHOLE_GPU:
        fitting = [(room, d) for d, room in enumerate(free) if room >= gpu]
        return (min(fitting)[1],) if fitting else None
    whole = [d for d, room in enumerate(free) if room == WHOLE_GPU]
    count = gpu // WHOLE_GPU
    return tuple(whole[:count]) if len(whole) >= count else None


def resources_fit(task: Task, node: Node) -> tuple[str, ...]:
    free = node.free
    reasons = []
    if task.resources.cpu > free.cpu:
        reasons.append(INSUFFICIENT_CPU)
    if task.resources.memory > free.memory:
        reasons.append(INSUFFICIENT_MEMORY)
    if task.resources.gpu and gpu_devices(task, node) is None:
        reasons.append(INSUFFICIENT_GPU)
    return tuple(reasons)


# -- one node ------------------------------------------------------------------


def _least(requested: int, capacity: int) -> int:
    if capacity <= 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_SCORE // capacity


def _most(requested: int, capacity: int) -> int:
    if capacity <= 0:
        return 0
    return min(requested, capacity) * MAX_SCORE // capacity


def fit_score(strategy: str, cpu: int, memory: int, node: Node) -> int:
    """NodeResourcesFit's score of ``node`` for a request of ``cpu`` and ``memory``."""
    cap, alloc = node.capacity, node.allocated
    return fit_value(strategy, alloc.cpu + cpu, cap.cpu, alloc.memory + memory, cap.memory)


def fit_value(strategy: str, cpu: int, cpu_capacity: int, memory: int, memory_capacity: int) -> int:
    """:func:`fit_score` from what would be requested and the capacities."""
    one = _least if strategy == "LeastAllocated" else _most
    return (one(cpu, cpu_capacity) + one(memory, memory_capacity)) // 2


def balanced_score(cpu: int, memory: int, node: Node) -> int:
    cap, alloc = node.capacity, node.allocated
    return balanced_value(alloc.cpu + cpu, cap.cpu, alloc.memory + memory, cap.memory)


def balanced_value(cpu: int, cpu_capacity: int, memory: int, memory_capacity: int) -> int:
    """BalancedAllocation's score from what would be requested and the capacities."""
    if cpu_capacity <= 0 or memory_capacity <= 0:
        return MAX_SCORE
    cpu_share = min(cpu / cpu_capacity, 1.0)
    memory_share = min(memory / memory_capacity, 1.0)
    return int((1 - abs((cpu_share - memory_share) / 2)) * MAX_SCORE)


# -- every node ------------------------------------------------------------------


def fit_scores(strategy: str, cpu: int, memory: int, alloc_cpu: np.ndarray, alloc_memory: np.ndarray,
               cap_cpu: np.ndarray, cap_memory: np.ndarray, cap_cpu_safe: np.ndarray,
               cap_memory_safe: np.ndarray) -> np.ndarray:
    """:func:`fit_score` over arrays (int64; ``*_safe``: the capacities
    with 0 made 1, to divide by)."""
    total = None
    for request, alloc, cap, safe in ((cpu, alloc_cpu, cap_cpu, cap_cpu_safe),
                                      (memory, alloc_memory, cap_memory, cap_memory_safe)):
        requested = alloc + request
        if strategy == "LeastAllocated":
            score = (cap - requested) * MAX_SCORE // safe
            score[(requested > cap) | (cap <= 0)] = 0
        else:
            score = np.minimum(requested, cap) * MAX_SCORE // safe
            score[cap <= 0] = 0
        total = score if total is None else total + score
    return total // 2


def balanced_scores(cpu: int, memory: int, alloc_cpu: np.ndarray, alloc_memory: np.ndarray,
                    cap_cpu: np.ndarray, cap_memory: np.ndarray, cap_cpu_safe: np.ndarray,
                    cap_memory_safe: np.ndarray) -> np.ndarray:
    cpu_share = np.minimum((alloc_cpu + cpu) / cap_cpu_safe, 1.0)
    memory_share = np.minimum((alloc_memory + memory) / cap_memory_safe, 1.0)
    score = ((1 - np.abs((cpu_share - memory_share) / 2)) * MAX_SCORE).astype(np.int64)
    score[(cap_cpu <= 0) | (cap_memory <= 0)] = MAX_SCORE
    return score
