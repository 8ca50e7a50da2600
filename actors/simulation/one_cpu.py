"""Run a replay's threads on one CPU, as batch threads.

A replay hands every moment's work from thread to thread (the replay's
loop, the datastore, the controller, the scheduler, the kubelet, the event
recorder), and under the GIL only one of them runs at a time anyway. Spread
over several CPUs, each hand-over wakes a thread on another CPU (an
inter-processor interrupt, slow on a virtual machine) and moves the
interpreter's state between caches; on one CPU it is a context switch.
Measured on the 2-core VM of scripts/README (2026-12-02, a synthetic
30,000 tasks on 10,000 nodes): 42.4 s spread, 24.9 s on one CPU, with the
same event log.

The threads also run under ``SCHED_BATCH``, which any user may ask for: a
thread woken by another's message then waits for the waker to block (on
its own reply, as it does at once) instead of preempting it while it holds
the GIL, only to find it cannot run and switch back. On the same replay
that took the involuntary context switches from 653,000 to 560 and the
kernel's time from 4.9 s to 2.7 s.

A million tasks on 10,000 nodes took 10 min 11 s with it and 12 min 1 s
without (18 million involuntary switches).

Both only pay on a CPU the replay has to itself: a batch thread sharing its
CPU with a busy process waits out that process's time slice at every
hand-over (a 20-task replay took 5 s beside the test suite's other worker).
So a replay takes the CPU that was idlest over a tenth of a second before
it starts (``/proc/stat``), and only if that one was idle at least half of
it; otherwise its threads run as any others. (The load average would not
do: a replay's own threads, queued on its one CPU, keep it near 2, and the
next policy's run would find no CPU to spare.)

Linux gives a new thread its creator's affinity and policy, so the actors
started inside :func:`one_cpu` all run on the CPU it picks, as batch
threads. Where the platform has no ``sched_setaffinity``, nothing changes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator

logger = logging.getLogger(__name__)

IDLE_WINDOW = 0.1
"""Seconds over which the CPUs' idle time is measured before a replay."""
SPARE = 0.5
"""The least share of that time the chosen CPU must have been idle."""


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
    """The CPU to stay on when nothing says which is idle: the one the
    thread runs on if it may, else the lowest allowed."""
    return current if current in allowed else min(allowed)


def idle_shares(window: float = IDLE_WINDOW) -> dict[int, float] | None:
    """Each CPU's share of ``window`` seconds spent idle (or waiting for
    I/O), from two reads of ``/proc/stat``; None where there is none."""
    first = _cpu_times()
    if first is None:
        return None
    time.sleep(window)  # a measurement over wall time: nothing to wait on instead
    second = _cpu_times() or {}
    shares = {}
    for cpu, (idle, total) in second.items():
        before = first.get(cpu)
        if before is not None and total > before[1]:
            shares[cpu] = (idle - before[0]) / (total - before[1])
    return shares


def _cpu_times() -> dict[int, tuple[int, int]] | None:
    """Per CPU: (idle + iowait, all) jiffies since boot."""
    try:
        with open("/proc/stat") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    times = {}
    for line in lines:
        name, *fields = line.split()
        if name.startswith("cpu") and name[3:].isdigit():
            values = [int(v) for v in fields[:8]]
            times[int(name[3:])] = (values[3] + values[4], sum(values))
    return times


def choose(allowed: set[int], shares: dict[int, float] | None, current: int | None) -> int | None:
    """The idlest allowed CPU if it was idle at least :data:`SPARE` of the
    time, else None (no CPU to spare); without shares, :func:`pick`."""
    if shares is None:
        return pick(allowed, current)
    best = max(sorted(allowed), key=lambda cpu: shares.get(cpu, 0.0))
    return best if shares.get(best, 0.0) >= SPARE else None


@contextlib.contextmanager
def one_cpu() -> Iterator[int | None]:
    """Hold the calling thread, and every thread it starts meanwhile, to the
    idlest of the CPUs it may use, as batch threads, if that one was idle
    enough; give the calling thread its CPUs and policy back after.
    Yields the CPU, or None where affinity cannot be set."""
    if not hasattr(os, "sched_setaffinity"):
        yield None
        return
    allowed = os.sched_getaffinity(0)
    cpu = choose(allowed, idle_shares(), current_cpu()) if len(allowed) > 1 else None
    if cpu is None:
        logger.debug("no CPU to spare: the replay's threads are not held to one")
        yield None
        return
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as error:  # a container may forbid it: run spread as before
        logger.debug("cannot hold the replay to CPU %d: %s", cpu, error)
        yield None
        return
    policy = _batch()
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, allowed)
        if policy is not None:
            os.sched_setscheduler(0, *policy)


def _batch() -> tuple[int, os.sched_param] | None:
    """Put the calling thread under ``SCHED_BATCH``; the policy it had, to
    restore, or None if it was not changed."""
    try:
        before = (os.sched_getscheduler(0), os.sched_getparam(0))
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except (AttributeError, OSError) as error:
        logger.debug("cannot run the replay as batch threads: %s", error)
        return None
    return before
