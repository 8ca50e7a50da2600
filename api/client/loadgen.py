"""Drive a running server over HTTP: concurrent keep-alive clients.

Used by the benchmark and load scripts in ``scripts/``; plain ``http.client``
(one connection per client thread) because a heavier client would measure
itself instead of the server.
"""

from __future__ import annotations

import collections
import dataclasses
import http.client
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
"""The project's directory: child processes run there, so ``python -m api.cli``
imports this checkout, not whichever one the virtualenv was installed from."""


@dataclasses.dataclass
class Run:
    """What a load run saw: request count, seconds, latencies (s), statuses."""

    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = dataclasses.field(default_factory=list)
    statuses: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return percentile(sorted(self.latencies), p) if self.latencies else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rate": round(self.rate, 1),
            "p50_ms": round(self.percentile(50) * 1000, 2),
            "p99_ms": round(self.percentile(99) * 1000, 2),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2) if self.latencies else 0.0,
            "statuses": dict(self.statuses),
        }


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0 < p <= 100) of values sorted ascending, by
    nearest rank: the smallest value with at least p% of the values at or
    below it (so p99 of 100 values is the 99th, not the largest). None for
    no values."""
    if not 0 < p <= 100:
        raise ValueError(f"percentile must be in (0, 100], not {p}")
    if not ordered:
        return None
    rank = math.ceil(len(ordered) * p / 100 - 1e-9)  # guard 0.1 * 300 = 30.000000000000004
    return ordered[max(rank, 1) - 1]


class Client:
    """One keep-alive connection; ``request`` returns (status, parsed body)."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self._conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        try:
            self._conn.request(method, path, body=payload, headers=headers)
            response = self._conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self._conn.close()
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            raise
        try:
            parsed = json.loads(data) if data else None
        except ValueError:  # not JSON (a proxy's error page): the status still counts
            parsed = data.decode("utf-8", "replace")
        return response.status, parsed

    def close(self) -> None:
        self._conn.close()


class Pacer:
    """Hands out the indexes ``0..count-1`` to any number of threads, each
    index no earlier than ``index / rate`` seconds after the first was
    handed out (``rate`` 0: at once). The schedule is fixed in advance, so
    a client that fell behind catches up instead of lowering the rate."""

    def __init__(
        self,
        count: int,
        rate: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.count = count
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0
        self._start: float | None = None

    @property
    def claimed(self) -> int:
        return self._next

    def claim(self) -> int | None:
        """The next index, once it is due; None when all are handed out."""
        with self._lock:
            if self._next >= self.count:
                return None
            index = self._next
            self._next += 1
            if self._start is None:
                self._start = self._clock()
            start = self._start
        if self.rate > 0:
            delay = start + index / self.rate - self._clock()
            if delay > 0:
                self._sleep(delay)
        return index


def run_clients(url: str, clients: int, work: Callable[[Client], None]) -> None:
    """Run ``work(client)`` in ``clients`` threads, each with its own
    keep-alive :class:`Client`, until all return. The first exception a
    thread raised is raised here once every thread has ended."""
    errors: list[BaseException] = []

    def worker() -> None:
        client = Client(url)
        try:
            work(client)
        except BaseException as exc:  # handed to the caller below
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def hammer(
    url: str,
    clients: int,
    seconds: float,
    make_request: Callable[[int, int], tuple[str, str, Any]],
) -> Run:
    """``clients`` threads send ``make_request(client, n)`` -> (method, path,
    body) back to back for ``seconds``; returns what they saw."""
    run = Run()
    lock = threading.Lock()
    stop = threading.Event()
    start_line = threading.Barrier(clients + 1)

    def worker(index: int) -> None:
        client = Client(url)
        latencies: list[float] = []
        statuses: collections.Counter = collections.Counter()
        n = 0
        start_line.wait()
        try:
            while not stop.is_set():
                method, path, body = make_request(index, n)
                n += 1
                began = time.perf_counter()
                try:
                    status, _ = client.request(method, path, body)
                except (http.client.HTTPException, OSError):
                    status = 0  # connection error
                latencies.append(time.perf_counter() - began)
                statuses[status] += 1
        finally:
            client.close()
            with lock:
                run.latencies.extend(latencies)
                run.statuses.update(statuses)
                run.requests += len(latencies)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - began
    return run


class ServerProcess:
    """``orchestrator serve --port 0 ARGS`` in a child process, for benchmarks,
    load runs and end-to-end tests. ``quiet`` logs warnings only. The log goes
    to a file: a pipe nobody reads fills up and blocks the server. ``module``
    runs another module's ``serve`` command line instead (``api.baseline``,
    the bare app benchmarks compare with)."""

    def __init__(self, *args: str, quiet: bool = True, module: str = "api.cli") -> None:
        self._log = tempfile.TemporaryFile(mode="w+")
        level = ("--log-level", "warning") if quiet else ()
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, "serve", "--port", "0", *level, *args],
            stdout=subprocess.PIPE, stderr=self._log, text=True,
            cwd=ROOT,
        )
        line = self.process.stdout.readline()  # "orchestrator serving on http://127.0.0.1:PORT"
        if "serving on" not in line:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"server did not start: {line}{self.stderr()}")
        self.url = line.rsplit(" ", 1)[1].strip()

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 10) -> int:
        """Send ``signum`` and return the exit code; a server still running
        after ``timeout`` seconds is killed (and its code is then -9)."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stderr(self) -> str:
        self._log.seek(0)
        return self._log.read()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
