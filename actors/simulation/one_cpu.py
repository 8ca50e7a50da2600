"""Run a replay's threads on one CPU.

A replay hands every moment's work from thread to thread (the replay's
loop, the datastore, the controller, the scheduler, the kubelet, the event
recorder), and under the GIL only one of them runs at a time anyway. Spread
over several CPUs, each hand-over wakes a thread on another CPU (an
inter-processor interrupt, slow on a virtual machine) and moves the
interpreter's state between caches; on one CPU it is a context switch.
Measured on the 2-core VM of scripts/README (2026-12-02, a synthetic
30,000 tasks on 10,000 nodes): 42.4 s spread, 24.9 s on one CPU, with the
same event log.

Linux gives a new thread its creator's affinity, so the actors started
inside :func:`one_cpu` all run on the CPU it picks. Where the platform has
no ``sched_setaffinity``, nothing changes.

Tried and left out: ``SCHED_BATCH`` (no wake-up preemption). With Pykka's
condition-based futures it took the involuntary context switches of that
replay from 653,000 to 560; once the actors' futures and inboxes were
SimpleQueues (:class:`actors.reply.SlotFuture`) there were fewer than 2,000
either way, it gained nothing measurable (100,000 tasks: 65.5 and 70.6 s
with it, 61.8 and 67.9 s without), and a batch thread sharing its CPU with
a busy process waits out that process's time slice at every hand-over.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

logger = logging.getLogger(__name__)


def current_cpu() -> int | None:
    """The CPU the calling thread last ran on (field 39 of its ``stat``),
    or None where there is no such file."""
    try:
        with open("/proc/thread-self/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()  # after "pid (comm) ": field 3 onwards
    try:
        return int(fields[39 - 3])
    except (IndexError, ValueError):
        return None


def pick(allowed: set[int], current: int | None) -> int:
    """The CPU to stay on: the one the thread runs on if it may (the kernel
    put it on a CPU with room), else the lowest allowed."""
    return current if current in allowed else min(allowed)


@contextlib.contextmanager
def one_cpu() -> Iterator[int | None]:
    """Hold the calling thread, and every thread it starts meanwhile, to one
    of the CPUs it may use; give the calling thread its CPUs back after.
    Yields the CPU, or None where affinity cannot be set."""
    if not hasattr(os, "sched_setaffinity"):
        yield None
        return
    allowed = os.sched_getaffinity(0)
    cpu = pick(allowed, current_cpu())
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as error:  # a container may forbid it: run spread as before
        logger.debug("cannot hold the replay to CPU %d: %s", cpu, error)
        yield None
        return
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, allowed)
