"""Nodes with GPUs as columns, and what a task asks of them: the state every
placement policy (:mod:`actors.scheduling.policies`) filters and scores.

GPU amounts are in thousandths of a device (*milli-GPU*). A node has
``gpus`` devices of one ``model``; each device has a free amount from 0 to
1000. A task asks for ``count`` devices at ``share`` thousandths each: a
share below 1000 is one device shared with other tasks (the shares on a
device add up to at most 1000; a share never spans devices), 1000 is whole
devices (``count`` of them, each entirely free). A task without GPU has
``count`` 0.

:class:`GpuNodes` keeps the free cpu, memory and per-device GPU of every
node in NumPy arrays (``dev_free[n, d]``, -1 for a device the node does not
have), the GPU "kinds" each node runs (for ``gpu-clustering``), and books a
placement in O(devices). It is the one state both the scheduler and the
placement experiment drive. Pure: no threads, no clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

WHOLE = 1000  # milli-GPU in a device
NO_DEVICE = -1  # dev_free of a device slot a node does not have
KINDS = ("share",) + tuple(f"{k}-gpu" for k in range(1, 65))
"""A GPU task's kind, as ``gpu-clustering`` groups them: ``share`` for a
share of one device, else ``K-gpu`` for K whole devices."""


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """What one task asks for."""

    cpu: int = 0  # millicores
    memory: int = 0  # MiB
    count: int = 0  # devices
    share: int = 0  # milli-GPU of each device (1-1000); 0 without GPU
    models: frozenset[str] = frozenset()  # the GPU models it accepts; empty: any

    @property
    def gpu(self) -> int:
        """Its whole GPU request, in milli-GPU."""
        return self.count * self.share

    @property
    def kind(self) -> int:
        """Its index in KINDS; -1 without GPU."""
        if self.count == 0:
            return -1
        return 0 if self.share < WHOLE else self.count

    @staticmethod
    def of_gpu(cpu: int, memory: int, gpu: int, models: frozenset[str] = frozenset()) -> Request:
        """From a GPU amount as a task gives it: below 1000 a share of one
        device, else whole devices (a multiple of 1000)."""
        if gpu <= 0:
            return Request(cpu, memory, 0, 0, models)
        if gpu < WHOLE:
            return Request(cpu, memory, 1, gpu, models)
        if gpu % WHOLE:
            raise ValueError(f"a GPU request above one device must be whole devices, not {gpu / WHOLE:g}")
        return Request(cpu, memory, gpu // WHOLE, WHOLE, models)


class GpuNodes:
    """Every node's capacity and what is free on it, as columns."""

    def __init__(self, names: Sequence[str], cpu: Sequence[int], memory: Sequence[int], gpus: Sequence[int],
                 models: Sequence[str]) -> None:
        n = len(names)
        self.names = list(names)
        self.cpu_capacity = np.asarray(cpu, dtype=np.int64)
        self.memory_capacity = np.asarray(memory, dtype=np.int64)
        self.gpus = np.asarray(gpus, dtype=np.int64)
        self.devices = max(int(self.gpus.max(initial=0)), 1)
        self.cpu_free = self.cpu_capacity.copy()
        self.memory_free = self.memory_capacity.copy()
        slots = np.arange(self.devices)
        self.dev_free = np.where(slots[None, :] < self.gpus[:, None], WHOLE, NO_DEVICE).astype(np.int64)
        self.model_names = sorted({m for m in models if m})
        code = {m: i for i, m in enumerate(self.model_names)}
        self.model = np.asarray([code.get(m, -1) for m in models], dtype=np.int64)
        self.kinds = np.zeros((n, len(KINDS)), dtype=np.int64)  # GPU tasks of each kind on each node
        self.max_cpu = max(int(self.cpu_capacity.max(initial=0)), 1)
        self.max_gpu = max(int(self.gpus.max(initial=0)), 1) * WHOLE
        self.gpu_capacity = int(self.gpus.sum()) * WHOLE
        self._model_masks: dict[frozenset[str], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.names)

    # -- what is free --------------------------------------------------------

    @property
    def gpu_free(self) -> np.ndarray:
        """Free milli-GPU of each node, all its devices together."""
        return np.clip(self.dev_free, 0, None).sum(axis=1)

    @property
    def gpu_allocated(self) -> int:
        return self.gpu_capacity - int(self.gpu_free.sum())

    def model_ok(self, models: frozenset[str]) -> np.ndarray:
        """Nodes whose GPU model is one of ``models`` (all when empty)."""
        if not models:
            return np.ones(len(self), dtype=bool)
        mask = self._model_masks.get(models)
        if mask is None:
            codes = [i for i, m in enumerate(self.model_names) if m in models]
            mask = np.isin(self.model, codes)
            self._model_masks[models] = mask
        return mask

    def gpu_fits(self, request: Request) -> np.ndarray:
        """Nodes with ``count`` devices that each have ``share`` free."""
        if request.count == 0:
            return np.ones(len(self), dtype=bool)
        if request.count == 1:
            return (self.dev_free >= request.share).any(axis=1)
        return (self.dev_free >= request.share).sum(axis=1) >= request.count

    def feasible(self, request: Request) -> np.ndarray:
        """The nodes that can take the task: cpu, memory and GPU fit, and a
        GPU task's model constraint holds (a task without GPU has none)."""
        mask = (self.cpu_free >= request.cpu) & (self.memory_free >= request.memory)
        if request.count:
            mask &= self.gpu_fits(request)
            if request.models:
                mask &= self.model_ok(request.models)
        return mask

    # -- device choice -------------------------------------------------------

    def tightest_device(self, node: int, share: int) -> int:
        """The device with the least free room that still holds ``share``
        (the lowest-numbered among equals)."""
        free = self.dev_free[node]
        fitting = np.flatnonzero(free >= share)
        return int(fitting[np.argmin(free[fitting])])  # argmin: the first of equals

    def whole_devices(self, node: int, count: int) -> tuple[int, ...]:
        """The ``count`` lowest-numbered entirely free devices."""
        return tuple(int(d) for d in np.flatnonzero(self.dev_free[node] == WHOLE)[:count])

    def default_devices(self, node: int, request: Request) -> tuple[int, ...]:
        """Where a task goes on its node unless a policy says otherwise: a
        share on the tightest device, whole devices on the lowest free ones."""
        if request.count == 0:
            return ()
        if request.share < WHOLE:
            return (self.tightest_device(node, request.share),)
        return self.whole_devices(node, request.count)

    # -- booking -------------------------------------------------------------

    def book(self, node: int, request: Request, devices: Sequence[int]) -> None:
        """Take the task's resources on ``node``'s ``devices``."""
        self._change(node, request, devices, -1)

    def release(self, node: int, request: Request, devices: Sequence[int]) -> None:
        """Give back what :meth:`book` took."""
        self._change(node, request, devices, +1)

    def _change(self, node: int, request: Request, devices: Sequence[int], sign: int) -> None:
        if len(devices) != request.count:
            raise ValueError(f"a task of {request.count} device(s) was given {len(devices)}")
        self.cpu_free[node] += sign * request.cpu
        self.memory_free[node] += sign * request.memory
        for d in devices:
            self.dev_free[node, d] += sign * request.share
        if request.count:
            self.kinds[node, request.kind] -= sign
