#!/usr/bin/env python3
"""A soak: one server on SQLite under mixed load for a long while; does
anything grow without bound?

    .venv/bin/python scripts/soak.py                 # 30 minutes, a sample a minute
    .venv/bin/python scripts/soak.py --quick         # 15 seconds, a sample every 5 (the suite runs it)

The load, all at once, from threads of this process:

- tasks created at --rate a second (100-500 millicores, 1-5 s long), the
  finished ones deleted a second later, and one in ten deleted while running;
- every 10 s a node marked unhealthy, and marked healthy again 5 s later
  (its tasks are placed elsewhere meanwhile);
- three deployments scaled between 0 and 8 replicas every 3 s;
- watches opened and dropped: the event stream (``/events?watch=true``) and
  a Kubernetes pod watch (``/api/v1/pods?watch=true``), each held 1-4 s.

Every sample prints the server's resident set size, open descriptors and
threads (from /proc), and the p99 latency and count of the requests since the
last sample. The verdict, after --warmup (5 minutes): the RSS stays within 10%
of its value then, and descriptors and threads stay flat (at most a few more
than then, for connections and watches in flight at the moment of the
sample); no request got a 5xx or no answer. --quick checks the answers only
and prints the growth figures without judging them (15 seconds tell nothing
about growth). Exits 0 when the verdict holds, 1 when not.

The event log is a ring of --max-events entries (the server's flag): the
soak sets it to 20,000 so that the ring is full within the warm-up, and what
is measured afterwards is leaks rather than the ring filling up.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from api.client.loadgen import Client, ServerProcess, percentile  # noqa: E402

NODES = 20
DEPLOYMENTS = 3
RSS_GROWTH = 0.10  # at most 10% over the value after the warm-up
FD_SLACK = 12  # connections and watches in flight at a sample
THREAD_SLACK = 2


@dataclasses.dataclass
class Sample:
    at: float  # seconds since the load began
    rss_mb: float
    fds: int
    threads: int
    requests: int
    p99_ms: float | None
    errors: int


def process_figures(pid: int) -> tuple[float, int, int]:
    """(RSS in MB, open descriptors, threads) of a process, from /proc."""
    rss = threads = 0
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])  # kB
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss / 1024, len(os.listdir(f"/proc/{pid}/fd")), threads


class Meter:
    """Latencies and errors of the requests since the last ``take``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latencies: list[float] = []
        self._errors: list[str] = []

    def call(self, client: Client, method: str, path: str, body=None, ok=(200, 201, 204, 404, 409)) -> tuple[int, object]:
        began = time.monotonic()
        try:
            status, answer = client.request(method, path, body)
        except (OSError, http.client.HTTPException) as exc:
            with self._lock:
                self._errors.append(f"{method} {path}: no answer ({exc})")
            return 0, None
        with self._lock:
            self._latencies.append(time.monotonic() - began)
            if status not in ok:
                self._errors.append(f"{method} {path}: {status} {str(answer)[:200]}")
        return status, answer

    def error(self, text: str) -> None:
        with self._lock:
            self._errors.append(text)

    def take(self) -> tuple[list[float], list[str]]:
        with self._lock:
            taken = sorted(self._latencies), self._errors
            self._latencies, self._errors = [], []
        return taken


class Load:
    """The mixed load: each ``_loop`` a thread of its own until ``stop``."""

    def __init__(self, url: str, rate: float, seed: int) -> None:
        self.url = url
        self.rate = rate
        self.seed = seed
        self.meter = Meter()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def set_up(self) -> None:
        client = Client(self.url)
        for i in range(NODES):
            self.meter.call(client, "POST", "/nodes", {"id": f"n{i}", "capacity": {"cpu": 8000, "memory": 16384}})
        for i in range(DEPLOYMENTS):
            self.meter.call(client, "POST", "/deployments",
                            {"id": f"d{i}", "replicas": 2, "template": {"resources": {"cpu": 200, "memory": 256}}})
        client.close()

    def start(self) -> None:
        for name, loop in (("churn", self._churn), ("reap", self._reap), ("flap", self._flap),
                           ("scale", self._scale), ("watch-events", self._watch_events),
                           ("watch-pods", self._watch_pods)):
            thread = threading.Thread(target=self._run, args=(loop,), name=f"soak-{name}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _run(self, loop: Callable[[Client, random.Random], None]) -> None:
        client = Client(self.url, timeout=30)
        rng = random.Random(f"{self.seed}-{loop.__name__}")
        try:
            loop(client, rng)
        except Exception as exc:  # reported as an error of the run, not a silent dead thread
            self.meter.error(f"{loop.__name__} stopped: {exc!r}")
        finally:
            client.close()

    def _churn(self, client: Client, rng: random.Random) -> None:
        n = 0
        while not self.stop.wait(rng.expovariate(self.rate)):
            n += 1
            self.meter.call(client, "POST", "/tasks", {
                "id": f"t{n}", "resources": {"cpu": rng.randrange(100, 501, 100), "memory": 128},
                "duration": round(rng.uniform(1, 5), 2)})
            if n % 10 == 0:
                self.meter.call(client, "DELETE", f"/tasks/t{rng.randrange(max(1, n - 20), n + 1)}")

    def _reap(self, client: Client, rng: random.Random) -> None:
        while not self.stop.wait(1.0):
            for status in ("succeeded", "failed"):
                _, done = self.meter.call(client, "GET", f"/tasks?status={status}")
                for task in done or []:
                    if task.get("owner") is None:
                        self.meter.call(client, "DELETE", f"/tasks/{task['id']}")

    def _flap(self, client: Client, rng: random.Random) -> None:
        while not self.stop.wait(10.0):
            node = f"n{rng.randrange(NODES)}"
            self.meter.call(client, "PUT", f"/nodes/{node}", {"healthy": False})
            self.stop.wait(5.0)
            self.meter.call(client, "PUT", f"/nodes/{node}", {"healthy": True})

    def _scale(self, client: Client, rng: random.Random) -> None:
        while not self.stop.wait(3.0):
            self.meter.call(client, "PUT", f"/deployments/d{rng.randrange(DEPLOYMENTS)}", {"replicas": rng.randrange(9)})

    def _watch(self, rng: random.Random, path: Callable[[http.client.HTTPConnection], str]) -> None:
        """Open a stream, read it for 1-4 s, drop it; again."""
        parts = urllib.parse.urlsplit(self.url)
        while not self.stop.is_set():
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            try:
                where = path(conn)
                conn.request("GET", where)
                sock = conn.sock  # the connection lets go of it once a response that ends with it arrives
                response = conn.getresponse()
                if response.status != 200:
                    self.meter.error(f"GET {where}: {response.status}")
                else:
                    deadline = time.monotonic() + rng.uniform(1, 4)
                    sock.settimeout(0.5)
                    while time.monotonic() < deadline and not self.stop.is_set():
                        try:
                            if not response.read1(65536):
                                break
                        except TimeoutError:  # quiet for a while: drop it now (a timed-out reader cannot go on)
                            break
            except (OSError, http.client.HTTPException) as exc:
                self.meter.error(f"watch: {exc!r}")
            finally:
                conn.close()  # the drop: the server notices at its next write
            self.stop.wait(rng.uniform(0.2, 1.0))

    def _watch_events(self, client: Client, rng: random.Random) -> None:
        def from_now(conn: http.client.HTTPConnection) -> str:
            # Where the log is now (X-Last-Seq): a watch from 0 would be refused (410) once the ring has rolled.
            conn.request("GET", "/events?limit=1")
            response = conn.getresponse()
            response.read()
            return f"/events?watch=true&since={response.headers['X-Last-Seq']}"

        self._watch(rng, from_now)

    def _watch_pods(self, client: Client, rng: random.Random) -> None:
        self._watch(rng, lambda conn: "/api/v1/pods?watch=true")


def judge(samples: list[Sample], warmup: float) -> list[str]:
    """What grew: against the first sample at or after the warm-up."""
    after = [s for s in samples if s.at >= warmup]
    if len(after) < 2:
        return [f"too few samples after the {warmup:.0f} s warm-up to judge growth"]
    base, rest = after[0], after[1:]
    problems = []
    if max(s.rss_mb for s in rest) > base.rss_mb * (1 + RSS_GROWTH):
        problems.append(f"RSS grew from {base.rss_mb:.0f} MB to {max(s.rss_mb for s in rest):.0f} MB "
                        f"(more than {RSS_GROWTH:.0%})")
    if max(s.fds for s in rest) > base.fds + FD_SLACK:
        problems.append(f"descriptors grew from {base.fds} to {max(s.fds for s in rest)}")
    if max(s.threads for s in rest) > base.threads + THREAD_SLACK:
        problems.append(f"threads grew from {base.threads} to {max(s.threads for s in rest)}")
    return problems


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=30.0, help="length of the load (default 30)")
    p.add_argument("--interval", type=float, default=60.0, help="seconds between samples (default 60)")
    p.add_argument("--warmup", type=float, default=5.0, help="minutes before growth is judged (default 5)")
    p.add_argument("--rate", type=float, default=20.0, help="tasks created a second (default 20)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="15 s, a sample every 5 s, growth not judged")
    p.add_argument("--json", metavar="OUT", help="write the samples and the verdict as JSON")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.quick:
        args.minutes, args.interval, args.warmup = 15 / 60, 5.0, 5 / 60
    if not (args.minutes > 0 and args.interval > 0 and args.warmup >= 0 and args.rate > 0):
        parser().error("--minutes, --interval and --rate must be more than 0, --warmup at least 0")
    samples: list[Sample] = []
    with tempfile.TemporaryDirectory(prefix="soak-") as directory, \
            ServerProcess("--store", f"sqlite:{directory}/soak.db", "--max-events", "20000") as server:
        pid = server.process.pid
        load = Load(server.url, args.rate, args.seed)
        load.set_up()
        began = time.monotonic()
        load.start()
        errors: list[str] = []
        print(f"{'minute':>7} {'RSS MB':>7} {'fds':>5} {'threads':>7} {'requests':>8} {'p99 ms':>7} {'errors':>6}")
        try:
            while (elapsed := time.monotonic() - began) < args.minutes * 60:
                load.stop.wait(min(args.interval, args.minutes * 60 - elapsed))
                latencies, failed = load.meter.take()
                errors += failed
                rss, fds, threads = process_figures(pid)
                p99 = percentile(latencies, 99)
                sample = Sample(round(time.monotonic() - began, 1), round(rss, 1), fds, threads, len(latencies),
                                None if p99 is None else round(p99 * 1000, 1), len(failed))
                samples.append(sample)
                print(f"{sample.at / 60:7.1f} {sample.rss_mb:7.1f} {sample.fds:5d} {sample.threads:7d} "
                      f"{sample.requests:8d} {sample.p99_ms if sample.p99_ms is not None else '-':>7} "
                      f"{sample.errors:6d}", flush=True)
                for error in failed[:3]:
                    print(f"        error: {error}", flush=True)
        finally:
            load.finish()
        errors += load.meter.take()[1]
        exit_code = server.stop()
    growth = judge(samples, args.warmup * 60)
    problems = [f"{len(errors)} request(s) failed, the first: {errors[0]}"] if errors else []
    if exit_code != 0:
        problems.append(f"the server exited with {exit_code}")
    if args.quick:
        print("growth (not judged in --quick): " + ("; ".join(growth) or "none"))
    else:
        problems += growth
    print("verdict: " + ("nothing grew, every request answered" if not problems else "FAILED: " + "; ".join(problems)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"samples": [dataclasses.asdict(s) for s in samples], "problems": problems,
                       "growth": growth}, f, indent=2)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
