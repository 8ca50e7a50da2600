"""Fragmentation as the paper defines it, worked out by hand for small
cases, and the incremental forms ``fgd`` scores with held to a recount."""

from __future__ import annotations

import numpy as np
import pytest

from actors.scheduling.fragmentation import Fragmentation, TypicalTasks, typical_tasks
from actors.scheduling.gpu import WHOLE, GpuNodes, Request

SHARE = Request(1000, 0, 1, 500)
CPU_ONLY = Request(0, 0, 0, 0)
BIG = Request(8000, 0, 1, WHOLE)


def one_node(free: list[int], cpu_free: int = 4000, model: str = "T4") -> GpuNodes:
    state = GpuNodes(["n"], [cpu_free], [1 << 20], [len(free)], [model])
    state.dev_free[0, :len(free)] = free
    return state


def test_typical_tasks_are_the_most_frequent_shapes_covering_95_percent():
    workload = [SHARE] * 60 + [CPU_ONLY] * 30 + [BIG] * 6 + [Request(1, 0, 1, 100)] * 4
    typical = typical_tasks([Request(r.cpu, 7, r.count, r.share) for r in workload])  # memory is no part of a shape
    assert typical.shapes == (SHARE, CPU_ONLY, BIG)
    assert typical.weights == pytest.approx((60 / 96, 30 / 96, 6 / 96))
    assert typical.coverage == pytest.approx(0.96)
    assert typical_tasks([]) == TypicalTasks((), (), 0.0)


def test_equally_frequent_shapes_come_larger_first():
    typical = typical_tasks([Request(1000, 0, 1, 200), Request(2000, 0, 1, 100)], coverage=0.5)
    assert typical.shapes == (Request(2000, 0, 1, 100),)


def test_a_nodes_fragmentation_is_the_weighted_sum_over_typical_tasks():
    # devices 1000, 300, 0 free; 4000 millicores free
    frag = Fragmentation(one_node([1000, 300, 0]), TypicalTasks((SHARE, CPU_ONLY, BIG), (0.5, 0.25, 0.25), 1.0))
    # SHARE fits: only the 300 + 0 on devices too small for it; CPU_ONLY: all 1300; BIG lacks cpu: all 1300
    assert frag.of_node[0] == pytest.approx(0.5 * 300 + 0.25 * 1300 + 0.25 * 1300)
    assert frag.total == pytest.approx(800)


@pytest.mark.parametrize(("free", "cpu", "model", "expected"), [
    ([1000, 1000], 4000, "T4", 0),  # fits on whole free devices: no fragment
    ([400, 400], 4000, "T4", 800),  # 800 free, no device holds 500
    ([1000, 1000], 500, "T4", 2000),  # lacks cpu
    ([1000, 1000], 4000, "A100", 2000),  # a model the task does not accept
])
def test_free_room_is_fragment_for_a_task_that_cannot_use_it(free, cpu, model, expected):
    shape = Request(1000, 0, 1, 500, frozenset({"T4"}))
    frag = Fragmentation(one_node(free, cpu, model), TypicalTasks((shape,), (1.0,), 1.0))
    assert frag.of_node[0] == expected


def _random_state(rng: np.random.Generator) -> GpuNodes:
    n = 12
    gpus = rng.integers(0, 9, n)
    state = GpuNodes([f"n{i}" for i in range(n)], rng.integers(1, 9, n) * 8000, [1 << 20] * n, gpus,
                     rng.choice(["T4", "V100"], n).tolist())
    for i in range(n):
        state.cpu_free[i] = rng.integers(0, state.cpu_capacity[i] + 1)
        for d in range(gpus[i]):
            state.dev_free[i, d] = rng.choice([0, 150, 300, 500, 700, 1000])
    return state


@pytest.mark.parametrize("seed", range(20))
def test_the_fragmentation_a_placement_would_leave_is_that_of_a_recount_after_it(seed):
    rng = np.random.default_rng(seed)
    state = _random_state(rng)
    shapes = (Request(2000, 0, 1, 500), Request(0, 0, 0, 0), Request(4000, 0, 2, WHOLE), Request(1000, 0, 1, 250),
              Request(8000, 0, 1, 700, frozenset({"V100"})))
    frag = Fragmentation(state, TypicalTasks(shapes, (0.4, 0.2, 0.1, 0.2, 0.1), 1.0))
    for request in (Request(1000, 0, 1, 300), Request(1000, 0, 0, 0), Request(3000, 0, 2, WHOLE)):
        rows = np.flatnonzero(state.feasible(request))
        if request.share and request.share < WHOLE:
            pairs = np.argwhere(state.dev_free[rows] >= request.share)
            predicted = frag.after_share(rows[pairs[:, 0]], pairs[:, 1], request)
            placements = [(rows[r], (d,)) for r, d in pairs]
        else:
            predicted = frag.after_whole(rows, request)
            placements = [(r, state.default_devices(r, request)) for r in rows]
        for (node, devices), expected in zip(placements, predicted):
            state.book(node, request, devices)
            frag.refresh([node])
            assert frag.of_node[node] == pytest.approx(expected)
            state.release(node, request, devices)
            frag.refresh([node])
