"""GPU requests and the nodes' columns: what fits where, which devices a
task takes, and booking."""

from __future__ import annotations

import numpy as np
import pytest

from actors.scheduling.gpu import NO_DEVICE, WHOLE, GpuNodes, Request


def nodes() -> GpuNodes:
    """a: 2 T4, b: 4 V100, c: no GPU."""
    return GpuNodes(["a", "b", "c"], [8000, 16000, 32000], [1024, 4096, 4096], [2, 4, 0], ["T4", "V100", ""])


@pytest.mark.parametrize(("gpu", "count", "share"), [(0, 0, 0), (500, 1, 500), (1000, 1, 1000), (3000, 3, 1000)])
def test_a_gpu_amount_is_a_share_of_one_device_or_whole_devices(gpu, count, share):
    request = Request.of_gpu(100, 10, gpu)
    assert (request.count, request.share, request.gpu) == (count, share, gpu)


def test_more_than_one_device_must_be_whole_devices():
    with pytest.raises(ValueError, match="whole devices, not 1.5"):
        Request.of_gpu(100, 10, 1500)


def test_columns_hold_each_device_and_no_more():
    state = nodes()
    assert state.devices == 4 and state.max_gpu == 4 * WHOLE and state.gpu_capacity == 6 * WHOLE
    assert state.dev_free.tolist() == [[WHOLE, WHOLE, NO_DEVICE, NO_DEVICE], [WHOLE] * 4, [NO_DEVICE] * 4]
    assert state.gpu_free.tolist() == [2000, 4000, 0]


@pytest.mark.parametrize(("request_", "feasible"), [
    (Request(1000, 100), [True, True, True]),
    (Request(9000, 100), [False, True, True]),
    (Request(1000, 2000), [False, True, True]),
    (Request(1000, 100, 1, 500), [True, True, False]),
    (Request(1000, 100, 3, WHOLE), [False, True, False]),
    (Request(1000, 100, 1, 500, frozenset({"V100", "A100"})), [False, True, False]),
    (Request(1000, 100, 0, 0, frozenset({"V100"})), [True, True, True]),  # no GPU: no model to match
])
def test_a_node_is_feasible_when_cpu_memory_gpu_and_model_fit(request_, feasible):
    assert nodes().feasible(request_).tolist() == feasible


def test_shares_add_up_to_one_device_at_most_and_never_span_two():
    state = nodes()
    share = Request(0, 0, 1, 600)
    for _ in range(2):
        state.book(0, share, state.default_devices(0, share))
    assert state.dev_free[0, :2].tolist() == [400, 400]
    assert not state.feasible(share)[0]
    assert not state.feasible(Request(0, 0, 1, 500))[0]  # 800 free, but on two devices
    assert state.feasible(Request(0, 0, 1, 400))[0]


def test_a_share_takes_the_tightest_device_and_whole_devices_the_lowest_free():
    state = nodes()
    state.book(1, Request(0, 0, 1, 300), (2,))
    state.book(1, Request(0, 0, 1, 600), (3,))
    assert state.tightest_device(1, 300) == 3  # 400 free: the least that still fits
    assert state.tightest_device(1, 500) == 2  # 700 free
    assert state.whole_devices(1, 2) == (0, 1)
    assert state.default_devices(1, Request(0, 0, 2, WHOLE)) == (0, 1)


def test_book_and_release_move_cpu_memory_devices_and_kinds():
    state = nodes()
    request = Request(2000, 512, 2, WHOLE)
    state.book(1, request, (0, 1))
    assert (state.cpu_free[1], state.memory_free[1], state.gpu_free[1]) == (14000, 3584, 2000)
    assert state.kinds[1, request.kind] == 1 and state.gpu_allocated == 2000
    state.release(1, request, (0, 1))
    assert state.gpu_free.tolist() == [2000, 4000, 0] and not state.kinds.any()
    with pytest.raises(ValueError, match="2 device"):
        state.book(1, request, (0,))
    assert np.array_equal(state.cpu_free, state.cpu_capacity)
