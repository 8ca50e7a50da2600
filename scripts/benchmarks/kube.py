"""The Kubernetes API's speed (issue #13): lists, watches and creates.

A real ``orchestrator serve`` (memory store, 8 threads) gets 100 simulated
nodes and 100,000 tasks (native batches), all placed. Then:

- **list**: every pod as the client libraries page through them: JSON lists
  of 500 (``limit``/``continue``), page after page, timed from the first
  request to the last answer; then every pod as one Table, which is how the
  server answers ``kubectl get`` whatever its ``limit`` (kubectl holds itself
  to 5 requests a second, so 200 pages could not take less than about 38 s);
  then, where a ``kubectl`` is on PATH, ``kubectl get pods -A`` itself, with
  and without ``--chunk-size=0``.
- **watch**: a watch on pods from the list's version while native creates
  arrive at 350 a second for 10 s (each create makes about three changes:
  created, scheduled, running, so over 1,000 changes a second); the latency of
  each pod's ADDED event from the moment its create was sent.
- **create**: 4,000 pods one request each through the Kubernetes API from 8
  keep-alive clients, then 4,000 native tasks the same way: the rates and
  their ratio.

Checks: the pages list every pod once; the unchunked list has them all; every
pod created during the watch is seen ADDED; every create is a 201. Quick:
10 nodes, 2,000 tasks, a 2 s watch at 200/s, 300 creates each way.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from typing import Any

from api.client.loadgen import ServerProcess

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
TARGETS = {"list": 2.0, "watch_p99_ms": 100.0, "create_share": 0.5}


@dataclasses.dataclass(frozen=True)
class Size:
    nodes: int
    tasks: int
    watch_rate: float  # creates per second during the watch
    watch_seconds: float
    creates: int  # each way


FULL = Size(nodes=100, tasks=100_000, watch_rate=350.0, watch_seconds=10.0, creates=4_000)
QUICK = Size(nodes=10, tasks=2_000, watch_rate=200.0, watch_seconds=2.0, creates=300)
SERVER_FLAGS = ("--store", "memory", "--threads", "8", "--log-level", "warning")
CLIENTS = 8


class Client:
    """One keep-alive connection speaking JSON."""

    def __init__(self, url: str) -> None:
        parsed = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)

    def call(self, method: str, path: str, body: Any = None, headers: dict | None = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        self.conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        response = self.conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None

    def close(self) -> None:
        self.conn.close()


def _setup(url: str, size: Size) -> None:
    client = Client(url)
    try:
        for i in range(size.nodes):
            status, _ = client.call("POST", "/nodes", {"id": f"n{i}", "capacity": {"cpu": 10**7, "memory": 10**7}})
            assert status == 201
        for start in range(0, size.tasks, 1000):
            batch = [{"id": f"t{i}", "resources": {"cpu": 1, "memory": 1}}
                     for i in range(start, min(start + 1000, size.tasks))]
            status, _ = client.call("POST", "/tasks", batch)
            assert status == 201
        deadline = time.monotonic() + 300
        while client.call("GET", "/tasks?status=pending&limit=1")[1] and time.monotonic() < deadline:
            time.sleep(0.2)  # another process: polled, at most a few times a second
    finally:
        client.close()


def _list(url: str, size: Size) -> tuple[dict[str, float], dict[str, bool]]:
    client = Client(url)
    try:
        names: list[str] = []
        started = time.perf_counter()
        token, pages = None, 0
        while True:
            query = {"limit": "500", **({"continue": token} if token else {})}
            status, listed = client.call("GET", "/api/v1/pods?" + urllib.parse.urlencode(query))
            assert status == 200
            pages += 1
            names += [pod["metadata"]["name"] for pod in listed["items"]]
            token = listed["metadata"].get("continue")
            if not token:
                break
        paged = time.perf_counter() - started
        started = time.perf_counter()
        status, whole = client.call("GET", "/api/v1/pods", headers={"Accept": TABLE})
        unchunked = time.perf_counter() - started
    finally:
        client.close()
    figures = {"list: pods as JSON in pages of 500, all (s)": round(paged, 2), "list: pages": pages,
               "list: one Table of every pod (s)": round(unchunked, 2)}
    kubectl = shutil.which("kubectl")
    if kubectl:
        with tempfile.TemporaryDirectory() as home:
            config = f"{home}/kubeconfig"
            with open(config, "w") as f:
                json.dump({"apiVersion": "v1", "kind": "Config", "current-context": "b",
                           "clusters": [{"name": "b", "cluster": {"server": url}}],
                           "users": [{"name": "b", "user": {}}],
                           "contexts": [{"name": "b", "context": {"cluster": "b", "user": "b"}}]}, f)
            env = {"KUBECONFIG": config, "HOME": home, "PATH": "/usr/bin:/bin"}
            for label, extra in (("kubectl get pods -A --chunk-size=0 (s)", ["--chunk-size=0"]),
                                 ("kubectl get pods -A (s)", [])):
                started = time.perf_counter()
                done = subprocess.run([kubectl, "--cache-dir", f"{home}/cache", "get", "pods", "-A", *extra],
                                      capture_output=True, text=True, env=env, timeout=600)
                figures[label] = round(time.perf_counter() - started, 2)
                assert done.returncode == 0 and len(done.stdout.splitlines()) == size.tasks + 1, done.stderr
    checks = {"the pages list every pod once": sorted(names) == sorted(f"t{i}" for i in range(size.tasks)),
              "the unchunked list has every pod": len(whole["rows"]) == size.tasks}
    return figures, checks


def _watch(url: str, size: Size) -> tuple[dict[str, float], dict[str, bool]]:
    client = Client(url)
    version = client.call("GET", "/api/v1/pods?limit=1")[1]["metadata"]["resourceVersion"]
    client.close()
    parsed = urllib.parse.urlsplit(url)
    stream = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    stream.request("GET", f"/api/v1/pods?watch=true&resourceVersion={version}&timeoutSeconds="
                          f"{size.watch_seconds + 20:g}")
    response = stream.getresponse()
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    changes = [0]
    expected = round(size.watch_rate * size.watch_seconds)
    done = threading.Event()

    def read() -> None:
        for line in response:
            if not line.strip():
                continue
            event = json.loads(line)
            changes[0] += 1
            name = event["object"]["metadata"]["name"]
            if event["type"] == "ADDED" and name not in seen:
                seen[name] = time.perf_counter()
                if len(seen) >= expected:
                    done.set()
                    return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    creator = Client(url)
    batch = max(1, round(size.watch_rate / 10))  # ten batches a second
    started = time.perf_counter()
    try:
        for n in range(0, expected, batch):
            due = started + n / size.watch_rate
            time.sleep(max(0.0, due - time.perf_counter()))  # pacing the load, not waiting for a result
            names = [f"w{i}" for i in range(n, min(n + batch, expected))]
            moment = time.perf_counter()
            for name in names:
                sent[name] = moment
            status, _ = creator.call("POST", "/tasks", [{"id": name, "resources": {"cpu": 1}} for name in names])
            assert status == 201
        done.wait(timeout=30)
        elapsed = time.perf_counter() - started
    finally:
        creator.close()
        stream.close()
    latencies = sorted((seen[name] - sent[name]) * 1000 for name in sent if name in seen)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else None
    return {
        "watch: changes/s seen": round(changes[0] / elapsed),
        "watch: create-to-ADDED p50 (ms)": round(statistics.median(latencies), 1) if latencies else None,
        "watch: create-to-ADDED p99 (ms)": round(p99, 1) if p99 is not None else None,
    }, {"every pod created during the watch is seen ADDED": len(seen) == expected}


def _creates(url: str, size: Size) -> tuple[dict[str, float], dict[str, bool]]:
    def drive(make: Any) -> tuple[float, int]:
        ok = [0]
        lock = threading.Lock()

        def client(number: int) -> None:
            c = Client(url)
            try:
                for i in range(number, size.creates, CLIENTS):
                    status, _ = make(c, i)
                    if status == 201:
                        with lock:
                            ok[0] += 1
            finally:
                c.close()

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return size.creates / (time.perf_counter() - started), ok[0]

    def pod(c: Client, i: int) -> tuple[int, Any]:
        return c.call("POST", "/api/v1/namespaces/default/pods", {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"k{i}", "labels": {"app": "bench"}},
            "spec": {"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "1m"}}}]}})

    def task(c: Client, i: int) -> tuple[int, Any]:
        return c.call("POST", "/tasks", {"id": f"c{i}", "resources": {"cpu": 1}})

    kube_rate, kube_ok = drive(pod)
    native_rate, native_ok = drive(task)
    return {
        "create: pods/s (Kubernetes API)": round(kube_rate),
        "create: tasks/s (native API)": round(native_rate),
        "create: Kubernetes share of native": round(kube_rate / native_rate, 2),
    }, {"every create is a 201": kube_ok == native_ok == size.creates}


def run(quick: bool) -> dict[str, Any]:
    size = QUICK if quick else FULL
    figures: dict[str, Any] = {}
    checks: dict[str, bool] = {}
    with ServerProcess(*SERVER_FLAGS) as server:
        _setup(server.url, size)
        for part in (_list, _watch, _creates):
            f, c = part(server.url, size)
            figures.update(f)
            checks.update(c)
    listed = figures.get("kubectl get pods -A (s)", figures["list: one Table of every pod (s)"])
    p99 = figures["watch: create-to-ADDED p99 (ms)"]
    return {
        "figures": figures,
        "checks": checks,
        "target": f"kubectl get pods -A over 100,000 pods <= {TARGETS['list']:g} s; watch p99 <= "
                  f"{TARGETS['watch_p99_ms']:g} ms at 1,000 changes/s; Kubernetes creates >= "
                  f"{TARGETS['create_share']:.0%} of native",
        "met": None if quick else (
            listed <= TARGETS["list"] and p99 is not None and p99 <= TARGETS["watch_p99_ms"]
            and figures["create: Kubernetes share of native"] >= TARGETS["create_share"]
        ),
        "setup": f"orchestrator serve {' '.join(SERVER_FLAGS)}; {size.nodes} nodes, {size.tasks:,} pods; "
                 f"watch at {size.watch_rate:g} creates/s for {size.watch_seconds:g} s; {size.creates:,} creates "
                 f"each way from {CLIENTS} clients",
    }
