"""The openb trace format (Alibaba's GPU cluster trace of 2023, used by the
paper "Beware of Fragmentation", USENIX ATC 2023): its node and pod lists,
read into plain records with a clear error for a bad line.

Nodes: ``sn, cpu_milli, memory_mib, gpu, model`` (``gpu`` devices of GPU
``model``; the model empty for a node without GPUs). Pods: ``name,
cpu_milli, memory_mib, num_gpu, gpu_milli, gpu_spec, qos, pod_phase,
creation_time, deletion_time, scheduled_time``: ``num_gpu`` devices, each
used ``gpu_milli`` thousandths (below 1000 only for a single shared device);
``gpu_spec`` the models it accepts, ``|``-separated (empty: any); times in
seconds from the trace's start, ``scheduled_time`` empty for a pod never
placed. The columns after ``gpu_milli`` may be missing (see POD_COLUMNS).

The trace files are read where they are (``../shared/traces/openb/``) and
never copied into this repository; tests write small files of their own.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable
from pathlib import Path

NODE_COLUMNS = ("sn", "cpu_milli", "memory_mib", "gpu", "model")
POD_COLUMNS = ("name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli")
"""The columns a pod list must have; ``gpu_spec, qos, pod_phase,
creation_time, deletion_time, scheduled_time`` may be missing (the
``multigpuNN`` lists have only these five): then every model is accepted and
every time is 0 or unknown."""
MAX_GPUS = 64  # devices on one node: more is a broken file, not a machine


class TraceError(ValueError):
    """A trace file that cannot be read: names the file, the line and the field."""


@dataclasses.dataclass(frozen=True, slots=True)
class TraceNode:
    name: str
    cpu: int  # millicores
    memory: int  # MiB
    gpus: int  # devices
    model: str  # "" without GPUs


@dataclasses.dataclass(frozen=True, slots=True)
class TracePod:
    name: str
    cpu: int  # millicores
    memory: int  # MiB
    gpu: int
    """Thousandths of a device: a share (1-999) of one device, or 1000 per
    whole device (2000 = two devices); 0 without GPU."""
    models: frozenset[str]  # the GPU models it accepts; empty: any
    creation: float = 0.0
    deletion: float | None = None
    scheduled: float | None = None
    phase: str = ""

    @property
    def gpu_count(self) -> int:
        """Devices it takes: 1 for a share."""
        return 0 if self.gpu == 0 else max(self.gpu // 1000, 1)

    @property
    def gpu_share(self) -> int:
        """Thousandths of each device it takes."""
        return 0 if self.gpu == 0 else min(self.gpu, 1000)


def _rows(path: Path, columns: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    try:
        handle = open(path, newline="", encoding="utf-8")
    except OSError as exc:
        raise TraceError(f"{path}: cannot be read: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise TraceError(f"{path}: not an openb file: the header lacks {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            yield line, row


def _int(path: Path, line: int, row: dict[str, str], column: str, low: int = 0, high: int | None = None) -> int:
    text = (row.get(column) or "").strip()
    try:
        value = int(text)
    except ValueError:
        raise TraceError(f"{path}:{line}: {column} must be a whole number, not {text[:30]!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise TraceError(f"{path}:{line}: {column} must be {bound}, not {value}")
    return value


def _time(path: Path, line: int, row: dict[str, str], column: str) -> float | None:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise TraceError(f"{path}:{line}: {column} must be a number of seconds, not {text[:30]!r}") from None


def read_nodes(path: str | Path) -> list[TraceNode]:
    path = Path(path)
    nodes, seen = [], set()
    for line, row in _rows(path, NODE_COLUMNS):
        name = (row["sn"] or "").strip()
        if not name or name in seen:
            raise TraceError(f"{path}:{line}: sn must be a name of its own, not {name[:60]!r}")
        seen.add(name)
        gpus = _int(path, line, row, "gpu", 0, MAX_GPUS)
        model = (row["model"] or "").strip()
        nodes.append(TraceNode(name, _int(path, line, row, "cpu_milli"), _int(path, line, row, "memory_mib"),
                               gpus, model if gpus else ""))
    if not nodes:
        raise TraceError(f"{path}: holds no nodes")
    return nodes


def read_pods(path: str | Path) -> list[TracePod]:
    path = Path(path)
    pods, seen = [], set()
    for line, row in _rows(path, POD_COLUMNS):
        name = (row["name"] or "").strip()
        if not name or name in seen:
            raise TraceError(f"{path}:{line}: name must be a name of its own, not {name[:60]!r}")
        seen.add(name)
        count = _int(path, line, row, "num_gpu", 0, MAX_GPUS)
        milli = _int(path, line, row, "gpu_milli", 0, 1000)
        if count == 0:
            gpu = 0
        elif count == 1:
            if milli == 0:
                raise TraceError(f"{path}:{line}: gpu_milli must be 1 to 1000 for a pod with a GPU, not 0")
            gpu = milli
        else:
            if milli != 1000:
                raise TraceError(f"{path}:{line}: gpu_milli must be 1000 for a pod of {count} GPUs (a share "
                                 f"never spans devices), not {milli}")
            gpu = count * 1000
        spec = (row.get("gpu_spec") or "").strip()
        pods.append(TracePod(
            name, _int(path, line, row, "cpu_milli"), _int(path, line, row, "memory_mib"), gpu,
            frozenset(m for m in spec.split("|") if m), _time(path, line, row, "creation_time") or 0.0,
            _time(path, line, row, "deletion_time"), _time(path, line, row, "scheduled_time"),
            (row.get("pod_phase") or "").strip(),
        ))
    if not pods:
        raise TraceError(f"{path}: holds no pods")
    return pods
