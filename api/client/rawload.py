"""Keep-alive HTTP load that costs the client as little as Python allows.

:func:`api.client.loadgen.hammer` runs one ``http.client`` connection per thread in
the caller's process: fine for load runs, but at thousands of requests a
second its threads fight over one GIL and the client, not the server, sets
the pace. Here each of several client processes drives its share of the
connections from one thread with a ``selectors`` loop over raw sockets:
prebuilt request bytes, a status line and ``Content-Length`` parsed by hand,
one request in flight per connection (no pipelining). Each process reports
the CPU it used, so a run can show that the clients were not the bottleneck.

Processes start together: each connects, says ``ready``, and on ``go START``
sends from START; answers in the first ``warmup`` seconds are checked but
not timed; the window is the ``seconds`` after that; in-flight requests are
finished (and checked) after it.

Bodies come from a *body factory* named ``"module:function"``, called as
``factory(ident, n, *body_args) -> (body bytes, ids)``, where ``ident`` is
unique per connection and ``n`` counts its requests; ``ids`` are the records
the request creates, reported back when it gets the expected status so the
caller can check they all exist afterwards.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import os
import resource
import selectors
import socket
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from api.client.loadgen import Client, percentile

START_DELAY = 0.05  # seconds between "go" and the first request: every process gets it in time


@dataclasses.dataclass(frozen=True)
class Plan:
    url: str
    path: str = "/tasks"
    connections: int = 16
    processes: int = 2
    seconds: float = 5.0
    """The measured window, after the warm-up."""
    warmup: float = 1.0
    body: str = "api.client.rawload:task_body"
    body_args: tuple = ()
    prefix: str = "bench"
    """Starts every ``ident`` (so ids of different runs on one server differ)."""
    expect: int = 201
    """The status that acknowledges a request."""


@dataclasses.dataclass
class Result:
    """What the clients saw. ``requests`` and ``latencies`` (seconds) cover
    the measured window; ``statuses``, ``acked`` and ``samples`` every request."""

    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = dataclasses.field(default_factory=list)
    statuses: Counter = dataclasses.field(default_factory=Counter)
    acked: list[str] = dataclasses.field(default_factory=list)
    """The ids of every request answered with the expected status."""
    samples: list[tuple[str, int, str]] = dataclasses.field(default_factory=list)
    """(request body, status, answer body) of each connection's first request."""
    client_cpu: list[float] = dataclasses.field(default_factory=list)
    """Each client process's CPU seconds over the window, per second of window."""
    errors: list[str] = dataclasses.field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return percentile(sorted(self.latencies), p) if self.latencies else math.nan

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "rate": round(self.rate, 1),
            "p50_ms": round(self.percentile(50) * 1000, 2),
            "p99_ms": round(self.percentile(99) * 1000, 2),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "client_cpu": [round(c, 2) for c in self.client_cpu],
        }


# -- body factories ---------------------------------------------------------------------------


def task_fields(task_id: str) -> dict[str, Any]:
    """The task the create benchmarks send (its id aside): quantities as
    strings and a duration, as a client following the README would."""
    return {"id": task_id, "resources": {"cpu": "250m", "memory": "64Mi"}, "duration": 30}


def task_body(ident: str, n: int) -> tuple[bytes, list[str]]:
    task_id = f"{ident}-{n}"
    return json.dumps(task_fields(task_id)).encode(), [task_id]


def task_batch_body(ident: str, n: int, size: int) -> tuple[bytes, list[str]]:
    ids = [f"{ident}-{n}-{i}" for i in range(size)]
    return json.dumps([task_fields(i) for i in ids]).encode(), ids


def _factory(name: str) -> Callable[..., tuple[bytes, list[str]]]:
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
"""The project's directory, where the client processes run."""


# -- the parent -------------------------------------------------------------------------------


def run(plan: Plan) -> Result:
    """Drive ``plan.url`` from ``plan.processes`` client processes and merge what they saw."""
    shares = [list(range(p, plan.connections, plan.processes)) for p in range(plan.processes)]
    children = []
    try:
        for number, share in enumerate(shares):
            if not share:
                continue
            child = subprocess.Popen(
                [sys.executable, "-m", "api.client.rawload"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                text=True, cwd=ROOT,
            )
            children.append(child)
            config = {
                "url": plan.url, "path": plan.path, "body": plan.body, "body_args": list(plan.body_args),
                "idents": [f"{plan.prefix}-{c}" for c in share], "warmup": plan.warmup, "seconds": plan.seconds,
                "expect": plan.expect,
            }
            child.stdin.write(json.dumps(config) + "\n")
            child.stdin.flush()
        for child in children:
            line = child.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"a client process did not start: {line!r}")
        start = time.time() + START_DELAY
        for child in children:
            child.stdin.write(f"go {start!r}\n")
            child.stdin.flush()
        reports = [json.loads(child.stdout.read()) for child in children]
        for child in children:
            child.wait(timeout=30)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    result = Result(seconds=plan.seconds)
    for report in reports:
        result.requests += report["requests"]
        result.latencies.extend(report["latencies"])
        result.statuses.update({int(k): v for k, v in report["statuses"].items()})
        result.acked.extend(report["acked"])
        result.samples.extend((s[0], s[1], s[2]) for s in report["samples"])
        result.client_cpu.append(report["cpu"] / plan.seconds)
        result.errors.extend(report["errors"])
    return result


def process_cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user and system) process ``pid`` has used, from /proc;
    None where there is no /proc. Robust where requests per second are not:
    a busy machine slows a server down but barely changes what a request
    costs it."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stored_task_ids(url: str, prefix: str, page: int = 10_000) -> set[str]:
    """The ids of every task stored at ``url`` that start with ``prefix``."""
    client = Client(url)
    found: set[str] = set()
    after = ""
    try:
        while True:
            status, tasks = client.request("GET", f"/tasks?limit={page}{after}")
            if status != 200:
                raise RuntimeError(f"GET /tasks answered {status}: {str(tasks)[:200]}")
            found.update(t["id"] for t in tasks if t["id"].startswith(prefix))
            if len(tasks) < page:
                return found
            after = f"&after={tasks[-1]['id']}"
    finally:
        client.close()


# -- a client process -------------------------------------------------------------------------


class _Connection:
    __slots__ = ("ident", "sock", "buffer", "n", "sent_at", "ids", "body", "sampled")

    def __init__(self, ident: str, address: tuple[str, int]) -> None:
        self.ident = ident
        self.sock = socket.create_connection(address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray()
        self.n = 0
        self.sent_at = 0.0
        self.ids: list[str] = []
        self.body = b""
        self.sampled = False


def _answer(buffer: bytearray) -> tuple[int, bytes, int] | None:
    """(status, body, bytes used) of the first whole answer in ``buffer``, or None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).lower()
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        raise ValueError(f"an answer without Content-Length: {bytes(buffer[:200])!r}")
    line_end = head.find(b"\r\n", at + 2)
    length = int(head[at + 17:line_end if line_end >= 0 else len(head)])
    total = end + 4 + length
    if len(buffer) < total:
        return None
    return int(buffer[9:12]), bytes(buffer[end + 4:total]), total


def _child(config: dict[str, Any], commands: Any, out: Any) -> None:
    parts = urllib.parse.urlsplit(config["url"])
    address = (parts.hostname, parts.port or 80)
    factory = _factory(config["body"])
    body_args = config["body_args"]
    expect = config["expect"]
    head = (
        f"POST {config['path']} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()
    connections = [_Connection(ident, address) for ident in config["idents"]]
    selector = selectors.DefaultSelector()
    for conn in connections:
        selector.register(conn.sock, selectors.EVENT_READ, conn)
    out.write("ready\n")
    out.flush()
    start = float(commands.readline().split()[1])
    measured_from = start + config["warmup"]
    stop = measured_from + config["seconds"]

    latencies: list[float] = []
    statuses: Counter = Counter()
    acked: list[str] = []
    samples: list[tuple[str, int, str]] = []
    errors: list[str] = []
    cpu_from = cpu_to = None

    def send(conn: _Connection) -> None:
        conn.body, conn.ids = factory(conn.ident, conn.n, *body_args)
        conn.n += 1
        conn.sent_at = time.time()
        conn.sock.sendall(head + str(len(conn.body)).encode() + b"\r\n\r\n" + conn.body)

    delay = start - time.time()
    if delay > 0:
        time.sleep(delay)
    for conn in connections:
        send(conn)
    open_count = len(connections)
    while open_count:
        now = time.time()
        if cpu_from is None and now >= measured_from:
            cpu_from = _cpu()
        if cpu_to is None and now >= stop:
            cpu_to = _cpu()
        for key, _ in selector.select(timeout=1.0):
            conn = key.data
            data = conn.sock.recv(262144)
            if not data:
                errors.append(f"{conn.ident}: the server closed the connection")
                selector.unregister(conn.sock)
                open_count -= 1
                continue
            conn.buffer += data
            answer = _answer(conn.buffer)
            if answer is None:
                continue
            status, body, used = answer
            del conn.buffer[:used]
            done = time.time()
            statuses[status] += 1
            if status == expect:
                acked.extend(conn.ids)
            if not conn.sampled:
                conn.sampled = True
                samples.append((conn.body.decode(), status, body.decode("utf-8", "replace")))
            if measured_from <= done < stop:
                latencies.append(done - conn.sent_at)
            if done < stop:
                send(conn)
            else:
                selector.unregister(conn.sock)
                conn.sock.close()
                open_count -= 1
    if cpu_from is None:
        cpu_from = _cpu()
    if cpu_to is None:
        cpu_to = _cpu()
    json.dump(
        {
            "requests": len(latencies), "latencies": latencies, "statuses": statuses, "acked": acked,
            "samples": samples, "cpu": cpu_to - cpu_from, "errors": errors,
        },
        out,
    )
    out.flush()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: Sequence[str] | None = None) -> int:
    """A client process: a JSON config line, then ``go START`` on stdin; the report on stdout."""
    config = json.loads(sys.stdin.readline())
    _child(config, sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
